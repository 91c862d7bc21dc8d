"""Root activity alerts: the pattern, where each rule runs, where its events go, and the
message that names the account and its root email."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.api import Result
from tests.baseline_helpers import (
    API_CALL,
    SIGN_IN,
    baseline_blueprint,
    generate,
    manifest,
    resources_in_region,
    resources_of_type,
    stack,
    stackset_body,
)

ROOT_PATTERN = {"detail-type": [API_CALL, SIGN_IN], "detail": {"userIdentity": {"type": ["Root"]}}}
API_PATTERN = {"detail-type": [API_CALL], "detail": {"userIdentity": {"type": ["Root"]}}}


@pytest.fixture(scope="module")
def east(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """Home us-east-1, regions us-east-1 and eu-west-1."""
    return generate(tmp_path_factory.mktemp("east"), baseline_blueprint())


@pytest.fixture(scope="module")
def west(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """Home eu-west-1, us-east-1 not even an allowed region."""
    data = baseline_blueprint(home="eu-west-1", regions=("eu-west-1", "eu-central-1"))
    return generate(tmp_path_factory.mktemp("west"), data)


def rule(template: dict[str, Any]) -> dict[str, Any]:
    rules = resources_of_type(template, "AWS::Events::Rule")
    assert list(rules) == ["RootActivityRule"]
    return rules["RootActivityRule"]["Properties"]  # type: ignore[no-any-return]


def member_rule_in(result: Result, region: str) -> dict[str, Any]:
    body = stackset_body(result, "root-activity")
    return resources_in_region(body, region)["RootActivityRule"]["Properties"]  # type: ignore


def test_management_rule_in_the_home_region_has_the_exact_root_pattern(east: Result) -> None:
    assert rule(stack(east, "root-activity"))["EventPattern"] == ROOT_PATTERN


def test_member_rule_in_the_home_region_has_the_exact_root_pattern(east: Result) -> None:
    assert member_rule_in(east, "us-east-1")["EventPattern"] == ROOT_PATTERN


def test_console_sign_ins_are_matched_only_in_us_east_1(east: Result) -> None:
    assert stack(east, "root-activity-eu-west-1")["Resources"]["RootActivityRule"][
        "Properties"]["EventPattern"] == API_PATTERN
    assert member_rule_in(east, "eu-west-1")["EventPattern"] == API_PATTERN
    body = stackset_body(east, "root-activity")
    assert body["Conditions"]["InSignInRegion"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}


def test_with_another_home_sign_ins_are_matched_in_us_east_1_and_delivered_home(
        west: Result) -> None:
    # us-east-1 records the sign-ins and forwards them; the home region delivers them.
    assert member_rule_in(west, "us-east-1")["EventPattern"] == ROOT_PATTERN
    assert member_rule_in(west, "eu-west-1")["EventPattern"] == ROOT_PATTERN
    assert member_rule_in(west, "eu-central-1")["EventPattern"] == API_PATTERN
    assert rule(stack(west, "root-activity-us-east-1"))["EventPattern"] == ROOT_PATTERN
    assert rule(stack(west, "root-activity-eu-central-1"))["EventPattern"] == API_PATTERN


def test_api_call_rules_run_in_every_allowed_region_and_us_east_1(west: Result) -> None:
    stacks = {s["name"]: s["region"] for s in manifest(west)["stacks"]
              if s["name"].startswith("root-activity")}
    assert stacks == {"root-activity": "eu-west-1", "root-activity-eu-central-1": "eu-central-1",
                      "root-activity-us-east-1": "us-east-1"}
    sets = {s["name"]: s for s in manifest(west)["stacksets"]}
    assert sets["root-activity"]["regions"] == ["eu-central-1", "eu-west-1", "us-east-1"]
    assert sets["root-activity"]["targets"] == "every member account"
    instances = stack(west, "root-activity")["Resources"]["RootActivityStackSet"]["Properties"]
    assert instances["StackInstancesGroup"] == [{
        "DeploymentTargets": {"OrganizationalUnitIds": [{"Ref": "RootId"}]},
        "Regions": ["eu-central-1", "eu-west-1", "us-east-1"]}]
    assert instances["PermissionModel"] == "SERVICE_MANAGED"
    assert instances["AutoDeployment"]["Enabled"] is True


def test_home_region_publishes_to_the_topic_and_other_regions_forward_home(west: Result) -> None:
    home_target = member_rule_in(west, "eu-west-1")["Targets"][0]
    assert home_target["Id"] == "AlertTopic"
    assert home_target["Arn"] == {"Ref": "AlertTopicArn"}
    assert "InputTransformer" in home_target
    for region in ("us-east-1", "eu-central-1"):
        target = member_rule_in(west, region)["Targets"][0]
        assert target["Arn"] == {"Fn::Sub": "arn:${AWS::Partition}:events:eu-west-1:"
                                            "${AWS::AccountId}:event-bus/default"}
        assert "InputTransformer" not in target  # refused by EventBridge on bus targets
        assert target["RoleArn"] == {"Fn::GetAtt": ["RootActivityRole", "Arn"]}


def test_the_topic_lives_in_the_alert_account_only(east: Result) -> None:
    props = stack(east, "root-activity")["Resources"]["RootActivityTopicStackSet"]["Properties"]
    targets = props["StackInstancesGroup"][0]["DeploymentTargets"]
    assert targets == {"AccountFilterType": "INTERSECTION",
                       "Accounts": [{"Ref": "AccountSecurityToolingId"}],
                       "OrganizationalUnitIds": [{"Ref": "OuSecurityId"}]}
    assert props["AutoDeployment"] == {"Enabled": False}
    assert props["StackInstancesGroup"][0]["Regions"] == ["us-east-1"]
    parameters = stack(east, "root-activity")["Parameters"]
    assert parameters["AccountSecurityToolingId"]["Default"] == (
        "/lzgen/bx/ids/AccountSecurityTooling")


def test_topic_emails_every_recipient_once_and_accepts_only_the_organization(
        east: Result) -> None:
    body = stackset_body(east, "root-activity-topic")
    subscriptions = resources_of_type(body, "AWS::SNS::Subscription")
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions.values()) == [
        "aws-root-alerts@bx.example", "ciso-office@bx.example"]
    assert {s["Properties"]["Protocol"] for s in subscriptions.values()} == {"email"}
    statement = resources_of_type(body, "AWS::SNS::TopicPolicy")["AlertTopicPolicy"][
        "Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Condition"]["StringEquals"] == {
        "aws:PrincipalOrgID": {"Ref": "OrganizationId"}}
    assert manifest(east)["stacks"][[s["name"] for s in manifest(east)["stacks"]].index(
        "root-activity")]["parameters"]["OrganizationId"] == "{{lzgen:organization-id}}"


def test_recipients_are_deduplicated_without_regard_to_case(tmp_path: Path) -> None:
    data = baseline_blueprint()
    data["root_access"]["alert_recipients"] = ["AWS-Root-Alerts@bx.example"]
    body = stackset_body(generate(tmp_path, data), "root-activity-topic")
    assert len(resources_of_type(body, "AWS::SNS::Subscription")) == 1


def test_manifest_asks_deploy_for_each_accounts_name_and_root_email(east: Result) -> None:
    overrides = manifest(east)["stackset_overrides"]
    assert overrides == [{
        "stackset": "root-activity",
        "stack_set_name": "lzgen-bx-root-activity",
        "regions": ["us-east-1"],
        "accounts": {
            "app": {"AccountName": "app", "RootEmail": "aws-app@bx.example"},
            "log-archive": {"AccountName": "log-archive",
                            "RootEmail": "aws-log-archive@bx.example"},
            "network": {"AccountName": "network", "RootEmail": "aws-network@bx.example"},
            "security-tooling": {"AccountName": "security-tooling",
                                 "RootEmail": "aws-security-tooling@bx.example"},
        },
    }]


def sample_event(detail_type: str, identity: str, event_name: str) -> dict[str, Any]:
    return {
        "version": "0", "id": "6f8c2a1e", "detail-type": detail_type,
        "source": "aws.signin", "account": "210987654321", "time": "2026-03-01T09:30:00Z",
        "region": "us-east-1", "resources": [], "ingestion-time": 0,
        "detail": {"userIdentity": {"type": identity, "accountId": "210987654321"},
                   "eventName": event_name, "eventSource": "signin.amazonaws.com",
                   "sourceIPAddress": "198.51.100.7"},
    }


def transformed(target: dict[str, Any], event: dict[str, Any]) -> Any:
    """The message EventBridge would send, computed by moto's own input transformer."""
    from moto.events.utils import EventTemplateParser

    transformer = target["InputTransformer"]
    template = transformer["InputTemplate"]
    if isinstance(template, dict):  # the member template substitutes its parameters first
        text, variables = template["Fn::Sub"]
        template = text.replace("${AccountName}", "app").replace(
            "${RootEmail}", "aws-app@bx.example").replace("${Escalation}",
                                                            variables["Escalation"])
    return EventTemplateParser.parse(template, transformer["InputPathsMap"], event)


