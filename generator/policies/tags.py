"""Tag policies built from a short per-tag specification."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.policies.errors import PolicyParamError
from generator.policies.grammar import (
    CHILD_CONTROL,
    resource_type_problem,
    tag_key_problem,
    tag_value_problem,
)
from generator.policies.types import validate


@dataclass(frozen=True)
class TagSpec:
    """What a tag policy says about one tag.

    ``key`` fixes the capitalization; ``values`` None means any value is compliant (one ``*``
    wildcard per value is allowed); ``enforced_for`` and ``report_required_for`` list
    ``service:resource`` or ``service:ALL_SUPPORTED`` entries. Lists are stored as tuples.
    """

    key: str
    values: Sequence[str] | None = None
    enforced_for: Sequence[str] = ()
    report_required_for: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.values is not None:
            object.__setattr__(self, "values", tuple(self.values))
        object.__setattr__(self, "enforced_for", tuple(self.enforced_for))
        object.__setattr__(self, "report_required_for", tuple(self.report_required_for))


def tag_policy_from_spec(required: Mapping[str, TagSpec], *, lock_keys: bool = False
                         ) -> dict[str, Any]:
    """Tag policy document for ``required`` (blueprint name -> spec).

    With ``lock_keys``, child policies may not change the capitalization of these keys.
    Raises PolicyParamError (``param`` = the blueprint name) for a spec AWS would refuse.
    """
    entries: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for name, spec in sorted(required.items()):
        _check_spec(name, spec)
        policy_key = spec.key.lower()
        if policy_key in owners:
            raise PolicyParamError(
                f"tags {owners[policy_key]!r} and {name!r} both define key {spec.key!r}",
                "tag policy keys are compared without regard to case; keep one of them",
                name,
            )
        owners[policy_key] = name
        entries[policy_key] = _entry(spec, lock_keys)
    document = {"tags": dict(sorted(entries.items()))}
    _raise_on_grammar_problems(document)
    return document


def _entry(spec: TagSpec, lock_key: bool) -> dict[str, Any]:
    tag_key: dict[str, Any] = {"@@assign": spec.key}
    if lock_key:
        tag_key[CHILD_CONTROL] = ["@@none"]
    entry: dict[str, Any] = {"tag_key": tag_key}
    if spec.values is not None:
        entry["tag_value"] = {"@@assign": sorted(set(spec.values))}
    if spec.enforced_for:
        entry["enforced_for"] = {"@@assign": sorted(set(spec.enforced_for))}
    if spec.report_required_for:
        entry["report_required_tag_for"] = {"@@assign": sorted(set(spec.report_required_for))}
    return entry


def _check_spec(name: str, spec: TagSpec) -> None:
    problem = tag_key_problem(spec.key)
    if problem:
        raise PolicyParamError(f"tag {name!r}: {problem}", "fix the key", name)
    if spec.values is not None and not spec.values:
        raise PolicyParamError(f"tag {name!r} lists no allowed value",
                               "list at least one value, or leave values out to allow any", name)
    for value in spec.values or ():
        problem = tag_value_problem(value)
        if problem:
            raise PolicyParamError(f"tag {name!r}, value {value!r}: {problem}",
                                   "fix or split the value", name)
    for resource_type in (*spec.enforced_for, *spec.report_required_for):
        found = resource_type_problem(resource_type)
        if found:
            raise PolicyParamError(f"tag {name!r}, {resource_type!r}: {found[0]}", found[1], name)


def _raise_on_grammar_problems(document: dict[str, Any]) -> None:
    problems = [p for p in validate("tag", document) if not p.warning]
    if problems:
        first = problems[0]
        raise PolicyParamError(f"generated tag policy is invalid at {first.path}: "
                               f"{first.message}", first.hint, None)
