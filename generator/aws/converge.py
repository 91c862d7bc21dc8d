"""Convergence: what was changed by hand in the organization, put back as the deployed
templates say, because CloudFormation does not see it.

CloudFormation acts only on what its templates change: an SCP detached by hand from a target
the template attaches it to, an account moved to another OU, a policy edited or a tag changed
stay so after every deploy whose templates did not change. `lzgen deploy` therefore reads the
live organization (list calls per parent and per policy, on every deploy; tags, one call per
resource, only with `--refresh`, so that a no-op deploy's reads do not grow with the number of
accounts) and compares it with the resources its stacks own, resolved to IDs through the
stacks' own resources. The repairs are API calls that make the live organization match the
templates again, so that CloudFormation's view and the organization agree. Trusted access,
delegated administrators, root tags and FullAWSAccess are API steps: each step's own check
finds them undone and runs again -- for trusted access on every deploy (one read,
aws/deploy.py), for the others once the record of applied steps (aws/applied.py) holds them
only with `--refresh`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.aws.gateway import Gateway
from generator.aws.manifest import Manifest, StackPlan
from generator.diff.model import Change, Diff, Risk
from generator.errors import AwsError, RefusedError

if TYPE_CHECKING:
    from generator.aws.stacks import StackOptions
    from generator.aws.tokens import Resolver
    from generator.aws.ui import DeployUi

_POLICY = "AWS::Organizations::Policy"
_ACCOUNT = "AWS::Organizations::Account"
_OU = "AWS::Organizations::OrganizationalUnit"
_SSM_IDS = "/ids/"


@dataclass(frozen=True)
class Repair:
    change: Change  # how it reads, in `lzgen diff`'s terms
    operation: str  # an organizations API call ...
    parameters: dict[str, Any] = field(default_factory=dict)  # ... and its parameters

    def __str__(self) -> str:
        return self.change.summary


def as_diff(repairs: list[Repair]) -> Diff:
    return Diff("the organization as it is", "the deployed templates",
                tuple(r.change for r in repairs), command="lzgen deploy: repairs of drift")


class _Live:
    """The live organization, read lazily and once per plan."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.root_id = str(gateway.pages("organizations", "ListRoots", "Roots")[0]["Id"])
        self.parent_of: dict[str, str] = {}
        self.ou_names: dict[str, str] = {}
        self.account_names: dict[str, str] = {}
        self._walk(self.root_id)

    def _walk(self, parent: str) -> None:
        for account in self.gateway.pages("organizations", "ListAccountsForParent", "Accounts",
                                          ParentId=parent):
            self.parent_of[str(account["Id"])] = parent
            self.account_names[str(account["Id"])] = str(account.get("Name", account["Id"]))
        for unit in self.gateway.pages("organizations", "ListOrganizationalUnitsForParent",
                                       "OrganizationalUnits", ParentId=parent):
            self.parent_of[str(unit["Id"])] = parent
            self.ou_names[str(unit["Id"])] = str(unit["Name"])
            self._walk(str(unit["Id"]))

    def named(self, target: str) -> str:
        if target == self.root_id:
            return "the root"
        if target in self.ou_names:
            return f"OU {self.ou_names[target]}"
        return f"account {self.account_names.get(target, target)}"

    def targets(self, policy_id: str) -> set[str]:
        return {str(t["TargetId"]) for t in self.gateway.pages(
            "organizations", "ListTargetsForPolicy", "Targets", PolicyId=policy_id)}

    def content(self, policy_id: str) -> Any:
        answer = self.gateway.call("organizations", "DescribePolicy", PolicyId=policy_id)
        return json.loads(answer["Policy"]["Content"])

    def tags(self, resource_id: str) -> dict[str, str]:
        return {str(t["Key"]): str(t["Value"]) for t in self.gateway.pages(
            "organizations", "ListTagsForResource", "Tags", ResourceId=resource_id)}


