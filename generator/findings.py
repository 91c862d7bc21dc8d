"""Findings are data: a rule id, a severity, a message, a hint and a place in the blueprint."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

KeyPath = tuple[str | int, ...]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    hint: str = ""
    location: Location = field(default_factory=lambda: Location(""))
    path: KeyPath = ()
    source: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule, self.message)

    def render(self) -> str:
        text = f"{self.location}: {self.severity.value} {self.rule}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)
