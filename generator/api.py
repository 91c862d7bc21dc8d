"""What the CLI and the tests call: validate, generate, scorecard, schema and deploy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import AwsError, FindingsError
from generator.findings import Finding, sorted_findings
from generator.model import Organization

if TYPE_CHECKING:
    from rich.console import Console

    from generator.aws.deploy import DeployReport
    from generator.aws.gateway import Gateway
    from generator.aws.ui import DeployUi
    from generator.diff import Diff
    from generator.diff.model import Change
    from generator.diff.sources import Materialised, Source
    from generator.documents.starter import Answers
    from generator.lint import LintPool
    from generator.scorecard.card import Scorecard
    from generator.synth.types import Build


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


def validate(path: Path, lint: bool = True, cache: bool = True,
             out_dir: Path | None = None) -> Result:
    """Everything `generate` does except writing. Raises FindingsError on any error.

    With `cache`, cfn-lint's results are reused from the lint cache (generator/lint.py).
    With `out_dir`, the manifest names the blueprint by its path from there (so that deploy
    finds it and refuses an output older than its blueprint)."""
    import os

    from generator.lint import LintPool

    org = load(path)
    source = Path(os.path.relpath(path.absolute(), out_dir.absolute())).as_posix() \
        if out_dir is not None else None
    with LintPool() as pool:
        if lint and len(org.accounts) + len(org.ous) >= WARM_LINT_AT:
            pool.warm((org.blueprint.organization.home_region,))
        return _check_build_lint(org, pool if lint else None, cache, source)


# From this many accounts and OUs on, a worker loads cfn-lint while the templates are built.
WARM_LINT_AT = 300


def _check_build_lint(org: Organization, pool: LintPool | None, cache: bool,
                      source: str | None = None) -> Result:
    findings = check(org)
    if any(f.is_error for f in findings):
        raise FindingsError(findings)
    from generator.output import lint_jobs, render_files
    from generator.synth import build

    built = build(org)
    from generator.synth.limits import template_findings

    findings = sorted_findings(findings + template_findings(org, built))
    if any(f.is_error for f in findings):
        raise FindingsError(findings)
    from generator.aws.policy import deployer_policy

    files = render_files(org, built, deployer_policy, source=source)
    if pool is not None:
        from generator.lint import LintCache, default_cache_dir, lint_all

        lint_cache = LintCache(default_cache_dir()) if cache else None
        findings = sorted_findings(findings + lint_all(lint_jobs(org, built, files), lint_cache,
                                                       pool))
        if any(f.is_error for f in findings):
            raise FindingsError(findings)
    return Result(org, findings, files)


def generate(path: Path, out_dir: Path, lint: bool = True, cache: bool = True) -> Result:
    from generator.output import check_output_folder, write_atomically

    check_output_folder(out_dir)  # before the slow part, and again when writing
    result = validate(path, lint=lint, cache=cache, out_dir=out_dir)
    write_atomically(out_dir, result.files)
    return result


def diff(base: Source, head: Source, base_label: str | None = None,
         head_label: str | None = None) -> Diff:
    """Compare two blueprints (files, or files at git revisions). Both must pass the checks;
    a base that does not exist at its revision counts as an empty organization."""
    from generator.diff import compare
    from generator.diff.sources import materialised
    from generator.errors import UsageError

    with materialised(base) as base_file, materialised(head) as head_file:
        if head_file is None:
            raise UsageError(f"{head.label}: no such blueprint", "check the path and revision")
        base_side = _built(base_file) if base_file is not None else None
        head_side = _built(head_file)
    return compare(base_side, head_side, base_label or base.label, head_label or head.label)


def _built(source: Materialised) -> tuple[Organization, Build]:
    """Load, check (no lint) and build one side of a diff."""
    from generator.errors import BlueprintError
    from generator.synth import build

    try:
        org = load(source.path)
    except BlueprintError as error:
        raise BlueprintError(source.relabel(error.findings)) from None
    findings = check(org)
    if any(f.is_error for f in findings):
        raise FindingsError(source.relabel(findings))
    return org, build(org)


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
    from generator.scorecard.card import evaluate
    from generator.synth import build

    return ScoreResult(org, findings, evaluate(org, build(org), findings))


def init_blueprint(path: Path, answers: Answers, *, force: bool = False) -> str:
    """Write `lzgen init`'s blueprint to `path`; never over an existing file unless `force`."""
    from generator.documents.starter import blueprint_text, problems
    from generator.errors import UsageError

    found = problems(answers)
    if found:
        raise UsageError("; ".join(found), "answer again, or pass the value as an option "
                         "(lzgen init -h)")
    if path.is_dir():
        raise UsageError(f"{path} is a folder", "name the blueprint file, e.g. -o blueprint.yaml")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; lzgen init does not overwrite it",
                         "choose another file with -o, or pass --force to replace it")
    text = blueprint_text(answers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def schema() -> dict[str, Any]:
    """The blueprint's JSON Schema, with the built-in policies' names as an enum (the model
    keeps `builtin` a string, so that a wrong name gets LZ103's did-you-mean)."""
    from generator.blueprint.schema import json_schema
    from generator.policies.library import BUILTINS
    from generator.quotas import DEFAULTS

    document = json_schema()
    builtin = document["$defs"]["Policy"]["properties"]["builtin"]
    for branch in builtin.get("anyOf", [builtin]):
        if branch.get("type") == "string":
            branch["enum"] = sorted(BUILTINS)
    document["properties"]["quotas"]["propertyNames"] = {"enum": sorted(DEFAULTS)}
    return document


@dataclass(frozen=True)
class DeploySettings:
    """How to reach AWS and how careful to be; see `lzgen deploy --help`."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    dry_run: bool = False
    yes: bool = False
    allow_destructive: bool = False
    poll_seconds: float = 5.0
    adopt: bool = False
    email_codes: dict[str, str] = field(default_factory=dict)  # account -> one-time code
    refresh: bool = False
    confirm_each: bool = False
    workers: int = 4
    blueprint: Path | None = None  # where to find the blueprint (default: beside the output)
    allow_stale: bool = False


def deploy(out_dir: Path, settings: DeploySettings, *, console: Console | None = None,
           gateway: Gateway | None = None, interactive: bool | None = None) -> DeployReport:
    """Deploy what `generate` wrote to `out_dir`. Raises AwsError, RefusedError, UsageError."""
    from generator.aws.deploy import Deployer, DeployOptions
    from generator.aws.gateway import Gateway
    from generator.aws.manifest import load_manifest
    from generator.aws.ui import DeployUi

    manifest = load_manifest(out_dir)
    ui = DeployUi(console, assume_yes=settings.yes, interactive=interactive,
                  confirm_each=settings.confirm_each)
    _refuse_stale(out_dir, settings, ui)
    if gateway is None:
        gateway = Gateway(profile=settings.profile,
                          region=settings.region or manifest.home_region,
                          endpoint_url=settings.endpoint_url)
    options = DeployOptions(dry_run=settings.dry_run,
                            allow_destructive=settings.allow_destructive,
                            poll_seconds=settings.poll_seconds, adopt=settings.adopt,
                            email_codes=tuple(sorted(settings.email_codes.items())),
                            refresh=settings.refresh, confirm_each=settings.confirm_each,
                            workers=settings.workers)
    return Deployer(manifest, gateway, ui, options).run()


def _refuse_stale(out_dir: Path, settings: DeploySettings, ui: DeployUi) -> None:
    """Refuse an output generated from another version of its blueprint (the manifest
    records the digest of the blueprint's content), unless --allow-stale."""
    from generator.errors import BlueprintError, RefusedError
    from generator.output import blueprint_digest, recorded_blueprint

    recorded = recorded_blueprint(out_dir)
    if recorded is None:
        ui.note("the manifest records no blueprint digest (an older lzgen wrote it): "
                "cannot tell whether the output is current")
        return
    where, wanted = recorded
    found = settings.blueprint or out_dir / where
    if not found.is_file():
        ui.note(f"blueprint {where} (from {out_dir}) not found: cannot tell whether the "
                "output is current (pass --blueprint PATH)")
        return
    try:
        current = blueprint_digest(load(found))
    except BlueprintError:
        current = ""  # no longer even loads: certainly not what was generated
    if current == wanted:
        return
    if settings.allow_stale:
        ui.warn(f"{out_dir} was generated from another version of {found}: deploying it "
                "anyway (--allow-stale)")
        return
    raise RefusedError(f"{out_dir} was generated from another version of {found}: the "
                       "blueprint changed since `generate`",
                       f"run `lzgen generate {found} -o {out_dir}` and review it, or deploy "
                       "the output as it is with --allow-stale")


def deploy_locally(out_dir: Path, settings: DeploySettings, *,
                   console: Console | None = None) -> DeployReport:
    """Start a local emulator, deploy to it, stop it (a demonstration: nothing persists)."""
    from generator.aws.emulator.local import FAKE_CREDENTIALS, running_emulator
    from generator.aws.gateway import Gateway
    from generator.aws.manifest import load_manifest

    manifest = load_manifest(out_dir)
    with running_emulator() as endpoint:
        gateway = Gateway(region=manifest.home_region, endpoint_url=endpoint,
                          credentials=FAKE_CREDENTIALS)
        return deploy(out_dir, settings, console=console, gateway=gateway)


@dataclass
class ImportResult:
    path: Path
    organization_id: str
    findings: list[Finding]
    written: list[Path]


def _gateway(settings: DeploySettings, default_region: str) -> Gateway:
    from generator.aws.gateway import Gateway

    return Gateway(profile=settings.profile, region=settings.region or default_region,
                   endpoint_url=settings.endpoint_url)


def import_organization(path: Path, settings: DeploySettings, *, name: str | None = None,
                        gateway: Gateway | None = None) -> ImportResult:
    """Read the live organization and write it as a blueprint at `path` (with policies/).
    The blueprint is written even when it breaks checks; the findings are returned."""
    from generator.aws.importer import import_blueprint, render_blueprint, write_import
    from generator.aws.live import enabled_regions, read_live

    gateway = gateway or _gateway(settings, "us-east-1")
    live = read_live(gateway, enabled_regions(gateway))
    imported = import_blueprint(live, name=name, home_region=gateway.region)
    draft = render_blueprint(imported, live.organization_id)
    written = write_import(imported, draft, path)
    findings = check(load(path))
    if any(f.is_error for f in findings):
        written = write_import(imported, render_blueprint(imported, live.organization_id,
                                                          findings), path)
    return ImportResult(path, live.organization_id, sorted_findings(findings), written)


def drift(path: Path, settings: DeploySettings, *, tags: bool = False,
          gateway: Gateway | None = None) -> Diff:
    """How the live organization differs from the blueprint (BASE: the blueprint, HEAD: the
    organization as it is), in `lzgen diff`'s terms, without CloudFormation resources.
    Tags are compared only when `tags`: Organizations lists them one resource at a time."""
    from generator.aws.importer import live_organization
    from generator.aws.live import read_live
    from generator.diff import Diff
    from generator.diff.effective import compare_effective
    from generator.diff.organization import compare_organization
    from generator.diff.picture import diff_chart

    org = load(path)
    findings = check(org)
    if any(f.is_error for f in findings):
        raise FindingsError(findings)
    gateway = gateway or _gateway(settings, org.blueprint.organization.home_region)
    live = read_live(gateway, org.blueprint.organization.regions, tags=tags)
    if live.unknown_policy_types:
        raise AwsError(f"the organization has policy types this lzgen does not know "
                       f"({', '.join(live.unknown_policy_types)}); drift cannot compare "
                       "their policies", "upgrade lzgen")
    actual = live_organization(live, org)
    changes, matches = compare_organization(org, actual, live=True)
    changes += _config_in_member_accounts(org, gateway)
    effective = compare_effective(org, actual, matches)
    chart = diff_chart(org, actual, matches, changes)
    head = f"organization {live.organization_id}" + (
        "" if tags else " (tags not compared: lzgen drift --tags)")
    return Diff(str(path), head, tuple(changes),
                tuple(effective), (), chart, command="lzgen drift")


def _config_in_member_accounts(org: Organization, gateway: Gateway) -> list[Change]:
    """With `services.config.recorder: external`, AWS Config in every member account, verified
    again in full (no record): accounts without the recorder the external owner must keep
    (generator/aws/recorders.py). Where lzgen records Config itself, its StackSet owns the
    recorder, so there is nothing outside lzgen to drift and no account is read."""
    from generator.aws import recorders
    from generator.baseline import config_recorder, needs_config_recording
    from generator.synth.config import external_recorder

    if not needs_config_recording(org) or config_recorder(org) != "external":
        return []
    kind, precondition = recorders.EXTERNAL, external_recorder(org)
    check = recorders.from_check(kind, precondition.check,
                                 org.blueprint.organization.home_region)
    accounts = gateway.pages("organizations", "ListAccounts", "Accounts")
    found = recorders.MemberRecorders(check, gateway, accounts, refresh=True).verify()
    return recorders.drift_changes(check, found.findings)
