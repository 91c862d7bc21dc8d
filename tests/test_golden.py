"""Golden files: the generated output of both example blueprints, byte for byte.

After an intended change: LZGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator import api
from generator.diff.sources import Source
from generator.diff.writers import as_markdown
from tests.diff_cases import CASES, write_case
from tests.helpers import BLUEPRINTS, ROOT

GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.parametrize("name", ["minimal", "example"])
def test_output_matches_golden_files(name: str) -> None:
    files = api.validate(BLUEPRINTS / f"{name}.yaml").files
    folder = GOLDEN / name
    if os.environ.get("LZGEN_UPDATE_GOLDEN"):
        shutil.rmtree(folder, ignore_errors=True)
        for relative, text in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
    expected = {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
                for p in sorted(folder.rglob("*")) if p.is_file()}
    assert sorted(files) == sorted(expected), "the set of generated files changed"
    for relative, text in files.items():
        assert text == expected[relative], f"{name}/{relative} differs from the golden file"


@pytest.mark.parametrize("name", sorted(CASES))
def test_diff_markdown_matches_golden_files(name: str, tmp_path: Path) -> None:
    base, head = write_case(tmp_path, name)
    diff = api.diff(Source(base), Source(head), "base/example.yaml", "head/example.yaml")
    markdown = as_markdown(diff)
    golden = GOLDEN / "diff" / f"{name}.md"
    if os.environ.get("LZGEN_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(markdown, encoding="utf-8", newline="\n")
    assert markdown == golden.read_text(encoding="utf-8"), f"diff/{name}.md differs"


def test_update_command_is_documented() -> None:
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    assert "LZGEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py" in contributing
