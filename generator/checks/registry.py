"""The rule registry: the one source of rule metadata, and the runner.

Every rule id a finding can carry is registered here, with its title, severity, the AWS page it
relies on, the seed recommendation it enforces, the page of lzgen's docs that explains it and
the bad fixture (tests/fixtures/bad/) that triggers it. The SARIF rule descriptions, the docs'
rule reference (generator/documents/reference.py), the scorecard's evidence and `lzgen import`'s
suggested exceptions are all read from here.

Accepted exceptions (`exceptions:` in the blueprint) are applied in one place, `run_checks`: a
rule whose seed recommendation (or its heading) is excepted does not run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generator.checks.seed import BY_ID, SEED_PAGE, exception_for
from generator.findings import Finding, KeyPath, Severity, sorted_findings
from generator.model import Organization

CheckFn = Callable[["Rule", Organization], Iterable[Finding]]

# The rule reference of lzgen's docs site (docs/reference/rules.md, generated from this registry).
DOCS_URL = "https://lzgen.dev/reference/rules/"


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    source: str  # the AWS page whose limit or behaviour the rule relies on
    severity: Severity
    fixture: str  # a file of tests/fixtures/bad/ whose '# <- id' marker the rule must hit
    check: CheckFn | None = None  # None: raised while loading or resolving the blueprint
    seed: str | None = None  # the recommendation it enforces; an exception of it silences it
    cites: tuple[str, ...] = ()  # further recommendations whose scorecard rows cite the rule

    @property
    def docs_url(self) -> str:
        return f"{DOCS_URL}#{self.id.lower()}"

    @property
    def stage(self) -> str:
        return "check" if self.check is not None else "load"

    def supports(self, recommendation: str) -> bool:
        return recommendation in (self.seed, *self.cites)

    def finding(self, org: Organization, path: KeyPath, message: str, hint: str = "",
                severity: Severity | None = None) -> Finding:
        return Finding(self.id, severity or self.severity, message, hint, org.locate(path), path,
                       self.source)


RULES: dict[str, Rule] = {}


def _register(entry: Rule) -> None:
    if entry.id in RULES:
        raise RuntimeError(f"rule {entry.id} registered twice")
    for recommendation in (entry.seed, *entry.cites):
        if recommendation is not None and recommendation not in BY_ID:
            raise RuntimeError(f"rule {entry.id} names unknown recommendation {recommendation}")
    RULES[entry.id] = entry


def rule(rule_id: str, title: str, source: str | None = None, *,
         severity: Severity = Severity.ERROR, fixture: str, seed: str | None = None,
         cites: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register a check. `source` defaults to the seed page for rules that enforce the seed."""
    if source is None:
        if seed is None:
            raise RuntimeError(f"rule {rule_id} needs a source or a seed recommendation")
        source = SEED_PAGE

    def register(check: CheckFn) -> CheckFn:
        _register(Rule(rule_id, title, source, severity, fixture, check, seed, cites))
        return check

    return register


def raised_elsewhere(rule_id: str, title: str, source: str, *, fixture: str,
                     severity: Severity = Severity.ERROR) -> None:
    """Register a rule that the loader or the resolver raises (it has no check function)."""
    _register(Rule(rule_id, title, source, severity, fixture))


def rules_supporting(recommendation: str) -> tuple[str, ...]:
    """Ids of the rules that enforce a recommendation or are cited as its evidence."""
    return tuple(sorted(rid for rid, r in RULES.items() if r.supports(recommendation)))


def excepted(org: Organization, registered: Rule) -> bool:
    return (registered.seed is not None
            and exception_for(org.blueprint.exceptions, registered.seed) is not None)


def run_checks(org: Organization) -> list[Finding]:
    """Every finding of every rule, plus what resolving the blueprint found, sorted."""
    findings = list(org.problems)
    for registered in RULES.values():
        if registered.check is not None and not excepted(org, registered):
            findings.extend(registered.check(registered, org))
    return sorted_findings(findings)
