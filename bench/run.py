"""lzgen's benchmark: synthetic organizations of 50, 500 and 5,000 accounts, timed through the
installed `lzgen` command the way a user runs it, with the targets checked side by side.

    .venv/bin/python bench/run.py            # the whole bench, under 10 minutes on 2 cores
    .venv/bin/python bench/run.py --quick    # 50 and 500 accounts only, one run each
    .venv/bin/python bench/run.py --deploy   # deploy to the emulator: calls (bench/deploy.py)

It prints one table and appends it, with a description of the machine, to bench/RESULTS.md
(`--no-record` leaves the file alone). See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.table import Table
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grown import ROWS as GROWN_ROWS  # noqa: E402
from bench.grown import bench_grown  # noqa: E402
from tests.synthetic import synthetic_blueprint  # noqa: E402

BIN = Path(sys.executable).parent
LZGEN = str(BIN / "lzgen")
SIZES = [(50, 10), (500, 100), (5000, 500)]
POLICIES = 50
RESULTS = ROOT / "bench" / "RESULTS.md"
GIB = 1024**3


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system of the process and the children it waited for
    max_rss: int  # bytes: ru_maxrss, the largest single process among them
    tree_rss: int = 0  # bytes: the largest sum over the process tree, sampled
    output: str = ""


@dataclass
class Figure:
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    def cell(self) -> str:
        if not self.samples:
            return "—"
        return f"{self.wall:.2f} s ({len(self.samples)})"


def measure(command: list[str], env: dict[str, str] | None = None, tree: bool = False,
            allowed_exit: tuple[int, ...] = (0,)) -> Sample:
    """Run a command to completion; refuse to go on if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})}, cwd=ROOT)
    peak = _TreeSampler(process.pid) if tree else None
    out, err = process.communicate()
    wall = time.perf_counter() - start
    if peak:
        peak.stop()
    if process.returncode not in allowed_exit:
        raise SystemExit(f"benchmark command failed ({process.returncode}): "
                         f"{' '.join(command)}\n{err.decode()[-2000:]}")
    usage = _CHILD_USAGE.pop(process.pid, None)
    cpu = usage[0] if usage else 0.0
    max_rss = usage[1] if usage else 0
    return Sample(wall, cpu, max_rss, peak.peak if peak else 0, out.decode())


# subprocess reaps its children with os.waitpid, which drops their resource usage; this hook
# reaps them with os.wait4 instead and keeps it by process id.
_CHILD_USAGE: dict[int, tuple[float, int]] = {}


def _wait4_keeping_usage(pid: int, options: int) -> tuple[int, int]:
    found, status, usage = os.wait4(pid, options)
    if found:
        rss_unit = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB
        _CHILD_USAGE[found] = (usage.ru_utime + usage.ru_stime, usage.ru_maxrss * rss_unit)
    return found, status



