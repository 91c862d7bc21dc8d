"""How accounts and OUs hold workloads: foundational accounts, production kept apart from the
rest, OUs shaped by controls rather than by the org chart.

Each rule gives way to an accepted exception of its seed recommendation (`exceptions:`),
in generator/checks/registry.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.blueprint.schema import INFRASTRUCTURE_PURPOSES, Environment, Purpose
from generator.checks.registry import Rule, rule
from generator.findings import Finding, Severity
from generator.model import ROOT, Organization

PROD, NON_PROD = "production", "non-production"
# Shared accounts serve both sides and belong to neither.
_KIND = {Environment.PROD: PROD, Environment.STAGING: NON_PROD, Environment.TEST: NON_PROD,
         Environment.DEV: NON_PROD, Environment.NON_PROD: NON_PROD, Environment.SANDBOX: NON_PROD}
DEPARTMENTS = frozenset({
    "finance", "accounting", "hr", "humanresources", "people", "marketing", "sales",
    "engineering", "it", "legal", "research", "rnd", "procurement", "purchasing", "support",
    "customerservice", "executive", "executives", "board", "communications", "facilities",
})


def kind_of(environment: Environment | None) -> str | None:
    return _KIND.get(environment) if environment is not None else None


def account_kind(org: Organization, name: str) -> str | None:
    """Production or non-production: the account's own environment, else its OU's."""
    account = org.accounts[name]
    return kind_of(account.environment or org.environment_of_ou(account.ou))


@rule("LZ221", "Foundational accounts exist: log archive, security tooling, infrastructure",
      fixture="no-infrastructure-account.yaml", seed="SEED-9.1")
def foundational_accounts(r: Rule, org: Organization) -> Iterable[Finding]:
    purposes = {account.purpose for account in org.accounts.values()}
    missing = [p.value for p in (Purpose.LOG_ARCHIVE, Purpose.SECURITY_TOOLING)
               if p not in purposes]
    if not purposes & INFRASTRUCTURE_PURPOSES:
        missing.append("an infrastructure account ("
                       + ", ".join(sorted(p.value for p in INFRASTRUCTURE_PURPOSES)) + ")")
    if missing:
        yield r.finding(org, ("accounts",), "the organization lacks foundational accounts: "
                        + "; ".join(missing),
                        "add accounts with these purposes, e.g. 'log-archive: {email: ..., "
                        "ou: Security, purpose: log-archive}'; logs, security tools and shared "
                        "infrastructure each get an account of their own")


@rule("LZ222", "No OU holds both production and non-production accounts",
      fixture="mixed-ou.yaml", seed="SEED-9.2")
def ou_mixes_environments(r: Rule, org: Organization) -> Iterable[Finding]:
    by_parent: dict[str, list[str]] = {}
    for name in sorted(org.accounts, key=lambda n: org.locate(("accounts", n)).line):
        by_parent.setdefault(org.accounts[name].ou, []).append(name)
    for parent, names in sorted(by_parent.items()):
        kinds = [(name, account_kind(org, name)) for name in names]
        kinds = [(name, kind) for name, kind in kinds if kind is not None]
        first_name, first_kind = kinds[0] if kinds else ("", None)
        other = next(((n, k) for n, k in kinds if k != first_kind), None)
        if other is not None:
            where = "the root" if parent == ROOT else f"OU '{parent}'"
            yield r.finding(org, ("accounts", other[0]), f"account '{other[0]}' ({other[1]}) "
                            f"shares {where} with '{first_name}' ({first_kind}): the OU's "
                            "controls cannot fit both", "give production and non-production "
                            "accounts OUs of their own, e.g. Workloads/Prod and "
                            "Workloads/NonProd")


@rule("LZ223", "An account's environment agrees with its OU's",
      fixture="account-env-conflict.yaml", seed="SEED-9.2")
def account_environment_agrees(r: Rule, org: Organization) -> Iterable[Finding]:
    for name, account in org.accounts.items():
        ou_environment = org.environment_of_ou(account.ou)
        own, inherited = kind_of(account.environment), kind_of(ou_environment)
        if own and inherited and own != inherited:
            yield r.finding(org, ("accounts", name, "environment"),
                            f"account '{name}' is {account.environment} ({own}) but its OU "
                            f"'{account.ou}' is {ou_environment} ({inherited})",
                            "move the account to an OU of its environment")


@rule("LZ224", "Production accounts sit under a production OU",
      fixture="prod-outside-prod-ou.yaml", seed="SEED-8.2")
def production_under_production_ou(r: Rule, org: Organization) -> Iterable[Finding]:
    for name, account in org.accounts.items():
        if account.ou != ROOT and account.ou not in org.ous:
            continue  # LZ101 reports the unknown OU
        ou_environment = org.environment_of_ou(account.ou)
        if account.environment is Environment.PROD and kind_of(ou_environment) is None:
            where = "the root" if account.ou == ROOT else f"OU '{account.ou}'"
            yield r.finding(org, ("accounts", name, "ou"), f"production account '{name}' sits "
                            f"under {where}, which is not a production OU",
                            "move it under an OU with 'environment: prod' (e.g. Workloads/Prod), "
                            "so that production controls apply to it")


@rule("LZ225", "Top-level OUs follow business purpose, not reporting structure",
      severity=Severity.WARNING, fixture="department-ous.yaml", seed="SEED-8.1")
def reporting_structure(r: Rule, org: Organization) -> Iterable[Finding]:
    for ou in org.children_of(ROOT):
        if re.sub(r"[^a-z]", "", ou.name.lower()) not in DEPARTMENTS:
            continue
        below = [o for o in org.ous.values() if o.path == ou.path
                 or o.path.startswith(ou.path + "/")]
        if all(o.spec.environment is None for o in below):
            yield r.finding(org, ou.yaml_path, f"top-level OU '{ou.name}' looks like a "
                            "department with no environment split below it: OUs exist to apply "
                            "one set of controls, and a department mixes production with "
                            "development and changes with every reorganization",
                            "group accounts by workload and controls (e.g. Workloads/Prod, "
                            "Workloads/NonProd); carry the department as a tag")
