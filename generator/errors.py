"""The one exception root of lzgen; the CLI turns these into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.findings import Finding


class ExitCode(IntEnum):
    """Every exit code of lzgen, in one place (the docs' reference lists them from here)."""

    OK = 0
    FINDINGS = 1  # checks or cfn-lint found errors; nothing written
    INPUT = 2  # the blueprint or the command line cannot be used
    AWS = 3  # a call to AWS failed, or a deploy precondition does not hold
    NOT_MET = 4  # `check`: a recommendation is not configured (neither met, excepted nor assumed)
    CHANGES = 5  # `diff`, `drift`: changes found, none at or above --fail-on
    GATED = 6  # `diff`, `drift`: changes at or above --fail-on
    REFUSED = 7  # `deploy`: a destructive change without --allow-destructive, or not confirmed
    INTERNAL = 70  # a bug in lzgen: please report it
    INTERRUPTED = 130  # Ctrl-C
    CLOSED_PIPE = 141  # the reader of the output closed early (`| head`): 128 + SIGPIPE


class LzgenError(Exception):
    """Root of every error lzgen raises on purpose. `exit_code` is what the CLI returns."""

    exit_code: int = ExitCode.INPUT

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

    exit_code = ExitCode.FINDINGS

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(f"{sum(1 for f in findings if f.is_error)} error(s) found")
        self.findings = list(findings)


class AwsError(LzgenError):
    """A call to AWS failed in a way the user must act on. `code` is AWS's error code."""

    exit_code = ExitCode.AWS

    def __init__(self, message: str, hint: str = "", code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class RefusedError(LzgenError):
    """Deploy refused to execute a change: destructive without --allow-destructive, or not
    confirmed. Nothing of the refused change set ran."""

    exit_code = ExitCode.REFUSED


class InterruptedDeploy(LzgenError):
    """Ctrl-C during a deploy: what was in flight is named; rerunning converges."""

    exit_code = ExitCode.INTERRUPTED
