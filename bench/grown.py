"""The example blueprint grown to 500 and 5,000 more accounts (tests/synthetic.py:grown_example,
the same as the scale acceptance's grow-accounts hook), on its own default layout: the layout
sizes itself (generator/synth/layout.py), so these show what a user who never touches `layout`
gets. bench/run.py calls `bench_grown` after the synthetic sizes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.synthetic import grown_example

ROOT = Path(__file__).resolve().parent.parent
GROWN_SIZES = (500, 5000)
NO_LINT = "grown example: generate --no-lint"
LINT = "grown example: generate (lint, empty cache)"
ROWS = (NO_LINT, LINT)
# The lint figure of 5,000 takes about as long as the synthetic one (a minute or more on 2
# cores): it only runs when the budget has this much left, else the cell says "—".
LINT_5000_NEEDS = 150.0


def grown_file(work: Path, accounts: int) -> Path:
    folder = work / "grown"
    if not (folder / "policies").exists():
        shutil.copytree(ROOT / "blueprints" / "policies", folder / "policies")
    path = folder / f"example-{accounts}.yaml"
    if not path.exists():
        yaml = YAML(typ="safe", pure=True)
        yaml.default_flow_style = False
        example = yaml.load((ROOT / "blueprints" / "example.yaml").read_text())
        with path.open("w", encoding="utf-8") as stream:
            yaml.dump(grown_example(example, accounts), stream)
    return path


def bench_grown(bench: Any, quick: bool, lzgen: str, measure: Callable[..., Any]) -> None:
    """`bench`, `lzgen` and `measure`: bench/run.py's Bench, command and timer."""
    for accounts in GROWN_SIZES[:1] if quick else GROWN_SIZES:
        _one_size(bench, accounts, 1 if quick else 2, lzgen, measure)


def _one_size(bench: Any, accounts: int, runs: int, lzgen: str,
              measure: Callable[..., Any]) -> None:
    path = str(grown_file(bench.work, accounts))
    out = str(bench.work / f"out-grown-{accounts}")
    no_cache = bench.cache_dir(f"grown-none-{accounts}")
    bench.repeat(NO_LINT, accounts, runs, lambda _: measure(
        [lzgen, "generate", path, "-o", out, "--no-lint"], no_cache))
    if accounts < 5000 or bench.left() > LINT_5000_NEEDS:
        bench.repeat(LINT, accounts, 1, lambda _: measure(
            [lzgen, "generate", path, "-o", out], bench.cache_dir(f"grown-cold-{accounts}")))
