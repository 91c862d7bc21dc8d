"""The scorecard: for every recommendation of the seed, whether this organization follows it,
and the evidence, looked up in the build, the checks and the runbooks (never assumed).

Pure: (organization, build, findings) in, rows out. Writers live in scorecard_report.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from generator.blueprint.schema import INFRASTRUCTURE_PURPOSES, Environment, Purpose
from generator.checks import rules_supporting
from generator.checks.seed import RECOMMENDATIONS, Recommendation, exception_for
from generator.checks.workloads import NON_PROD, PROD, account_kind
from generator.documents.runbooks import ROOT_CREDENTIALS, root_credentials
from generator.findings import Finding
from generator.jsonio import compact_json
from generator.model import ROOT, Organization, pascal
from generator.synth import evidence
from generator.synth.contacts import ACCOUNT_PRINCIPAL
from generator.synth.steps import STACKSETS_PRINCIPAL
from generator.synth.types import ApiStep, Build


class Status(StrEnum):
    GENERATED = "generated"  # a resource or API step of the build does it
    ENFORCED = "enforced"  # a check refuses or flags blueprints that do not follow it
    DOCUMENTED = "documented"  # a runbook section, filled from the blueprint, tells people how
    NOT_AUTOMATABLE = "not automatable"  # only people can do it; the runbook says how
    NOT_CONFIGURED = "not configured"  # the blueprint or the build lacks it
    EXCEPTED = "excepted"  # deliberately not followed, with a reason in the blueprint

    @property
    def met(self) -> bool:
        return self is not Status.NOT_CONFIGURED


@dataclass(frozen=True)
class Row:
    recommendation: Recommendation
    status: Status
    evidence: tuple[str, ...]

    @property
    def met(self) -> bool:
        return self.status.met


@dataclass(frozen=True)
class Scorecard:
    organization: str
    rows: tuple[Row, ...]

    @property
    def met(self) -> int:
        return sum(1 for r in self.rows if r.met)

    @property
    def not_met(self) -> int:
        return len(self.rows) - self.met

    @property
    def excepted(self) -> int:
        return sum(1 for r in self.rows if r.status is Status.EXCEPTED)

    @property
    def all_met(self) -> bool:
        return self.not_met == 0


Outcome = tuple[Status, list[str]]


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lowercase, punctuation dropped, '-' for ' '."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@dataclass
class _Facts:
    org: Organization
    build: Build
    findings: Sequence[Finding]

    @cached_property
    def runbook_anchors(self) -> set[str]:
        text = root_credentials(self.org, self.build).get(ROOT_CREDENTIALS, "")
        return {anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}

    def fired(self, rules: Iterable[str]) -> list[str]:
        wanted = set(rules)
        return [f"{f.rule} at {f.location}: {f.message}" for f in self.findings
                if f.rule in wanted]

    def section(self, name: str) -> str:
        """Evidence for a runbook section, or '' when the runbook lacks it."""
        return f"{ROOT_CREDENTIALS}#{name}" if name in self.runbook_anchors else ""


@dataclass(frozen=True)
class _Procedure:
    """A root-access recommendation that the runbook carries out, perhaps checked by rules."""

    section: str
    status: Status
    recommendation: str

    @property
    def rules(self) -> tuple[str, ...]:
        return rules_supporting(self.recommendation)

    def __call__(self, facts: _Facts) -> Outcome:
        if facts.org.blueprint.root_access is None:
            return Status.NOT_CONFIGURED, ["the blueprint has no root_access section, so no "
                                           "root credentials runbook is written"]
        problems = facts.fired(self.rules)
        if problems:
            return Status.NOT_CONFIGURED, problems
        link = facts.section(self.section)
        if not link:
            return Status.NOT_CONFIGURED, [f"{ROOT_CREDENTIALS} lacks section #{self.section}"]
        return self.status, [link, *(f"check {r} passes" for r in self.rules)]


def _passes(recommendation: str) -> list[str]:
    """Evidence lines for the rules of the registry that enforce a recommendation."""
    return [f"check {r} passes" for r in rules_supporting(recommendation)]


def _resources(found: Sequence[evidence.Resource], missing: str) -> Outcome:
    if not found:
        return Status.NOT_CONFIGURED, [missing]
    return Status.GENERATED, [str(r) for r in found]


def _root_activity_alert(facts: _Facts) -> Outcome:
    rules = evidence.root_activity_rules(facts.build)
    trails = evidence.trails(facts.build)
    missing = ([] if rules else ["no AWS::Events::Rule matching the root user's events "
                                 "(userIdentity.type Root) in the build"])
    missing += [] if trails else ["no AWS::CloudTrail::Trail in the build to feed the rule"]
    if missing:
        return Status.NOT_CONFIGURED, missing
    return Status.GENERATED, [str(r) for r in rules + trails]


def _alert_by_email(facts: _Facts) -> Outcome:
    return _resources(evidence.email_subscriptions(facts.build),
                      "no SNS email subscription in the build")


def _root_mfa_detection(facts: _Facts) -> Outcome:
    return _resources(evidence.root_mfa_rules(facts.build),
                      "no AWS Config rule ROOT_ACCOUNT_MFA_ENABLED in the build")


def _contact_phone(facts: _Facts) -> Outcome:
    found = evidence.steps(facts.build, "account", "PutContactInformation")
    if not found:
        return Status.NOT_CONFIGURED, ["no account:PutContactInformation step: set "
                                       "contacts.primary"]
    return Status.GENERATED, [f"{evidence.describe_step(found[0])} (for {len(found)} "
                              "account(s))", *_passes("SEED-5.1")]


def _root_emails_valid(facts: _Facts) -> Outcome:
    count = len(facts.org.accounts) + 1
    return Status.ENFORCED, [f"{_passes('SEED-6.1')[0]} for {count} root email addresses"]


def _root_emails_grouped(facts: _Facts) -> Outcome:
    rules = rules_supporting("SEED-6.2")
    personal = [p for p in facts.fired(rules) if "personal mailbox" in p]
    if personal:
        return Status.NOT_CONFIGURED, personal
    return Status.ENFORCED, [f"check {' and '.join(rules)} finds no personal-looking root "
                             "mailbox"]


def _single_organization(facts: _Facts) -> Outcome:
    found = evidence.accounts(facts.build)
    expected = len(facts.org.accounts)
    if len(found) != expected:
        return Status.NOT_CONFIGURED, [f"the build creates {len(found)} accounts; the blueprint "
                                       f"has {expected}"]
    files = sorted({r.file for r in found})
    return Status.GENERATED, [f"{len(found)} AWS::Organizations::Account resources, all created "
                              f"from the management account: {', '.join(files) or 'none'}"]


def _by_purpose(facts: _Facts) -> Outcome:
    problems = facts.fired(rules_supporting("SEED-8.1"))
    if problems:
        return Status.NOT_CONFIGURED, problems
    top = sorted(ou.name for ou in facts.org.children_of(ROOT))
    return Status.ENFORCED, [f"{_passes('SEED-8.1')[0]}; top-level OUs: "
                             f"{', '.join(top) or 'none'}"]


def _ous_of(facts: _Facts, environments: set[Environment], missing: str,
            rules: Sequence[str]) -> Outcome:
    problems = facts.fired(rules)
    if problems:
        return Status.NOT_CONFIGURED, problems
    wanted = {ou.logical_id for ou in facts.org.ous.values()
              if ou.spec.environment in environments}
    found = [r for r in evidence.organizational_units(facts.build) if r.logical_id in wanted]
    status, found_evidence = _resources(found, missing)
    return status, found_evidence + [f"check {r} passes" for r in rules]


def _production_ous(facts: _Facts) -> Outcome:
    return _ous_of(facts, {Environment.PROD}, "no OU declares environment: prod",
                   rules_supporting("SEED-8.2"))


def _non_production_ous(facts: _Facts) -> Outcome:
    return _ous_of(facts, {Environment.NON_PROD, Environment.DEV, Environment.TEST,
                           Environment.STAGING},
                   "no OU declares a non-production environment (non-prod, dev, test, staging)",
                   [])


def _foundational_accounts(facts: _Facts) -> Outcome:
    wanted = {"Account" + pascal(name) for name, a in facts.org.accounts.items()
              if a.purpose in {Purpose.LOG_ARCHIVE, Purpose.SECURITY_TOOLING}
              or a.purpose in INFRASTRUCTURE_PURPOSES}
    found = [r for r in evidence.accounts(facts.build) if r.logical_id in wanted]
    status, found_evidence = _resources(found, "no foundational account in the build")
    return status, [*found_evidence, *_passes("SEED-9.1")]


def _separate_environments(facts: _Facts) -> Outcome:
    kinds = [account_kind(facts.org, name) for name in facts.org.accounts]
    rules = rules_supporting("SEED-9.2")
    return Status.ENFORCED, [f"checks {' and '.join(rules)} pass: {kinds.count(PROD)} production "
                             f"and {kinds.count(NON_PROD)} non-production accounts, none sharing "
                             "an OU"]


# Tokens by which an API step of each integrated service can be recognized.
_SERVICE_TOKENS = {"cloudtrail": ("cloudtrail",), "config": ("config",),
                   "guardduty": ("guardduty",), "securityhub": ("securityhub",),
                   "access_analyzer": ("access-analyzer", "accessanalyzer")}
# Trusted access that lzgen needs for itself, or that SEED-10.2 counts.
_NOT_INTEGRATIONS = {STACKSETS_PRINCIPAL, ACCOUNT_PRINCIPAL}


def _integration_steps(build: Build) -> list[ApiStep]:
    """Steps that switch a service on for the organization through an API."""
    return [s for s in build.api_steps
            if (s.action == "EnableAWSServiceAccess"
                and s.parameters.get("ServicePrincipal") not in _NOT_INTEGRATIONS)
            or s.service not in ("organizations", "account")]


def _services_through_api(facts: _Facts) -> Outcome:
    steps = _integration_steps(facts.build)
    services = facts.org.blueprint.services
    missing = [f"services.{name} is set, but no API step enables it"
               for name, tokens in _SERVICE_TOKENS.items()
               if getattr(services, name) is not None
               and not any(token in f"{s.service} {compact_json(s.parameters)}"
                           for s in steps for token in tokens)]
    if missing:
        return Status.NOT_CONFIGURED, missing
    if not steps:
        return Status.NOT_CONFIGURED, ["no service is enabled for the organization: set "
                                       "services"]
    return Status.GENERATED, [evidence.describe_step(s) for s in steps]


def _account_management(facts: _Facts) -> Outcome:
    found = evidence.steps(facts.build, "organizations", "EnableAWSServiceAccess",
                           ServicePrincipal=ACCOUNT_PRINCIPAL)
    if not found:
        return Status.NOT_CONFIGURED, ["no trusted access for account.amazonaws.com: set "
                                       "contacts"]
    return Status.GENERATED, [evidence.describe_step(found[0])]


def _billing_role(facts: _Facts) -> Outcome:
    return _resources(evidence.billing_read_only_roles(facts.build),
                      "no AWS::IAM::Role with AWSBillingReadOnlyAccess in the build")


def _cost_tracking(facts: _Facts) -> Outcome:
    return _resources(evidence.cost_watchers(facts.build),
                      "no AWS::Budgets::Budget or cost anomaly monitor in the build")


def _tag_policy(facts: _Facts) -> Outcome:
    return _resources(evidence.tag_policies(facts.build),
                      "no AWS::Organizations::Policy of type TAG_POLICY in the build")


def _tag_enforcement(facts: _Facts) -> Outcome:
    found = [r for r in evidence.tag_policies(facts.build) if r.mentions('"enforced_for"')]
    return _resources(found, "no tag policy with enforced_for in the build")


_EVALUATORS: dict[str, Callable[[_Facts], Outcome]] = {
    "SEED-1.1": _Procedure("the-root-password", Status.NOT_AUTOMATABLE, "SEED-1.1"),
    "SEED-1.2": _Procedure("the-root-password", Status.ENFORCED, "SEED-1.2"),
    "SEED-1.3": _Procedure("the-root-password", Status.ENFORCED, "SEED-1.3"),
    "SEED-1.4": _Procedure("the-root-password", Status.ENFORCED, "SEED-1.4"),
    "SEED-2.1": _Procedure("recording-each-use", Status.DOCUMENTED, "SEED-2.1"),
    "SEED-2.2": _Procedure("exceptions-and-unforeseen-events", Status.DOCUMENTED, "SEED-2.2"),
    "SEED-2.3": _Procedure("access-tests", Status.ENFORCED, "SEED-2.3"),
    "SEED-2.4": _Procedure("who-takes-part", Status.DOCUMENTED, "SEED-2.4"),
    "SEED-3.1": _Procedure("mfa-devices", Status.NOT_AUTOMATABLE, "SEED-3.1"),
    "SEED-3.2": _root_mfa_detection,
    "SEED-3.3": _Procedure("mfa-devices", Status.ENFORCED, "SEED-3.3"),
    "SEED-3.4": _Procedure("mfa-devices", Status.ENFORCED, "SEED-3.4"),
    "SEED-3.5": _Procedure("mfa-devices", Status.ENFORCED, "SEED-3.5"),
    "SEED-4.1": _root_activity_alert,
    "SEED-4.2": _alert_by_email,
    "SEED-4.3": _Procedure("when-an-alert-fires", Status.DOCUMENTED, "SEED-4.3"),
    "SEED-5.1": _contact_phone,
    "SEED-5.2": _Procedure("recovery-phone", Status.ENFORCED, "SEED-5.2"),
    "SEED-5.3": _Procedure("recovery-phone", Status.NOT_AUTOMATABLE, "SEED-5.3"),
    "SEED-6.1": _root_emails_valid,
    "SEED-6.2": _root_emails_grouped,
    "SEED-7.1": _single_organization,
    "SEED-8.1": _by_purpose,
    "SEED-8.2": _production_ous,
    "SEED-8.3": _non_production_ous,
    "SEED-9.1": _foundational_accounts,
    "SEED-9.2": _separate_environments,
    "SEED-10.1": _services_through_api,
    "SEED-10.2": _account_management,
    "SEED-11.1": _billing_role,
    "SEED-11.2": _cost_tracking,
    "SEED-12.1": _tag_policy,
    "SEED-12.2": _tag_enforcement,
}


def evaluate(org: Organization, build: Build,
             findings: Sequence[Finding] | None = None) -> Scorecard:
    """One row per recommendation, in the seed's order. `findings`: those of run_checks(org)."""
    if findings is None:
        from generator.checks import run_checks

        findings = run_checks(org)
    facts = _Facts(org, build, findings)
    rows = [_row(facts, recommendation) for recommendation in RECOMMENDATIONS]
    return Scorecard(org.blueprint.organization.name, tuple(rows))


def _row(facts: _Facts, recommendation: Recommendation) -> Row:
    accepted = exception_for(facts.org.blueprint.exceptions, recommendation.id)
    if accepted is not None:
        by = f" (approved by {accepted.approved_by})" if accepted.approved_by else ""
        return Row(recommendation, Status.EXCEPTED, (f"accepted exception: {accepted.reason}{by}",))
    status, found = _EVALUATORS[recommendation.id](facts)
    return Row(recommendation, status, tuple(found))
