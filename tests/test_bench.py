"""The benchmark's blueprints stay valid and complete as the blueprint grows."""

from __future__ import annotations

import json
from pathlib import Path

from generator import api
from generator.blueprint.model import Blueprint
from tests.synthetic import synthetic_blueprint

# Sections that are not the seed's baseline: the organization's shape, and what a benchmark
# would only make slower without measuring anything new.
NOT_SEED = {"version", "organization", "organizational_units", "accounts", "policies",
            "quotas", "layout", "full_aws_access", "exceptions"}


def test_the_benchmark_fills_every_seed_section() -> None:
    blueprint = synthetic_blueprint(50, 10, seed=True)
    missing = set(Blueprint.model_fields) - NOT_SEED - set(blueprint)
    assert missing == set(), f"add {sorted(missing)} to tests/synthetic.py:seed_baseline"


def test_the_benchmark_blueprint_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "bench.yaml"
    path.write_text(json.dumps(synthetic_blueprint(50, 10, seed=True)))
    result = api.validate(path, lint=False)
    assert [f for f in result.findings if f.is_error] == []
    assert any(name.startswith("stacks/accounts") for name in result.files)