def plan_repairs(gateway: Gateway, manifest: Manifest, *, tags: bool = True,
                 listed: dict[str, dict[str, str]] | None = None) -> list[Repair]:
    """What to call so that the organization matches the deployed stacks' templates again;
    tags (a read per resource) only when `tags`. `listed` keeps each stack's resources as
    read (stack name -> logical ID -> physical ID): stacks it holds are not read again."""
    physical = _physical_ids(gateway, manifest.stacks, {} if listed is None else listed)
    if not physical:
        return []
    try:
        live = _Live(gateway)
    except AwsError as error:
        if error.code == "AWSOrganizationsNotInUseException":
            return []
        raise
    repairs: list[Repair] = []
    for plan in manifest.stacks:
        resolve = _Resolver(plan, physical, live.root_id)
        for logical, resource in sorted(plan.resources().items()):
            resource_id = physical.get(logical)
            if resource_id is None:
                continue  # not created yet: its stack creates it
            properties = resource.get("Properties") or {}
            kind = resource.get("Type")
            if kind == _POLICY:
                repairs += _policy(live, logical, resource_id, properties, resolve)
            elif kind == _ACCOUNT:
                repairs += _account(live, logical, resource_id, properties, resolve, tags=tags)
            elif kind == _OU:
                repairs += _ou(live, logical, resource_id, properties, tags)
    return repairs


class Convergence:
    """Shown with the plan before anything changes (and refused there when destructive
    without --allow-destructive); applied after the stacks, planned again then, since the
    stacks may have changed what the templates say."""

    def __init__(self, gateway: Gateway, manifest: Manifest, ui: DeployUi,
                 options: StackOptions, resolver: Resolver) -> None:
        self.gateway, self.manifest, self.ui, self.options = gateway, manifest, ui, options
        self.resolver = resolver
        self._planned: list[Repair] | None = None
        self._listed: dict[str, dict[str, str]] = {}  # each stack's resources, as read

    def preview(self) -> int:
        """Show the repairs drift needs and refuse destructive ones; how many there are."""
        from generator.diff.writers import text_lines

        self._closures()
        repairs = self._planned = plan_repairs(self.gateway, self.manifest,
                                               tags=self.options.refresh, listed=self._listed)
        self.ui.phase(f"drift ({len(repairs)} repairs)")
        if not repairs:
            self.ui.ok("the organization matches the deployed templates")
            return 0
        self.ui.styled_lines(text_lines(as_diff(repairs)))
        destructive = [r for r in repairs if r.change.risk is Risk.DESTRUCTIVE]
        if destructive and not self.options.allow_destructive:
            raise RefusedError(f"{len(destructive)} repair(s) are destructive: "
                               + "; ".join(map(str, destructive)),
                               "nothing was changed; rerun with --allow-destructive if "
                               "that is the intent")
        return len(repairs)

    def _closures(self) -> None:
        """Closures this deploy would make, against the quota left, before anything runs."""
        from generator.aws.accounts import close_quota

        steps = [s for s in self.manifest.steps if s.key == ("organizations", "CloseAccount")]
        if not steps or self.resolver.organization() is None:
            return
        listed = self.resolver.account_list()
        status = {str(a["Id"]): str(a.get("Status", "ACTIVE")) for a in listed}
        closing = []
        for step in steps:
            try:
                account = str(self.resolver.resolve(step.parameters)["AccountId"])
            except AwsError:
                continue  # not in the organization: nothing to close
            if status.get(account) == "ACTIVE":
                closing.append(account)
        if not closing:
            return
        quota = close_quota(listed)
        self.ui.note(f"closure quota: {quota}; this deploy closes {len(closing)}")
        if len(closing) > quota.left:
            raise RefusedError(f"{len(closing)} account(s) would be closed, but only "
                               f"{quota.left} closure(s) are left: {quota}",
                               "nothing was changed; close fewer accounts now, the rest once "
                               "earlier closures leave the 30-day window")

    def repair(self, stacks_changed: bool = True,
               changed: Iterable[str] | None = None) -> list[str]:
        """Apply the repairs; planned again only when a stack changed what templates say.
        `changed` names the stacks created or updated since the preview: only their resources
        are listed again (None: every stack's)."""
        if self.options.dry_run:
            return []
        if changed is None:
            self._listed.clear()
        for name in changed or ():
            self._listed.pop(name, None)
        repairs = (plan_repairs(self.gateway, self.manifest, tags=self.options.refresh,
                                listed=self._listed)
                   if stacks_changed or self._planned is None else self._planned)
        if not repairs:
            return []
        if not self.ui.confirm(f"Make these {len(repairs)} repairs of drift?"):
            raise RefusedError("repairs not made", "rerun when ready")
        done = apply_repairs(self.gateway, repairs)
        for line in done:
            self.ui.ok(line)
        return done


