"""Step handlers that switch services on for the whole organization.

* StackSets' trusted access, through CloudFormation's own API (from the management account).
* GuardDuty, Security Hub, IAM Access Analyzer and the AWS Config aggregator, from their
  delegated administrator: the management account only names the administrator (services.py
  in synth); everything that turns the service on for the organization has to be called in the
  administrator's account. Deploy assumes the administrator account's access role there
  (OrganizationAccountAccessRole unless the blueprint names another), in every governed region.

Why API calls and not a stack or StackSet: designating the GuardDuty or Security Hub
administrator already enables the service in that account, so a detector or hub resource
would fail as already existing; GuardDuty's organization configuration has no CloudFormation
resource at all. The calls below look first and change only what is missing, so every step is
idempotent, and the deploy's second run makes no change.

Handlers need only what `Context` names, so that this module does not import steps.py (which
registers them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from generator.errors import AwsError

if TYPE_CHECKING:
    from generator.aws.gateway import Gateway

GUARDDUTY_PRINCIPAL = "guardduty.amazonaws.com"
ACCESS_ANALYZER_PRINCIPAL = "access-analyzer.amazonaws.com"
CONFIG_PRINCIPAL = "config.amazonaws.com"
# What an organization aggregator's role may read: the Organizations reads of AWS's managed
# policy AWSConfigRoleForOrganizations, inline (managed policies are per partition, and an
# inline copy keeps the role self-contained).
# https://docs.aws.amazon.com/config/latest/developerguide/security-iam-awsmanpol.html
AGGREGATOR_READS = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":['
                    '"organizations:DescribeOrganization","organizations:ListAccounts",'
                    '"organizations:ListAWSServiceAccessForOrganization",'
                    '"organizations:ListDelegatedAdministrators"],"Resource":"*"}]}')


class Context(Protocol):
    """What a handler uses of steps.StepContext."""

    @property
    def gateway(self) -> Gateway: ...

    @property
    def region(self) -> str: ...

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]: ...

    def pages(self, service: str, operation: str, key: str, **params: Any) -> list[Any]: ...


def _admin(ctx: Context, params: dict[str, Any]) -> Gateway:
    """The delegated administrator's account, through its access role."""
    arn = (f"arn:{ctx.gateway.partition()}:iam::{params['AdminAccountId']}:role/"
           f"{params['RoleName']}")
    try:
        return ctx.gateway.assume_role(arn)
    except AwsError as error:
        if error.code not in ("AccessDenied", "AccessDeniedException"):
            raise
        raise AwsError(f"cannot assume {arn}: {error.message}",
                       "the delegated administrator's account needs that role, trusting the "
                       "management account (accounts lzgen creates have it; set the account's "
                       "role_name in the blueprint otherwise), and the deploying identity "
                       "needs sts:AssumeRole on it (output/deployer-policy.json)",
                       code=error.code) from error


def _is_delegated(ctx: Context, account: str, principal: str) -> bool:
    admins = ctx.pages("organizations", "ListDelegatedAdministrators",
                       "DelegatedAdministrators", ServicePrincipal=principal)
    return any(a["Id"] == account for a in admins)


# -- StackSets ----------------------------------------------------------------------------------


class StackSetsAccess:
    """CloudFormation ActivateOrganizationsAccess: the call that makes service-managed
    StackSets work (it enables the Organizations side too).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeOrganizationsAccess.html
    """

    def in_place(self, ctx: Context, params: dict[str, Any]) -> bool:
        try:
            found = ctx.call("cloudformation", "DescribeOrganizationsAccess")
        except AwsError as error:
            if error.code in ("InvalidOperationException", "InvalidOperation"):
                return False  # no organization yet: the prepare phase creates it first
            raise
        return found.get("Status") == "ENABLED"

    def apply(self, ctx: Context, params: dict[str, Any]) -> None:
        ctx.call("cloudformation", "ActivateOrganizationsAccess")


# -- GuardDuty ----------------------------------------------------------------------------------


def _detector(admin: Gateway, region: str) -> str | None:
    found = admin.pages("guardduty", "ListDetectors", "DetectorIds", region=region)
    return str(found[0]) if found else None


