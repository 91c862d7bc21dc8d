"""The organization's change in the blueprint's own terms: settings, OUs, accounts, policies
and the other blueprint sections.

OUs, accounts and policies are matched across the two sides before they are compared, so a
rename or a move reads as one change instead of a removal and an addition: an account by its
root email, an OU by its contents (the same accounts and child OUs) or else by its name, a
policy by its type and document. The matches are returned too, so that the effective-policy
comparison can follow accounts and attachments through renames.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.blueprint.schema import SUSPENDED_OU, Account, AccountState
from generator.diff.model import Change, Risk
from generator.diff.protections import protections_set
from generator.diff.statements import DocumentDiff, document_diff, leaf_changes
from generator.inheritance import scps_in_effect
from generator.model import ROOT, Organization, Ou, ResolvedPolicy
from generator.policies.types import SPECS

_HANDLED = {"version", "organization", "organizational_units", "accounts", "policies",
            "full_aws_access"}
# Flags whose change from true to false turns a protection off, wherever they appear.
_PROTECTIVE_FLAGS = {"enabled", "trusted_access", "credentials_management", "root_sessions"}
_SECTION_WEAKENING = {
    "alerts": "an alert is turned off, so root-user activity or a missing MFA device can go "
              "unnoticed",
    "root_access": "root-user protection is turned off",
    "services": "a security service is turned off",
    "exceptions": "a recommendation is now deliberately not followed",
}
POLICY_WORDS = {name: spec.title for name, spec in SPECS.items()}
_REFUSED = ("CloudFormation's account provider refuses to change {what} of an existing account: "
            "the stack update fails and rolls back, after the stacks before it were updated")


@dataclass
class Matches:
    """Names in BASE -> names in HEAD, for everything found on both sides."""

    ous: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)

    def target(self, key: str) -> str:
        """A BASE policy target key in HEAD's names."""
        kind, _, name = key.partition(":")
        if kind == "ou":
            return f"ou:{self.ous.get(name, name)}"
        if kind == "account":
            return f"account:{self.accounts.get(name, name)}"
        return key

    def ou(self, path: str) -> str:
        return path if path == ROOT else self.ous.get(path, path)


def compare_organization(base: Organization | None, head: Organization, *,
                         live: bool = False) -> tuple[list[Change], Matches]:
    """BASE -> HEAD; `live`: HEAD is the organization as it is (`lzgen drift`), so what
    HEAD has and BASE lacks was made outside lzgen, not something CloudFormation will do."""
    matches = Matches()
    changes = _settings(base, head)
    changes += _ous(base, head, matches)
    _match_accounts(base, head, matches)
    _match_policies(base, head, matches)
    changes += _accounts(base, head, matches, live)
    changes += _policies(base, head, matches, live)
    changes += _full_aws_access(base, head, matches)
    changes += _sections(base, head, live)
    return changes, matches


# --- organization settings --------------------------------------------------------------------

def _settings(base: Organization | None, head: Organization) -> list[Change]:
    after = head.blueprint.organization
    if base is None:
        return [Change("organization", "added", after.name,
                       f"new blueprint for organization {after.name}", Risk.ROUTINE,
                       "the base revision has no such blueprint: everything in it is new")]
    before = base.blueprint.organization
    changes: list[Change] = []
    restack = ("every stack name starts with lzgen-NAME and every stack lives in the home "
               "region, so CloudFormation sees all-new stacks and tries to create every OU, "
               "account and policy again while the old stacks stay")
    if before.name != after.name:
        changes.append(Change("organization", "renamed", after.name,
                              f"organization name {before.name} -> {after.name}",
                              Risk.DESTRUCTIVE, restack))
    if before.home_region != after.home_region:
        changes.append(Change("organization", "changed", "home_region",
                              f"home region {before.home_region} -> {after.home_region}",
                              Risk.DESTRUCTIVE, restack))
    added = [r for r in after.regions if r not in before.regions]
    removed = [r for r in before.regions if r not in after.regions]
    if added:
        changes.append(Change("organization", "changed", "regions",
                              f"allowed region{_s(added)} added: {', '.join(added)}",
                              Risk.WEAKENS, "workloads may now use more regions"))
    if removed:
        changes.append(Change("organization", "changed", "regions",
                              f"allowed region{_s(removed)} removed: {', '.join(removed)}",
                              Risk.ROUTINE, "fewer regions allowed; check that no workload "
                                            "runs there"))
    rest = leaf_changes(before.model_dump(mode="json", exclude={"regions", "name",
                                                                "home_region"}),
                        after.model_dump(mode="json", exclude={"regions", "name",
                                                               "home_region"}), ())
    if rest:
        changes.append(Change("organization", "changed", "settings",
                              f"organization settings changed: {_paths(rest)}", Risk.ROUTINE,
                              "no resource is replaced", _leaf_lines(rest)))
    return changes


