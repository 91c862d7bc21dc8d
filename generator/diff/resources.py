"""CloudFormation resource changes per stack, and what CloudFormation will do about each.

A property change replaces the resource when the property is create-only in the resource
provider schema that cfn-lint ships; the account provider also refuses (fails the update) when
an account's name, email or role name changes, which its schema does not say. A resource that
moves from one stack to another is deleted from the first and created in the second, except
an account, OU or policy whose create-only properties stay the same: deploy moves it by Retain
and import (aws/moves.py). An account whose role name changes would be created again, which
AWS refuses.
StackSet bodies are compared as stacks of their own, named `stackset NAME`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from generator.diff.model import ResourceChange, Risk
from generator.model import Organization
from generator.synth.types import Build

ACCOUNT = "AWS::Organizations::Account"
OU = "AWS::Organizations::OrganizationalUnit"
POLICY = "AWS::Organizations::Policy"
STACKSET = "AWS::CloudFormation::StackSet"
ID_PARAMETER_SUFFIX = "IdParameter"

# Resource provider of AWS::Organizations::Account (UpdateHandler in
# aws-cloudformation/aws-cloudformation-resource-providers-organizations): these properties are
# not create-only in the schema, but an update that changes them fails.
REFUSED_UPDATES = {ACCOUNT: ("AccountName", "Email", "RoleName")}
# Resources whose deletion or replacement stops an alert or a detection.
DETECTION_TYPES = frozenset({
    "AWS::Events::Rule", "AWS::Config::ConfigRule", "AWS::Config::OrganizationConfigRule",
    "AWS::CloudTrail::Trail", "AWS::GuardDuty::Detector", "AWS::SecurityHub::Hub",
    "AWS::AccessAnalyzer::Analyzer", "AWS::SNS::Subscription", "AWS::CloudWatch::Alarm",
})
_DETECTION_WORDS = {
    "AWS::Events::Rule": "the events this rule matched (such as root-user activity) alert nobody",
    "AWS::Config::ConfigRule": "what this Config rule detected (such as a root user without "
                               "MFA) goes unreported",
    "AWS::Config::OrganizationConfigRule": "what this Config rule detected goes unreported in "
                                           "every account",
    "AWS::CloudTrail::Trail": "API activity stops being recorded",
    "AWS::SNS::Subscription": "this recipient no longer receives alerts",
}
DETECTION_PROPERTIES = frozenset({"State", "EventPattern", "Scope", "Source", "InputParameters",
                                  "IsLogging", "Enable", "Status", "EventSelectors"})
# Resources that hold data: deleting or replacing them loses it unless they are retained.
STATEFUL_TYPES = frozenset({"AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup",
                            "AWS::DynamoDB::Table"})
_ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy")


@dataclass(frozen=True, slots=True)
class _Located:
    stack: str
    region: str
    logical_id: str
    body: Mapping[str, Any]

    @property
    def type(self) -> str:
        return str(self.body.get("Type", ""))

    @property
    def properties(self) -> Mapping[str, Any]:
        value = self.body.get("Properties", {})
        return value if isinstance(value, Mapping) else {}

    @property
    def retained(self) -> bool:
        return self.body.get("DeletionPolicy") == "Retain"


def compare_resources(base: tuple[Organization, Build] | None,
                      head: tuple[Organization, Build]) -> list[ResourceChange]:
    qualified = base is not None and _stack_names_change(base[0], head[0])
    before = _resources(*base, qualified) if base else {}
    after = _resources(*head, qualified)
    base_emails = _account_emails(before.values())
    held_before = accounts_held(base[0]) if base else {}
    held_after = accounts_held(head[0])
    removed = {k: v for k, v in before.items() if k not in after}
    added = {k: v for k, v in after.items() if k not in before}
    moved = _moves(removed, added)
    base_stacks = {r.stack for r in before.values()}
    changes: list[ResourceChange] = []
    for old, new in moved:
        changes.append(_moved(old, new, held_after, new.stack not in base_stacks))
        removed.pop((old.stack, old.logical_id))
        added.pop((new.stack, new.logical_id))
    changes += [_removed(r, held_before) for r in removed.values()]
    changes += [_added(r, base_emails) for r in added.values()]
    for key in before.keys() & after.keys():
        change = _modified(before[key], after[key])
        if change is not None:
            changes.append(change)
    return sorted(_mark_companions(changes), key=lambda c: (c.stack, c.logical_id))


def _stack_names_change(base: Organization, head: Organization) -> bool:
    """Stacks are named lzgen-ORG-NAME and live in the home region: when either changes,
    every stack is another stack."""
    before, after = base.blueprint.organization, head.blueprint.organization
    return (before.name, before.home_region) != (after.name, after.home_region)


def _resources(org: Organization, build: Build,
               qualified: bool) -> dict[tuple[str, str], _Located]:
    """(stack, logical ID) -> resource; stacks are named in full (region/lzgen-ORG-NAME)
    when `qualified`, so that renaming the organization shows what it does."""
    from generator.contract import stack_name

    def named(name: str, region: str) -> str:
        full = stack_name(org.blueprint.organization.name, name)
        return f"{region}/{full}" if qualified else name

    found: dict[tuple[str, str], _Located] = {}
    for stack in build.stacks:
        name = named(stack.name, stack.region)
        for logical, body in stack.template.get("Resources", {}).items():
            found[name, logical] = _Located(name, stack.region, logical, body)
    region = org.blueprint.organization.home_region
    for stackset in build.stacksets:
        name = f"stackset {named(stackset.name, region)}"
        for logical, body in stackset.template.get("Resources", {}).items():
            found[name, logical] = _Located(name, region, logical, body)
    return found


def _account_emails(resources: Iterable[_Located]) -> set[str]:
    return {str(r.properties.get("Email", "")).lower() for r in resources if r.type == ACCOUNT}


def _moves(removed: Mapping[tuple[str, str], _Located],
           added: Mapping[tuple[str, str], _Located]) -> list[tuple[_Located, _Located]]:
    """Resources with the same logical ID and type that change stack (each ID once)."""
    by_id: dict[str, list[_Located]] = {}
    for resource in added.values():
        by_id.setdefault(resource.logical_id, []).append(resource)
    moves = []
    for resource in removed.values():
        candidates = [r for r in by_id.get(resource.logical_id, []) if r.type == resource.type]
        if len(candidates) == 1:
            moves.append((resource, candidates[0]))
    return sorted(moves, key=lambda m: m[1].logical_id)


def _moved(old: _Located, new: _Located, held: Mapping[str, int],
           to_new_stack: bool) -> ResourceChange:
    base = ResourceChange(new.stack, new.logical_id, new.type, "moved", "replace", Risk.ROUTINE,
                          f"moves from stack {old.stack}: CloudFormation deletes it there and "
                          "creates a new one here", from_stack=old.stack)
    if _movable(old, new):
        # A bucket of the layout split or merged (synth/layout.py): deploy moves the resource
        # the way CloudFormation documents moving resources between stacks (aws/moves.py).
        why = "whose bucket split" if to_new_stack else "as buckets merge"
        kind = {ACCOUNT: "account", OU: "OU", POLICY: "policy"}[new.type]
        return replace(base, effect="move", reason=(
            f"moves from stack {old.stack}, {why}: deploy has {old.stack} let go of it under "
            f"DeletionPolicy Retain (added first where it is missing), and {new.stack} import "
            f"it; the {kind} and its ID stay the same"))
    if new.type == ACCOUNT:
        return replace(base, risk=Risk.DESTRUCTIVE, reason=(
            f"moves from stack {old.stack}: the old stack lets go of the account (kept, not "
            "closed) and this stack tries to create a NEW account with the same email, which "
            "AWS refuses; keep `layout` and the account's name unchanged"))
    accounts = held.get(new.logical_id, 0) if new.type == OU else 0
    if accounts:
        return replace(base, risk=Risk.DESTRUCTIVE, reason=(
            f"moves from stack {old.stack}: a new OU is created and its {accounts} account(s) "
            "move into it; the old OU is deleted, so the OU ID changes"))
    return _with_type_risk(base, new.type, new.retained)


def _movable(old: _Located, new: _Located) -> bool:
    """Deploy moves an account, OU or policy by Retain and import (aws/moves.py) when nothing
    that can only be set at creation changes (an account's RoleName counts)."""
    if new.type not in (ACCOUNT, OU, POLICY) or old.type != new.type:
        return False
    if new.type == ACCOUNT and _canonical(old.properties.get("RoleName")) != \
            _canonical(new.properties.get("RoleName")):
        return False
    return not _create_only_changes(old, new)


def _removed(resource: _Located, held: Mapping[str, int]) -> ResourceChange:
    kind = resource.type
    effect = "retain" if resource.retained else "delete"
    change = ResourceChange(resource.stack, resource.logical_id, kind, "removed", effect,
                            Risk.ROUTINE, "deleted" if effect == "delete" else
                            "kept in AWS but no longer managed by CloudFormation")
    if kind == ACCOUNT:
        return replace(change, risk=Risk.DESTRUCTIVE, reason=(
            "the account is NOT closed (DeletionPolicy Retain): it leaves CloudFormation's "
            "management and keeps running, with its OU's policies, outside lzgen"))
    if kind == OU:
        accounts = held.get(resource.logical_id, 0)
        if accounts:
            return replace(change, risk=Risk.DESTRUCTIVE, reason=(
                f"the OU is deleted after its {accounts} account(s) move out: its ID changes for "
                "good, and anything that names it outside lzgen stops matching"))
        return replace(change, reason="the OU is deleted (it holds no accounts)")
    if kind == POLICY and resource.properties.get("TargetIds"):
        return replace(change, risk=Risk.DESTRUCTIVE,
                       reason="a policy in use is detached from its targets and deleted")
    return _with_type_risk(change, kind, resource.retained)


def accounts_held(org: Organization) -> dict[str, int]:
    """Logical ID of each OU -> accounts in it or below it."""
    counts: dict[str, int] = {}
    for account in org.accounts.values():
        for path in org.ancestors(account.ou):
            logical = org.ous[path].logical_id
            counts[logical] = counts.get(logical, 0) + 1
    return counts


def _added(resource: _Located, base_emails: set[str]) -> ResourceChange:
    change = ResourceChange(resource.stack, resource.logical_id, resource.type, "added",
                            "create", Risk.ROUTINE, "created")
    if resource.type == ACCOUNT:
        email = str(resource.properties.get("Email", ""))
        if email.lower() in base_emails:
            return replace(change, risk=Risk.DESTRUCTIVE, reason=(
                f"CloudFormation tries to create a NEW account with {email}, an email an "
                "existing account already uses: AWS refuses, and the stack update fails"))
        return replace(change, reason=f"CloudFormation creates a new AWS account ({email})")
    return change


def _modified(old: _Located, new: _Located) -> ResourceChange | None:
    changed = _changed_properties(old, new)
    if not changed:
        return None
    change = ResourceChange(new.stack, new.logical_id, new.type, "modified", "update",
                            Risk.ROUTINE, "updated in place", tuple(changed))
    if old.type != new.type:
        return _with_type_risk(replace(change, effect="replace",
                                       reason=f"type changes from {old.type}: replaced"),
                               new.type, new.retained)
    refused = [p for p in changed if p in REFUSED_UPDATES.get(new.type, ())]
    if refused:
        return replace(change, effect="refused", risk=Risk.DESTRUCTIVE, reason=(
            f"the resource provider refuses to update {', '.join(refused)} of an existing "
            "account: the stack update fails and rolls back, after the stacks deployed "
            "before it were updated"))
    if new.type == ACCOUNT and _loses_retain(old, new):
        return replace(change, risk=Risk.DESTRUCTIVE, reason=(
            "the account loses DeletionPolicy/UpdateReplacePolicy Retain: removing it later "
            "would CLOSE the account"))
    replaced_by = _create_only_changes(old, new)
    if replaced_by:
        change = replace(change, effect="replace", reason=(
            f"{', '.join(replaced_by)} cannot be updated: CloudFormation creates a new "
            "resource and deletes the old one"))
        return _with_type_risk(change, new.type, new.retained)
    return _update_reason(change, old, new)


def _changed_properties(old: _Located, new: _Located) -> list[str]:
    before, after = old.properties, new.properties
    names = [key for key in sorted(set(before) | set(after))
             if _canonical(before.get(key)) != _canonical(after.get(key))]
    names += [a for a in _ATTRIBUTES if old.body.get(a) != new.body.get(a)]
    if old.type != new.type:
        names.append("Type")
    return names


def _loses_retain(old: _Located, new: _Located) -> bool:
    return any(old.body.get(a) == "Retain" and new.body.get(a) != "Retain" for a in _ATTRIBUTES)


def _create_only_changes(old: _Located, new: _Located) -> list[str]:
    changed = []
    for pointer in create_only_properties(new.type, new.region):
        parts = pointer.split("/")[2:]  # "/properties/A/B" -> ["A", "B"]
        if parts and _at(old.properties, parts) != _at(new.properties, parts):
            changed.append(".".join(parts))
    return sorted(set(changed))


def _at(data: Any, parts: list[str]) -> str:
    for part in parts:
        if part == "*" or not isinstance(data, Mapping):
            break
        data = data.get(part)
    return _canonical(data)


@lru_cache(maxsize=256)
def create_only_properties(resource_type: str, region: str) -> tuple[str, ...]:
    """JSON pointers of the create-only properties of a type, from cfn-lint's schemas."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region or "us-east-1",
                                                             resource_type)
    except ResourceNotFoundError:
        return ()
    return tuple(schema.schema.get("createOnlyProperties", ()))


def _update_reason(change: ResourceChange, old: _Located, new: _Located) -> ResourceChange:
    props = set(change.properties)
    if new.type == ACCOUNT and props == {"ParentIds"}:
        return replace(change, reason="the account moves to another OU (MoveAccount)")
    if new.type == POLICY and props <= {"TargetIds", "Content", "Description", "Tags"}:
        what = "attachments" if props == {"TargetIds"} else ", ".join(sorted(props))
        return replace(change, reason=f"updated in place ({what}); the organization "
                                      "section says what that means")
    if new.type == STACKSET and "TemplateBody" in props:
        return replace(change, reason=("every stack instance is updated; the body's changes "
                                       f"are listed under stackset {new.logical_id}"))
    if new.type in DETECTION_TYPES and props & DETECTION_PROPERTIES:
        if str(new.properties.get("State", "")).upper() == "DISABLED" != str(
                old.properties.get("State", "")).upper():
            return replace(change, risk=Risk.WEAKENS, reason="the rule is disabled")
        return replace(change, risk=Risk.WEAKENS, reason=(
            f"what this {new.type} watches changes ({', '.join(sorted(props))}): check that it "
            "still catches what it caught before"))
    return change


def _with_type_risk(change: ResourceChange, kind: str, retained: bool) -> ResourceChange:
    """Risk that follows from the type of a resource that is deleted or replaced."""
    if change.effect == "create":
        return change
    if kind in DETECTION_TYPES:
        stops = _DETECTION_WORDS.get(kind, "an alert or detection stops")
        when = " until the new one exists" if change.effect == "replace" else ""
        return replace(change, risk=Risk.WEAKENS, reason=f"{change.reason}: {stops}{when}")
    if kind in STATEFUL_TYPES and not retained:
        return replace(change, risk=Risk.DESTRUCTIVE,
                       reason=f"{change.reason}; the data it holds is lost")
    return change


def _mark_companions(changes: list[ResourceChange]) -> list[ResourceChange]:
    """ID parameters that only follow their owner's change (same stack, same action)."""
    actions = {(c.stack, c.logical_id): c.action for c in changes}
    marked = []
    for change in changes:
        owner = change.logical_id.removesuffix(ID_PARAMETER_SUFFIX)
        follows = (change.resource_type == "AWS::SSM::Parameter" and owner != change.logical_id
                   and change.action in ("added", "removed", "moved")
                   and actions.get((change.stack, owner)) == change.action)
        marked.append(replace(change, companion_of=owner, risk=Risk.ROUTINE) if follows
                      else change)
    return marked


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
