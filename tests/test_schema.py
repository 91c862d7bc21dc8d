"""The blueprint's JSON Schema (`lzgen schema`): described, with enums, under a stable $id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator import api
from generator.blueprint.schema import SCHEMA_ID, Environment, Purpose
from generator.policies.library import BUILTINS
from generator.quotas import DEFAULTS


def properties(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of every object of the schema, with a readable place."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield f"{where}.{name}", prop
        for key, value in node.items():
            yield from properties(value, f"{where}/{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for value in node:
            yield from properties(value, where)


def test_every_property_has_a_description() -> None:
    found = list(properties(api.schema()))
    assert len(found) > 100
    assert [where for where, prop in found if not prop.get("description")] == []


def test_builtins_purposes_and_environments_are_enums() -> None:
    schema = api.schema()
    builtin = schema["$defs"]["Policy"]["properties"]["builtin"]
    assert {"type": "string", "enum": sorted(BUILTINS)} in builtin["anyOf"]
    assert schema["$defs"]["Purpose"]["enum"] == [p.value for p in Purpose]
    assert schema["$defs"]["Environment"]["enum"] == [e.value for e in Environment]
    assert schema["properties"]["quotas"]["propertyNames"]["enum"] == sorted(DEFAULTS)


def test_the_schema_has_a_stable_id() -> None:
    assert api.schema()["$id"] == SCHEMA_ID == "https://lzgen.dev/schema/blueprint-1.json"