def apply_repairs(gateway: Gateway, repairs: Iterable[Repair]) -> list[str]:
    done = []
    for repair in repairs:
        gateway.call("organizations", repair.operation, **repair.parameters)
        done.append(str(repair))
    return done


# -- resolving the templates' references --------------------------------------------------------


def _physical_ids(gateway: Gateway, stacks: Iterable[StackPlan],
                  listed: dict[str, dict[str, str]]) -> dict[str, str]:
    """Logical ID -> physical ID of every resource of the deployed stacks (lzgen's logical IDs
    are unique across its stacks); stacks in `listed` are not read again, those read are
    added to it."""
    found: dict[str, str] = {}
    for plan in stacks:
        if plan.stack_name not in listed:
            try:
                summaries = gateway.pages("cloudformation", "ListStackResources",
                                          "StackResourceSummaries", region=plan.region,
                                          StackName=plan.stack_name)
            except AwsError as error:
                if error.code == "ValidationError":
                    continue  # no such stack yet
                raise
            listed[plan.stack_name] = {
                str(item["LogicalResourceId"]): str(item["PhysicalResourceId"])
                for item in summaries if item.get("PhysicalResourceId")
                and "FAILED" not in str(item.get("ResourceStatus"))}
        found.update(listed[plan.stack_name])
    return found


@dataclass
class _Resolver:
    plan: StackPlan
    physical: dict[str, str]
    root_id: str

    def __call__(self, value: Any) -> str | None:
        """A template value (a Ref to a resource, to RootId or to an ID read from SSM) as an
        ID; None when it cannot be told yet."""
        if isinstance(value, str):
            return value
        ref = value.get("Ref") if isinstance(value, dict) else None
        if not isinstance(ref, str):
            return None
        if ref in self.physical and ref in self.plan.resources():
            return self.physical[ref]
        if ref == "RootId":
            return self.root_id
        slot = (self.plan.template.get("Parameters") or {}).get(ref) or {}
        default = str(slot.get("Default", ""))
        if _SSM_IDS in default:
            return self.physical.get(default.rsplit(_SSM_IDS, 1)[1])
        return None


# -- what drifted ------------------------------------------------------------------------------


