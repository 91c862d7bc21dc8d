"""The seed's checks beyond their fixtures: exceptions, severities and edge cases."""

from __future__ import annotations

from pathlib import Path

from generator.findings import Severity
from tests.helpers import FIXTURES, findings_of

GOOD = (FIXTURES / "root-access.yaml").read_text()
BASE = (FIXTURES / "base.yaml").read_text()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "blueprint.yaml"
    path.write_text(text)
    return path


def rules_of(path: Path) -> dict[str, Severity]:
    return {f.rule: f.severity for f in findings_of(path)}


def test_an_accepted_exception_silences_the_rule_of_its_recommendation(tmp_path: Path) -> None:
    one_custodian = GOOD.replace("custodians: [security-lead, cloud-lead]",
                                 "custodians: [security-lead]")
    assert "LZ202" in rules_of(write(tmp_path, one_custodian))
    excepted = one_custodian + ("exceptions:\n  SEED-1.3:\n    reason: a single custodian "
                                "is accepted until the second one is hired\n")
    assert rules_of(write(tmp_path, excepted)) == {}


def test_a_heading_exception_covers_its_sub_items(tmp_path: Path) -> None:
    no_infrastructure = BASE.replace("purpose: network", "purpose: workload")
    assert rules_of(write(tmp_path, no_infrastructure)) == {"LZ221": Severity.ERROR}
    excepted = no_infrastructure + ("exceptions:\n  SEED-9: {reason: a single-team organization"
                                    " with no shared infrastructure}\n")
    assert rules_of(write(tmp_path, excepted)) == {}


def test_unknown_exception_id_suggests_the_closest(tmp_path: Path) -> None:
    text = BASE + "exceptions:\n  SEED-1.33: {reason: a reason long enough to pass}\n"
    finding = next(f for f in findings_of(write(tmp_path, text)) if f.rule == "LZ230")
    assert "did you mean 'SEED-1.3'" in finding.hint


def test_custodians_listed_twice_count_once(tmp_path: Path) -> None:
    text = GOOD.replace("custodians: [security-lead, cloud-lead]",
                        "custodians: [security-lead, security-lead]")
    assert "LZ202" in rules_of(write(tmp_path, text))


def test_empty_storage_places_and_bill_owner_warn(tmp_path: Path) -> None:
    text = GOOD.replace("    storage: Safe B, building 2\n", "").replace(
        "  recovery_phone:\n    storage: Safe C, building 3\n    bill_owner: IT telecom\n", "")
    findings = [f for f in findings_of(write(tmp_path, text)) if f.rule in ("LZ207", "LZ208")]
    messages = " ".join(f.message for f in findings)
    assert all(f.severity is Severity.WARNING for f in findings)
    assert "where the devices are kept" in messages
    assert "recovery phone and SIM" in messages
    assert "bill" in messages


def test_battery_primary_with_a_security_key_backup_passes(tmp_path: Path) -> None:
    text = GOOD.replace("primary: fido2", "primary: hardware_totp")
    assert rules_of(write(tmp_path, text)) == {}


def test_phone_numbers_of_per_account_contacts_are_checked(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  app: {email: aws-app@fx.example, ou: Workloads/Prod, environment: prod}\n",
        "  app:\n    email: aws-app@fx.example\n    ou: Workloads/Prod\n    environment: prod\n"
        "    contacts:\n      billing: {name: A, title: B, email: billing@fx.example,\n"
        "                phone: '0044 20 7946 0000'}\n")
    finding = next(f for f in findings_of(write(tmp_path, text)) if f.rule == "LZ211")
    assert finding.path == ("accounts", "app", "contacts", "billing", "phone")


def test_alert_recipients_must_be_addresses(tmp_path: Path) -> None:
    text = GOOD.replace("alert_recipients: [aws-security@fx.example]",
                        "alert_recipients: [security team]")
    assert "LZ212" in rules_of(write(tmp_path, text))


def test_production_account_at_the_root_is_refused(tmp_path: Path) -> None:
    text = BASE.replace("ou: Workloads/Prod, environment: prod", "ou: root, environment: prod")
    assert rules_of(write(tmp_path, text)) == {"LZ224": Severity.ERROR}


def test_shared_accounts_mix_with_either_side(tmp_path: Path) -> None:
    text = BASE.replace(
        "  app: {email: aws-app@fx.example, ou: Workloads/Prod, environment: prod}\n",
        "  app: {email: aws-app@fx.example, ou: Workloads/Prod, environment: prod}\n"
        "  tools: {email: aws-tools@fx.example, ou: Workloads/Prod, environment: shared}\n")
    assert rules_of(write(tmp_path, text)) == {}


def test_inherited_environments_count_when_ous_mix(tmp_path: Path) -> None:
    text = BASE.replace(
        "      Prod: {environment: prod}\n",
        "      Prod: {environment: prod}\n      Dev: {environment: dev}\n").replace(
        "  app: {email: aws-app@fx.example, ou: Workloads/Prod, environment: prod}\n",
        "  app: {email: aws-app@fx.example, ou: Workloads/Prod}\n"
        "  app-dev: {email: aws-app-dev@fx.example, ou: Workloads/Dev}\n")
    assert rules_of(write(tmp_path, text)) == {}


def test_department_ou_split_by_environment_below_is_accepted(tmp_path: Path) -> None:
    text = BASE.replace("  Infrastructure: {}\n",
                        "  Infrastructure: {}\n  Finance:\n    children:\n"
                        "      Prod: {environment: prod}\n      NonProd: {environment: non-prod}\n")
    assert rules_of(write(tmp_path, text)) == {}
    department = text.replace("      Prod: {environment: prod}\n      NonProd: "
                              "{environment: non-prod}\n", "      Payroll: {}\n")
    assert rules_of(write(tmp_path, department)) == {"LZ225": Severity.WARNING}
