"""A 5,000-account organization: every template within CloudFormation's quotas, and a stable
assignment of resources to stacks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.api import Result
from generator.quotas import DEFAULTS
from tests.synthetic import synthetic_blueprint


def generate_files(tmp_path: Path, blueprint: dict[str, Any], name: str) -> Result:
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps(blueprint, indent=1))  # JSON is YAML
    return api.validate(path, lint=False)


def resource_stacks(files: dict[str, str]) -> dict[str, str]:
    """Logical ID -> stack file, over every stack."""
    located: dict[str, str] = {}
    for name, text in files.items():
        if name.startswith("stacks/"):
            for logical in json.loads(text).get("Resources", {}):
                assert logical not in located, f"{logical} is in two stacks"
                located[logical] = name
    return located


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Result]:
    blueprint = synthetic_blueprint(accounts=5000, ous=500)
    return blueprint, generate_files(tmp_path_factory.mktemp("big"), blueprint, "big")


def test_every_template_is_within_cloudformation_quotas(
        big: tuple[dict[str, Any], Result]) -> None:
    _, result = big
    stacks = {n: t for n, t in result.files.items() if n.startswith("stacks/")}
    assert len(stacks) > 10
    for name, text in stacks.items():
        template = json.loads(text)
        assert len(template.get("Resources", {})) <= DEFAULTS["template_resources"].value, name
        assert len(template.get("Parameters", {})) <= DEFAULTS["template_parameters"].value, name
        assert len(template.get("Outputs", {})) <= DEFAULTS["template_outputs"].value, name
        assert len(text.encode()) <= DEFAULTS["template_bytes"].value, name
    accounts = sum(1 for t in stacks.values() if '"AWS::Organizations::Account"' in t
                   for _ in [0])
    assert accounts >= 20


def test_adding_an_account_moves_no_existing_resource(
        big: tuple[dict[str, Any], Result], tmp_path: Path) -> None:
    blueprint, result = big
    before = resource_stacks(result.files)
    blueprint = json.loads(json.dumps(blueprint))
    blueprint["accounts"]["acct-new"] = {"email": "aws-acct-new@big.example", "ou": "Unit03",
                                         "environment": "prod"}
    after = resource_stacks(generate_files(tmp_path, blueprint, "plus-one").files)
    moved = {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v}
    assert moved == {}
    assert set(after) - set(before) == {"AccountAcctNew", "AccountAcctNewIdParameter"}


def test_removing_an_ou_and_account_moves_no_other_resource(
        big: tuple[dict[str, Any], Result], tmp_path: Path) -> None:
    blueprint, result = big
    before = resource_stacks(result.files)
    blueprint = json.loads(json.dumps(blueprint))
    del blueprint["accounts"]["acct-00007"]
    blueprint["organizational_units"]["Unit05"]["children"]["Team9999"] = {}
    after = resource_stacks(generate_files(tmp_path, blueprint, "changed").files)
    assert {k: v for k, v in after.items() if k in before and before[k] != v} == {}
