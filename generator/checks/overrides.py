"""Quota overrides (`quotas:`) name quotas lzgen knows and never claim more than AWS allows."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from generator.checks.registry import Rule, rule
from generator.findings import Finding
from generator.model import Organization
from generator.quotas import DEFAULTS

# "Quotas and service limits" (Organizations User Guide,
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html) gives OU
# nesting, policy sizes, policies per target and tags per entity as maximums; it says the
# account count can be raised on request (lzgen sets no account limit).
# CloudFormation's template limits are fixed too (CloudFormation User Guide, "Understand
# CloudFormation quotas").
_ORG_QUOTAS = DEFAULTS["ou_depth"].source


@rule("LZ113", "Quota overrides name known quotas and raise none AWS keeps fixed", _ORG_QUOTAS,
      fixture="quota-raised.yaml")
def quota_overrides(r: Rule, org: Organization) -> Iterable[Finding]:
    for name, value in org.blueprint.quotas.items():
        where = ("quotas", name)
        quota = DEFAULTS.get(name)
        if quota is None:
            close = difflib.get_close_matches(name, sorted(DEFAULTS), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            yield r.finding(org, where, f"unknown quota '{name}'",
                            hint + "known quotas: " + ", ".join(sorted(DEFAULTS)))
        elif value < 1:
            yield r.finding(org, where, f"quota '{name}' set to {value}",
                            f"give a positive number, at most {quota.value}")
        elif value > quota.value and not quota.raisable:
            yield r.finding(org, where, f"quota '{name}' raised to {value}, but AWS allows at "
                            f"most {quota.value} {quota.what} and raises it for nobody",
                            f"remove the override, or lower it (see {quota.source})")
