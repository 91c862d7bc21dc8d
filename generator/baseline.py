"""Which accounts and addresses the baseline sections refer to, with their defaults resolved.

The checks (that report wrong references) and the builders (that use them) read the same
answers from here, so that a default is decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.blueprint.schema import MfaDeviceType, Purpose, ServiceSettings
from generator.model import Organization

# Service -> (the principals whose trusted access it needs, how its delegated admin is set).
SERVICE_PRINCIPALS: dict[str, tuple[str, ...]] = {
    "cloudtrail": ("cloudtrail.amazonaws.com",),
    "config": ("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com"),
    "guardduty": ("guardduty.amazonaws.com",),
    "securityhub": ("securityhub.amazonaws.com",),
    "access_analyzer": ("access-analyzer.amazonaws.com",),
}
SERVICES = tuple(SERVICE_PRINCIPALS)
# The role each account's root-activity rule delivers with (generator/synth/alerts.py), one
# per region: ALERT_ROLE_PREFIX + region.
ALERT_ROLE_PREFIX = "lzgen-root-activity-"
SIGN_IN_REGION = "us-east-1"  # AWS records root console sign-ins here, whatever the home region


@dataclass(frozen=True)
class AccountRef:
    """A reference from a baseline section to an account: its blueprint path and the name it
    resolves to ("" when nothing resolves: no name given and no account with the purpose)."""

    path: tuple[str | int, ...]
    name: str
    purpose: Purpose | None = None


def first_with_purpose(org: Organization, purpose: Purpose) -> str:
    return next((n for n, a in org.accounts.items() if a.purpose is purpose), "")


def _ref(org: Organization, path: tuple[str | int, ...], given: str,
         purpose: Purpose | None) -> AccountRef:
    if given:
        return AccountRef(path, given)
    return AccountRef(path, first_with_purpose(org, purpose) if purpose else "", purpose)


def alert_account(org: Organization) -> AccountRef | None:
    """Where the root-activity topic lives, when root activity alerts are on."""
    settings = org.blueprint.alerts.root_activity
    if settings is None or not settings.enabled:
        return None
    return _ref(org, ("alerts", "root_activity", "account"), settings.account,
                Purpose.SECURITY_TOOLING)


def trail_account(org: Organization) -> AccountRef | None:
    """Where the organization trail's bucket lives, when the trail is on."""
    trail = org.blueprint.services.organization_trail
    if trail is None or not trail.enabled:
        return None
    return _ref(org, ("services", "organization_trail", "log_archive_account"),
                trail.log_archive_account, Purpose.LOG_ARCHIVE)


def config_recorder(org: Organization) -> str:
    """Who records AWS Config: "lzgen" (the default) or "external"."""
    settings = org.blueprint.services.config
    return settings.recorder if settings is not None else "lzgen"


def needs_config_recording(org: Organization) -> bool:
    """Whether something of the blueprint needs a Config recorder in the accounts: Config
    rules (MFA detection) or the Config service itself."""
    return org.blueprint.alerts.mfa_detection.enabled or org.blueprint.services.config is not None


def config_bucket_account(org: Organization) -> str:
    """The account whose bucket lzgen-made recorders deliver to: the organization trail's
    log-archive account, or "" when there is none."""
    ref = trail_account(org)
    return ref.name if ref is not None and ref.name in org.accounts else ""


def records_config(org: Organization) -> bool:
    """Whether lzgen creates the configuration recorders and delivery channels."""
    return (needs_config_recording(org) and config_recorder(org) == "lzgen"
            and bool(config_bucket_account(org)))


def config_rules_possible(org: Organization) -> bool:
    """Whether Config rules have a recorder to run on: lzgen's, or one the blueprint says
    another tool owns (assumed; deploy verifies it)."""
    return records_config(org) or config_recorder(org) == "external"


def configured_services(org: Organization) -> dict[str, ServiceSettings]:
    """The services the blueprint configures, in a fixed order."""
    services = org.blueprint.services
    found = {name: getattr(services, name) for name in SERVICES}
    return {name: settings for name, settings in found.items() if settings is not None}


def delegated_admins(org: Organization) -> dict[str, AccountRef]:
    return {name: AccountRef(("services", name, "delegated_admin"), s.delegated_admin)
            for name, s in configured_services(org).items() if s.delegated_admin}


def account_refs(org: Organization) -> list[AccountRef]:
    """Every account reference of the baseline sections."""
    refs = [ref for ref in (alert_account(org), trail_account(org)) if ref is not None]
    return refs + list(delegated_admins(org).values())


def alert_recipients(org: Organization) -> list[str]:
    """Who gets root activity alerts: the alert address and the root access recipients,
    each once (compared without case), sorted."""
    settings = org.blueprint.alerts.root_activity
    emails = [settings.email] if settings is not None else []
    if org.blueprint.root_access is not None:
        emails += org.blueprint.root_access.alert_recipients
    unique: dict[str, str] = {}
    for email in emails:
        unique.setdefault(email.lower(), email)
    return sorted(unique.values())


def alert_regions(org: Organization) -> list[str]:
    """Regions that need root activity rules: every allowed region, and the sign-in region."""
    return sorted({*org.blueprint.organization.regions, SIGN_IN_REGION})


def wants_hardware_mfa_rule(org: Organization) -> bool:
    """Whether to check that root users use hardware MFA.

    Only when the MFA plan uses hardware devices (FIDO2 keys or TOTP tokens) and no virtual
    ones: the managed rule is noncompliant whenever a virtual device is allowed, so with a
    virtual device in the plan it would alarm by design.
    """
    root_access = org.blueprint.root_access
    if root_access is None:
        return False
    kinds = set(root_access.mfa.device_types)
    hardware = {MfaDeviceType.FIDO2, MfaDeviceType.HARDWARE_TOTP}
    return bool(kinds & hardware) and MfaDeviceType.VIRTUAL not in kinds


def plain_text(text: str) -> str:
    """`text` made safe inside an EventBridge input template: no quotes, backslashes, angle
    brackets (they open placeholders) or line breaks."""
    cleaned = "".join(" " if c in "\r\n\t" else c for c in text if c not in '"\\<>')
    return " ".join(cleaned.split())
