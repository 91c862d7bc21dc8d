"""The command line: parse options, call generator.api, print, return an exit code.

`main` is the one place where errors become messages and exit codes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand
from typer.exceptions import TyperException

from generator.errors import BlueprintError, ExitCode, FindingsError, LzgenError, UsageError

if TYPE_CHECKING:
    from generator.diff import Diff
    from generator.documents.starter import Answers


app = typer.Typer(
    name="lzgen",
    help="Generate validated CloudFormation for an AWS Organizations landing zone.",
    epilog="Start with `lzgen init`, then `lzgen generate blueprint.yaml`. "
           "`lzgen COMMAND -h` shows a command's options and an example.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish, pwsh)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich doubles the start-up time
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _is_argument(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _argument_name(param: Any) -> str:
    """An argument as help shows it: its metavar, a word ("BLUEPRINT..."), not a type."""
    name = param.metavar or (param.name or "").upper()
    if param.nargs != 1 and not name.endswith("...") and " " not in name:
        name += "..."
    return name if param.required or name.startswith("[") else f"[{name}]"


class _Command(TyperCommand):
    """Help whose arguments read as words: `BLUEPRINT...`, not `{blueprints}... <list[Path]>`."""

    # typer 0.29 vendors click (typer._click), older releases use click itself: duck-typed.
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        return pieces + [_argument_name(p) for p in self.get_params(ctx) if _is_argument(p)]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if _is_argument(param):
                arguments.append((_argument_name(param), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _example(*lines: str) -> str:
    """A command's epilog: its examples, kept on their own lines ('\b' stops click rewrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def _print_version(value: bool) -> None:
    if value:
        from generator import __version__

        print(f"lzgen {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option(
        "--version", "-V", help="Print lzgen's version and exit.", is_eager=True,
        callback=_print_version)] = False,
) -> None:
    """Generate validated CloudFormation for an AWS Organizations landing zone."""


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


BlueprintArg = Annotated[Path, typer.Argument(help="The blueprint YAML file.",
                                              metavar="BLUEPRINT", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="How to print findings.",
                                           metavar="text|json|sarif")]
NoCacheOpt = Annotated[bool, typer.Option(
    "--no-cache", help="Lint every template again instead of reusing cached cfn-lint results.")]


def _print_findings(findings: list, fmt: Format) -> None:  # type: ignore[type-arg]
    from generator.report import render

    if findings or fmt is not Format.text:
        stream = sys.stdout if fmt is not Format.text else sys.stderr
        print(render(findings, fmt.value), file=stream)


@app.command(cls=_Command, epilog=_example("lzgen generate blueprint.yaml",
                             "lzgen generate blueprint.yaml -o out --no-lint"))
def generate(
    blueprint: BlueprintArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.",
                                         metavar="FOLDER")] = Path("output"),
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
    return ExitCode.OK


@app.command(cls=_Command, epilog=_example("lzgen validate blueprint.yaml",
                             "lzgen validate --format sarif blueprints/*.yaml > lzgen.sarif"))
def validate(
    blueprints: Annotated[list[Path], typer.Argument(
        help="One or more blueprint YAML files (checked in order; stops at the first "
             "invalid one).", show_default=False, metavar="BLUEPRINT...")],
    fmt: FormatOpt = Format.text,
    no_lint: Annotated[bool, typer.Option("--no-lint", help="Skip cfn-lint (faster).")] = False,
    no_cache: NoCacheOpt = False,
) -> int:
    """Everything `generate` does, without writing anything."""
    from generator import api

    for blueprint in blueprints:
        result = api.validate(blueprint, lint=not no_lint, cache=not no_cache)
        _print_findings(result.findings, fmt)
        if fmt is Format.text:
            print(f"{blueprint}: valid")
    return ExitCode.OK


class CardFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command(cls=_Command, epilog=_example("lzgen check blueprint.yaml",
                             "lzgen check blueprint.yaml --format markdown > scorecard.md"))
