"""The JSON layout of every file lzgen writes, and the compact form it sends to AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring as _quote
from typing import Any

# Characters a YAML 1.1 reader takes for line breaks, even inside a JSON string: a template
# reader that tries YAML first (moto's does) would fold them and the spaces before them.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _escape_line_breaks(text: str) -> str:
    for char, escape in _LINE_BREAKS.items():
        text = text.replace(char, escape)  # JSON text holds them only inside strings
    return text


def dump_json(data: Any) -> str:
    """The one JSON layout of every file lzgen writes: sorted keys, two spaces, final newline.

    Byte for byte `json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)`, written
    twice as fast: with an indent, json.dumps cannot use its C encoder, and the 16 MB that
    5,000 accounts produce took a second. Data it does not expect goes to json.dumps itself.
    """
    parts: list[str] = []
    try:
        _encode(data, "", parts.append)
    except (_Unexpected, TypeError):  # TypeError: a key that is not a string
        return _escape_line_breaks(json.dumps(data, indent=2, sort_keys=True,
                                              ensure_ascii=False)) + "\n"
    parts.append("\n")
    return _escape_line_breaks("".join(parts))


class _Unexpected(Exception):
    """A value this encoder leaves to json.dumps (an object it does not know)."""


def _encode(value: Any, indent: str, write: Callable[[str], object]) -> None:
    if isinstance(value, str):
        write(_quote(value))
    elif isinstance(value, dict):
        _encode_items(value, indent, write)
    elif isinstance(value, list | tuple):
        if not value:
            write("[]")
            return
        inner = indent + "  "
        write("[\n" + inner)
        for index, item in enumerate(value):
            if index:
                write(",\n" + inner)
            _encode(item, inner, write)
        write("\n" + indent + "]")
    elif value is None or isinstance(value, bool | float):
        write(json.dumps(value))
    elif isinstance(value, int):
        write(int.__repr__(value))
    else:
        raise _Unexpected


def _encode_items(value: dict[Any, Any], indent: str, write: Callable[[str], object]) -> None:
    if not value:
        write("{}")
        return
    inner = indent + "  "
    write("{\n" + inner)
    for index, key in enumerate(sorted(value)):
        if index:
            write(",\n" + inner)
        write(_quote(key) + ": ")
        _encode(value[key], inner, write)
    write("\n" + indent + "}")


def compact_json(data: Any) -> str:
    return _escape_line_breaks(json.dumps(data, sort_keys=True, separators=(",", ":"),
                                          ensure_ascii=False))
