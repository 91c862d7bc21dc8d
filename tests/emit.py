"""A small block-style YAML writer that records the line of every key and list item.

The mutation tests need to know which line they changed, so they write blueprints with this
writer instead of a YAML library. Every string is double-quoted with everything outside
printable ASCII escaped, so any text survives the round trip unchanged. `Pairs` writes a
mapping from explicit (key, value) pairs, which is how a test writes a duplicate key.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Pairs:
    """A mapping written from explicit pairs: the same key may appear twice."""

    items: list[tuple[str, Any]]


@dataclass(frozen=True)
class Raw:
    """A scalar written exactly as given (for tags, anchors and other hand-made YAML)."""

    text: str


@dataclass
class Emitted:
    text: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """The line of `path`; a repeated key maps to its last occurrence."""
        return self.lines[tuple(path)]


def quote(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text`."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_RESERVED_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


def key_text(key: str) -> str:
    """A mapping key: plain when it cannot be read as anything but that word."""
    if _PLAIN_KEY.match(key) and key.lower() not in _RESERVED_WORDS:
        return key
    return quote(key)


def scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    if isinstance(value, datetime.date):
        return quote(value.isoformat())
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar")


def to_yaml(data: Any) -> Emitted:
    writer = _Writer()
    writer.value(data, (), 0, None)
    return Emitted("".join(writer.lines) if writer.lines else "{}\n", writer.marks)


def _is_collection(value: Any) -> bool:
    return isinstance(value, dict | list | Pairs)


def _is_empty(value: Any) -> bool:
    if isinstance(value, Pairs):
        return not value.items
    return isinstance(value, dict | list) and not value


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.marks: dict[Path, int] = {}
        self.pending = ""  # "- " prefixes waiting for the first line of a list item

    def mark(self, path: Path) -> None:
        self.marks[path] = len(self.lines) + 1

    def emit(self, indent: int, text: str) -> None:
        prefix = self.pending or " " * indent
        self.pending = ""
        self.lines.append(f"{prefix}{text}\n")

    def value(self, value: Any, path: Path, indent: int, lead: str | None) -> None:
        """Write `value`; `lead` is the text before it on its first line ('key:' or '-')."""
        if not _is_collection(value) or _is_empty(value):
            text = scalar(value) if not _is_empty(value) else ("[]" if isinstance(value, list)
                                                                  else "{}")
            self.emit(indent, f"{lead} {text}" if lead is not None else text)
            return
        if lead == "-":
            # The item's first line carries the dash, as a person writes it.
            self.pending = (self.pending or " " * indent) + "- "
            indent += 2
        elif lead is not None:
            self.emit(indent, lead)
            indent += 2
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.mark((*path, index))
                self.value(item, (*path, index), indent, "-")
            return
        items = value.items if isinstance(value, Pairs) else list(value.items())
        for key, item in items:
            self.mark((*path, key))
            self.value(item, (*path, key), indent, f"{key_text(str(key))}:")
