"""lzgen's SCPs and the blueprint's own against lzgen's machinery: the StackSet role and the
alert roles must be able to do their work in every member account and region (check LZ316),
and the description of that machinery must match what the builders deploy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.checks import run_checks
from generator.findings import Finding, Severity
from generator.machinery import member_calls
from generator.policies.evaluate import Request, evaluate
from generator.synth import build
from tests.baseline_helpers import baseline_blueprint, generate, resources_of_type
from tests.helpers import BLUEPRINTS

DENY_ALL = {"Version": "2012-10-17",
            "Statement": [{"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}]}


def _load(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "bp.yaml"
    import json

    path.write_text(json.dumps(data))
    return api.load(path)


def _lz316(tmp_path: Path, data: dict[str, Any]) -> list[Finding]:
    return [f for f in run_checks(_load(tmp_path, data)) if f.rule == "LZ316"]


def _suspended(policy: dict[str, Any]) -> dict[str, Any]:
    data = baseline_blueprint()
    data["organizational_units"]["Suspended"] = {"tags": {"owner": "security"}}
    data["accounts"]["old-app"] = {"email": "aws-old-app@bx.example", "ou": "Suspended",
                                   "tags": {"owner": "apps"}}
    data["policies"] = {"lock-suspended": {**policy, "type": "scp", "attach": ["ou:Suspended"]}}
    return data


def _eu_west_only(policy: dict[str, Any]) -> dict[str, Any]:
    data = baseline_blueprint(home="eu-west-1", regions=("eu-west-1",))
    data["policies"] = {"regions": {**policy, "type": "scp", "attach": ["ou:Workloads"]}}
    return data


# --- the description of the machinery is the build's ------------------------------------------

@pytest.mark.parametrize("data", [
    baseline_blueprint(), baseline_blueprint(home="eu-west-1", regions=("eu-west-1",)),
    baseline_blueprint(services={"config": {"recorder": "external"}, "organization_trail": {}}),
], ids=["east", "west-only", "external-config"])
def test_machinery_lists_exactly_the_stacksets_the_build_deploys(
        tmp_path: Path, data: dict[str, Any]) -> None:
    org = _load(tmp_path, data)
    described = {(c.stackset, c.account, c.region, c.resource_type)
                 for c in member_calls(org) if c.resource_type}
    built = {(body.name, body.account, region, resource["Type"])
             for body in build(org).stacksets for region in body.regions
             for resource in body.template["Resources"].values()}
    assert described == built


def test_machinery_of_the_example_matches_its_build() -> None:
    org = api.load(BLUEPRINTS / "example.yaml")
    described = {(c.stackset, c.account, c.region, c.resource_type)
                 for c in member_calls(org) if c.resource_type}
    built = {(body.name, body.account, region, resource["Type"])
             for body in build(org).stacksets for region in body.regions
             for resource in body.template["Resources"].values()}
    assert described == built
    # The delivery roles are the ones the alert rules' targets use.
    roles = {c.role for c in member_calls(org) if not c.resource_type}
    assert roles == {"lzgen-root-activity-eu-west-1", "lzgen-root-activity-us-east-1"}


def test_example_passes_its_own_scps(tmp_path: Path) -> None:
    org = api.load(BLUEPRINTS / "example.yaml")
    assert [f.render() for f in run_checks(org) if f.rule == "LZ316"] == []


# --- Suspended OU -------------------------------------------------------------------------

def test_builtin_deny_all_of_a_suspended_ou_spares_lzgen(tmp_path: Path) -> None:
    data = _suspended({"builtin": "deny-all-except-break-glass",
                       "parameters": {"break_glass_role_arns": ["arn:aws:iam::*:role/BG"]}})
    assert _lz316(tmp_path, data) == []


def test_hand_written_deny_all_is_reported_with_policy_statement_account_and_action(
        tmp_path: Path) -> None:
    found = _lz316(tmp_path, _suspended({"content": DENY_ALL}))
    assert found and all(f.severity is Severity.ERROR for f in found)
    text = "\n".join(f.message for f in found)
    assert "statement 'DenyAll' of SCP 'lock-suspended'" in text
    assert "in account(s) old-app," in text and "account(s) app" not in text
    assert "events:PutRule" in text
    by_set = {f.message.split("lzgen's ")[1].split(" ")[0] for f in found}
    # Alert rules, their delivery, the Config recorder and the MFA rules all stop there.
    assert {"root-activity", "config-recorder", "mfa-detection"} <= by_set
    delivery = next(f for f in found if "lzgen-root-activity-us-east-1" in f.message)
    assert "sns:Publish" in delivery.message or "events:PutEvents" in delivery.message
    assert all(f.location.line for f in found)


# --- an organization governed only in eu-west-1 -------------------------------------------

def test_eu_west_only_with_the_builtin_region_deny_deploys_sign_in_alerts(
        tmp_path: Path) -> None:
    data = _eu_west_only({"builtin": "deny-outside-regions",
                          "parameters": {"allowed_regions": ["eu-west-1"]}})
    assert _lz316(tmp_path, data) == []
    result = generate(tmp_path, data)
    sets = {s.name: s for s in build(_load(tmp_path, data)).stacksets}
    assert "us-east-1" in sets["root-activity"].regions
    assert resources_of_type(sets["root-activity"].template, "AWS::Events::Rule")
    assert not [f for f in result.findings if f.is_error]


def test_eu_west_only_with_a_region_deny_of_its_own_is_refused_explaining_us_east_1(
        tmp_path: Path) -> None:
    own = {"content": {"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyIreland", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"],
        "Resource": "*", "Condition": {"StringNotEquals": {
            "aws:RequestedRegion": ["eu-west-1"]}}}]}}
    found = _lz316(tmp_path, _eu_west_only(own))
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    message, hint = found[0].message, found[0].hint
    assert "statement 'OnlyIreland' of SCP 'regions'" in message
    assert "us-east-1" in message and "records root sign-ins in us-east-1 only" in message
    assert "app" in message and "events:PutRule" in message
    assert "us-east-1" in hint


def test_a_condition_lzgen_cannot_decide_is_a_warning(tmp_path: Path) -> None:
    own = {"content": {"Version": "2012-10-17", "Statement": [{
        "Sid": "OnlyTagged", "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "platform"}}}]}}
    found = _lz316(tmp_path, _suspended(own))
    assert found and all(f.severity is Severity.WARNING for f in found)
    assert "may refuse" in found[0].message


def test_protect_security_services_written_by_hand_blocks_the_recorders(
        tmp_path: Path) -> None:
    data = baseline_blueprint()
    data["policies"] = {"guard": {"type": "scp", "attach": ["root"], "content": {
        "Version": "2012-10-17", "Statement": [{
            "Sid": "KeepConfig", "Effect": "Deny", "Resource": "*",
            "Action": ["config:PutConfigurationRecorder", "config:DeleteConfigRule"]}]}}}
    found = _lz316(tmp_path, data)
    text = " ".join(f.message for f in found)
    assert "config:PutConfigurationRecorder" in text and "config:DeleteConfigRule" in text
    data["policies"]["guard"] = {"type": "scp", "attach": ["root"],
                                 "builtin": "protect-security-services"}
    assert _lz316(tmp_path, data) == []


# --- the evaluator ------------------------------------------------------------------------

def test_evaluator_needs_an_allow_at_every_level() -> None:
    allow = ("allow-ec2", {"Statement": [{"Effect": "Allow", "Action": "ec2:*",
                                          "Resource": "*"}]})
    full = ("FullAWSAccess", {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    request = Request("events:PutRule", "eu-west-1", "arn:aws:iam::0:role/x")
    assert evaluate([[full], [full]], request) is None
    verdict = evaluate([[full], [allow]], request)
    assert verdict is not None and verdict.certain and "level 1" in verdict.reason


def test_evaluator_matches_actions_without_case_and_missing_keys_as_iam_does() -> None:
    deny = ("d", {"Statement": [{"Sid": "S", "Effect": "Deny", "Action": "EVENTS:put*",
                                 "Resource": "*",
                                 "Condition": {"ArnNotLike": {"aws:PrincipalArn": "x"},
                                               "Null": {"aws:AssumedRoot": "true"}}}]})
    verdict = evaluate([[deny]], Request("events:PutRule", "eu-west-1", "arn:aws:iam::0:role/y"))
    assert verdict is not None and (verdict.policy, verdict.statement) == ("d", "S")
    named = ("n", {"Statement": [{"Effect": "Deny", "Action": "iam:*",
                                  "Resource": "arn:aws:iam::*:role/Protected"},
                                 {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    other = Request("iam:PutRolePolicy", "us-east-1", "r", "arn:aws:iam::0:role/mine")
    assert evaluate([[named]], other) is None
    unknown = Request("iam:PutRolePolicy", "us-east-1", "r")
    undecided = evaluate([[named]], unknown)
    assert undecided is not None and not undecided.certain
