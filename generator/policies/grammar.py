"""Offline grammar checks for Organizations policy documents.

``validate`` reports every problem it finds instead of stopping at the first one, each with a
path relative to the document root so that callers can point at the blueprint line that
produced it. Size limits are deliberately not checked here: they live in the caller's quota
table, which uses ``minified_size``.
"""

from __future__ import annotations

import datetime
import difflib
import fnmatch
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from generator.policies import iam_data

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy document, located by its path from the document root."""

    path: JsonPath
    message: str
    hint: str = ""
    warning: bool = False  # AWS accepts it, but it is likely not what the author meant


Validator = Callable[[object], list[Problem]]


def checked(check: Validator, document: object) -> list[Problem]:
    """Run ``check`` on ``document`` once its keys are known to be strings."""
    # Documents often come from YAML, where an unquoted number or date can become a key;
    # the checks assume string keys, so stop here when that is not the case.
    return _non_string_keys((), document) or check(document)


def minified_size(document: object) -> int:
    """Characters of the document as the Organizations API receives it (minified JSON)."""
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


# --- shared helpers -------------------------------------------------------------------------

CHILD_CONTROL: Final = "@@operators_allowed_for_child_policies"
VALUE_OPERATORS: Final = frozenset({"@@assign", "@@append", "@@remove"})
_CHILD_CONTROL_WORDS: Final = frozenset({"@@all", "@@none"})

ValueCheck = Callable[[JsonPath, object], list[Problem]]


_LISTED_CHOICES: Final = 25  # longer lists (service prefixes) are not spelled out


def _closest_hint(word: str, choices: Iterable[str]) -> str:
    options = sorted(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    listed = (f"allowed: {', '.join(options)}" if len(options) <= _LISTED_CHOICES
              else f"see {iam_data.SOURCE} for the {len(options)} names")
    if close:
        return f"did you mean {close[0]!r}? {listed}"
    return listed


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


# --- service and resource control policies --------------------------------------------------

SCP_VERSION: Final = "2012-10-17"
_SCP_TOP_KEYS: Final = frozenset({"Version", "Statement", "Id"})
_PRINCIPAL_HINT: Final = (
    "an SCP always applies to every principal of the accounts it is attached to; to target or "
    "exempt principals, add a Condition on aws:PrincipalARN (for example ArnNotLike)"
)
# Service prefixes are lower case in practice but matched case-insensitively, so both cases
# pass; wildcards are only meaningful in the action name.
_ACTION: Final = re.compile(r"^([A-Za-z0-9-]+):([A-Za-z0-9*?]+)$")
_SID: Final = re.compile(r"^[A-Za-z0-9]+$")
# A condition key is prefix:name; the name may hold spaces, as tag keys do
# (aws:RequestTag/Cost Center).
_CONDITION_KEY: Final = re.compile(r"^([A-Za-z0-9-]+):(\S.*)$")
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

# Services whose resources RCPs govern, by IAM prefix, as the user guide lists them
# (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
# #rcp-supported-services). AWS publishes the list only as prose, so it is kept here; the list
# grows, and a prefix missing here is refused until it is added.
RCP_SERVICES: Final = frozenset({
    "aoss", "appconfig", "appstream", "autoscaling", "autoscaling-plans", "budgets",
    "clouddirectory", "cloudfront", "cloudsearch", "cloudtrail-data", "codeartifact",
    "codebuild", "codecommit", "codepipeline", "cognito-identity", "cognito-idp", "comprehend",
    "comprehendmedical", "compute-optimizer", "cost-optimization-hub", "dax", "dsql",
    "dynamodb", "ecr", "ecr-public", "events", "firehose", "fis", "fms", "gamelift", "health",
    "inspector-scan", "kendra", "kinesisvideo", "kms", "logs", "memorydb", "networkmonitor",
    "notifications", "opensearch", "pca-connector-ad", "personalize", "polly", "pricing",
    "resource-groups", "rolesanywhere", "s3", "secretsmanager", "servicediscovery", "signin",
    "sqs", "sts", "support", "swf", "textract", "timestream-influxdb", "transcribe",
    "transfer", "translate", "wafv2", "workspaces", "xray",
})


@dataclass(frozen=True)
class _Dialect:
    """What sets one IAM-language policy type apart: SCPs and RCPs share the grammar."""

    what: str  # "an SCP", "an RCP"
    statement_keys: frozenset[str]
    effects: tuple[str, ...]
    principal: bool  # RCPs require Principal "*"; SCPs refuse Principal
    services: frozenset[str] | None  # prefixes allowed in Action, None: any IAM service
    bare_star_action: bool


_SCP: Final = _Dialect(
    "an SCP",
    frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}),
    ("Allow", "Deny"), principal=False, services=None, bare_star_action=True)
# RCP grammar: https://docs.aws.amazon.com/organizations/latest/userguide/
# orgs_manage_policies_rcps_syntax.html (Deny only for customer RCPs, Principal "*" only,
# no NotPrincipal or NotAction, a service prefix on every action).
_RCP: Final = _Dialect(
    "an RCP",
    frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "NotResource", "Condition"}),
    ("Deny",), principal=True, services=RCP_SERVICES, bare_star_action=False)


def _validate_scp(document: object) -> list[Problem]:
    return _validate_iam(document, _SCP)


def _validate_rcp(document: object) -> list[Problem]:
    return _validate_iam(document, _RCP)


def _validate_iam(document: object, dialect: _Dialect) -> list[Problem]:
    if not isinstance(document, dict):
        return [_not_object((), dialect.what, '{"Version": "2012-10-17", "Statement": [...]}')]
    problems = _unknown_keys(document, _SCP_TOP_KEYS, (), "top-level element")
    problems += _check_version(document)
    problems += _check_statements(document, dialect)
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
                        "it is the only version of the policy language SCPs and RCPs accept")]
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


def _check_statements(document: Mapping[str, object], dialect: _Dialect) -> list[Problem]:
    statements, problems = _statements_with_paths(document)
    seen_sids: set[str] = set()
    for path, statement in statements:
        problems += _check_statement(path, statement, dialect)
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if isinstance(sid, str):
            if sid in seen_sids:
                problems.append(Problem((*path, "Sid"), f"duplicate Sid {sid!r}",
                                        "give every statement its own Sid"))
            seen_sids.add(sid)
    return problems


def _check_statement(path: JsonPath, statement: object, dialect: _Dialect) -> list[Problem]:
    if not isinstance(statement, dict):
        return [_not_object(path, "a statement", '{"Effect": "Deny", "Action": ..., ...}')]
    problems: list[Problem] = []
    for key in statement:
        if key in ("Principal", "NotPrincipal") and key not in dialect.statement_keys:
            problems.append(Problem((*path, key), f"{key} is not supported in {dialect.what}",
                                    _PRINCIPAL_HINT if not dialect.principal
                                    else 'write "Principal": "*" and narrow it with a Condition'))
        elif key == "NotAction" and key not in dialect.statement_keys:
            problems.append(Problem((*path, key), f"NotAction is not supported in {dialect.what}",
                                    "list the denied actions under Action"))
        elif key not in dialect.statement_keys:
            problems.append(Problem((*path, key), f"unknown statement element {key!r}",
                                    _closest_hint(key, dialect.statement_keys)))
    problems += _check_sid(path, statement)
    problems += _check_effect(path, statement, dialect)
    if dialect.principal:
        problems += _check_principal(path, statement)
    problems += _check_actions(path, statement, dialect)
    problems += _check_resources(path, statement)
    if "Condition" in statement:
        problems += _check_condition((*path, "Condition"), statement["Condition"], dialect)
    return problems


def _check_sid(path: JsonPath, statement: Mapping[str, object]) -> list[Problem]:
    sid = statement.get("Sid")
    if sid is None or (isinstance(sid, str) and _SID.match(sid)):
        return []
    return [Problem((*path, "Sid"), "Sid must be letters and digits only",
                    "for example DenyLeaveOrganization")]


def _check_effect(path: JsonPath, statement: Mapping[str, object],
                  dialect: _Dialect) -> list[Problem]:
    allowed = " or ".join(dialect.effects)
    if "Effect" not in statement:
        return [Problem(path, "missing Effect", f'add "Effect": "{dialect.effects[-1]}"')]
    effect = statement["Effect"]
    if effect == "Allow" and "Allow" not in dialect.effects:
        return [Problem((*path, "Effect"), f'Effect must be Deny in {dialect.what}',
                        "only AWS's own RCPFullAWSAccess may Allow; it is attached everywhere")]
    if effect not in dialect.effects:
        return [Problem((*path, "Effect"), f"Effect must be {allowed}",
                        "the value is case-sensitive")]
    return []


def _check_principal(path: JsonPath, statement: Mapping[str, object]) -> list[Problem]:
    if "Principal" not in statement:
        return [Problem(path, "missing Principal", 'add "Principal": "*"')]
    if statement["Principal"] != "*":
        return [Problem((*path, "Principal"), 'Principal must be "*" in an RCP',
                        "narrow the principals with a Condition, e.g. on aws:PrincipalOrgID")]
    return []


def _check_actions(path: JsonPath, statement: Mapping[str, object],
                   dialect: _Dialect) -> list[Problem]:
    keys = [key for key in ("Action", "NotAction") if key in dialect.statement_keys]
    present = [key for key in statement if key in keys]
    if len(present) != 1:
        # Both: point at the second, the line that was most likely added by mistake.
        where = (*path, present[-1]) if present else path
        wanted = " or ".join(keys)
        return [Problem(where, f"a statement needs exactly one of {wanted}",
                        "keep one of them" if present else 'add "Action": [...]')]
    key = present[0]
    value = statement[key]
    problems = _check_pattern_list(
        (*path, key), value, key,
        lambda action: (action == "*" and dialect.bare_star_action) or bool(_ACTION.match(action)),
        'write actions as "service:ActionName", with * or ? as wildcards'
        + ("" if dialect.bare_star_action else '; a bare "*" is not allowed'),
    )
    if problems:
        return problems
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    for index, action in enumerate(items):
        where = (*path, key) if isinstance(value, str) else (*path, key, index)
        problems += _action_service_problems(where, action, dialect)
    return problems


def _action_service_problems(where: JsonPath, action: str, dialect: _Dialect) -> list[Problem]:
    match = _ACTION.match(action)
    if not match:
        return []
    service, name = match.group(1).lower(), match.group(2).lower()
    known = dialect.services if dialect.services is not None else iam_data.services()
    if service not in known:
        if dialect.services is not None and service in iam_data.services():
            return [Problem(where, f"{service} does not support resource control policies",
                            "RCPs govern only the services the user guide lists: "
                            + _closest_hint(service, known))]
        return [Problem(where, f"unknown service prefix {service!r}",
                        _closest_hint(service, known))]
    names = iam_data.actions(service)
    if names and not any(fnmatch.fnmatchcase(candidate, name) for candidate in names):
        return [Problem(where, f"{action!r} matches no action of {service}",
                        "check the spelling against the Service Authorization Reference",
                        warning=True)]
    return []


def _check_resources(path: JsonPath, statement: Mapping[str, object]) -> list[Problem]:
    present = [key for key in statement if key in ("Resource", "NotResource")]
    if len(present) > 1:
        return [Problem((*path, present[-1]), "Resource and NotResource cannot be used "
                        "together", "keep one of them")]
    if not present:
        return [Problem(path, "a statement needs Resource or NotResource",
                        'add "Resource": "*" to cover every resource')]
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


def _check_condition(path: JsonPath, condition: object, dialect: _Dialect) -> list[Problem]:
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
        problems += _check_condition_keys(where, keys, dialect)
    return problems


def _is_condition_scalar(value: object) -> bool:
    return isinstance(value, str | bool | int | float)


def _check_condition_keys(path: JsonPath, keys: object, dialect: _Dialect) -> list[Problem]:
    if not isinstance(keys, dict) or not keys:
        return [Problem(path, "a condition operator needs an object of condition keys",
                        'for example {"aws:PrincipalARN": "arn:aws:iam::*:role/Admin"}')]
    problems: list[Problem] = []
    for key, value in keys.items():
        where = (*path, key)
        match = _CONDITION_KEY.match(key)
        if not match:
            problems.append(Problem(where, f"invalid condition key {key!r}",
                                    "condition keys look like aws:PrincipalARN"))
        else:
            problems += _condition_prefix_problems(where, match.group(1).lower(), dialect)
        values = value if isinstance(value, list) else [value]
        if not values or not all(_is_condition_scalar(item) for item in values):
            problems.append(Problem(where, "a condition value must be a string, number, "
                                    "boolean or a non-empty list of them", "use plain values"))
    return problems


def _condition_prefix_problems(where: JsonPath, prefix: str,
                               dialect: _Dialect) -> list[Problem]:
    """A condition key's prefix is `aws` (global keys) or a service's; in an RCP only the
    services RCPs govern can supply one."""
    known = {"aws", *(dialect.services if dialect.services is not None
                      else iam_data.services())}
    if prefix in known:
        return []
    return [Problem(where, f"condition key prefix {prefix!r} is not "
                    + ("a service RCPs support" if dialect.services is not None
                       else "a known service"),
                    _closest_hint(prefix, known))]


# --- tag policies ---------------------------------------------------------------------------

TAG_SETTINGS: Final = ("tag_key", "tag_value", "enforced_for", "report_required_tag_for")
TAG_KEY_MAX: Final = 128
TAG_VALUE_MAX: Final = 256
_TAG_EXTRA_CHARACTERS: Final = frozenset("_.:/=+-@")
_RESOURCE_TYPE: Final = re.compile(r"^([a-z0-9-]+):([A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*|\*)$")
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
    """(message, hint) when ``text`` cannot be an enforced_for entry, else None.

    Entries are service:resource, where the resource may have parts separated by "/"
    (connect:instance/queue), or service:ALL_SUPPORTED. The service prefix and every part of
    the resource must be known to the IAM data (generator/policies/iam_data.py).
    """
    problem = resource_type_issue(text)
    return None if problem is None or problem.warning else (problem.message, problem.hint)


def resource_type_issue(text: str) -> Problem | None:
    """The Problem (path left empty) with ``text`` as an enforced_for entry, or None."""
    if text == "ALL_SUPPORTED" or text.startswith("*"):
        return Problem((), "a tag policy cannot cover all services at once",
                       "name one service per entry, for example ec2:ALL_SUPPORTED")
    match = _RESOURCE_TYPE.match(text)
    if not match:
        return Problem((), "expected service:resource or service:ALL_SUPPORTED",
                       "for example ec2:instance, connect:instance/queue or "
                       "secretsmanager:ALL_SUPPORTED")
    service, resource = match.group(1), match.group(2)
    if service not in iam_data.services():
        return Problem((), f"unknown service {service!r}",
                       _closest_hint(service, iam_data.services()))
    if resource == "*":
        # The user guide documents service:* in examples; AWS now spells it ALL_SUPPORTED.
        return Problem((), f"{text} is the older spelling of {service}:ALL_SUPPORTED",
                       f"write {service}:ALL_SUPPORTED", warning=True)
    if resource == "ALL_SUPPORTED":
        return None
    known = iam_data.resource_types(service)
    for part in resource.split("/"):
        if part.lower() not in known:
            return Problem((), f"{service} has no resource type {part!r}",
                           _closest_hint(part.lower(), known))
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
    if not isinstance(value, list):
        return _check_string_list(path, value, "resource type", resource_type_problem)
    problems: list[Problem] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.append(Problem((*path, index), "resource type entries must be strings",
                                    "quote the value"))
            continue
        issue = resource_type_issue(item)
        if issue is not None:
            problems.append(Problem((*path, index), issue.message, issue.hint, issue.warning))
    return problems


# --- AI services opt-out policies -----------------------------------------------------------

# The service names an AI services opt-out policy accepts, as the syntax page lists them
# (https://docs.aws.amazon.com/organizations/latest/userguide/
# orgs_manage_policies_ai-opt-out_syntax.html). AWS publishes them only in that page's prose,
# so they are kept here; "default" covers every AI service, present and future.
AI_SERVICES: Final = frozenset({
    "default", "aidevops", "aiops", "awssupplychain", "chimesdkvoiceanalytics", "cloudwatch",
    "codeguruprofiler", "codewhisperer", "comprehend", "connectamd", "connectoptimization",
    "contactlens", "frauddetector", "guardduty", "lex", "polly", "q", "quicksightq",
    "rekognition", "securitylake", "supplychain", "textract", "transcribe", "translate",
})
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
        elif name not in AI_SERVICES:
            problems.append(Problem(path, f"unknown AI service {name!r}",
                                    _closest_hint(name, AI_SERVICES)))
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


def check_operator_names(path: JsonPath, node: object) -> list[Problem]:
    """Report misspelt @@operators anywhere below ``node``, for documents whose attribute
    schema AWS does not publish."""
    problems: list[Problem] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == CHILD_CONTROL:
                problems += _check_child_control((*path, key), value, VALUE_OPERATORS)
            elif key.startswith("@@") and key not in VALUE_OPERATORS:
                problems.append(Problem((*path, key), f"unknown operator {key!r}",
                                        _closest_hint(key, VALUE_OPERATORS | {CHILD_CONTROL})))
            else:
                problems += check_operator_names((*path, key), value)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            problems += check_operator_names((*path, index), item)
    return problems


# Public names of the validators, for the type registry (generator/policies/types.py).
validate_scp = _validate_scp
validate_rcp = _validate_rcp
validate_tag_policy = _validate_tag_policy
validate_ai_opt_out = _validate_ai_opt_out
closest_hint = _closest_hint
check_child_control = _check_child_control
check_operator_object = _check_operator_object
unknown_keys = _unknown_keys
not_object = _not_object
