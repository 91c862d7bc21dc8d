"""The baseline sections (alerts, services, billing, tagging) refer to what exists and stay
within what AWS accepts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.baseline import account_refs, configured_services
from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath
from generator.model import Organization

_SERVICES = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
             "orgs_integrate_services_list.html")
_TAG_POLICIES = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
                 "orgs_manage_policies_example-tag-policies.html")
_BUDGETS = ("https://docs.aws.amazon.com/cost-management/latest/userguide/"
            "budgets-managing-costs.html")
_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/\S+|user/\S+)$")
_BUDGET_NAME = re.compile(r"^[^:\\]{1,100}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_EMAIL = re.compile(r"^[^@\s\"<>\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_MAX_NOTIFICATIONS = 10  # per budget
_MAX_EMAILS = 10  # email subscribers per budget notification


@rule("LZ311", "Baseline sections name existing accounts", _SERVICES,
      fixture="baseline-unknown-account.yaml")
def accounts_exist(r: Rule, org: Organization) -> Iterable[Finding]:
    management = org.blueprint.organization.management_account.name
    for ref in account_refs(org):
        if not ref.name:
            what = ref.purpose.value if ref.purpose else "an"
            yield r.finding(org, ref.path[:-1], f"no account has purpose '{what}', and "
                            f"'{ref.path[-1]}' names none", f"set {ref.path[-1]} to an account "
                            f"name, or give an account `purpose: {what}`")
        elif ref.name == management:
            yield r.finding(org, ref.path, f"'{ref.name}' is the management account; this "
                            "needs a member account", "name a member account, such as the "
                            "security tooling or log archive account")
        elif ref.name not in org.accounts:
            yield r.finding(org, ref.path, f"account '{ref.name}' is not defined",
                            "name an account of the `accounts` section")
    for service, settings in configured_services(org).items():
        if settings.delegated_admin and not settings.trusted_access:
            yield r.finding(org, ("services", service, "trusted_access"), f"{service} has a "
                            "delegated administrator but trusted access is off",
                            "a delegated administrator needs trusted access: set "
                            "trusted_access: true")


@rule("LZ312", "The tagging section makes a valid tag policy", _TAG_POLICIES,
      fixture="tagging-bad-rule.yaml")
def tagging_section(r: Rule, org: Organization) -> Iterable[Finding]:
    from generator.policies.errors import PolicyParamError
    from generator.policies.strategy import TAGGING_POLICY, tagging_document

    tagging = org.blueprint.tagging
    if tagging is None:
        return
    if TAGGING_POLICY in org.blueprint.policies:
        yield r.finding(org, ("policies", TAGGING_POLICY), f"policy name '{TAGGING_POLICY}' "
                        "is taken by the tagging section", "rename this policy")
    if not tagging.tags:
        yield r.finding(org, ("tagging",), "the tagging section names no tag",
                        "add tags, or remove the section")
        return
    try:
        tagging_document(tagging)
    except PolicyParamError as exc:
        where: KeyPath = ("tagging", "tags", exc.param) if exc.param else ("tagging", "tags")
        yield r.finding(org, where, exc.message, exc.hint)


@rule("LZ313", "Billing and alert settings fit AWS's limits", _BUDGETS, fixture="budget-bad.yaml")
def billing_and_alerts(r: Rule, org: Organization) -> Iterable[Finding]:
    billing = org.blueprint.billing
    for index, arn in enumerate(billing.read_only_principals):
        if not _PRINCIPAL.match(arn):
            yield r.finding(org, ("billing", "read_only_principals", index), f"'{arn}' is not "
                            "an IAM role, user or account root ARN",
                            "write arn:aws:iam::123456789012:role/NAME")
    for name, budget in billing.budgets.items():
        where: KeyPath = ("billing", "budgets", name)
        if not _BUDGET_NAME.match(name):
            yield r.finding(org, where, f"budget name '{name}' must be 1 to 100 characters "
                            "without ':' or '\\'", "rename the budget")
        if not _CURRENCY.match(budget.currency):
            yield r.finding(org, (*where, "currency"), f"'{budget.currency}' is not a currency "
                            "code", "write a three-letter code such as USD")
        if len(set(budget.thresholds)) > _MAX_NOTIFICATIONS:
            yield r.finding(org, (*where, "thresholds"), f"{len(set(budget.thresholds))} "
                            f"thresholds; a budget has at most {_MAX_NOTIFICATIONS} "
                            "notifications", "keep the thresholds that matter most")
        for index, threshold in enumerate(budget.thresholds):
            if not 0 < threshold <= 1000:
                yield r.finding(org, (*where, "thresholds", index), f"threshold {threshold}% "
                                "is not between 1 and 1000", "write a percentage of the "
                                "budget, such as 80")
        if len(set(budget.emails)) > _MAX_EMAILS:
            yield r.finding(org, (*where, "emails"), f"{len(set(budget.emails))} addresses; a "
                            f"budget notification reaches at most {_MAX_EMAILS}",
                            "use a distribution list")
    yield from _emails(r, org)


def _email_fields(org: Organization) -> list[tuple[KeyPath, str]]:
    blueprint = org.blueprint
    found: list[tuple[KeyPath, str]] = []
    if blueprint.alerts.root_activity is not None:
        found.append((("alerts", "root_activity", "email"), blueprint.alerts.root_activity.email))
    for name, budget in blueprint.billing.budgets.items():
        found += [(("billing", "budgets", name, "emails", i), e)
                  for i, e in enumerate(budget.emails)]
    if blueprint.billing.cost_anomaly is not None:
        found += [(("billing", "cost_anomaly", "emails", i), e)
                  for i, e in enumerate(blueprint.billing.cost_anomaly.emails)]
    return found


def _emails(r: Rule, org: Organization) -> Iterable[Finding]:
    for path, email in _email_fields(org):
        if not _EMAIL.match(email):
            yield r.finding(org, path, f"'{email}' is not an email address",
                            "write a group address such as security-alerts@example.com")


_TRAIL_API = "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html"
_TRAIL_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-]))*[A-Za-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


@rule("LZ314", "The organization trail has a name CloudTrail accepts", _TRAIL_API,
      fixture="trail-name.yaml")
def trail_name(r: Rule, org: Organization) -> Iterable[Finding]:
    trail = org.blueprint.services.organization_trail
    if trail is None or not trail.enabled:
        return
    name = trail.name
    if not (3 <= len(name) <= 128 and _TRAIL_NAME.match(name)) or _IP_ADDRESS.match(name):
        yield r.finding(org, ("services", "organization_trail", "name"), f"trail name "
                        f"'{name}' is not one CloudTrail accepts", "use 3 to 128 ASCII letters, "
                        "digits and . _ -, starting and ending with a letter or digit, with no "
                        "two of . _ - side by side (e.g. lzgen-organization-trail)")
