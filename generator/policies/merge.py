"""The effective policy of a management policy type, folded as DescribeEffectivePolicy does.

Rules (AWS user guide, "Policy syntax and inheritance for management policy types" and
"Inheritance operators":
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_mgmt.html,
https://docs.aws.amazon.com/organizations/latest/userguide/policy-operators.html):

* Levels are folded from the root down to the account. Within a level, policies are read in
  attachment order: the first ``@@assign`` of a setting wins, then the level's ``@@append``
  values are added and its ``@@remove`` values taken away.
* A setting is an object holding value operators; any other object is a container of named
  entries. The effective policy shows settings as plain values (operators resolved).
* ``@@operators_allowed_for_child_policies`` affects only lower levels; a lower level can
  narrow what it inherits, never widen it. On a setting it limits the operators children may
  use on it; on a container it limits adding entries: a child may add an entry only while
  ``@@assign`` or ``@@append`` is still allowed there. An operator that is not allowed is
  ignored.

Tag policies use this fold too (generator/policies/effective.py), with their policy keys
compared without regard to case (``compared_key``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from generator.policies.grammar import CHILD_CONTROL, VALUE_OPERATORS

Node = tuple[str, ...]
# (the node holding a key, the key as written) -> the key as levels are matched on it
KeyComparison = Callable[[Node, str], str]
_ADDING: Final = frozenset({"@@assign", "@@append"})


@dataclass
class _Change:
    assigned: bool = False
    assign: Any = None
    append: list[Any] = field(default_factory=list)
    remove: list[Any] = field(default_factory=list)


@dataclass
class _Fold:
    compared_key: KeyComparison
    values: dict[Node, Any] = field(default_factory=dict)
    known: set[Node] = field(default_factory=set)
    restrictions: dict[Node, frozenset[str]] = field(default_factory=dict)

    def allowed(self, node: Node) -> frozenset[str]:
        return self.restrictions.get(node, VALUE_OPERATORS)

    def may_enter(self, node: Node) -> bool:
        return node in self.known or bool(self.allowed(node[:-1]) & _ADDING)


def as_written(parent: Node, key: str) -> str:
    return key


def effective_policy(chain: Sequence[Sequence[Mapping[str, Any]]],
                     compared_key: KeyComparison = as_written) -> dict[str, Any]:
    """Effective policy of the target at the end of ``chain`` (root first; each level lists
    the documents attached there in attachment order). ``compared_key`` says which keys are
    the same across documents; the effective policy shows each key as it compares."""
    fold = _Fold(compared_key)
    for level in chain:
        changes: dict[Node, _Change] = {}
        declared: dict[Node, frozenset[str]] = {}
        touched: set[Node] = set()
        for document in level:
            for node, content in _writable(fold, document, ()):
                touched.add(node)
                if CHILD_CONTROL in content:
                    words = content[CHILD_CONTROL]
                    restriction = (VALUE_OPERATORS if "@@all" in words
                                   else frozenset(words) & VALUE_OPERATORS)
                    declared[node] = declared.get(node, restriction) & restriction
                if _is_setting(content):
                    _collect(changes.setdefault(node, _Change()), content, fold.allowed(node))
        for node, change in changes.items():
            _apply(fold, node, change)
        fold.known |= touched
        for node, restriction in declared.items():
            fold.restrictions[node] = fold.allowed(node) & restriction
    return _render(fold.values)


def _is_setting(content: Mapping[str, Any]) -> bool:
    return any(key in VALUE_OPERATORS for key in content)


def _writable(fold: _Fold, content: Mapping[str, Any], node: Node
              ) -> Iterator[tuple[Node, Mapping[str, Any]]]:
    """(node, content) for every part of a document this level may write, top-down."""
    yield node, content
    if _is_setting(content):
        return
    for key, child in content.items():
        if key.startswith("@@") or not isinstance(child, Mapping):
            continue
        child_node = (*node, fold.compared_key(node, key))
        if fold.may_enter(child_node):
            yield from _writable(fold, child, child_node)


def _collect(change: _Change, operators: Mapping[str, Any], allowed: frozenset[str]) -> None:
    if "@@assign" in operators and "@@assign" in allowed and not change.assigned:
        change.assigned, change.assign = True, operators["@@assign"]
    if "@@append" in allowed:
        change.append.extend(operators.get("@@append", ()))
    if "@@remove" in allowed:
        change.remove.extend(operators.get("@@remove", ()))


def _apply(fold: _Fold, node: Node, change: _Change) -> None:
    current = change.assign if change.assigned else fold.values.get(node)
    if change.append:
        existing = current if isinstance(current, list) else []
        current = [*existing, *(v for v in change.append if v not in existing)]
    if change.remove and isinstance(current, list):
        current = [v for v in current if v not in change.remove]
    if current is not None or change.assigned:
        fold.values[node] = current


def _render(values: Mapping[Node, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for node, value in sorted(values.items()):
        if not node:
            continue
        target = result
        for key in node[:-1]:
            target = target.setdefault(key, {})
        target[node[-1]] = value
    return result