def test_the_pattern_matches_root_activity_and_nothing_else(east: Result) -> None:
    from moto.events.models import EventPattern

    pattern = EventPattern.load(json.dumps(rule(stack(east, "root-activity"))["EventPattern"]))
    assert pattern.matches_event(sample_event(SIGN_IN, "Root", "ConsoleLogin"))
    assert pattern.matches_event(sample_event(API_CALL, "Root", "CreateAccessKey"))
    assert not pattern.matches_event(sample_event(SIGN_IN, "IAMUser", "ConsoleLogin"))
    assert not pattern.matches_event(sample_event("EC2 Instance State-change Notification",
                                                  "Root", "x"))


def test_management_message_names_the_account_and_its_root_email(east: Result) -> None:
    target = rule(stack(east, "root-activity"))["Targets"][0]
    message = transformed(target, sample_event(SIGN_IN, "Root", "ConsoleLogin"))
    assert message.startswith("ROOT USER ACTIVITY in account 210987654321 (bx-management")
    assert "root email aws-management@bx.example" in message
    assert "ConsoleLogin" in message and "198.51.100.7" in message
    assert "escalate to the security on-call, +1 555 0100" in message


def test_member_message_quotes_the_per_account_parameters(east: Result) -> None:
    target = member_rule_in(east, "us-east-1")["Targets"][0]
    message = transformed(target, sample_event(API_CALL, "Root", "DeleteTrail"))
    assert "in account 210987654321 (app, root email aws-app@bx.example)" in message
    assert "DeleteTrail" in message


