"""Where each key and list item of a policy file is (line and column), and its duplicate keys.

Python's json module keeps the last of two equal keys without a word, so a statement that says
"Action": "*" and later "Action": "iam:CreateUser" would be read, and deployed, as the second
alone. AWS refuses duplicate keys in policy documents (the backup policy syntax page says so,
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html),
so lzgen refuses them in every policy type, at the line of the second key.

``scan`` runs on text that ``json.loads`` has already accepted, so it only tracks positions.
"""

from __future__ import annotations

import bisect
import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from generator.findings import KeyPath, Location

# The JSON string reader of the standard library (typeshed does not declare it).
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_SCALAR: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null")


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    path: KeyPath  # of the object holding it
    line: int
    column: int
    first_line: int


@dataclass
class PolicySource:
    """A policy file's name and the position of every key path in it."""

    file: str
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: KeyPath) -> Location:
        """The position of ``path``, or of its nearest ancestor the file holds."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found is not None:
                return Location(self.file, *found)
        return Location(self.file, 1, 1)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.positions: dict[KeyPath, tuple[int, int]] = {}
        self.duplicates: list[DuplicateKey] = []

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def skip(self, offset: int) -> int:
        match = _WHITESPACE.match(self.text, offset)
        return match.end() if match else offset

    def value(self, offset: int, path: KeyPath) -> int:
        offset = self.skip(offset)
        self.positions.setdefault(path, self.where(offset))
        char = self.text[offset]
        if char == "{":
            return self.object(offset + 1, path)
        if char == "[":
            return self.array(offset + 1, path)
        if char == '"':
            return int(_scanstring(self.text, offset + 1)[1])
        match = _SCALAR.match(self.text, offset)
        if match is None:
            raise ValueError(f"unexpected character at offset {offset}")
        return match.end()

    def object(self, offset: int, path: KeyPath) -> int:
        seen: dict[str, int] = {}
        offset = self.skip(offset)
        if self.text[offset] == "}":
            return offset + 1
        while True:
            offset = self.skip(offset)
            key, after = _scanstring(self.text, offset + 1)
            line, column = self.where(offset)
            if key in seen:
                self.duplicates.append(DuplicateKey(key, path, line, column, seen[key]))
            else:
                seen[key] = line
                self.positions[(*path, key)] = (line, column)
            offset = self.skip(after)  # at ':'
            offset = self.skip(self.value(offset + 1, (*path, key)))
            if self.text[offset] == "}":
                return offset + 1
            offset += 1  # ','

    def array(self, offset: int, path: KeyPath) -> int:
        offset = self.skip(offset)
        if self.text[offset] == "]":
            return offset + 1
        index = 0
        while True:
            offset = self.skip(self.value(offset, (*path, index)))
            if self.text[offset] == "]":
                return offset + 1
            offset += 1
            index += 1


def scan(text: str, file: str) -> tuple[PolicySource, list[DuplicateKey]]:
    """Positions and duplicate keys of ``text``, which must be valid JSON."""
    scanner = _Scanner(text)
    scanner.value(0, ())
    return PolicySource(file, scanner.positions), scanner.duplicates