def check(
    blueprint: BlueprintArg,
    fmt: Annotated[CardFormat, typer.Option("--format", "-f",
                                            help="text, markdown (a pull-request comment) "
                                                 "or json.",
                                            metavar="text|markdown|json")] = CardFormat.text,
) -> int:
    """Score the blueprint against every recommendation of AWS's multi-account best practices."""
    from generator import api
    from generator.scorecard.report import render_scorecard

    result = api.scorecard(blueprint)
    print(render_scorecard(result.card, fmt.value))
    return ExitCode.OK if result.card.passes else ExitCode.NOT_MET


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class FailOn(StrEnum):
    destructive = "destructive"
    weakens = "weakens"


DiffFormatOpt = Annotated[DiffFormat, typer.Option("--format", "-f",
                                                   help="text, markdown or json.",
                                                   metavar="text|markdown|json")]
FailOnOpt = Annotated[FailOn, typer.Option(
    "--fail-on", help="Lowest risk that exits 6: destructive or weakens.",
    metavar="destructive|weakens")]


@app.command(cls=_Command, epilog=_example("lzgen diff old.yaml blueprint.yaml",
                             "lzgen diff --base origin/main blueprint.yaml --format markdown"))
def diff(
    blueprints: Annotated[list[Path], typer.Argument(
        help="BASE.yaml HEAD.yaml, or only HEAD.yaml with --base.", show_default=False,
        metavar="[BASE] HEAD")],
    base: Annotated[str | None, typer.Option(
        "--base", help="Git revision of the base: HEAD.yaml as it was there.",
        metavar="REVISION")] = None,
    head: Annotated[str | None, typer.Option(
        "--head", help="Git revision of the head (default: the file as it is).",
        metavar="REVISION")] = None,
    fmt: DiffFormatOpt = DiffFormat.text,
    fail_on: FailOnOpt = FailOn.destructive,
) -> int:
    """What a blueprint change does to the organization: exit 0 none, 5 changes, 6 risky."""
    from generator import api
    from generator.diff.sources import Source
    from generator.errors import UsageError

    if len(blueprints) == 2 and base is None and head is None:
        base_source, head_source = Source(blueprints[0]), Source(blueprints[1])
    elif len(blueprints) == 1 and base is not None:
        base_source, head_source = Source(blueprints[0], base), Source(blueprints[0], head)
    else:
        raise UsageError("lzgen diff takes BASE.yaml HEAD.yaml, or HEAD.yaml with --base REV",
                         "e.g. lzgen diff --base origin/main blueprints/example.yaml")
    result = api.diff(base_source, head_source)
    _print_diff(result, fmt)
    return _exit_for(result.risk, fail_on)


def _print_diff(result: Diff, fmt: DiffFormat) -> None:
    from generator.diff.writers import render, text_lines

    if fmt is DiffFormat.text and sys.stdout.isatty():
        from rich.console import Console
        from rich.text import Text

        console = Console(highlight=False)
        for style, line in text_lines(result):
            console.print(Text(line, style=style or ""), soft_wrap=True)
        return
    sys.stdout.write(render(result, fmt.value))


def _exit_for(risk: object, fail_on: FailOn) -> int:
    from generator.diff import Risk

    if not isinstance(risk, Risk):
        return ExitCode.OK
    gate = 2 if fail_on is FailOn.destructive else 1
    return ExitCode.GATED if risk.rank >= gate else ExitCode.CHANGES


ProfileOpt = Annotated[str | None, typer.Option(help="AWS profile of the management account.",
                                                metavar="PROFILE")]
EndpointOpt = Annotated[str | None, typer.Option(
    help="Send every AWS call to this endpoint (a local emulator).", metavar="URL")]


@app.command(name="import", cls=_Command, epilog=_example(
    "lzgen import --profile management -o blueprint.yaml",
    "lzgen import --endpoint-url http://127.0.0.1:5000 --name acme"))
def import_(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the "
                                         "blueprint; policy files go to policies/ beside it.",
                                         metavar="FILE")] = Path("blueprint.yaml"),
    name: Annotated[str | None, typer.Option(
        help="The organization's short name (default: guessed from the management "
             "account's name).", metavar="NAME")] = None,
    profile: ProfileOpt = None,
    region: Annotated[str | None, typer.Option(
        help="Region for the calls; becomes the blueprint's home region (default: "
             "us-east-1).", metavar="REGION")] = None,
    endpoint_url: EndpointOpt = None,
) -> int:
    """Read the live organization and write it as a blueprint (and its policy files)."""
    from generator import api

    settings = api.DeploySettings(profile=profile, region=region, endpoint_url=endpoint_url)
    result = api.import_organization(output, settings, name=name)
    for path in result.written:
        print(f"wrote {path}", file=sys.stderr)
    if result.findings:
        print("the organization as it is breaks these checks (see the blueprint's header):",
              file=sys.stderr)
        _print_findings(result.findings, Format.text)
    return ExitCode.OK


