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

The recorders use the service-linked role AWSServiceRoleForConfig
(https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles.html).
IAM is global, so the role is made once per account, in the home region, by a StackSet of its
own that runs before the recorders' StackSet (regions of one StackSet may run in parallel).
Delivery goes to the organization trail's bucket in the log-archive account, whose policy
admits Config (services.py).
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
from troposphere.iam import ServiceLinkedRole

from generator.baseline import (
    config_bucket_account,
    config_recorder,
    needs_config_recording,
    records_config,
)
from generator.model import Organization
from generator.synth.organization import new_template
from generator.synth.services import TRAIL_STACK, trail_bucket_name
from generator.synth.stacksets import (
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
SERVICE_ROLE = "AWSServiceRoleForConfig"
EXTERNAL_RECORDER = "config-recorder-external"


def build_config_recording(org: Organization, build: Build) -> None:
    if not needs_config_recording(org):
        return
    if config_recorder(org) == "external":
        build.preconditions.append(external_recorder())
        return
    if not records_config(org):
        return  # no log-archive bucket: check LZ315 explains
    home = org.blueprint.organization.home_region
    regions = sorted(org.blueprint.organization.regions)
    bucket_account = config_bucket_account(org)
    template = new_template("AWS Config recording: the service-linked role and a recorder "
                            "delivering to the log archive, in the management account and "
                            "(StackSets) every member account, in every governed region")
    log_archive = account_id(org, template, bucket_account)
    role_set = add_stackset(
        org, build, (STACK, template), ROLE_STACKSET, _role_body(),
        targets=every_member_account(template), regions=[home],
        description="The service-linked role of AWS Config (once per account)",
        who="every member account")
    add_stackset(
        org, build, (STACK, template), RECORDER_STACKSET, _recorder_body(org),
        targets=every_member_account(template), regions=regions,
        description="AWS Config recorder and delivery channel", who="every member account",
        parameters={"LogArchiveAccountId": log_archive}, depends_on=[role_set])
    template.add_resource(_service_linked_role())
    _add_recorder(template, org, log_archive, global_types=True,
                  depends_on=["ConfigServiceLinkedRole"])
    after = [*after_organization(build), TRAIL_STACK]
    build.stacks.append(Stack(STACK, template.to_dict(), "AWS Config recording", after,
                              deploy_parameters(template), home))
    for region in regions:
        if region != home:
            build.stacks.append(_regional_stack(org, region, after, bucket_account))


def external_recorder() -> Precondition:
    return Precondition(
        EXTERNAL_RECORDER,
        "AWS Config records in every governed account and region (services.config.recorder: "
        "external): the Config rules lzgen deploys need a recorder there",
        "in each account and governed region, `aws configservice "
        "describe-configuration-recorder-status` lists a recorder that is recording",
        "every governed account and region",
        {"service": "config", "action": "DescribeConfigurationRecorders", "parameters": {},
         "path": "ConfigurationRecorders[].name", "nonempty": True})


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


def _service_linked_role() -> ServiceLinkedRole:
    # Retained: other tools (Security Hub, conformance packs) rely on the same role.
    return ServiceLinkedRole("ConfigServiceLinkedRole", AWSServiceName=CONFIG_PRINCIPAL,
                             Description="AWS Config records resources (lzgen)",
                             DeletionPolicy="Retain", UpdateReplacePolicy="Retain")


def _role_body() -> Template:
    body = new_template("The service-linked role of AWS Config (lzgen StackSet, home region)")
    body.add_resource(_service_linked_role())
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
        RoleARN=Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/aws-service-role/"
                    f"{CONFIG_PRINCIPAL}/{SERVICE_ROLE}"),
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
