"""What AWS refuses, the emulator refuses, and deploy does what AWS needs (issue 11, deploy
side): StackSets' trusted access through CloudFormation, security services switched on from
their delegated administrator, one dimensional anomaly monitor per account, policy sizes from
lzgen's own quotas. docs/explanation/real-aws.md says what each test stands for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from generator.aws.emulator.models import POLICY_SIZE_LIMITS
from generator.aws.emulator.orgaccess import STACKSETS_PRINCIPAL
from generator.quotas import DEFAULTS
from tests.emulator import Emulator
from tests.test_deploy_e2e import EXAMPLE, Run, generate

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLE, tmp_path_factory.mktemp("example") / "output")


def manifest(output: Path) -> dict[str, Any]:
    return json.loads((output / "manifest.json").read_text())  # type: ignore[no-any-return]


def service_managed(cloudformation: Any, name: str = "probe") -> dict[str, Any]:
    return cloudformation.create_stack_set(  # type: ignore[no-any-return]
        StackSetName=name, PermissionModel="SERVICE_MANAGED",
        AutoDeployment={"Enabled": False},
        TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))


# -- 1. StackSets' trusted access ----------------------------------------------------------------


def test_service_managed_stacksets_need_cloudformations_own_activation(
        emulator: Emulator) -> None:
    emulator.create_organization(trusted_services=())
    emulator.client("organizations").enable_aws_service_access(
        ServicePrincipal=STACKSETS_PRINCIPAL)  # what lzgen did: not enough on AWS
    cloudformation = emulator.client("cloudformation")
    assert cloudformation.describe_organizations_access()["Status"] == "DISABLED"

    with pytest.raises(ClientError, match="You must enable organizations access to operate a "
                                          "service managed stack set"):
        service_managed(cloudformation)

    cloudformation.activate_organizations_access()
    assert cloudformation.describe_organizations_access()["Status"] == "ENABLED"
    assert service_managed(cloudformation)["StackSetId"]


def test_activating_also_trusts_the_principal_in_organizations(emulator: Emulator) -> None:
    emulator.create_organization(trusted_services=())
    emulator.client("cloudformation").activate_organizations_access()
    enabled = emulator.client("organizations").list_aws_service_access_for_organization()
    assert [s["ServicePrincipal"] for s in enabled["EnabledServicePrincipals"]] == [
        STACKSETS_PRINCIPAL]


def test_the_example_activates_stacksets_through_cloudformation(example_output: Path) -> None:
    steps = manifest(example_output)["api_steps"]
    activations = [s for s in steps if s["action"] == "ActivateOrganizationsAccess"]
    assert [(s["service"], s["phase"], s["region"]) for s in activations] == [
        ("cloudformation", "prepare", "us-east-1")]
    assert not [s for s in steps if s["parameters"].get("ServicePrincipal")
                == STACKSETS_PRINCIPAL]
    policy = json.loads((example_output / "deployer-policy.json").read_text())
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert "cloudformation:ActivateOrganizationsAccess" in by_sid["StackSetsTrustedAccess"][
        "Action"]


# -- 2. security services, from their delegated administrator -----------------------------------


def two_members(emulator: Emulator) -> tuple[str, str]:
    emulator.create_organization()
    org = emulator.client("organizations")
    ids = [org.create_account(AccountName=name, Email=f"{name}@acme.example")[
        "CreateAccountStatus"]["AccountId"] for name in ("admin", "other")]
    return ids[0], ids[1]


def test_guardduty_organization_configuration_only_from_its_administrator(
        emulator: Emulator) -> None:
    admin, other = two_members(emulator)
    emulator.client("guardduty").enable_organization_admin_account(AdminAccountId=admin)
    refused = emulator.member_client(other, "guardduty")
    detector = refused.create_detector(Enable=True)["DetectorId"]
    with pytest.raises(ClientError, match="BadRequestException"):
        refused.update_organization_configuration(DetectorId=detector,
                                                  AutoEnableOrganizationMembers="ALL")
    guardduty = emulator.member_client(admin, "guardduty")
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    guardduty.update_organization_configuration(DetectorId=detector,
                                                AutoEnableOrganizationMembers="ALL")
    found = guardduty.describe_organization_configuration(DetectorId=detector)
    assert found["AutoEnableOrganizationMembers"] == "ALL"
    # The designation is per region: in another region the account is nobody's administrator.
    elsewhere = emulator.member_client(admin, "guardduty", "eu-west-1")
    detector = elsewhere.create_detector(Enable=True)["DetectorId"]
    with pytest.raises(ClientError, match="BadRequestException"):
        elsewhere.update_organization_configuration(DetectorId=detector,
                                                    AutoEnableOrganizationMembers="ALL")


def test_organization_analyzers_and_aggregators_only_from_an_administrator(
        emulator: Emulator) -> None:
    admin, other = two_members(emulator)
    org = emulator.client("organizations")
    for principal in ("access-analyzer.amazonaws.com", "config.amazonaws.com"):
        org.enable_aws_service_access(ServicePrincipal=principal)
        org.register_delegated_administrator(AccountId=admin, ServicePrincipal=principal)
    source = {"RoleArn": f"arn:aws:iam::{other}:role/r", "AwsRegions": ["us-east-1"]}
    with pytest.raises(ClientError, match="AccessDeniedException"):
        emulator.member_client(other, "accessanalyzer").create_analyzer(
            analyzerName="org", type="ORGANIZATION")
    with pytest.raises(ClientError, match="OrganizationAccessDeniedException"):
        emulator.member_client(other, "config").put_configuration_aggregator(
            ConfigurationAggregatorName="org", OrganizationAggregationSource=source)
    analyzer = emulator.member_client(admin, "accessanalyzer")
    analyzer.create_analyzer(analyzerName="org", type="ORGANIZATION")
    assert [a["name"] for a in analyzer.list_analyzers(type="ORGANIZATION")["analyzers"]] == [
        "org"]
    emulator.member_client(admin, "config").put_configuration_aggregator(
        ConfigurationAggregatorName="org", OrganizationAggregationSource=source)


def test_the_security_services_steps_change_nothing_when_run_again(
        emulator: Emulator, example_output: Path) -> None:
    Run(emulator)(example_output)
    again = Run(emulator)(example_output, dry_run=True)
    assert not [s for s in again.steps_pending if s.split()[1] in (
        "UpdateOrganizationConfiguration", "CreateAnalyzer", "PutConfigurationAggregator",
        "ActivateOrganizationsAccess")]


# -- 3. one dimensional anomaly monitor per account ---------------------------------------------


SERVICE_MONITOR = {"MonitorName": "finance-services", "MonitorType": "DIMENSIONAL",
                   "MonitorDimension": "SERVICE"}


def test_a_second_dimensional_service_monitor_is_refused(emulator: Emulator) -> None:
    ce = emulator.client("ce")
    ce.create_anomaly_monitor(AnomalyMonitor=SERVICE_MONITOR)
    with pytest.raises(ClientError, match="Limit exceeded on dimensional spend monitor"):
        ce.create_anomaly_monitor(AnomalyMonitor={**SERVICE_MONITOR, "MonitorName": "two"})


def test_the_account_s_own_service_monitor_is_reused(
        emulator: Emulator, example_output: Path) -> None:
    emulator.create_organization(trusted_services=())
    ce = emulator.client("ce")
    theirs = ce.create_anomaly_monitor(AnomalyMonitor=SERVICE_MONITOR)["MonitorArn"]

    Run(emulator)(example_output)

    stack = emulator.client("cloudformation").describe_stacks(
        StackName="lzgen-acme-billing")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters["ExistingAnomalyMonitorArn"] == theirs
    assert [m["MonitorArn"] for m in ce.get_anomaly_monitors()["AnomalyMonitors"]] == [theirs]


def test_without_a_monitor_the_billing_stack_creates_lzgen_s_own(
        emulator: Emulator, example_output: Path) -> None:
    Run(emulator)(example_output)
    monitors = emulator.client("ce").get_anomaly_monitors()["AnomalyMonitors"]
    assert [(m["MonitorName"], m["MonitorDimension"]) for m in monitors] == [
        ("lzgen-services", "SERVICE")]
    report = Run(emulator)(example_output)  # its own monitor is not taken for another's
    assert report.stacks["lzgen-acme-billing"] == "unchanged"


# -- 5. one source of quotas --------------------------------------------------------------------


def test_the_emulator_s_policy_sizes_are_lzgen_s_quotas() -> None:
    assert POLICY_SIZE_LIMITS["SERVICE_CONTROL_POLICY"] == DEFAULTS["scp_size"].value == 10240
    assert POLICY_SIZE_LIMITS["TAG_POLICY"] == DEFAULTS["tag_size"].value


@pytest.mark.parametrize(("size", "created"), [(6000, True), (10240, True), (10241, False)])
def test_an_scp_is_refused_only_over_lzgen_s_quota(emulator: Emulator, size: int,
                                                   created: bool) -> None:
    root = emulator.create_organization()
    statement = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Sid": ""}
    padding = size - len(json.dumps({"Version": "2012-10-17", "Statement": [statement]},
                                    separators=(",", ":")))
    statement["Sid"] = "A" * padding
    template = {"Resources": {"Scp": {"Type": "AWS::Organizations::Policy", "Properties": {
        "Name": "big", "Type": "SERVICE_CONTROL_POLICY", "TargetIds": [root],
        "Content": {"Version": "2012-10-17", "Statement": [statement]}}}}}
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack(StackName="big-scp", TemplateBody=json.dumps(template))
    status = cloudformation.describe_stacks(StackName="big-scp")["Stacks"][0]["StackStatus"]
    assert (status == "CREATE_COMPLETE") is created, status


def test_the_api_generates_every_new_step_with_a_handler(example_output: Path) -> None:
    from generator.aws.manifest import load_manifest
    from generator.aws.steps import unknown_steps

    assert unknown_steps(list(load_manifest(example_output).steps)) == []
