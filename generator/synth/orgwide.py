"""API steps that switch GuardDuty, Security Hub, IAM Access Analyzer and the AWS Config
aggregator on for the whole organization, from each service's delegated administrator.

services.py names the administrators; these steps then run in the administrator's account
(deploy assumes its access role, generator/aws/orgwide.py), after the administrator steps:

* GuardDuty, in every governed region: a detector, and every member account enabled, the
  existing ones included (AutoEnableOrganizationMembers ALL);
* Security Hub, in every governed region: the hub, and new member accounts enabled (AutoEnable);
* IAM Access Analyzer, in every governed region: an analyzer whose zone of trust is the
  organization;
* AWS Config, in the home region: an aggregator over the organization's governed regions.
"""

from __future__ import annotations

from typing import Any

from generator.baseline import delegated_admins
from generator.model import Organization
from generator.synth.types import ApiStep, Build, account_id

ANALYZER_NAME = "lzgen-organization"
AGGREGATOR_NAME = "lzgen-organization"
AGGREGATOR_ROLE = "lzgen-config-aggregator"
DEFAULT_ROLE = "OrganizationAccountAccessRole"


def build_orgwide_steps(org: Organization, build: Build) -> None:
    regions = sorted(org.blueprint.organization.regions)
    steps: list[ApiStep] = []
    for service, ref in sorted(delegated_admins(org).items()):
        account = org.blueprint.accounts.get(ref.name)
        admin = {"AdminAccountId": account_id(ref.name),
                 "RoleName": account.role_name if account is not None else DEFAULT_ROLE}
        steps += _steps(service, admin, regions, org.blueprint.organization.home_region)
    build.api_steps.extend(steps)


def _check(admin: dict[str, Any], service: str, action: str, path: str, value: Any,
           **parameters: Any) -> dict[str, Any]:
    """How to tell the step is in place: a read-only call made in the administrator's account
    (`in_account`, through its role); deploy's handler makes it (generator/aws/orgwide.py)."""
    return {"service": service, "action": action, "parameters": parameters, "path": path,
            "contains": value, "in_account": admin["AdminAccountId"], "role": admin["RoleName"]}


def _steps(service: str, admin: dict[str, Any], regions: list[str],
           home: str) -> list[ApiStep]:
    if service == "guardduty":
        return [ApiStep("after", "guardduty", "UpdateOrganizationConfiguration",
                        {**admin, "AutoEnableOrganizationMembers": "ALL"},
                        "GuardDuty on in the administrator account and in every member account "
                        f"(in {region})", region=region,
                        check=_check(admin, "guardduty", "DescribeOrganizationConfiguration",
                                     "AutoEnableOrganizationMembers", "ALL",
                                     DetectorId="the detector ListDetectors lists"))
                for region in regions]
    if service == "securityhub":
        return [ApiStep("after", "securityhub", "UpdateOrganizationConfiguration",
                        {**admin, "AutoEnable": True},
                        "Security Hub on in the administrator account, and in every new member "
                        f"account (in {region})", region=region,
                        check=_check(admin, "securityhub", "DescribeOrganizationConfiguration",
                                     "AutoEnable", True))
                for region in regions]
    if service == "access_analyzer":
        return [ApiStep("after", "accessanalyzer", "CreateAnalyzer",
                        {**admin, "analyzerName": ANALYZER_NAME, "type": "ORGANIZATION"},
                        f"an analyzer over the whole organization (in {region})",
                        region=region,
                        check=_check(admin, "accessanalyzer", "ListAnalyzers",
                                     "analyzers[].type", "ORGANIZATION", type="ORGANIZATION"))
                for region in regions]
    if service == "config":
        return [ApiStep("after", "config", "PutConfigurationAggregator",
                        {**admin, "ConfigurationAggregatorName": AGGREGATOR_NAME,
                         "AggregatorRoleName": AGGREGATOR_ROLE, "AwsRegions": regions},
                        "one view of every account's Config data, in the administrator account",
                        region=home,
                        check=_check(admin, "config", "DescribeConfigurationAggregators",
                                     "ConfigurationAggregators[].ConfigurationAggregatorName",
                                     AGGREGATOR_NAME))]
    return []
