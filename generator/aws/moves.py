"""Accounts, OUs and policies that change stack because a bucket of the layout split or merged
back (synth/layout.py), and the templates that move them without deleting anything.

CloudFormation moves a resource between stacks in steps
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/refactor-stacks.html): the
source stack gets `DeletionPolicy: Retain` on the resource (an update of the template only,
which OUs and policies need: accounts always carry it), then drops it (the resource is kept),
then the target stack imports it by its identifier with an IMPORT change set. The target may
be a new stack (created by the import) or one that exists (a merge): an IMPORT change set on
an existing stack holds the stack's whole template as deployed plus the resources to import,
and nothing else may change in it
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import.html); the
rest of the target's update is the ordinary change set that follows.

Deploy (aws/deploy.py) retains and releases every move's resources before any stack's
ordinary update (stacks that read a leaving resource's ID first: `release_order`; a merged
bucket's stack, left empty, is deleted instead), and each target imports its resources just
before its own update, once the stacks it depends on are done. An interruption between
release and import leaves the resources unmanaged but alive; deploy records each move before
releasing it (aws/applied.py), so that a rerun finds them (`resumed_moves`) and imports them.
"""

from __future__ import annotations

import copy
import graphlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.aws.changes import GUARDED_TYPES

ACCOUNT_TYPE = "AWS::Organizations::Account"
RETAINED = ("Retain", "RetainExceptOnCreate")
RELEASED = "(released)"  # the source of a move resumed after its release
_SSM_ID = "/ids/"  # generator/synth/ids.py: where a stack publishes an ID for other stacks
# Create-only properties (CloudFormation resource schemas): a resource whose create-only
# property changes is replaced, not moved (aws/guard.py refuses it).
_CREATE_ONLY: dict[str, tuple[str, ...]] = {
    "AWS::Organizations::OrganizationalUnit": ("ParentId",),
    "AWS::Organizations::Policy": ("Type",),
    "AWS::Organizations::Account": ("RoleName",),
}

Templates = Mapping[str, dict[str, Any]]


@dataclass(frozen=True)
class Move:
    logical_id: str
    source: str  # stack (plan name) that gives the resource up; RELEASED once it has
    target: str  # stack that imports it (new, or existing when buckets merge)
    resource_type: str = ACCOUNT_TYPE

    def __str__(self) -> str:
        return f"{self.logical_id}: {self.source} -> {self.target}"