class GuardDutyOrganization:
    """A detector in the administrator account, and every member account enabled
    (AutoEnableOrganizationMembers), in one region.
    https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html
    https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DescribeOrganizationConfiguration.html
    https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html
    """

    def in_place(self, ctx: Context, params: dict[str, Any]) -> bool:
        admins = ctx.pages("guardduty", "ListOrganizationAdminAccounts", "AdminAccounts")
        if not any(a.get("AdminAccountId") == params["AdminAccountId"] for a in admins):
            return False  # the administrator is named first, by an earlier step
        admin = _admin(ctx, params)
        detector = _detector(admin, ctx.region)
        if detector is None:
            return False
        found = admin.call("guardduty", "DescribeOrganizationConfiguration", region=ctx.region,
                           DetectorId=detector)
        return bool(found.get("AutoEnableOrganizationMembers")
                    == params["AutoEnableOrganizationMembers"])

    def apply(self, ctx: Context, params: dict[str, Any]) -> None:
        admin = _admin(ctx, params)
        detector = _detector(admin, ctx.region)
        if detector is None:  # one detector per account and region
            detector = str(admin.call("guardduty", "CreateDetector", region=ctx.region,
                                      Enable=True)["DetectorId"])
        admin.call("guardduty", "UpdateOrganizationConfiguration", region=ctx.region,
                   DetectorId=detector,
                   AutoEnableOrganizationMembers=params["AutoEnableOrganizationMembers"])


# -- Security Hub -------------------------------------------------------------------------------


def _hub_enabled(admin: Gateway, region: str) -> bool:
    try:
        admin.call("securityhub", "DescribeHub", region=region)
    except AwsError as error:
        if error.code in ("InvalidAccessException", "ResourceNotFoundException"):
            return False
        raise
    return True


class SecurityHubOrganization:
    """Security Hub on in the administrator account, and new member accounts enabled
    automatically (AutoEnable), in one region.
    https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_EnableSecurityHub.html
    https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_UpdateOrganizationConfiguration.html
    """

    def in_place(self, ctx: Context, params: dict[str, Any]) -> bool:
        admins = ctx.pages("securityhub", "ListOrganizationAdminAccounts", "AdminAccounts")
        if not any(a.get("AccountId") == params["AdminAccountId"] for a in admins):
            return False
        admin = _admin(ctx, params)
        if not _hub_enabled(admin, ctx.region):
            return False
        found = admin.call("securityhub", "DescribeOrganizationConfiguration", region=ctx.region)
        return bool(found.get("AutoEnable")) == bool(params["AutoEnable"])

    def apply(self, ctx: Context, params: dict[str, Any]) -> None:
        admin = _admin(ctx, params)
        if not _hub_enabled(admin, ctx.region):
            admin.call("securityhub", "EnableSecurityHub", region=ctx.region)
        admin.call("securityhub", "UpdateOrganizationConfiguration", region=ctx.region,
                   AutoEnable=bool(params["AutoEnable"]))


# -- IAM Access Analyzer ------------------------------------------------------------------------


class OrganizationAnalyzer:
    """An analyzer whose zone of trust is the organization, in the administrator account, in
    one region (an analyzer only sees its own region).
    https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CreateAnalyzer.html
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-external.html
    """

    def in_place(self, ctx: Context, params: dict[str, Any]) -> bool:
        if not _is_delegated(ctx, params["AdminAccountId"], ACCESS_ANALYZER_PRINCIPAL):
            return False
        admin = _admin(ctx, params)
        found = admin.pages("accessanalyzer", "ListAnalyzers", "analyzers", region=ctx.region,
                            type=params["type"])
        return bool(found)  # any organization analyzer will do: one is enough

    def apply(self, ctx: Context, params: dict[str, Any]) -> None:
        _admin(ctx, params).call("accessanalyzer", "CreateAnalyzer", region=ctx.region,
                                 analyzerName=params["analyzerName"], type=params["type"])


# -- AWS Config ---------------------------------------------------------------------------------


