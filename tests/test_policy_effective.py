"""Effective tag policies, tag compliance and SCP Allow coverage."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.policies.effective import (
    effective_tag_policy,
    first_level_without_allow,
    tag_compliance,
    value_matches,
)
from generator.policies.grammar import CHILD_CONTROL
from generator.policies.library import render

NONE = {CHILD_CONTROL: ["@@none"]}


def _policy(**entries: dict[str, Any]) -> dict[str, Any]:
    return {"tags": entries}


def _costcenter(**settings: Any) -> dict[str, Any]:
    return _policy(costcenter={"tag_key": {"@@assign": "CostCenter"}, **settings})


ROOT = _costcenter(tag_value={"@@assign": ["Support", "Development"]})


def _effective(*levels: list[dict[str, Any]]) -> dict[str, Any]:
    return effective_tag_policy(list(levels))


def _entry(*levels: list[dict[str, Any]], key: str = "costcenter") -> dict[str, Any]:
    entry = _effective(*levels)["tags"][key]
    assert isinstance(entry, dict)
    return entry


# --- inheritance ----------------------------------------------------------------------------

def test_single_policy_gives_plain_sorted_values() -> None:
    policy = _costcenter(tag_value={"@@assign": ["300*", "100"]},
                         enforced_for={"@@assign": ["ec2:instance", "dynamodb:table"]},
                         report_required_tag_for={"@@assign": ["ec2:instance"]})
    assert _effective([policy]) == {"tags": {"costcenter": {
        "tag_key": "CostCenter",
        "tag_value": ["100", "300*"],
        "enforced_for": ["dynamodb:table", "ec2:instance"],
        "report_required_tag_for": ["ec2:instance"],
    }}}


def test_empty_chain_and_empty_levels_give_an_empty_policy() -> None:
    assert effective_tag_policy([]) == {"tags": {}}
    assert effective_tag_policy([[], []]) == {"tags": {}}


def test_child_assign_replaces_inherited_values() -> None:
    child = _costcenter(tag_value={"@@assign": ["Sandbox"]},
                        enforced_for={"@@assign": ["dynamodb:table"]})
    assert _entry([ROOT], [child]) == {"tag_key": "CostCenter", "tag_value": ["Sandbox"],
                                       "enforced_for": ["dynamodb:table"]}


def test_child_append_adds_to_inherited_values() -> None:
    child = _costcenter(tag_value={"@@append": ["Marketing", "Support"]})
    assert _entry([ROOT], [child])["tag_value"] == ["Development", "Marketing", "Support"]


def test_append_creates_a_setting_that_was_not_inherited() -> None:
    child = _costcenter(enforced_for={"@@append": ["ec2:instance"]})
    assert _entry([ROOT], [child])["enforced_for"] == ["ec2:instance"]


def test_child_remove_takes_values_away() -> None:
    child = _costcenter(tag_value={"@@remove": ["Development", "NotThere"]})
    assert _entry([ROOT], [child])["tag_value"] == ["Support"]


def test_removing_every_value_leaves_an_empty_list_not_any_value() -> None:
    child = _costcenter(tag_value={"@@remove": ["Development", "Support"]})
    assert _entry([ROOT], [child])["tag_value"] == []


def test_locked_tag_key_and_append_only_values() -> None:
    root = _policy(project={
        "tag_key": {"@@assign": "Project", **NONE},
        "tag_value": {"@@assign": ["Maintenance", "Escalations"],
                      CHILD_CONTROL: ["@@append"]},
    })
    ou = _policy(project={"tag_key": {"@@assign": "PROJECT"},
                          "tag_value": {"@@append": ["Research"]}})
    account = _policy(project={"tag_value": {"@@assign": ["Only"], "@@remove": ["Maintenance"]}})
    assert _entry([root], [ou], [account], key="project") == {
        "tag_key": "Project",
        "tag_value": ["Escalations", "Maintenance", "Research"],
    }


def test_restrictions_at_the_same_level_intersect() -> None:
    first = _policy(project={"tag_value": {"@@assign": ["Maintenance"],
                                           CHILD_CONTROL: ["@@append"]}})
    second = _policy(project={"tag_value": {CHILD_CONTROL: ["@@append", "@@remove"]}})
    child = _policy(project={"tag_value": {"@@append": ["New"], "@@remove": ["Maintenance"]}})
    assert _entry([first, second], [child], key="project")["tag_value"] == ["Maintenance", "New"]


def test_a_restriction_does_not_bind_its_own_level() -> None:
    locking = _costcenter(tag_value={"@@assign": ["A"], **NONE})
    sibling = _costcenter(tag_value={"@@append": ["B"]})
    child = _costcenter(tag_value={"@@append": ["C"]})
    assert _entry([locking, sibling], [child])["tag_value"] == ["A", "B"]


def test_lower_levels_cannot_widen_a_restriction() -> None:
    root = _costcenter(tag_value={"@@assign": ["A"], **NONE})
    ou = _costcenter(tag_value={CHILD_CONTROL: ["@@all"], "@@append": ["B"]})
    account = _costcenter(tag_value={"@@assign": ["C"]})
    assert _entry([root], [ou], [account])["tag_value"] == ["A"]


def test_first_attached_assign_wins_within_a_level() -> None:
    first = _policy(project={"tag_key": {"@@assign": "PROJECT"},
                             "tag_value": {"@@append": ["Maintenance"]}})
    second = _policy(project={"tag_key": {"@@assign": "project"},
                              "tag_value": {"@@assign": ["Ignored"]}})
    assert _entry([first, second], key="project") == {"tag_key": "PROJECT",
                                                      "tag_value": ["Ignored", "Maintenance"]}


def test_same_level_assign_then_append_and_remove() -> None:
    assigns = _costcenter(tag_value={"@@assign": ["A", "B"]})
    appends = _costcenter(tag_value={"@@append": ["C"]})
    removes = _costcenter(tag_value={"@@remove": ["A"]})
    assert _entry([ROOT], [removes, appends, assigns])["tag_value"] == ["B", "C"]


def test_locked_tags_container_blocks_new_keys_but_not_existing_values() -> None:
    root = {"tags": {CHILD_CONTROL: ["@@none"],
                     "costcenter": {"tag_key": {"@@assign": "CostCenter"},
                                    "tag_value": {"@@assign": ["A"]}}}}
    child = _policy(costcenter={"tag_value": {"@@append": ["B"]}},
                    owner={"tag_key": {"@@assign": "Owner"}})
    assert _effective([root], [child]) == {"tags": {
        "costcenter": {"tag_key": "CostCenter", "tag_value": ["A", "B"]},
    }}


def test_locked_policy_key_blocks_new_settings_only() -> None:
    root = _policy(costcenter={**NONE, "tag_key": {"@@assign": "CostCenter"},
                               "tag_value": {"@@assign": ["A"]}})
    child = _costcenter(tag_value={"@@assign": ["B"]},
                        enforced_for={"@@assign": ["ec2:instance"]})
    assert _entry([root], [child]) == {"tag_key": "CostCenter", "tag_value": ["B"]}


def test_append_only_container_still_accepts_new_keys() -> None:
    root = {"tags": {CHILD_CONTROL: ["@@append"]}}
    child = _policy(owner={"tag_key": {"@@assign": "Owner"}})
    assert _effective([root], [child])["tags"] == {"owner": {"tag_key": "Owner"}}


def test_policy_keys_match_without_regard_to_case() -> None:
    root = _policy(CostCenter={"tag_key": {"@@assign": "CostCenter"},
                               "tag_value": {"@@assign": ["A"]}})
    child = _policy(COSTCENTER={"tag_value": {"@@append": ["B"]}})
    assert _effective([root], [child]) == {"tags": {
        "costcenter": {"tag_key": "CostCenter", "tag_value": ["A", "B"]},
    }}


def test_tag_key_defaults_to_the_lower_case_policy_key() -> None:
    policy = _policy(Owner={"tag_value": {"@@assign": ["x"]}})
    assert _entry([policy], key="owner")["tag_key"] == "owner"


def test_keys_with_only_restrictions_are_left_out() -> None:
    policy = _policy(project={"tag_value": {CHILD_CONTROL: ["@@append"]}})
    assert _effective([policy]) == {"tags": {}}


def test_inputs_are_not_modified() -> None:
    chain = [[ROOT], [_costcenter(tag_value={"@@append": ["X"]})]]
    before = copy.deepcopy(chain)
    effective_tag_policy(chain)
    assert chain == before


def test_invalid_documents_are_refused_with_their_position() -> None:
    with pytest.raises(ValueError, match=r"tag policy 1 at level 0 .*tag_value"):
        _effective([ROOT, _costcenter(tag_value=["not", "an", "operator"])])


# --- compliance -----------------------------------------------------------------------------

EFFECTIVE = {"tags": {
    "costcenter": {"tag_key": "CostCenter", "tag_value": ["100", "300*"],
                   "report_required_tag_for": ["ec2:instance"]},
    "owner": {"tag_key": "Owner", "tag_value": ["*@example.com", "team-*-ops"]},
    "project": {"tag_key": "Project", "enforced_for": ["ec2:instance"]},
    "env": {"tag_key": "env", "tag_value": ["*"]},
}}


def test_compliant_tags_give_no_messages() -> None:
    tags = {"CostCenter": "3001", "Owner": "ana@example.com", "Project": "anything",
            "env": "", "Unrelated": "free"}
    assert tag_compliance(EFFECTIVE, tags) == []


def test_wrong_capitalization_is_reported() -> None:
    messages = tag_compliance(EFFECTIVE, {"costcenter": "100"})
    assert messages == ["tag key 'costcenter' must be written 'CostCenter'"]


@pytest.mark.parametrize(
    ("tags", "bad_value"),
    [
        ({"CostCenter": "200"}, "200"),
        ({"CostCenter": "30"}, "30"),
        ({"CostCenter": "1300"}, "1300"),
        ({"CostCenter": "100", "Owner": "ana@example.org"}, "ana@example.org"),
        ({"CostCenter": "100", "Owner": "team-ops"}, "team-ops"),
    ],
)
def test_values_outside_the_allowed_list_are_reported(tags: dict[str, str],
                                                      bad_value: str) -> None:
    (message,) = tag_compliance(EFFECTIVE, tags)
    assert f"value {bad_value!r}" in message
    assert "not allowed" in message


def test_wildcards_match_trailing_leading_and_embedded() -> None:
    for value in ("300", "3009", "300-extra"):
        assert tag_compliance(EFFECTIVE, {"CostCenter": value}) == []
    assert tag_compliance(EFFECTIVE, {"CostCenter": "100", "Owner": "@example.com"}) == []
    assert tag_compliance(EFFECTIVE, {"CostCenter": "100", "Owner": "team-red-ops"}) == []


def test_required_only_when_report_required_tag_for_is_set() -> None:
    assert tag_compliance(EFFECTIVE, {}) == ["required tag 'CostCenter' is missing"]
    assert tag_compliance(EFFECTIVE, {"COSTCENTER": "100"}) == [
        "tag key 'COSTCENTER' must be written 'CostCenter'"]


def test_messages_for_several_tags_come_in_a_stable_order() -> None:
    tags = {"owner": "x", "costcenter": "999"}
    messages = tag_compliance(EFFECTIVE, tags)
    assert messages == tag_compliance(EFFECTIVE, dict(reversed(tags.items())))
    assert len(messages) == 4


def test_compliance_against_a_computed_effective_policy() -> None:
    effective = _effective([ROOT], [_costcenter(tag_value={"@@append": ["Ops*"]})])
    assert tag_compliance(effective, {"CostCenter": "Ops-eu"}) == []
    assert tag_compliance(effective, {"CostCenter": "ops-eu"}) != []


_TEXT = st.text(alphabet="abcXYZ0-_.@ ", max_size=8)


@given(_TEXT, _TEXT, _TEXT)
def test_a_wildcard_matches_whatever_it_stands_for(prefix: str, middle: str,
                                                   suffix: str) -> None:
    assert value_matches(prefix + middle + suffix, f"{prefix}*{suffix}")
    assert value_matches(prefix + suffix, prefix + suffix)


@given(_TEXT, _TEXT)
def test_a_value_without_wildcard_matches_only_itself(value: str, allowed: str) -> None:
    assert value_matches(value, allowed) == (value == allowed)


def test_prefix_and_suffix_may_not_overlap() -> None:
    assert not value_matches("ab", "ab*b")
    assert value_matches("abb", "ab*b")


# --- SCP Allow coverage ---------------------------------------------------------------------

FULL = render("full-aws-access", {})
DENY_ONLY = render("deny-leave-organization", {})
ALLOW_ONE = {"Version": "2012-10-17",
             "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], None),
        ([[FULL], [FULL, DENY_ONLY], [FULL]], None),
        ([[FULL], [ALLOW_ONE]], None),
        ([[DENY_ONLY], [FULL]], 0),
        ([[FULL], [DENY_ONLY], [FULL]], 1),
        ([[FULL], [FULL], []], 2),
        ([[FULL], [{"Version": "2012-10-17", "Statement": []}]], 1),
    ],
)
def test_first_level_without_allow(levels: list[list[dict[str, Any]]],
                                   expected: int | None) -> None:
    assert first_level_without_allow(levels) == expected
