"""Accepted exceptions name recommendations of the seed that exist."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from generator.checks.registry import Rule, rule
from generator.checks.seed import KNOWN_IDS, SEED_PAGE
from generator.findings import Finding
from generator.model import Organization


@rule("LZ230", "Exceptions name known seed recommendations", SEED_PAGE,
      fixture="unknown-exception.yaml")
def exception_ids(r: Rule, org: Organization) -> Iterable[Finding]:
    for key in org.blueprint.exceptions:
        if key not in KNOWN_IDS:
            close = difflib.get_close_matches(key, sorted(KNOWN_IDS), n=1)
            hint = (f"did you mean '{close[0]}'? " if close else "") + (
                "`lzgen check` lists every id (SEED-n for a whole heading, SEED-n.m for one item)")
            yield r.finding(org, ("exceptions", key), f"'{key}' is not a seed recommendation",
                            hint)
