"""CLI conventions: --version, -h, shell completion, arguments named as words, an example in
every command's help, and a help that imports nothing heavy."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from generator import __version__
from generator.cli import app, main
from tests.helpers import ROOT

COMMANDS = sorted(c.name or (c.callback.__name__ if c.callback else "") for c in
                  app.registered_commands)


def help_of(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert help_of(["--version"], capsys) == f"lzgen {__version__}\n"
    assert help_of(["-V"], capsys) == f"lzgen {__version__}\n"


def test_every_command_is_listed() -> None:
    assert {"init", "generate", "validate", "check", "diff", "import", "drift", "schema",
            "rules", "deploy", "emulator"} <= set(COMMANDS)


def test_rules_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from generator.checks import RULES
    from generator.documents.reference import rules_markdown

    text = help_of(["rules"], capsys)
    assert [line.split()[0] for line in text.splitlines()] == sorted(RULES)
    assert help_of(["rules", "--format", "markdown"], capsys) == rules_markdown()
    listed = json.loads(help_of(["rules", "-f", "json"], capsys))
    assert {r["id"] for r in listed} == set(RULES)


def test_main_help_offers_completion_and_short_help(capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of(["-h"], capsys)
    assert "--install-completion" in text and "--show-completion" in text
    assert "-h, --help" in text and "-V, --version" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_each_commands_help_reads_as_words_and_shows_an_example(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = help_of([command, "-h"], capsys)
    assert help_of([command, "--help"], capsys) == text
    # No type labels (<list[Path]>, <str>, <path>) and no {name} placeholders.
    assert not re.search(r"<[a-zA-Z_\[\]]+>|\{[a-z_]+\}", text), text
    assert "Examples:" in text
    assert f"  lzgen {command}" in text.split("Examples:")[1]


def test_help_imports_nothing_heavy() -> None:
    code = ("import sys\nfrom generator.cli import main\n"
            "main(['--help']); main(['init', '--help']); main(['generate', '--help'])\n"
            # (typer 0.29 itself imports pydantic for a command's help)
            "heavy = ('boto3', 'botocore', 'moto', 'jinja2', 'troposphere', 'cfnlint', "
            "'ruamel')\n"
            "print(sorted(m for m in heavy if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("args", [["check", "blueprints/example.yaml"], ["schema"],
                                  ["rules", "--format", "json"], ["--version"]])
def test_a_reader_that_closed_early_ends_the_command_quietly(args: list[str]) -> None:
    # The reader is closed before lzgen starts, so every write fails, whatever the timing:
    # what `lzgen check bp | head -1` meets once head has its line.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-c", "from generator.cli import run; run()", *args],
            stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    finally:
        os.close(write_end)
    # 128 + SIGPIPE: what a shell reports for `yes | head -1`'s yes.
    assert (result.stderr, result.returncode) == ("", 141)
