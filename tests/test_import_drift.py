"""`lzgen import` and `lzgen drift` against the local emulator: the example deployed and
imported again is the example; drift against it is empty; changes made by hand are each
reported once with their risk; and `deploy --adopt`'s plan of resources to import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.aws.gateway import Gateway
from generator.cli import main
from generator.diff import Risk
from generator.model import Organization
from tests.emulator import CallCounter, Emulator
from tests.test_deploy_e2e import EXAMPLE, Run, generate

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLE, tmp_path_factory.mktemp("example") / "output")


@pytest.fixture
def deployed(emulator: Emulator, example_output: Path) -> Gateway:
    run = Run(emulator)
    run(example_output)
    return run.gateway


def shape(org: Organization) -> dict[str, Any]:
    """What import must read back: OUs, accounts, policies, attachments, tags."""
    return {
        "root_tags": dict(org.blueprint.organization.tags),
        "ous": {p: (ou.parent, dict(ou.spec.tags)) for p, ou in org.ous.items()},
        "accounts": {n: (a.email, a.ou, dict(a.tags)) for n, a in org.accounts.items()},
        "policies": {n: (p.spec.type, p.document, sorted({t.key for t in p.targets}),
                         dict(p.spec.tags))
                     for n, p in org.policies.items()},
        "detach": sorted(org.blueprint.full_aws_access.detach),
        "services": {s: (getattr(org.blueprint.services, s) or None) and
                     getattr(org.blueprint.services, s).delegated_admin
                     for s in ("cloudtrail", "config", "guardduty", "securityhub",
                               "access_analyzer")},
    }


def test_import_of_the_deployed_example_is_the_example(deployed: Gateway,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "imported" / "acme.yaml"
    result = api.import_organization(path, api.DeploySettings(), gateway=deployed)

    imported = api.load(path)
    assert shape(imported) == shape(api.load(EXAMPLE))
    # moto's management account is master@example.com, off the example's domain: the
    # blueprint is written anyway, with the finding in its header.
    errors = [(f.rule, f.path) for f in result.findings if f.is_error]
    assert errors == [("LZ105", ("organization", "management_account", "email"))]
    text = path.read_text()
    assert "#   LZ105: root email 'master@example.com'" in text
    assert f"from AWS organization {result.organization_id}" in text
    assert "builtin: deny-outside-regions" in text
    assert (tmp_path / "imported" / "policies" / "deny-large-instances.json").is_file()
    again = tmp_path / "again.yaml"
    api.import_organization(again, api.DeploySettings(), gateway=deployed)
    assert again.read_text() == text


def test_drift_of_the_deployed_example_is_empty(deployed: Gateway) -> None:
    result = api.drift(EXAMPLE, api.DeploySettings(), gateway=deployed)
    assert result.changes == ()
    assert result.risk is None


def by_hand(emulator: Emulator) -> None:
    """Changes made outside lzgen: an account moved, an SCP detached, a policy edited, an
    account created."""
    org = emulator.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    ous = {u["Name"]: u["Id"] for u in org.list_organizational_units_for_parent(
        ParentId=root)["OrganizationalUnits"]}
    accounts = {a["Name"]: a["Id"] for a in org.list_accounts()["Accounts"]}
    policies = {p["Name"]: p["Id"] for p in org.list_policies(
        Filter="SERVICE_CONTROL_POLICY")["Policies"]}
    org.move_account(AccountId=accounts["sandbox-builders"], SourceParentId=ous["Sandbox"],
                     DestinationParentId=ous["Infrastructure"])
    org.detach_policy(PolicyId=policies["deny-root-user"], TargetId=ous["Sandbox"])
    edited = {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyLeaveOrganization", "Effect": "Deny",
         "Action": "organizations:LeaveOrganization", "Resource": "*",
         "Condition": {"ArnNotLike": {"aws:PrincipalARN": "arn:aws:iam::*:role/Admin"}}}]}
    org.update_policy(PolicyId=policies["deny-leave-organization"], Content=json.dumps(edited))
    org.create_account(AccountName="shadow-it", Email="aws-shadow-it@acme.example")


def test_drift_reports_each_change_by_hand_once_with_its_risk(
        emulator: Emulator, deployed: Gateway) -> None:
    by_hand(emulator)
    result = api.drift(EXAMPLE, api.DeploySettings(), gateway=deployed)

    found = sorted((c.kind, c.action, c.subject, c.risk.value) for c in result.changes)
    assert found == [
        ("account", "added", "shadow-it", "routine"),
        ("account", "moved", "sandbox-builders", "weakens-security"),  # loses an SCP
        ("policy", "changed", "deny-leave-organization", "weakens-security"),  # exempts more
        ("policy", "detached", "deny-root-user", "weakens-security"),
    ]
    assert result.risk is Risk.WEAKENS


def test_drift_compares_tags_only_when_asked(emulator: Emulator, deployed: Gateway,
                                            call_counter: CallCounter) -> None:
    org = emulator.client("organizations")
    account = next(a["Id"] for a in org.list_accounts()["Accounts"]
                   if a["Name"] == "log-archive")
    org.tag_resource(ResourceId=account, Tags=[{"Key": "owner", "Value": "someone-else"}])
    call_counter.calls.clear()
    quick = api.drift(EXAMPLE, api.DeploySettings(), gateway=deployed)
    assert quick.changes == ()
    assert quick.head.endswith("(tags not compared: lzgen drift --tags)")
    assert call_counter.count("ListTagsForResource", mutating_only=False) == 0

    full = api.drift(EXAMPLE, api.DeploySettings(), tags=True, gateway=deployed)
    assert [(c.kind, c.subject, c.risk.value) for c in full.changes] == [
        ("account", "log-archive", "routine")]
    assert "owner" in full.changes[0].summary
    assert not full.head.endswith(")")


def test_cli_drift_exit_codes_and_import(emulator: Emulator, deployed: Gateway,
                                         tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    endpoint = ["--endpoint-url", emulator.endpoint_url]
    assert main(["drift", str(EXAMPLE), *endpoint]) == 0
    by_hand(emulator)
    capsys.readouterr()
    assert main(["drift", str(EXAMPLE), "-f", "json", *endpoint]) == 5
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["changes"]) == 4
    assert main(["drift", str(EXAMPLE), "--fail-on", "weakens", *endpoint]) == 6
    assert main(["drift", str(EXAMPLE), "--tags", "--fail-on", "weakens", *endpoint]) == 6
    target = tmp_path / "org.yaml"
    assert main(["import", "-o", str(target), "--name", "acme", *endpoint]) == 0
    assert "shadow-it:" in target.read_text()


# -- deploy --adopt: the plan of what to import -------------------------------------------------


def test_adopt_plans_every_existing_ou_account_and_policy(
        deployed: Gateway, example_output: Path) -> None:
    from generator.aws.adopt import plan_import
    from generator.aws.live import read_live
    from generator.aws.manifest import load_manifest

    live = read_live(deployed)
    manifest = load_manifest(example_output)
    plans = {s.name: plan_import(s.template, live) for s in manifest.stacks}

    imported = {(e["ResourceType"].rpartition(":")[2], e["LogicalResourceId"]):
                e["ResourceIdentifier"] for p in plans.values() for e in p.resources}
    kinds = {k for k, _ in imported}
    assert kinds == {"OrganizationalUnit", "Account", "Policy"}
    assert imported[("OrganizationalUnit", "OuWorkloadsProd")] == {
        "Id": live.ous["Workloads/Prod"].id}
    assert imported[("Account", "AccountLogArchive")] == {
        "AccountId": live.accounts["log-archive"].id}
    assert imported[("Policy", "PolicyDenyRootUser")] == {"Id": live.policies["deny-root-user"].id}
    assert sum(k == "Account" for k, _ in imported) == len(live.accounts)
    assert sum(k == "OrganizationalUnit" for k, _ in imported) == len(live.ous)
    for plan in plans.values():  # an IMPORT change set holds only what it imports, retained
        assert set(plan.template["Resources"]) == {e["LogicalResourceId"] for e in plan.resources}
        assert all(r["DeletionPolicy"] == "Retain" for r in plan.template["Resources"].values())


def test_adopt_of_nothing_live_plans_nothing(deployed: Gateway, example_output: Path) -> None:
    from dataclasses import replace

    from generator.aws.adopt import plan_import
    from generator.aws.live import read_live
    from generator.aws.manifest import load_manifest

    live = replace(read_live(deployed), ous={}, accounts={}, policies={})
    assert all(plan_import(s.template, live).is_empty
               for s in load_manifest(example_output).stacks)


def test_deploy_adopt_imports_what_exists_on_the_emulator(
        emulator: Emulator, example_output: Path) -> None:
    """An OU made by hand, then `deploy --adopt`: the stack imports that OU (an IMPORT change
    set, which the emulator carries out as CloudFormation does) instead of creating another."""
    emulator.create_organization()
    org = emulator.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    made = org.create_organizational_unit(ParentId=root, Name="Security")["OrganizationalUnit"]
    Run(emulator)(example_output, adopt=True)
    units = org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    assert [u["Id"] for u in units if u["Name"] == "Security"] == [made["Id"]]
    listed = emulator.client("cloudformation").describe_stack_resources(
        StackName="lzgen-acme-ous-level1")["StackResources"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}[
        "OuSecurity"] == made["Id"]
