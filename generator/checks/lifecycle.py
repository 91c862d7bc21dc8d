"""Accounts on their way out: a suspended account keeps its root activity alerts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from generator.baseline import ALERT_ROLE_PREFIX, alert_account
from generator.blueprint.schema import SUSPENDED_OU, AccountState
from generator.checks.registry import Rule, rule
from generator.findings import Finding, Severity
from generator.model import Organization

# SCPs restrict every IAM role of a member account, service-linked roles excepted, so a
# deny-all SCP stops the role EventBridge delivers root activity alerts with.
_SCPS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html"


@rule("LZ135", "Suspended accounts keep their root activity alerts", _SCPS,
      severity=Severity.WARNING, fixture="suspended-alerts-blocked.yaml")
def suspended_accounts_keep_alerts(r: Rule, org: Organization) -> Iterable[Finding]:
    suspended = [n for n, a in org.blueprint.accounts.items()
                 if a.state is AccountState.SUSPENDED]
    if not suspended or alert_account(org) is None:
        return
    home = org.blueprint.organization.home_region
    role = f"arn:aws:iam::111111111111:role/{ALERT_ROLE_PREFIX}{home}"
    for policy in org.policies.values():
        targets = {t.key for t in policy.targets}
        if policy.spec.type != "scp" or f"ou:{SUSPENDED_OU}" not in targets:
            continue
        if any(_denies_everything_to(s, role) for s in _statements(policy.document)):
            yield r.finding(org, policy.yaml_path, f"SCP '{policy.name}' on OU {SUSPENDED_OU} "
                            "also stops the role that delivers root activity alerts from "
                            f"suspended accounts ({', '.join(sorted(suspended))})",
                            f"exempt arn:aws:iam::*:role/{ALERT_ROLE_PREFIX}* (e.g. in "
                            "break_glass_role_arns)")


def _statements(document: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    raw = (document or {}).get("Statement", [])
    items = [raw] if isinstance(raw, Mapping) else raw
    return [s for s in items if isinstance(s, Mapping)]


def _denies_everything_to(statement: Mapping[str, Any], role: str) -> bool:
    actions = statement.get("Action")
    if statement.get("Effect") != "Deny" or actions not in ("*", ["*"]):
        return False
    spared = (statement.get("Condition") or {}).get("ArnNotLike", {}).get("aws:PrincipalARN", [])
    patterns = [spared] if isinstance(spared, str) else list(spared)
    return not any(fnmatchcase(role, str(p)) for p in patterns)