class _TreeSampler:
    """Sums the resident memory of a process and its descendants every 0.2 s (Linux /proc)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        while not self._done.wait(0.2):
            self.peak = max(self.peak, self._tree_pages() * page)

    def _tree_pages(self) -> int:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                    parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        family, grew = {self.pid}, True
        while grew:
            more = {p for p, parent in parents.items() if parent in family} - family
            family |= more
            grew = bool(more)
        total = 0
        for pid in family:
            try:
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, ValueError, IndexError):
                continue
        return total


class Bench:
    def __init__(self, budget: float, work: Path) -> None:
        self.started = time.perf_counter()
        self.budget, self.work = budget, work
        self.figures: dict[tuple[str, int], Figure] = {}

    def left(self) -> float:
        return self.budget - (time.perf_counter() - self.started)

    def figure(self, name: str, size: int) -> Figure:
        return self.figures.setdefault((name, size), Figure())

    def repeat(self, name: str, size: int, runs: int, one: Callable[[int], Sample]) -> Figure:
        """Run until the figure has `runs` samples; stop early when the time budget would not
        allow another run (a figure always gets at least one)."""
        figure = self.figure(name, size)
        while len(figure.samples) < runs:
            if figure.samples and self.left() < figure.samples[-1].wall * 2:
                break
            figure.samples.append(one(len(figure.samples)))
        return figure

    def blueprint(self, accounts: int, ous: int, changed: int | None = None) -> Path:
        """The synthetic blueprint as block YAML; `changed` retags one account (the kind of
        change made every day: it changes one account stack)."""
        data = synthetic_blueprint(accounts, ous, policies=POLICIES, seed=True)
        name = f"bp-{accounts}.yaml"
        if changed is not None:
            account = sorted(data["accounts"])[changed % accounts]
            data["accounts"][account].setdefault("tags", {})["cost-center"] = f"9{changed:03d}"
            name = f"bp-{accounts}-changed-{changed}.yaml"
        path = self.work / name
        if not path.exists():
            yaml = YAML(typ="safe", pure=True)
            yaml.default_flow_style = False
            stream = StringIO()
            yaml.dump(data, stream)
            path.write_text(stream.getvalue(), encoding="utf-8")
        return path

    def cache_dir(self, label: str) -> dict[str, str]:
        folder = self.work / "cache" / label
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return {"LZGEN_CACHE_DIR": str(folder)}


def commands() -> set[str]:
    text = subprocess.run([LZGEN, "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"^\s{2}([a-z][a-z-]*)\s", text, re.MULTILINE))


def bench_size(bench: Bench, accounts: int, ous: int, available: set[str],
               quick: bool) -> None:
    """The lint figures first (the targets compare them, so they run close together), then the
    fast ones."""
    bp = bench.blueprint(accounts, ous)
    out = str(bench.work / f"out-{accounts}")
    runs, slow_runs = (1, 1) if quick else (3, 2)
    no_cache = bench.cache_dir(f"none-{accounts}")
    warm: dict[str, str] = {}

    def cold_then_changed(index: int) -> Sample:
        """An empty cache, then one account changed: the second run reuses the first's."""
        env = bench.cache_dir(f"cold-{accounts}-{index}")
        sample = measure([LZGEN, "generate", str(bp), "-o", out], env, tree=True)
        changed = bench.blueprint(accounts, ous, changed=7 + index * 1000)
        bench.figure("generate, one account changed", accounts).samples.append(
            measure([LZGEN, "generate", str(changed), "-o", out], env))
        warm.update(env)
        return sample

    cold, serial = "generate (lint, empty cache)", "cfn-lint alone, 1 Runner, serial"
    lint_alone = [sys.executable, str(ROOT / "bench" / "lint_alone.py"), str(bp)]
    for round_ in (1, slow_runs):  # alternately, so that both see the same machine
        bench.repeat(cold, accounts, round_, cold_then_changed)
        bench.repeat(serial, accounts, round_,
                     lambda _: timed_inside([*lint_alone, "--workers", "1"]))
        if accounts >= 500 and round_ == 1:  # for 50 accounts, lzgen lints in its own process
            bench.repeat("cfn-lint alone, LintPool", accounts, 1,
                         lambda _: timed_inside([*lint_alone, "--workers", "2"]))
    bench.repeat("generate, one account changed", accounts, runs,
                 lambda i: measure([LZGEN, "generate", str(bench.blueprint(
                     accounts, ous, changed=500 + i)), "-o", out], warm))
    bench.repeat("generate --no-lint", accounts, runs, lambda _: measure(
        [LZGEN, "generate", str(bp), "-o", out, "--no-lint"], no_cache))
    bench.repeat("validate --no-lint", accounts, runs, lambda _: measure(
        [LZGEN, "validate", str(bp), "--no-lint"], no_cache))
    bench.repeat("validate (lint, warm cache)", accounts, runs, lambda _: measure(
        [LZGEN, "validate", str(bp)], warm))
    if "check" in available:
        bench.repeat("check", accounts, runs, lambda _: measure(
            [LZGEN, "check", str(bp)], no_cache, allowed_exit=(0, 4)))
    if "diff" in available:
        bench_diff(bench, accounts, ous, runs)


def bench_diff(bench: Bench, accounts: int, ous: int, runs: int) -> None:
    """`lzgen diff` between the blueprint and a version with one account changed."""
    before, after = bench.blueprint(accounts, ous), bench.blueprint(accounts, ous, changed=3)
    bench.repeat("diff (one account changed)", accounts, runs, lambda _: measure(
        [LZGEN, "diff", str(before), str(after)], allowed_exit=(0, 5, 6)))


def timed_inside(command: list[str]) -> Sample:
    """A script that prints the seconds of its own timed part (lint_alone.py)."""
    sample = measure(command)
    wall, cpu = sample.output.strip().splitlines()[-1].split()
    sample.wall, sample.cpu = float(wall), float(cpu)
    return sample


def bench_startup(bench: Bench, quick: bool) -> None:
    runs = 3 if quick else 9
    for index in range(runs):  # side by side, alternating
        del index
        for name, command in (("lzgen --help", [LZGEN, "--help"]),
                              ("python -c 'import typer'",
                               [sys.executable, "-c", "import typer"])):
            bench.figures.setdefault((name, 0), Figure()).samples.append(measure(command))


