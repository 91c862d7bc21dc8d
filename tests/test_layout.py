"""The self-sizing layout: hash buckets that split when their stack would not fit, moving only
the members of the bucket that split; CloudFormation's limits checked at generate (LZ140)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from generator import api
from generator.errors import FindingsError
from generator.synth.layout import buckets
from tests.helpers import BLUEPRINTS
from tests.synthetic import grown_example

GROW = Path("/work/shared/hooks/grow-accounts.py")


def assignment(names: list[str], capacity: int, roots: int = 4) -> dict[str, str]:
    found = buckets("accounts", names, roots, lambda _stack, members: len(members) <= capacity)
    return {member: bucket.stack for bucket in found for member in bucket.members}


def test_until_a_bucket_is_full_the_stacks_are_the_crc32_buckets_of_old() -> None:
    names = [f"acct-{i:03d}" for i in range(40)]
    placed = assignment(names, capacity=1000)
    assert placed == {n: f"accounts-{zlib.crc32(n.encode()) % 4 + 1:02d}" for n in names}
    assert assignment(names, 1000, roots=1) == dict.fromkeys(names, "accounts")


def test_adding_members_one_by_one_only_splits_the_bucket_that_is_full() -> None:
    names: list[str] = []
    before: dict[str, str] = {}
    splits = 0
    for index in range(300):
        names.append(f"team-{index:04d}")
        after = assignment(names, capacity=12)
        moved = {m for m in before if after[m] != before[m]}
        if moved:
            splits += 1
            assert len({before[m] for m in moved}) == 1, "members of two stacks moved"
            assert {after[m] for m in moved}.isdisjoint(before.values()), "moved to a new stack"
            source = before[next(iter(moved))]
            kept = {m for m in before if before[m] == source} - moved
            assert all(after[m] == source for m in kept), "the rest stays under its name"
        sizes: dict[str, int] = {}
        for stack in after.values():
            sizes[stack] = sizes.get(stack, 0) + 1
        assert max(sizes.values()) <= 12
        before = after
    assert splits >= 10


def test_the_assignment_does_not_depend_on_the_order_of_the_names() -> None:
    names = [f"n{i}" for i in range(200)]
    assert assignment(names, 9) == assignment(names[::-1], 9)


def grown_example_file(tmp_path: Path, accounts: int) -> Path:
    folder = tmp_path / "blueprint"
    shutil.copytree(BLUEPRINTS / "policies", folder / "policies")
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    path = folder / "grown.yaml"
    with path.open("w") as stream:
        yaml.dump(grown_example(yaml.load((BLUEPRINTS / "example.yaml").read_text()),
                                accounts), stream)
    return path


@pytest.mark.skipif(not GROW.exists(), reason="the grow-accounts hook is not on this machine")
def test_grown_example_is_what_the_grow_accounts_hook_writes(tmp_path: Path) -> None:
    target = tmp_path / "hook.yaml"
    subprocess.run([sys.executable, str(GROW), str(BLUEPRINTS / "example.yaml"), "3",
                    str(target)], check=True)
    yaml = YAML(typ="safe", pure=True)
    example = yaml.load((BLUEPRINTS / "example.yaml").read_text())
    assert json.loads(json.dumps(grown_example(example, 3), default=str)) == json.loads(
        json.dumps(yaml.load(target.read_text()), default=str))


def test_a_policy_with_more_targets_than_parameters_is_a_located_finding(
        tmp_path: Path) -> None:
    path = grown_example_file(tmp_path, 260)
    text = path.read_text()
    targets = ", ".join(f"'account:scale-{i:05d}'" for i in range(205))
    text = text.replace("policies:\n", "policies:\n  per-account:\n    type: scp\n"
                        "    builtin: deny-leave-organization\n"
                        f"    attach: [{targets}]\n", 1)
    path.write_text(text)
    with pytest.raises(FindingsError) as raised:
        api.validate(path, lint=False)
    found = [f for f in raised.value.findings if f.rule == "LZ140"]
    assert found, [f.render() for f in raised.value.findings]
    assert "parameters (at most 200)" in found[0].message
    assert found[0].location.line == text.splitlines().index("  per-account:") + 1


@pytest.mark.slow
def test_the_example_grown_to_1000_accounts_generates_clean_on_its_default_layout(
        tmp_path: Path) -> None:
    path = grown_example_file(tmp_path, 1000)
    result = api.validate(path, lint=True, cache=False)
    assert [f.render() for f in result.findings if f.is_error] == []
    stacks = {n: json.loads(t) for n, t in result.files.items() if n.startswith("stacks/")}
    accounts = [n for n in stacks if n.startswith("stacks/accounts")]
    assert len(accounts) > 4  # the four buckets of the default layout split
    for name, template in stacks.items():
        assert len(template["Resources"]) <= 500, name
        assert len(template.get("Parameters", {})) <= 200, name
    sizes = [len(json.dumps(stacks[n], separators=(",", ":")).encode()) for n in accounts]
    assert max(sizes) > 51_200  # these go through the template bucket
    assert api.validate(path, lint=False).files == result.files  # byte-identical again


def test_every_stack_and_stackset_counts_against_the_account_quotas(tmp_path: Path) -> None:
    text = (BLUEPRINTS / "example.yaml").read_text() + "\nquotas: {stacks: 5, stacksets: 2}\n"
    path = tmp_path / "blueprint" / "example.yaml"
    shutil.copytree(BLUEPRINTS / "policies", path.parent / "policies")
    path.write_text(text)
    with pytest.raises(FindingsError) as raised:
        api.validate(path, lint=False)
    messages = sorted(f.message for f in raised.value.findings if f.rule == "LZ140")
    assert len(messages) == 2
    assert "13 stacks in us-east-1, over CloudFormation's quota of 5" in messages[0]
    assert "6 StackSets, over CloudFormation's quota of 2" in messages[1]
