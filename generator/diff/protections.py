"""Which changes to a management policy turn a protection off, read from the registry's
`Protection` entries (generator/policies/types.py): an EC2 declarative policy that stops
blocking public AMI sharing, an S3 policy that lets Block Public Access go, a Security Hub or
Inspector policy that enables fewer Regions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from generator.policies.types import Protection, spec

Path = tuple[str, ...]


def weakenings(policy_type: str, base: Mapping[str, Any], head: Mapping[str, Any]) -> list[str]:
    """Why the change from ``base`` to ``head`` weakens a protection (empty: it does not)."""
    reasons: list[str] = []
    for protection in spec(policy_type).protections:
        before, after = _settings(protection.path, base), _settings(protection.path, head)
        for path in sorted(before.keys() | after.keys()):
            reasons += _weakened(protection, path, before.get(path), after.get(path))
    return reasons


def protections_set(policy_type: str, document: Mapping[str, Any] | None) -> list[str]:
    """The protections ``document`` turns on: what is lost when it is detached or removed."""
    found: list[str] = []
    for protection in spec(policy_type).protections:
        for path, value in sorted(_settings(protection.path, document or {}).items()):
            if protection.strength == ("enable",):
                if value:
                    found.append(f"{protection.what} in {', '.join(map(str, value))}")
            elif _rank(protection, value) < len(protection.strength) - 1:
                found.append(f"{protection.what} ({'.'.join(path)}: {value})")
    return found


def _weakened(protection: Protection, path: Path, old: Any, new: Any) -> list[str]:
    where = ".".join(path)
    if protection.strength in (("enable",), ("disable",)):
        old_set, new_set = set(map(str, old or [])), set(map(str, new or []))
        changed = old_set - new_set if protection.strength == ("enable",) else new_set - old_set
        verb = "no longer" if protection.strength == ("enable",) else "now"
        return [f"{protection.what}: {verb} in {', '.join(sorted(changed))} ({where})"] \
            if changed else []
    if old is None or _rank(protection, new) <= _rank(protection, old):
        return []
    shown = "removed" if new is None else repr(new)
    return [f"{protection.what} weakened: {where} {old!r} -> {shown}"]


def _rank(protection: Protection, value: Any) -> int:
    try:
        return protection.strength.index(value)
    except ValueError:
        return len(protection.strength)


def _settings(pattern: Path, document: Mapping[str, Any]) -> dict[Path, Any]:
    """Concrete path -> the value the document gives that setting (its @@assign, or for a
    list its @@assign and @@append values together)."""
    return dict(_walk(pattern, document, ()))


def _walk(pattern: Path, node: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    if not isinstance(node, Mapping):
        return
    if not pattern:
        value = node.get("@@assign")
        if isinstance(value, list) or "@@append" in node:
            value = [*(value or []), *node.get("@@append", [])]
        if value is not None:
            yield path, value
        return
    head, rest = pattern[0], pattern[1:]
    keys = [k for k in node if not str(k).startswith("@@")] if head == "*" else [head]
    for key in keys:
        if key in node:
            yield from _walk(rest, node[key], (*path, str(key)))