class ConfigAggregator:
    """An organization aggregator in the administrator account, with the role Config reads
    the organization with.
    https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html
    https://docs.aws.amazon.com/config/latest/developerguide/set-up-aggregator-cli.html
    """

    def in_place(self, ctx: Context, params: dict[str, Any]) -> bool:
        if not _is_delegated(ctx, params["AdminAccountId"], CONFIG_PRINCIPAL):
            return False
        admin = _admin(ctx, params)
        found = admin.pages("config", "DescribeConfigurationAggregators",
                            "ConfigurationAggregators", region=ctx.region)
        wanted = sorted(params["AwsRegions"])
        return any(a.get("ConfigurationAggregatorName") == params["ConfigurationAggregatorName"]
                   and sorted((a.get("OrganizationAggregationSource") or {})
                              .get("AwsRegions") or []) == wanted for a in found)

    def apply(self, ctx: Context, params: dict[str, Any]) -> None:
        admin = _admin(ctx, params)
        role_arn = _aggregator_role(admin, params)
        admin.call("config", "PutConfigurationAggregator", region=ctx.region,
                   ConfigurationAggregatorName=params["ConfigurationAggregatorName"],
                   OrganizationAggregationSource={"RoleArn": role_arn,
                                                  "AwsRegions": sorted(params["AwsRegions"])})


def _aggregator_role(admin: Gateway, params: dict[str, Any]) -> str:
    name = params["AggregatorRoleName"]
    try:
        return str(admin.call("iam", "GetRole", RoleName=name)["Role"]["Arn"])
    except AwsError as error:
        if error.code != "NoSuchEntity":
            raise
    trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
             '{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
    arn = str(admin.call("iam", "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust,
                         Description="AWS Config reads the organization for the lzgen "
                                     "aggregator")["Role"]["Arn"])
    admin.call("iam", "PutRolePolicy", RoleName=name, PolicyName="read-organization",
               PolicyDocument=AGGREGATOR_READS)
    return arn


# -- registration (steps.py) --------------------------------------------------------------------

_ASSUME = "sts:AssumeRole"
# (service, action) -> (handler, the IAM actions it calls). Calls made in the administrator's
# account run as its access role; they are listed too, so that the deployer policy names every
# call a deploy makes.
HANDLERS: dict[tuple[str, str], tuple[Any, tuple[str, ...]]] = {
    ("cloudformation", "ActivateOrganizationsAccess"): (StackSetsAccess(), (
        "cloudformation:ActivateOrganizationsAccess",
        "cloudformation:DescribeOrganizationsAccess", "iam:CreateServiceLinkedRole",
        "organizations:EnableAWSServiceAccess",
        "organizations:ListAWSServiceAccessForOrganization")),
    ("guardduty", "UpdateOrganizationConfiguration"): (GuardDutyOrganization(), (
        _ASSUME, "guardduty:ListOrganizationAdminAccounts", "guardduty:ListDetectors",
        "guardduty:CreateDetector", "guardduty:DescribeOrganizationConfiguration",
        "guardduty:UpdateOrganizationConfiguration", "iam:CreateServiceLinkedRole")),
    ("securityhub", "UpdateOrganizationConfiguration"): (SecurityHubOrganization(), (
        _ASSUME, "securityhub:ListOrganizationAdminAccounts", "securityhub:DescribeHub",
        "securityhub:EnableSecurityHub", "securityhub:DescribeOrganizationConfiguration",
        "securityhub:UpdateOrganizationConfiguration", "iam:CreateServiceLinkedRole")),
    ("accessanalyzer", "CreateAnalyzer"): (OrganizationAnalyzer(), (
        _ASSUME, "organizations:ListDelegatedAdministrators", "access-analyzer:ListAnalyzers",
        "access-analyzer:CreateAnalyzer", "iam:CreateServiceLinkedRole")),
    ("config", "PutConfigurationAggregator"): (ConfigAggregator(), (
        _ASSUME, "organizations:ListDelegatedAdministrators",
        "config:DescribeConfigurationAggregators", "config:PutConfigurationAggregator",
        "iam:GetRole", "iam:CreateRole", "iam:PutRolePolicy", "iam:PassRole")),
}
