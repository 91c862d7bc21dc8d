"""Properties of the whole pipeline, over random valid blueprints (tests/strategies.py).

Example counts (CI profile; x10 under LZGEN_HYPOTHESIS_PROFILE=thorough) are in each test's
`examples(...)`; docs/development/testing.md lists them.
"""

from __future__ import annotations

import copy
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from generator import api
from generator.api import Result
from generator.diff import Change
from generator.diff.sources import Source
from generator.errors import BlueprintError, FindingsError
from generator.model import Organization
from tests.emit import to_yaml
from tests.emulator import Emulator
from tests.strategies import blueprints, examples, shuffled, unknown_builtin_params

Data = dict[str, Any]


def write(folder: Path, data: Data, fmt: str, name: str = "blueprint") -> Path:
    """The blueprint as a file: YAML from tests/emit.py, or JSON (which is YAML too). The
    name does not change with the format: the output names the blueprint's file."""
    path = folder / f"{name}.yaml"
    if fmt == "json":
        path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    else:
        path.write_text(to_yaml(data).text, encoding="utf-8")
    return path


def validated(data: Data, fmt: str = "yaml", lint: bool = False) -> Result:
    """api.validate of the blueprint written as `fmt`; findings fail the test, shown whole."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            return api.validate(write(Path(folder), data, fmt), lint=lint)
        except (BlueprintError, FindingsError) as error:
            shown = "\n".join(f.render() for f in error.findings)
            raise AssertionError(f"a valid blueprint ({fmt}) was refused:\n{shown}") from None


def finding_keys(result: Result) -> list[tuple[str, str, tuple[str | int, ...]]]:
    """Findings without their line numbers (which move when the file is reordered)."""
    return sorted((f.rule, f.message, f.path) for f in result.findings)


def test_the_strategy_covers_every_builtin_parameter() -> None:
    assert unknown_builtin_params() == set()


# --- regression examples: blueprints that once broke a property -----------------------------

BASE: Data = {
    "version": 1,
    "organization": {"name": "fx", "home_region": "us-east-1", "regions": ["us-east-1"],
                     "email_domain": "fx.example",
                     "management_account": {"name": "fx-management",
                                            "email": "aws-management@fx.example"}},
    "organizational_units": {"Security": {}},
    "accounts": {
        "log-archive": {"email": "aws-log-archive@fx.example", "ou": "Security",
                        "purpose": "log-archive"},
        "security-tooling": {"email": "aws-security-tooling@fx.example", "ou": "Security",
                             "purpose": "security-tooling"},
        "network": {"email": "aws-network@fx.example", "ou": "root", "purpose": "network"},
    },
}


def variant(**changes: Any) -> Data:
    data = json.loads(json.dumps(BASE))
    data.update(changes)
    return data


# cfn-lint compares 'False' and '0' as booleans and called these tags duplicates.
BOOLEAN_LOOKING_TAGS = variant(accounts={**BASE["accounts"], "app": {
    "email": "aws-app@fx.example", "ou": "Security", "tags": {"False": "a", "0": "b"}}})



def _deep_long_tree() -> Data:
    """Five levels of 128-character OU names: logical IDs of 600+ characters, once a crash."""
    names = [f"Level{depth}" + "x" * 122 for depth in range(1, 6)]
    tree: Data = {}
    level = tree
    for name in names:
        level[name] = {}
        if name != names[-1]:
            level = level[name].setdefault("children", {})
    path = "/".join(names)
    return variant(organizational_units={**BASE["organizational_units"], **tree},
                   accounts={**BASE["accounts"],
                             "a" * 50: {"email": "aws-long@fx.example", "ou": path}},
                   policies={"p" * 128: {"type": "scp", "builtin": "deny-root-user",
                                         "attach": [f"ou:{path}", f"account:{'a' * 50}"]}})


LONG_NAMES = _deep_long_tree()
# JSON escapes a character outside the BMP as a surrogate pair; the loader once kept the two
# halves as two broken characters, and the JSON blueprint was refused.
ASTRAL_TAGS = variant(organization={**BASE["organization"], "tags": {"\U0001d400": "\U00020000"}})


@examples(200)
@given(blueprints())
@example(LONG_NAMES)
def test_every_valid_blueprint_generates_without_error_findings(data: Data) -> None:
    result = validated(data)
    assert [f.render() for f in result.findings if f.is_error] == []
    manifest = json.loads(result.files["manifest.json"])
    assert sorted(s["file"] for s in manifest["stacks"]) == sorted(
        f for f in result.files if f.startswith("stacks/"))
    assert manifest["deploy_order"] == [s["name"] for s in manifest["stacks"]]
    for body in manifest["stacksets"]:  # what cfn-lint checks is what the stack deploys
        stack = json.loads(result.files[f"stacks/{body['stack']}.json"])
        embedded = stack["Resources"][body["logical_id"]]["Properties"]["TemplateBody"]
        assert json.loads(embedded) == json.loads(result.files[body["file"]]), body["name"]
    for name, text in result.files.items():
        if not name.endswith(".json"):
            continue  # runbooks and reports
        template = json.loads(text)
        for resource in template.get("Resources", {}).values():
            if resource["Type"] == "AWS::Organizations::Account":
                assert resource["DeletionPolicy"] == "Retain", name
                assert resource["UpdateReplacePolicy"] == "Retain", name


@examples(50)
@given(blueprints())
@example(BOOLEAN_LOOKING_TAGS)
@example(LONG_NAMES)
def test_every_valid_blueprint_passes_cfn_lint(data: Data) -> None:
    """cfn-lint runs on every stack and StackSet body; `validate` raises on any error."""
    result = validated(data, lint=True)
    assert [f.render() for f in result.findings if f.is_error] == []


@examples(100)
@given(blueprints(), st.randoms(use_true_random=False))
@example(ASTRAL_TAGS, random.Random(0))
def test_output_is_byte_identical_and_independent_of_mapping_order(
        data: Data, rng: random.Random) -> None:
    first = validated(data)
    assert validated(data).files == first.files
    reordered = shuffled(data, rng)
    for fmt in ("json", "yaml"):
        again = validated(reordered, fmt)
        assert again.files == first.files, fmt
        assert finding_keys(again) == finding_keys(first), fmt


# --- lzgen diff -----------------------------------------------------------------------------

SMALL = {"max_accounts": 6, "max_ous": 6, "max_policies": 5}


# `exceptions` maps ids to models; lzgen diff once crashed dumping it as JSON.
WITH_EXCEPTION = variant(exceptions={"SEED-9.1": {"reason": "a test organization on purpose"}})


@examples(50)
@given(blueprints(**SMALL), st.randoms(use_true_random=False))
@example(WITH_EXCEPTION, random.Random(0))
def test_diff_of_a_blueprint_with_itself_is_empty(data: Data, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = write(folder, data, "yaml")
        reordered = write(folder, shuffled(data, rng), "json", "reordered")
        assert api.diff(Source(path), Source(path)).is_empty
        diff = api.diff(Source(path), Source(reordered))
        assert diff.is_empty, [c.summary for c in diff.changes] + [
            f"{r.stack}/{r.logical_id}: {r.action}" for r in diff.resources]


# Actions that account for an OU (and, for an ancestor, for the OUs below it).
_OU_ACTIONS = {"added", "removed", "renamed", "moved"}


def _names_ou(change: Change, org: Organization, path: str) -> bool:
    ou = org.ous[path]
    return change.kind == "ou" and change.action in _OU_ACTIONS and (
        change.subject == path or f"OU {path} " in change.summary
        or f"OU {ou.name} moved from {ou.parent} " in change.summary)


def _ou_reported(changes: tuple[Change, ...], org: Organization, path: str) -> bool:
    """The OU, or an ancestor that takes it along (removed, moved or renamed), is reported."""
    return any(_names_ou(c, org, p) for c in changes for p in org.ancestors(path))


def _account_reported(changes: tuple[Change, ...], name: str, removed: bool) -> bool:
    if removed:
        return any(c.kind == "account" and (
            (c.action == "removed" and c.subject == name)
            or (c.action == "renamed" and c.summary.startswith(f"account {name} renamed to ")))
            for c in changes)
    return any(c.kind == "account" and c.subject == name and c.action in ("added", "renamed")
               for c in changes)


def _attachments(org: Organization) -> set[tuple[str, str]]:
    return {(p.name, t.key) for p in org.policies.values() for t in p.targets}


def _on_both(target: str, base: Organization, head: Organization) -> bool:
    kind, _, name = target.partition(":")
    if kind == "ou":
        return name in base.ous and name in head.ous
    if kind == "account":
        return name in base.accounts and name in head.accounts
    return True


def _attachment_reported(changes: tuple[Change, ...], policy: str, target: str,
                         action: str) -> bool:
    return any(c.kind == "policy" and c.subject == policy and c.action == action
               and target in c.summary for c in changes)


def _renamed_policy(changes: tuple[Change, ...], name: str) -> bool:
    return any(c.kind == "policy" and c.action == "renamed"
               and (c.subject == name or c.summary.startswith(f"policy {name} renamed to "))
               for c in changes)


@examples(60)
@given(blueprints(**SMALL), blueprints(**SMALL))
def test_diff_reports_every_added_or_removed_account_ou_and_attachment(
        base_data: Data, head_data: Data) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        base_path = write(folder, base_data, "yaml", "base")
        head_path = write(folder, head_data, "yaml", "head")
        changes = api.diff(Source(base_path), Source(head_path)).changes
        base, head = api.load(base_path), api.load(head_path)
    shown = [c.summary for c in changes]
    for name in base.accounts.keys() - head.accounts.keys():
        assert _account_reported(changes, name, removed=True), (name, shown)
    for name in head.accounts.keys() - base.accounts.keys():
        assert _account_reported(changes, name, removed=False), (name, shown)
    for path in base.ous.keys() - head.ous.keys():
        assert _ou_reported(changes, base, path), (path, shown)
    for path in head.ous.keys() - base.ous.keys():
        assert _ou_reported(changes, head, path), (path, shown)
    both = base.policies.keys() & head.policies.keys()
    for sides, gone, policies, action_both, action_one in (
            ((base, head), True, base.policies, "detached", "removed"),
            ((head, base), False, head.policies, "attached", "added")):
        for policy, target in sorted(_attachments(sides[0]) - _attachments(sides[1])):
            if policy in both and _on_both(target, base, head):
                assert _attachment_reported(changes, policy, target, action_both), (
                    policy, target, shown)
            elif policy not in both and not _renamed_policy(changes, policy):
                assert policy in policies and _attachment_reported(
                    changes, policy, target, action_one), (policy, target, gone, shown)


@examples(40)
@given(blueprints(**SMALL), st.data())
def test_diff_reports_every_attachment_taken_off_or_put_on_a_policy(
        data: Data, choices: st.DataObject) -> None:
    """The same blueprint with some attachments dropped: each is reported, both ways."""
    edited = copy.deepcopy(data)
    dropped: list[tuple[str, str]] = []
    for name, spec in edited.get("policies", {}).items():
        if spec.get("builtin") == "full-aws-access":
            continue  # it may stand in for FullAWSAccess (LZ112)
        kept = [t for t in spec["attach"] if choices.draw(st.booleans(), label=f"keep {t}")]
        dropped += [(name, t) for t in spec["attach"] if t not in kept]
        spec["attach"] = kept
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        full = write(folder, data, "yaml", "full")
        fewer = write(folder, edited, "yaml", "fewer")
        taken_off = api.diff(Source(full), Source(fewer)).changes
        put_on = api.diff(Source(fewer), Source(full)).changes
    for policy, target in dropped:
        assert _attachment_reported(taken_off, policy, target, "detached"), (
            policy, target, [c.summary for c in taken_off])
        assert _attachment_reported(put_on, policy, target, "attached"), (
            policy, target, [c.summary for c in put_on])


# --- deploy to the emulator and read back ---------------------------------------------------


# A YAML-first template reader (moto's) folded " \u2028" inside the JSON templates into
# "\u2028", and the imported tag differed from the blueprint's.
LINE_SEPARATOR_TAG = variant(accounts={**BASE["accounts"], "app": {
    "email": "aws-app@fx.example", "ou": "root", "tags": {"a \u2028b": "c \u2029d"}}})


@examples(8, HealthCheck.function_scoped_fixture)
@given(data=blueprints(max_accounts=4, max_ous=4, max_policies=3, seed_sections=False))
@example(data=LINE_SEPARATOR_TAG)
@pytest.mark.filterwarnings("ignore:Tried to parse AWS::")
def test_deploying_to_the_emulator_and_importing_gives_the_blueprint_back(
        data: Data, emulator: Emulator) -> None:
    """OUs, accounts, policies, attachments and tags survive deploy and `lzgen import`.
    (moto stands in for AWS: tests/emulator; one emulator, reset for each example.)"""
    from tests.test_deploy_e2e import Run
    from tests.test_import_drift import shape

    emulator.reset()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = write(folder, data, "yaml")
        api.generate(path, folder / "output", lint=False)
        run = Run(emulator)
        run(folder / "output")
        imported = folder / "imported" / "blueprint.yaml"
        api.import_organization(imported, api.DeploySettings(), gateway=run.gateway)
        assert shape(api.load(imported)) == shape(api.load(path))


def test_the_strategy_keeps_required_tags_within_every_tag_policy(tmp_path: Path) -> None:
    """Issue 14: a custom tag policy governing a key the tagging section requires (here 'Team'
    with one allowed value, attached to the root like the tagging section) made the tags that
    the strategy carried break the effective policy (LZ310): the property tests failed now and
    then. settle_tags now renames such keys of custom policies."""
    from tests.strategies import settle_tags

    data = variant(
        policies={"custom-tags": {"type": "tag", "attach": ["root"], "content": {"tags": {
            "team": {"tag_key": {"@@assign": "Team"}, "tag_value": {"@@assign": ["core"]}}}}}},
        tagging={"attach": ["root"], "tags": {"team": {"required": True}}})
    broken = json.loads(json.dumps(data))
    for account in broken["accounts"].values():
        account["tags"] = {"team": "yes"}
    with pytest.raises(AssertionError, match="LZ310"):
        validated(broken)
    settle_tags(data, ["Security"])
    assert validated(data).findings == []
    assert "team" not in data["policies"]["custom-tags"]["content"]["tags"]
