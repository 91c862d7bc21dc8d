"""cfn-lint as a library: one Runner, reused for every template and every StackSet body."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from generator.findings import Finding, Location, Severity

_LEVELS = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFO}


@dataclass(frozen=True)
class LintJob:
    """One template to lint: its file name in output/, its text and the regions it runs in."""

    file: str
    text: str
    regions: tuple[str, ...]


@lru_cache(maxsize=8)
def _runner(regions: tuple[str, ...]) -> Any:
    from cfnlint.api import ConfigMixIn, Runner

    return Runner(ConfigMixIn(regions=list(regions)))


def lint_one(job: LintJob) -> list[Finding]:
    from cfnlint.decode.decode import decode_str

    template, errors = decode_str(job.text)
    matches = list(errors or [])
    if template is not None and not errors:
        matches = [m for m in _runner(job.regions).validate_template(template)
                   if not _false_duplicate(template, m)]
    return sorted({_finding(job.file, m) for m in matches}, key=Finding.sort_key)


def _false_duplicate(template: Any, match: Any) -> bool:
    """True for a uniqueness error on an array whose items differ as JSON.

    cfn-lint compares any string with 'true' or 'false' as a boolean, so tags with keys
    'False' and '0' count as duplicates there; AWS compares the strings.
    """
    if "not unique" not in str(match.message):
        return False
    node = template
    for step in getattr(match, "path", None) or []:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    if not isinstance(node, list):
        return False
    keyed = "for keys ['Key']" in str(match.message)
    items = [json.dumps(item.get("Key") if keyed and isinstance(item, dict) else item,
                        sort_keys=True) for item in node]
    return len(set(items)) == len(items)


def lint_all(jobs: Sequence[LintJob]) -> list[Finding]:
    return [f for job in jobs for f in lint_one(job)]


def _finding(file: str, match: Any) -> Finding:
    rule_id = str(match.rule.id)
    severity = _LEVELS.get(rule_id[:1], Severity.WARNING)
    return Finding(f"cfn-lint {rule_id}", severity, str(match.message), "",
                   Location(file, int(match.linenumber or 0), int(match.columnnumber or 0)),
                   (), str(getattr(match.rule, "source_url", "") or ""))


def errors_in(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]
