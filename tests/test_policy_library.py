"""Built-in policy library: rendering, parameter checks, determinism and size."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.policies.grammar import CHILD_CONTROL, minified_size
from generator.policies.library import (
    API_TYPE,
    BUILTINS,
    Builtin,
    PolicyParamError,
    TagSpec,
    render,
    tag_policy_from_spec,
)
from generator.policies.types import validate

SIZE_LIMITS = {"scp": 10_240, "ai_opt_out": 2_500, "tag": 10_000, "backup": 10_000,
               "rcp": 5_120, "declarative_ec2": 10_000}

MINIMAL_PARAMS: dict[str, dict[str, object]] = {
    "deny-outside-regions": {"allowed_regions": ["eu-west-1"]},
    "protect-baseline-roles": {"role_names": ["OrganizationAccountAccessRole"]},
    "deny-all-except-break-glass": {"break_glass_role_arns": ["arn:aws:iam::*:role/BreakGlass"]},
    "rcp-trusted-identities": {"organization_id": "o-abcdefghij"},
    "rcp-confused-deputy": {"organization_id": "o-abcdefghij"},
}

MANY_ROLE_ARNS = [f"arn:aws:iam::{index:012d}:role/platform/Admin{index}" for index in range(20)]
ALL_REGIONS = [
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ap-southeast-4", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
    "me-central-1", "me-south-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
    "us-west-2", "us-gov-west-1",
]
LARGEST_PARAMS: dict[str, dict[str, object]] = {
    "deny-outside-regions": {
        "allowed_regions": ALL_REGIONS,
        "extra_global_actions": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        "exempt_role_arns": MANY_ROLE_ARNS,
    },
    "protect-baseline-roles": {
        "role_names": [f"baseline/Role{index}" for index in range(30)],
        "exempt_role_arns": MANY_ROLE_ARNS,
    },
    "deny-all-except-break-glass": {"break_glass_role_arns": MANY_ROLE_ARNS},
    "ai-services-opt-out": {"allow_child_opt_in": True},
    **{name: {"organization_id": "o-abcdefghij",
              "trusted_account_ids": [f"{index:012d}" for index in range(40)],
              "exempt_resource_tag": "dp:exclude:identity"}
       for name in ("rcp-trusted-identities", "rcp-confused-deputy")},
}


def _largest(name: str) -> dict[str, object]:
    builtin = BUILTINS[name]
    if name in LARGEST_PARAMS:
        return LARGEST_PARAMS[name]
    return {"exempt_role_arns": MANY_ROLE_ARNS} if "exempt_role_arns" in builtin.params else {}


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    assert isinstance(statements, list)
    return statements


def _actions(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in _statements(document):
        actions = statement.get("Action", [])
        found |= {actions} if isinstance(actions, str) else set(actions)
    return found


# --- the catalogue --------------------------------------------------------------------------

def test_catalogue_holds_the_expected_builtins() -> None:
    assert set(BUILTINS) == {
        "full-aws-access", "deny-leave-organization", "deny-root-user",
        "protect-security-services", "deny-outside-regions", "protect-baseline-roles",
        "deny-all-except-break-glass", "deny-disable-ebs-encryption", "ai-services-opt-out",
        "rcp-trusted-identities", "rcp-confused-deputy", "ec2-block-public-sharing",
        "ec2-require-imdsv2",
    }


def test_api_type_names_every_policy_type() -> None:
    assert API_TYPE["scp"] == "SERVICE_CONTROL_POLICY"
    assert API_TYPE["ai_opt_out"] == "AISERVICES_OPT_OUT_POLICY"
    assert len(set(API_TYPE.values())) == len(API_TYPE) == 15


@pytest.mark.parametrize("builtin", BUILTINS.values(), ids=lambda builtin: builtin.name)
def test_builtin_is_described(builtin: Builtin) -> None:
    assert builtin.type in API_TYPE
    assert builtin.summary.strip()
    assert builtin.source_url.startswith("https://")
    for name, param in builtin.params.items():
        assert param.name == name
        assert param.description.strip()
        assert param.kind in ("string", "string_list", "bool")
        assert not (param.required and param.default is not None)


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_renders_to_a_valid_document(name: str) -> None:
    builtin = BUILTINS[name]
    document = render(name, MINIMAL_PARAMS.get(name, {}))
    assert validate(builtin.type, document) == []
    assert minified_size(document) <= SIZE_LIMITS[builtin.type]


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtin_with_large_parameters_stays_well_below_the_size_limit(name: str) -> None:
    builtin = BUILTINS[name]
    document = render(name, _largest(name))
    assert validate(builtin.type, document) == []
    assert minified_size(document) <= SIZE_LIMITS[builtin.type] // 2


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_rendering_is_deterministic_and_returns_fresh_documents(name: str) -> None:
    params = _largest(name)
    shuffled = {key: list(reversed(value)) if isinstance(value, list) else value
                for key, value in params.items()}
    first = render(name, params)
    pristine = copy.deepcopy(first)
    first.clear()
    assert render(name, shuffled) == pristine
    assert render(name, params) == pristine


EXEMPTABLE = sorted(name for name, builtin in BUILTINS.items()
                    if "exempt_role_arns" in builtin.params)
STACKSETS = "arn:aws:iam::*:role/stacksets-exec-*"
ALERTS = "arn:aws:iam::*:role/lzgen-root-activity-*"
# lzgen's own roles each built-in spares, whatever the blueprint says (they would otherwise
# stop the baseline's StackSets or alerts in the accounts the SCP applies to).
MACHINERY: dict[str, list[str]] = {
    "protect-security-services": [STACKSETS], "deny-outside-regions": [STACKSETS, ALERTS],
    "protect-baseline-roles": [STACKSETS], "deny-all-except-break-glass": [STACKSETS, ALERTS]}


@pytest.mark.parametrize("name", EXEMPTABLE)
def test_exempt_roles_are_spared_by_every_statement(name: str) -> None:
    arns = ["arn:aws:iam::*:role/Platform", "arn:aws:iam::111122223333:role/Audit"]
    document = render(name, {**MINIMAL_PARAMS.get(name, {}), "exempt_role_arns": arns})
    for statement in _statements(document):
        assert statement["Effect"] == "Deny"
        assert statement["Condition"]["ArnNotLike"] == {
            "aws:PrincipalARN": sorted(arns) + MACHINERY.get(name, [])}
    without = render(name, MINIMAL_PARAMS.get(name, {}))
    for statement in _statements(without):
        spared = statement.get("Condition", {}).get("ArnNotLike", {}).get("aws:PrincipalARN")
        assert spared == MACHINERY.get(name)


def test_lzgen_roles_listed_by_the_blueprint_are_spared_once() -> None:
    (statement,) = _statements(render("protect-security-services",
                                      {"exempt_role_arns": [STACKSETS]}))
    assert statement["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == [STACKSETS]


# --- individual built-ins -------------------------------------------------------------------

def test_full_aws_access_allows_everything() -> None:
    assert _statements(render("full-aws-access", {})) == [
        {"Sid": "AllowEverything", "Effect": "Allow", "Action": "*", "Resource": "*"}
    ]


def test_deny_leave_organization() -> None:
    (statement,) = _statements(render("deny-leave-organization", {}))
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "organizations:LeaveOrganization"


def test_deny_root_user_spares_centralized_root_sessions() -> None:
    (statement,) = _statements(render("deny-root-user", {}))
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "*"
    assert statement["Condition"] == {
        "ArnLike": {"aws:PrincipalARN": "arn:aws:iam::*:root"},
        "Null": {"aws:AssumedRoot": "true"},
    }


def test_protect_security_services_covers_each_service_but_not_reads() -> None:
    actions = _actions(render("protect-security-services", {}))
    for expected in ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
                     "config:StopConfigurationRecorder", "config:DeleteDeliveryChannel",
                     "config:DeleteConfigRule", "guardduty:DeleteDetector",
                     "securityhub:DisableSecurityHub", "access-analyzer:DeleteAnalyzer"):
        assert expected in actions
    readers = [action for action in actions
               if re.match(r"^[^:]+:(Get|List|Describe|Lookup)", action)]
    assert readers == []


def test_deny_outside_regions_keeps_global_services_usable() -> None:
    document = render("deny-outside-regions", {
        "allowed_regions": ["us-east-1", "eu-west-1", "eu-west-1"],
        "extra_global_actions": ["bedrock:InvokeModel"],
    })
    (statement,) = _statements(document)
    assert "Action" not in statement
    not_actions = statement["NotAction"]
    assert not_actions == sorted(set(not_actions))
    for global_action in ("iam:*", "organizations:*", "sts:*", "route53:*", "cloudfront:*",
                          "support:*", "budgets:*", "ce:*", "health:*", "bedrock:InvokeModel"):
        assert global_action in not_actions
    assert "ec2:*" not in not_actions
    assert "s3:*" not in not_actions
    assert statement["Condition"] == {
        "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]},
        "ArnNotLike": {"aws:PrincipalARN": [STACKSETS, ALERTS]},
    }


def test_protect_baseline_roles_targets_the_named_roles() -> None:
    (statement,) = _statements(render("protect-baseline-roles", {
        "role_names": ["OrganizationAccountAccessRole", "stacksets-exec-*"],
    }))
    assert statement["Resource"] == [
        "arn:aws:iam::*:role/OrganizationAccountAccessRole",
        "arn:aws:iam::*:role/stacksets-exec-*",
    ]
    assert {"iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"} <= set(
        statement["Action"])
    assert "iam:CreateRole" not in statement["Action"]


def test_deny_all_except_break_glass() -> None:
    arn = "arn:aws:iam::*:role/BreakGlass"
    (statement,) = _statements(render("deny-all-except-break-glass",
                                      {"break_glass_role_arns": [arn]}))
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == ("Deny", "*", "*")
    assert statement["Condition"] == {"ArnNotLike": {"aws:PrincipalARN": [arn, STACKSETS,
                                                                          ALERTS]}}


def test_ai_opt_out_is_locked_by_default() -> None:
    document = render("ai-services-opt-out", {})
    services = document["services"]
    assert services[CHILD_CONTROL] == ["@@none"]
    assert services["default"][CHILD_CONTROL] == ["@@none"]
    assert services["default"]["opt_out_policy"] == {
        "@@assign": "optOut", CHILD_CONTROL: ["@@none"]}


def test_ai_opt_out_can_leave_children_free() -> None:
    document = render("ai-services-opt-out", {"allow_child_opt_in": True})
    assert document == {"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}}


# --- parameter errors -----------------------------------------------------------------------

def test_unknown_builtin_suggests_close_names() -> None:
    with pytest.raises(PolicyParamError) as caught:
        render("deny-outside-region", {})
    assert caught.value.param is None
    assert "deny-outside-regions" in caught.value.hint
    assert "deny-outside-region" in caught.value.message


@pytest.mark.parametrize(
    ("name", "params", "bad_param", "fragment"),
    [
        ("deny-leave-organization", {"exempt_roles": []}, "exempt_roles", "no parameter"),
        ("deny-outside-regions", {}, "allowed_regions", "needs parameter"),
        ("deny-outside-regions", {"allowed_regions": []}, "allowed_regions", "must not be empty"),
        ("deny-outside-regions", {"allowed_regions": "eu-west-1"}, "allowed_regions",
         "list of strings"),
        ("deny-outside-regions", {"allowed_regions": ["eu-west-1", 3]}, "allowed_regions",
         "list of strings"),
        ("deny-outside-regions", {"allowed_regions": ["Europe"]}, "allowed_regions",
         "not valid"),
        ("deny-outside-regions", {"allowed_regions": ["eu-west-1"],
                                  "extra_global_actions": ["bedrock"]},
         "extra_global_actions", "not valid"),
        ("deny-leave-organization", {"exempt_role_arns": ["Admin"]}, "exempt_role_arns",
         "not valid"),
        ("protect-baseline-roles", {"role_names": ["bad name"]}, "role_names", "not valid"),
        ("deny-all-except-break-glass", {}, "break_glass_role_arns", "needs parameter"),
        ("ai-services-opt-out", {"allow_child_opt_in": "yes"}, "allow_child_opt_in",
         "true or false"),
        ("ai-services-opt-out", {"allow_child_opt_in": 1}, "allow_child_opt_in",
         "true or false"),
        ("full-aws-access", {"exempt_role_arns": []}, "exempt_role_arns", "no parameter"),
    ],
)
def test_bad_parameters_are_refused(name: str, params: dict[str, object], bad_param: str,
                                    fragment: str) -> None:
    with pytest.raises(PolicyParamError) as caught:
        render(name, params)
    assert caught.value.param == bad_param
    assert fragment in caught.value.message
    assert caught.value.hint


def test_misspelt_parameter_hint_names_the_right_one() -> None:
    with pytest.raises(PolicyParamError) as caught:
        render("deny-outside-regions", {"allowed_region": ["eu-west-1"]})
    assert "allowed_regions" in caught.value.hint


@given(st.lists(st.sampled_from(ALL_REGIONS), min_size=1, max_size=len(ALL_REGIONS)))
def test_region_deny_is_valid_and_order_free_for_any_regions(regions: list[str]) -> None:
    document = render("deny-outside-regions", {"allowed_regions": regions})
    assert validate("scp", document) == []
    assert render("deny-outside-regions", {"allowed_regions": sorted(regions)}) == document
    condition = _statements(document)[0]["Condition"]["StringNotEquals"]
    assert condition["aws:RequestedRegion"] == sorted(set(regions))


# --- tag policies from a spec ---------------------------------------------------------------

def test_tag_policy_from_spec_builds_a_sorted_valid_document() -> None:
    document = tag_policy_from_spec({
        "owner": TagSpec(key="Owner"),
        "cost": TagSpec(key="CostCenter", values=["300*", "100", "200", "100"],
                        enforced_for=["secretsmanager:ALL_SUPPORTED", "ec2:instance"],
                        report_required_for=["ec2:instance"]),
    })
    assert document == {"tags": {
        "costcenter": {
            "tag_key": {"@@assign": "CostCenter"},
            "tag_value": {"@@assign": ["100", "200", "300*"]},
            "enforced_for": {"@@assign": ["ec2:instance", "secretsmanager:ALL_SUPPORTED"]},
            "report_required_tag_for": {"@@assign": ["ec2:instance"]},
        },
        "owner": {"tag_key": {"@@assign": "Owner"}},
    }}
    assert validate("tag", document) == []
    assert minified_size(document) <= SIZE_LIMITS["tag"]


def test_tag_policy_can_lock_key_capitalization() -> None:
    document = tag_policy_from_spec({"env": TagSpec(key="Environment")}, lock_keys=True)
    assert document["tags"]["environment"]["tag_key"] == {
        "@@assign": "Environment", CHILD_CONTROL: ["@@none"]}


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (TagSpec(key="Cost#Center"), "tag key"),
        (TagSpec(key=""), "1 to 128"),
        (TagSpec(key="Env", values=[]), "no allowed value"),
        (TagSpec(key="Env", values=["*prod*"]), "one * wildcard"),
        (TagSpec(key="Env", enforced_for=["ALL_SUPPORTED"]), "all services"),
        (TagSpec(key="Env", enforced_for=["ec2:instances"]), "no resource type 'instances'"),
        (TagSpec(key="Env", report_required_for=["instance"]), "service:resource"),
    ],
)
def test_tag_spec_errors_name_the_tag(spec: TagSpec, fragment: str) -> None:
    with pytest.raises(PolicyParamError) as caught:
        tag_policy_from_spec({"the-tag": spec})
    assert caught.value.param == "the-tag"
    assert fragment in caught.value.message


def test_tag_specs_differing_only_in_case_collide() -> None:
    with pytest.raises(PolicyParamError) as caught:
        tag_policy_from_spec({"a": TagSpec(key="Env"), "b": TagSpec(key="ENV")})
    assert caught.value.param == "b"
