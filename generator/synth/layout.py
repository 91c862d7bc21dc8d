"""Which stack each OU, account and policy lives in: hash buckets that split when full.

A resource that changes stack has to leave one stack and be imported into another, so the
assignment must not shuffle resources as the organization grows. Yet a stack has hard limits
(500 resources, 200 parameters, 1 MB of template), so a fixed number of stacks cannot serve
every size. The assignment is therefore a binary trie of hash buckets, decided only by the
blueprint (no state, so the same blueprint always gives the same stacks):

- A member (OU path, account or policy name) first goes to root bucket `crc32(name) % N`, N
  being the blueprint's `layout` count (4 account stacks by default). Up to the first split,
  this is exactly the assignment lzgen has always made.
- A bucket whose members do not fit one stack (`fits`, which builds and measures the
  template) splits in two by the next bit of the member's SHA-256: bit 0 members stay in the
  bucket's stack, bit 1 members go to a new stack. Bucket `i` (0-based) at depth `d` has
  children `i` and `i + N * 2**d`, so the stack that keeps half its members keeps its name
  (`accounts-03` stays `accounts-03`; the other half goes to, say, `accounts-07`).

Whether a bucket splits depends only on its own members, so adding or removing an account
can only move members of the one bucket it belongs to, and only when that bucket crosses its
capacity; every other stack keeps its members. OUs are bucketed per depth, because a parent
must exist before its children; an OU's depth only changes when it moves, and a move
replaces an OU anyway (its ParentId cannot be updated).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Far more than any organization needs (2,000 stacks per account is CloudFormation's quota);
# it only bounds the work when a single member cannot fit a stack of its own.
MAX_SPLITS = 16

Fits = Callable[[str, list[str]], bool]


def root_bucket(name: str, roots: int) -> int:
    return zlib.crc32(name.encode("utf-8")) % roots


def split_bit(name: str, depth: int) -> int:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return (digest[depth // 8] >> (depth % 8)) & 1


def stack_name(kind: str, index: int, roots: int) -> str:
    """`index` is 0-based; a kind with one root bucket keeps its bare name for bucket 0."""
    return kind if roots == 1 and index == 0 else f"{kind}-{index + 1:02d}"


@dataclass(frozen=True)
class Bucket:
    stack: str
    index: int  # 0-based; the stacks of one kind deploy in this order
    members: tuple[str, ...]


def buckets(kind: str, names: Iterable[str], roots: int, fits: Fits) -> list[Bucket]:
    """The non-empty buckets of `names`, by index; each fits its stack unless a single
    member (or MAX_SPLITS levels of splitting) could not be made to fit."""
    pending: list[tuple[int, int, list[str]]] = []
    grouped: dict[int, list[str]] = {}
    for name in sorted(names):
        grouped.setdefault(root_bucket(name, roots), []).append(name)
    pending = [(index, 0, members) for index, members in grouped.items()]
    found: list[Bucket] = []
    while pending:
        index, depth, members = pending.pop()
        stack = stack_name(kind, index, roots)
        if len(members) <= 1 or depth >= MAX_SPLITS or fits(stack, members):
            found.append(Bucket(stack, index, tuple(members)))
            continue
        stays = [m for m in members if not split_bit(m, depth)]
        leaves = [m for m in members if split_bit(m, depth)]
        pending += [(i, depth + 1, group)
                    for i, group in ((index, stays), (index + roots * 2 ** depth, leaves))
                    if group]
    return sorted(found, key=lambda b: b.index)


@dataclass
class Assignment:
    """Stack name -> sorted member names, for each kind, in deploy order (by bucket index);
    and each member's stack."""

    ous: dict[str, list[str]] = field(default_factory=dict)
    accounts: dict[str, list[str]] = field(default_factory=dict)
    policies: dict[str, list[str]] = field(default_factory=dict)
    ou_stack: dict[str, str] = field(default_factory=dict)
    account_stack: dict[str, str] = field(default_factory=dict)
    policy_stack: dict[str, str] = field(default_factory=dict)

    def place(self, kind: str, found: list[Bucket]) -> None:
        stacks, owner = {"ous": (self.ous, self.ou_stack),
                         "accounts": (self.accounts, self.account_stack),
                         "policies": (self.policies, self.policy_stack)}[kind]
        for bucket in found:
            stacks[bucket.stack] = list(bucket.members)
            owner.update(dict.fromkeys(bucket.members, bucket.stack))
