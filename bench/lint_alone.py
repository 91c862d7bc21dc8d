"""The irreducible cost: cfn-lint on lzgen's output and nothing else.

Builds the templates of BLUEPRINT first (not timed), then times creating the cfn-lint Runner
and linting every template with it, one after another (`--workers 1`, the same as calling
cfn-lint's Runner in a loop) or in lzgen's LintPool (`--workers N`). Prints the seconds, and
the CPU seconds of this process and its workers in that time (their ratio tells how many cores
the linting actually had).

    .venv/bin/python bench/lint_alone.py BLUEPRINT [--workers N]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from generator import api
from generator.lint import LintPool, lint_text
from generator.output import lint_jobs, render_files
from generator.synth import build


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("blueprint", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    org = api.load(args.blueprint)
    built = build(org)
    jobs = lint_jobs(org, built, render_files(org, built))
    start, cpu = time.perf_counter(), _cpu()
    if args.workers == 1:
        for job in jobs:
            lint_text(job.text, job.regions)
    else:
        with LintPool(workers=args.workers, parallel_min_bytes=0) as pool:
            pool.lint(jobs)
    print(f"{time.perf_counter() - start:.3f} {_cpu() - cpu:.3f}")


def _cpu() -> float:
    """User and system time of this process and of the workers it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


if __name__ == "__main__":
    main()
