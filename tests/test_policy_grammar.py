"""Grammar checks: one good document per shape, one bad fixture per rule."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest

from generator.policies.grammar import CHILD_CONTROL, Problem, minified_size
from generator.policies.types import validate

JsonPath = tuple[str | int, ...]


def _scp(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


DENY = {"Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
        "Resource": "*"}


def _tag(entry: dict[str, Any], key: str = "costcenter") -> dict[str, Any]:
    return {"tags": {key: entry}}


COST_KEY = {"@@assign": "CostCenter"}


def _ai(entry: Any, name: str = "default") -> dict[str, Any]:
    return {"services": {name: entry}}


# --- good documents -------------------------------------------------------------------------

GOOD_SCPS = [
    _scp(DENY),
    {"Version": "2012-10-17", "Id": "Example", "Statement": dict(DENY)},
    _scp({
        "Sid": "DenyOutside", "Effect": "Deny",
        "NotAction": ["iam:*", "sts:AssumeRole", "s3:Get*Acl", "ec2:Describe?pcs"],
        "NotResource": ["arn:aws:s3:::logs/*"],
        "Condition": {
            "StringNotEqualsIfExists": {"aws:RequestedRegion": ["eu-west-1"]},
            "ForAnyValue:StringLike": {"aws:PrincipalTag/team": "platform-*"},
            "Bool": {"aws:SecureTransport": False},
            "NumericLessThan": {"s3:TlsVersion": 1.2},
            "Null": {"aws:AssumedRoot": "true"},
        },
    }),
    _scp({"Effect": "Allow", "Action": "*", "Resource": "*"},
         {"Effect": "Allow", "Action": ["ec2:*"], "Resource": "arn:aws:ec2:*:*:instance/*"}),
]

GOOD_TAG_POLICIES = [
    _tag({"tag_key": COST_KEY, "tag_value": {"@@assign": ["100", "200", "300*", "*@example.com",
                                                          "", "Team A/B:c=d+e-f@g_h.i"]},
          "enforced_for": {"@@assign": ["ec2:instance", "secretsmanager:ALL_SUPPORTED"]},
          "report_required_tag_for": {"@@assign": ["ec2:instance"]}}),
    {"tags": {
        CHILD_CONTROL: ["@@append"],
        "Project": {
            CHILD_CONTROL: ["@@all"],
            "tag_key": {"@@assign": "project", CHILD_CONTROL: ["@@none"]},
            "tag_value": {"@@append": ["Maintenance"], "@@remove": ["Old"],
                          CHILD_CONTROL: ["@@append", "@@remove"]},
        },
        "环境": {"tag_key": {"@@assign": "环境"}},
    }},
    _tag({"tag_value": {CHILD_CONTROL: ["@@append"]}}),
]

GOOD_AI_POLICIES = [
    {"services": {
        CHILD_CONTROL: ["@@none"],
        "default": {CHILD_CONTROL: ["@@none"],
                    "opt_out_policy": {"@@assign": "optOut", CHILD_CONTROL: ["@@none"]}},
        "lex": {"opt_out_policy": {"@@assign": "optIn"}},
        "codeguruprofiler": {"opt_out_policy": {CHILD_CONTROL: ["@@assign"]}},
    }},
]

GOOD_BACKUP_POLICIES = [
    {"plans": {
        "Daily": {
            "regions": {"@@append": ["eu-west-1"]},
            "rules": {"Nightly": {
                "schedule_expression": {"@@assign": "cron(0 3 ? * * *)"},
                "target_backup_vault_name": {"@@assign": "Default"},
                "lifecycle": {"delete_after_days": {"@@assign": "35"}},
            }},
            "selections": {"tags": {"Tagged": {
                "iam_role_arn": {"@@assign": "arn:aws:iam::$account:role/Backup"},
                "tag_key": {"@@assign": "backup"},
                "tag_value": {"@@assign": ["daily"]},
            }}},
            "advanced_backup_settings": {"ec2": {"windows_vss": {"@@assign": "enabled"}}},
        },
    }},
]


@pytest.mark.parametrize(
    ("policy_type", "document"),
    [("scp", doc) for doc in GOOD_SCPS]
    + [("tag", doc) for doc in GOOD_TAG_POLICIES]
    + [("ai_opt_out", doc) for doc in GOOD_AI_POLICIES]
    + [("backup", doc) for doc in GOOD_BACKUP_POLICIES],
)
def test_good_documents_have_no_problems(policy_type: str, document: dict[str, Any]) -> None:
    before = copy.deepcopy(document)
    assert validate(policy_type, document) == []
    assert document == before


# --- one bad fixture per rule ---------------------------------------------------------------

def _with(statement_changes: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    statement = {key: value for key, value in DENY.items() if key not in drop}
    return _scp({**statement, **statement_changes})


BAD_SCPS: list[tuple[str, Any, JsonPath, str]] = [
    ("not an object", ["Statement"], (), "must be a JSON object"),
    ("unknown top-level element", {**_scp(DENY), "Statements": []}, ("Statements",),
     "unknown top-level element"),
    ("missing Version", {"Statement": [DENY]}, (), "missing Version"),
    ("old Version", _scp(DENY, Version="2008-10-17"), ("Version",), "2012-10-17"),
    ("Version read from YAML as a date", _scp(DENY, Version=datetime.date(2012, 10, 17)),
     ("Version",), "not a date"),
    ("missing Statement", {"Version": "2012-10-17"}, (), "missing Statement"),
    ("empty Statement", _scp(), ("Statement",), "non-empty"),
    ("statement not an object", _scp("Deny"), ("Statement", 0), "must be a JSON object"),  # type: ignore[arg-type]
    ("Principal", _with({"Principal": {"AWS": "*"}}), ("Statement", 0, "Principal"),
     "not supported"),
    ("NotPrincipal", _with({"NotPrincipal": {"AWS": "*"}}), ("Statement", 0, "NotPrincipal"),
     "not supported"),
    ("unknown element", _with({"Actions": ["s3:*"]}), ("Statement", 0, "Actions"),
     "unknown statement element"),
    ("missing Effect", _with({}, drop=("Effect",)), ("Statement", 0), "missing Effect"),
    ("Effect case", _with({"Effect": "deny"}), ("Statement", 0, "Effect"), "Allow or Deny"),
    ("Action and NotAction", _with({"NotAction": "iam:*"}), ("Statement", 0, "NotAction"),
     "exactly one of Action or NotAction"),
    ("no Action", _with({}, drop=("Action",)), ("Statement", 0),
     "exactly one of Action or NotAction"),
    ("action without service", _with({"Action": ["s3:GetObject", "GetObject"]}),
     ("Statement", 0, "Action", 1), "invalid Action"),
    ("single bad action", _with({"Action": "ec2 RunInstances"}), ("Statement", 0, "Action"),
     "invalid Action"),
    ("non-string action", _with({"Action": [7]}), ("Statement", 0, "Action", 0),
     "must be strings"),
    ("empty action list", _with({"Action": []}), ("Statement", 0, "Action"), "must not be empty"),
    ("Resource and NotResource", _with({"NotResource": "*"}), ("Statement", 0, "NotResource"),
     "Resource and NotResource"),
    ("resource not an ARN", _with({"Resource": ["*", "my-bucket"]}),
     ("Statement", 0, "Resource", 1), "invalid Resource"),
    ("duplicate Sid", _scp(DENY, {**DENY, "Action": "iam:*"}), ("Statement", 1, "Sid"),
     "duplicate Sid"),
    ("Sid with punctuation", _with({"Sid": "Deny-Leave"}), ("Statement", 0, "Sid"),
     "letters and digits"),
    ("Condition not an object", _with({"Condition": ["aws:RequestedRegion"]}),
     ("Statement", 0, "Condition"), "non-empty object"),
    ("unknown condition operator", _with({"Condition": {"StringEqual": {"aws:x": "y"}}}),
     ("Statement", 0, "Condition", "StringEqual"), "unknown condition operator"),
    ("Null cannot be IfExists", _with({"Condition": {"NullIfExists": {"aws:x": "true"}}}),
     ("Statement", 0, "Condition", "NullIfExists"), "unknown condition operator"),
    ("operator without keys", _with({"Condition": {"StringEquals": "aws:x"}}),
     ("Statement", 0, "Condition", "StringEquals"), "object of condition keys"),
    ("condition key without prefix",
     _with({"Condition": {"StringEquals": {"RequestedRegion": "eu-west-1"}}}),
     ("Statement", 0, "Condition", "StringEquals", "RequestedRegion"), "invalid condition key"),
    ("condition value is an object",
     _with({"Condition": {"StringEquals": {"aws:RequestedRegion": {"a": 1}}}}),
     ("Statement", 0, "Condition", "StringEquals", "aws:RequestedRegion"), "condition value"),
]

BAD_TAG_POLICIES: list[tuple[str, Any, JsonPath, str]] = [
    ("not an object", "tags", (), "must be a JSON object"),
    ("missing tags", {}, (), 'missing "tags"'),
    ("unknown top-level element", {"tags": {}, "tag": {}}, ("tag",), "unknown top-level"),
    ("child control at document root", {"tags": {}, CHILD_CONTROL: ["@@none"]},
     (CHILD_CONTROL,), "unknown top-level"),
    ("tags not an object", {"tags": ["costcenter"]}, ("tags",), "must be a JSON object"),
    ("policy key not an object", _tag("CostCenter"),  # type: ignore[arg-type]
     ("tags", "costcenter"), "must be a JSON object"),
    ("policy key with bad characters", _tag({"tag_key": {"@@assign": "cost#center"}},
                                            key="cost#center"),
     ("tags", "cost#center"), "may only hold"),
    ("policy key too long", _tag({}, key="k" * 129), ("tags", "k" * 129), "1 to 128"),
    ("unknown setting", _tag({"tag_values": {"@@assign": ["a"]}}),
     ("tags", "costcenter", "tag_values"), "unknown tag policy setting"),
    ("tag_key differs beyond case", _tag({"tag_key": {"@@assign": "Cost-Center"}}),
     ("tags", "costcenter", "tag_key", "@@assign"), "does not match policy key"),
    ("tag_key appended", _tag({"tag_key": {"@@append": "CostCenter"}}),
     ("tags", "costcenter", "tag_key", "@@append"), "cannot be used"),
    ("tag_key not a string", _tag({"tag_key": {"@@assign": ["CostCenter"]}}),
     ("tags", "costcenter", "tag_key", "@@assign"), "must be a string"),
    ("setting without operator", _tag({"tag_value": ["100"]}),
     ("tags", "costcenter", "tag_value"), "must be a JSON object"),
    ("misspelt operator", _tag({"tag_value": {"@@assing": ["100"]}}),
     ("tags", "costcenter", "tag_value", "@@assing"), "unknown operator"),
    ("two wildcards", _tag({"tag_value": {"@@assign": ["100", "*@*.com"]}}),
     ("tags", "costcenter", "tag_value", "@@assign", 1), "at most one *"),
    ("tag_value as a bare string", _tag({"tag_value": {"@@assign": "100"}}),
     ("tags", "costcenter", "tag_value", "@@assign"), "list of strings"),
    ("tag value too long", _tag({"tag_value": {"@@append": ["v" * 257]}}),
     ("tags", "costcenter", "tag_value", "@@append", 0), "at most 256"),
    ("tag value with bad characters", _tag({"tag_value": {"@@remove": ["a#b"]}}),
     ("tags", "costcenter", "tag_value", "@@remove", 0), "may only hold"),
    ("enforced for all services", _tag({"enforced_for": {"@@assign": ["ALL_SUPPORTED"]}}),
     ("tags", "costcenter", "enforced_for", "@@assign", 0), "all services"),
    ("enforced for every service's instances",
     _tag({"enforced_for": {"@@assign": ["*:instance"]}}),
     ("tags", "costcenter", "enforced_for", "@@assign", 0), "all services"),
    ("enforced_for with * resource", _tag({"enforced_for": {"@@assign": ["ec2:*"]}}),
     ("tags", "costcenter", "enforced_for", "@@assign", 0), "ec2:ALL_SUPPORTED"),
    ("resource type without service", _tag({"report_required_tag_for": {"@@assign": ["bucket"]}}),
     ("tags", "costcenter", "report_required_tag_for", "@@assign", 0), "service:resource"),
    ("unknown child control word", _tag({"tag_key": {**COST_KEY, CHILD_CONTROL: ["@@nothing"]}}),
     ("tags", "costcenter", "tag_key", CHILD_CONTROL, 0), "not an operator"),
    ("@@none mixed with operators", _tag({CHILD_CONTROL: ["@@none", "@@append"]}),
     ("tags", "costcenter", CHILD_CONTROL), "used alone"),
    ("child control not a list", {"tags": {CHILD_CONTROL: "@@none"}},
     ("tags", CHILD_CONTROL), "non-empty list"),
]

BAD_AI_POLICIES: list[tuple[str, Any, JsonPath, str]] = [
    ("not an object", None, (), "must be a JSON object"),
    ("missing services", {"service": {}}, (), 'missing "services"'),
    ("unknown top-level element", {"services": {}, "default": {}}, ("default",),
     "unknown top-level"),
    ("services not an object", {"services": []}, ("services",), "must be a JSON object"),
    ("service name capitalized", _ai({"opt_out_policy": {"@@assign": "optOut"}}, "Lex"),
     ("services", "Lex"), "unknown AI service"),
    ("service entry not an object", _ai("optOut"), ("services", "default"),
     "must be a JSON object"),
    ("missing opt_out_policy", _ai({}), ("services", "default"), "missing opt_out_policy"),
    ("unknown service setting", _ai({"opt_out_policy": {"@@assign": "optOut"}, "opt_in": {}}),
     ("services", "default", "opt_in"), "unknown service setting"),
    ("value in the wrong case", _ai({"opt_out_policy": {"@@assign": "optout"}}),
     ("services", "default", "opt_out_policy", "@@assign"), "optIn or optOut"),
    ("append on a single value", _ai({"opt_out_policy": {"@@append": "optOut"}}),
     ("services", "default", "opt_out_policy", "@@append"), "cannot be used"),
    ("append allowed for children",
     _ai({"opt_out_policy": {"@@assign": "optOut", CHILD_CONTROL: ["@@append"]}}),
     ("services", "default", "opt_out_policy", CHILD_CONTROL, 0), "not an operator"),
]

BAD_BACKUP_POLICIES: list[tuple[str, Any, JsonPath, str]] = [
    ("not an object", [], (), "must be a JSON object"),
    ("missing plans", {}, (), 'missing "plans"'),
    ("unknown top-level element", {"plans": {}, "plan": {}}, ("plan",), "unknown key"),
    ("plans not an object", {"plans": ["Daily"]}, ("plans",), "must be a JSON object"),
    ("plan not an object", {"plans": {"Daily": "cron(0 3 * * ? *)"}}, ("plans", "Daily"),
     "must be a JSON object"),
    ("rules as a list", {"plans": {"Daily": {"rules": []}}}, ("plans", "Daily", "rules"),
     "must be a JSON object"),
    ("misspelt operator deep down",
     {"plans": {"Daily": {"rules": {"R": {"target_backup_vault_name": {"@@asign": "V"}}}}}},
     ("plans", "Daily", "rules", "R", "target_backup_vault_name", "@@asign"),
     "unknown operator"),
    ("bad child control",
     {"plans": {"Daily": {"regions": {"@@assign": ["eu-west-1"], CHILD_CONTROL: ["@@some"]}}}},
     ("plans", "Daily", "regions", CHILD_CONTROL, 0), "not an operator"),
]


def _cases(policy_type: str, cases: list[tuple[str, Any, JsonPath, str]]) -> list[Any]:
    return [pytest.param(policy_type, document, path, fragment, id=f"{policy_type}: {rule}")
            for rule, document, path, fragment in cases]


@pytest.mark.parametrize(
    ("policy_type", "document", "path", "fragment"),
    _cases("scp", BAD_SCPS) + _cases("tag", BAD_TAG_POLICIES)
    + _cases("ai_opt_out", BAD_AI_POLICIES) + _cases("backup", BAD_BACKUP_POLICIES),
)
def test_each_rule_reports_its_path_and_message(policy_type: str, document: Any, path: JsonPath,
                                                fragment: str) -> None:
    problems = validate(policy_type, document)
    matching = [problem for problem in problems if problem.path == path]
    assert matching, f"no problem at {path}; got {problems}"
    assert any(fragment in problem.message for problem in matching), matching
    assert all(problem.hint for problem in problems)


@pytest.mark.parametrize(
    ("policy_type", "document", "path"),
    [
        ("scp", _with({"Condition": {"StringEquals": {1: "x"}}}),
         ("Statement", 0, "Condition", "StringEquals")),
        ("tag", {"tags": {100: {}}}, ("tags",)),
        ("ai_opt_out", {"services": {None: {}}}, ("services",)),
        ("backup", {"plans": {"P": {"rules": {2024: {}}}}}, ("plans", "P", "rules")),
    ],
)
def test_non_string_keys_are_reported_instead_of_crashing(policy_type: str, document: Any,
                                                          path: JsonPath) -> None:
    (problem,) = validate(policy_type, document)
    assert problem.path == path
    assert "is not a string" in problem.message


def test_principal_hint_points_to_a_principal_arn_condition() -> None:
    (problem,) = validate("scp", _with({"Principal": "*"}))
    assert "aws:PrincipalARN" in problem.hint


def test_misspellings_get_a_suggestion() -> None:
    problems = validate("scp", _with({"Condition": {"StringEqual": {"aws:x": "y"}}}))
    assert "'StringEquals'" in problems[0].hint
    problems = validate("tag", _tag({"tag_values": {"@@assign": ["a"]}}))
    assert "'tag_value'" in problems[0].hint


def test_all_problems_are_reported_not_just_the_first() -> None:
    document = {"Version": "1", "Statement": [{"Effect": "Maybe", "Principal": "*"}]}
    paths = {problem.path for problem in validate("scp", document)}
    assert paths == {("Version",), ("Statement", 0, "Principal"), ("Statement", 0, "Effect"),
                     ("Statement", 0)}


def test_size_limits_are_not_this_modules_business() -> None:
    huge = _scp({**DENY, "Resource": [f"arn:aws:s3:::bucket-{n}" for n in range(2000)]})
    assert minified_size(huge) > 10_240
    assert validate("scp", huge) == []


def test_unknown_policy_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown policy type"):
        validate("declarative", {})


def test_problem_is_an_immutable_value() -> None:
    problem = Problem(("Statement", 0), "message", "hint")
    assert problem == Problem(("Statement", 0), "message", "hint")
    with pytest.raises(AttributeError):
        problem.message = "other"  # type: ignore[misc]


def test_minified_size_counts_characters_of_compact_json() -> None:
    document = {"tags": {"环境": {"tag_key": {"@@assign": "环境"}}}}
    compact = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    assert " " not in compact
    assert minified_size(document) == len(compact)
    assert minified_size(document) < len(json.dumps(document))  # not \u-escaped, no spaces
    assert minified_size({"a": [1, 2]}) == len('{"a":[1,2]}')