# --- organizational units ---------------------------------------------------------------------

def _ous(base: Organization | None, head: Organization, matches: Matches) -> list[Change]:
    before = base.ous if base else {}
    after = head.ous
    for path in before.keys() & after.keys():
        matches.ous[path] = path
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    pairs = _match_ous(base, head, removed, added)
    matches.ous.update(pairs)
    changes: list[Change] = []
    accounts_below = _accounts_below(head)
    for old, new in sorted(pairs.items(), key=lambda p: p[1]):
        if _moves_with_parent(before[old], after[new], pairs):
            continue
        changes.append(_ou_replaced(before[old], after[new], pairs, accounts_below[new]))
    for path in removed:
        if path not in pairs and not _parent_gone(path, removed, pairs):
            changes.append(Change("ou", "removed", path, f"OU {path} removed", Risk.ROUTINE,
                                  "CloudFormation deletes the OU; AWS only deletes an empty "
                                  "OU, so its accounts must have moved elsewhere"))
    for path in added:
        if path not in pairs.values():
            changes.append(Change("ou", "added", path, f"OU {path} added", Risk.ROUTINE,
                                  "a new OU; see the effective policies of accounts placed "
                                  "in it"))
    for path in sorted(before.keys() & after.keys()):
        changes += _ou_settings(before[path], after[path])
    return changes


def _match_ous(base: Organization | None, head: Organization, removed: list[str],
               added: list[str]) -> dict[str, str]:
    """Removed OU path -> added OU path, for OUs that were renamed or moved."""
    if base is None or not removed or not added:
        return {}
    signatures_before = _signatures(base, removed)
    signatures_after = _signatures(head, added)
    pairs = _unique_pairs(removed, added, signatures_before.get, signatures_after.get)
    left = [p for p in removed if p not in pairs]
    right = [p for p in added if p not in pairs.values()]
    pairs.update(_unique_pairs(left, right, lambda p: base.ous[p].name,
                               lambda p: head.ous[p].name))
    return pairs


def _signatures(org: Organization, paths: list[str]) -> dict[str, frozenset[str]]:
    """What each OU holds: its accounts' root emails and its child OUs' names."""
    wanted = set(paths)
    held: dict[str, set[str]] = {path: set() for path in paths}
    for account in org.accounts.values():
        if account.ou in wanted:
            held[account.ou].add(f"account:{account.email.lower()}")
    for ou in org.ous.values():
        if ou.parent in wanted:
            held[ou.parent].add(f"ou:{ou.name}")
    return {path: frozenset(items) for path, items in held.items()}


def _unique_pairs(left: list[str], right: list[str], key_left: Callable[[str], Any],
                  key_right: Callable[[str], Any]) -> dict[str, str]:
    """Pairs whose key is the same and unique on both sides (empty keys never match)."""
    counts_left = Counter(key_left(item) for item in left)
    counts_right: Counter[Any] = Counter()
    right_by_key: dict[Any, str] = {}
    for item in right:
        key = key_right(item)
        right_by_key[key] = item
        counts_right[key] += 1
    return {item: right_by_key[key_left(item)] for item in left
            if key_left(item) and counts_left[key_left(item)] == 1
            and counts_right[key_left(item)] == 1}


