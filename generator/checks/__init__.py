"""Blueprint checks: each rule has an id, a title and a source, and yields findings as data."""

from __future__ import annotations

from generator.checks.registry import RULES, Rule, run_checks

# Importing the rule modules registers their rules.
from generator.checks import names, policies, references, structure, tags  # noqa: E402,F401,I001

__all__ = ["RULES", "Rule", "run_checks"]
