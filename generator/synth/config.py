"""AWS Config recording: a configuration recorder and a delivery channel in every governed
account and region, when the blueprint says lzgen owns Config (`services.config.recorder`,
default "lzgen"); a precondition for deploy to verify when another tool owns it ("external").

Config rules (MFA detection) fail with NoAvailableConfigurationRecorderException where the
account and region have no recorder
(https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigRule.html), so the stack
of the rules depends on this one. Each account and region holds one recorder and one delivery
channel, and the channel needs the recorder first
(https://docs.aws.amazon.com/config/latest/APIReference/API_PutDeliveryChannel.html);
CloudFormation starts the recorder once the channel exists
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-config-configurationrecorder.html).

The recorders use a role of lzgen's own, `lzgen-config-recorder`, with AWS's managed policy
AWS_ConfigRole, the policy AWS documents for a recorder's own IAM role
(https://docs.aws.amazon.com/config/latest/developerguide/security-iam-awsmanpol.html,
https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html), not the
service-linked role AWSServiceRoleForConfig: AWS Config creates that role by itself only when
set up in the console (same page), and a template that creates it fails in every account
where it already exists (Security Hub, Control Tower or an earlier console setup made it).
IAM is global, so the role is made once per account, in the home region, by a StackSet of its
own that runs before the recorders' StackSet (regions of one StackSet may run in parallel).
Delivery goes to the organization trail's bucket in the log-archive account: from another
account, Config writes as its service principal, which the bucket's policy admits
(services.py); in the log-archive account itself it writes with the role, whose policy allows
it (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html).

Member accounts that already have a recorder or delivery channel of another tool would make
the StackSet's instance fail (one of each per account and region); with "external", member
accounts must have one. Both are preconditions that deploy verifies live in every member
account (generator/aws/recorders.py) before anything changes.
"""

from __future__ import annotations

from typing import Any

from troposphere import Equals, If, Parameter, Ref, Sub, Template
from troposphere.config import (
    ConfigSnapshotDeliveryProperties,
    ConfigurationRecorder,
    DeliveryChannel,
    RecordingGroup,
)
from troposphere.iam import Policy, Role

from generator.baseline import (
    config_bucket_account,
    config_recorder,
    needs_config_recording,
    records_config,
)
from generator.contract import CONFIG_RECORDER_ROLE, stack_name
from generator.model import Organization
from generator.synth.organization import new_template
from generator.synth.orgwide import DEFAULT_ROLE
from generator.synth.services import TRAIL_STACK, trail_bucket_name
from generator.synth.stacksets import (
    NAMED_IAM,
    account_id,
    add_stackset,
    after_organization,
    deploy_parameters,
    every_member_account,
)
from generator.synth.types import Build, Precondition, Stack
from generator.synth.types import account_id as account_token

STACK = "config-recorder"
ROLE_STACKSET = "config-service-role"
RECORDER_STACKSET = "config-recorder"
RECORDER_NAME = "lzgen"
CONFIG_PRINCIPAL = "config.amazonaws.com"
RECORDER_ROLE = CONFIG_RECORDER_ROLE
EXTERNAL_RECORDER = "config-recorder-external"
FREE_FOR_LZGEN = "config-recorder-free"
RULES_STACK = "mfa-detection"  # synth/mfa.py's STACK (which imports this module)