@app.command(cls=_Command, epilog=_example("lzgen drift blueprint.yaml --profile management",
                             "lzgen drift blueprint.yaml --format markdown --fail-on weakens",
                             "lzgen drift blueprint.yaml --tags"))
def drift(  # noqa: PLR0917 (typer passes options positionally)
    blueprint: BlueprintArg,
    fmt: DiffFormatOpt = DiffFormat.text,
    fail_on: FailOnOpt = FailOn.destructive,
    profile: ProfileOpt = None,
    region: Annotated[str | None, typer.Option(
        help="Region for the calls (default: the blueprint's home region).",
        metavar="REGION")] = None,
    endpoint_url: EndpointOpt = None,
    tags: Annotated[bool, typer.Option(
        "--tags", help="Compare tags too (one request per account, OU and policy).")] = False,
) -> int:
    """How the live organization differs from BLUEPRINT: exit 0 none, 5 drift, 6 risky."""
    from generator import api

    settings = api.DeploySettings(profile=profile, region=region, endpoint_url=endpoint_url)
    result = api.drift(blueprint, settings, tags=tags)
    _print_diff(result, fmt)
    return _exit_for(result.risk, fail_on)


class Shape(StrEnum):  # generator.documents.starter.Shape, without importing it for --help
    control_tower = "control-tower"
    lza = "lza"
    sandbox_heavy = "sandbox-heavy"


@app.command(cls=_Command, epilog=_example(
    "lzgen init", "lzgen init --yes --name acme --domain acme.example --shape lza",
    "lzgen init --yes --home-region eu-west-1 --regions eu-west-1,eu-central-1"))
