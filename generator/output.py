"""Turn a build into files, and write them deterministically and atomically."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from generator import __version__
from generator.contract import (
    DEPLOYER_POLICY,
    MANIFEST,
    MANIFEST_FORMAT,
    TOKEN,
    stack_file,
    stack_name,
    stackset_file,
)
from generator.errors import UsageError
from generator.jsonio import dump_json
from generator.lint import LintJob
from generator.model import Organization
from generator.synth.types import ORGANIZATION_ID, ROOT_ID, ApiStep, Build

# The deployer policy of a manifest and its templates (generator/aws/policy.py): deploy knows
# what its steps call, so the caller (generator/api.py) hands it in.
DeployerPolicy = Callable[[Mapping[str, Any], Mapping[str, dict[str, Any]]], dict[str, Any]]

# A document renderer returns the documents it writes (relative path -> text), or none.
DocumentRenderer = Callable[[Organization, Build], Mapping[str, str]]


def document_renderers() -> list[DocumentRenderer]:
    """Everything output/ holds beside templates and manifest: runbooks, guides."""
    from generator.documents.organization import organization_readme
    from generator.documents.runbooks import root_credentials

    return [organization_readme, root_credentials]


def render_files(org: Organization, build: Build,
                 deployer_policy: DeployerPolicy | None = None,
                 source: str | None = None) -> dict[str, str]:
    """Relative path -> text of every file of output/, templates and manifest included;
    `source`: the blueprint's path from the output folder, when known."""
    files: dict[str, str] = {}
    for stack in build.stacks:
        files[stack_file(stack.name)] = dump_json(stack.template)
    for body in build.stacksets:
        files[stackset_file(body.name)] = dump_json(body.template)
    for renderer in document_renderers():
        files.update(renderer(org, build))
    manifest = _manifest(org, build, files)
    if source is not None:
        manifest["blueprint"]["path"] = source
    files[MANIFEST] = dump_json(manifest)
    if deployer_policy is not None:
        files[DEPLOYER_POLICY] = dump_json(
            deployer_policy(manifest, {s.name: s.template for s in build.stacks}))
    return dict(sorted(files.items()))


def lint_jobs(org: Organization, build: Build, files: Mapping[str, str]) -> list[LintJob]:
    regions = tuple(org.blueprint.organization.regions)
    jobs = [LintJob(stack_file(s.name), files[stack_file(s.name)], (s.region,))
            for s in build.stacks]
    jobs += [LintJob(stackset_file(b.name), files[stackset_file(b.name)],
                     _same_order(tuple(b.regions), regions)) for b in build.stacksets]
    return jobs


def _same_order(wanted: tuple[str, ...], regions: tuple[str, ...]) -> tuple[str, ...]:
    """The regions a StackSet body runs in (all when unknown), in the organization's order
    when they are the same set: each distinct tuple costs a cfn-lint runner."""
    if not wanted or set(wanted) == set(regions):
        return regions
    return wanted


