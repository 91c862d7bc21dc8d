"""lzgen's JSON writer gives exactly the bytes of json.dumps(indent=2, sort_keys=True), with
U+0085, U+2028 and U+2029 escaped (a YAML 1.1 reader takes them for line breaks)."""

from __future__ import annotations

import json
from enum import IntEnum, StrEnum
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.jsonio import dump_json


def reference(data: Any) -> str:
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for char in "\u0085\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                   st.text(), st.sampled_from(["", "\x00\x1f\x7f\"\\\n\t", "é€😀", "\u2028"]))
json_data = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=6), inner, max_size=4), max_leaves=30)


@settings(max_examples=400)
@given(json_data)
def test_same_bytes_as_json_dumps(data: Any) -> None:
    assert dump_json(data) == reference(data)


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 3


def test_unusual_values_match_too() -> None:
    data = {"b": (1, 2), "a": {"nested": []}, "c": {}, "enum": Colour.RED, "size": Size.BIG,
            "nan": float("nan"), "inf": float("-inf"), "big": 10**30, "float": 1e16}
    assert dump_json(data) == reference(data)
    assert dump_json({1: "a", 2: "b"}) == reference({1: "a", 2: "b"})