@dataclass
class Target:
    text: str
    figure: float | None
    limit: float
    unit: str = "ratio"  # or "%" or "GiB"
    below: bool = True  # the figure must be at most the limit (else at least)
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.figure is None:
            return None
        return self.figure <= self.limit if self.below else self.figure >= self.limit

    def shown(self, value: float) -> str:
        if self.unit == "%":
            return f"{value:.1%}"
        if self.unit == "GiB":
            return f"{value / GIB:.2f} GiB"
        return f"{value:.2f}x"

    def cell(self) -> str:
        if self.figure is None:
            return "not measured"
        sign = "<=" if self.below else ">="
        verdict = "met" if self.met else "NOT met"
        return f"{self.shown(self.figure)} {sign} {self.shown(self.limit)}: {verdict}{self.note}"


def targets(bench: Bench) -> list[Target]:
    def wall(name: str, size: int) -> float | None:
        figure = bench.figures.get((name, size))
        return figure.wall if figure and figure.samples else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    cold, big = "generate (lint, empty cache)", 5000
    peak = max((max(s.max_rss, s.tree_rss) for s in bench.figures.get(
        (cold, big), Figure()).samples), default=None)
    return [
        Target("generate / cfn-lint alone (1 Runner, serial), 5,000",
               ratio(wall(cold, big), wall("cfn-lint alone, 1 Runner, serial", big)), 1.5),
        Target("linear: generate 5,000 / 500", ratio(wall(cold, big), wall(cold, 500)), 12),
        Target("linear: generate --no-lint 5,000 / 500",
               ratio(wall("generate --no-lint", big), wall("generate --no-lint", 500)), 12),
        Target("one account changed / first generate, 5,000",
               ratio(wall("generate, one account changed", big), wall(cold, big)), 0.15, "%"),
        Target("lzgen --help / python -c 'import typer'",
               ratio(wall("lzgen --help", 0), wall("python -c 'import typer'", 0)), 1.5),
        Target("cfn-lint serial / LintPool (2 cores), 5,000",
               ratio(wall("cfn-lint alone, 1 Runner, serial", big),
                     wall("cfn-lint alone, LintPool", big)), 1.5, below=False,
               note=cores_used(bench.figures.get(("cfn-lint alone, LintPool", big)))),
        Target("peak memory of generate, 5,000 (whole process tree)", peak, GIB, "GiB"),
    ]


def cores_used(figure: Figure | None) -> str:
    """How many cores the pool's workers kept busy: below 2 on a 2-core machine, something
    else was using the other core."""
    if not figure or not figure.samples:
        return ""
    sample = figure.samples[0]
    return f" (workers got {sample.cpu / sample.wall:.1f} cores)" if sample.wall else ""


def table(bench: Bench, available: set[str]) -> Table:
    grid = Table(title="lzgen benchmark: median wall time (runs)", show_lines=False)
    grid.add_column("measure")
    for accounts, ous in SIZES:
        grid.add_column(f"{accounts:,} accounts / {ous} OUs", justify="right")
    names = ["generate --no-lint", "generate (lint, empty cache)",
             "generate, one account changed", "validate --no-lint",
             "validate (lint, warm cache)", "check", "diff (one account changed)",
             "cfn-lint alone, 1 Runner, serial", "cfn-lint alone, LintPool", *GROWN_ROWS]
    for name in names:
        cells = [bench.figures.get((name, a), Figure()).cell() for a, _ in SIZES]
        if name == "check" and "check" not in available:
            cells = ["no `lzgen check` command"] + [""] * (len(SIZES) - 1)
        if name.startswith("diff") and "diff" not in available:
            cells = ["no `lzgen diff` command"] + [""] * (len(SIZES) - 1)
        grid.add_row(name, *cells)
    memory = []
    for accounts, _ in SIZES:
        samples = bench.figures.get(("generate (lint, empty cache)", accounts), Figure()).samples
        memory.append(f"{max(s.max_rss for s in samples) / 2**20:.0f} / "
                      f"{max(s.tree_rss for s in samples) / 2**20:.0f} MiB" if samples else "—")
    grid.add_row("peak memory of generate: largest process / process tree", *memory,
                 end_section=True)
    for name in ("lzgen --help", "python -c 'import typer'"):
        grid.add_row(name, bench.figures.get((name, 0), Figure()).cell(), "", "")
    grid.add_section()
    for target in targets(bench):
        grid.add_row(f"target: {target.text}", "", "", target.cell(),
                     style=None if target.met else "bold red")
    return grid


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = models[0] if models else cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(re.findall(r"MemTotal:\s*(\d+)", meminfo.read_text())[0])
        memory = f"{kib / 2**20:.1f} GiB"
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{cpu}, {cores} cores, {memory} memory, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; load average {load}")