def _moves_with_parent(before: Ou, after: Ou, pairs: Mapping[str, str]) -> bool:
    return before.name == after.name and pairs.get(before.parent) == after.parent


def _parent_gone(path: str, removed: list[str], pairs: Mapping[str, str]) -> bool:
    """A removed OU whose parent is removed too is reported with its parent."""
    parent = path.rpartition("/")[0]
    return bool(parent) and parent in removed and parent not in pairs


def _accounts_below(org: Organization) -> Counter[str]:
    counts: Counter[str] = Counter()
    for account in org.accounts.values():
        for path in org.ancestors(account.ou):
            counts[path] += 1
    return counts


def _ou_replaced(before: Ou, after: Ou, pairs: Mapping[str, str], accounts: int) -> Change:
    renamed = before.name != after.name
    parent_before = pairs.get(before.parent, before.parent)
    moved = parent_before != after.parent
    how = "same name" if not renamed else "same accounts and child OUs"
    if renamed and moved:
        action, summary = "moved", f"OU {before.path} moved and renamed to {after.path}"
    elif renamed:
        action, summary = "renamed", f"OU {before.path} renamed to {after.path}"
    else:
        action = "moved"
        summary = f"OU {after.name} moved from {before.parent} to {after.parent}"
    summary += f" (detected: {how})"
    descendants = sum(1 for p, q in pairs.items() if q.startswith(after.path + "/")
                      and p.startswith(before.path + "/"))
    replaced = ("lzgen names an OU's resource after its path, so CloudFormation creates a new "
                "OU and deletes the old one: the OU ID changes")
    details = [f"{descendants} child OU(s) move with it"] if descendants else []
    if accounts:
        return Change("ou", action, after.path, summary, Risk.DESTRUCTIVE,
                      f"{replaced}, and its {accounts} account(s) move to the new OU; "
                      "anything outside lzgen that names the old OU ID (StackSet targets, "
                      "aws:PrincipalOrgPaths conditions) stops matching", tuple(details))
    return Change("ou", action, after.path, summary, Risk.ROUTINE,
                  f"{replaced}; it holds no accounts", tuple(details))


def _ou_settings(before: Ou, after: Ou) -> list[Change]:
    exclude = {"children"}
    changes = leaf_changes(before.spec.model_dump(mode="json", exclude=exclude),
                           after.spec.model_dump(mode="json", exclude=exclude), ())
    if not changes:
        return []
    return [Change("ou", "changed", after.path, f"OU {after.path}: {_paths(changes)} changed",
                   Risk.ROUTINE, "updated in place", _leaf_lines(changes))]


# --- accounts -----------------------------------------------------------------------------

def _match_accounts(base: Organization | None, head: Organization, matches: Matches) -> None:
    """Accounts on both sides, and renamed ones: an account is its root email."""
    before = base.accounts if base else {}
    after = head.accounts
    for name in before.keys() & after.keys():
        matches.accounts[name] = name
    by_email = {after[name].email.lower(): name for name in after.keys() - before.keys()}
    for old in before.keys() - after.keys():
        new = by_email.get(before[old].email.lower())
        if new is not None:
            matches.accounts[old] = new


