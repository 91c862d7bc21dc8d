"""Offline evaluation of service control policies for one request: is the action denied, and
by which policy and statement?

How SCPs decide (Organizations user guide, "SCP evaluation",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html):
an explicit Deny in any SCP on the way from the root to the account wins; otherwise the action
must be allowed by an SCP at every level of that way (root, each OU, the account).

Only what a request of lzgen's own machinery carries can be decided here: the action, the
region, the principal's ARN. A condition on any other key (or with an operator this module
does not know) is undecided, and so is a Resource pattern when the request's resource is not
known: the verdict then says "may" rather than "does".
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# One level of the chain: (policy name, document) pairs attached there.
Level = Sequence[tuple[str, Mapping[str, Any]]]


@dataclass(frozen=True)
class Request:
    action: str
    region: str
    principal_arn: str
    resource: str = ""  # "" when not known
    # Further condition keys the caller knows, (name, value) pairs; None: the key is absent.
    keys: tuple[tuple[str, str | None], ...] = ()

    def context(self) -> dict[str, str | None]:
        """Condition keys (lower case) and their values; None: the key is absent."""
        known: dict[str, str | None] = {"aws:principalarn": self.principal_arn,
                                        "aws:requestedregion": self.region,
                                        "aws:assumedroot": None}
        known.update((name.lower(), value) for name, value in self.keys)
        return known


@dataclass(frozen=True)
class Verdict:
    """Why a request is (or may be) refused."""

    policy: str
    statement: str  # its Sid, or "statement N" (1-based)
    certain: bool  # False: a condition or resource could not be decided
    reason: str


Statement = tuple[str, Mapping[str, Any]]  # (label, statement)


@dataclass(frozen=True)
class Chain:
    """The levels with their statements read once, split by effect: evaluating many requests
    under the same SCPs reads each document once."""

    denies: tuple[tuple[str, Statement], ...]  # (policy name, statement), top level first
    allows: tuple[tuple[str, tuple[Statement, ...]], ...]  # per level: names, Allow statements

    @classmethod
    def of(cls, levels: Sequence[Level]) -> Chain:
        denies: list[tuple[str, Statement]] = []
        allows: list[tuple[str, tuple[Statement, ...]]] = []
        for level in levels:
            allowing: list[Statement] = []
            for name, document in level:
                for labelled in _statements(document):
                    effect = labelled[1].get("Effect")
                    if effect == "Deny":
                        denies.append((name, labelled))
                    elif effect == "Allow":
                        allowing.append(labelled)
            allows.append((", ".join(name for name, _ in level) or "no SCP", tuple(allowing)))
        return cls(tuple(denies), tuple(allows))


def evaluate(levels: Sequence[Level] | Chain, request: Request) -> Verdict | None:
    """The first Deny that applies (certain ones first), else the first level without an
    Allow for the action; None when the SCPs let the request through."""
    chain = levels if isinstance(levels, Chain) else Chain.of(levels)
    undecided: Verdict | None = None
    for name, (label, statement) in chain.denies:
        match = _applies(statement, request)
        if match is True:
            return Verdict(name, label, True, "explicit deny")
        if match is None and undecided is None:
            undecided = Verdict(name, label, False, "explicit deny, if its condition or "
                                "resource matches")
    if undecided is not None:
        return undecided
    for index, (names, statements) in enumerate(chain.allows):
        allows = [_applies(s, request) for _, s in statements]
        if True not in allows:
            return Verdict(names, "", None not in allows,
                           f"no SCP at level {index} of the chain ({names}) allows it")
    return None


def _statements(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return [(str(s.get("Sid") or f"statement {i + 1}"), s)
            for i, s in enumerate(statements) if isinstance(s, Mapping)]


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def _applies(statement: Mapping[str, Any], request: Request) -> bool | None:
    """True: the statement matches the request; False: it does not; None: undecided."""
    if "Action" in statement:
        action = any(_like(request.action, p) for p in _listed(statement["Action"]))
    else:
        action = not any(_like(request.action, p) for p in _listed(statement.get("NotAction")))
    if not action:
        return False
    resource = _resource_matches(statement, request.resource)
    if resource is False:
        return False
    condition = _condition(statement.get("Condition") or {}, request.context())
    if condition is False:
        return False
    return None if None in (resource, condition) else True


def _resource_matches(statement: Mapping[str, Any], resource: str) -> bool | None:
    patterns = _listed(statement.get("Resource", statement.get("NotResource", "*")))
    negated = "Resource" not in statement and "NotResource" in statement
    if "*" in patterns:
        return not negated
    if not resource:
        return None
    found = any(_like(resource, p, case=True) for p in patterns)
    return found != negated


@lru_cache(maxsize=4096)
def _pattern(pattern: str, case: bool) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), 0 if case else re.IGNORECASE)


def _like(value: str, pattern: str, case: bool = False) -> bool:
    """IAM wildcard matching: * any run, ? one character (actions compare without case)."""
    return _pattern(pattern, case).match(value) is not None


_STRING = {"stringequals": (False, False, True), "stringnotequals": (True, False, True),
           "stringequalsignorecase": (False, False, False),
           "stringnotequalsignorecase": (True, False, False),
           "stringlike": (False, True, True), "stringnotlike": (True, True, True),
           "arnequals": (False, True, True), "arnnotequals": (True, True, True),
           "arnlike": (False, True, True), "arnnotlike": (True, True, True)}


def _condition(block: Mapping[str, Any], context: Mapping[str, str | None]) -> bool | None:
    """All operators and keys must hold (AND); values of one key are alternatives (OR)."""
    results: list[bool | None] = []
    for operator, entries in block.items():
        if not isinstance(entries, Mapping):
            return None
        for key, values in entries.items():
            results.append(_one(operator.lower(), key.lower(), _listed(values), context))
    if False in results:
        return False
    return None if None in results else True


def _one(operator: str, key: str, values: list[str],
         context: Mapping[str, str | None]) -> bool | None:
    if key not in context:
        return None
    value = context[key]
    if operator == "null":
        return (value is None) == (values[0].lower() == "true") if values else None
    if_exists = operator.endswith("ifexists")
    base = operator.removesuffix("ifexists")
    if base not in _STRING:
        return None
    negated, wildcards, case = _STRING[base]
    if value is None:
        # A missing key: the IfExists form holds; a negated operator holds too, the others not
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
        return bool(if_exists or negated)
    if wildcards:
        found = any(_like(value, v, case) for v in values)
    else:
        found = any(value == v if case else value.lower() == v.lower() for v in values)
    return found != negated
