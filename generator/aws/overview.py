"""The whole deploy at a glance, before anything runs: what each stack's template changes and
which API steps are pending, so that one question covers the plan.

Stacks are compared by template (deployed against generated): no change set is needed for
the overview. A stack whose template is unchanged may still change through its parameters;
deploy finds that out with a change set, and asks then only if it was not asked already.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.aws.changes import ResourceChange
from generator.aws.manifest import StackPlan

ACCOUNT_TYPE = "AWS::Organizations::Account"


@dataclass(frozen=True)
class StackOverview:
    stack_name: str
    action: str  # create, update, same-template
    added: int = 0
    modified: int = 0
    removed: int = 0

    @property
    def changes(self) -> bool:
        return self.action != "same-template"

    def __str__(self) -> str:
        if self.action == "create":
            return f"{self.stack_name}: create ({self.added} resources)"
        if self.action == "update":
            return (f"{self.stack_name}: update (+{self.added} ~{self.modified} "
                    f"-{self.removed})")
        return f"{self.stack_name}: template unchanged"


def local_changes(plan: StackPlan, current: dict[str, Any] | None) -> list[ResourceChange]:
    """The resource changes from the deployed template to the plan's, by logical ID."""
    before: dict[str, Any] = (current or {}).get("Resources") or {}
    after = plan.resources()
    found = [ResourceChange(name, str(after[name].get("Type", "")), "Add")
             for name in after if name not in before]
    found += [ResourceChange(name, str(after[name].get("Type", "")), "Modify")
              for name in after if name in before and before[name] != after[name]]
    found += [ResourceChange(name, str(before[name].get("Type", "")), "Remove")
              for name in before if name not in after]
    return found


def overview(plan: StackPlan, current: dict[str, Any] | None,
             exists: bool) -> StackOverview:
    if not exists:
        return StackOverview(plan.stack_name, "create", added=len(plan.resources()))
    if current == plan.template:
        return StackOverview(plan.stack_name, "same-template")
    changes = local_changes(plan, current)
    return StackOverview(plan.stack_name, "update",
                         added=sum(c.action == "Add" for c in changes),
                         modified=sum(c.action == "Modify" for c in changes),
                         removed=sum(c.action == "Remove" for c in changes))


def creates_accounts(plan: StackPlan, current: dict[str, Any] | None) -> bool:
    """Whether the stack's template adds accounts (its operation calls CreateAccount)."""
    before: dict[str, Any] = (current or {}).get("Resources") or {}
    return any(r.get("Type") == ACCOUNT_TYPE and name not in before
               for name, r in plan.resources().items())
