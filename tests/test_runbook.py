"""The root credentials runbook: every step of the seed, the accounts and their test dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from generator import api
from generator.documents.runbooks import ROOT_CREDENTIALS, access_test_dates, add_months
from generator.scorecard.card import anchor
from generator.synth import build
from tests.helpers import BLUEPRINTS, FIXTURES


def runbook(path: Path) -> str:
    return api.validate(path, lint=False).files[ROOT_CREDENTIALS]


@pytest.fixture(scope="module")
def text() -> str:
    return runbook(FIXTURES / "root-access.yaml")


def section(text: str, heading: str) -> str:
    """The body of one section: from its heading to the next heading of its level or above."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(heading + "\n")
    rest = text[start + len(heading):]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


# Each step of the seed's "Account and credentials" part: the section that carries it out and
# words that must be in it.
SEED_STEPS = [
    ("## The root password", ["own password", "long and random", "never reused",
                              "CorpVault (on-premises)", "without any of the AWS accounts",
                              "2 custodians acting together", "logs every access"]),
    ("## Using the root user", ["Tasks that require root user credentials", "record of use",
                                "custodians open", "centralized root access"]),
    ("## Recording each use", ["who did what", "vault opened by", "MFA device held by",
                               "signed in by"]),
    ("## Exceptions and unforeseen events", ["Troubleshooting AWS Management Console sign-in",
                                             "MFA device is lost", "password is lost"]),
    ("## Access tests", ["every 3", "contact phone", "send it a text message", "root email",
                         "each MFA device", "battery"]),
    ("## MFA devices", ["2 MFA devices", "fido2, hardware_totp", "eight", "FIDO2",
                        "apart from the password vault", "Safe B, building 2", "logged"]),
    ("### What fires", ["alerts.root_activity"]),
    ("### When an alert fires", ["record of use", "custodians", "escalate"]),
    ("### Escalating", ["Security on-call", "security incident", "AWS Support",
                        "Report suspicious emails", "Vulnerability reporting"]),
    ("## Recovery phone", ["dedicated", "SIM card", "physical phone", "Safe C, building 3",
                           "IT telecom", "confidential", "When the number changes",
                           "PutContactInformation"]),
    ("## Root email addresses", ["group address", "fx.example", "several people"]),
    ("## Who takes part", ["security-lead, cloud-lead", "aws-security@fx.example"]),
]


@pytest.mark.parametrize("heading, words", SEED_STEPS, ids=[h for h, _ in SEED_STEPS])
def test_runbook_covers_each_step_of_the_seed(text: str, heading: str, words: list[str]) -> None:
    body = section(text, heading)
    missing = [w for w in words if w.lower() not in body.lower()]
    assert missing == []


def test_account_table_lists_every_account_with_its_test_dates(text: str) -> None:
    table = section(text, "## Accounts and test dates")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    names = [row.split("|")[1].strip() for row in rows[1:]]
    assert names == ["fx-management", "app", "log-archive", "network", "security-tooling"]
    for row in rows[1:]:
        assert "2026-01-05, 2026-04-05, 2026-07-05, 2026-10-05" in row
    # Centralized root access covers member accounts only: the management account keeps its
    # credentials and MFA devices, and is tested by signing in.
    assert ("| fx-management | management account | aws-management@fx.example | password and "
            "MFA | 2 devices: fido2 (primary), hardware_totp | sign-in |") in table
    for row in rows[2:]:
        assert "| none (centralized root access) | no MFA device (no credentials) | root " \
               "session |" in row


def test_dates_count_from_the_start_date_never_from_today(tmp_path: Path) -> None:
    text = (FIXTURES / "root-access.yaml").read_text().replace(
        "start_date: 2026-01-05", "start_date: 2031-08-31").replace(
        "test_interval_months: 3", "test_interval_months: 2")
    path = tmp_path / "later.yaml"
    path.write_text(text)
    assert "2031-08-31, 2031-10-31, 2031-12-31, 2032-02-29" in runbook(path)


def test_months_are_added_without_drift() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)
    plan = api.load(FIXTURES / "root-access.yaml").blueprint.root_access
    assert plan is not None
    assert access_test_dates(plan) == [date(2026, 1, 5), date(2026, 4, 5), date(2026, 7, 5),
                                       date(2026, 10, 5)]


