"""Runbooks written beside the templates: the root credentials procedure of every account."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from generator.blueprint.schema import MfaPlan, RootAccess
from generator.model import ROOT, Organization
from generator.synth import evidence
from generator.synth.contacts import ACCOUNT_PRINCIPAL
from generator.synth.types import Build

ROOT_CREDENTIALS = "runbooks/root-credentials.md"
TESTS_LISTED = 4


def add_months(start: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (Jan 31 -> Feb 28)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last_day))


def access_test_dates(plan: RootAccess, count: int = TESTS_LISTED) -> list[date]:
    """The first `count` access tests, counted from the plan's start date (never from today)."""
    return [add_months(plan.start_date, k * plan.test_interval_months) for k in range(count)]


def mfa_summary(mfa: MfaPlan) -> str:
    others = [t.value for t in mfa.device_types if t != mfa.primary]
    kinds = ", ".join([f"{mfa.primary.value} (primary)", *others])
    return f"{mfa.devices_per_root_user} devices: {kinds}"


SIGN_IN_TEST = "sign-in"
ROOT_SESSION_TEST = "root session"
NO_CREDENTIALS = "none (centralized root access)"


@dataclass(frozen=True)
class AccountRow:
    name: str
    email: str
    place: str
    mfa: str
    tests: str
    test: str = SIGN_IN_TEST  # what the access test exercises
    credentials: str = "password and MFA"


def account_rows(org: Organization, plan: RootAccess, centralized: bool = False
                 ) -> list[AccountRow]:
    """One row per account. With centralized root credentials management, member accounts
    keep no root credentials: their test is a root session, not a sign-in. The management
    account always keeps its own (centralized root access covers member accounts only)."""
    tests = ", ".join(d.isoformat() for d in access_test_dates(plan))
    mfa = mfa_summary(plan.mfa)
    management = org.blueprint.organization.management_account
    rows = [AccountRow(management.name, management.email, "management account", mfa, tests)]
    member = ({"mfa": "no MFA device (no credentials)", "test": ROOT_SESSION_TEST,
               "credentials": NO_CREDENTIALS} if centralized else {"mfa": mfa})
    rows += [AccountRow(name=name, email=account.email,
                        place="root" if account.ou == ROOT else account.ou, tests=tests,
                        **member) for name, account in org.accounts.items()]
    return rows


def root_credentials(org: Organization, build: Build) -> dict[str, str]:
    """output/runbooks/root-credentials.md, when the blueprint has a root access plan."""
    plan = org.blueprint.root_access
    if plan is None:
        return {}
    from generator.documents.render import render

    return {ROOT_CREDENTIALS: render("root-credentials.md.j2", **_context(org, build, plan))}


def _context(org: Organization, build: Build, plan: RootAccess) -> dict[str, Any]:
    settings = org.blueprint.organization
    root_alerts = org.blueprint.alerts.root_activity
    alert_email = root_alerts.email if root_alerts and root_alerts.enabled else ""
    credentials_managed = bool(evidence.steps(build, "iam",
                                              "EnableOrganizationsRootCredentialsManagement"))
    sessions = bool(evidence.steps(build, "iam", "EnableOrganizationsRootSessions"))
    rows = account_rows(org, plan, centralized=credentials_managed)
    return {
        "org": settings.name,
        "domain": settings.email_domain,
        "plan": plan,
        "battery_primary": plan.mfa.primary.uses_battery,
        "battery_types": sorted(t.value for t in plan.mfa.device_types if t.uses_battery),
        "accounts": rows,
        "signing_in": [r.name for r in rows if r.test == SIGN_IN_TEST],
        "root_sessions": [r.name for r in rows if r.test == ROOT_SESSION_TEST],
        "management": settings.management_account.name,
        "home": settings.home_region,
        "billing_role": bool(evidence.billing_read_only_roles(build)),
        "test_dates": [d.isoformat() for d in access_test_dates(plan)],
        "alert_email": alert_email,
        "alert_to": sorted({alert_email, *plan.alert_recipients} - {""}),
        "alert_rules": [str(r) for r in evidence.root_activity_rules(build)],
        "mfa_rules": [str(r) for r in evidence.root_mfa_rules(build)],
        "trails": [str(r) for r in evidence.trails(build)],
        "contact_steps": bool(evidence.steps(build, "account", "PutContactInformation")),
        "account_access": bool(evidence.steps(build, "organizations", "EnableAWSServiceAccess",
                                              ServicePrincipal=ACCOUNT_PRINCIPAL)),
        "centralized": sessions,
    }
