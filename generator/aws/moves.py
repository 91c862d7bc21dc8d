"""Accounts that move to a new stack because a bucket of the layout split (synth/layout.py).

CloudFormation moves a resource between stacks in two steps
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/refactor-stacks.html): the
source stack, where the resource has DeletionPolicy Retain, drops it (the resource is kept),
then the target stack imports it by its identifier (an IMPORT change set). Accounts always
carry Retain, and a split only ever moves accounts to a stack that comes later in the chain of
account stacks, so deploy needs no extra step: the source stack's ordinary update lets them go,
and the new stack is created by importing them (as `--adopt` does, limited to the moved ones).

Moves into a stack that exists already (the buckets of a shrinking organization merging
back), and moves of OUs and policies (which are not retained), are not made this way: the
guard refuses them as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ACCOUNT_TYPE = "AWS::Organizations::Account"
_RETAINED = ("Retain", "RetainExceptOnCreate")

Templates = Mapping[str, dict[str, Any]]


@dataclass(frozen=True)
class Move:
    logical_id: str
    source: str  # stack (plan name) that gives the account up
    target: str  # new stack that imports it

    def __str__(self) -> str:
        return f"{self.logical_id}: {self.source} -> {self.target}"


def _resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.get("Resources") or {}
    return found


def planned_moves(deployed: Templates, generated: Templates) -> list[Move]:
    """Retained accounts that leave a deployed stack for a generated stack not deployed yet
    (both mappings: stack plan name -> template)."""
    home = {logical: stack for stack, template in generated.items()
            for logical, resource in _resources(template).items()
            if resource.get("Type") == ACCOUNT_TYPE}
    moves = []
    for stack, template in sorted(deployed.items()):
        if stack not in generated:
            continue
        staying = _resources(generated[stack])
        for logical, resource in sorted(_resources(template).items()):
            target = home.get(logical)
            if (resource.get("Type") == ACCOUNT_TYPE and logical not in staying
                    and resource.get("DeletionPolicy") in _RETAINED
                    and target is not None and target not in deployed):
                moves.append(Move(logical, stack, target))
    return moves
