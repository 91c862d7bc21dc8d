"""Writers for findings: text (for people), json (for scripts) and SARIF (for code review)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from generator.findings import Finding, Severity

if TYPE_CHECKING:
    from generator.checks import Rule

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def as_text(findings: Sequence[Finding]) -> str:
    lines = [f.render() for f in findings]
    errors = sum(1 for f in findings if f.is_error)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def as_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [{
        "rule": f.rule, "severity": f.severity.value, "message": f.message, "hint": f.hint,
        "file": f.location.file, "line": f.location.line, "column": f.location.column,
        "path": [str(p) for p in f.path], "source": f.source,
    } for f in findings]


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps({"findings": as_dicts(findings)}, indent=2, sort_keys=True)


def as_sarif(findings: Sequence[Finding]) -> str:
    from generator import __version__
    from generator.checks import RULES

    results = []
    for f in findings:
        region = {"startLine": max(f.location.line, 1), "startColumn": max(f.location.column, 1)}
        results.append({
            "ruleId": f.rule, "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message}. {f.hint}".strip() if f.hint else f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.location.file}, "region": region}}],
        })
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lzgen", "version": __version__,
                "informationUri": "https://github.com/lzgen/lzgen",
                "rules": _sarif_rules(RULES, {f.rule for f in findings}),
            }},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, sort_keys=True)


def _sarif_rules(registry: Mapping[str, Rule], seen: set[str]) -> list[dict[str, Any]]:
    """Every registered rule, described from the registry (and any unregistered id seen)."""
    described = [{
        "id": r.id, "name": r.id, "shortDescription": {"text": r.title},
        "helpUri": r.docs_url, "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        "properties": {"source": r.source, **({"seed": r.seed} if r.seed else {})},
    } for r in sorted(registry.values(), key=lambda r: r.id)]
    return described + [{"id": rid} for rid in sorted(seen - set(registry))]


def render(findings: Sequence[Finding], fmt: str) -> str:
    return {"text": as_text, "json": as_json, "sarif": as_sarif}[fmt](findings)