def _accounts(base: Organization | None, head: Organization, matches: Matches,
              live: bool = False) -> list[Change]:
    before = base.accounts if base else {}
    after = head.accounts
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    changes: list[Change] = []
    if base is not None:
        for old, new in sorted(matches.accounts.items()):
            changes += _account_changes(base, head, old, new, matches)
    for old in removed:
        if old in head.closed_accounts:
            changes.append(_account_closed(old, live))
        elif old not in matches.accounts:
            changes.append(_account_removed(old, before[old].ou, live))
    renamed_to = set(matches.accounts.values())
    for new in added:
        if new not in renamed_to:
            account = after[new]
            changes.append(Change(
                "account", "added", new, f"account {new} added in OU {account.ou}",
                Risk.ROUTINE, _HAND_MADE.format(email=account.email) if live else
                f"CloudFormation creates a new AWS account with root email {account.email}"))
    return changes


_HAND_MADE = ("the account (root email {email}) is in the organization but not in the "
              "blueprint: it was created or invited outside lzgen, which does not manage it; "
              "add it to the blueprint (then `lzgen deploy --adopt`), or close it")


def _account_closed(name: str, live: bool) -> Change:
    if live:
        return Change("account", "closed", name, f"account {name} closed", Risk.DESTRUCTIVE,
                      "the account was closed outside lzgen (PENDING_CLOSURE or SUSPENDED): "
                      "AWS deletes it after the post-closure period unless AWS Support "
                      "reinstates it")
    return Change("account", "closed", name, f"account {name} closed", Risk.DESTRUCTIVE,
                  "deploy closes it with CloseAccount (only with --allow-destructive, within "
                  "AWS's quota of closures per rolling 30 days): PENDING_CLOSURE, then "
                  "SUSPENDED; AWS deletes it after the post-closure period. It leaves its "
                  "stack with DeletionPolicy Retain, so CloudFormation never acts on it")


def _account_removed(name: str, ou: str, live: bool) -> Change:
    if live:
        return Change("account", "removed", name, f"account {name} not in the organization",
                      Risk.DESTRUCTIVE, "the blueprint's account is not among the "
                      "organization's accounts (by name or root email): it was removed or "
                      "closed outside lzgen, or renamed and re-addressed at once by hand")
    return Change(
        "account", "removed", name, f"account {name} removed", Risk.DESTRUCTIVE,
        "the account is NOT closed (DeletionPolicy Retain): it leaves CloudFormation's "
        f"management and stays in OU {ou} with whatever applies there; "
        "close it in AWS Organizations if that is the intent")


def _account_changes(base: Organization, head: Organization, old: str, new: str,
                     matches: Matches) -> list[Change]:
    before, after = base.accounts[old], head.accounts[new]
    changes: list[Change] = []
    if old != new:
        changes.append(Change(
            "account", "renamed", new, f"account {old} renamed to {new} (same root email "
                                       f"{after.email})",
            Risk.DESTRUCTIVE,
            "lzgen names the account's resource after the account, so CloudFormation drops "
            f"{old} from its management (kept, not closed) and tries to create a NEW account "
            "with the same email, which AWS refuses while the old account uses it; to rename "
            f"in place keep the key {old} and set `name: {new}`"))
    elif before.display_name(old) != after.display_name(new):
        changes.append(Change(
            "account", "renamed", new, f"account {new} renamed: {before.display_name(old)!r} "
                                       f"-> {after.display_name(new)!r}", Risk.ROUTINE,
            "renamed in place through the Account API (PutAccountName): same account and ID; "
            "its CloudFormation resource keeps its logical ID and template"))
    if before.email.lower() != after.email.lower():
        changes.append(_email_changed(new, before, after))
    if before.role_name != after.role_name:
        changes.append(Change("account", "changed", new,
                              f"account {new}: role_name {before.role_name} -> "
                              f"{after.role_name}",
                              Risk.DESTRUCTIVE, _REFUSED.format(what="the access role name")))
    if matches.ou(before.ou) != after.ou:
        changes.append(_account_moved(base, head, old, new, matches))
    exclude = {"email", "ou", "role_name", "name", "created_email", "state"}
    rest = leaf_changes(before.model_dump(mode="json", exclude=exclude),
                        after.model_dump(mode="json", exclude=exclude), ())
    if rest:
        changes.append(Change("account", "changed", new,
                              f"account {new}: {_paths(rest)} changed", Risk.ROUTINE,
                              "updated in place", _leaf_lines(rest)))
    return changes