def build_config_recording(org: Organization, build: Build) -> None:
    if not needs_config_recording(org):
        return
    if config_recorder(org) == "external":
        build.preconditions.append(external_recorder(org))
        return
    if not records_config(org):
        return  # no log-archive bucket: check LZ315 explains
    home = org.blueprint.organization.home_region
    regions = sorted(org.blueprint.organization.regions)
    bucket_account = config_bucket_account(org)
    template = new_template("AWS Config recording: the recorder's role and a recorder "
                            "delivering to the log archive, in the management account and "
                            "(StackSets) every member account, in every governed region")
    log_archive = account_id(org, template, bucket_account)
    role_set = add_stackset(
        org, build, (STACK, template), ROLE_STACKSET, _role_body(org),
        targets=every_member_account(template), regions=[home],
        description="The IAM role of AWS Config's recorder (once per account)",
        who="every member account", parameters={"LogArchiveAccountId": log_archive},
        iam=True)
    add_stackset(
        org, build, (STACK, template), RECORDER_STACKSET, _recorder_body(org),
        targets=every_member_account(template), regions=regions,
        description="AWS Config recorder and delivery channel", who="every member account",
        parameters={"LogArchiveAccountId": log_archive}, depends_on=[role_set])
    template.add_resource(_recorder_role(org, log_archive))
    _add_recorder(template, org, log_archive, global_types=True,
                  depends_on=["ConfigRecorderRole"])
    after = [*after_organization(build), TRAIL_STACK]
    build.stacks.append(Stack(STACK, template.to_dict(), "AWS Config recording", after,
                              deploy_parameters(template), home, [NAMED_IAM]))
    build.preconditions.append(free_for_lzgen(org))
    for region in regions:
        if region != home:
            build.stacks.append(_regional_stack(org, region, after, bucket_account))


def external_recorder(org: Organization) -> Precondition:
    """A recorder that records, in the management account and every member account, in every
    governed region. DescribeConfigurationRecorderStatus lists the recorders with whether they
    record (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorderStatus.html)."""
    return Precondition(
        EXTERNAL_RECORDER,
        "AWS Config records in every governed account and region (services.config.recorder: "
        "external): the Config rules lzgen deploys need a recorder there",
        "in each account and governed region, `aws configservice "
        "describe-configuration-recorder-status` lists a recorder that is recording",
        "every governed account and region",
        {"service": "config", "action": "DescribeConfigurationRecorderStatus", "parameters": {},
         "path": "ConfigurationRecordersStatus[?recording].name", "nonempty": True,
         **_in_every_account(org, RULES_STACK if org.blueprint.alerts.mfa_detection.enabled
                             else "")})


def free_for_lzgen(org: Organization) -> Precondition:
    """No recorder or delivery channel of another tool where lzgen's StackSet creates one:
    PutConfigurationRecorder and PutDeliveryChannel refuse a second one
    (MaxNumberOfConfigurationRecordersExceededException,
    https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html;
    MaxNumberOfDeliveryChannelsExceededException,
    https://docs.aws.amazon.com/config/latest/APIReference/API_PutDeliveryChannel.html), and the
    StackSet's instance would fail half way. Instances of lzgen's StackSet that already exist
    hold lzgen's own."""
    name = stack_name(org.blueprint.organization.name, RECORDER_STACKSET)
    return Precondition(
        FREE_FOR_LZGEN,
        "no member account has a configuration recorder or delivery channel of another tool "
        "in a governed region: lzgen's StackSet creates one of each there, and AWS allows one "
        "of each per account and region",
        "in each member account and governed region without an instance of StackSet "
        f"{name}, `aws configservice describe-configuration-recorders` and "
        "`describe-delivery-channels` list nothing",
        "every member account and governed region",
        {"service": "config", "action": "DescribeConfigurationRecorders", "parameters": {},
         "path": "ConfigurationRecorders[].name", "empty": True,
         "also": "DescribeDeliveryChannels", "except_stackset": name,
         **_in_every_account(org, STACK)})


def _in_every_account(org: Organization, for_stack: str) -> dict[str, Any]:
    """Where deploy makes the check: every member account, through its access role (the
    blueprint's role_name where it names another), in every governed region; when: as the
    stack whose StackSets need it (`for_stack`) is created or changed ("" for every deploy)."""
    roles = {name: account.role_name for name, account in sorted(org.blueprint.accounts.items())
             if account.role_name != DEFAULT_ROLE}
    return {"in_every_account": True, "regions": sorted(org.blueprint.organization.regions),
            "role": DEFAULT_ROLE, "roles": roles, "for_stack": for_stack}


