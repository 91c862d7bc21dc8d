"""Small helpers shared by the tests."""

from __future__ import annotations

import re
from pathlib import Path

from generator import api
from generator.errors import BlueprintError, FindingsError
from generator.findings import Finding

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BLUEPRINTS = ROOT / "blueprints"
_MARKER = re.compile(r"#\s*<-\s*(LZ\d{3})(\s*\(any line\))?")


def findings_of(path: Path) -> list[Finding]:
    """Every finding validate reports for a blueprint, whether it stops at loading or not."""
    try:
        return api.validate(path, lint=False).findings
    except (BlueprintError, FindingsError) as error:
        return error.findings


def expected_markers(path: Path) -> list[tuple[str, int | None]]:
    """(rule, line) pairs marked in a fixture with '# <- LZnnn'; line None for '(any line)'."""
    result: list[tuple[str, int | None]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _MARKER.search(line)
        if match:
            result.append((match.group(1), None if match.group(2) else number))
    return result
