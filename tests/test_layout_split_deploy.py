"""A bucket of the layout splits as the organization grows: `lzgen diff` shows its accounts
moving to the new stack (not replaced), and deploy moves them on the emulator by Retain and
import: the same accounts, none created again, none closed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from generator import api
from generator.diff.model import Risk
from generator.diff.sources import Source
from tests.emulator import Emulator
from tests.helpers import BLUEPRINTS
from tests.test_deploy_e2e import Run

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")
# A small capacity, so that a split happens with a few accounts: 10 accounts (20 resources).
QUOTAS = {"template_resources": 20}


def blueprint(folder: Path, extra: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "policies").exists():
        shutil.copytree(BLUEPRINTS / "policies", folder / "policies")
    yaml = YAML()
    data: Any = yaml.load((BLUEPRINTS / "example.yaml").read_text())
    for index in range(extra):
        data["accounts"][f"team-{index:03d}"] = {
            "email": f"aws-team-{index:03d}@acme.example", "ou": "Sandbox",
            "environment": "sandbox", "purpose": "sandbox",
            "tags": {"owner": "builders", "environment": "sandbox", "cost-center": "1300"}}
    data["quotas"] = QUOTAS
    path = folder / f"example-{extra}.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


def account_stacks(path: Path) -> set[str]:
    files = api.validate(path, lint=False).files
    return {name for name in files if name.startswith("stacks/accounts")}


def first_split(folder: Path) -> tuple[Path, Path]:
    """Two blueprints: `extra` accounts, and one more, which splits a bucket."""
    before = blueprint(folder, 12)
    stacks = account_stacks(before)
    for extra in range(13, 40):
        after = blueprint(folder, extra)
        grown = account_stacks(after)
        if grown != stacks:
            return before, after
        before, stacks = after, grown
    raise AssertionError("no bucket split")


def test_a_split_is_a_move_in_the_diff_and_deploy_moves_the_accounts(
        emulator: Emulator, tmp_path: Path) -> None:
    before, after = first_split(tmp_path / "blueprint")

    diff = api.diff(Source(before), Source(after))
    moved = [c for c in diff.resources if c.action == "moved" and not c.companion_of]
    assert moved and all(c.resource_type == "AWS::Organizations::Account" for c in moved)
    assert all((c.effect, c.risk) == ("move", Risk.ROUTINE) for c in moved)
    assert {c.from_stack for c in moved} == {moved[0].from_stack}  # one bucket split

    run = Run(emulator)
    first, second = tmp_path / "out-1", tmp_path / "out-2"
    api.generate(before, first, lint=False)
    api.generate(after, second, lint=False)
    run(first)
    org = emulator.client("organizations")

    def accounts() -> dict[str, tuple[str, str]]:
        pages = org.get_paginator("list_accounts").paginate()
        return {a["Name"]: (a["Id"], a["Status"]) for page in pages for a in page["Accounts"]}

    ids_before = accounts()
    report = run(second)
    ids_after = accounts()

    assert {n: v for n, v in ids_after.items() if n in ids_before} == ids_before
    assert len(ids_after) == len(ids_before) + 1
    assert all(status == "ACTIVE" for _, status in ids_after.values())
    target = f"lzgen-acme-{moved[0].stack}"
    assert report.stacks[target] == "updated"  # imported, then its ID parameters added
    listed = emulator.client("cloudformation").describe_stack_resources(
        StackName=target)["StackResources"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}
    names = {c.logical_id: c.logical_id.removeprefix("Account") for c in moved}
    by_logical = {f"Account{''.join(p.title() for p in n.split('-'))}": v[0]
                  for n, v in ids_before.items()}
    assert {c.logical_id: physical[c.logical_id] for c in moved} == {
        logical: by_logical[logical] for logical in names}
    assert "move between stacks" in run.text


def test_the_guard_lets_splits_and_merges_through_but_not_a_replacement() -> None:
    from generator.aws.guard import destructive_changes
    from generator.aws.moves import Move, planned_moves

    account = {"Type": "AWS::Organizations::Account", "DeletionPolicy": "Retain",
               "Properties": {"AccountName": "a", "Email": "a@x.example", "RoleName": "R"}}
    other = {**account, "Properties": {**account["Properties"], "Email": "b@x.example"}}
    deployed = {"accounts-03": {"Resources": {"AccountA": account, "AccountB": other}}}
    split = {"accounts-03": {"Resources": {"AccountB": other}},
             "accounts-07": {"Resources": {"AccountA": account}}}
    assert planned_moves(deployed, split) == [Move("AccountA", "accounts-03", "accounts-07")]
    assert destructive_changes(deployed, split) == []

    # Merging back into a stack that exists is a move too (an IMPORT into that stack).
    existing = {**deployed, "accounts-07": {"Resources": {"AccountC": other}}}
    merge = {**split, "accounts-07": {"Resources": {"AccountA": account, "AccountC": other}}}
    assert planned_moves(existing, merge) == [Move("AccountA", "accounts-03", "accounts-07")]
    assert destructive_changes(existing, merge) == []

    # OUs and policies move as well (deploy retains them first) ...
    unit = {"Type": "AWS::Organizations::OrganizationalUnit",
            "Properties": {"Name": "X", "ParentId": {"Ref": "RootId"}}}
    ous = {"ous-level1": {"Resources": {"OuX": unit}}}
    ous_split = {"ous-level1": {"Resources": {}}, "ous-level1-02": {"Resources": {"OuX": unit}}}
    assert planned_moves(ous, ous_split) == [
        Move("OuX", "ous-level1", "ous-level1-02", "AWS::Organizations::OrganizationalUnit")]
    assert destructive_changes(ous, ous_split) == []
    # ... unless a create-only property changes: then it is a replacement, and refused.
    moved_parent = {**unit, "Properties": {**unit["Properties"], "ParentId": "ou-other"}}
    replaced = {"ous-level1": {"Resources": {}},
                "ous-level1-02": {"Resources": {"OuX": moved_parent}}}
    assert planned_moves(ous, replaced) == []
    assert [d.logical_id for d in destructive_changes(ous, replaced)] == ["OuX"]


def test_sources_let_go_after_the_stacks_that_read_their_ids() -> None:
    from generator.aws.moves import release_order, without

    reader = {"Parameters": {"OuXId": {"Type": "AWS::SSM::Parameter::Value<String>",
                                       "Default": "/lzgen/acme/ids/OuX"}}}
    assert release_order({"ous-level1": ["OuX"], "policies": ["PolicyP"]},
                         {"ous-level1": {}, "policies": reader}) == ["policies", "ous-level1"]
    template = {"Resources": {
        "OuX": {"Type": "AWS::Organizations::OrganizationalUnit"},
        "OuXIdParameter": {"Type": "AWS::SSM::Parameter", "Properties": {"Value": {"Ref": "OuX"}}},
        "OuY": {"Type": "AWS::Organizations::OrganizationalUnit", "DependsOn": ["OuX"]}},
        "Outputs": {"X": {"Value": {"Fn::GetAtt": ["OuX", "Id"]}}}}
    assert without(template, ["OuX"]) == {
        "Resources": {"OuY": {"Type": "AWS::Organizations::OrganizationalUnit"}}}


def test_the_import_of_moved_accounts_holds_only_them_and_their_own_chain() -> None:
    from generator.aws.adopt import plan_import
    from generator.aws.live import LiveAccount, LiveOrganization

    def account(email: str, after: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"Type": "AWS::Organizations::Account", "DeletionPolicy": "Retain",
                                "Properties": {"AccountName": email, "Email": email}}
        if after:
            body["DependsOn"] = [after]
        return body

    template = {"Resources": {"AccountA": account("a@x.example"),  # new, created after import
                              "AccountB": account("b@x.example", "AccountA"),
                              "AccountC": account("c@x.example", "AccountB"),
                              "AccountD": account("d@x.example", "AccountC")}}
    live = LiveOrganization("o-1", "r-1", LiveAccount("1", "m", "m@x.example", "", {}), {}, [],
                            {}, {n: LiveAccount(f"{i}", n, f"{n}@x.example", "", {})
                                 for i, n in enumerate("bcd", 2)}, {}, (), [], {})
    plan = plan_import(template, live, only={"AccountB", "AccountC"})
    assert [e["LogicalResourceId"] for e in plan.resources] == ["AccountB", "AccountC"]
    resources = plan.template["Resources"]
    assert set(resources) == {"AccountB", "AccountC"}
    assert "DependsOn" not in resources["AccountB"]
    assert resources["AccountC"]["DependsOn"] == ["AccountB"]