def _regional_stack(org: Organization, region: str, after: list[str],
                    bucket_account: str) -> Stack:
    """Outside the home region the SSM parameters with account IDs do not exist (they are
    regional): deploy passes the log archive's ID as a token instead."""
    template = new_template(f"AWS Config recording of the management account in {region}")
    template.add_parameter(_log_archive_parameter())
    _add_recorder(template, org, Ref("LogArchiveAccountId"), global_types=False)
    return Stack(f"{STACK}-{region}", template.to_dict(), f"AWS Config recording ({region})",
                 [*after, STACK], {"LogArchiveAccountId": account_token(bucket_account)},
                 region)


def _log_archive_parameter() -> Parameter:
    return Parameter("LogArchiveAccountId", Type="String", AllowedPattern="^[0-9]{12}$",
                     Description="ID of the log-archive account (its bucket)")


def _recorder_role(org: Organization, log_archive: Any) -> Role:
    """The role Config assumes to record and, in the log-archive account, to deliver: trusted
    by Config for this account only, with AWS_ConfigRole and the bucket permissions of
    https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html."""
    bucket = Sub(f"arn:${{AWS::Partition}}:s3:::{trail_bucket_name(org)}",
                 AccountId=log_archive)
    objects = Sub(f"arn:${{AWS::Partition}}:s3:::{trail_bucket_name(org)}/AWSLogs/"
                  "${AWS::AccountId}/Config/*", AccountId=log_archive)
    return Role(
        "ConfigRecorderRole", RoleName=RECORDER_ROLE,
        Description="AWS Config records resources and delivers to the log archive (lzgen)",
        AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": CONFIG_PRINCIPAL},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}}]},
        ManagedPolicyArns=[Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/"
                               "AWS_ConfigRole")],
        Policies=[Policy(PolicyName="deliver-to-log-archive", PolicyDocument={
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": bucket},
                {"Effect": "Allow", "Action": "s3:PutObject*", "Resource": objects,
                 "Condition": {"StringLike": {
                     "s3:x-amz-acl": "bucket-owner-full-control"}}}]})])


def _role_body(org: Organization) -> Template:
    body = new_template("The IAM role of AWS Config's recorder (lzgen StackSet, home region)")
    body.add_parameter(_log_archive_parameter())
    body.add_resource(_recorder_role(org, Ref("LogArchiveAccountId")))
    return body


def _recorder_body(org: Organization) -> Template:
    home = org.blueprint.organization.home_region
    body = new_template("AWS Config recorder and delivery channel to the log archive (lzgen "
                        "StackSet); global resources are recorded in the home region only")
    body.add_parameter(_log_archive_parameter())
    body.add_condition("InHomeRegion", Equals(Ref("AWS::Region"), home))
    _add_recorder(body, org, Ref("LogArchiveAccountId"),
                  global_types=If("InHomeRegion", True, False))
    return body


def _add_recorder(template: Template, org: Organization, log_archive: Any, *,
                  global_types: Any, depends_on: list[str] | None = None) -> None:
    """The recorder, then its delivery channel. Global resources (IAM) are recorded in one
    region only, or every region would record them again."""
    recorder = ConfigurationRecorder(
        "ConfigRecorder", Name=RECORDER_NAME,
        RoleARN=Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{RECORDER_ROLE}"),
        RecordingGroup=RecordingGroup(AllSupported=True,
                                      IncludeGlobalResourceTypes=global_types))
    if depends_on:
        recorder.DependsOn = depends_on
    template.add_resource(recorder)
    template.add_resource(DeliveryChannel(
        "ConfigDeliveryChannel", DependsOn=["ConfigRecorder"], Name=RECORDER_NAME,
        S3BucketName=Sub(trail_bucket_name(org), AccountId=log_archive),
        ConfigSnapshotDeliveryProperties=ConfigSnapshotDeliveryProperties(
            DeliveryFrequency="TwentyFour_Hours")))
