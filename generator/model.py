"""The organization the blueprint describes, resolved: OU paths, references, policy documents.

Resolution never raises for a wrong reference: it records it, and the checks report it with
its place in the blueprint. Every collection is sorted, so that the order in which a blueprint
lists its mappings never changes the output.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path as FsPath
from typing import Any

from generator.blueprint.loader import Document
from generator.blueprint.schema import Account, Blueprint, Environment, OrganizationalUnit, Policy
from generator.findings import Finding, KeyPath, Location, Severity
from generator.quotas import Quotas

ROOT = "root"


# CloudFormation allows 255 characters in a logical ID; the longest name lzgen derives from
# one adds "IdParameter" (ids.py), so logical IDs themselves stop at 240.
MAX_LOGICAL_ID = 240


def pascal(text: str) -> str:
    """A CloudFormation-safe PascalCase form of a name: 'log-archive' -> 'LogArchive'."""
    parts = re.split(r"[^0-9A-Za-z]+", text)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def logical_id(prefix: str, name: str) -> str:
    """`prefix` + the PascalCase name, shortened with a hash of it when it would be too long
    (five levels of 128-character OU names make a path of over 600 characters)."""
    full = prefix + pascal(name)
    if len(full) <= MAX_LOGICAL_ID:
        return full
    digest = hashlib.sha256(full.encode("utf-8")).hexdigest()[:12].upper()
    return full[: MAX_LOGICAL_ID - len(digest)] + digest


@dataclass(frozen=True)
class Ou:
    path: str
    name: str
    parent: str  # ROOT or a parent path
    depth: int
    spec: OrganizationalUnit
    # Where the OU is written: kept from the tree walk, since a name may itself hold a '/'
    # (LZ110 refuses it, and must point at it).
    yaml_path: KeyPath = ()

    @property
    def logical_id(self) -> str:
        return logical_id("Ou", self.path)


@dataclass(frozen=True)
class Target:
    """One entry of a policy's `attach` list."""

    kind: str  # "root", "ou", "account" or "unknown"
    name: str
    index: int

    @property
    def key(self) -> str:
        return ROOT if self.kind == ROOT else f"{self.kind}:{self.name}"


@dataclass
class ResolvedPolicy:
    name: str
    spec: Policy
    document: dict[str, Any] | None
    targets: list[Target]
    origin: KeyPath = ()  # where the blueprint defines it, when not under `policies`

    @property
    def logical_id(self) -> str:
        return logical_id("Policy", self.name)

    @property
    def yaml_path(self) -> KeyPath:
        return self.origin or ("policies", self.name)


@dataclass
class Organization:
    blueprint: Blueprint
    doc: Document
    ous: dict[str, Ou]
    policies: dict[str, ResolvedPolicy]
    problems: list[Finding] = field(default_factory=list)

    @cached_property
    def accounts(self) -> dict[str, Account]:
        return dict(sorted(self.blueprint.accounts.items()))

    @cached_property
    def quotas(self) -> Quotas:
        return Quotas(self.blueprint.quotas)

    def locate(self, path: KeyPath) -> Location:
        return self.doc.locate(path)

    def ancestors(self, ou_path: str) -> list[str]:
        """OU paths from the top level down to `ou_path` itself (empty for the root)."""
        if ou_path == ROOT or ou_path not in self.ous:
            return []
        chain: list[str] = []
        current = ou_path
        while current != ROOT:
            chain.append(current)
            current = self.ous[current].parent
        return chain[::-1]

    def chain_for_account(self, name: str) -> list[str]:
        """Target keys from the root down to the account: root, ou:..., account:NAME."""
        account = self.blueprint.accounts[name]
        return [ROOT, *(f"ou:{p}" for p in self.ancestors(account.ou)), f"account:{name}"]

    def chain_for_ou(self, path: str) -> list[str]:
        return [ROOT, *(f"ou:{p}" for p in self.ancestors(path))]

    def environment_of_ou(self, path: str) -> Environment | None:
        """The nearest environment declared on the OU or its ancestors."""
        for ancestor in reversed(self.ancestors(path)):
            if self.ous[ancestor].spec.environment is not None:
                return self.ous[ancestor].spec.environment
        return None

    @cached_property
    def attachments(self) -> dict[str, list[str]]:
        """Target key -> names of the policies attached directly to it (sorted)."""
        result: dict[str, list[str]] = {}
        for policy in self.policies.values():
            for target in policy.targets:
                result.setdefault(target.key, []).append(policy.name)
        return {k: sorted(v) for k, v in sorted(result.items())}

    def policies_on(self, target_key: str, policy_type: str) -> list[ResolvedPolicy]:
        names = self.attachments.get(target_key, [])
        return [self.policies[n] for n in names if self.policies[n].spec.type == policy_type]

    def children_of(self, parent: str) -> list[Ou]:
        return [ou for ou in self.ous.values() if ou.parent == parent]


def resolve(blueprint: Blueprint, doc: Document) -> Organization:
    ous: dict[str, Ou] = {}
    _collect_ous(blueprint.organizational_units, ROOT, 1, ous)
    problems: list[Finding] = []
    policies = {
        name: ResolvedPolicy(name, spec, _document(name, spec, doc, problems),
                             [_target(entry, i) for i, entry in enumerate(spec.attach)])
        for name, spec in sorted(blueprint.policies.items())
    }
    strategy = _tagging_policy(blueprint)
    if strategy is not None:
        policies = dict(sorted({**policies, strategy.name: strategy}.items()))
    return Organization(blueprint, doc, dict(sorted(ous.items())), policies, problems)