def blueprint_digest(org: Organization) -> str:
    """SHA-256 of what the blueprint says: its data and its policies' documents, as
    canonical JSON (so neither key order, comments nor YAML-versus-JSON change it)."""
    content = {"blueprint": org.doc.data,
               "policies": {name: policy.document for name, policy in org.policies.items()}}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def recorded_blueprint(out_dir: Path) -> tuple[str, str] | None:
    """(path from `out_dir`, digest) of the blueprint the manifest in `out_dir` was generated
    from (its file name alone when only `validate` ran)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        entry = manifest["blueprint"]
        return str(entry.get("path") or entry["file"]), str(entry["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _manifest(org: Organization, build: Build, files: Mapping[str, str]) -> dict[str, Any]:
    settings = org.blueprint.organization
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "generator": f"lzgen {__version__}",
        # deploy refuses the output once the blueprint says something else (--allow-stale)
        "blueprint": {"file": Path(org.doc.file).name, "sha256": blueprint_digest(org)},
        "organization": settings.name,
        "home_region": settings.home_region,
        "regions": settings.regions,
        "deploy_order": [s.name for s in build.stacks],
        "stacks": [{
            "name": s.name,
            "stack_name": stack_name(settings.name, s.name),
            "file": stack_file(s.name),
            "sha256": hashlib.sha256(files[stack_file(s.name)].encode()).hexdigest(),
            "region": s.region,
            "description": s.description,
            "depends_on": s.depends_on,
            "parameters": s.parameters,
            "capabilities": s.capabilities,
            "resources": len(s.template.get("Resources", {})),
        } for s in build.stacks],
        "stacksets": [{"name": b.name, "stack_set_name": stack_name(settings.name, b.name),
                       "file": stackset_file(b.name), "stack": b.stack,
                       "logical_id": b.logical_id, "regions": b.regions, "targets": b.targets}
                      for b in build.stacksets],
        "stackset_overrides": [{
            "stackset": o.stackset,
            "stack_set_name": stack_name(settings.name, o.stackset),
            "regions": o.regions,
            "accounts": o.accounts,
        } for o in build.stackset_overrides],
        "api_steps": [_step_data(step) for step in build.api_steps],
    }
    if build.preconditions:
        manifest["preconditions"] = [{f.name: getattr(p, f.name) for f in fields(p)}
                                     for p in build.preconditions]
    manifest["tokens"] = _tokens_used(manifest)
    return manifest


def _tokens_used(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Each deploy-time token the manifest uses, with what deploy replaces it by."""
    from generator.synth.types import TOKENS, account_id, anomaly_monitor

    generic = {"root-id": ROOT_ID, "organization-id": ORGANIZATION_ID,
               "account-id": account_id("NAME"), "anomaly-monitor": anomaly_monitor("DIMENSION")}
    found = sorted({(m.group(0), m.group(1)) for m in TOKEN.finditer(json.dumps(manifest))})
    return {token: TOKENS[generic[kind]] for token, kind in found if kind in generic}


def _step_data(step: ApiStep) -> dict[str, Any]:
    """The step's fields, sharing its values: dataclasses.asdict deep-copies every parameter,
    which costs seconds for the 20,000 steps of 5,000 accounts."""
    return {f.name: getattr(step, f.name) for f in fields(step)}


def check_output_folder(out_dir: Path) -> None:
    """Refuse an output path lzgen must not replace: a file, or a folder of other files."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a directory",
                         "choose another output folder with -o")
    for parent in out_dir.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{out_dir}: cannot write here ({parent} is a file)",
                                 "choose another output folder with -o")
            break
    if out_dir.is_dir() and not _replaceable(out_dir):
        raise UsageError(f"{out_dir}: is a folder with other files in it, not lzgen's output "
                         "(it has no lzgen manifest.json)",
                         "lzgen replaces its output folder entirely: choose a new or empty "
                         "folder with -o")


def write_atomically(out_dir: Path, files: Mapping[str, str]) -> None:
    """Write every file into a fresh folder beside `out_dir`, then swap it in.

    A failure before the swap leaves the previous output exactly as it was.
    """
    check_output_folder(out_dir)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=parent))
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write here ({exc.strerror})",
                         "choose a writable output folder with -o") from exc
    try:
        for relative, text in files.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
        _swap(staging, out_dir.resolve())
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replaceable(out_dir: Path) -> bool:
    """True for an empty folder or one that lzgen wrote (so `-o .` never wipes a project)."""
    try:
        if not any(out_dir.iterdir()):
            return True
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("generator", "")).startswith("lzgen")


def _swap(staging: Path, out_dir: Path) -> None:
    old: Path | None = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        out_dir.replace(old / "output")
    try:
        staging.replace(out_dir)
    except OSError:
        if old is not None:
            (old / "output").replace(out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
