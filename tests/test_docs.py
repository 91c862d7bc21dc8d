"""output/README.md: the organization as a Mermaid chart and tables."""

from __future__ import annotations

import json
from pathlib import Path

from generator import api
from generator.documents.chart import MAX_NODES, chart_of, mermaid
from tests.helpers import BLUEPRINTS
from tests.synthetic import synthetic_blueprint


def test_readme_names_every_account_ou_and_policy() -> None:
    result = api.validate(BLUEPRINTS / "example.yaml", lint=False)
    readme = result.files["README.md"]
    assert "```mermaid\nflowchart TD" in readme
    org = result.org
    for name in [*org.accounts, *org.ous, *org.policies]:
        assert f"| {name} |" in readme, name
    line = next(row for row in readme.splitlines() if row.startswith("| sandbox-builders |"))
    assert "deny-outside-regions (ou:Sandbox)" in line and "FullAWSAccess" in line


def test_chart_of_a_big_organization_stays_drawable(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(json.dumps(synthetic_blueprint(accounts=2000, ous=300, policies=5,
                                                   account_stacks=10)))
    org = api.load(path)
    chart = chart_of(org)
    assert len(chart.nodes) <= MAX_NODES
    assert "accounts are counted" in chart.note
    assert mermaid(chart).count("-->") == len(chart.nodes) - 1