def test_text_that_would_break_the_input_template_is_cleaned(tmp_path: Path) -> None:
    data = baseline_blueprint()
    data["root_access"]["escalation"] = 'call "Sam" <on-call>\nor \\ page ${x}'
    result = generate(tmp_path, data)
    target = rule(stack(result, "root-activity"))["Targets"][0]
    template = target["InputTransformer"]["InputTemplate"]
    inner = template[1:-1]
    assert '"' not in inner and "\\" not in inner and "\n" not in inner
    assert "escalate to call Sam on-call or page ${x}." in inner
    member = member_rule_in(result, "us-east-1")["Targets"][0]["InputTransformer"]
    text, variables = member["InputTemplate"]["Fn::Sub"]
    assert "escalate to ${Escalation}." in text and "${x}" not in text
    assert variables == {"Escalation": "call Sam on-call or page ${x}"}


def test_no_alerts_without_the_section_or_when_disabled(tmp_path: Path) -> None:
    for alerts in ({}, {"root_activity": {"email": "a-alerts@bx.example", "enabled": False}}):
        result = generate(tmp_path, baseline_blueprint(alerts=alerts), name=str(len(alerts)))
        assert not [f for f in result.files if "root-activity" in f]
        assert manifest(result)["stackset_overrides"] == []


def test_alert_account_can_be_named(tmp_path: Path) -> None:
    alerts = {"root_activity": {"email": "a-alerts@bx.example", "account": "log-archive"}}
    result = generate(tmp_path, baseline_blueprint(alerts=alerts))
    assert manifest(result)["stacksets"][[s["name"] for s in manifest(result)["stacksets"]]
                                         .index("root-activity-topic")]["targets"] == (
        "account log-archive")
    assert "AccountLogArchiveId" in stack(result, "root-activity")["Parameters"]


def test_rules_also_receive_read_only_management_events(west: Result) -> None:
    # State ENABLED drops Describe/Get/List calls: root reading an account would go unseen.
    every_state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    for name in ("root-activity", "root-activity-us-east-1", "root-activity-eu-central-1"):
        assert rule(stack(west, name))["State"] == every_state
    for region in ("us-east-1", "eu-west-1", "eu-central-1"):
        assert member_rule_in(west, region)["State"] == every_state


def test_alerts_can_name_accounts_by_id_only_and_need_no_per_account_operation(
        tmp_path: Path) -> None:
    # At thousands of accounts the per-account overrides are thousands of StackSet operations
    # in a row; name_accounts: false makes none.
    alerts = {"root_activity": {"email": "a-alerts@bx.example", "name_accounts": False}}
    result = generate(tmp_path, baseline_blueprint(alerts=alerts))
    assert manifest(result)["stackset_overrides"] == []
    body = stackset_body(result, "root-activity")
    assert not {"AccountName", "RootEmail"} & set(body["Parameters"])
    target = member_rule_in(result, "us-east-1")["Targets"][0]
    message = transformed(target, sample_event(API_CALL, "Root", "DeleteTrail"))
    assert message.startswith("ROOT USER ACTIVITY in account 210987654321: ")
    assert "DeleteTrail" in message
