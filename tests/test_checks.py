"""Each bad fixture carries '# <- LZnnn' on the line where the finding must point."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks import RULES
from generator.findings import Severity
from tests.helpers import BLUEPRINTS, FIXTURES, ROOT, expected_markers, findings_of

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


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_registered_rule_has_a_bad_fixture_that_triggers_it_at_its_line(
        rule_id: str) -> None:
    registered = RULES[rule_id]
    path = FIXTURES / "bad" / registered.fixture
    assert path.is_file(), f"{rule_id}: no fixture {path}"
    lines = [line for rule, line in expected_markers(path) if rule == rule_id]
    assert lines, f"{path.name} has no '# <- {rule_id}' marker"
    hits = [f for f in findings_of(path)
            if f.rule == rule_id and f.severity is registered.severity]
    assert hits, f"{path.name} does not trigger {rule_id}"
    assert {f.location.line for f in hits} & {line for line in lines if line is not None}


def test_every_rule_a_fixture_expects_is_registered() -> None:
    marked = {rule for path in BAD for rule, _ in expected_markers(path)}
    assert marked - set(RULES) == set()


def test_an_accepted_exception_silences_the_rules_of_its_recommendation(tmp_path: Path) -> None:
    text = (FIXTURES / "bad" / "mixed-ou.yaml").read_text()
    assert "exceptions:" not in text
    path = tmp_path / "excepted.yaml"
    path.write_text(text + "exceptions:\n  SEED-9: {reason: a shared sandbox, approved_by: cto}\n")
    assert {f.rule for f in findings_of(path)} & {"LZ222", "LZ223"} == set()


def test_the_rule_reference_in_the_docs_is_up_to_date() -> None:
    from generator.documents.reference import RULES_PAGE, rules_markdown

    committed = (ROOT / RULES_PAGE).read_text(encoding="utf-8")
    assert committed == rules_markdown(), "run: python -m generator.documents.reference"


def test_sarif_describes_every_rule_from_the_registry() -> None:
    import json

    from generator.report import as_sarif

    sarif = json.loads(as_sarif([]))
    described = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert set(described) == set(RULES)
    assert described["LZ101"]["shortDescription"]["text"] == RULES["LZ101"].title
    assert described["LZ101"]["helpUri"].endswith("#lz101")


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