def _tagging_policy(blueprint: Blueprint) -> ResolvedPolicy | None:
    """The tag policy of the `tagging` section. A policy of the same name under `policies`
    wins, and a rule AWS would refuse leaves the document out: check LZ312 reports both."""
    from generator.policies.errors import PolicyParamError
    from generator.policies.strategy import TAGGING_POLICY, tagging_document

    tagging = blueprint.tagging
    if tagging is None or not tagging.tags or TAGGING_POLICY in blueprint.policies:
        return None
    document: dict[str, Any] | None
    try:
        document = tagging_document(tagging)
    except PolicyParamError:
        document = None
    spec = Policy(type="tag", content=document or {"tags": {}}, attach=list(tagging.attach),
                  description="The tagging strategy of the blueprint's tagging section")
    return ResolvedPolicy(TAGGING_POLICY, spec, document,
                          [_target(entry, i) for i, entry in enumerate(tagging.attach)],
                          ("tagging",))


def _collect_ous(tree: dict[str, OrganizationalUnit], parent: str, depth: int,
                 into: dict[str, Ou], where: KeyPath = ("organizational_units",)) -> None:
    for name, spec in tree.items():
        path = name if depth == 1 else f"{parent}/{name}"
        into[path] = Ou(path, name, parent, depth, spec, (*where, name))
        _collect_ous(spec.children, path, depth + 1, into, (*where, name, "children"))


def _target(entry: str, index: int) -> Target:
    if entry == ROOT:
        return Target(ROOT, ROOT, index)
    kind, sep, name = entry.partition(":")
    if sep and kind in ("ou", "account") and name:
        return Target(kind, name, index)
    return Target("unknown", entry, index)


def _document(name: str, spec: Policy, doc: Document,
              problems: list[Finding]) -> dict[str, Any] | None:
    where = ("policies", name)
    if spec.content is not None:
        return spec.content
    if spec.file is not None:
        return _read_policy_file(spec.file, doc, (*where, "file"), problems)
    from generator.policies.library import PolicyParamError, render

    assert spec.builtin is not None
    try:
        return render(spec.builtin, spec.parameters)
    except PolicyParamError as exc:
        sub = (*where, "parameters", exc.param) if exc.param else (*where, "builtin")
        problems.append(Finding("LZ103", Severity.ERROR, f"policy '{name}': {exc.message}",
                                exc.hint, doc.locate(sub), sub))
        return None


def _read_policy_file(relative: str, doc: Document, where: KeyPath,
                      problems: list[Finding]) -> dict[str, Any] | None:
    def fail(message: str, hint: str, location: Location | None = None) -> None:
        problems.append(Finding("LZ104", Severity.ERROR, message, hint,
                                location or doc.locate(where), where))

    base = doc.base_dir.resolve()
    try:
        candidate = (base / relative).resolve()
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long, a symlink loop
        fail(f"policy file path '{relative}' cannot be used: {exc}", "write a plain relative "
             "path to a JSON file next to the blueprint")
        return None
    if FsPath(relative).is_absolute() or not candidate.is_relative_to(base):
        fail(f"policy file '{relative}' is outside the blueprint's folder",
             "keep policy files in the blueprint's folder or below it")
        return None
    try:
        if not candidate.exists():
            fail(f"policy file '{relative}' does not exist", f"create {candidate}")
            return None
        if not candidate.is_file():
            fail(f"policy file '{relative}' is not a regular file", "point at a JSON file")
            return None
        with candidate.open("rb") as stream:
            raw = stream.read(MAX_POLICY_FILE_BYTES + 1)
        if len(raw) > MAX_POLICY_FILE_BYTES:
            fail(f"policy file '{relative}' is larger than {MAX_POLICY_FILE_BYTES:,} bytes",
                 "a policy is at most about 10,000 characters; is this the right file?")
            return None
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"policy file '{relative}' cannot be read: {exc}", "save it as UTF-8 JSON")
        return None
    except json.JSONDecodeError as exc:
        fail(f"policy file is not valid JSON: {exc.msg}", "fix the JSON syntax",
             Location(str(candidate), exc.lineno, exc.colno))
        return None
    except (ValueError, RecursionError) as exc:  # NaN, a 5,000-digit number, deep nesting
        fail(f"policy file '{relative}' cannot be used: {exc}", "write a plain JSON policy")
        return None
    if not isinstance(data, dict):
        fail(f"policy file '{relative}' must hold a JSON object", "wrap the policy in { }")
        return None
    problem = _json_problem(data)
    if problem:
        fail(f"policy file '{relative}' {problem}", "write a plain JSON policy")
        return None
    return data


MAX_POLICY_FILE_BYTES = 1024 * 1024
_MAX_JSON_DEPTH = 32
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _json_problem(data: Any) -> str:
    """What makes loaded JSON unusable in a policy: deep nesting, non-finite numbers, or text
    that cannot be written back as UTF-8 (an unpaired surrogate escape)."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > _MAX_JSON_DEPTH:
            return f"is nested more than {_MAX_JSON_DEPTH} levels deep"
        if isinstance(node, dict):
            pending += [(key, depth + 1) for key in node]
            pending += [(value, depth + 1) for value in node.values()]
        elif isinstance(node, list):
            pending += [(item, depth + 1) for item in node]
        elif isinstance(node, float) and not math.isfinite(node):
            return f"holds a number too large to represent ({node})"
        elif isinstance(node, str) and _LONE_SURROGATE.search(node):
            return "holds an unpaired surrogate escape (\\ud800 to \\udfff)"
    return ""