def _email_changed(name: str, before: Account, after: Account) -> Change:
    summary = f"account {name}: root email changed, {before.email} -> {after.email}"
    if before.template_email().lower() == after.template_email().lower():
        return Change("account", "email-changed", name, summary, Risk.ROUTINE,
                      "changed in place through the Account API (StartPrimaryEmailUpdate, "
                      "then AcceptPrimaryEmailUpdate with the one-time code AWS sends to the "
                      "new address); the template keeps the email the account was created "
                      "with, so CloudFormation does not act on it")
    return Change("account", "email-changed", name, summary, Risk.DESTRUCTIVE,
                  _REFUSED.format(what="the root email") + "; to change it in place keep "
                  f"`created_email: {before.template_email()}` beside the new `email`")


def _account_moved(base: Organization, head: Organization, old: str, new: str,
                   matches: Matches) -> Change:
    summary = (f"account {new} moved from OU {base.accounts[old].ou} to OU "
               f"{head.accounts[new].ou}")
    state_before = base.blueprint.accounts[old].state if old in base.blueprint.accounts \
        else AccountState.ACTIVE
    state_after = head.blueprint.accounts[new].state if new in head.blueprint.accounts \
        else AccountState.ACTIVE
    if state_after is AccountState.SUSPENDED and state_before is not AccountState.SUSPENDED:
        return Change("account", "suspended", new, f"account {new} suspended: moved to OU "
                      f"{SUSPENDED_OU}", Risk.ROUTINE,
                      "its deny-all SCP stops everything in it but the break-glass role; the "
                      "account is kept, alerts keep working, and `state: active` brings it "
                      "back")
    kept = set(scps_in_effect(head, new))
    lost = [name for name in scps_in_effect(base, old)
            if matches.policies.get(name, name) not in kept
            and name in base.policies and is_guardrail(base.policies[name])]
    if lost:
        return Change("account", "moved", new, summary, Risk.WEAKENS,
                      f"it leaves guardrail{_s(lost)} behind: {', '.join(lost)} no longer "
                      "appl" + ("ies" if len(lost) == 1 else "y"))
    return Change("account", "moved", new, summary, Risk.ROUTINE,
                  "CloudFormation moves the account (MoveAccount); no guardrail is lost")


# --- policies -------------------------------------------------------------------------------

def _match_policies(base: Organization | None, head: Organization, matches: Matches) -> None:
    """Policies on both sides, and renamed ones: the same type and document."""
    before = base.policies if base else {}
    after = head.policies
    for name in before.keys() & after.keys():
        matches.policies[name] = name
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    matches.policies.update(_unique_pairs(removed, added, lambda n: _fingerprint(before[n]),
                                          lambda n: _fingerprint(after[n])))


def _policies(base: Organization | None, head: Organization, matches: Matches,
              live: bool = False) -> list[Change]:
    before = base.policies if base else {}
    after = head.policies
    changes: list[Change] = []
    for old, new in sorted(matches.policies.items(), key=lambda p: p[1]):
        changes += _policy_changes(before[old], after[new], matches, head)
    renamed_to = set(matches.policies.values())
    for name in sorted(before.keys() - after.keys()):
        if name not in matches.policies:
            changes.append(_policy_removed(before[name], live))
    for name in sorted(after.keys() - before.keys()):
        if name not in renamed_to:
            policy = after[name]
            targets = sorted({t.key for t in policy.targets})
            where = f", attached to {', '.join(targets)}" if targets else ""
            changes.append(Change("policy", "added", name,
                                  f"{POLICY_WORDS[policy.spec.type]} {name} added{where}",
                                  Risk.ROUTINE, "a new policy; it can only restrict more"
                                  if policy.spec.type == "scp" and is_guardrail(policy)
                                  else "a new policy"))
    return changes