def versions() -> str:
    from importlib import metadata

    from generator.blueprint import loader

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT, check=False).stdout.strip() or "?"
    parser = "libyaml (ruamel.yaml.clib)" if loader.USE_C_PARSER else "pure Python"
    return (f"lzgen {commit}, cfn-lint {metadata.version('cfn-lint')}, "
            f"troposphere {metadata.version('troposphere')}, YAML parser {parser}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="50 and 500 accounts only, one run each (a smoke test)")
    parser.add_argument("--budget", type=float, default=480,
                        help="seconds; repeated runs are cut to stay within it (default 480)")
    parser.add_argument("--grown-only", action="store_true",
                        help="only the grown example's figures (bench/grown.py), at 500 and "
                             "5,000 accounts")
    parser.add_argument("--no-record", action="store_true",
                        help="print the table without appending it to bench/RESULTS.md")
    parser.add_argument("--deploy", action="store_true",
                        help="the deploy bench only: first deploy, no-op and one added account "
                             "on the emulator, in botocore calls (bench/deploy.py)")
    parser.add_argument("--sizes", default="500,1000",
                        help="accounts for --deploy, comma-separated (default 500,1000)")
    parser.add_argument("--account-stacks", type=int, default=None,
                        help="for --deploy: set the blueprint's layout.account_stacks "
                             "(default: the example's layout, untouched)")
    args = parser.parse_args()
    if args.deploy:
        run_deploy_bench([int(n) for n in args.sizes.split(",")], not args.no_record,
                         args.account_stacks)
        return
    os.waitpid = _wait4_keeping_usage
    started, before = datetime.now(UTC), machine()
    console = Console(record=True, width=140)
    available = commands()
    with tempfile.TemporaryDirectory(prefix="lzgen-bench-") as folder:
        bench = Bench(args.budget, Path(folder))
        bench_startup(bench, args.quick)
        for accounts, ous in [] if args.grown_only else SIZES[:2] if args.quick else SIZES:
            console.log(f"{accounts:,} accounts: {bench.left():.0f} s of the budget left")
            bench_size(bench, accounts, ous, available, args.quick)
        console.log(f"grown example: {bench.left():.0f} s of the budget left")
        bench_grown(bench, args.quick, LZGEN, measure)
        elapsed = time.perf_counter() - bench.started
    console.print(table(bench, available))
    text = console.export_text(clear=True)
    kind = " (quick)" if args.quick else " (grown example only)" if args.grown_only else ""
    summary = (f"### {started:%Y-%m-%d %H:%M} UTC{kind}\n\n"
               f"- machine: {before}\n- at the end: load average "
               f"{machine().rsplit('load average ', 1)[1]}\n- {versions()}\n"
               f"- the bench took {elapsed:.0f} s\n\n```text\n{_strip_log(text)}```\n")
    print(f"\nthe bench took {elapsed:.0f} s")
    if not args.no_record:
        with RESULTS.open("a", encoding="utf-8") as stream:
            stream.write("\n" + summary)
        print(f"appended to {RESULTS.relative_to(ROOT)}")


def run_deploy_bench(sizes: list[int], record: bool, account_stacks: int | None) -> None:
    from bench.deploy import bench_deploy

    started, before = datetime.now(UTC), machine()
    console = Console(record=True, width=140)
    clock = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lzgen-bench-deploy-") as folder:
        grid, details = bench_deploy(sizes, Path(folder), console, account_stacks)
    elapsed = time.perf_counter() - clock
    console.print(grid)
    text = console.export_text(clear=True)
    lines = [line for line in text.splitlines() if " accounts: " not in line
             or not line.startswith("[")]
    layout = (f"layout.account_stacks {account_stacks}" if account_stacks
              else "the example's layout")
    summary = (f"### {started:%Y-%m-%d %H:%M} UTC (deploy, {layout})\n\n"
               f"- machine: {before}\n- at the end: load average "
               f"{machine().rsplit('load average ', 1)[1]}\n- {versions()}\n"
               f"- the deploy bench took {elapsed:.0f} s\n\n"
               "```text\n" + "\n".join(lines).strip("\n") + "\n```\n\n"
               f"Most frequent calls:\n\n{details}\n")
    print(f"\nthe deploy bench took {elapsed:.0f} s")
    if record:
        with RESULTS.open("a", encoding="utf-8") as stream:
            stream.write("\n" + summary)
        print(f"appended to {RESULTS.relative_to(ROOT)}")


def _strip_log(text: str) -> str:
    lines = [line for line in text.splitlines()
             if not ((" accounts: " in line or "grown example: " in line) and "budget" in line)]
    return "\n".join(lines).strip("\n") + "\n"


if __name__ == "__main__":
    main()
