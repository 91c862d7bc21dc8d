"""Which stack each OU, account and policy lives in.

A resource that changes stack is deleted from one and created in another: for an account that
means a replacement. So the assignment depends only on the resource's own name (a CRC-32 of
it, the same on every machine) and on the fixed counts in the blueprint's `layout`, never on
the other resources: adding or removing one never moves another. OUs are grouped by depth
because a parent must exist before its children; an OU's depth only changes when it moves,
and a move replaces an OU anyway (its ParentId cannot be updated).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass

from generator.model import Organization


def bucket(name: str, count: int) -> int:
    return zlib.crc32(name.encode("utf-8")) % count + 1


def _name(kind: str, index: int, count: int) -> str:
    return kind if count == 1 else f"{kind}-{index:02d}"


def ou_stack(org: Organization, path: str) -> str:
    per_level = org.blueprint.layout.ou_stacks_per_level
    base = f"ous-level{org.ous[path].depth}"
    return _name(base, bucket(path, per_level), per_level)


def account_stack(org: Organization, name: str) -> str:
    count = org.blueprint.layout.account_stacks
    return _name("accounts", bucket(name, count), count)


def policy_stack(org: Organization, name: str) -> str:
    count = org.blueprint.layout.policy_stacks
    return _name("policies", bucket(name, count), count)


@dataclass(frozen=True)
class Assignment:
    ous: dict[str, list[str]]
    accounts: dict[str, list[str]]
    policies: dict[str, list[str]]


def assign(org: Organization) -> Assignment:
    """Stack name -> sorted member names, for each kind; stacks without members are left out."""
    ous: dict[str, list[str]] = defaultdict(list)
    accounts: dict[str, list[str]] = defaultdict(list)
    policies: dict[str, list[str]] = defaultdict(list)
    for path in org.ous:
        ous[ou_stack(org, path)].append(path)
    for name in org.accounts:
        accounts[account_stack(org, name)].append(name)
    for name in org.policies:
        policies[policy_stack(org, name)].append(name)
    return Assignment(*({k: sorted(v) for k, v in sorted(d.items())}
                        for d in (ous, accounts, policies)))
