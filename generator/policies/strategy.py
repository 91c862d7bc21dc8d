"""The blueprint's `tagging` section, as a tag policy document.

Each tag rule fixes a key's capitalization and, optionally, its allowed values and the resource
types where noncompliant tagging is refused (`enforced_for`). A required tag is also reported
as missing on those resource types (`report_required_tag_for`); that accounts and OUs carry
it is checked by lzgen itself (rule LZ310), since tag policies do not govern them.
"""

from __future__ import annotations

from typing import Any

from generator.blueprint.schema import Tagging
from generator.policies.tags import TagSpec, tag_policy_from_spec

TAGGING_POLICY = "tagging-strategy"


def tag_key(name: str, key: str) -> str:
    return key or name


def tagging_specs(tagging: Tagging) -> dict[str, TagSpec]:
    return {name: TagSpec(key=tag_key(name, rule.key), values=rule.values,
                          enforced_for=rule.enforced_for,
                          report_required_for=rule.enforced_for if rule.required else ())
            for name, rule in sorted(tagging.tags.items())}


def tagging_document(tagging: Tagging) -> dict[str, Any]:
    """The tag policy; raises PolicyParamError (param = the tag's name) for a bad rule."""
    return tag_policy_from_spec(tagging_specs(tagging))


def required_keys(tagging: Tagging) -> list[str]:
    return sorted(tag_key(name, rule.key) for name, rule in tagging.tags.items()
                  if rule.required)
