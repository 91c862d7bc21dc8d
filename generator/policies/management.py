"""Grammars of the management policy types, written as attribute trees.

Each tree says which keys a document may hold at each level, which of them are required, and
which leaves take which inheritance operators and values (AWS user guide, "Policy syntax and
inheritance for management policy types":
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inheritance_mgmt.html).
Where AWS documents no attribute schema for a type, its tree is `ANY`: only the operators and
the JSON shape are checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from generator.policies.grammar import (
    CHILD_CONTROL,
    VALUE_OPERATORS,
    JsonPath,
    Problem,
    check_child_control,
    check_operator_names,
    check_operator_object,
    closest_hint,
    not_object,
)

ValueCheck = Callable[[JsonPath, object], list[Problem]]


@dataclass(frozen=True)
class Leaf:
    """A setting: an object of value operators (and the child-control operator)."""

    operators: frozenset[str] = VALUE_OPERATORS
    check: ValueCheck | None = None


@dataclass(frozen=True)
class Obj:
    """A container of named keys; ``any_key`` is the node for keys the author names."""

    fields: Mapping[str, Node] = field(default_factory=dict)
    any_key: Node | None = None
    required: tuple[str, ...] = ()
    key_pattern: str | None = None  # what an author-named key must look like (regex)
    key_hint: str = ""


@dataclass(frozen=True)
class Any_:
    """Anything: only the operator names below are checked."""


Node = Leaf | Obj | Any_
ANY: Final = Any_()
ASSIGN: Final = frozenset({"@@assign"})


def validate_tree(tree: Node, document: object) -> list[Problem]:
    return _check(tree, (), document)


def _check(node: Node, path: JsonPath, value: object) -> list[Problem]:
    if isinstance(node, Any_):
        if not path and not isinstance(value, dict):
            return [not_object(path, "the policy", "{...}")]
        return check_operator_names(path, value)
    if isinstance(node, Leaf):
        return check_operator_object(path, value, node.operators,
                                     node.check or (lambda _at, _value: []))
    return _check_object(node, path, value)


def _check_object(node: Obj, path: JsonPath, value: object) -> list[Problem]:
    if not isinstance(value, dict):
        return [not_object(path, ".".join(map(str, path)) or "the policy", "{...}")]
    problems: list[Problem] = []
    for key, child in value.items():
        where = (*path, key)
        if key == CHILD_CONTROL:
            problems += check_child_control(where, child, VALUE_OPERATORS)
        elif key in node.fields:
            problems += _check(node.fields[key], where, child)
        elif node.any_key is not None and not key.startswith("@@"):
            if node.key_pattern and not re.fullmatch(node.key_pattern, key):
                problems.append(Problem(where, f"invalid name {key!r}", node.key_hint))
            else:
                problems += _check(node.any_key, where, child)
        elif key.startswith("@@"):
            problems.append(Problem(where, f"{key} cannot be used here",
                                    "value operators go on settings, one level further down"))
        else:
            problems.append(Problem(where, f"unknown key {key!r}",
                                    closest_hint(key, node.fields)))
    problems += [Problem(path, f'missing "{key}"', f'add "{key}"')
                 for key in node.required if key not in value]
    return problems


# --- value checks ---------------------------------------------------------------------------

def one_of(*allowed: str) -> ValueCheck:
    def check(path: JsonPath, value: object) -> list[Problem]:
        if isinstance(value, str) and value in allowed:
            return []
        return [Problem(path, f"{value!r} is not allowed here",
                        closest_hint(str(value), allowed))]
    return check


def list_of(item: Callable[[str], str | None], what: str) -> ValueCheck:
    """A JSON array of strings, each passing ``item`` (which returns a problem or None)."""
    def check(path: JsonPath, value: object) -> list[Problem]:
        if not isinstance(value, list):
            return [Problem(path, f"{what} must be a list", f"write [{value!r}]")]
        problems: list[Problem] = []
        for index, entry in enumerate(value):
            problem = item(entry) if isinstance(entry, str) else f"{what} entries are strings"
            if problem:
                problems.append(Problem((*path, index), problem, f"fix this {what} entry"))
        return problems
    return check


def text(path: JsonPath, value: object) -> list[Problem]:
    return [] if isinstance(value, str) else [Problem(path, "expected a string", "quote it")]


def integer(low: int, high: int, *, as_text: bool = False) -> ValueCheck:
    def check(path: JsonPath, value: object) -> list[Problem]:
        number: object = value
        if as_text and isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
            number = int(value)
        if isinstance(number, int) and not isinstance(number, bool) and low <= number <= high:
            return []
        return [Problem(path, f"expected a whole number from {low} to {high}",
                        f"found {value!r}")]
    return check


_REGION: Final = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")


def _region(entry: str) -> str | None:
    if entry == "ALL_SUPPORTED" or _REGION.match(entry):
        return None
    return f"{entry!r} is not a Region code or ALL_SUPPORTED"


def _any_text(_: str) -> str | None:
    return None


REGIONS: Final = Leaf(check=list_of(_region, "Region"))
TEXT_LIST: Final = Leaf(check=list_of(_any_text, "value"))


def _setting(*allowed: str) -> Leaf:
    return Leaf(ASSIGN, one_of(*allowed))


# --- EC2 declarative policies ---------------------------------------------------------------
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_declarative_syntax.html

_CRITERION: Final = Obj({
    "allowed_image_providers": TEXT_LIST,
    "image_names": TEXT_LIST,
    "marketplace_product_codes": TEXT_LIST,
    "creation_date_condition": Obj({"maximum_days_since_created":
                                    Leaf(ASSIGN, integer(0, 2147483647))}),
    "deprecation_time_condition": Obj({"maximum_days_since_deprecated":
                                       Leaf(ASSIGN, integer(0, 2147483647))}),
})
_STATES: Final = ("no_preference", "enabled", "disabled")

DECLARATIVE_EC2: Final = Obj({"ec2_attributes": Obj({
    "exception_message": Leaf(ASSIGN, text),
    "vpc_block_public_access": Obj({"internet_gateway_block": Obj({
        "mode": _setting("off", "block_ingress", "block_bidirectional"),
        "exclusions_allowed": _setting("enabled", "disabled"),
    })}),
    "serial_console_access": Obj({"status": _setting("enabled", "disabled")}),
    "image_block_public_access": Obj({"state": _setting("unblocked", "block_new_sharing")}),
    "allowed_images_settings": Obj({
        "state": _setting("enabled", "disabled", "audit_mode"),
        "image_criteria": Obj(any_key=_CRITERION, key_pattern=r"criteria_([1-9]|10)",
                              key_hint="name criteria criteria_1 to criteria_10"),
    }),
    "instance_metadata_defaults": Obj({
        "http_tokens": _setting("no_preference", "required", "optional"),
        "http_put_response_hop_limit": Leaf(ASSIGN, integer(-1, 64, as_text=True)),
        "http_endpoint": _setting(*_STATES),
        "instance_metadata_tags": _setting(*_STATES),
    }),
    "snapshot_block_public_access": Obj({"state": _setting("block_all_sharing",
                                                           "block_new_sharing", "unblocked")}),
})}, required=("ec2_attributes",))


# --- backup policies ------------------------------------------------------------------------
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html

_TAG_PAIR: Final = Obj({"tag_key": Leaf(ASSIGN, text), "tag_value": Leaf(check=None)})
_LIFECYCLE: Final = Obj({
    "move_to_cold_storage_after_days": Leaf(ASSIGN),
    "delete_after_days": Leaf(ASSIGN),
    "opt_in_to_archive_for_supported_resources": Leaf(ASSIGN),
})
_CONDITION_ENTRY: Final = Obj({"condition_key": Leaf(ASSIGN, text),
                               "condition_value": Leaf(ASSIGN, text)})
_CONDITIONS: Final = Obj({name: Obj(any_key=_CONDITION_ENTRY) for name in (
    "string_equals", "string_not_equals", "string_like", "string_not_like")})
_RULE: Final = Obj({
    "schedule_expression": Leaf(ASSIGN, text),
    "schedule_expression_timezone": Leaf(ASSIGN, text),
    "target_backup_vault_name": Leaf(ASSIGN, text),
    "target_logically_air_gapped_backup_vault_arn": Leaf(ASSIGN, text),
    "start_backup_window_minutes": Leaf(ASSIGN),
    "complete_backup_window_minutes": Leaf(ASSIGN),
    "enable_continuous_backup": Leaf(ASSIGN),
    "lifecycle": _LIFECYCLE,
    "copy_actions": Obj(any_key=Obj({"target_backup_vault_arn": Leaf(ASSIGN, text),
                                     "lifecycle": _LIFECYCLE})),
    "recovery_point_tags": Obj(any_key=_TAG_PAIR),
    "index_actions": ANY,
    "scan_actions": ANY,
})
BACKUP: Final = Obj({"plans": Obj(any_key=Obj({
    "regions": Leaf(check=list_of(_region, "Region")),
    "rules": Obj(any_key=_RULE),
    "selections": Obj({
        "tags": Obj(any_key=Obj({"iam_role_arn": Leaf(ASSIGN, text),
                                 "tag_key": Leaf(ASSIGN, text),
                                 "tag_value": Leaf(check=None),
                                 "conditions": _CONDITIONS})),
        "resources": Obj(any_key=Obj({"iam_role_arn": Leaf(ASSIGN, text),
                                      "resource_types": TEXT_LIST,
                                      "not_resource_types": TEXT_LIST,
                                      "conditions": _CONDITIONS})),
    }),
    "advanced_backup_settings": Obj(any_key=Obj({"windows_vss": _setting("enabled",
                                                                         "disabled")})),
    "backup_plan_tags": Obj(any_key=_TAG_PAIR),
    "scan_settings": ANY,
}))}, required=("plans",))


# --- Security Hub, Inspector, S3, upgrade rollout, Bedrock ----------------------------------

_IN_REGIONS: Final = Obj({"enable_in_regions": REGIONS, "disable_in_regions": REGIONS},
                         required=("enable_in_regions", "disable_in_regions"))

# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_security_hub_syntax.html
SECURITYHUB: Final = Obj({"securityhub": Obj({
    "enable_in_regions": REGIONS, "disable_in_regions": REGIONS,
    "features": Obj(any_key=_IN_REGIONS),
}, required=("enable_in_regions", "disable_in_regions"))}, required=("securityhub",))

# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_inspector_syntax.html
_SCAN: Final = Obj({"enable_in_regions": REGIONS, "disable_in_regions": REGIONS})
_SCANS: Final = ("ec2_scanning", "ecr_scanning", "lambda_standard_scanning",
                  "lambda_code_scanning", "code_repository_scanning")
INSPECTOR: Final = Obj({"inspector": Obj({"enablement": Obj(dict.fromkeys(_SCANS, _SCAN))})},
                       required=("inspector",))

# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_s3_syntax.html
S3: Final = Obj({"s3_attributes": Obj({
    "public_access_block_configuration": _setting("all", "none"),
})}, required=("s3_attributes",))

# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_upgrade_syntax.html
_ORDER: Final = Obj({"patch_order": _setting("first", "second", "last")})
UPGRADE_ROLLOUT: Final = Obj({"upgrade_rollout": Obj({
    "default": _ORDER,
    "tags": Obj(any_key=Obj({"tag_values": Obj(any_key=_ORDER)})),
})}, required=("upgrade_rollout",))

# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_bedrock_syntax.html
_GUARDRAIL: Final = Obj({
    "identifier": Leaf(ASSIGN, text),
    "input_tags": _setting("honor", "ignore"),
    "selective_content_guarding": Obj({"system": _setting("selective", "comprehensive"),
                                       "messages": _setting("selective", "comprehensive")}),
    "model_enforcement": Obj({"included_models": TEXT_LIST, "excluded_models": TEXT_LIST}),
}, required=("identifier",))
BEDROCK: Final = Obj({"bedrock": Obj({"guardrail_inference": Obj(
    any_key=Obj(any_key=_GUARDRAIL), key_pattern=_REGION.pattern[1:-1],
    key_hint="name a Region, e.g. us-east-1")})}, required=("bedrock",))


def validator(tree: Node) -> Callable[[object], list[Problem]]:
    def validate(document: object) -> list[Problem]:
        return validate_tree(tree, document)
    return validate
