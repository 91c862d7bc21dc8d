"""What `generate` wrote, read back for deploy: manifest.json and the templates it lists.

A template that no longer matches the hash the manifest recorded was edited after `generate`:
deploy refuses it, so that what runs is what was reviewed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.contract import MANIFEST, MANIFEST_FORMAT, TOKEN
from generator.errors import UsageError
from generator.jsonio import compact_json

PHASES = ("prepare", "after")


@dataclass(frozen=True)
class StackPlan:
    name: str
    stack_name: str
    file: str
    region: str
    template: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    parameters: dict[str, str] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        """The template as sent to CloudFormation: compact JSON (the inline limit counts
        bytes, and the layout of the reviewed file carries no meaning)."""
        return compact_json(self.template)

    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template.get("Resources") or {}
        return resources


@dataclass(frozen=True)
class StepPlan:
    phase: str
    service: str
    action: str
    parameters: dict[str, Any]
    reason: str
    region: str = ""  # "" for the home region
    check: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.service, self.action)

    def __str__(self) -> str:
        """One short line: the call and its first parameters, accounts by name."""
        shown = [f"{k}={_short(v)}" for k, v in sorted(self.parameters.items())]
        if len(shown) > _SHOWN:
            shown = [*shown[:_SHOWN], "…"]
        where = f" in {self.region}" if self.region else ""
        return " ".join([self.service, self.action, *shown]) + where


_SHOWN = 3


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else compact_json(value)
    text = TOKEN.sub(lambda m: m.group(2) or m.group(1), text)
    return text if len(text) <= 60 else text[:59] + "…"


@dataclass(frozen=True)
class StackSetPlan:
    name: str
    stack: str
    logical_id: str


@dataclass(frozen=True)
class OverridePlan:
    """Per-account parameter values of one StackSet's instances, accounts by name."""

    stackset: str
    stack_set_name: str
    regions: tuple[str, ...]
    accounts: dict[str, dict[str, str]]


@dataclass(frozen=True)
class PreconditionPlan:
    """Something the output relies on but does not create, as generate described it
    (generator/synth/types.py Precondition); deploy verifies those it knows."""

    id: str
    what: str
    check: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    folder: Path
    organization: str
    home_region: str
    regions: tuple[str, ...]
    stacks: tuple[StackPlan, ...]
    stacksets: tuple[StackSetPlan, ...]
    steps: tuple[StepPlan, ...]
    overrides: tuple[OverridePlan, ...] = ()
    preconditions: tuple[PreconditionPlan, ...] = ()

    def phase(self, name: str) -> list[StepPlan]:
        return [step for step in self.steps if step.phase == name]

    def precondition(self, ident: str) -> PreconditionPlan | None:
        return next((p for p in self.preconditions if p.id == ident), None)

    def stacksets_of(self, stack: str) -> list[StackSetPlan]:
        return [s for s in self.stacksets if s.stack == stack]

    def overrides_of(self, stack_set: StackSetPlan) -> list[OverridePlan]:
        return [o for o in self.overrides if o.stackset == stack_set.name]


def load_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    regenerate = f"run `lzgen generate BLUEPRINT -o {folder}` first"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise UsageError(f"{path}: not found", regenerate) from error
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: cannot be read ({error})", regenerate) from error
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise UsageError(f"{path}: not a manifest of format {MANIFEST_FORMAT}",
                         f"this lzgen writes format {MANIFEST_FORMAT}: {regenerate}")
    try:
        return _manifest(folder, data)
    except (KeyError, TypeError) as error:
        raise UsageError(f"{path}: missing or malformed entry {error}", regenerate) from error


def _manifest(folder: Path, data: dict[str, Any]) -> Manifest:
    home = str(data["home_region"])
    stacks = [_stack(folder, entry, home) for entry in data["stacks"]]
    by_name = {stack.name: stack for stack in stacks}
    order = [str(name) for name in data.get("deploy_order") or by_name]
    return Manifest(
        folder=folder,
        organization=str(data["organization"]),
        home_region=home,
        regions=tuple(data.get("regions") or [home]),
        stacks=tuple(by_name[name] for name in order),
        stacksets=tuple(StackSetPlan(str(s["name"]), str(s["stack"]), str(s["logical_id"]))
                        for s in data.get("stacksets") or []),
        steps=tuple(_step(entry, home) for entry in data.get("api_steps") or []),
        overrides=tuple(OverridePlan(
            stackset=str(o["stackset"]), stack_set_name=str(o["stack_set_name"]),
            regions=tuple(o.get("regions") or [home]),
            accounts={str(name): {str(k): str(v) for k, v in values.items()}
                      for name, values in (o.get("accounts") or {}).items()})
            for o in data.get("stackset_overrides") or []),
        preconditions=tuple(PreconditionPlan(str(p["id"]), str(p.get("what", "")),
                                             dict(p.get("check") or {}))
                            for p in data.get("preconditions") or []),
    )


def _stack(folder: Path, entry: dict[str, Any], home: str) -> StackPlan:
    file = str(entry["file"])
    path = folder / file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot be read ({error.strerror})",
                         "generate the output folder again") from error
    recorded = entry.get("sha256")
    if recorded and hashlib.sha256(text.encode()).hexdigest() != recorded:
        raise UsageError(f"{path}: changed since `generate` wrote it",
                         "deploy only what was generated and reviewed: edit the blueprint and "
                         "generate again")
    return StackPlan(
        name=str(entry["name"]),
        stack_name=str(entry["stack_name"]),
        file=file,
        region=str(entry.get("region") or home),
        template=json.loads(text),
        depends_on=tuple(entry.get("depends_on") or ()),
        parameters={str(k): str(v) for k, v in (entry.get("parameters") or {}).items()},
        capabilities=tuple(entry.get("capabilities") or ()),
    )


def _step(entry: dict[str, Any], home: str) -> StepPlan:
    phase = str(entry["phase"])
    if phase not in PHASES:
        raise TypeError(f"api step phase {phase!r}")
    return StepPlan(
        phase=phase,
        service=str(entry["service"]),
        action=str(entry["action"]),
        parameters=dict(entry.get("parameters") or {}),
        reason=str(entry.get("reason", "")),
        region="" if entry.get("region") == home else str(entry.get("region") or ""),
        check=dict(entry.get("check") or {}),
    )
