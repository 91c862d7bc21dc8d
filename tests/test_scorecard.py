"""`lzgen check`: a row per seed recommendation, with evidence looked up in the build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.checks.seed import HEADINGS, RECOMMENDATIONS
from generator.cli import main
from generator.scorecard.card import Scorecard, Status, evaluate
from generator.scorecard.report import as_dict, as_markdown, as_text, summary
from generator.synth import ApiStep, Build, Stack, build
from tests.helpers import BLUEPRINTS, FIXTURES

# What the generated baseline adds, written by hand: the scorecard must find each of these.
BASELINE: dict[str, Any] = {
    "RootMfa": {"Type": "AWS::Config::ConfigRule", "Properties": {
        "Source": {"Owner": "AWS", "SourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}}},
    "RootActivityRule": {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": {"detail-type": ["AWS Console Sign In via CloudTrail"],
                         "detail": {"userIdentity": {"type": ["Root"]}}},
        "Targets": [{"Arn": {"Ref": "RootActivityTopic"}, "Id": "topic"}]}},
    "RootActivityTopic": {"Type": "AWS::SNS::Topic", "Properties": {
        "Subscription": [{"Protocol": "email", "Endpoint": "aws-security@acme.example"}]}},
    "OrganizationTrail": {"Type": "AWS::CloudTrail::Trail", "Properties": {
        "IsOrganizationTrail": True}},
    "BillingReadOnly": {"Type": "AWS::IAM::Role", "Properties": {
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"]}},
    "MonthlyBudget": {"Type": "AWS::Budgets::Budget", "Properties": {}},
    "TagPolicy": {"Type": "AWS::Organizations::Policy", "Properties": {
        "Type": "TAG_POLICY", "Content": {"tags": {"owner": {
            "tag_key": {"@@assign": "owner"},
            "enforced_for": {"@@assign": ["ec2:instance"]}}}}}},
}


def with_baseline(built: Build, resources: dict[str, Any] | None = None) -> Build:
    built.stacks.append(Stack("baseline", {"Resources": resources or BASELINE}, "baseline"))
    return built


def card_of(path: Path, resources: dict[str, Any] | None = None,
            baseline: bool = True) -> Scorecard:
    org = api.load(path)
    built = build(org)
    return evaluate(org, with_baseline(built, resources) if baseline else built)


def status(card: Scorecard, recommendation: str) -> Status:
    return next(r.status for r in card.rows if r.recommendation.id == recommendation)


def evidence(card: Scorecard, recommendation: str) -> tuple[str, ...]:
    return next(r.evidence for r in card.rows if r.recommendation.id == recommendation)


def test_every_heading_of_the_seed_has_rows_with_unique_ids() -> None:
    ids = [r.id for r in RECOMMENDATIONS]
    assert len(ids) == len(set(ids))
    assert {r.heading_id for r in RECOMMENDATIONS} == set(HEADINGS)
    assert len(HEADINGS) == 12


def test_example_with_the_baseline_meets_every_recommendation() -> None:
    card = card_of(BLUEPRINTS / "example.yaml")
    missing = [(r.recommendation.id, r.evidence) for r in card.rows
               if not r.met and r.status is not Status.ASSUMED]
    assert missing == []
    assert card.passes and not card.all_met
    # Generated, but working only once people confirm what lzgen cannot see offline.
    assert {r.recommendation.id for r in card.rows if r.status is Status.ASSUMED} == {
        "SEED-3.2", "SEED-4.2", "SEED-11.1"}
    assert set(evidence(card, "SEED-4.1")) >= {"stacks/baseline.json#RootActivityRule",
                                               "stacks/baseline.json#OrganizationTrail"}
    assert evidence(card, "SEED-1.3")[0] == "runbooks/root-credentials.md#the-root-password"
    assert status(card, "SEED-2.3") is Status.ENFORCED
    assert status(card, "SEED-1.1") is Status.NOT_AUTOMATABLE


@pytest.fixture(scope="module")
def bare_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example without the sections that generate the baseline, so that only the
    hand-written BASELINE resources can be evidence."""
    from generator.blueprint.loader import load_file

    folder = tmp_path_factory.mktemp("bare")
    shutil.copytree(BLUEPRINTS / "policies", folder / "policies")
    data = load_file(BLUEPRINTS / "example.yaml").data
    for section in ("services", "billing", "tagging"):
        data.pop(section, None)
    data["alerts"] = {"mfa_detection": {"enabled": False}}
    path = folder / "example.yaml"
    path.write_text(json.dumps(data, default=str))
    return path


