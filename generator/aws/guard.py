"""Destructive changes found before anything runs, from the deployed and generated templates.

Change sets show a destructive change only for their own stack, and a stack's change set can
only be made once the stacks before it ran. To refuse *before* anything executes, deploy first
compares every deployed template with its generated one: an account, OU or policy that leaves
its stack (removed, renamed, or moved to another stack) or whose create-only property changes
(an OU's parent, a policy's type, an account's role name), and everything whose create-only
property refers to such a resource, would be replaced. Each change set is checked again before
it executes (`changes.destructive`), for what only AWS can tell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.aws.changes import GUARDED_TYPES
from generator.aws.moves import planned_moves

# Create-only properties (CloudFormation resource schemas, as bundled with cfn-lint). An
# account has none there, but its RoleName is only used when the account is created.
CREATE_ONLY: dict[str, tuple[str, ...]] = {
    "AWS::Organizations::OrganizationalUnit": ("ParentId",),
    "AWS::Organizations::Policy": ("Type",),
    "AWS::Organizations::Account": ("RoleName",),
}
_SSM_ID = "/ids/"

Templates = Mapping[str, dict[str, Any]]


@dataclass(frozen=True)
class Destructive:
    stack: str
    logical_id: str
    resource_type: str
    why: str

    def __str__(self) -> str:
        kind = self.resource_type.rsplit("::", 1)[-1]
        return f"{self.stack}: {kind} {self.logical_id} {self.why}"


def _guarded(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = template.get("Resources") or {}
    return {k: v for k, v in resources.items() if v.get("Type") in GUARDED_TYPES}


def _properties(resource: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = resource.get("Properties") or {}
    return properties


def destructive_changes(deployed: Templates, generated: Templates) -> list[Destructive]:
    """What deploying `generated` over `deployed` (both: stack name -> template) would
    remove or replace among accounts, OUs and policies."""
    home = {logical: stack for stack, template in generated.items()
            for logical in _guarded(template)}
    # Accounts moving to a new stack (a bucket split) are retained and imported: not lost.
    moving = {(m.source, m.logical_id) for m in planned_moves(deployed, generated)}
    found: list[Destructive] = []
    for stack, template in sorted(deployed.items()):
        if stack not in generated:
            continue  # deploy deletes such a stack only when a merge emptied it (moves.py)
        new_resources = _guarded(generated[stack])
        for logical, old in sorted(_guarded(template).items()):
            new = new_resources.get(logical)
            if (stack, logical) in moving:
                continue
            if new is None or new.get("Type") != old.get("Type"):
                elsewhere = home.get(logical)
                why = f"moves to stack {elsewhere}" if elsewhere else "is removed"
                found.append(Destructive(stack, logical, str(old["Type"]), why))
                continue
            for key in CREATE_ONLY.get(str(old["Type"]), ()):
                if _properties(old).get(key) != _properties(new).get(key):
                    found.append(Destructive(stack, logical, str(old["Type"]),
                                             f"is replaced ({key} changes)"))
                    break
    return found + _knock_on(deployed, generated, {d.logical_id for d in found})


def _knock_on(deployed: Templates, generated: Templates, gone: set[str]) -> list[Destructive]:
    """Resources replaced because a create-only property refers to a replaced resource
    (directly, or through the SSM parameter that carries its ID)."""
    found: list[Destructive] = []
    changed = True
    while changed:
        changed = False
        for stack, template in sorted(generated.items()):
            if stack not in deployed:
                continue
            existing = _guarded(deployed[stack])
            slots = template.get("Parameters") or {}
            for logical, resource in sorted(_guarded(template).items()):
                if logical in gone or logical not in existing:
                    continue
                for key in CREATE_ONLY.get(str(resource["Type"]), ()):
                    refs = _referenced(_properties(resource).get(key), slots)
                    if refs & gone:
                        gone.add(logical)
                        changed = True
                        found.append(Destructive(
                            stack, logical, str(resource["Type"]),
                            f"is replaced ({key} refers to {sorted(refs & gone)[0]}, which is "
                            "replaced)"))
                        break
    return found


def _referenced(value: Any, slots: dict[str, Any]) -> set[str]:
    """Logical IDs `value` refers to: Refs, and parameters that read an ID from SSM."""
    found: set[str] = set()
    if isinstance(value, dict):
        ref = value.get("Ref")
        if isinstance(ref, str):
            default = str((slots.get(ref) or {}).get("Default", ""))
            found.add(default.rsplit(_SSM_ID, 1)[1] if _SSM_ID in default else ref)
        for item in value.values():
            found |= _referenced(item, slots)
    elif isinstance(value, list):
        for item in value:
            found |= _referenced(item, slots)
    return found
