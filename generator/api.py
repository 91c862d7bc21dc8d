"""What the CLI and the tests call: validate, generate, scorecard and schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import FindingsError
from generator.findings import Finding, sorted_findings
from generator.model import Organization

if TYPE_CHECKING:
    from generator.lint import LintPool
    from generator.scorecard import Scorecard


@dataclass
class Result:
    org: Organization
    findings: list[Finding] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


def load(path: Path) -> Organization:
    """Read, validate and resolve a blueprint. Raises BlueprintError for unusable input."""
    from generator.blueprint.parse import load_blueprint
    from generator.model import resolve

    blueprint, doc = load_blueprint(path)
    return resolve(blueprint, doc)


def check(org: Organization) -> list[Finding]:
    from generator.checks import run_checks

    return run_checks(org)


def validate(path: Path, lint: bool = True, cache: bool = True) -> Result:
    """Everything `generate` does except writing. Raises FindingsError on any error.

    With `cache`, cfn-lint's results are reused from the lint cache (generator/lint.py)."""
    from generator.lint import LintPool

    org = load(path)
    with LintPool() as pool:
        if lint and len(org.accounts) + len(org.ous) >= WARM_LINT_AT:
            pool.warm((org.blueprint.organization.home_region,))
        return _check_build_lint(org, pool if lint else None, cache)


# From this many accounts and OUs on, a worker loads cfn-lint while the templates are built.
WARM_LINT_AT = 200


def _check_build_lint(org: Organization, pool: LintPool | None, cache: bool) -> Result:
    findings = check(org)
    if any(f.is_error for f in findings):
        raise FindingsError(findings)
    from generator.build import build
    from generator.output import lint_jobs, render_files

    built = build(org)
    files = render_files(org, built)
    if pool is not None:
        from generator.lint import LintCache, default_cache_dir, lint_all

        lint_cache = LintCache(default_cache_dir()) if cache else None
        findings = sorted_findings(findings + lint_all(lint_jobs(org, built, files), lint_cache,
                                                       pool))
        if any(f.is_error for f in findings):
            raise FindingsError(findings)
    return Result(org, findings, files)


def generate(path: Path, out_dir: Path, lint: bool = True, cache: bool = True) -> Result:
    from generator.output import write_atomically

    result = validate(path, lint=lint, cache=cache)
    write_atomically(out_dir, result.files)
    return result


@dataclass
class ScoreResult:
    org: Organization
    findings: list[Finding]
    card: Scorecard


def scorecard(path: Path) -> ScoreResult:
    """Score the blueprint against every seed recommendation. Raises FindingsError on errors."""
    org = load(path)
    findings = check(org)
    if any(f.is_error for f in findings):
        raise FindingsError(findings)
    from generator.build import build
    from generator.scorecard import evaluate

    return ScoreResult(org, findings, evaluate(org, build(org), findings))


def schema() -> dict[str, Any]:
    from generator.blueprint.model import json_schema

    return json_schema()
