"""Policy documents compared statement by statement, with what makes a change weaken security.

For an SCP the question is always: does the statement now match more requests or fewer? A Deny
statement that matches fewer requests (actions taken out, actions exempted with NotAction,
an extra condition, more values in a negated condition such as the allowed regions of
`StringNotEquals aws:RequestedRegion`) protects less; so does an Allow statement that matches
more. Anything whose direction cannot be told (a changed `Bool` or `Null` condition) counts
as both, so it is never missed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.diff.protections import weakenings

GROWS, SHRINKS = "grows", "shrinks"
_ELEMENTS = {"Action": (GROWS, SHRINKS), "NotAction": (SHRINKS, GROWS),
             "Resource": (GROWS, SHRINKS), "NotResource": (SHRINKS, GROWS)}
_UNORDERED_OPERATORS = ("Bool", "Null")


@dataclass(frozen=True, slots=True)
class DocumentDiff:
    details: tuple[str, ...]
    weakening: tuple[str, ...]  # why the change weakens security; empty when it does not

    @property
    def is_empty(self) -> bool:
        return not self.details


def document_diff(policy_type: str, base: Mapping[str, Any] | None,
                  head: Mapping[str, Any] | None) -> DocumentDiff:
    base, head = base or {}, head or {}
    if _canonical(base) == _canonical(head):
        return DocumentDiff((), ())
    if policy_type in ("scp", "rcp"):  # RCPs read like SCPs: Deny statements that match less
        return _scp_diff(base, head)
    if policy_type == "tag":
        return _tag_diff(base, head)
    return _leaf_diff(policy_type, base, head)


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


# --- service control policies -------------------------------------------------------------

def _statements(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Statements by Sid (or by position when a statement has none)."""
    raw = document.get("Statement", [])
    listed = [raw] if isinstance(raw, Mapping) else list(raw)
    result: dict[str, Mapping[str, Any]] = {}
    for index, statement in enumerate(listed, start=1):
        if not isinstance(statement, Mapping):
            continue
        sid = statement.get("Sid")
        key = f'"{sid}"' if isinstance(sid, str) and sid else f"#{index}"
        result[key if key not in result else f"{key}#{index}"] = statement
    return result


def _scp_diff(base: Mapping[str, Any], head: Mapping[str, Any]) -> DocumentDiff:
    before, after = _statements(base), _statements(head)
    details: list[str] = []
    weakening: list[str] = []
    for key in before.keys() - after.keys():
        statement = before[key]
        details.append(f"statement {key} removed ({_shape(statement)})")
        if statement.get("Effect") == "Deny":
            weakening.append(f"Deny statement {key} removed")
    for key in after.keys() - before.keys():
        statement = after[key]
        details.append(f"statement {key} added ({_shape(statement)})")
        if statement.get("Effect") == "Allow":
            weakening.append(f"Allow statement {key} added")
    for key in before.keys() & after.keys():
        lines, weakens = _statement_changes(key, before[key], after[key])
        details += lines
        weakening += weakens
    if base.get("Version") != head.get("Version"):
        details.append(f"Version {base.get('Version')} -> {head.get('Version')}")
    return DocumentDiff(tuple(sorted(details)), tuple(sorted(weakening)))


def _shape(statement: Mapping[str, Any]) -> str:
    element = next((e for e in _ELEMENTS if e in statement and "Action" in e), "Action")
    count = len(_as_set(statement.get(element)))
    return f"{statement.get('Effect')}, {count} {element}"


