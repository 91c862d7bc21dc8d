"""`lzgen deploy --adopt`: bring OUs, accounts and policies that already exist under a new
stack through CloudFormation resource import, so that nothing is created twice.

`plan_import` is pure: for a stack's template and the live organization it lists what to
import (identifiers: an OU by `Id`, an account by `AccountId`, a policy by `Id`) and the
template of the IMPORT change set. An IMPORT change set may only import: it holds just the
resources found live (with `DeletionPolicy: Retain`, which import requires); the update that
follows adds the rest of the stack (its ID parameters, resources not found live).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from generator.aws.live import LiveOrganization
from generator.model import pascal

OU_TYPE = "AWS::Organizations::OrganizationalUnit"
ACCOUNT_TYPE = "AWS::Organizations::Account"
POLICY_TYPE = "AWS::Organizations::Policy"


@dataclass(frozen=True)
class ImportPlan:
    resources: list[dict[str, Any]]  # ResourcesToImport entries, by logical id
    template: dict[str, Any]  # the IMPORT change set's template

    @property
    def is_empty(self) -> bool:
        return not self.resources


def plan_import(template: dict[str, Any], live: LiveOrganization,
                only: set[str] | None = None) -> ImportPlan:
    """What of `template` exists in `live` (of the logical IDs `only`, when given)."""
    ous = {"Ou" + pascal(path): ou.id for path, ou in live.ous.items()}
    accounts = {a.email.lower(): a.id for a in live.accounts.values()}
    policies = {p.name: p.id for p in live.policies.values()}
    entries: list[dict[str, Any]] = []
    for logical, resource in sorted(template.get("Resources", {}).items()):
        if only is not None and logical not in only:
            continue
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        identifier: dict[str, str] | None = None
        if kind == OU_TYPE and logical in ous:
            identifier = {"Id": ous[logical]}
        elif kind == ACCOUNT_TYPE and str(props.get("Email", "")).lower() in accounts:
            identifier = {"AccountId": accounts[str(props["Email"]).lower()]}
        elif kind == POLICY_TYPE and props.get("Name") in policies:
            identifier = {"Id": policies[props["Name"]]}
        if identifier is not None:
            entries.append({"ResourceType": kind, "LogicalResourceId": logical,
                            "ResourceIdentifier": identifier})
    return ImportPlan(entries, _import_template(template, {e["LogicalResourceId"]
                                                           for e in entries}))


def _import_template(template: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    result = copy.deepcopy(template)
    result.pop("Outputs", None)
    resources = {}
    for logical, resource in result.get("Resources", {}).items():
        if logical in keep:
            resources[logical] = {**resource, "DeletionPolicy": "Retain",
                                  "UpdateReplacePolicy": "Retain"}
            # An account chained after one that is created later, not imported: the import
            # template must not depend on a resource it does not hold.
            after = [d for d in _as_list(resource.get("DependsOn")) if d in keep]
            resources[logical].pop("DependsOn", None)
            if after:
                resources[logical]["DependsOn"] = after
    result["Resources"] = resources
    return result


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []
