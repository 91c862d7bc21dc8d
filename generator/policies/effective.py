"""Offline evaluation of how policies combine down the organization tree.

Tag-policy inheritance, as implemented here (AWS user guide, "inheritance operators" and
"inheritance examples"):

* Levels are folded from the root down. Within a level, policies are read in attachment
  order: the first ``@@assign`` of a setting at that level wins, then that level's
  ``@@append`` values are added and its ``@@remove`` values taken away.
* ``@@operators_allowed_for_child_policies`` only affects lower levels. Declarations at the
  same level intersect, and a lower level can narrow but never widen what is inherited.
* A restriction governs the node it is written in. On a setting (``tag_value`` ...) it limits
  the value operators children may use on it; on a container (``tags`` or a policy key) it
  limits adding new entries there: a child may add a key or setting only if @@assign or
  @@append is still allowed on the container. An operator that is not allowed is ignored.
* Policy keys are compared in lower case, and the effective policy uses lower-case keys.
  When no level sets ``tag_key``, the lower-case policy key is the required spelling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from generator.policies.grammar import CHILD_CONTROL, VALUE_OPERATORS
from generator.policies.types import validate

NodePath = tuple[str, ...]

LIST_SETTINGS: Final = ("tag_value", "enforced_for", "report_required_tag_for")
_ADDING_OPERATORS: Final = frozenset({"@@assign", "@@append"})


@dataclass
class _Changes:
    """What one level does to one setting."""

    assigned: bool = False
    assign: Any = None
    append: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)


@dataclass
class _Fold:
    """The effective tag policy being built, with the child restrictions inherited so far."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    known_nodes: set[NodePath] = field(default_factory=set)
    restrictions: dict[NodePath, frozenset[str]] = field(default_factory=dict)

    def allowed(self, node: NodePath) -> frozenset[str]:
        return self.restrictions.get(node, VALUE_OPERATORS)

    def may_enter(self, node: NodePath) -> bool:
        """Whether a lower level may write to ``node``: known already, or its parent allows
        adding entries."""
        if node in self.known_nodes:
            return True
        return bool(self.allowed(node[:-1]) & _ADDING_OPERATORS)