@pytest.mark.parametrize("removed, recommendation", [
    ("RootActivityRule", "SEED-4.1"), ("OrganizationTrail", "SEED-4.1"),
    ("RootActivityTopic", "SEED-4.2"), ("RootMfa", "SEED-3.2"),
    ("BillingReadOnly", "SEED-11.1"), ("MonthlyBudget", "SEED-11.2"),
    ("TagPolicy", "SEED-12.2"),
])
def test_a_missing_resource_fails_its_row(bare_example: Path, removed: str,
                                          recommendation: str) -> None:
    resources = {k: v for k, v in BASELINE.items() if k != removed}
    card = card_of(bare_example, resources)
    assert status(card, recommendation) is Status.NOT_CONFIGURED
    assert not card.all_met


def test_a_rule_that_does_not_match_root_events_is_no_evidence(bare_example: Path) -> None:
    resources = dict(BASELINE)
    resources["RootActivityRule"] = {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": {"source": ["aws.ec2"]}}}
    assert status(card_of(bare_example, resources), "SEED-4.1") is Status.NOT_CONFIGURED
    resources["RootActivityRule"] = {"Type": "AWS::Events::Rule", "Properties": {
        "EventPattern": json.dumps({"detail": {"userIdentity": {"type": ["Root"]}}})}}
    assert status(card_of(bare_example, resources), "SEED-4.1") is Status.GENERATED


def test_the_generated_baseline_meets_its_rows_without_help() -> None:
    card = card_of(BLUEPRINTS / "example.yaml", baseline=False)
    for recommendation in ("SEED-4.1", "SEED-10.1", "SEED-11.2", "SEED-12.1", "SEED-12.2"):
        assert status(card, recommendation) is Status.GENERATED, recommendation
    for recommendation in ("SEED-3.2", "SEED-4.2", "SEED-11.1"):
        assert status(card, recommendation) is Status.ASSUMED, recommendation
    assert "stacksets/root-activity-topic.json#" in " ".join(evidence(card, "SEED-4.2"))


def test_removing_the_alerts_section_fails_the_monitoring_row(tmp_path: Path) -> None:
    from generator.blueprint.loader import load_file

    source = BLUEPRINTS / "example.yaml"
    shutil.copytree(BLUEPRINTS / "policies", tmp_path / "policies")
    data = load_file(source).data
    if "alerts" in data:  # the example's own alerts are found in its build
        assert status(card_of(source, baseline=False), "SEED-4.1") is Status.GENERATED
    data.pop("alerts", None)
    copy = tmp_path / "example.yaml"
    copy.write_text(json.dumps(data, default=str))
    card = card_of(copy, baseline=False)
    assert status(card, "SEED-4.1") is Status.NOT_CONFIGURED
    assert "no AWS::Events::Rule" in evidence(card, "SEED-4.1")[0]


def test_a_blueprint_without_root_access_leaves_its_rows_not_configured(
        capsys: pytest.CaptureFixture[str]) -> None:
    card = card_of(FIXTURES / "base.yaml")
    for recommendation in ("SEED-1.1", "SEED-1.3", "SEED-2.3", "SEED-3.3", "SEED-4.3",
                           "SEED-5.2"):
        assert status(card, recommendation) is Status.NOT_CONFIGURED
        assert "no root_access section" in evidence(card, recommendation)[0]
    assert status(card, "SEED-5.1") is Status.NOT_CONFIGURED
    assert main(["check", str(FIXTURES / "base.yaml")]) == 4
    assert "not configured" in capsys.readouterr().out


def test_warnings_make_rows_not_configured(tmp_path: Path) -> None:
    text = (FIXTURES / "root-access.yaml").read_text().replace(
        "custodians: [security-lead, cloud-lead]",
        "custodians: [security-lead, cloud-lead]\n    depends_on_aws: true")
    path = tmp_path / "aws-vault.yaml"
    path.write_text(text)
    card = card_of(path)
    assert status(card, "SEED-1.2") is Status.NOT_CONFIGURED
    assert evidence(card, "SEED-1.2")[0].startswith("LZ201 at ")


EXCEPTIONS = """
exceptions:
  SEED-3.2: {reason: MFA is checked by hand at each quarterly test, approved_by: CISO}
  SEED-4: {reason: root activity is watched by the SIEM outside AWS}
  SEED-8.3: {reason: this organization runs production only for now}
  SEED-10.1: {reason: services are enabled by the security team's own pipeline}
  SEED-11: {reason: finance uses its own cost tool}
  SEED-12: {reason: tagging is planned for next quarter}
"""


def test_exceptions_turn_rows_into_excepted_and_exit_zero(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "excepted.yaml"
    path.write_text((FIXTURES / "root-access.yaml").read_text() + EXCEPTIONS)
    card = card_of(path, baseline=False)
    assert status(card, "SEED-3.2") is Status.EXCEPTED
    assert evidence(card, "SEED-3.2") == (
        "accepted exception: MFA is checked by hand at each quarterly test (approved by CISO)",)
    assert {status(card, f"SEED-4.{n}") for n in (1, 2, 3)} == {Status.EXCEPTED}
    assert card.all_met
    assert main(["check", str(path)]) == 0
    assert "(10 by accepted exception)" in capsys.readouterr().out


def test_check_exit_codes_for_errors_and_unusable_input(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(FIXTURES / "bad" / "mixed-ou.yaml")]) == 1
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2
    assert main(["check", str(FIXTURES / "base.yaml"), "--format", "yaml"]) == 2
    capsys.readouterr()


def test_markdown_fits_a_pull_request_comment() -> None:
    card = card_of(FIXTURES / "base.yaml", baseline=False)
    text = as_markdown(card)
    lines = text.splitlines()
    assert lines[0] == "### lzgen check: fx"
    assert f"of {len(RECOMMENDATIONS)} recommendations met" in lines[2]
    table = [line for line in lines if line.startswith("| ")]
    assert len(table) == 1 + len(RECOMMENDATIONS)
    assert all(line.count(" | ") == 4 for line in table[1:])
    assert "| ❌ | SEED-1.1 | **Use a strong password for the root user**<br>" in text
    assert "| ✅ | SEED-6.1 |" in text


def test_markdown_cells_escape_pipes(tmp_path: Path) -> None:
    path = tmp_path / "pipe.yaml"
    path.write_text((FIXTURES / "base.yaml").read_text() + "exceptions:\n  SEED-11:\n"
                    "    reason: 'finance | controlling owns costs'\n")
    text = as_markdown(card_of(path, baseline=False))
    assert "finance \\| controlling owns costs" in text


def test_json_and_text_carry_the_same_rows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(FIXTURES / "root-access.yaml"), "-f", "json"]) == 4
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["total"] == len(RECOMMENDATIONS)
    assert data["summary"]["met"] + data["summary"]["not_met"] == len(RECOMMENDATIONS)
    row = next(r for r in data["recommendations"] if r["id"] == "SEED-5.1")
    assert row["status"] == "generated" and row["met"] is True
    assert row["evidence"][0].startswith("manifest.json api_steps: account:PutContactInformation")
    card = card_of(FIXTURES / "root-access.yaml", baseline=False)
    assert as_dict(card) == data
    text = as_text(card)
    assert all(r.id in text for r in RECOMMENDATIONS)


