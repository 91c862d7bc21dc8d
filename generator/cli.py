"""The command line: parse options, call generator.api, print, return an exit code.

`main` is the one place where errors become messages and exit codes.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.exceptions import TyperException

from generator.errors import BlueprintError, FindingsError, LzgenError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 70
EXIT_NOT_MET = 4  # `check`: some recommendations are neither met nor excepted

app = typer.Typer(
    name="lzgen",
    help="Generate validated CloudFormation for an AWS Organizations landing zone.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich doubles the start-up time
)


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


BlueprintArg = Annotated[Path, typer.Argument(help="The blueprint YAML file.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="How to print findings.")]
NoCacheOpt = Annotated[bool, typer.Option(
    "--no-cache", help="Lint every template again instead of reusing cached cfn-lint results.")]


def _print_findings(findings: list, fmt: Format) -> None:  # type: ignore[type-arg]
    from generator.report import render

    if findings or fmt is not Format.text:
        stream = sys.stdout if fmt is not Format.text else sys.stderr
        print(render(findings, fmt.value), file=stream)


@app.command()
def generate(
    blueprint: BlueprintArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")] = Path("output"),
    fmt: FormatOpt = Format.text,
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Skip cfn-lint (faster).")] = False,
    no_cache: NoCacheOpt = False,
) -> int:
    """Check the blueprint, build and lint the templates, and write them to OUTPUT."""
    from generator import api

    result = api.generate(blueprint, output, lint=not no_lint, cache=not no_cache)
    _print_findings(result.findings, fmt)
    if fmt is Format.text:
        stacks = sum(1 for f in result.files if f.startswith("stacks/"))
        sets = sum(1 for f in result.files if f.startswith("stacksets/"))
        print(f"wrote {len(result.files)} files to {output}/: {stacks} stacks, {sets} StackSet "
              f"bodies, manifest.json")
    return EXIT_OK


@app.command()
def validate(
    blueprint: BlueprintArg,
    fmt: FormatOpt = Format.text,
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Skip cfn-lint (faster).")] = False,
    no_cache: NoCacheOpt = False,
) -> int:
    """Everything `generate` does, without writing anything."""
    from generator import api

    result = api.validate(blueprint, lint=not no_lint, cache=not no_cache)
    _print_findings(result.findings, fmt)
    if fmt is Format.text:
        print(f"{blueprint}: valid")
    return EXIT_OK


class CardFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command()
def check(
    blueprint: BlueprintArg,
    fmt: Annotated[CardFormat, typer.Option("--format", "-f",
                                            help="text, markdown (a pull-request comment) "
                                                 "or json.")] = CardFormat.text,
) -> int:
    """Score the blueprint against every recommendation of AWS's multi-account best practices."""
    from generator import api
    from generator.scorecard_report import render_scorecard

    result = api.scorecard(blueprint)
    print(render_scorecard(result.card, fmt.value))
    return EXIT_OK if result.card.all_met else EXIT_NOT_MET


@app.command()
def schema() -> int:
    """Print the blueprint's JSON Schema (for editors and CI)."""
    from generator import api

    print(json.dumps(api.schema(), indent=2, sort_keys=True))
    return EXIT_OK


def _report_error(error: LzgenError, fmt: str) -> None:
    from generator.report import render

    if isinstance(error, BlueprintError | FindingsError):
        stream = sys.stdout if fmt != "text" else sys.stderr
        print(render(error.findings, fmt), file=stream)
        return
    print(f"error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"  hint: {error.hint}", file=sys.stderr)


def _requested_format(argv: list[str]) -> str:
    for index, arg in enumerate(argv):
        if arg in ("--format", "-f") and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--format="):
            return arg.split("=", 1)[1]
    return "text"


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the command and turn every outcome into an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = app(args=args, prog_name="lzgen", standalone_mode=False)
    except typer.Exit as stop:
        code = stop.exit_code
    except typer.Abort:
        print("aborted", file=sys.stderr)
        code = 130
    except TyperException as usage:  # a wrong command line: typer explains it
        usage.show()  # type: ignore[attr-defined]
        code = EXIT_INPUT
    except LzgenError as error:
        fmt = _requested_format(args)
        _report_error(error, fmt if fmt in ("text", "json", "sarif") else "text")
        code = error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except Exception as bug:  # the last line of defence: no traceback reaches a user
        if os.environ.get("LZGEN_DEBUG"):
            raise
        print(f"internal error: {type(bug).__name__}: {bug}\n  hint: this is a bug in lzgen; "
              "rerun with LZGEN_DEBUG=1 for the traceback and report it", file=sys.stderr)
        code = EXIT_INTERNAL
    return int(code or 0)


def run() -> None:
    sys.exit(main())
