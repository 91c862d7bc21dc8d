"""Turn a build into files, and write them deterministically and atomically."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import fields
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import Any

from generator import __version__
from generator.build.types import ORGANIZATION_ID, ROOT_ID, ApiStep, Build
from generator.errors import UsageError
from generator.lint import LintJob
from generator.model import Organization

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
DEPLOYER_POLICY = "deployer-policy.json"
_TOKEN = re.compile(r"(\{\{lzgen:([a-z-]+)(?::[^{}]*)?\}\})")

# A document renderer returns the documents it writes (relative path -> text), or none.
DocumentRenderer = Callable[[Organization, Build], Mapping[str, str]]


def document_renderers() -> list[DocumentRenderer]:
    """Everything output/ holds beside templates and manifest: runbooks, guides."""
    from generator.docs.organization import organization_readme
    from generator.runbooks import root_credentials

    return [organization_readme, root_credentials]


# Characters a YAML 1.1 reader takes for line breaks, even inside a JSON string: a template
# reader that tries YAML first (moto's does) would fold them and the spaces before them.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _escape_line_breaks(text: str) -> str:
    for char, escape in _LINE_BREAKS.items():
        text = text.replace(char, escape)  # JSON text holds them only inside strings
    return text


def dump_json(data: Any) -> str:
    """The one JSON layout of every file lzgen writes: sorted keys, two spaces, final newline.

    Byte for byte `json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)`, written
    twice as fast: with an indent, json.dumps cannot use its C encoder, and the 16 MB that
    5,000 accounts produce took a second. Data it does not expect goes to json.dumps itself.
    """
    parts: list[str] = []
    try:
        _encode(data, "", parts.append)
    except (_Unexpected, TypeError):  # TypeError: a key that is not a string
        return _escape_line_breaks(json.dumps(data, indent=2, sort_keys=True,
                                              ensure_ascii=False)) + "\n"
    parts.append("\n")
    return _escape_line_breaks("".join(parts))


class _Unexpected(Exception):
    """A value this encoder leaves to json.dumps (an object it does not know)."""


def _encode(value: Any, indent: str, write: Callable[[str], object]) -> None:
    if isinstance(value, str):
        write(_quote(value))
    elif isinstance(value, dict):
        _encode_items(value, indent, write)
    elif isinstance(value, list | tuple):
        if not value:
            write("[]")
            return
        inner = indent + "  "
        write("[\n" + inner)
        for index, item in enumerate(value):
            if index:
                write(",\n" + inner)
            _encode(item, inner, write)
        write("\n" + indent + "]")
    elif value is None or isinstance(value, bool | float):
        write(json.dumps(value))
    elif isinstance(value, int):
        write(int.__repr__(value))
    else:
        raise _Unexpected


def _encode_items(value: dict[Any, Any], indent: str, write: Callable[[str], object]) -> None:
    if not value:
        write("{}")
        return
    inner = indent + "  "
    write("{\n" + inner)
    for index, key in enumerate(sorted(value)):
        if index:
            write(",\n" + inner)
        write(_quote(key) + ": ")
        _encode(value[key], inner, write)
    write("\n" + indent + "}")


def compact_json(data: Any) -> str:
    return _escape_line_breaks(json.dumps(data, sort_keys=True, separators=(",", ":"),
                                          ensure_ascii=False))


def stack_file(name: str) -> str:
    return f"stacks/{name}.json"


def stackset_file(name: str) -> str:
    return f"stacksets/{name}.json"


def stack_name(org: Organization, name: str) -> str:
    return f"lzgen-{org.blueprint.organization.name}-{name}"


def render_files(org: Organization, build: Build) -> dict[str, str]:
    """Relative path -> text of every file of output/, templates and manifest included."""
    files: dict[str, str] = {}
    for stack in build.stacks:
        files[stack_file(stack.name)] = dump_json(stack.template)
    for body in build.stacksets:
        files[stackset_file(body.name)] = dump_json(body.template)
    for renderer in document_renderers():
        files.update(renderer(org, build))
    manifest = _manifest(org, build, files)
    files[MANIFEST] = dump_json(manifest)
    files[DEPLOYER_POLICY] = dump_json(_deployer_policy(manifest, build))
    return dict(sorted(files.items()))


def _deployer_policy(manifest: dict[str, Any], build: Build) -> dict[str, Any]:
    from generator.aws.policy import deployer_policy

    return deployer_policy(manifest, {s.name: s.template for s in build.stacks})


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


def _manifest(org: Organization, build: Build, files: Mapping[str, str]) -> dict[str, Any]:
    from generator.build.stacksets import stackset_name

    settings = org.blueprint.organization
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "generator": f"lzgen {__version__}",
        "organization": settings.name,
        "home_region": settings.home_region,
        "regions": settings.regions,
        "deploy_order": [s.name for s in build.stacks],
        "stacks": [{
            "name": s.name,
            "stack_name": stack_name(org, s.name),
            "file": stack_file(s.name),
            "sha256": hashlib.sha256(files[stack_file(s.name)].encode()).hexdigest(),
            "region": s.region,
            "description": s.description,
            "depends_on": s.depends_on,
            "parameters": s.parameters,
            "capabilities": s.capabilities,
            "resources": len(s.template.get("Resources", {})),
        } for s in build.stacks],
        "stacksets": [{"name": b.name, "stack_set_name": stackset_name(org, b.name),
                       "file": stackset_file(b.name), "stack": b.stack,
                       "logical_id": b.logical_id, "regions": b.regions, "targets": b.targets}
                      for b in build.stacksets],
        "stackset_overrides": [{
            "stackset": o.stackset,
            "stack_set_name": stackset_name(org, o.stackset),
            "regions": o.regions,
            "accounts": o.accounts,
        } for o in build.stackset_overrides],
        "api_steps": [_step_data(step) for step in build.api_steps],
    }
    manifest["tokens"] = _tokens_used(manifest)
    return manifest


def _tokens_used(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Each deploy-time token the manifest uses, with what deploy replaces it by."""
    from generator.build.types import TOKENS, account_id

    generic = {"root-id": ROOT_ID, "organization-id": ORGANIZATION_ID,
               "account-id": account_id("NAME")}
    found = sorted(set(_TOKEN.findall(json.dumps(manifest))))
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
