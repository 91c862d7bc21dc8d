"""What changes for each account through inheritance: the SCPs that newly apply or stop
applying, and its effective tag policy before and after.

Accounts with the same change are grouped, so that attaching a policy to the root reads as one
line and not as one line per account. Renamed accounts and policies are followed through the
matches of the organization comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.diff.model import EffectiveChange, PolicyRef, Risk
from generator.diff.organization import Matches, is_guardrail
from generator.diff.statements import leaf_changes
from generator.inheritance import FULL_AWS_ACCESS, scps_in_effect, tag_policy_chain
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
        after_scps = scps_in_effect(head, name)
        after_tags = tags_after.of(name)
        old = previous_name.get(name)
        if base is None or old is None or tags_before is None:
            added = tuple(PolicyRef(n, via) for n, via in after_scps.items())
            key: _GroupKey = (True, added, (), "", compact_json(after_tags))
        else:
            before_scps = {matches.policies.get(n, n): tuple(matches.target(t) for t in via)
                           for n, via in scps_in_effect(base, old).items()}
            before_tags = tags_before.of(old)
            added = tuple(PolicyRef(n, v) for n, v in after_scps.items() if n not in before_scps)
            removed = tuple(PolicyRef(n, v) for n, v in before_scps.items()
                            if n not in after_scps)
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
        return Risk.ROUTINE, "new accounts start with these SCPs"
    lost = [ref.name for ref in removed if base is not None and ref.name in base.policies
            and is_guardrail(base.policies[ref.name])]
    if lost:
        return Risk.WEAKENS, f"guardrails stop applying: {', '.join(lost)}"
    if any(ref.name == FULL_AWS_ACCESS for ref in added):
        return Risk.WEAKENS, ("FullAWSAccess applies again, so these accounts may do whatever "
                              "the other SCPs do not deny")
    if added and not removed:
        return Risk.ROUTINE, "more guardrails apply; no guardrail is lost"
    if removed:
        return Risk.ROUTINE, ("only SCPs that allow stop applying: permissions can only "
                              "shrink")
    return Risk.ROUTINE, "the effective tag policy changes" if tags_changed else "no change"
