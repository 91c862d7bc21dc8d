"""Blueprint checks: each rule has an id, a title and a source, and yields findings as data."""

from __future__ import annotations

# Importing the rule modules registers their rules.
from generator.checks import (  # noqa: F401
    baseline,
    contacts,
    exceptions,
    loading,
    names,
    overrides,
    policies,
    references,
    root_access,
    structure,
    tagging,
    tags,
    workloads,
)
from generator.checks.registry import RULES, Rule, rules_supporting, run_checks

__all__ = ["RULES", "Rule", "rules_supporting", "run_checks"]
