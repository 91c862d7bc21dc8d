"""The README's console examples are real: each `$ .venv/bin/lzgen ...` line is run, in a
folder holding a copy of the blueprints, and its output starts with the lines the README shows
(a `...` line stands for the rest). A README that drifts from the product fails here."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_CONSOLE = re.compile(r"```console\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Example:
    commands: tuple[str, ...]  # run in order; the shown output belongs to the last one
    shown: tuple[str, ...]  # the lines the README shows, up to a "..." line

    @property
    def name(self) -> str:
        return self.commands[-1].split("lzgen", 1)[-1].strip()


def _examples(text: str) -> list[Example]:
    found = []
    for block in _CONSOLE.findall(text):
        commands: list[str] = []
        shown: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if shown:
                    found.append(Example(tuple(commands), tuple(shown)))
                    commands, shown = [], []
                commands.append(line[2:])
            elif line.strip() == "...":
                found.append(Example(tuple(commands), tuple(shown)))
                commands, shown = [], []
            elif commands:
                shown.append(line)
        if commands and shown:
            found.append(Example(tuple(commands), tuple(shown)))
    return found


EXAMPLES = _examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_console_examples_to_check() -> None:
    names = {example.name.split()[0] for example in EXAMPLES}
    assert {"init", "validate", "check", "generate", "diff"} <= names, names


def _run(example: Example, folder: Path) -> str:
    lzgen = str(Path(sys.executable).parent / "lzgen")
    output = ""
    for command in example.commands:
        # /tmp/ first: the checkout itself, and so lzgen's path, may be under /tmp.
        line = command.replace("/tmp/", f"{folder}/").replace(".venv/bin/lzgen", lzgen)
        done = subprocess.run(["bash", "-c", f"{line} 2>&1"], cwd=folder, text=True,
                              capture_output=True, timeout=600, check=False)
        output = done.stdout
    return output


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_readme_example_prints_what_the_readme_shows(example: Example, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "blueprints", tmp_path / "blueprints")
    shown = [line.replace("/tmp/", f"{tmp_path}/") for line in example.shown]
    printed = _run(example, tmp_path).splitlines()
    assert printed[:len(shown)] == shown
