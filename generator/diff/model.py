"""What `lzgen diff` finds, as frozen data; the writers in generator/diff/writers.py render it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from generator.documents.chart import Chart


class Risk(StrEnum):
    """How much attention a change needs, from least to most."""

    ROUTINE = "routine"
    WEAKENS = "weakens-security"
    DESTRUCTIVE = "destructive"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @property
    def words(self) -> str:
        return _TITLES[self]


_RANKS = {Risk.ROUTINE: 0, Risk.WEAKENS: 1, Risk.DESTRUCTIVE: 2}
_TITLES = {Risk.ROUTINE: "routine", Risk.WEAKENS: "weakens security",
           Risk.DESTRUCTIVE: "destructive"}


def highest(risks: Iterable[Risk]) -> Risk | None:
    return max(risks, key=lambda r: r.rank, default=None)


@dataclass(frozen=True, slots=True)
class Change:
    """One change to the organization in the blueprint's own terms."""

    kind: str  # organization, ou, account, policy, full_aws_access, or a blueprint section
    action: str  # added, removed, renamed, moved, changed, attached, detached, ...
    subject: str  # the name in HEAD (in BASE when removed)
    summary: str
    risk: Risk
    reason: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A policy (of `type`, a blueprint policy type) and the targets on an account's chain it
    is attached to."""

    name: str
    via: tuple[str, ...]
    type: str


@dataclass(frozen=True, slots=True)
class EffectiveChange:
    """What changes for some accounts through inheritance (accounts with the same change are
    grouped)."""

    accounts: tuple[str, ...]
    new_accounts: bool
    added: tuple[PolicyRef, ...]  # policies of every type that newly apply (new accounts: all)
    removed: tuple[PolicyRef, ...]  # policies of every type that stop applying
    tag_changes: tuple[str, ...]
    tag_before: Mapping[str, Any] | None
    tag_after: Mapping[str, Any] | None
    risk: Risk
    reason: str


@dataclass(frozen=True, slots=True)
class ResourceChange:
    """One CloudFormation resource that changes, and what CloudFormation will do to it.

    `effect` is one of: create, delete, retain (removed from the template but kept: it leaves
    CloudFormation's management), update, replace, move (an account that one stack retains and
    a new stack imports), refused (the resource provider rejects the update, so the stack
    update fails).
    """

    stack: str
    logical_id: str
    resource_type: str
    action: str  # added, removed, modified, moved
    effect: str
    risk: Risk
    reason: str
    properties: tuple[str, ...] = ()
    from_stack: str = ""
    companion_of: str = ""  # set on an ID parameter that only follows its owner's change


@dataclass(frozen=True, slots=True)
class Diff:
    base: str
    head: str
    changes: tuple[Change, ...] = ()
    effective: tuple[EffectiveChange, ...] = ()
    resources: tuple[ResourceChange, ...] = ()
    chart: Chart = field(default_factory=lambda: Chart(()))
    command: str = "lzgen diff"  # the command whose result this is, for the header

    @property
    def is_empty(self) -> bool:
        return not (self.changes or self.effective or self.resources)

    @property
    def risk(self) -> Risk | None:
        """The highest risk of any change; None when nothing changes."""
        return highest([c.risk for c in self.changes] + [e.risk for e in self.effective]
                       + [r.risk for r in self.resources])

    def counts(self) -> dict[str, dict[Risk, int]]:
        """Per section, how many changes of each risk: effective policies count accounts, and
        ID parameters that only follow their owner are not counted."""
        sections: dict[str, list[Risk]] = {
            "organization": [c.risk for c in self.changes],
            "effective policies": [e.risk for e in self.effective for _ in e.accounts],
            "CloudFormation resources": [r.risk for r in self.resources if not r.companion_of],
        }
        return {name: {risk: risks.count(risk) for risk in Risk}
                for name, risks in sections.items()}
