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


_ACTION_STYLE = {"Add": "green", "Modify": "yellow", "Remove": "red", "Import": "cyan"}


def changes_table(title: str, changes: list[ResourceChange]) -> Any:
    """A rich Table: resource, type, action, and for modifications replacement and the
    changed properties."""
    from rich import box
    from rich.table import Table

    modifies = any(c.action == "Modify" for c in changes)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("resource", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("action", no_wrap=True)
    if modifies:
        table.add_column("replacement", no_wrap=True)
        table.add_column("properties", overflow="fold")
    for change in changes:
        style = "bold red" if change.destructive else _ACTION_STYLE.get(change.action, "")
        row = [change.logical_id, change.resource_type.removeprefix("AWS::"),
               f"[{style}]{change.what if change.destructive else change.action}[/]"]
        if modifies:
            row += [change.replacement if change.action == "Modify" else "",
                    ", ".join(change.properties)]
        table.add_row(*row)
    return table