def _fingerprint(policy: ResolvedPolicy) -> str:
    from generator.jsonio import compact_json

    return f"{policy.spec.type}:{compact_json(policy.document)}"


def is_guardrail(policy: ResolvedPolicy) -> bool:
    """Whether an SCP or RCP holds a Deny statement, that is: whether it is a guardrail."""
    if policy.spec.type not in ("scp", "rcp") or not policy.document:
        return False
    raw = policy.document.get("Statement", [])
    statements = [raw] if isinstance(raw, Mapping) else raw
    return any(isinstance(s, Mapping) and s.get("Effect") == "Deny" for s in statements)


def _policy_removed(policy: ResolvedPolicy, live: bool = False) -> Change:
    targets = sorted({t.key for t in policy.targets})
    if live:
        return Change("policy", "removed", policy.name,
                      f"{POLICY_WORDS[policy.spec.type]} {policy.name} not in the organization",
                      Risk.DESTRUCTIVE if targets else Risk.ROUTINE,
                      "it was deleted outside lzgen; its stack still holds the old policy ID, "
                      "so deploy cannot put it back: remove it from the blueprint and deploy, "
                      "then add it again")
    if not targets:
        return Change("policy", "removed", policy.name, f"policy {policy.name} removed",
                      Risk.ROUTINE, "it was not attached anywhere")
    guard = " This guardrail stops protecting those targets." if is_guardrail(policy) else ""
    lost = protections_set(policy.spec.type, policy.document)
    if lost:
        guard += f" Protection turned off: {'; '.join(lost)}."
    return Change("policy", "removed", policy.name,
                  f"{POLICY_WORDS[policy.spec.type]} {policy.name} removed (was attached to "
                  f"{', '.join(targets)})", Risk.DESTRUCTIVE,
                  "CloudFormation detaches and deletes a policy that is in use." + guard)


def _policy_changes(before: ResolvedPolicy, after: ResolvedPolicy, matches: Matches,
                    head: Organization) -> list[Change]:
    name = after.name
    changes: list[Change] = []
    if before.name != name:
        changes.append(Change("policy", "renamed", name,
                              f"policy {before.name} renamed to {name} (detected: same "
                              "document)", Risk.ROUTINE,
                              "CloudFormation creates the new policy before it deletes the "
                              "old one, so the targets stay covered"))
    if before.spec.type != after.spec.type:
        changes.append(Change("policy", "type-changed", name,
                              f"policy {name}: type {before.spec.type} -> {after.spec.type}",
                              Risk.DESTRUCTIVE,
                              "a policy's type cannot change: CloudFormation replaces it, so "
                              f"the {before.spec.type} policy is deleted from every target"))
    else:
        changes += _content_change(before, after)
    changes += _attachment_changes(before, after, matches, head)
    rest = leaf_changes(
        before.spec.model_dump(mode="json", include={"description", "tags"}),
        after.spec.model_dump(mode="json", include={"description", "tags"}), ())
    if rest:
        changes.append(Change("policy", "changed", name, f"policy {name}: {_paths(rest)} "
                              "changed", Risk.ROUTINE, "updated in place", _leaf_lines(rest)))
    return changes


def _content_change(before: ResolvedPolicy, after: ResolvedPolicy) -> list[Change]:
    diff: DocumentDiff = document_diff(after.spec.type, before.document, after.document)
    if diff.is_empty:
        return []
    parameters = _parameter_lines(before, after)
    details = parameters + list(diff.details)
    what = f"parameters {', '.join(p.split(':')[0] for p in parameters)}" if parameters \
        else f"{len(diff.details)} change(s) to its document"
    summary = f"{POLICY_WORDS[after.spec.type]} {after.name} changed: {what}"
    if diff.weakening:
        return [Change("policy", "changed", after.name, summary, Risk.WEAKENS,
                       _weakening_reason(before, after, diff), tuple(details))]
    return [Change("policy", "changed", after.name, summary, Risk.ROUTINE,
                   "the policy only gets stricter or changes wording", tuple(details))]