def _statement_changes(key: str, before: Mapping[str, Any],
                       after: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    if _canonical(before) == _canonical(after):
        return [], []
    effect_before, effect_after = before.get("Effect"), after.get("Effect")
    if effect_before != effect_after:
        line = f"statement {key}: Effect {effect_before} -> {effect_after}"
        weakens = effect_before == "Deny" or effect_after == "Allow"
        return [line], [f"statement {key} turned from Deny to Allow"] if weakens else []
    changes: list[str] = []
    directions: set[str] = set()
    for element, (on_add, on_remove) in _ELEMENTS.items():
        old, new = _as_set(before.get(element)), _as_set(after.get(element))
        added, removed = _minus(new, old), _minus(old, new)
        if added:
            directions.add(on_add)
        if removed:
            directions.add(on_remove)
        if added or removed:
            changes.append(f"{element} {_signed(added, removed)}")
    condition_lines, condition_directions = _condition_changes(
        before.get("Condition") or {}, after.get("Condition") or {})
    changes += condition_lines
    directions |= condition_directions
    if not changes:
        changes.append("rewritten with the same effect")
    line = f"statement {key}: " + "; ".join(changes)
    if effect_after == "Deny" and SHRINKS in directions:
        return [line], [f"Deny statement {key} now matches fewer requests "
                        f"({'; '.join(changes)})"]
    if effect_after == "Allow" and GROWS in directions:
        return [line], [f"Allow statement {key} now allows more ({'; '.join(changes)})"]
    return [line], []


def _condition_changes(before: Mapping[str, Any],
                       after: Mapping[str, Any]) -> tuple[list[str], set[str]]:
    """Lines describing the change and the directions it moves the statement's match."""
    old, new = _condition_values(before), _condition_values(after)
    lines: list[str] = []
    directions: set[str] = set()
    for operator, key in sorted(old.keys() - new.keys()):
        lines.append(f"Condition {operator} {key} removed")
        directions.add(GROWS)
    for operator, key in sorted(new.keys() - old.keys()):
        lines.append(f"Condition {operator} {key} added")
        directions.add(SHRINKS)
    for operator, key in sorted(old.keys() & new.keys()):
        added, removed = _minus(new[operator, key], old[operator, key]), _minus(
            old[operator, key], new[operator, key])
        if not (added or removed):
            continue
        lines.append(f"Condition {operator} {key} {_signed(added, removed)}")
        base_operator = operator.removesuffix("IfExists").split(":")[-1]
        if base_operator in _UNORDERED_OPERATORS:
            directions |= {GROWS, SHRINKS}
        elif "Not" in base_operator:  # values listed are the exceptions
            directions |= {SHRINKS} if added else set()
            directions |= {GROWS} if removed else set()
        else:
            directions |= {GROWS} if added else set()
            directions |= {SHRINKS} if removed else set()
    return lines, directions


def _condition_values(condition: Mapping[str, Any]) -> dict[tuple[str, str], set[str]]:
    values: dict[tuple[str, str], set[str]] = {}
    for operator, block in condition.items():
        if isinstance(block, Mapping):
            for key, value in block.items():
                values[str(operator), str(key)] = _as_set(value)
    return values


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {_scalar(v) for v in value}
    return {_scalar(value)}


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else _canonical(value)


def _minus(left: set[str], right: set[str]) -> list[str]:
    """Items of left not in right; action names compare case-insensitively, as in IAM."""
    lowered = {item.lower() for item in right}
    return sorted(item for item in left if item.lower() not in lowered)


def _signed(added: Iterable[str], removed: Iterable[str]) -> str:
    return " ".join([*(f"+{a}" for a in added), *(f"-{r}" for r in removed)])


# --- tag policies and the other types --------------------------------------------------------

def _tag_diff(base: Mapping[str, Any], head: Mapping[str, Any]) -> DocumentDiff:
    before, after = base.get("tags", {}) or {}, head.get("tags", {}) or {}
    details = [f"tag {key} removed" for key in sorted(before.keys() - after.keys())]
    details += [f"tag {key} added" for key in sorted(after.keys() - before.keys())]
    for key in sorted(before.keys() & after.keys()):
        for path, old, new in leaf_changes(before[key], after[key], ()):
            details.append(f"tag {key}: {'.'.join(path)} {old} -> {new}")
    return DocumentDiff(tuple(details), ())


def _leaf_diff(policy_type: str, base: Mapping[str, Any],
               head: Mapping[str, Any]) -> DocumentDiff:
    details = [f"{'.'.join(path) or 'document'}: {old} -> {new}"
               for path, old, new in leaf_changes(base, head, ())]
    weakening: list[str] = []
    if policy_type == "ai_opt_out":
        weakening = [f"{'.'.join(path)} no longer opts out"
                     for path, old, new in leaf_changes(base, head, ())
                     if "optOut" in old and "optOut" not in new]
    else:
        weakening = weakenings(policy_type, base, head)
    return DocumentDiff(tuple(details), tuple(weakening))


def leaf_changes(before: Any, after: Any,
                  path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str, str]]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            changes += leaf_changes(before.get(key), after.get(key), (*path, str(key)))
        return changes
    if _canonical(before) == _canonical(after):
        return []
    return [(path, _short(before), _short(after))]


def _short(value: Any) -> str:
    return "(none)" if value is None else _canonical(value)
