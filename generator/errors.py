"""The one exception root of lzgen; the CLI turns these into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.findings import Finding


class LzgenError(Exception):
    """Root of every error lzgen raises on purpose. `exit_code` is what the CLI returns."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(LzgenError):
    """The command line or a path given on it is not usable."""


class BlueprintError(LzgenError):
    """The blueprint cannot be read into a model; carries every problem found."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        first = findings[0].message if findings else "invalid blueprint"
        super().__init__(first)
        self.findings = list(findings)


class FindingsError(LzgenError):
    """Checks or lint found errors: nothing is written."""

    exit_code = 1

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(f"{sum(1 for f in findings if f.is_error)} error(s) found")
        self.findings = list(findings)


class AwsError(LzgenError):
    """A call to AWS failed in a way the user must act on. `code` is AWS's error code."""

    exit_code = 3

    def __init__(self, message: str, hint: str = "", code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class RefusedError(LzgenError):
    """Deploy refused to execute a change: destructive without --allow-destructive, or not
    confirmed. Nothing of the refused change set ran."""

    exit_code = 7