def _parameter_lines(before: ResolvedPolicy, after: ResolvedPolicy) -> list[str]:
    if before.spec.builtin is None or before.spec.builtin != after.spec.builtin:
        return []
    lines = []
    old, new = before.spec.parameters, after.spec.parameters
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        if isinstance(old.get(key, []), list) and isinstance(new.get(key, []), list):
            gained = [v for v in new.get(key, []) if v not in old.get(key, [])]
            lost = [v for v in old.get(key, []) if v not in new.get(key, [])]
            lines.append(f"{key}: " + " ".join([*(f"+{v}" for v in gained),
                                                 *(f"-{v}" for v in lost)]))
        else:
            lines.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    return lines


def _weakening_reason(before: ResolvedPolicy, after: ResolvedPolicy, diff: DocumentDiff) -> str:
    if after.spec.builtin == "deny-outside-regions" == before.spec.builtin:
        old = before.spec.parameters.get("allowed_regions", [])
        gained = [r for r in after.spec.parameters.get("allowed_regions", []) if r not in old]
        if gained:
            return (f"allowed region{_s(gained)} {', '.join(gained)} added: the region "
                    "guardrail no longer denies "
                    + ("it" if len(gained) == 1 else "them"))
    return "the guardrail is loosened: " + "; ".join(diff.weakening)


def _attachment_changes(before: ResolvedPolicy, after: ResolvedPolicy, matches: Matches,
                        head: Organization) -> list[Change]:
    old = {matches.target(t.key) for t in before.targets}
    new = {t.key for t in after.targets}
    changes: list[Change] = []
    detached = sorted(old - new)
    attached = sorted(new - old)
    if detached:
        changes.append(_detached(after, detached, head))
    if attached:
        changes.append(Change("policy", "attached", after.name,
                              f"{POLICY_WORDS[after.spec.type]} {after.name} attached to "
                              f"{', '.join(attached)}", Risk.ROUTINE,
                              "more targets are covered"))
    return changes


def _detached(policy: ResolvedPolicy, targets: list[str], head: Organization) -> Change:
    gone = [t for t in targets if not _target_exists(head, t)]
    still = [t for t in targets if t not in gone]
    shown = ", ".join(f"{t} (removed)" if t in gone else t for t in targets)
    summary = f"{POLICY_WORDS[policy.spec.type]} {policy.name} detached from {shown}"
    if still and policy.spec.builtin == "deny-root-user":
        return Change("policy", "detached", policy.name, summary, Risk.WEAKENS,
                      "root-user protection turned off: root users below "
                      f"{', '.join(still)} can act again")
    if still and is_guardrail(policy):
        return Change("policy", "detached", policy.name, summary, Risk.WEAKENS,
                      f"guardrail removed: what {policy.name} denies is no longer denied "
                      f"below {', '.join(still)}")
    lost = protections_set(policy.spec.type, policy.document)
    if still and lost:
        return Change("policy", "detached", policy.name, summary, Risk.WEAKENS,
                      f"protection turned off below {', '.join(still)}: {'; '.join(lost)}")
    if still and policy.spec.type == "ai_opt_out":
        return Change("policy", "detached", policy.name, summary, Risk.WEAKENS,
                      "AI services may use content of accounts below "
                      f"{', '.join(still)} again")
    return Change("policy", "detached", policy.name, summary, Risk.ROUTINE,
                  "fewer targets are covered" if still else "its targets were removed")


def _target_exists(org: Organization, key: str) -> bool:
    kind, _, name = key.partition(":")
    if kind == "ou":
        return name in org.ous
    if kind == "account":
        return name in org.accounts
    return True


# --- FullAWSAccess and the other blueprint sections -----------------------------------------

