"""The root user plan (root_access): vault, custodians, access tests, MFA, recovery phone.

Each rule gives way to an accepted exception of its seed recommendation (`exceptions:`),
in generator/checks/registry.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator.blueprint.schema import MfaDeviceType, RootAccess
from generator.checks.registry import Rule, rule
from generator.findings import Finding, Severity
from generator.model import Organization

_WHERE = ("root_access",)
MIN_CUSTODIANS = 2
MAX_TEST_INTERVAL_MONTHS = 3
MIN_MFA_DEVICES = 2


def plan_to_check(org: Organization) -> RootAccess | None:
    """The root access plan (run_checks skips a rule whose recommendation is excepted)."""
    return org.blueprint.root_access


def same_place(first: str, second: str) -> bool:
    return first.strip().casefold() == second.strip().casefold()


@rule("LZ201", "The password vault does not depend on AWS", severity=Severity.WARNING,
      fixture="root-vault-on-aws.yaml", seed="SEED-1.2")
def vault_independent_of_aws(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan and plan.vault.depends_on_aws:
        yield r.finding(org, (*_WHERE, "vault", "depends_on_aws"),
                        f"vault '{plan.vault.name}' depends on AWS: if the accounts it protects "
                        "are locked, the root passwords that unlock them are locked too",
                        "keep root passwords in a vault that runs and signs in without these "
                        "AWS accounts, or accept it under exceptions: SEED-1.2")


@rule("LZ202", "At least two custodians open the vault",
      fixture="root-one-custodian.yaml", seed="SEED-1.3", cites=("SEED-2.4",))
def vault_custodians(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan and len(set(plan.vault.custodians)) < MIN_CUSTODIANS:
        found = len(set(plan.vault.custodians))
        yield r.finding(org, (*_WHERE, "vault", "custodians"),
                        f"vault '{plan.vault.name}' has {found} custodian(s); one person alone "
                        "must never be able to reach a root password",
                        f"name at least {MIN_CUSTODIANS} people or roles who open the vault "
                        "together")


@rule("LZ203", "Access to the vault is logged", severity=Severity.WARNING,
      fixture="root-vault-not-logged.yaml", seed="SEED-1.4")
def vault_access_logged(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan and not plan.vault.access_logged:
        yield r.finding(org, (*_WHERE, "vault", "access_logged"),
                        f"access to vault '{plan.vault.name}' is not logged: nobody would know "
                        "who read a root password", "turn on the vault's audit log and set "
                        "access_logged: true")


@rule("LZ204", "Root access is tested at least quarterly", severity=Severity.WARNING,
      fixture="root-tested-yearly.yaml", seed="SEED-2.3")
def test_interval(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan and plan.test_interval_months > MAX_TEST_INTERVAL_MONTHS:
        yield r.finding(org, (*_WHERE, "test_interval_months"),
                        f"root access is tested every {plan.test_interval_months} months; a "
                        "broken procedure or a dead phone may go unnoticed for that long",
                        f"test at least every {MAX_TEST_INTERVAL_MONTHS} months")


@rule("LZ205", "Each root user has at least two MFA devices of the listed types",
      fixture="root-mfa-primary-unlisted.yaml", seed="SEED-3.3", cites=("SEED-3.1",))
def mfa_devices(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan is None:
        return
    mfa = plan.mfa
    if mfa.devices_per_root_user < MIN_MFA_DEVICES:
        yield r.finding(org, (*_WHERE, "mfa", "devices_per_root_user"),
                        f"{mfa.devices_per_root_user} MFA device per root user: losing it locks "
                        "the root user out", f"register at least {MIN_MFA_DEVICES} devices per "
                        "root user (IAM allows up to 8)")
    if mfa.primary not in mfa.device_types:
        yield r.finding(org, (*_WHERE, "mfa", "primary"),
                        f"the primary MFA device type '{mfa.primary}' is not among device_types "
                        f"({', '.join(mfa.device_types) or 'none'})",
                        "add it to device_types or choose another primary")


@rule("LZ206", "A battery-powered primary has a battery-free backup", severity=Severity.WARNING,
      fixture="root-battery-only.yaml", seed="SEED-3.4")
def battery_free_backup(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan is None or not plan.mfa.primary.uses_battery:
        return
    if not any(not kind.uses_battery for kind in plan.mfa.device_types):
        yield r.finding(org, (*_WHERE, "mfa", "device_types"),
                        f"the primary MFA device ({plan.mfa.primary}) runs on a battery and no "
                        "battery-free type backs it up: a flat battery locks the root user out",
                        f"add '{MfaDeviceType.FIDO2}' (a security key) or "
                        f"'{MfaDeviceType.VIRTUAL}' to device_types")


@rule("LZ207", "MFA devices are stored apart from the password vault", severity=Severity.WARNING,
      fixture="root-mfa-in-vault.yaml", seed="SEED-3.5")
def mfa_storage(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan is None:
        return
    storage = plan.mfa.storage
    if not storage.strip():
        yield r.finding(org, (*_WHERE, "mfa"), "the MFA plan does not say where the devices are "
                        "kept", "set mfa.storage to a place apart from the password vault, with "
                        "logged access (e.g. a safe with an access log)")
    elif same_place(storage, plan.vault.name):
        yield r.finding(org, (*_WHERE, "mfa", "storage"),
                        f"MFA devices are kept in '{storage}', with the passwords: whoever opens "
                        "it holds both factors", "keep the devices in a different place, opened "
                        "by different people or tools")


@rule("LZ208", "The recovery phone is stored apart and its bill has an owner",
      severity=Severity.WARNING, fixture="root-phone-with-mfa.yaml", seed="SEED-5.2",
      cites=("SEED-5.3",))
def recovery_phone(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan is None:
        return
    phone = plan.recovery_phone
    where = (*_WHERE, "recovery_phone")
    if not phone.storage.strip():
        yield r.finding(org, where, "the plan does not say where the recovery phone and SIM are "
                        "kept", "set recovery_phone.storage to a place apart from the vault and "
                        "the MFA devices")
    else:
        for other, what in ((plan.vault.name, "password vault"),
                            (plan.mfa.storage, "MFA devices")):
            if other.strip() and same_place(phone.storage, other):
                yield r.finding(org, (*where, "storage"), f"the recovery phone is kept in "
                                f"'{phone.storage}', with the {what}",
                                "store the phone and SIM in a place of their own")
    if not phone.bill_owner.strip():
        yield r.finding(org, where, "nobody is named as owner of the recovery phone's bill: an "
                        "unused line is easily cancelled", "set recovery_phone.bill_owner to the "
                        "team that pays it, and tell them why it must stay")


@rule("LZ209", "Someone is named to escalate unexpected root use to", severity=Severity.WARNING,
      fixture="root-no-escalation.yaml", seed="SEED-4.3", cites=("SEED-2.4",))
def escalation(r: Rule, org: Organization) -> Iterable[Finding]:
    plan = plan_to_check(org)
    if plan and not plan.escalation.strip():
        yield r.finding(org, _WHERE, "the plan names no escalation contact for root use nobody "
                        "expected", "set root_access.escalation, e.g. the security incident "
                        "on-call and how to reach them")
