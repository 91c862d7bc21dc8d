"""Deploy of a hand-made output folder against the emulator: a service-managed StackSet whose
instances land in the member accounts of its OU, and the API steps that name accounts and OUs
(delegated administrator, tags, FullAWSAccess detached), each skipped once in place."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from generator import api
from generator.aws.emulator.local import FAKE_CREDENTIALS
from generator.aws.gateway import Gateway
from generator.errors import AwsError, RefusedError, UsageError
from generator.jsonio import compact_json, dump_json
from tests.emulator import CallCounter, Emulator

STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"
REGIONS = ["us-east-1", "eu-west-1"]


def account(name: str, after: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": "AWS::Organizations::Account", "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {"AccountName": name, "Email": f"{name}@acme.example",
                       "ParentIds": [{"Ref": "OuMembers"}]}}
    if after:
        resource["DependsOn"] = [after]
    return resource


def baseline_template() -> dict[str, Any]:
    body = {"Resources": {"Marker": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": "/acme/baseline", "Type": "String", "Value": "v1"}}}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"RootId": {"Type": "String"}},
        "Resources": {
            "OuMembers": {"Type": "AWS::Organizations::OrganizationalUnit",
                          "Properties": {"Name": "Members", "ParentId": {"Ref": "RootId"}}},
            "AccountOne": account("one"),
            "AccountTwo": account("two", "AccountOne"),
            "PolicyAllowAll": {"Type": "AWS::Organizations::Policy", "Properties": {
                "Name": "allow-all", "Type": "SERVICE_CONTROL_POLICY",
                "Content": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                "TargetIds": [{"Ref": "OuMembers"}]}},
            "BaselineStackSet": {
                "Type": "AWS::CloudFormation::StackSet", "DependsOn": ["AccountTwo"],
                "Properties": {
                    "StackSetName": "lzgen-acme-baseline", "PermissionModel": "SERVICE_MANAGED",
                    "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
                    "OperationPreferences": {"FailureTolerancePercentage": 0,
                                             "MaxConcurrentPercentage": 25,
                                             "RegionConcurrencyType": "PARALLEL"},
                    "TemplateBody": compact_json(body),
                    "StackInstancesGroup": [{
                        "DeploymentTargets": {"OrganizationalUnitIds": [{"Ref": "OuMembers"}]},
                        "Regions": REGIONS}]}},
        },
    }


def step(phase: str, service: str, action: str, **parameters: Any) -> dict[str, Any]:
    return {"phase": phase, "service": service, "action": action, "parameters": parameters,
            "reason": f"{action} for the test"}


STEPS = [
    step("prepare", "organizations", "EnableAllFeatures"),
    step("prepare", "organizations", "EnablePolicyType", PolicyType="SERVICE_CONTROL_POLICY"),
    step("prepare", "cloudformation", "ActivateOrganizationsAccess"),
    step("prepare", "organizations", "EnableAWSServiceAccess",
         ServicePrincipal="config.amazonaws.com"),
    step("after", "organizations", "RegisterDelegatedAdministrator",
         AccountId="{{lzgen:account-id:one}}", ServicePrincipal="config.amazonaws.com"),
    step("after", "organizations", "TagResource", Target="account:two",
         Tags={"owner": "platform"}),
    step("after", "organizations", "DetachPolicy", PolicyId="p-FullAWSAccess",
         Target="ou:Members"),
]


def write_output(folder: Path, steps: list[dict[str, Any]] | None = None) -> Path:
    template = dump_json(baseline_template())
    (folder / "stacks").mkdir(parents=True)
    (folder / "stacks" / "baseline.json").write_text(template)
    manifest = {
        "format": 1, "organization": "acme", "home_region": "us-east-1", "regions": REGIONS,
        "deploy_order": ["baseline"],
        "stacks": [{"name": "baseline", "stack_name": "lzgen-acme-baseline",
                    "file": "stacks/baseline.json", "region": "us-east-1",
                    "depends_on": [], "parameters": {"RootId": "{{lzgen:root-id}}"}}],
        "stacksets": [{"name": "baseline", "stack": "baseline",
                       "logical_id": "BaselineStackSet"}],
        "api_steps": STEPS if steps is None else steps,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def deploy(emulator: Emulator, folder: Path, **settings: Any) -> tuple[Any, str]:
    out = StringIO()
    gateway = Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                      credentials=FAKE_CREDENTIALS)
    report = api.deploy(folder, api.DeploySettings(yes=True, poll_seconds=0.0, **settings),
                        console=Console(file=out, width=160), gateway=gateway,
                        interactive=False)
    return report, out.getvalue()


def test_stackset_instances_land_in_the_accounts_of_their_ou_and_steps_apply(
        emulator: Emulator, tmp_path: Path, call_counter: CallCounter) -> None:
    folder = write_output(tmp_path / "output")

    report, text = deploy(emulator, folder)

    org = emulator.client("organizations")
    ids = {a["Name"]: a["Id"] for a in org.list_accounts()["Accounts"]}
    instances = emulator.client("cloudformation").list_stack_instances(
        StackSetName="lzgen-acme-baseline")["Summaries"]
    assert {(i["Account"], i["Region"]) for i in instances} == {
        (ids[name], region) for name in ("one", "two") for region in REGIONS}
    assert "StackSet lzgen-acme-baseline: 4 of 4 instances current" in text
    assert report.instance_failures == []
    admins = org.list_delegated_administrators(ServicePrincipal="config.amazonaws.com")
    assert [a["Id"] for a in admins["DelegatedAdministrators"]] == [ids["one"]]
    tags = org.list_tags_for_resource(ResourceId=ids["two"])["Tags"]
    assert {"Key": "owner", "Value": "platform"} in tags
    members = org.list_organizational_units_for_parent(
        ParentId=org.list_roots()["Roots"][0]["Id"])["OrganizationalUnits"][0]["Id"]
    attached = org.list_policies_for_target(TargetId=members, Filter="SERVICE_CONTROL_POLICY")
    assert [p["Name"] for p in attached["Policies"]] == ["allow-all"]

    call_counter.reset()
    again, _ = deploy(emulator, folder)
    assert call_counter.mutating == []
    assert again.stacks == {"lzgen-acme-baseline": "unchanged"}


def test_trusted_access_through_organizations_alone_leaves_stacksets_refused(
        emulator: Emulator, tmp_path: Path) -> None:
    """What lzgen did before: Organizations' EnableAWSServiceAccess for the StackSets
    principal. AWS (and the emulator) still refuse service-managed StackSets."""
    steps = [STEPS[0], STEPS[1],
             step("prepare", "organizations", "EnableAWSServiceAccess", ServicePrincipal=STACKSETS)]
    # The StackSet is refused ("You must enable organizations access ...": the API-level test
    # is in test_real_aws.py); the stack rolls back.
    with pytest.raises(AwsError, match="lzgen-acme-baseline ended ROLLBACK"):
        deploy(emulator, write_output(tmp_path / "output", steps))
    assert emulator.client("cloudformation").list_stack_sets()["Summaries"] == []
    access = emulator.client("cloudformation").describe_organizations_access()
    assert access["Status"] == "DISABLED"


def test_detaching_the_last_scp_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    steps = [*STEPS[:3], step("after", "organizations", "DetachPolicy",
                              PolicyId="p-FullAWSAccess", Target="account:one")]
    folder = write_output(tmp_path / "output", steps)
    with pytest.raises(AwsError, match="only SCP on account:one"):
        deploy(emulator, folder)


def test_unknown_steps_are_reported_before_anything_runs(
        emulator: Emulator, tmp_path: Path, call_counter: CallCounter) -> None:
    steps = [*STEPS, step("after", "shield", "CreateProtection", Name="x")]
    folder = write_output(tmp_path / "output", steps)
    with pytest.raises(UsageError, match="shield CreateProtection"):
        deploy(emulator, folder)
    assert call_counter.calls == []


def test_a_step_with_its_own_check_runs_generically(
        emulator: Emulator, tmp_path: Path, call_counter: CallCounter) -> None:
    checked = {**step("after", "ssm", "PutParameter", Name="/acme/flag", Value="on",
                      Type="String"),
               "check": {"service": "ssm", "action": "GetParametersByPath",
                         "parameters": {"Path": "/acme"}, "path": "Parameters[].Name",
                         "contains": "/acme/flag"}}
    folder = write_output(tmp_path / "output", [*STEPS[:3], checked])
    deploy(emulator, folder)
    assert emulator.client("ssm").get_parameter(Name="/acme/flag")["Parameter"]["Value"] == "on"
    call_counter.reset()
    deploy(emulator, folder)
    assert call_counter.count("PutParameter") == 0


def test_a_template_edited_after_generate_is_refused(tmp_path: Path) -> None:
    folder = write_output(tmp_path / "output")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["stacks"][0]["sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UsageError, match="changed since `generate` wrote it"):
        api.deploy(folder, api.DeploySettings(yes=True), gateway=object())  # type: ignore[arg-type]


def test_answering_no_executes_nothing(emulator: Emulator, tmp_path: Path,
                                       call_counter: CallCounter,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    emulator.create_organization()
    folder = write_output(tmp_path / "output", [])
    questions: list[str] = []
    monkeypatch.setattr(typer, "confirm", lambda text, **_: questions.append(text) or False)
    call_counter.reset()

    with pytest.raises(RefusedError, match="plan was not confirmed"):
        api.deploy(folder, api.DeploySettings(poll_seconds=0.0), gateway=Gateway(
            region="us-east-1", endpoint_url=emulator.endpoint_url,
            credentials=FAKE_CREDENTIALS), console=Console(file=StringIO()), interactive=True)

    assert questions == ["Deploy this plan (1 of 1 stacks change, 0 API steps)?"]
    assert call_counter.mutating == []
    assert emulator.client("cloudformation").describe_stacks()["Stacks"] == []


def test_confirm_each_asks_before_each_change_set(emulator: Emulator, tmp_path: Path,
                                                  call_counter: CallCounter,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    emulator.create_organization()
    folder = write_output(tmp_path / "output", [])
    questions: list[str] = []
    monkeypatch.setattr(typer, "confirm",
                        lambda text, **_: questions.append(text) or text.startswith("Deploy"))
    call_counter.reset()

    with pytest.raises(RefusedError, match="not executed"):
        api.deploy(folder, api.DeploySettings(poll_seconds=0.0, confirm_each=True),
                   gateway=Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                                   credentials=FAKE_CREDENTIALS),
                   console=Console(file=StringIO()), interactive=True)

    assert questions == ["Deploy this plan (1 of 1 stacks change, 0 API steps)?",
                         "Execute the change set of lzgen-acme-baseline?"]
    assert call_counter.count("ExecuteChangeSet") == 0
    stacks = emulator.client("cloudformation").describe_stacks()["Stacks"]
    assert stacks == []  # the change set and its REVIEW_IN_PROGRESS stack were removed
