"""Offline grammar checks for Organizations policy documents.

``validate`` reports every problem it finds instead of stopping at the first one, each with a
path relative to the document root so that callers can point at the blueprint line that
produced it. Size limits are deliberately not checked here: they live in the caller's quota
table, which uses ``minified_size``.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from generator.policies.policy_types import POLICY_TYPES

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy document, located by its path from the document root."""

    path: JsonPath
    message: str
    hint: str = ""


def validate(policy_type: str, document: object) -> list[Problem]:
    """Return the grammar problems of ``document`` read as a policy of ``policy_type``."""
    try:
        check = _VALIDATORS[policy_type]
    except KeyError:
        raise ValueError(
            f"unknown policy type {policy_type!r}; expected one of {', '.join(POLICY_TYPES)}"
        ) from None
    # Documents often come from YAML, where an unquoted number or date can become a key;
    # the checks below assume string keys, so stop here when that is not the case.
    return _non_string_keys((), document) or check(document)


def minified_size(document: object) -> int:
    """Characters of the document as the Organizations API receives it (minified JSON)."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


# --- shared helpers -------------------------------------------------------------------------

CHILD_CONTROL: Final = "@@operators_allowed_for_child_policies"
VALUE_OPERATORS: Final = frozenset({"@@assign", "@@append", "@@remove"})
_CHILD_CONTROL_WORDS: Final = frozenset({"@@all", "@@none"})

ValueCheck = Callable[[JsonPath, object], list[Problem]]


def _closest_hint(word: str, choices: Iterable[str]) -> str:
    options = sorted(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}? allowed: {', '.join(options)}"
    return f"allowed: {', '.join(options)}"


def _non_string_keys(path: JsonPath, node: object) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                problems += _non_string_keys((*path, key), value)
            else:
                problems.append(Problem(path, f"key {key!r} is not a string",
                                        "quote the key in the blueprint"))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            problems += _non_string_keys((*path, index), item)
    return problems


def _unknown_keys(node: Mapping[str, object], allowed: frozenset[str], path: JsonPath,
                  what: str) -> list[Problem]:
    return [
        Problem((*path, key), f"unknown {what} {key!r}", _closest_hint(key, allowed))
        for key in node
        if key not in allowed
    ]


def _not_object(path: JsonPath, what: str, example: str) -> Problem:
    return Problem(path, f"{what} must be a JSON object", f"write it as {example}")


ItemCheck = Callable[[str], tuple[str, str] | None]


def _check_string_list(path: JsonPath, value: object, what: str,
                       problem_of: ItemCheck) -> list[Problem]:
    """Accept a list of strings, each passing ``problem_of`` (which returns (message, hint)
    for a bad entry); a bare string is refused, as the grammar wants a JSON array."""
    if not isinstance(value, list):
        hint = f'write ["{value}"]' if isinstance(value, str) else "write a JSON array of strings"
        return [Problem(path, f"{what} must be a list of strings", hint)]
    problems: list[Problem] = []
    for index, item in enumerate(value):
        found = (problem_of(item) if isinstance(item, str)
                 else (f"{what} entries must be strings", "quote the value"))
        if found:
            problems.append(Problem((*path, index), *found))
    return problems


def _check_child_control(path: JsonPath, value: object,
                         value_operators: frozenset[str]) -> list[Problem]:
    allowed = _CHILD_CONTROL_WORDS | value_operators
    hint = f"use a list made of {', '.join(sorted(allowed))}"
    if not isinstance(value, list) or not value:
        return [Problem(path, f"{CHILD_CONTROL} must be a non-empty list", hint)]
    problems = [
        Problem((*path, index), f"{item!r} is not an operator children can be allowed", hint)
        for index, item in enumerate(value)
        if item not in allowed
    ]
    if len(value) > 1 and any(item in _CHILD_CONTROL_WORDS for item in value):
        problems.append(Problem(path, "@@all and @@none must be used alone",
                                "either list them alone or list individual operators"))
    return problems


def _check_operator_object(path: JsonPath, node: object, value_operators: frozenset[str],
                           check_value: ValueCheck) -> list[Problem]:
    """Check ``{"@@assign": ..., "@@operators_allowed_for_child_policies": [...]}`` nodes."""
    if not isinstance(node, dict):
        return [_not_object(path, "this setting", '{"@@assign": ...}')]
    problems: list[Problem] = []
    for operator, value in node.items():
        where = (*path, operator)
        if operator == CHILD_CONTROL:
            problems += _check_child_control(where, value, value_operators)
        elif operator in value_operators:
            problems += check_value(where, value)
        elif operator in VALUE_OPERATORS:
            problems.append(Problem(where, f"{operator} cannot be used on this setting",
                                    f"use {', '.join(sorted(value_operators))}"))
        else:
            problems.append(Problem(where, f"unknown operator {operator!r}",
                                    _closest_hint(operator, value_operators | {CHILD_CONTROL})))
    return problems


# --- service control policies ---------------------------------------------------------------

SCP_VERSION: Final = "2012-10-17"
_SCP_TOP_KEYS: Final = frozenset({"Version", "Statement", "Id"})
_STATEMENT_KEYS: Final = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
_PRINCIPAL_HINT: Final = (
    "an SCP always applies to every principal of the accounts it is attached to; to target or "
    "exempt principals, add a Condition on aws:PrincipalARN (for example ArnNotLike)"
)
# Service prefixes are lower case in practice but matched case-insensitively, so both cases
# pass; wildcards are only meaningful in the action name.
_ACTION: Final = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_SID: Final = re.compile(r"^[A-Za-z0-9]+$")
_CONDITION_KEY: Final = re.compile(r"^[A-Za-z0-9-]+:\S+$")
_CONDITION_OPERATORS: Final = frozenset(
    {
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
        "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
        "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
        "Null",
    }
)


def _validate_scp(document: object) -> list[Problem]:
    if not isinstance(document, dict):
        return [_not_object((), "an SCP", '{"Version": "2012-10-17", "Statement": [...]}')]
    problems = _unknown_keys(document, _SCP_TOP_KEYS, (), "top-level element")
    problems += _check_version(document)
    problems += _check_statements(document)
    return problems


def _check_version(document: Mapping[str, object]) -> list[Problem]:
    if "Version" not in document:
        return [Problem((), "missing Version", f'add "Version": "{SCP_VERSION}"')]
    version = document["Version"]
    if isinstance(version, datetime.date):
        return [Problem(("Version",), "Version must be a string, not a date",
                        f'quote it in YAML: Version: "{SCP_VERSION}"')]
    if version != SCP_VERSION:
        return [Problem(("Version",), f"Version must be {SCP_VERSION!r}",
                        "it is the only version of the policy language SCPs accept")]
    return []


def _statements_with_paths(document: Mapping[str, object]
                           ) -> tuple[list[tuple[JsonPath, object]], list[Problem]]:
    if "Statement" not in document:
        return [], [Problem((), "missing Statement", "add a Statement list")]
    statement = document["Statement"]
    if isinstance(statement, dict):
        return [(("Statement",), statement)], []
    if isinstance(statement, list) and statement:
        return [(("Statement", index), item) for index, item in enumerate(statement)], []
    return [], [Problem(("Statement",), "Statement must be an object or a non-empty list",
                        "list at least one statement")]


def _check_statements(document: Mapping[str, object]) -> list[Problem]:
    statements, problems = _statements_with_paths(document)
    seen_sids: set[str] = set()
    for path, statement in statements:
        problems += _check_statement(path, statement)
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if isinstance(sid, str):
            if sid in seen_sids:
                problems.append(Problem((*path, "Sid"), f"duplicate Sid {sid!r}",
                                        "give every statement its own Sid"))
            seen_sids.add(sid)
    return problems


def _check_statement(path: JsonPath, statement: object) -> list[Problem]:
    if not isinstance(statement, dict):
        return [_not_object(path, "a statement", '{"Effect": "Deny", "Action": ..., ...}')]
    problems: list[Problem] = []
    for key in statement:
        if key in ("Principal", "NotPrincipal"):
            problems.append(Problem((*path, key), f"{key} is not supported in an SCP",
                                    _PRINCIPAL_HINT))
        elif key not in _STATEMENT_KEYS:
            problems.append(Problem((*path, key), f"unknown statement element {key!r}",
                                    _closest_hint(key, _STATEMENT_KEYS)))
    problems += _check_sid(path, statement)
    problems += _check_effect(path, statement)
    problems += _check_actions(path, statement)
    problems += _check_resources(path, statement)
    if "Condition" in statement:
        problems += _check_condition((*path, "Condition"), statement["Condition"])
    return problems


def _check_sid(path: JsonPath, statement: Mapping[str, object]) -> list[Problem]:
    sid = statement.get("Sid")
    if sid is None or (isinstance(sid, str) and _SID.match(sid)):
        return []
    return [Problem((*path, "Sid"), "Sid must be letters and digits only",
                    "for example DenyLeaveOrganization")]


def _check_effect(path: JsonPath, statement: Mapping[str, object]) -> list[Problem]:
    if "Effect" not in statement:
        return [Problem(path, "missing Effect", 'add "Effect": "Deny" or "Allow"')]
    if statement["Effect"] not in ("Allow", "Deny"):
        return [Problem((*path, "Effect"), "Effect must be Allow or Deny",
                        "the value is case-sensitive")]
    return []


def _check_actions(path: JsonPath, statement: Mapping[str, object]) -> list[Problem]:
    present = [key for key in statement if key in ("Action", "NotAction")]
    if len(present) != 1:
        # Both: point at the second, the line that was most likely added by mistake.
        where = (*path, present[-1]) if present else path
        return [Problem(where, "a statement needs exactly one of Action or NotAction",
                        "keep one of them" if present else 'add "Action": [...]')]
    key = present[0]
    return _check_pattern_list(
        (*path, key), statement[key], key,
        lambda action: action == "*" or bool(_ACTION.match(action)),
        'write actions as "service:ActionName", with * or ? as wildcards',
    )


def _check_resources(path: JsonPath, statement: Mapping[str, object]) -> list[Problem]:
    present = [key for key in statement if key in ("Resource", "NotResource")]
    if len(present) > 1:
        return [Problem((*path, present[-1]), "Resource and NotResource cannot be used "
                        "together", "keep one of them")]
    if not present:
        return []
    key = present[0]
    return _check_pattern_list(
        (*path, key), statement[key], key,
        lambda resource: resource == "*" or resource.startswith("arn:"),
        'use "*" or an ARN starting with "arn:"',
    )


def _check_pattern_list(path: JsonPath, value: object, what: str,
                        is_valid: Callable[[str], bool], hint: str) -> list[Problem]:
    def problem_of(item: str) -> tuple[str, str] | None:
        return None if is_valid(item) else (f"invalid {what} {item!r}", hint)

    if isinstance(value, str):
        found = problem_of(value)
        return [Problem(path, *found)] if found else []
    if isinstance(value, list) and not value:
        return [Problem(path, f"{what} must not be empty", hint)]
    return _check_string_list(path, value, what, problem_of)


def _condition_operator_known(operator: str) -> bool:
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        operator = operator.removeprefix(prefix)
    if operator.endswith("IfExists"):
        base = operator.removesuffix("IfExists")
        return base in _CONDITION_OPERATORS and base != "Null"
    return operator in _CONDITION_OPERATORS


def _check_condition(path: JsonPath, condition: object) -> list[Problem]:
    example = '{"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}'
    if not isinstance(condition, dict) or not condition:
        return [Problem(path, "Condition must be a non-empty object of operators",
                        f"for example {example}")]
    problems: list[Problem] = []
    for operator, keys in condition.items():
        where = (*path, operator)
        if not _condition_operator_known(operator):
            problems.append(Problem(where, f"unknown condition operator {operator!r}",
                                    _closest_hint(operator, _CONDITION_OPERATORS)))
        problems += _check_condition_keys(where, keys)
    return problems


def _is_condition_scalar(value: object) -> bool:
    return isinstance(value, str | bool | int | float)


def _check_condition_keys(path: JsonPath, keys: object) -> list[Problem]:
    if not isinstance(keys, dict) or not keys:
        return [Problem(path, "a condition operator needs an object of condition keys",
                        'for example {"aws:PrincipalARN": "arn:aws:iam::*:role/Admin"}')]
    problems: list[Problem] = []
    for key, value in keys.items():
        where = (*path, key)
        if not _CONDITION_KEY.match(key):
            problems.append(Problem(where, f"invalid condition key {key!r}",
                                    "condition keys look like aws:PrincipalARN"))
        values = value if isinstance(value, list) else [value]
        if not values or not all(_is_condition_scalar(item) for item in values):
            problems.append(Problem(where, "a condition value must be a string, number, "
                                    "boolean or a non-empty list of them", "use plain values"))
    return problems


# --- tag policies ---------------------------------------------------------------------------

TAG_SETTINGS: Final = ("tag_key", "tag_value", "enforced_for", "report_required_tag_for")
TAG_KEY_MAX: Final = 128
TAG_VALUE_MAX: Final = 256
_TAG_EXTRA_CHARACTERS: Final = frozenset("_.:/=+-@")
_RESOURCE_TYPE: Final = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9._-]+$")
_TAG_KEY_OPERATORS: Final = frozenset({"@@assign"})


def is_tag_text(text: str) -> bool:
    """Characters allowed in tag keys and values: letters, separators, digits, _.:/=+-@."""
    return all(
        unicodedata.category(character)[0] in "LZN" or character in _TAG_EXTRA_CHARACTERS
        for character in text
    )


def tag_key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a tag key, or None when it can."""
    if not 1 <= len(key) <= TAG_KEY_MAX:
        return f"a tag key must be 1 to {TAG_KEY_MAX} characters"
    if not is_tag_text(key):
        return "a tag key may only hold letters, digits, spaces and _ . : / = + - @"
    return None


