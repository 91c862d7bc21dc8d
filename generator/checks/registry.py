"""The rule registry and the runner."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generator.findings import Finding, KeyPath, Severity, sorted_findings
from generator.model import Organization

CheckFn = Callable[["Rule", Organization], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    source: str
    severity: Severity
    check: CheckFn

    def finding(self, org: Organization, path: KeyPath, message: str, hint: str = "",
                severity: Severity | None = None) -> Finding:
        return Finding(self.id, severity or self.severity, message, hint, org.locate(path), path,
                       self.source)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, title: str, source: str,
         severity: Severity = Severity.ERROR) -> Callable[[CheckFn], CheckFn]:
    def register(check: CheckFn) -> CheckFn:
        if rule_id in RULES:
            raise RuntimeError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, title, source, severity, check)
        return check

    return register


def run_checks(org: Organization) -> list[Finding]:
    """Every finding of every rule, plus what resolving the blueprint found, sorted."""
    findings = list(org.problems)
    for registered in RULES.values():
        findings.extend(registered.check(registered, org))
    return sorted_findings(findings)
