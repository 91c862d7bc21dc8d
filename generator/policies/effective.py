"""Offline evaluation of how policies combine down the organization tree.

The effective tag policy is the general fold of management policies
(generator/policies/merge.py) with one difference AWS documents for tag policies: a policy key
is compared without regard to case, so ``CostCenter`` at the root and ``costcenter`` on an OU
are the same key ("Tag policy syntax and examples":
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_example-tag-policies.html;
inheritance: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_mgmt.html).
The effective policy uses lower-case policy keys; when no level sets ``tag_key``, the
lower-case policy key is the required spelling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from generator.policies.merge import Node, effective_policy
from generator.policies.types import validate

LIST_SETTINGS: Final = ("tag_value", "enforced_for", "report_required_tag_for")


def effective_tag_policy(chain: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Effective tag policy of the target at the end of ``chain``.

    ``chain`` lists, from the root down to the target, the tag policies attached at each level
    in attachment order. Raises ValueError when a document is not a valid tag policy.
    """
    for depth, level in enumerate(chain):
        for position, document in enumerate(level):
            _require_valid(depth, position, document)
    return _render(effective_policy(chain, compared_key=tag_policy_key))


def tag_policy_key(parent: Node, key: str) -> str:
    """A key as the tag-policy fold compares it: policy keys (the entries of ``tags``) in
    lower case, every other key as written."""
    return key.lower() if parent == ("tags",) else key


def _require_valid(depth: int, position: int, document: Mapping[str, Any]) -> None:
    problems = validate("tag", document)
    if problems:
        first = problems[0]
        raise ValueError(f"tag policy {position} at level {depth} is invalid at "
                         f"{list(first.path)}: {first.message}")


def _render(folded: Mapping[str, Any]) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for key, settings in sorted(folded.get("tags", {}).items()):
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
