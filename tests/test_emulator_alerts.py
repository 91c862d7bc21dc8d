"""Root activity alerts deployed to the local AWS emulator: the management-account stacks, the
alert topic StackSet in the security tooling account and the rules StackSet in every member
account, in every region.

The topic's policy and subscriptions come from the emulator's SNS models (notifications.py).
Here the message is computed by moto's input transformer from the target as deployed; that it
reaches the topic, with the per-account overrides deploy sets, is in test_root_activity_e2e.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto.events.utils import EventTemplateParser

from generator.aws.emulator.models import install
from tests.baseline_helpers import API_CALL, SIGN_IN, baseline_blueprint, generate, manifest
from tests.emulator import Emulator

ROOT_PATTERN = {"detail": {"userIdentity": {"type": ["Root"]}}, "detail-type": [API_CALL, SIGN_IN]}
API_PATTERN = {"detail": {"userIdentity": {"type": ["Root"]}}, "detail-type": [API_CALL]}


@pytest.fixture
def deployed(emulator: Emulator, tmp_path: Path) -> tuple[Emulator, dict[str, Any], dict[str, str]]:
    """The organization and the root activity stacks of the baseline blueprint, deployed."""
    install()
    result = generate(tmp_path, baseline_blueprint())
    plan = manifest(result)
    root = emulator.create_organization(policy_types=("SERVICE_CONTROL_POLICY", "TAG_POLICY"))
    organization = emulator.client("organizations").describe_organization()["Organization"]
    tokens = {"{{lzgen:root-id}}": root, "{{lzgen:organization-id}}": organization["Id"]}
    for entry in plan["stacks"]:
        if not entry["name"].startswith(("ous-", "accounts-", "root-activity")):
            continue
        cfn = emulator.client("cloudformation", entry["region"])
        cfn.create_stack(StackName=entry["stack_name"], TemplateBody=result.files[entry["file"]],
                         Capabilities=entry["capabilities"],
                         Parameters=[{"ParameterKey": k, "ParameterValue": tokens[v]}
                                     for k, v in entry["parameters"].items()])
        status = cfn.describe_stacks(StackName=entry["stack_name"])["Stacks"][0]["StackStatus"]
        assert status == "CREATE_COMPLETE", entry["name"]
    accounts = {a["Name"]: a["Id"] for a in
                emulator.client("organizations").list_accounts()["Accounts"]}
    return emulator, plan, accounts


def rule_and_target(events: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    rule = events.describe_rule(Name="lzgen-root-activity")
    targets = events.list_targets_by_rule(Rule="lzgen-root-activity")["Targets"]
    assert len(targets) == 1
    return json.loads(rule["EventPattern"]), targets[0]


def root_sign_in(account: str) -> dict[str, Any]:
    return {"version": "0", "id": "1", "detail-type": SIGN_IN, "source": "aws.signin",
            "account": account, "time": "2026-03-01T09:30:00Z", "region": "us-east-1",
            "resources": [], "ingestion-time": 0,
            "detail": {"userIdentity": {"type": "Root"}, "eventName": "ConsoleLogin",
                       "eventSource": "signin.amazonaws.com", "sourceIPAddress": "192.0.2.1"}}


def message(target: dict[str, Any], event: dict[str, Any]) -> str:
    transformer = target["InputTransformer"]
    text: str = EventTemplateParser.parse(transformer["InputTemplate"],
                                          transformer["InputPathsMap"], event)
    return text


def test_management_rules_topic_and_subscriptions_are_deployed(
        deployed: tuple[Emulator, dict[str, Any], dict[str, str]]) -> None:
    emulator, _, accounts = deployed
    tooling = accounts["security-tooling"]
    topic = f"arn:aws:sns:us-east-1:{tooling}:lzgen-root-activity"

    pattern, target = rule_and_target(emulator.client("events", "us-east-1"))
    assert pattern == ROOT_PATTERN
    assert target["Arn"] == topic
    assert target["RoleArn"].endswith(":role/lzgen-root-activity-us-east-1")
    pattern, target = rule_and_target(emulator.client("events", "eu-west-1"))
    assert pattern == API_PATTERN
    assert target["Arn"] == f"arn:aws:events:us-east-1:{emulator.account_id}:event-bus/default"

    sns = emulator.member_client(tooling, "sns")
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [topic]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sorted((s["Protocol"], s["Endpoint"]) for s in subscriptions) == [
        ("email", "aws-root-alerts@bx.example"), ("email", "ciso-office@bx.example")]
    for other in ("app", "log-archive"):
        assert emulator.member_client(accounts[other], "sns").list_topics()["Topics"] == []

    text = message(target=rule_and_target(emulator.client("events", "us-east-1"))[1],
                   event=root_sign_in(emulator.account_id))
    assert text.startswith(f"ROOT USER ACTIVITY in account {emulator.account_id} "
                           "(bx-management, the management account, root email "
                           "aws-management@bx.example): AWS Console Sign In via CloudTrail "
                           "ConsoleLogin")


def test_every_member_account_reports_to_the_topic_from_its_home_region(
        deployed: tuple[Emulator, dict[str, Any], dict[str, str]]) -> None:
    emulator, plan, accounts = deployed
    topic = f"arn:aws:sns:us-east-1:{accounts['security-tooling']}:lzgen-root-activity"
    for name in ("app", "log-archive", "security-tooling"):
        account = accounts[name]
        pattern, target = rule_and_target(emulator.member_client(account, "events", "us-east-1"))
        assert (pattern, target["Arn"]) == (ROOT_PATTERN, topic)
        assert "root email unknown to lzgen" in message(target, root_sign_in(account))
        pattern, target = rule_and_target(emulator.member_client(account, "events", "eu-west-1"))
        assert pattern == API_PATTERN
        assert target["Arn"] == f"arn:aws:events:us-east-1:{account}:event-bus/default"
        assert "InputTransformer" not in target

    # What deploy does with the manifest's overrides: one UpdateStackInstances per account,
    # which updates the instance's stack (the message of its rule then names the account).
    override = plan["stackset_overrides"][0]
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    assert sorted(override["accounts"]) == ["app", "log-archive", "network",
                                            "security-tooling"]
    for name, values in override["accounts"].items():
        parent = org.list_parents(ChildId=accounts[name])["Parents"][0]["Id"]
        answer = cfn.update_stack_instances(
            StackSetName=override["stack_set_name"], Regions=override["regions"],
            DeploymentTargets={"Accounts": [accounts[name]], "OrganizationalUnitIds": [parent],
                               "AccountFilterType": "INTERSECTION"},
            ParameterOverrides=[{"ParameterKey": k, "ParameterValue": v}
                                for k, v in sorted(values.items())])
        assert answer["OperationId"]
    app = accounts["app"]
    _, target = rule_and_target(emulator.member_client(app, "events", "us-east-1"))
    email = override["accounts"]["app"]["RootEmail"]
    assert f"(app, root email {email}): " in message(target, root_sign_in(app))