def init(  # noqa: PLR0917 (typer passes options positionally)
    output: Annotated[Path, typer.Option("--output", "-o", help="The blueprint to write.",
                                         metavar="FILE")] = Path("blueprint.yaml"),
    name: Annotated[str | None, typer.Option(
        help="The organization's short name (default: example).", metavar="NAME")] = None,
    domain: Annotated[str | None, typer.Option(
        help="Email domain of the root addresses (default: example.com).",
        metavar="DOMAIN")] = None,
    home_region: Annotated[str | None, typer.Option(
        help="Home region (default: us-east-1).", metavar="REGION")] = None,
    regions: Annotated[str | None, typer.Option(
        help="Allowed regions, comma-separated (default: the home region).",
        metavar="REGION,...")] = None,
    shape: Annotated[Shape | None, typer.Option(
        help="Starting shape (default: control-tower).",
        metavar="control-tower|lza|sandbox-heavy")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Ask nothing: use the options given and defaults for the rest "
                            "(also what happens without a terminal).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> int:
    """Write a first blueprint from a few questions (organization, domain, regions, shape)."""
    from generator import api
    from generator.documents.starter import Answers
    from generator.documents.starter import Shape as StarterShape

    given = Answers()
    answers = Answers(name=name or given.name, domain=domain or given.domain,
                      home_region=home_region or given.home_region,
                      regions=_regions(regions) if regions else (),
                      shape=StarterShape(shape.value) if shape else given.shape)
    if not yes and sys.stdin.isatty() and sys.stdout.isatty():
        answers = _ask(answers, ask_regions=regions is None)
    api.init_blueprint(output, answers, force=force)
    print(f"wrote {output} ({answers.shape.value}); next: lzgen generate {output}, then "
          f"lzgen check {output} for what is left to fill in")
    return ExitCode.OK


def _regions(text: str) -> tuple[str, ...]:
    return tuple(r.strip() for r in text.split(",") if r.strip())


def _ask(defaults: Answers, *, ask_regions: bool) -> Answers:
    """The questions of `lzgen init`, each asked again until its answer is usable."""
    from dataclasses import replace

    from generator.documents import starter

    def ask(question: str, default: str, problem: Callable[[str], str]) -> str:
        while True:
            answer = str(typer.prompt(question, default=default)).strip()
            why = problem(answer)
            if not why:
                return answer
            print(f"  {why}", file=sys.stderr)

    name = ask("Organization name (short, lowercase)", defaults.name, starter.name_problem)
    domain = ask("Email domain for root addresses", defaults.domain, starter.domain_problem)
    home = ask("Home region", defaults.home_region, starter.region_problem)
    regions = defaults.regions
    if ask_regions:
        listed = ask("Allowed regions, comma-separated", ",".join([home, *regions[1:]]),
                     lambda text: next(filter(None, map(starter.region_problem,
                                                        _regions(text))), ""))
        regions = _regions(listed)
    shapes = ", ".join(s.value for s in starter.Shape)
    shape = ask(f"Starting shape ({shapes})", defaults.shape.value,
                lambda text: "" if text in {s.value for s in starter.Shape}
                else f"choose one of {shapes}")
    return replace(defaults, name=name, domain=domain, home_region=home, regions=regions,
                   shape=starter.Shape(shape))


@app.command(cls=_Command, epilog=_example("lzgen rules", "lzgen rules --format json"))
def rules(
    fmt: Annotated[CardFormat, typer.Option("--format", "-f", help="text, markdown (the docs' "
                                            "rule reference) or json.",
                                            metavar="text|markdown|json")] = CardFormat.text,
) -> int:
    """List every rule a finding can carry: id, severity, seed recommendation and title."""
    from generator.documents import reference

    if fmt is CardFormat.json:
        print(json.dumps(reference.rules_data(), indent=2, sort_keys=True))
    else:
        text = reference.rules_markdown() if fmt is CardFormat.markdown else reference.rules_text()
        sys.stdout.write(text)
    return ExitCode.OK


@app.command(cls=_Command, epilog=_example("lzgen schema > blueprint.schema.json"))
def schema() -> int:
    """Print the blueprint's JSON Schema (for editors and CI)."""
    from generator import api

    print(json.dumps(api.schema(), indent=2, sort_keys=True))
    return ExitCode.OK


@app.command(cls=_Command, epilog=_example("lzgen deploy output --profile management --dry-run",
                             "lzgen deploy output --local --yes"))
def deploy(  # noqa: PLR0917 (typer passes options positionally)
    output: Annotated[Path, typer.Argument(help="The folder `generate` wrote.",
                                           metavar="[OUTPUT]")] = Path("output"),
    profile: ProfileOpt = None,
    region: Annotated[str | None, typer.Option(
        help="Region for Organizations and other global calls (default: the home "
             "region); stacks deploy where the manifest says.", metavar="REGION")] = None,
    endpoint_url: EndpointOpt = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Create the change sets, print them, delete them.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before executing.")] = False,
    allow_destructive: Annotated[bool, typer.Option(
        "--allow-destructive",
        help="Execute change sets that remove or replace accounts, OUs or policies.")] = False,
    adopt: Annotated[bool, typer.Option(
        "--adopt", help="Bring OUs, accounts and policies that already exist under new stacks "
                        "through CloudFormation resource import.")] = False,
    local: Annotated[bool, typer.Option(
        "--local", help="Deploy to a local emulator started for this run (needs moto, "
                        "the `local` extra).")] = False,
    email_code: Annotated[list[str] | None, typer.Option(
        "--email-code", metavar="ACCOUNT=CODE",
        help="The one-time code AWS sent to an account's new "
                             "root email (repeatable; without it deploy asks on the "
                             "terminal).")] = None,
    confirm_each: Annotated[bool, typer.Option(
        "--confirm-each", help="Ask before each change set and each phase of API steps, "
                               "not once for the whole plan (stacks then run one at a "
                               "time).")] = False,
    refresh: Annotated[bool, typer.Option(
        "--refresh", help="Check every API step and StackSet instance again, instead of "
                          "trusting the record of what deploy applied.")] = False,
    workers: Annotated[int, typer.Option(
        min=1, max=16, metavar="N", help="Stacks deployed at the same time.")] = 4,
    blueprint: Annotated[Path | None, typer.Option(
        metavar="BLUEPRINT",
        help="The blueprint OUTPUT was generated from (default: looked for beside OUTPUT), "
             "to refuse an output older than it.")] = None,
    allow_stale: Annotated[bool, typer.Option(
        "--allow-stale", help="Deploy OUTPUT even though its blueprint changed since "
                              "`generate`.")] = False,
) -> int:
    """Deploy OUTPUT: API steps, then each stack through a change set, then the last steps."""
    from generator import api

    settings = api.DeploySettings(profile=profile, region=region, endpoint_url=endpoint_url,
                                  dry_run=dry_run, yes=yes,
                                  allow_destructive=allow_destructive, adopt=adopt,
                                  email_codes=_email_codes(email_code or []),
                                  confirm_each=confirm_each, refresh=refresh,
                                  workers=workers, blueprint=blueprint,
                                  allow_stale=allow_stale)
    if local:
        if profile or endpoint_url:
            raise UsageError("--local cannot be combined with --profile or --endpoint-url",
                             "--local starts its own emulator")
        api.deploy_locally(output, settings)
    else:
        api.deploy(output, settings)
    return ExitCode.OK


def _email_codes(given: list[str]) -> dict[str, str]:
    codes: dict[str, str] = {}
    for item in given:
        account, _, code = item.partition("=")
        if not account or not code:
            raise UsageError(f"--email-code {item!r} is not ACCOUNT=CODE",
                             "e.g. --email-code app-prod=A1B2C3 (the blueprint's account name)")
        codes[account] = code
    return codes


@app.command(cls=_Command, epilog=_example("lzgen emulator --port 5000"))
def emulator(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.", metavar="PORT")] = 5000,
) -> int:
    """Run a local AWS emulator (moto, with lzgen's CloudFormation models) until Ctrl-C."""
    import time

    from generator.aws.emulator.local import running_emulator

    with running_emulator(port=port) as endpoint:
        print(f"AWS emulator listening on {endpoint} (Ctrl-C stops it; state is lost)\n"
              "In another shell:\n"
              "  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n"
              f"  lzgen deploy output --endpoint-url {endpoint}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("emulator stopped", file=sys.stderr)
    return ExitCode.OK


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
        code = _run(args)
        sys.stdout.flush()  # a reader that went away shows here, inside the try
    except BrokenPipeError:
        code = _closed_pipe()
    except SystemExit as stop:
        # typer turns EPIPE raised inside a command into SystemExit(1); the OSError it
        # caught is the exit's context.
        if not _is_closed_pipe(stop.__context__):
            raise
        code = _closed_pipe()
    return int(code or 0)


def _is_closed_pipe(error: BaseException | None) -> bool:
    return isinstance(error, OSError) and error.errno == errno.EPIPE


def _closed_pipe() -> int:
    """The reader of the output closed early (`lzgen check bp | head -1`): end quietly, with
    the status a shell gives a command that SIGPIPE ended, as `yes | head -1` does.

    As Python's "Note on SIGPIPE" recommends
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe): standard output is
    pointed at /dev/null, so that the flush at shutdown does not raise again, and SIGPIPE's
    disposition is left alone (SIG_DFL would kill lzgen whenever an AWS connection drops).
    """
    with contextlib.suppress(OSError, ValueError):  # a stream without a file descriptor
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return ExitCode.CLOSED_PIPE


def _run(args: list[str]) -> int:
    try:
        code = app(args=args, prog_name="lzgen", standalone_mode=False)
    except typer.Exit as stop:
        code = stop.exit_code
    except typer.Abort:
        print("aborted", file=sys.stderr)
        code = ExitCode.INTERRUPTED
    except TyperException as usage:  # a wrong command line: typer explains it
        usage.show()  # type: ignore[attr-defined]
        code = ExitCode.INPUT
    except LzgenError as error:
        fmt = _requested_format(args)
        _report_error(error, fmt if fmt in ("text", "json", "sarif") else "text")
        code = error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = ExitCode.INTERRUPTED
    except Exception as bug:  # the last line of defence: no traceback reaches a user
        if os.environ.get("LZGEN_DEBUG"):
            raise
        print(f"internal error: {type(bug).__name__}: {bug}\n  hint: this is a bug in lzgen; "
              "rerun with LZGEN_DEBUG=1 for the traceback and report it", file=sys.stderr)
        code = ExitCode.INTERNAL
    return int(code or 0)


def run() -> None:
    sys.exit(main())