def _policy(live: _Live, logical: str, policy_id: str, properties: dict[str, Any],
            resolve: _Resolver) -> list[Repair]:
    name = str(properties.get("Name", logical))
    wanted = {resolve(t) for t in properties.get("TargetIds") or []}
    if None in wanted:
        return []
    try:
        attached = live.targets(policy_id)
    except AwsError as error:
        if error.code == "PolicyNotFoundException":
            return []  # deleted outside lzgen: only a new policy (and ID) could take its place
        raise
    repairs = [Repair(Change("policy", "re-attached", name,
                             f"policy {name} attached again to {live.named(target)}",
                             Risk.ROUTINE,
                             "it was detached outside lzgen; its template attaches it"),
                      "AttachPolicy", {"PolicyId": policy_id, "TargetId": target})
               for target in sorted(t for t in wanted - attached if t is not None)]
    repairs += [Repair(Change("policy", "detached", name,
                              f"policy {name} detached from {live.named(target)}",
                              Risk.WEAKENS,
                              "it was attached outside lzgen; its template does not attach "
                              "it there, so what it denies there is no longer denied"),
                       "DetachPolicy", {"PolicyId": policy_id, "TargetId": target})
                for target in sorted(attached - {t for t in wanted if t is not None})]
    content = properties.get("Content")
    if isinstance(content, dict) and live.content(policy_id) != content:
        repairs.append(Repair(Change("policy", "restored", name,
                                     f"policy {name}: document restored", Risk.ROUTINE,
                                     "it was edited outside lzgen; its template's document "
                                     "is put back"),
                              "UpdatePolicy", {"PolicyId": policy_id,
                                               "Content": json.dumps(content, sort_keys=True)}))
    return repairs


def _account(live: _Live, logical: str, account_id: str, properties: dict[str, Any],
             resolve: _Resolver, *, tags: bool) -> list[Repair]:
    name = str(properties.get("AccountName", logical))
    repairs: list[Repair] = []
    parents = properties.get("ParentIds") or []
    wanted = resolve(parents[0]) if parents else live.root_id
    current = live.parent_of.get(account_id)
    if wanted is not None and current is not None and wanted != current:
        where = live.ou_names.get(wanted, "the root")
        repairs.append(Repair(Change("account", "moved back", name,
                                     f"account {name} moved back to {where}", Risk.ROUTINE,
                                     "it was moved outside lzgen; its template places it "
                                     f"in {where}, with that OU's policies"),
                              "MoveAccount", {"AccountId": account_id,
                                              "SourceParentId": current,
                                              "DestinationParentId": wanted}))
    if current is not None and tags:
        repairs += _tags("account", name, account_id, properties, live)
    return repairs


def _ou(live: _Live, logical: str, ou_id: str, properties: dict[str, Any],
        tags: bool) -> list[Repair]:
    name = str(properties.get("Name", logical))
    repairs: list[Repair] = []
    current = live.ou_names.get(ou_id)
    if current is None:
        return []  # deleted outside lzgen: its stack's next update fails and says so
    if current != name:
        repairs.append(Repair(Change("ou", "renamed back", name,
                                     f"OU {current} renamed back to {name}", Risk.ROUTINE,
                                     "it was renamed outside lzgen"),
                              "UpdateOrganizationalUnit", {"OrganizationalUnitId": ou_id,
                                                           "Name": name}))
    return repairs + (_tags("ou", name, ou_id, properties, live) if tags else [])


def _tags(kind: str, name: str, resource_id: str, properties: dict[str, Any],
          live: _Live) -> list[Repair]:
    wanted = {str(t["Key"]): str(t["Value"]) for t in properties.get("Tags") or []}
    if not wanted:
        return []  # read tags only where the template has some: one call per resource
    current = live.tags(resource_id)
    repairs: list[Repair] = []
    changed = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changed:
        repairs.append(Repair(Change(kind, "tags restored", name,
                                     f"{'OU' if kind == 'ou' else kind} {name}: tags "
                                     f"{', '.join(sorted(changed))} restored", Risk.ROUTINE,
                                     "changed or removed outside lzgen"),
                              "TagResource", {"ResourceId": resource_id, "Tags": [
                                  {"Key": k, "Value": v} for k, v in sorted(changed.items())]}))
    extra = sorted(set(current) - set(wanted))
    if extra:
        repairs.append(Repair(Change(kind, "tags removed", name,
                                     f"{'OU' if kind == 'ou' else kind} {name}: tags "
                                     f"{', '.join(extra)} removed", Risk.ROUTINE,
                                     "added outside lzgen; the template does not have them"),
                              "UntagResource", {"ResourceId": resource_id, "TagKeys": extra}))
    return repairs