def effective_tag_policy(chain: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Effective tag policy of the target at the end of ``chain``.

    ``chain`` lists, from the root down to the target, the tag policies attached at each level
    in attachment order. Raises ValueError when a document is not a valid tag policy.
    """
    fold = _Fold()
    for depth, level in enumerate(chain):
        for position, document in enumerate(level):
            _require_valid(depth, position, document)
        _fold_level(fold, level)
    return _render(fold)


def _require_valid(depth: int, position: int, document: Mapping[str, Any]) -> None:
    problems = validate("tag", document)
    if problems:
        first = problems[0]
        raise ValueError(f"tag policy {position} at level {depth} is invalid at "
                         f"{list(first.path)}: {first.message}")


def _fold_level(fold: _Fold, level: Sequence[Mapping[str, Any]]) -> None:
    changes: dict[NodePath, _Changes] = {}
    declared: dict[NodePath, frozenset[str]] = {}
    touched: set[NodePath] = set()
    for document in level:
        for node, operators in _writable_nodes(fold, document["tags"]):
            touched.add(node)
            if CHILD_CONTROL in operators:
                restriction = _restriction(operators[CHILD_CONTROL])
                declared[node] = declared.get(node, restriction) & restriction
            if len(node) == 3:
                _collect(changes.setdefault(node, _Changes()), operators, fold.allowed(node))
    for node, change in changes.items():
        _apply(fold, node, change)
    fold.known_nodes |= touched
    for node, restriction in declared.items():
        fold.restrictions[node] = fold.allowed(node) & restriction


def _writable_nodes(fold: _Fold, tags: Mapping[str, Any]
                    ) -> Iterable[tuple[NodePath, Mapping[str, Any]]]:
    """(node, its content) for the parts of one document this level is allowed to write;
    nodes are ("tags",), ("tags", key) and ("tags", key, setting)."""
    yield ("tags",), tags
    for raw_key, entry in tags.items():
        key_node = ("tags", raw_key.lower())
        if raw_key == CHILD_CONTROL or not fold.may_enter(key_node):
            continue
        yield key_node, entry
        for setting, operators in entry.items():
            setting_node = (*key_node, setting)
            if setting != CHILD_CONTROL and fold.may_enter(setting_node):
                yield setting_node, operators


def _restriction(words: Sequence[str]) -> frozenset[str]:
    if "@@all" in words:
        return VALUE_OPERATORS
    return frozenset(words) & VALUE_OPERATORS


def _collect(change: _Changes, operators: Mapping[str, Any], allowed: frozenset[str]) -> None:
    if "@@assign" in operators and "@@assign" in allowed and not change.assigned:
        change.assigned = True
        change.assign = operators["@@assign"]
    if "@@append" in allowed:
        change.append.extend(operators.get("@@append", ()))
    if "@@remove" in allowed:
        change.remove.extend(operators.get("@@remove", ()))


def _apply(fold: _Fold, node: NodePath, change: _Changes) -> None:
    _, key, setting = node
    settings = fold.values.setdefault(key, {})
    if setting == "tag_key":
        if change.assigned:
            settings["tag_key"] = change.assign
        return
    current: list[str] | None = list(change.assign) if change.assigned else settings.get(setting)
    if change.append:
        current = _unique([*(current or []), *change.append])
    if current is not None:
        settings[setting] = [value for value in current if value not in change.remove]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _render(fold: _Fold) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for key, settings in sorted(fold.values.items()):
        if not settings:
            continue
        entry: dict[str, Any] = {"tag_key": settings.get("tag_key", key)}
        for setting in LIST_SETTINGS:
            if setting in settings:
                entry[setting] = sorted(set(settings[setting]))
        tags[key] = entry
    return {"tags": tags}


# --- compliance -----------------------------------------------------------------------------

def value_matches(value: str, allowed: str) -> bool:
    """Whether ``value`` matches an allowed tag value holding at most one ``*`` wildcard."""
    if "*" not in allowed:
        return value == allowed
    prefix, _, suffix = allowed.partition("*")
    return (len(value) >= len(prefix) + len(suffix)
            and value.startswith(prefix) and value.endswith(suffix))


def tag_compliance(effective: Mapping[str, Any], tags: Mapping[str, str]) -> list[str]:
    """Human-readable reasons why ``tags`` (of an account or OU) break ``effective``.

    A tag the policy names must use the policy's capitalization and one of its values (when it
    lists values). A key counts as required only when its ``report_required_tag_for`` is set:
    that is the setting AWS uses to report missing tags, while ``enforced_for`` only blocks
    noncompliant tagging operations and says nothing about absent tags.
    """
    rules: Mapping[str, Any] = effective.get("tags", {})
    messages: list[str] = []
    for key, value in sorted(tags.items()):
        rule = rules.get(key.lower())
        if rule is not None:
            messages += _tag_problems(key, value, rule)
    present = {key.lower() for key in tags}
    for policy_key, rule in sorted(rules.items()):
        if rule.get("report_required_tag_for") and policy_key not in present:
            messages.append(f"required tag {rule['tag_key']!r} is missing")
    return messages


def _tag_problems(key: str, value: str, rule: Mapping[str, Any]) -> list[str]:
    messages: list[str] = []
    spelling = rule["tag_key"]
    if key != spelling:
        messages.append(f"tag key {key!r} must be written {spelling!r}")
    allowed = rule.get("tag_value")
    if allowed is not None and not any(value_matches(value, pattern) for pattern in allowed):
        shown = ", ".join(repr(pattern) for pattern in allowed) or "none"
        messages.append(f"tag {spelling!r} has value {value!r}, which is not allowed "
                        f"(allowed: {shown})")
    return messages


# --- service control policies ---------------------------------------------------------------

def first_level_without_allow(levels: Sequence[Sequence[Mapping[str, Any]]]) -> int | None:
    """Index of the first level (root first) none of whose SCPs has an Allow statement.

    An action is only permitted when every level from the root to the account allows it, so
    such a level blocks everything below it. None means every level allows something.
    """
    for index, documents in enumerate(levels):
        if not any(_has_allow(document) for document in documents):
            return index
    return None


def _has_allow(document: Mapping[str, Any]) -> bool:
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return any(
        isinstance(statement, Mapping) and statement.get("Effect") == "Allow"
        for statement in statements
    )