def resources_of(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.get("Resources") or {}
    return found


def _create_only(resource: Mapping[str, Any]) -> list[Any]:
    properties = resource.get("Properties") or {}
    return [properties.get(key) for key in _CREATE_ONLY.get(str(resource.get("Type")), ())]


def planned_moves(deployed: Templates, generated: Templates) -> list[Move]:
    """Accounts, OUs and policies that leave a deployed stack for another generated stack
    (both mappings: stack plan name -> template; a deployed stack that is not generated is a
    bucket that merged back), with the same type and create-only properties (otherwise it is
    a replacement), and that the target does not hold yet."""
    home = {logical: (stack, resource) for stack, template in generated.items()
            for logical, resource in resources_of(template).items()
            if resource.get("Type") in GUARDED_TYPES}
    moves = []
    for stack, template in sorted(deployed.items()):
        staying = resources_of(generated.get(stack) or {})  # none: a retired (merged) bucket
        for logical, resource in sorted(resources_of(template).items()):
            if resource.get("Type") not in GUARDED_TYPES or logical in staying:
                continue
            target, wanted = home.get(logical, ("", {}))
            if (target and wanted.get("Type") == resource.get("Type")
                    and _create_only(wanted) == _create_only(resource)
                    and logical not in resources_of(deployed.get(target) or {})):
                moves.append(Move(logical, stack, target, str(resource["Type"])))
    return moves


def resumed_moves(deployed: Templates, generated: Templates,
                  released: Iterable[str]) -> list[Move]:
    """Resources of `released` (logical IDs whose move deploy recorded) that a generated stack
    holds and no deployed stack does: their source let them go and the import did not happen
    (an interrupted deploy). The import finds them by identifier, if they exist."""
    managed = {logical for template in deployed.values() for logical in resources_of(template)}
    wanted = set(released) - managed
    return [Move(logical, RELEASED, stack, str(resource["Type"]))
            for stack, template in sorted(generated.items())
            for logical, resource in sorted(resources_of(template).items())
            if logical in wanted and resource.get("Type") in GUARDED_TYPES]


def release_order(leaving: Mapping[str, Iterable[str]], deployed: Templates) -> list[str]:
    """The source stacks in the order they let go: letting a resource go also removes the SSM
    parameter that publishes its ID, and a stack whose parameters read that ID could not be
    updated until the target publishes it again. So a stack that reads an ID another source
    lets go goes first (a cycle, which lzgen's layout never makes, falls back to name order)."""
    given = {logical: source for source, ids in leaving.items() for logical in ids}
    graph: dict[str, set[str]] = {source: set() for source in leaving}
    for source in leaving:
        for logical in _ids_read(deployed.get(source) or {}):
            producer = given.get(logical)
            if producer is not None and producer != source:
                graph[producer].add(source)  # the producer waits for its reader
    try:
        return list(graphlib.TopologicalSorter(
            {k: sorted(v) for k, v in sorted(graph.items())}).static_order())
    except graphlib.CycleError:
        return sorted(leaving)


def _ids_read(template: Mapping[str, Any]) -> set[str]:
    slots: dict[str, Any] = template.get("Parameters") or {}
    return {str(slot.get("Default", "")).rsplit(_SSM_ID, 1)[1] for slot in slots.values()
            if _SSM_ID in str(slot.get("Default", ""))}


def unretained(template: Mapping[str, Any], leaving: Iterable[str]) -> list[str]:
    resources = resources_of(template)
    return sorted(logical for logical in leaving
                  if logical in resources
                  and resources[logical].get("DeletionPolicy") not in RETAINED)


def with_retain(template: Mapping[str, Any], logical_ids: Iterable[str]) -> dict[str, Any]:
    """`template` with DeletionPolicy and UpdateReplacePolicy Retain on `logical_ids`: the
    template-only update that lets the source stack drop them without deleting them."""
    result = copy.deepcopy(dict(template))
    for logical in logical_ids:
        result["Resources"][logical].update(DeletionPolicy="Retain",
                                            UpdateReplacePolicy="Retain")
    return result


def without(template: Mapping[str, Any], leaving: Iterable[str]) -> dict[str, Any]:
    """`template` (as deployed) without `leaving`, and without what refers to them (the SSM
    parameters that publish their IDs, outputs): the update that releases them, and only them.
    The target publishes their IDs again once it holds them."""
    result = copy.deepcopy(dict(template))
    resources = resources_of(result)
    gone = set(leaving)
    changed = True
    while changed:  # what refers to something removed goes too
        changed = False
        for logical, resource in list(resources.items()):
            if logical not in gone and _refers(resource.get("Properties"), gone):
                gone.add(logical)
                changed = True
    for logical in gone:
        resources.pop(logical, None)
    for resource in resources.values():
        after = [d for d in _as_list(resource.get("DependsOn")) if d not in gone]
        if "DependsOn" in resource:
            resource.pop("DependsOn")
            if after:
                resource["DependsOn"] = after
    outputs = result.get("Outputs") or {}
    for name in [n for n, output in outputs.items() if _refers(output, gone)]:
        outputs.pop(name)
    if "Outputs" in result and not outputs:
        result.pop("Outputs")
    return result


def _refers(value: Any, names: set[str]) -> bool:
    if isinstance(value, dict):
        if value.get("Ref") in names:
            return True
        target = value.get("Fn::GetAtt")
        if isinstance(target, list) and target and target[0] in names:
            return True
        if isinstance(target, str) and target.split(".", 1)[0] in names:
            return True
        return any(_refers(item, names) for item in value.values())
    if isinstance(value, list):
        return any(_refers(item, names) for item in value)
    return False


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []
