"""Properties of the whole pipeline, over random valid blueprints (tests/strategies.py).

Example counts (CI profile; x10 under LZGEN_HYPOTHESIS_PROFILE=thorough) are in each test's
`examples(...)`; the README's "Testing" section lists them.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from generator import api
from generator.api import Result
from generator.errors import BlueprintError, FindingsError
from tests.emit import to_yaml
from tests.strategies import blueprints, examples, shuffled, unknown_builtin_params

Data = dict[str, Any]


def write(folder: Path, data: Data, fmt: str, name: str = "blueprint") -> Path:
    """The blueprint as a file: YAML from tests/emit.py, or JSON (which is YAML too)."""
    path = folder / f"{name}.{fmt}"
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
