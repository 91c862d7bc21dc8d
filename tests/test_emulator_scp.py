"""SCPs restrict the StackSet role in member accounts, on the emulator as in AWS: lzgen's
built-ins spare it (and the alert roles), so the baseline deploys into a Suspended OU and into
us-east-1 of an organization governed only in eu-west-1; an SCP that does not spare it fails
the StackSet operation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.aws.emulator.models import install
from tests.baseline_helpers import baseline_blueprint, generate, manifest
from tests.emulator import Emulator

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")
DENY_ALL = {"Version": "2012-10-17",
            "Statement": [{"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}]}


def _with_suspended(policy: dict[str, Any] | None) -> dict[str, Any]:
    data = baseline_blueprint()
    data["organizational_units"]["Suspended"] = {"tags": {"owner": "security"}}
    data["accounts"]["old-app"] = {"email": "aws-old-app@bx.example", "ou": "Suspended",
                                   "tags": {"owner": "apps"}}
    data["policies"] = ({"lock-suspended": {**policy, "type": "scp",
                                            "attach": ["ou:Suspended"]}} if policy else {})
    return data


def _deploy_until_alerts(emulator: Emulator, tmp_path: Path, data: dict[str, Any],
                         before_alerts: Any = None) -> tuple[str, str]:
    """Deploy the organization, the policies and the root activity stack; the alert stack's
    status and the reason of its failure, if any."""
    install()
    result = generate(tmp_path, data)
    root = emulator.create_organization(policy_types=("SERVICE_CONTROL_POLICY", "TAG_POLICY"))
    org_id = emulator.client("organizations").describe_organization()["Organization"]["Id"]
    tokens = {"{{lzgen:root-id}}": root, "{{lzgen:organization-id}}": org_id}
    for entry in manifest(result)["stacks"]:
        name = entry["name"]
        if not name.startswith(("ous-", "accounts-", "policies", "root-activity")):
            continue
        if name == "root-activity" and before_alerts is not None:
            before_alerts()
        cfn = emulator.client("cloudformation", entry["region"])
        cfn.create_stack(StackName=entry["stack_name"], TemplateBody=result.files[entry["file"]],
                         Capabilities=entry["capabilities"],
                         Parameters=[{"ParameterKey": k, "ParameterValue": tokens[v]}
                                     for k, v in entry["parameters"].items()])
        status = cfn.describe_stacks(StackName=entry["stack_name"])["Stacks"][0]["StackStatus"]
        if name == "root-activity":
            events = cfn.describe_stack_events(StackName=entry["stack_name"])["StackEvents"]
            reasons = [e.get("ResourceStatusReason") or "" for e in events
                       if e["ResourceStatus"].endswith("FAILED")]
            return str(status), " ".join(reasons)
        assert status == "CREATE_COMPLETE", name
    raise AssertionError("no root-activity stack")


def test_the_builtin_deny_all_lets_the_baseline_into_suspended_accounts(
        emulator: Emulator, tmp_path: Path) -> None:
    data = _with_suspended({"builtin": "deny-all-except-break-glass",
                            "parameters": {"break_glass_role_arns": ["arn:aws:iam::*:role/BG"]}})
    status, reason = _deploy_until_alerts(emulator, tmp_path, data)
    assert (status, reason) == ("CREATE_COMPLETE", "")
    accounts = {a["Name"]: a["Id"] for a in
                emulator.client("organizations").list_accounts()["Accounts"]}
    events = emulator.member_client(accounts["old-app"], "events", "eu-west-1")
    assert events.describe_rule(Name="lzgen-root-activity")["State"] == (
        "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")


def test_a_deny_all_that_does_not_spare_the_stackset_role_fails_the_operation(
        emulator: Emulator, tmp_path: Path) -> None:
    def lock_suspended_by_hand() -> None:
        organizations = emulator.client("organizations")
        suspended = next(
            ou for ou in organizations.list_organizational_units_for_parent(
                ParentId=organizations.list_roots()["Roots"][0]["Id"])["OrganizationalUnits"]
            if ou["Name"] == "Suspended")
        policy = organizations.create_policy(
            Name="lock-by-hand", Description="", Type="SERVICE_CONTROL_POLICY",
            Content=json.dumps(DENY_ALL))["Policy"]["PolicySummary"]["Id"]
        organizations.attach_policy(PolicyId=policy, TargetId=suspended["Id"])

    status, reason = _deploy_until_alerts(emulator, tmp_path, _with_suspended(None),
                                          before_alerts=lock_suspended_by_hand)
    assert status == "ROLLBACK_COMPLETE"
    assert "AccessDenied" in reason and "stacksets-exec-" in reason
    assert "statement DenyAll of SCP lock-by-hand" in reason


def test_eu_west_only_with_the_builtin_region_deny_reports_root_sign_ins_from_us_east_1(
        emulator: Emulator, tmp_path: Path) -> None:
    data = baseline_blueprint(home="eu-west-1", regions=("eu-west-1",))
    data["policies"] = {"regions": {"type": "scp", "builtin": "deny-outside-regions",
                                    "parameters": {"allowed_regions": ["eu-west-1"]},
                                    "attach": ["ou:Workloads"]}}
    status, reason = _deploy_until_alerts(emulator, tmp_path, data)
    assert (status, reason) == ("CREATE_COMPLETE", "")
    accounts = {a["Name"]: a["Id"] for a in
                emulator.client("organizations").list_accounts()["Accounts"]}
    events = emulator.member_client(accounts["app"], "events", "us-east-1")
    pattern = json.loads(events.describe_rule(Name="lzgen-root-activity")["EventPattern"])
    assert "AWS Console Sign In via CloudTrail" in pattern["detail-type"]

    # End to end: the root user of app signs in (recorded in us-east-1, outside the allowed
    # region); the us-east-1 rule forwards to eu-west-1, whose rule publishes to the topic.
    tooling = accounts["security-tooling"]
    sqs = emulator.member_client(tooling, "sqs", "eu-west-1")
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    emulator.member_client(tooling, "sns", "eu-west-1").subscribe(
        TopicArn=f"arn:aws:sns:eu-west-1:{tooling}:lzgen-root-activity", Protocol="sqs",
        Endpoint=queue_arn)
    deliveries = emulator.root_console_sign_in(accounts["app"])
    assert [(d.rule.split(":")[3], d.target.split(":")[2], d.refused) for d in deliveries] == [
        ("us-east-1", "events", ""), ("eu-west-1", "sns", "")]
    [received] = sqs.receive_message(QueueUrl=queue)["Messages"]
    alert = json.loads(received["Body"])["Message"]
    assert alert.startswith(f"ROOT USER ACTIVITY in account {accounts['app']} ")
    assert "AWS Console Sign In via CloudTrail ConsoleLogin" in alert
    assert "in us-east-1 at" in alert
