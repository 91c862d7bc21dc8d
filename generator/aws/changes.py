"""A change set's changes as data, which of them are destructive, and a rich table of them.

Destructive means: an account, OU or policy would be removed or replaced. Removing an account
from its stack leaves it in the organization (lzgen retains accounts) but unmanaged; replacing
an OU or policy deletes the old one with its ID, and an account cannot be created again with
the same email. Deploy refuses such a change set unless `--allow-destructive`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GUARDED_TYPES = frozenset({
    "AWS::Organizations::Account",
    "AWS::Organizations::OrganizationalUnit",
    "AWS::Organizations::Policy",
})


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    resource_type: str
    action: str  # Add, Modify, Remove, Import, Dynamic
    replacement: str = ""  # True, False or Conditional (Modify only)
    physical_id: str = ""
    properties: tuple[str, ...] = ()  # the properties that change

    @property
    def replaces(self) -> bool:
        return self.action == "Modify" and self.replacement in ("True", "Conditional")

    @property
    def destructive(self) -> bool:
        return self.resource_type in GUARDED_TYPES and (self.action == "Remove" or self.replaces)

    @property
    def what(self) -> str:
        if self.action == "Remove":
            return "removed"
        if self.replacement == "True":
            return "replaced"
        if self.replacement == "Conditional":
            return "may be replaced"
        return self.action.lower()


def from_change_set(changes: Iterable[dict[str, Any]]) -> list[ResourceChange]:
    """DescribeChangeSet's Changes (every page) -> ResourceChanges, in AWS's order."""
    found: list[ResourceChange] = []
    for change in changes:
        resource = change.get("ResourceChange") or {}
        names = [str(d.get("Target", {}).get("Name", ""))
                 for d in resource.get("Details") or [] if d.get("Target", {}).get("Name")]
        found.append(ResourceChange(
            logical_id=str(resource.get("LogicalResourceId", "")),
            resource_type=str(resource.get("ResourceType", "")),
            action=str(resource.get("Action", "")),
            replacement=str(resource.get("Replacement") or ""),
            physical_id=str(resource.get("PhysicalResourceId") or ""),
            properties=tuple(sorted(set(names))),
        ))
    return found


def destructive(changes: Iterable[ResourceChange]) -> list[ResourceChange]:
    return [c for c in changes if c.destructive]


_ACTIONS = {"Add": "added", "Remove": "removed", "Modify": "modified"}
_RETAINED = ("Retain", "RetainExceptOnCreate")
ID_PARAMETER_SUFFIX = "IdParameter"  # generator/synth/ids.py: the SSM parameter of an ID


def as_diff(stack: str, change_set: str, changes: list[ResourceChange],
            old_resources: dict[str, Any]) -> Any:
    """The change set as a `generator.diff` Diff, so that deploy shows it with the writers of
    `lzgen diff`: the same words, risks and order (destructive first)."""
    from generator.diff.model import Diff, Risk
    from generator.diff.model import ResourceChange as DiffResource

    owners = {c.logical_id for c in changes}
    resources = []
    for change in changes:
        owner = change.logical_id.removesuffix(ID_PARAMETER_SUFFIX)
        companion = owner if owner != change.logical_id and owner in owners else ""
        retained = (old_resources.get(change.logical_id) or {}).get("DeletionPolicy") in _RETAINED
        resources.append(DiffResource(
            stack=stack, logical_id=change.logical_id,
            resource_type=change.resource_type,
            action=_ACTIONS.get(change.action, change.action.lower()),
            effect=_effect(change, retained),
            risk=Risk.DESTRUCTIVE if change.destructive else Risk.ROUTINE,
            reason=_reason(change, retained), properties=change.properties,
            companion_of=companion))
    return Diff(base=f"{stack} as deployed", head=f"change set {change_set}",
                resources=tuple(resources))


def _effect(change: ResourceChange, retained: bool) -> str:
    if change.action == "Add":
        return "create"
    if change.action == "Remove":
        return "retain" if retained else "delete"
    if change.action == "Modify":
        return "replace" if change.replaces else "update"
    return change.action.lower()


def _reason(change: ResourceChange, retained: bool) -> str:
    if change.action == "Add":
        return "new in the template"
    if change.action == "Remove":
        kept = "; kept in AWS (DeletionPolicy Retain) but no longer managed" if retained else ""
        refused = "; deploy refuses it without --allow-destructive" if change.destructive else ""
        return f"no longer in the template{kept}{refused}"
    if change.action == "Modify":
        how = {"True": "CloudFormation replaces it",
               "Conditional": "CloudFormation may replace it (decided while it runs)"}.get(
            change.replacement, "updated in place")
        refused = "; deploy refuses it without --allow-destructive" if change.destructive else ""
        return f"{how}{refused}"
    return f"change set action {change.action}"
