"""Services at the organization level: trusted access and delegated administrators (API
steps), and the organization trail with its bucket (stacks).

The seed asks to enable each integrated service through that service's own API, so that the
service can set itself up. The steps below do that where a service has such an API
(GuardDuty and Security Hub designate their administrator themselves, CloudTrail registers
its own); Config and IAM Access Analyzer have none, so Organizations registers their
administrators. Trusted access comes first, since every later step needs it. Account
references are blueprint names in `{{lzgen:account-id:NAME}}` tokens: deploy resolves them.
"""

from __future__ import annotations

from typing import Any

from troposphere import Parameter, Ref, Sub, Template
from troposphere.cloudtrail import Trail
from troposphere.s3 import (
    Bucket,
    BucketEncryption,
    BucketPolicy,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from generator.baseline import (
    SERVICE_PRINCIPALS,
    configured_services,
    delegated_admins,
    records_config,
    trail_account,
)
from generator.model import Organization
from generator.synth.organization import new_template
from generator.synth.stacksets import (
    account_id,
    add_stackset,
    after_organization,
    deploy_parameters,
    only_account,
    organization_id,
)
from generator.synth.types import ApiStep, Build, Stack
from generator.synth.types import account_id as account_token

TRAIL_STACK = "organization-trail"
BUCKET_STACKSET = "trail-bucket"


def trail_bucket_name(org: Organization) -> str:
    """The bucket name, with ${AccountId} standing for the log archive account's ID."""
    return f"lzgen-{org.blueprint.organization.name}-trail-${{AccountId}}"


# --- the organization trail -----------------------------------------------------------------

def build_organization_trail(org: Organization, build: Build) -> None:
    ref = trail_account(org)
    trail = org.blueprint.services.organization_trail
    if ref is None or trail is None or ref.name not in org.accounts:
        return
    home = org.blueprint.organization.home_region
    template = new_template(f"The organization trail, logging every account and region to a "
                            f"bucket in account {ref.name}")
    bucket_set = add_stackset(
        org, build, (TRAIL_STACK, template), BUCKET_STACKSET, _bucket_body(org, trail.name),
        targets=only_account(org, template, ref.name), regions=[home],
        description="The bucket of the organization trail", who=f"account {ref.name}",
        parameters={"OrganizationId": organization_id(template),
                    "ManagementAccountId": Ref("AWS::AccountId")},
        account=ref.name)
    template.add_resource(Trail(
        "OrganizationTrail",
        DependsOn=[bucket_set],
        TrailName=trail.name,
        S3BucketName=Sub(trail_bucket_name(org),
                         AccountId=account_id(org, template, ref.name)),
        IsLogging=True,
        IsMultiRegionTrail=True,
        IsOrganizationTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
    ))
    build.stacks.append(Stack(TRAIL_STACK, template.to_dict(), "Organization trail",
                              after_organization(build), deploy_parameters(template), home))


def _bucket_body(org: Organization, trail_name: str) -> Template:
    home = org.blueprint.organization.home_region
    body = new_template("The bucket of the organization trail (lzgen StackSet)")
    org_id = organization_id(body)
    body.add_parameter(Parameter("ManagementAccountId", Type="String",
                                 AllowedPattern="^[0-9]{12}$",
                                 Description="ID of the management account, owner of the trail"))
    bucket = body.add_resource(Bucket(
        "TrailBucket",
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        BucketName=Sub(trail_bucket_name(org), AccountId=Ref("AWS::AccountId")),
        VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
        BucketEncryption=BucketEncryption(ServerSideEncryptionConfiguration=[
            ServerSideEncryptionRule(ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                SSEAlgorithm="AES256"))]),
        PublicAccessBlockConfiguration=PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True,
            RestrictPublicBuckets=True),
        OwnershipControls=OwnershipControls(Rules=[
            OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
    ))
    arn = Sub("arn:${AWS::Partition}:s3:::${TrailBucket}")
    trail_arn = Sub(f"arn:${{AWS::Partition}}:cloudtrail:{home}:${{ManagementAccountId}}:"
                    f"trail/{trail_name}")
    from_trail = {"StringEquals": {"aws:SourceArn": trail_arn}}
    writes = {"StringEquals": {"aws:SourceArn": trail_arn,
                               "s3:x-amz-acl": "bucket-owner-full-control"}}
    cloudtrail = {"Service": "cloudtrail.amazonaws.com"}
    body.add_resource(BucketPolicy("TrailBucketPolicy", Bucket=Ref(bucket), PolicyDocument={
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "TrailReadsAcl", "Effect": "Allow", "Principal": cloudtrail,
             "Action": "s3:GetBucketAcl", "Resource": arn, "Condition": from_trail},
            {"Sid": "TrailWritesManagementLogs", "Effect": "Allow", "Principal": cloudtrail,
             "Action": "s3:PutObject", "Condition": writes,
             "Resource": Sub("arn:${AWS::Partition}:s3:::${TrailBucket}/AWSLogs/"
                             "${ManagementAccountId}/*")},
            {"Sid": "TrailWritesOrganizationLogs", "Effect": "Allow", "Principal": cloudtrail,
             "Action": "s3:PutObject", "Condition": writes,
             "Resource": Sub("arn:${AWS::Partition}:s3:::${TrailBucket}/AWSLogs/${OrgId}/*",
                             OrgId=org_id)},
            *(_config_statements(arn, org_id) if records_config(org) else []),
            {"Sid": "OnlyEncryptedTransport", "Effect": "Deny", "Principal": "*",
             "Action": "s3:*", "Resource": [arn, Sub("arn:${AWS::Partition}:s3:::"
                                                     "${TrailBucket}/*")],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }))
    return body


def _config_statements(bucket_arn: Sub, org_id: Any) -> list[dict[str, Any]]:
    """What AWS Config needs to deliver to the bucket from every account of the organization:
    the three statements of "Permissions for the Amazon S3 bucket for the AWS Config delivery
    channel" (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy.html).
    From another account Config writes as its service principal once its recorder's role is
    refused (same page); in the log-archive account itself the role writes (synth/config.py).
    AWS's page limits each statement to one source account (AWS:SourceAccount); lzgen limits
    them to the organization (aws:SourceOrgID), so that accounts added later deliver too."""
    config = {"Service": "config.amazonaws.com"}
    from_org = {"StringEquals": {"aws:SourceOrgID": org_id}}
    return [
        {"Sid": "AWSConfigBucketPermissionsCheck", "Effect": "Allow", "Principal": config,
         "Action": "s3:GetBucketAcl", "Resource": bucket_arn, "Condition": from_org},
        {"Sid": "AWSConfigBucketExistenceCheck", "Effect": "Allow", "Principal": config,
         "Action": "s3:ListBucket", "Resource": bucket_arn, "Condition": from_org},
        {"Sid": "AWSConfigBucketDelivery", "Effect": "Allow", "Principal": config,
         "Action": "s3:PutObject",
         "Resource": Sub("arn:${AWS::Partition}:s3:::${TrailBucket}/AWSLogs/*/Config/*"),
         "Condition": {"StringEquals": {"aws:SourceOrgID": org_id,
                                        "s3:x-amz-acl": "bucket-owner-full-control"}}},
    ]


# --- API steps ------------------------------------------------------------------------------

def build_service_steps(org: Organization, build: Build) -> None:
    """Trusted access for the configured services, then their administrators. (Centralized
    root access and AWS Account Management are contacts.py's.)"""
    steps = [_trusted_access(p) for p in _principals(org)]
    for service, ref in delegated_admins(org).items():
        steps += _delegated_admin_steps(org, service, account_token(ref.name))
    build.api_steps.extend(steps)


def _principals(org: Organization) -> list[str]:
    principals: list[str] = []
    for service, settings in configured_services(org).items():
        if settings.trusted_access or settings.delegated_admin:
            principals += SERVICE_PRINCIPALS[service]
    if trail_account(org) is not None:
        principals += SERVICE_PRINCIPALS["cloudtrail"]
    return list(dict.fromkeys(principals))


def _contains(service: str, action: str, path: str, value: str,
              parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"service": service, "action": action, "parameters": parameters or {},
            "path": path, "contains": value}


def _trusted_access(principal: str) -> ApiStep:
    return ApiStep(
        "prepare", "organizations", "EnableAWSServiceAccess", {"ServicePrincipal": principal},
        f"trusted access for {principal}, before anything of the service runs",
        check=_contains("organizations", "ListAWSServiceAccessForOrganization",
                        "EnabledServicePrincipals[].ServicePrincipal", principal))


def _delegated_admin_steps(org: Organization, service: str, account: str) -> list[ApiStep]:
    regions = sorted(org.blueprint.organization.regions)
    if service in ("guardduty", "securityhub"):
        # Both designate their administrator per region, through their own API.
        field = "AdminAccountId" if service == "guardduty" else "AccountId"
        return [ApiStep("after", service, "EnableOrganizationAdminAccount",
                        {"AdminAccountId": account},
                        f"{service} is administered from this account (in {region})",
                        region=region,
                        check=_contains(service, "ListOrganizationAdminAccounts",
                                        f"AdminAccounts[].{field}", account))
                for region in regions]
    if service == "cloudtrail":
        return [ApiStep("after", "cloudtrail", "RegisterOrganizationDelegatedAdmin",
                        {"MemberAccountId": account},
                        "CloudTrail registers its own delegated administrator",
                        check=_registered(account, "cloudtrail.amazonaws.com"))]
    return [ApiStep("after", "organizations", "RegisterDelegatedAdministrator",
                    {"AccountId": account, "ServicePrincipal": principal},
                    f"{service} has no API of its own to name its administrator",
                    check=_registered(account, principal))
            for principal in SERVICE_PRINCIPALS[service]]


def _registered(account: str, principal: str) -> dict[str, Any]:
    return _contains("organizations", "ListDelegatedAdministrators",
                     "DelegatedAdministrators[].Id", account, {"ServicePrincipal": principal})