def _full_aws_access(base: Organization | None, head: Organization,
                     matches: Matches) -> list[Change]:
    old = {matches.target(t) for t in base.blueprint.full_aws_access.detach} if base else set()
    new = set(head.blueprint.full_aws_access.detach)
    changes: list[Change] = []
    restored = sorted(t for t in old - new if _target_exists(head, t))
    if restored:
        changes.append(Change("full_aws_access", "attached", "FullAWSAccess",
                              f"FullAWSAccess no longer detached from {', '.join(restored)}",
                              Risk.WEAKENS, "AWS's allow-everything SCP applies there again, "
                                            "so the allow-list that replaced it stops "
                                            "limiting what accounts below may do"))
    taken = sorted(new - old)
    if taken:
        changes.append(Change("full_aws_access", "detached", "FullAWSAccess",
                              f"FullAWSAccess detached from {', '.join(taken)}", Risk.ROUTINE,
                              "permissions there are limited to what other SCPs allow"))
    return changes


def _sections(base: Organization | None, head: Organization, live: bool = False
               ) -> list[Change]:
    if base is None:
        return []
    changes: list[Change] = []
    for section in type(head.blueprint).model_fields:
        if section in _HANDLED:
            continue
        before = _dump(getattr(base.blueprint, section))
        after = _dump(getattr(head.blueprint, section))
        found = leaf_changes(before, after, ())
        if not found:
            continue
        off = _turned_off(before, after, ())
        if live:
            off += _found_off(section, before, after)
        if section == "exceptions":
            off += [f"exception {key} accepted" for key in sorted(
                set(after or {}) - set(before or {}))]
        reason = (_SECTION_WEAKENING.get(section, "a protection is turned off") if off
                  else "no resource is replaced")
        summary = "; ".join(off) if off else f"{_paths(found)} changed"
        changes.append(Change(section, "changed", section, f"{section}: {summary}",
                              Risk.WEAKENS if off else Risk.ROUTINE, reason,
                              _leaf_lines(found)))
    return changes


def _found_off(section: str, before: Any, after: Any) -> list[str]:
    """In drift: an entry the blueprint implies (absent there) found with a protective flag
    off, such as CloudTrail's trusted access that the organization trail needs."""
    if not isinstance(after, Mapping):
        return []
    old = before if isinstance(before, Mapping) else {}
    return [f"{section}.{key}.{flag} turned off" for key, value in after.items()
            if old.get(key) is None and isinstance(value, Mapping)
            for flag in sorted(_PROTECTIVE_FLAGS) if value.get(flag) is False]


def _dump(value: Any) -> Any:
    """Plain JSON data of a section; `exceptions` is a mapping of models, not a model."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {key: _dump(item) for key, item in value.items()}
    return value


def _turned_off(before: Any, after: Any, path: tuple[str, ...]) -> list[str]:
    """Where a section that was on disappears, or a protective flag goes from true to false."""
    where = ".".join(path) or "the whole section"
    if isinstance(before, Mapping):
        if not isinstance(after, Mapping):
            enabled = before.get("enabled", True) is not False
            return [f"{where} removed"] if before and enabled else []
        found: list[str] = []
        for key, value in before.items():
            if key in _PROTECTIVE_FLAGS and value is True and after.get(key) is False:
                found.append(f"{where}.{key} turned off")
            elif isinstance(value, Mapping):
                found += _turned_off(value, after.get(key), (*path, str(key)))
        return found
    return []


def _paths(changes: Iterable[tuple[tuple[str, ...], str, str]]) -> str:
    names = sorted({".".join(path[:2]) or "value" for path, _, _ in changes})
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _leaf_lines(changes: Iterable[tuple[tuple[str, ...], str, str]]) -> tuple[str, ...]:
    return tuple(f"{'.'.join(path) or 'value'}: {old} -> {new}" for path, old, new in changes)


def _s(items: list[str]) -> str:
    return "s" if len(items) != 1 else ""