def tag_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be an allowed tag value in a tag policy, or None when it can."""
    if value.count("*") > 1:
        return "a tag value may contain at most one * wildcard"
    if len(value) > TAG_VALUE_MAX:
        return f"a tag value must be at most {TAG_VALUE_MAX} characters"
    if not is_tag_text(value.replace("*", "")):
        return "a tag value may only hold letters, digits, spaces and _ . : / = + - @ (and one *)"
    return None


def resource_type_problem(text: str) -> tuple[str, str] | None:
    """(message, hint) when ``text`` is not a valid enforced_for entry, else None."""
    if text == "ALL_SUPPORTED" or text.startswith("*"):
        return ("a tag policy cannot cover all services at once",
                "name one service per entry, for example ec2:ALL_SUPPORTED")
    if text.endswith(":*"):
        return ("the * wildcard is not accepted for resource types",
                f"write {text[:-1]}ALL_SUPPORTED")
    if not _RESOURCE_TYPE.match(text):
        return ("expected service:resource or service:ALL_SUPPORTED",
                "for example ec2:instance or secretsmanager:ALL_SUPPORTED")
    return None


def _validate_tag_policy(document: object) -> list[Problem]:
    if not isinstance(document, dict):
        return [_not_object((), "a tag policy", '{"tags": {...}}')]
    problems = _unknown_keys(document, frozenset({"tags"}), (), "top-level element")
    if "tags" not in document:
        return [*problems, Problem((), 'missing "tags"', 'a tag policy starts with "tags"')]
    tags = document["tags"]
    if not isinstance(tags, dict):
        return [*problems, _not_object(("tags",), '"tags"', '{"costcenter": {...}}')]
    for policy_key, entry in tags.items():
        path: JsonPath = ("tags", policy_key)
        if policy_key == CHILD_CONTROL:
            problems += _check_child_control(path, entry, VALUE_OPERATORS)
        else:
            problems += _check_tag_entry(path, policy_key, entry)
    return problems


def _check_tag_entry(path: JsonPath, policy_key: str, entry: object) -> list[Problem]:
    problems: list[Problem] = []
    key_problem = tag_key_problem(policy_key)
    if key_problem:
        problems.append(Problem(path, key_problem, "the policy key is the tag key in any case"))
    if not isinstance(entry, dict):
        return [*problems, _not_object(path, "a policy key", '{"tag_key": {"@@assign": "X"}}')]
    allowed = frozenset(TAG_SETTINGS) | {CHILD_CONTROL}
    problems += _unknown_keys(entry, allowed, path, "tag policy setting")
    for setting, node in entry.items():
        where = (*path, setting)
        if setting == CHILD_CONTROL:
            problems += _check_child_control(where, node, VALUE_OPERATORS)
        elif setting == "tag_key":
            problems += _check_operator_object(
                where, node, _TAG_KEY_OPERATORS,
                lambda at, value: _check_tag_key_value(at, value, policy_key))
        elif setting == "tag_value":
            problems += _check_operator_object(where, node, VALUE_OPERATORS, _check_tag_values)
        elif setting in TAG_SETTINGS:
            problems += _check_operator_object(where, node, VALUE_OPERATORS,
                                               _check_resource_types)
    return problems


def _check_tag_key_value(path: JsonPath, value: object, policy_key: str) -> list[Problem]:
    if not isinstance(value, str):
        return [Problem(path, "tag_key must be a string", "write the key as it must be spelled")]
    if value.lower() != policy_key.lower():
        return [Problem(path, f"tag_key {value!r} does not match policy key {policy_key!r}",
                        "they may differ only in upper/lower case")]
    problem = tag_key_problem(value)
    return [Problem(path, problem, "fix the tag key")] if problem else []


def _tag_value_item(value: str) -> tuple[str, str] | None:
    problem = tag_value_problem(value)
    return (problem, "fix or split the value") if problem else None


def _check_tag_values(path: JsonPath, value: object) -> list[Problem]:
    return _check_string_list(path, value, "tag_value", _tag_value_item)


def _check_resource_types(path: JsonPath, value: object) -> list[Problem]:
    return _check_string_list(path, value, "resource type", resource_type_problem)


# --- AI services opt-out policies -----------------------------------------------------------

_AI_SERVICE_NAME: Final = re.compile(r"^[a-z][a-z0-9-]*$")
_AI_OPERATORS: Final = frozenset({"@@assign"})
_AI_SETTINGS: Final = ("optIn", "optOut")


def _validate_ai_opt_out(document: object) -> list[Problem]:
    if not isinstance(document, dict):
        return [_not_object((), "an AI services opt-out policy", '{"services": {...}}')]
    problems = _unknown_keys(document, frozenset({"services"}), (), "top-level element")
    if "services" not in document:
        return [*problems, Problem((), 'missing "services"', 'the policy starts with "services"')]
    services = document["services"]
    if not isinstance(services, dict):
        return [*problems, _not_object(("services",), '"services"', '{"default": {...}}')]
    for name, entry in services.items():
        path: JsonPath = ("services", name)
        if name == CHILD_CONTROL:
            problems += _check_child_control(path, entry, _AI_OPERATORS)
        elif not _AI_SERVICE_NAME.match(name):
            problems.append(Problem(path, f"invalid AI service name {name!r}",
                                    'use "default" or a lower-case service name such as lex'))
        else:
            problems += _check_ai_service(path, entry)
    return problems


def _check_ai_service(path: JsonPath, entry: object) -> list[Problem]:
    if not isinstance(entry, dict):
        return [_not_object(path, "a service entry", '{"opt_out_policy": {"@@assign": "optOut"}}')]
    problems = _unknown_keys(entry, frozenset({"opt_out_policy", CHILD_CONTROL}), path,
                             "service setting")
    if CHILD_CONTROL in entry:
        problems += _check_child_control((*path, CHILD_CONTROL), entry[CHILD_CONTROL],
                                         _AI_OPERATORS)
    if "opt_out_policy" not in entry:
        return [*problems, Problem(path, "missing opt_out_policy",
                                   'add "opt_out_policy": {"@@assign": "optOut"}')]
    return problems + _check_operator_object((*path, "opt_out_policy"), entry["opt_out_policy"],
                                             _AI_OPERATORS, _check_opt_out_value)


def _check_opt_out_value(path: JsonPath, value: object) -> list[Problem]:
    if value in _AI_SETTINGS:
        return []
    return [Problem(path, "opt_out_policy must be optIn or optOut",
                    "the value is case-sensitive: optIn or optOut")]


# --- backup policies ------------------------------------------------------------------------

_BACKUP_PLAN_OBJECTS: Final = ("regions", "rules", "selections")


def _validate_backup(document: object) -> list[Problem]:
    if not isinstance(document, dict):
        return [_not_object((), "a backup policy", '{"plans": {...}}')]
    problems = _unknown_keys(document, frozenset({"plans"}), (), "top-level element")
    if "plans" not in document:
        return [*problems, Problem((), 'missing "plans"', 'a backup policy starts with "plans"')]
    plans = document["plans"]
    if not isinstance(plans, dict):
        return [*problems, _not_object(("plans",), '"plans"', '{"PlanName": {...}}')]
    for name, plan in plans.items():
        if not name.startswith("@@"):
            problems += _check_backup_plan(("plans", name), plan)
    return problems + _check_operator_names(("plans",), plans)


def _check_backup_plan(path: JsonPath, plan: object) -> list[Problem]:
    if not isinstance(plan, dict):
        return [_not_object(path, "a backup plan", '{"rules": {...}, "regions": {...}}')]
    return [
        _not_object((*path, key), key, '{"@@assign": ...}' if key == "regions" else "{...}")
        for key in _BACKUP_PLAN_OBJECTS
        if key in plan and not isinstance(plan[key], dict)
    ]


def _check_operator_names(path: JsonPath, node: object) -> list[Problem]:
    """Report misspelt @@operators anywhere below ``node``; the backup grammar is too rich and
    too fast-moving to check more strictly here."""
    problems: list[Problem] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == CHILD_CONTROL:
                problems += _check_child_control((*path, key), value, VALUE_OPERATORS)
            elif key.startswith("@@") and key not in VALUE_OPERATORS:
                problems.append(Problem((*path, key), f"unknown operator {key!r}",
                                        _closest_hint(key, VALUE_OPERATORS | {CHILD_CONTROL})))
            else:
                problems += _check_operator_names((*path, key), value)
    return problems


_VALIDATORS: Final[dict[str, Callable[[object], list[Problem]]]] = {
    "scp": _validate_scp,
    "tag": _validate_tag_policy,
    "ai_opt_out": _validate_ai_opt_out,
    "backup": _validate_backup,
}