def test_warnings_of_the_plan_reach_the_runbook(tmp_path: Path) -> None:
    text = (FIXTURES / "root-access.yaml").read_text().replace(
        "    custodians: [security-lead, cloud-lead]\n",
        "    custodians: [security-lead, cloud-lead]\n    depends_on_aws: true\n"
        "    access_logged: false\n").replace("primary: fido2", "primary: hardware_totp")
    path = tmp_path / "risky.yaml"
    path.write_text(text)
    body = runbook(path)
    assert "**Warning:** the blueprint says this vault depends on AWS" in body
    assert "**Warning:** the blueprint says access to the vault is not logged" in body
    assert "runs on a battery, so a battery-free device" in body


def test_runbook_names_the_alert_resources_found_in_the_build() -> None:
    from generator.synth import Stack

    org = api.load(FIXTURES / "root-access.yaml")
    built = build(org)
    built.stacks.append(Stack("alerts", {"Resources": {
        "RootActivity": {"Type": "AWS::Events::Rule", "Properties": {"EventPattern": {
            "detail": {"userIdentity": {"type": ["Root"]}}}}},
        "Trail": {"Type": "AWS::CloudTrail::Trail", "Properties": {}}}}, "alerts"))
    from generator.documents.runbooks import root_credentials

    body = root_credentials(org, built)[ROOT_CREDENTIALS]
    fires = section(body, "### What fires")
    assert "stacks/alerts.json#RootActivity" in fires
    assert "stacks/alerts.json#Trail" in fires


def test_headings_have_the_anchors_the_scorecard_links_to(text: str) -> None:
    anchors = {anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    assert {"the-root-password", "recording-each-use", "exceptions-and-unforeseen-events",
            "access-tests", "who-takes-part", "mfa-devices", "when-an-alert-fires",
            "recovery-phone"} <= anchors


def test_no_runbook_without_a_root_access_plan() -> None:
    files = api.validate(FIXTURES / "base.yaml", lint=False).files
    assert not [f for f in files if f.startswith("runbooks/")]


def test_runbook_is_byte_identical_across_runs() -> None:
    first = runbook(BLUEPRINTS / "example.yaml")
    from generator.documents.render import environment

    environment.cache_clear()
    assert runbook(BLUEPRINTS / "example.yaml") == first
    assert first.endswith("\n") and not first.endswith("\n\n")


def test_centralized_accounts_test_the_root_session_and_the_recovery_path(text: str) -> None:
    tests = section(text, "## Access tests")
    sign_in = section(text, "### Sign-in test")
    assert sign_in.strip().startswith("For fx-management:")
    assert "each MFA device" in sign_in
    sessions = section(text, "### Root session test (centralized root access)")
    assert "under centralized root access: app, log-archive, network, security-tooling." in (
        " ".join(sessions.split()))
    for words in ("sts:AssumeRoot", "regional STS endpoint",
                  "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials",
                  "there must be none", "IAMDeleteRootUserCredentials", "AssumeRoot call"):
        assert words in sessions
    # No password or MFA sign-in is asked of accounts that have no credentials.
    assert "password and each MFA device" not in sessions
    recovery = section(text, "#### The recovery path")
    assert "IAMCreateRootUserPassword" in recovery and "Forgot password" in recovery
    assert "once a year" in tests


def test_without_centralized_root_access_every_account_is_tested_by_signing_in(
        tmp_path: Path) -> None:
    source = (FIXTURES / "root-access.yaml").read_text()
    blueprint = tmp_path / "plain.yaml"
    blueprint.write_text(source.replace(
        "  escalation: Security on-call, +14155550100",
        "  escalation: Security on-call, +14155550100\n  centralized: {credentials_management: "
        "false, root_sessions: false}"))
    plain = runbook(blueprint)
    assert "### Root session test" not in plain and "sts:AssumeRoot" not in plain
    assert section(plain, "### Sign-in test").strip().startswith(
        "For fx-management, app, log-archive, network, security-tooling:")
    assert "none (centralized root access)" not in plain


def test_the_billing_switch_only_the_root_user_can_turn_on_is_in_the_runbook() -> None:
    text = runbook(BLUEPRINTS / "example.yaml")
    billing = section(text, "## Billing access for IAM roles")
    assert "IAM user and role access to billing information" in billing
    assert "Activate IAM Access" in billing and "acme-management" in billing
    assert "## Billing access" not in runbook(FIXTURES / "root-access.yaml")