def test_services_set_in_the_blueprint_need_their_api_steps(tmp_path: Path) -> None:
    path = tmp_path / "guardduty.yaml"
    path.write_text((FIXTURES / "root-access.yaml").read_text() + "services:\n  guardduty: {}\n")
    org = api.load(path)
    built = build(org)
    built.api_steps = [s for s in built.api_steps
                       if "guardduty" not in f"{s.service} {s.parameters}"]
    assert status(evaluate(org, built), "SEED-10.1") is Status.NOT_CONFIGURED
    built.api_steps.append(ApiStep("prepare", "organizations", "EnableAWSServiceAccess",
                                   {"ServicePrincipal": "guardduty.amazonaws.com"}, "test"))
    assert status(evaluate(org, built), "SEED-10.1") is Status.GENERATED


def test_assumed_rows_say_what_to_verify_and_check_still_exits_zero(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = card_of(BLUEPRINTS / "example.yaml", baseline=False)
    verify = [e for e in evidence(card, "SEED-4.2") if e.startswith("verify: ")]
    assert verify and "PendingConfirmation" in verify[0]
    assert any("IAM user and role access to billing information" in e
               for e in evidence(card, "SEED-11.1"))
    assert any("describe-delivery-channel-status" in e for e in evidence(card, "SEED-3.2"))
    assert "3 assumed (verify by hand)" in summary(card)
    assert as_dict(card)["summary"]["assumed"] == 3
    assert "| ⚠️ | SEED-4.2 |" in as_markdown(card)
    assert "  ?? SEED-4.2" in as_text(card)
    assert main(["check", str(BLUEPRINTS / "example.yaml")]) == 0
    capsys.readouterr()


def test_an_external_recorder_makes_mfa_detection_assumed_with_the_call_to_verify(
        tmp_path: Path) -> None:
    from generator.blueprint.loader import load_file

    shutil.copytree(BLUEPRINTS / "policies", tmp_path / "policies")
    data = load_file(BLUEPRINTS / "example.yaml").data
    data["services"]["config"] = {"delegated_admin": "security-tooling", "recorder": "external"}
    path = tmp_path / "example.yaml"
    path.write_text(json.dumps(data, default=str))
    card = card_of(path, baseline=False)
    assert status(card, "SEED-3.2") is Status.ASSUMED
    assert any("describe-configuration-recorder-status" in e for e in evidence(card, "SEED-3.2"))


def test_without_a_log_archive_bucket_mfa_detection_is_not_configured(tmp_path: Path) -> None:
    card = card_of(FIXTURES / "root-access.yaml", baseline=False)
    assert status(card, "SEED-3.2") is Status.NOT_CONFIGURED
    assert "services.organization_trail" in evidence(card, "SEED-3.2")[0]
