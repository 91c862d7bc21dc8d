"""MFA detection, services, the organization trail, billing and the tagging strategy; every
generated template and StackSet body lints clean and fits CloudFormation's quotas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.api import Result
from generator.policies.tags import TagSpec, tag_policy_from_spec
from generator.quotas import DEFAULTS
from tests.baseline_helpers import (
    baseline_blueprint,
    generate,
    manifest,
    resources_of_type,
    stack,
    stackset_body,
)
from tests.helpers import BLUEPRINTS


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Result:
    return generate(tmp_path_factory.mktemp("full"), baseline_blueprint(), lint=True)


# --- lint and quotas ------------------------------------------------------------------------

def test_every_template_and_stackset_body_lints_without_errors(full: Result) -> None:
    # validate(lint=True) raises on any cfn-lint error; the bodies are linted as templates.
    assert {f for f in full.files if f.startswith("stacksets/")} == {
        "stacksets/mfa-detection.json", "stacksets/root-activity.json",
        "stacksets/root-activity-topic.json", "stacksets/trail-bucket.json"}
    assert [f.render() for f in full.findings if f.rule.startswith("cfn-lint")] == []


def test_another_home_region_lints_too(tmp_path: Path) -> None:
    data = baseline_blueprint(home="eu-west-1", regions=("eu-west-1", "eu-central-1"))
    result = generate(tmp_path, data, lint=True)
    assert "stacks/root-activity-us-east-1.json" in result.files
    assert [f.render() for f in result.findings if f.is_error] == []


def test_stackset_bodies_are_embedded_verbatim_and_within_the_inline_quota(full: Result) -> None:
    limit = DEFAULTS["stackset_body_bytes"].value
    for entry in manifest(full)["stacksets"]:
        body = full.files[entry["file"]]
        owner = stack(full, entry["stack"])["Resources"][entry["logical_id"]]["Properties"]
        assert json.loads(owner["TemplateBody"]) == json.loads(body)
        assert len(owner["TemplateBody"].encode()) <= limit
        assert owner["StackSetName"] == entry["stack_set_name"]


def test_bodies_stay_small_for_thousands_of_accounts(tmp_path: Path) -> None:
    from tests.synthetic import synthetic_blueprint

    data = synthetic_blueprint(accounts=3000, ous=60, policies=5)
    data["alerts"] = {"root_activity": {"email": "aws-root-alerts@big.example",
                                        "account": "acct-00001"}}
    data["services"] = {"organization_trail": {"log_archive_account": "acct-00002"}}
    result = generate(tmp_path, data)
    for name, text in result.files.items():
        if name.startswith("stacks/"):
            template = json.loads(text)
            assert len(template["Resources"]) <= DEFAULTS["template_resources"].value
            assert len(template.get("Parameters", {})) <= DEFAULTS["template_parameters"].value
            for resource in resources_of_type(template, "AWS::CloudFormation::StackSet").values():
                body = resource["Properties"]["TemplateBody"]
                assert len(body.encode()) <= 10_000, name
    assert len(manifest(result)["stackset_overrides"][0]["accounts"]) == len(data["accounts"])


# --- MFA detection --------------------------------------------------------------------------

def config_rules(template: dict[str, Any]) -> list[str]:
    return sorted(r["Properties"]["Source"]["SourceIdentifier"]
                  for r in resources_of_type(template, "AWS::Config::ConfigRule").values())


@pytest.mark.parametrize(("device_types", "hardware"), [
    (["fido2"], True), (["hardware_totp"], True), (["fido2", "hardware_totp"], True),
    (["virtual"], False), (["fido2", "virtual"], False)])
def test_hardware_mfa_rule_only_when_the_plan_uses_only_hardware(
        tmp_path: Path, device_types: list[str], hardware: bool) -> None:
    data = baseline_blueprint()
    data["root_access"]["mfa"] = {"device_types": device_types, "primary": device_types[0]}
    result = generate(tmp_path, data)
    expected = ["ROOT_ACCOUNT_MFA_ENABLED"]
    if hardware:
        expected.insert(0, "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED")
    assert config_rules(stack(result, "mfa-detection")) == expected
    assert config_rules(stackset_body(result, "mfa-detection")) == expected


def test_no_plan_means_the_plain_mfa_rule(tmp_path: Path) -> None:
    result = generate(tmp_path, baseline_blueprint(root_access=None))
    assert config_rules(stackset_body(result, "mfa-detection")) == ["ROOT_ACCOUNT_MFA_ENABLED"]


def test_mfa_rules_reach_every_member_account_in_the_home_region_only(full: Result) -> None:
    props = stack(full, "mfa-detection")["Resources"]["MfaDetectionStackSet"]["Properties"]
    assert props["StackInstancesGroup"] == [{
        "DeploymentTargets": {"OrganizationalUnitIds": [{"Ref": "RootId"}]},
        "Regions": ["us-east-1"]}]
    assert props["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert "AWS Config must be recording" in stackset_body(full, "mfa-detection")["Description"]
    entry = next(s for s in manifest(full)["stacks"] if s["name"] == "mfa-detection")
    assert entry["parameters"] == {"RootId": "{{lzgen:root-id}}"}


def test_mfa_detection_can_be_turned_off(tmp_path: Path) -> None:
    data = baseline_blueprint(alerts={"mfa_detection": {"enabled": False}})
    assert "stacks/mfa-detection.json" not in generate(tmp_path, data).files


# --- services -------------------------------------------------------------------------------

def steps(result: Result) -> list[dict[str, Any]]:
    return manifest(result)["api_steps"]  # type: ignore[no-any-return]


def test_trusted_access_comes_before_everything_that_needs_it(full: Result) -> None:
    calls = [(s["service"], s["action"], s["parameters"].get("ServicePrincipal", ""))
             for s in steps(full)]
    trusted = [p for service, action, p in calls if action == "EnableAWSServiceAccess"]
    assert trusted == ["member.org.stacksets.cloudformation.amazonaws.com",
                       "cloudtrail.amazonaws.com", "config.amazonaws.com",
                       "config-multiaccountsetup.amazonaws.com", "guardduty.amazonaws.com",
                       "securityhub.amazonaws.com", "access-analyzer.amazonaws.com",
                       "iam.amazonaws.com"]
    last_trusted = max(i for i, c in enumerate(calls) if c[1] == "EnableAWSServiceAccess")
    for index, (service, action, _) in enumerate(calls):
        if action in ("EnableOrganizationAdminAccount", "RegisterDelegatedAdministrator",
                      "RegisterOrganizationDelegatedAdmin", "EnableOrganizationsRootSessions",
                      "EnableOrganizationsRootCredentialsManagement"):
            assert index > last_trusted, (service, action)
    phases = [s["phase"] for s in steps(full)]
    assert phases == sorted(phases, key=lambda p: p != "prepare")


def test_delegated_admins_use_each_services_own_api_with_account_tokens(full: Result) -> None:
    admin = "{{lzgen:account-id:security-tooling}}"
    found = {(s["service"], s["action"], s["region"], json.dumps(s["parameters"], sort_keys=True))
             for s in steps(full) if s["phase"] == "after"}
    assert found >= {
        ("guardduty", "EnableOrganizationAdminAccount", region, json.dumps(
            {"AdminAccountId": admin})) for region in ("eu-west-1", "us-east-1")}
    assert ("cloudtrail", "RegisterOrganizationDelegatedAdmin", "us-east-1",
            json.dumps({"MemberAccountId": admin})) in found
    for principal in ("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com",
                      "access-analyzer.amazonaws.com"):
        assert ("organizations", "RegisterDelegatedAdministrator", "us-east-1", json.dumps(
            {"AccountId": admin, "ServicePrincipal": principal}, sort_keys=True)) in found
    assert manifest(full)["tokens"][admin].startswith("12-digit ID")


def test_every_step_says_how_to_tell_it_is_already_done(full: Result) -> None:
    for step in steps(full):
        check = step["check"]
        assert check == {"idempotent": True} or (
            {"service", "action", "parameters", "path"} <= set(check)
            and ("contains" in check or "absent" in check)), step


def test_centralized_root_access_follows_the_blueprint(tmp_path: Path) -> None:
    data = baseline_blueprint()
    data["root_access"]["centralized"] = {"credentials_management": True,
                                          "root_sessions": False}
    actions = [s["action"] for s in steps(generate(tmp_path, data)) if s["service"] == "iam"]
    assert actions == ["EnableOrganizationsRootCredentialsManagement"]


def test_a_step_that_two_builders_add_runs_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.synth as build_module
    from generator.model import Organization
    from generator.synth.types import ApiStep, Build

    def twice(org: Organization, build: Build) -> None:
        for reason in ("contacts need it", "so do alternate contacts"):
            build.api_steps.append(ApiStep("prepare", "organizations", "EnableAWSServiceAccess",
                                           {"ServicePrincipal": "account.amazonaws.com"},
                                           reason))

    original = build_module._builders
    monkeypatch.setattr(build_module, "_builders", lambda: [*original(), twice])
    found = [s for s in steps(generate(tmp_path, baseline_blueprint()))
             if s["parameters"].get("ServicePrincipal") == "account.amazonaws.com"]
    assert [s["reason"] for s in found] == ["contacts need it"]
    assert found[0]["region"] == "us-east-1"


def test_organization_trail_logs_everything_to_the_log_archive_bucket(full: Result) -> None:
    template = stack(full, "organization-trail")
    trail = template["Resources"]["OrganizationTrail"]
    assert trail["DependsOn"] == ["TrailBucketStackSet"]
    props = trail["Properties"]
    assert props["IsOrganizationTrail"] and props["IsMultiRegionTrail"]
    assert props["IsLogging"] and props["EnableLogFileValidation"]
    assert props["S3BucketName"] == {"Fn::Sub": ["lzgen-bx-trail-${AccountId}", {
        "AccountId": {"Ref": "AccountLogArchiveId"}}]}
    bucket_set = template["Resources"]["TrailBucketStackSet"]["Properties"]
    assert bucket_set["StackInstancesGroup"][0]["DeploymentTargets"]["Accounts"] == [
        {"Ref": "AccountLogArchiveId"}]
    body = stackset_body(full, "trail-bucket")
    bucket = body["Resources"]["TrailBucket"]
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    statements = body["Resources"]["TrailBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"]
    assert {s["Sid"] for s in statements} == {
        "TrailReadsAcl", "TrailWritesManagementLogs", "TrailWritesOrganizationLogs",
        "OnlyEncryptedTransport"}


# --- billing --------------------------------------------------------------------------------

def test_budget_notifies_each_threshold_to_every_email(full: Result) -> None:
    budget = stack(full, "billing")["Resources"]["BudgetMonthly"]["Properties"]
    assert budget["Budget"]["BudgetLimit"] == {"Amount": 1000, "Unit": "USD"}
    notifications = budget["NotificationsWithSubscribers"]
    assert [n["Notification"]["Threshold"] for n in notifications] == [50, 80, 100]
    for notification in notifications:
        assert notification["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert notification["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        assert [s["Address"] for s in notification["Subscribers"]] == [
            "aws-billing@bx.example", "finance@bx.example"]


def test_billing_role_is_read_only_and_assumable_by_the_principals(full: Result) -> None:
    role = stack(full, "billing")["Resources"]["BillingReadOnlyRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::111122223333:role/finance"]}
    assert {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSBillingReadOnlyAccess"} in (
        role["ManagedPolicyArns"])
    entry = next(s for s in manifest(full)["stacks"] if s["name"] == "billing")
    assert entry["capabilities"] == ["CAPABILITY_NAMED_IAM"]


def test_cost_anomalies_alert_above_the_threshold(full: Result) -> None:
    resources = stack(full, "billing")["Resources"]
    subscription = resources["CostAnomalySubscription"]["Properties"]
    assert json.loads(subscription["ThresholdExpression"])["Dimensions"]["Values"] == ["250"]
    assert subscription["MonitorArnList"] == [{"Ref": "CostAnomalyMonitor"}]


def test_no_billing_stack_without_billing_settings(tmp_path: Path) -> None:
    assert "stacks/billing.json" not in generate(tmp_path, baseline_blueprint(billing={})).files


# --- tagging --------------------------------------------------------------------------------

def test_tagging_section_becomes_a_tag_policy_in_the_policy_stacks(full: Result) -> None:
    policy = stack(full, "policies")["Resources"]["PolicyTaggingStrategy"]["Properties"]
    assert policy["Type"] == "TAG_POLICY"
    assert policy["TargetIds"] == [{"Ref": "RootId"}]
    assert policy["Content"] == tag_policy_from_spec({"owner": TagSpec(
        "owner", enforced_for=["ec2:instance"], report_required_for=["ec2:instance"])})
    assert "TAG_POLICY" in {s["parameters"].get("PolicyType") for s in steps(full)}


def test_example_blueprint_uses_the_whole_baseline() -> None:
    from generator import api

    result = api.validate(BLUEPRINTS / "example.yaml", lint=False)
    assert {"stacks/root-activity.json", "stacks/mfa-detection.json",
            "stacks/organization-trail.json", "stacks/billing.json"} <= set(result.files)
    policies = json.loads(result.files["stacks/policies.json"])["Resources"]
    content = policies["PolicyTaggingStrategy"]["Properties"]["Content"]["tags"]
    assert sorted(content) == ["cost-center", "environment", "owner"]
    assert [f.render() for f in result.findings] == []


def test_docs_document_the_rules_tokens_and_stacks() -> None:
    from generator.synth.types import TOKENS
    from tests.helpers import ROOT

    docs = "\n".join((ROOT / "docs" / page).read_text() for page in (
        "reference/checks.md", "explanation/deploy-contract.md", "explanation/baseline.md"))
    for documented in ("LZ310", "LZ311", "LZ312", "LZ313", *TOKENS, "stackset_overrides",
                       "`mfa-detection`", "`root-activity`", "`organization-trail`",
                       "`billing`", "`trail-bucket`", "`root-activity-topic`"):
        assert documented in docs, documented
