"""The benchmark's blueprints stay valid and complete as the blueprint grows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from generator import api
from generator.blueprint.schema import Blueprint
from tests.helpers import BLUEPRINTS, ROOT
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


def test_generating_without_lint_never_loads_cfn_lint(tmp_path: Path) -> None:
    """Loading cfn-lint takes a second: only linting may (the deployer policy's table of
    resource types must cover every type lzgen writes)."""
    seed = tmp_path / "seed.yaml"
    seed.write_text(json.dumps(synthetic_blueprint(50, 10, seed=True)))
    code = ("import sys; from pathlib import Path; from generator import api\n"
            "for i, bp in enumerate(sys.argv[1:]):\n"
            "    api.generate(Path(bp), Path(sys.argv[0]).parent / f'out{i}', lint=False)\n"
            "print('cfnlint' in sys.modules)")
    script = tmp_path / "run.py"
    script.write_text(code)
    loaded = subprocess.run([sys.executable, str(script), str(seed),
                             str(BLUEPRINTS / "example.yaml")], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.strip()
    assert loaded == "False"
