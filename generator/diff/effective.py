"""What changes for each account through inheritance: the policies of every type (SCPs,
RCPs and each management policy type of generator/policies/types.py) that newly apply or stop
applying, and its effective tag policy before and after.

Accounts with the same change are grouped, so that attaching a policy to the root reads as one
line and not as one line per account. Renamed accounts and policies are followed through the
matches of the organization comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from generator.diff.model import EffectiveChange, PolicyRef, Risk
from generator.diff.organization import Matches, is_guardrail
from generator.diff.protections import protections_set
from generator.diff.statements import leaf_changes
from generator.inheritance import FULL_AWS_ACCESS, policies_in_effect, tag_policy_chain
from generator.model import Organization
from generator.policies.effective import effective_tag_policy

_GroupKey = tuple[bool, tuple[PolicyRef, ...], tuple[PolicyRef, ...], str, str]


class _TagPolicies:
    """Effective tag policies of one side, computed once per distinct chain of policies."""

    def __init__(self, org: Organization) -> None:
        self.org = org
        self.cache: dict[tuple[tuple[str, ...], ...], dict[str, Any]] = {}

    def of(self, account: str) -> dict[str, Any]:
        chain = self.org.chain_for_account(account)
        key = tuple(tuple(p.name for p in self.org.policies_on(target, "tag"))
                    for target in chain)
        if key not in self.cache:
            self.cache[key] = effective_tag_policy(tag_policy_chain(self.org, account))
        return self.cache[key]


def compare_effective(base: Organization | None, head: Organization,
                      matches: Matches) -> list[EffectiveChange]:
    from generator.jsonio import compact_json

    previous_name = {new: old for old, new in matches.accounts.items()}
    tags_before = _TagPolicies(base) if base is not None else None
    tags_after = _TagPolicies(head)
    groups: dict[_GroupKey, list[str]] = {}
    tag_values: dict[str, Mapping[str, Any] | None] = {}
    for name in head.accounts:
        after = _in_effect(head, name, lambda policy: policy, lambda target: target)
        after_tags = tags_after.of(name)
        old = previous_name.get(name)
        if base is None or old is None or tags_before is None:
            key: _GroupKey = (True, tuple(after.values()), (), "", compact_json(after_tags))
        else:
            before = _in_effect(base, old, lambda policy: matches.policies.get(policy, policy),
                                matches.target)
            before_tags = tags_before.of(old)
            added = tuple(ref for ident, ref in after.items() if ident not in before)
            removed = tuple(ref for ident, ref in before.items() if ident not in after)
            same_tags = before_tags == after_tags
            if not added and not removed and same_tags:
                continue
            key = (False, added, removed, "" if same_tags else compact_json(before_tags),
                   "" if same_tags else compact_json(after_tags))
            tag_values.setdefault(key[3], before_tags)
        tag_values.setdefault(key[4], after_tags)
        groups.setdefault(key, []).append(name)
    changes = [_change(key, accounts, base, tag_values) for key, accounts in groups.items()]
    return sorted(changes, key=lambda c: (-c.risk.rank, c.new_accounts, c.accounts[0]))


def _in_effect(org: Organization, account: str, policy_name: Callable[[str], str],
               target_name: Callable[[str], str]) -> dict[tuple[str, str], PolicyRef]:
    """(type, policy) -> its reference, for every policy applying to the account, with names
    translated to the other side's (renamed policies and targets are followed)."""
    return {(policy_type, policy_name(name)):
            PolicyRef(policy_name(name), tuple(map(target_name, via)), policy_type)
            for policy_type, policies in policies_in_effect(org, account).items()
            for name, via in policies.items()}


def _change(key: _GroupKey, accounts: list[str], base: Organization | None,
            tag_values: Mapping[str, Mapping[str, Any] | None]) -> EffectiveChange:
    new, added, removed, tags_before, tags_after = key
    before = tag_values.get(tags_before) if tags_before else None
    after = tag_values.get(tags_after) if tags_after else None
    tag_lines: tuple[str, ...] = ()
    if before is not None and after is not None:
        tag_lines = tuple(f"{'.'.join(path)}: {old} -> {value}"
                          for path, old, value in leaf_changes(before, after, ()))
    risk, reason = _classify(new, added, removed, base, bool(tag_lines))
    return EffectiveChange(tuple(accounts), new, added, removed, tag_lines,
                           before, after if (new or tag_lines) else None, risk, reason)


def _classify(new: bool, added: tuple[PolicyRef, ...], removed: tuple[PolicyRef, ...],
              base: Organization | None, tags_changed: bool) -> tuple[Risk, str]:
    if new:
        return Risk.ROUTINE, "new accounts start with these policies"
    lost = [ref.name for ref in removed if base is not None and _protects(base, ref.name)]
    if lost:
        return Risk.WEAKENS, f"guardrails stop applying: {', '.join(lost)}"
    if any(ref.name == FULL_AWS_ACCESS and ref.type == "scp" for ref in added):
        return Risk.WEAKENS, ("FullAWSAccess applies again, so these accounts may do whatever "
                              "the other SCPs do not deny")
    if added and not removed:
        more = ("guardrails" if all(ref.type in ("scp", "rcp") for ref in added)
                else "policies")
        return Risk.ROUTINE, f"more {more} apply; no guardrail is lost"
    if removed and all(ref.type == "scp" for ref in removed):
        return Risk.ROUTINE, ("only SCPs that allow stop applying: permissions can only "
                              "shrink")
    if removed:
        return Risk.ROUTINE, ("the policies that stop applying deny nothing and turn no "
                              "protection on")
    return Risk.ROUTINE, "the effective tag policy changes" if tags_changed else "no change"


def _protects(org: Organization, name: str) -> bool:
    """Whether losing the policy weakens security: a guardrail SCP or RCP (a Deny), or a
    management policy that turns on one of its type's protections."""
    policy = org.policies.get(name)
    if policy is None:
        return False
    return is_guardrail(policy) or bool(protections_set(policy.spec.type, policy.document))
