"""Each bad fixture carries '# <- LZnnn' on the line where the finding must point."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks import RULES
from generator.findings import Severity
from tests.helpers import BLUEPRINTS, FIXTURES, expected_markers, findings_of

BAD = sorted((FIXTURES / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_fixture_reports_its_rule_at_its_line(path: Path) -> None:
    findings = findings_of(path)
    markers = expected_markers(path)
    assert markers, f"{path.name} has no '# <- LZnnn' marker"
    for rule, line in markers:
        # A warning rule's fixture expects a warning; every other marker an error.
        severity = RULES[rule].severity if rule in RULES else Severity.ERROR
        hits = [f for f in findings if f.rule == rule and f.severity is severity]
        assert hits, f"{path.name}: no {rule} {severity} in {[f.render() for f in findings]}"
        if line is not None:
            assert any(f.location.line == line for f in hits), (
                f"{path.name}: {rule} expected on line {line}, got "
                f"{[f.location.line for f in hits]}")
        assert all(f.location.file.endswith(path.name) or f.location.file.startswith("/")
                   for f in hits)


@pytest.mark.parametrize("name", ["base.yaml", "root-access.yaml"])
def test_good_fixture_has_no_findings(name: str) -> None:
    assert [f.render() for f in findings_of(FIXTURES / name)] == []


@pytest.mark.parametrize("name", ["minimal.yaml", "example.yaml"])
def test_example_blueprints_have_no_errors(name: str) -> None:
    errors = [f.render() for f in findings_of(BLUEPRINTS / name) if f.is_error]
    assert errors == []


def test_every_core_rule_has_a_bad_fixture() -> None:
    covered = {rule for path in BAD for rule, _ in expected_markers(path)}
    core = {rid for rid, r in RULES.items() if rid < "LZ200" and r.severity is Severity.ERROR}
    assert core - covered == set()


SEED_RULE_MODULES = {"generator.checks.root_access", "generator.checks.contacts",
                     "generator.checks.workloads", "generator.checks.exceptions"}


def test_every_seed_rule_has_a_bad_fixture_warnings_included() -> None:
    covered = {rule for path in BAD for rule, _ in expected_markers(path)}
    seed_rules = {rid for rid, r in RULES.items() if r.check.__module__ in SEED_RULE_MODULES}
    assert len(seed_rules) >= 17
    assert seed_rules - covered == set()


def test_findings_carry_hint_and_source() -> None:
    findings = findings_of(FIXTURES / "bad" / "missing-ou.yaml")
    finding = next(f for f in findings if f.rule == "LZ101")
    assert "did you mean 'Workloads/Prod'" in finding.hint
    assert finding.source.startswith("https://")


def test_all_findings_are_reported_at_once(tmp_path: Path) -> None:
    text = (FIXTURES / "base.yaml").read_text()
    text = text.replace("ou: Workloads/Prod", "ou: Nowhere").replace(
        "aws-app@fx.example", "aws-log-archive@fx.example")
    path = tmp_path / "two.yaml"
    path.write_text(text)
    rules = {f.rule for f in findings_of(path)}
    assert {"LZ101", "LZ105"} <= rules
