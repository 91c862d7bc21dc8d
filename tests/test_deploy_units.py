"""The pieces of deploy that need no AWS: the destructive-change guard, change set rules,
tokens, the deployer policy, and where boto3 may be imported."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.aws.changes import ResourceChange, destructive, from_change_set
from generator.aws.guard import destructive_changes
from generator.aws.policy import deployer_policy
from generator.aws.stacksets import failures
from generator.aws.tokens import TOKEN, has_tokens
from generator.errors import UsageError
from tests.helpers import BLUEPRINTS, ROOT

OU = "AWS::Organizations::OrganizationalUnit"
ACCOUNT = "AWS::Organizations::Account"


def ou(parent: Any) -> dict[str, Any]:
    return {"Type": OU, "Properties": {"Name": "x", "ParentId": parent}}


def acct(parent: Any, role: str = "OrganizationAccountAccessRole") -> dict[str, Any]:
    return {"Type": ACCOUNT, "Properties": {"AccountName": "a", "ParentIds": [parent],
                                            "RoleName": role}}


def template(resources: dict[str, Any], **parameters: str) -> dict[str, Any]:
    slots = {name: {"Type": "AWS::SSM::Parameter::Value<String>", "Default": default}
             for name, default in parameters.items()}
    return {"Parameters": slots, "Resources": resources}


# -- guard --------------------------------------------------------------------------------------


def test_guard_sees_nothing_when_nothing_guarded_changes() -> None:
    deployed = {"ous": template({"OuA": ou({"Ref": "RootId"})})}
    generated = {"ous": template({"OuA": ou({"Ref": "RootId"}),
                                  "OuB": ou({"Ref": "RootId"})})}
    assert destructive_changes(deployed, generated) == []


def test_guard_reports_removed_resources_but_not_moved_ones() -> None:
    # AccountY changes stack with its create-only properties unchanged: deploy moves it by
    # Retain and import (aws/moves.py); with a new RoleName it would be created again.
    deployed = {"a1": template({"AccountX": acct("r"), "AccountY": acct("r"),
                                "AccountZ": acct("r")}), "a2": {}}
    generated = {"a1": template({}), "a2": template({"AccountY": acct("r"),
                                                     "AccountZ": acct("r", "Other")})}
    found = {str(d) for d in destructive_changes(deployed, generated)}
    assert found == {"a1: Account AccountX is removed",
                     "a1: Account AccountZ moves to stack a2"}


def test_guard_follows_replacements_through_refs_and_ssm_parameters() -> None:
    deployed = {
        "level1": template({"OuA": ou("r-1"), "OuB": ou("r-1")}),
        "level2": template({"OuC": ou({"Ref": "OuAId"})}, OuAId="/lzgen/acme/ids/OuA"),
        "level3": template({"OuD": ou({"Ref": "OuCId"}), "AccountE": acct({"Ref": "OuCId"})},
                           OuCId="/lzgen/acme/ids/OuC"),
    }
    generated = {**deployed, "level1": template({"OuA": ou("r-2"), "OuB": ou("r-1")})}
    found = {(d.stack, d.logical_id) for d in destructive_changes(deployed, generated)}
    # The account only moves (ParentIds can change); the OUs below OuA are replaced with it.
    assert found == {("level1", "OuA"), ("level2", "OuC"), ("level3", "OuD")}


def test_guard_ignores_stacks_the_manifest_no_longer_lists() -> None:
    assert destructive_changes({"old": template({"AccountX": acct("r")})}, {}) == []


def test_guard_treats_a_new_role_name_as_a_replacement() -> None:
    found = destructive_changes({"a": template({"AccountX": acct("r")})},
                                {"a": template({"AccountX": acct("r", "Other")})})
    assert [d.why for d in found] == ["is replaced (RoleName changes)"]


# -- change sets --------------------------------------------------------------------------------


def change(action: str, resource_type: str, replacement: str = "") -> dict[str, Any]:
    return {"ResourceChange": {"LogicalResourceId": "R", "ResourceType": resource_type,
                               "Action": action, "Replacement": replacement,
                               "Details": [{"Target": {"Name": "ParentId"}}]}}


@pytest.mark.parametrize(("action", "resource_type", "replacement", "refused"), [
    ("Remove", ACCOUNT, "", True),
    ("Modify", OU, "True", True),
    ("Modify", "AWS::Organizations::Policy", "Conditional", True),
    ("Modify", ACCOUNT, "False", False),
    ("Add", ACCOUNT, "", False),
    ("Remove", "AWS::SSM::Parameter", "", False),
    ("Modify", "AWS::SSM::Parameter", "True", False),
])
def test_which_changes_are_destructive(action: str, resource_type: str, replacement: str,
                                       refused: bool) -> None:
    changes = from_change_set([change(action, resource_type, replacement)])
    assert changes[0].properties == ("ParentId",)
    assert bool(destructive(changes)) is refused


def test_resource_change_says_what_happens() -> None:
    assert ResourceChange("A", OU, "Modify", "Conditional").what == "may be replaced"
    assert ResourceChange("A", OU, "Remove").what == "removed"


# -- tokens, StackSet instances -----------------------------------------------------------------


def test_tokens_are_found_wherever_they_are() -> None:
    assert has_tokens({"a": ["x", {"b": "id {{lzgen:account-id:log-archive}}"}]})
    assert not has_tokens({"a": ["{{other:thing}}"]})
    assert TOKEN.findall("{{lzgen:root-id}} {{lzgen:account-id:a-b}}") == [
        ("root-id", ""), ("account-id", "a-b")]


def test_instances_that_are_not_current_are_failures() -> None:
    listed = [
        {"Account": "2", "Region": "eu-west-1", "Status": "CURRENT",
         "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED"}},
        {"Account": "1", "Region": "us-east-1", "Status": "OUTDATED", "StatusReason": "denied",
         "StackInstanceStatus": {"DetailedStatus": "FAILED"}},
        {"Account": "3", "Region": "us-east-1", "Status": "INOPERABLE"},
    ]
    assert [str(f) for f in failures("base", listed)] == [
        "base in account 1, us-east-1: FAILED: denied",
        "base in account 3, us-east-1: INOPERABLE"]


# -- the deployer policy ------------------------------------------------------------------------


def test_the_deployer_policy_is_scoped_to_the_organizations_names(tmp_path: Path) -> None:
    files = api.validate(BLUEPRINTS / "example.yaml", lint=False).files
    policy = json.loads(files["deployer-policy.json"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    stacks = by_sid["ChangeSetsOnLzgenStacks"]["Resource"]
    assert "arn:aws:cloudformation:us-east-1:*:stack/lzgen-acme-*/*" in stacks
    assert "arn:aws:cloudformation:us-east-1:*:changeSet/lzgen-*/*" in stacks
    assert all(":stack/lzgen-acme-*/*" in arn or ":changeSet/lzgen-*/*" in arn
               for arn in stacks)
    assert "arn:aws:ssm:us-east-1:*:parameter/lzgen/acme/*" in by_sid["IdsBetweenStacks"][
        "Resource"]
    actions = set(by_sid["ResourcesAndApiSteps"]["Action"])
    assert {"organizations:CreateAccount", "organizations:EnablePolicyType",
            "organizations:TagResource", "organizations:AttachPolicy"} <= actions
    assert "organizations:CloseAccount" not in actions
    assert not any(a.startswith(("cloudformation:", "ssm:")) for a in actions)
    assert by_sid["StackSetsTrustedAccess"]["Action"] == [
        "cloudformation:ActivateOrganizationsAccess", "cloudformation:DescribeOrganizationsAccess"]
    assert by_sid["AssumeAdministratorAccessRoles"] == {
        "Sid": "AssumeAdministratorAccessRoles", "Effect": "Allow", "Action": ["sts:AssumeRole"],
        "Resource": "arn:aws:iam::*:role/OrganizationAccountAccessRole"}
    assert {"guardduty:UpdateOrganizationConfiguration", "access-analyzer:CreateAnalyzer",
            "config:PutConfigurationAggregator", "securityhub:EnableSecurityHub"} <= actions


def test_the_deployer_policy_follows_the_manifest() -> None:
    manifest = {"organization": "acme", "home_region": "eu-west-1",
                "stacks": [{"region": "eu-west-1"}],
                "api_steps": [{"phase": "after", "service": "account",
                               "action": "PutAlternateContact", "parameters": {}}]}
    templates = {"s": {"Resources": {
        "Set": {"Type": "AWS::CloudFormation::StackSet"},
        "Topic": {"Type": "AWS::SNS::Topic"}}}}
    policy = deployer_policy(manifest, templates)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert "cloudformation:CreateStackSet" in by_sid["LzgenStackSets"]["Action"]
    assert "arn:aws:cloudformation:eu-west-1:*:stackset/lzgen-acme-*" in \
        by_sid["LzgenStackSets"]["Resource"]
    other = set(by_sid["ResourcesAndApiSteps"]["Action"])
    assert {"account:PutAlternateContact", "account:GetAlternateContact",
            "sns:CreateTopic"} <= other
    assert policy == deployer_policy(manifest, templates)


# -- where AWS is reached from ------------------------------------------------------------------


def test_only_generator_aws_imports_boto3_or_botocore() -> None:
    pattern = re.compile(r"^\s*(import|from)\s+(boto3|botocore)\b", re.MULTILINE)
    package = ROOT / "generator"
    offenders = [str(p.relative_to(ROOT)) for p in sorted(package.rglob("*.py"))
                 if pattern.search(p.read_text()) and (package / "aws") not in p.parents]
    assert offenders == []


def test_help_imports_neither_boto3_nor_moto() -> None:
    code = ("import sys\nfrom generator.cli import main\n"
            "main(['--help']); main(['deploy', '--help'])\n"
            "print(sorted(m for m in ('boto3', 'botocore', 'moto') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert "--allow-destructive" in result.stdout


def test_a_missing_output_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        api.deploy(tmp_path / "nothing", api.DeploySettings())


# -- the gateway's errors -----------------------------------------------------------------------


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


def test_aws_errors_carry_their_code_and_a_hint() -> None:
    from botocore.awsrequest import AWSResponse

    from generator.aws.gateway import Gateway
    from generator.errors import AwsError

    gateway = Gateway(region="us-east-1", endpoint_url="http://127.0.0.1:9",
                      credentials=("testing", "testing"), max_attempts=1)
    denied = (b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed"
              b"</Message></Error></ErrorResponse>")
    gateway.register("before-send.cloudformation.DescribeStacks",
                     lambda request, **_: AWSResponse(request.url, 403, {}, _Body(denied)))
    with pytest.raises(AwsError) as caught:
        gateway.call("cloudformation", "DescribeStacks", StackName="x")
    assert caught.value.code == "AccessDenied"
    assert caught.value.exit_code == 3
    assert "cloudformation DescribeStacks: AccessDenied: not allowed" in caught.value.message
    assert "deployer-policy.json" in caught.value.hint


def test_missing_credentials_are_an_aws_error_with_a_hint(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from generator.aws.gateway import Gateway
    from generator.errors import AwsError

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    gateway = Gateway(region="us-east-1", endpoint_url="http://127.0.0.1:9", max_attempts=1)
    with pytest.raises(AwsError, match="no AWS credentials found") as caught:
        gateway.account_id()
    assert "--profile" in caught.value.hint


def test_a_change_set_is_shown_with_the_writers_of_lzgen_diff() -> None:
    from generator.aws.changes import as_diff
    from generator.diff.writers import as_text

    changes = [ResourceChange("AccountX", ACCOUNT, "Remove"),
               ResourceChange("AccountXIdParameter", "AWS::SSM::Parameter", "Remove"),
               ResourceChange("OuA", OU, "Modify", "True", properties=("ParentId",)),
               ResourceChange("OuB", OU, "Modify", "False", properties=("Tags",))]
    old = {"AccountX": {"DeletionPolicy": "Retain"}}
    diff = as_diff("lzgen-acme-accounts-01", "lzgen-1", changes, old)
    effects = {r.logical_id: (r.effect, r.risk.value, r.companion_of) for r in diff.resources}
    assert effects == {"AccountX": ("retain", "destructive", ""),
                       "AccountXIdParameter": ("delete", "routine", "AccountX"),
                       "OuA": ("replace", "destructive", ""),
                       "OuB": ("update", "routine", "")}
    text = as_text(diff)
    assert "DESTRUCTIVE changes (2 destructive" in text
    assert ("[destructive] lzgen-acme-accounts-01: AccountX [AWS::Organizations::Account] "
            "removed + its ID parameter -> retain (not deleted)") in text
    assert text.index("OuA") < text.index("OuB")  # destructive first


def test_the_emulator_gets_time_to_finish_what_aws_does_in_the_background() -> None:
    # The emulator carries out a StackSet's instances inside the request; with botocore's 60 s
    # a large deploy's call timed out and was sent again while the first one still ran.
    from generator.aws.gateway import Gateway

    local = Gateway(region="us-east-1", endpoint_url="http://127.0.0.1:5000",
                    credentials=("testing", "testing"))
    remote = Gateway(region="us-east-1", credentials=("testing", "testing"))
    assert local.client("cloudformation").meta.config.read_timeout == 3600
    assert remote.client("cloudformation").meta.config.read_timeout == 60
