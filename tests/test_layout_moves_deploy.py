"""OU and policy buckets of the layout split and merge back, and deploy moves their members
(and the accounts') by Retain and import, on the emulator: nothing is replaced, deleted or
created twice, with no --allow-destructive; and a deploy interrupted in the middle of a move
converges when it is run again.

The layout is tuned small: 14 more OUs at the first level and 14 more SCPs, and a capacity
(`quotas.template_resources`) of 20 resources, which splits `ous-level1` into three stacks and
`policies` into two; 60 fits every bucket in one stack again (a merge)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from generator import api
from generator.aws.stacks import Stacks
from generator.diff.model import Risk
from generator.diff.sources import Source
from generator.errors import AwsError
from tests.emulator import Emulator
from tests.helpers import BLUEPRINTS
from tests.test_deploy_e2e import Run

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")
OU = "AWS::Organizations::OrganizationalUnit"
POLICY = "AWS::Organizations::Policy"
SPLIT, FITS = 20, 60
TEAMS = 14


def blueprint(folder: Path, resources: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "policies").exists():
        shutil.copytree(BLUEPRINTS / "policies", folder / "policies")
    yaml = YAML()
    data: Any = yaml.load((BLUEPRINTS / "example.yaml").read_text())
    for index in range(TEAMS):
        data["organizational_units"][f"Team{index:02d}"] = {
            "description": "A team's accounts.", "environment": "sandbox",
            "tags": {"owner": "builders", "environment": "sandbox", "cost-center": "1300"}}
        data["policies"][f"team-{index:02d}-guard"] = {
            "type": "scp", "description": "The team's guard.",
            "file": "policies/deny-expensive-instances.json", "attach": [f"ou:Team{index:02d}"]}
    data["quotas"] = {"template_resources": resources}
    path = folder / f"teams-{resources}.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


def organization(emulator: Emulator) -> dict[str, str]:
    """Every OU (by path), account and policy (by name) of the organization -> its ID."""
    org = emulator.client("organizations")
    found: dict[str, str] = {}

    def walk(parent: str, prefix: str) -> None:
        pages = org.get_paginator("list_organizational_units_for_parent").paginate(
            ParentId=parent)
        for unit in (u for page in pages for u in page["OrganizationalUnits"]):
            found[f"ou {prefix}{unit['Name']}"] = unit["Id"]
            walk(unit["Id"], f"{prefix}{unit['Name']}/")

    walk(org.list_roots()["Roots"][0]["Id"], "")
    for page in org.get_paginator("list_accounts").paginate():
        found.update({f"account {a['Name']}": f"{a['Id']} {a['Status']}"
                      for a in page["Accounts"]})
    for kind in ("SERVICE_CONTROL_POLICY", "AISERVICES_OPT_OUT_POLICY"):
        for page in org.get_paginator("list_policies").paginate(Filter=kind):
            found.update({f"policy {p['Name']}": p["Id"] for p in page["Policies"]
                          if not p["AwsManaged"]})
    return found


def stack_names(emulator: Emulator) -> set[str]:
    cfn = emulator.client("cloudformation")
    return {s["StackName"] for page in cfn.get_paginator("describe_stacks").paginate()
            for s in page["Stacks"]}


def holders(emulator: Emulator, stacks: set[str]) -> dict[str, tuple[str, str]]:
    """Logical ID of each OU and policy -> (stack, physical ID), over `stacks`."""
    cfn = emulator.client("cloudformation")
    found: dict[str, tuple[str, str]] = {}
    for stack in sorted(stacks):
        for resource in cfn.describe_stack_resources(StackName=stack)["StackResources"]:
            if resource["ResourceType"] in (OU, POLICY):
                assert resource["LogicalResourceId"] not in found, "held by two stacks"
                found[resource["LogicalResourceId"]] = (stack, resource["PhysicalResourceId"])
    return found


@pytest.fixture
def outputs(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "blueprint"
    fits, split = tmp_path / "fits", tmp_path / "split"
    api.generate(blueprint(folder, FITS), fits, lint=False)
    api.generate(blueprint(folder, SPLIT), split, lint=False)
    return fits, split


def test_the_diff_shows_ou_and_policy_bucket_splits_and_merges_as_moves(tmp_path: Path) -> None:
    folder = tmp_path / "blueprint"
    fits, split = Source(blueprint(folder, FITS)), Source(blueprint(folder, SPLIT))
    for base, head in ((fits, split), (split, fits)):
        diff = api.diff(base, head)
        moved = [c for c in diff.resources if c.action == "moved" and not c.companion_of]
        assert {c.resource_type for c in moved} == {OU, POLICY}
        assert all((c.effect, c.risk) == ("move", Risk.ROUTINE) for c in moved), moved
        guarded = [c for c in diff.resources if c.resource_type in (OU, POLICY)]
        assert not [c for c in guarded if c.effect in ("replace", "delete")]


def test_ou_and_policy_buckets_split_and_merge_back_without_replacing_anything(
        emulator: Emulator, outputs: tuple[Path, Path]) -> None:
    fits, split = outputs
    run = Run(emulator)
    run(fits)
    before = organization(emulator)
    assert sum(key.startswith("ou Team") for key in before) == TEAMS
    held = holders(emulator, {"lzgen-acme-ous-level1", "lzgen-acme-policies"})
    stacks = stack_names(emulator)

    run(split, dry_run=True)  # plans the moves, changes nothing
    assert (organization(emulator), stack_names(emulator)) == (before, stacks)
    assert "retain, then let go of" in run.text

    run(split)  # no --allow-destructive: nothing is removed or replaced
    assert organization(emulator) == before
    layout = {n for n in stack_names(emulator) if "ous-level1" in n or "policies" in n}
    assert layout == {"lzgen-acme-ous-level1", "lzgen-acme-ous-level1-02",
                      "lzgen-acme-ous-level1-03", "lzgen-acme-policies",
                      "lzgen-acme-policies-02"}
    after_split = holders(emulator, layout)
    assert {k: v[1] for k, v in after_split.items()} == {k: v[1] for k, v in held.items()}
    assert {v[0] for v in after_split.values()} == layout  # every new stack holds some
    assert "move between stacks" in run.text

    run(fits)  # the buckets merge back into the stacks that exist
    assert organization(emulator) == before
    layout = {n for n in stack_names(emulator) if "ous-level1" in n or "policies" in n}
    assert layout == {"lzgen-acme-ous-level1", "lzgen-acme-policies"}
    assert holders(emulator, layout) == held

    run(fits)  # and a deploy after that has nothing to do
    assert organization(emulator) == before
    assert "moves (" not in run.text.rsplit("lzgen deploy: acme", 1)[1]


@pytest.mark.parametrize(("direction", "stop_after"), [
    ("split", "retain"), ("split", "release"), ("merge", "retain")])
def test_a_move_interrupted_part_way_converges_when_deploy_runs_again(
        emulator: Emulator, outputs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        direction: str, stop_after: str) -> None:
    """The deploy fails right after the first source stack retained its leaving resources
    ("retain"), or let them go ("release": they are then in no stack at all); the next deploy
    finds where each one is and finishes the moves. A merge's sources are deleted once they
    let go of everything, keeping it."""
    fits, split = outputs
    run = Run(emulator)
    run(fits)
    before = organization(emulator)
    held = holders(emulator, {"lzgen-acme-ous-level1", "lzgen-acme-policies"})
    if direction == "merge":
        run(split)
        fits, split = split, fits
    original = Stacks._update_template

    def failing(self: Stacks, plan: Any, deployed: Any, template: Any, purpose: str) -> None:
        original(self, plan, deployed, template, purpose)
        if purpose == stop_after:
            raise AwsError("simulated failure", "rerun", code="Simulated")

    monkeypatch.setattr(Stacks, "_update_template", failing)
    with pytest.raises(AwsError, match="simulated failure"):
        run(split)
    monkeypatch.undo()
    assert organization(emulator) == before  # nothing lost while half moved

    run(split)
    assert organization(emulator) == before
    if stop_after == "release":
        assert "let go by their old stack in an earlier deploy are imported now" in run.text
    layout = {n for n in stack_names(emulator) if "ous-level1" in n or "policies" in n}
    assert len(layout) == (5 if direction == "split" else 2)
    assert {k: v[1] for k, v in holders(emulator, layout).items()} == \
        {k: v[1] for k, v in held.items()}
