"""The deploy bench: the example blueprint grown to N accounts, deployed to the local emulator
three times -- first deploy, a redeploy with nothing new (no-op), and a deploy with one account
added -- counting botocore calls (what AWS would bill in throttling and time) and wall time.

    .venv/bin/python bench/run.py --deploy                 # 500 and 1,000 accounts
    .venv/bin/python bench/run.py --deploy --sizes 500,1000,5000

Targets (issue 14), for the example grown to 1,000 accounts: a no-op deploy makes no mutating
call and at most 200 calls; one added account at most 300 calls. Wall time on the emulator is
shown for orientation only: moto answers in-process, so it measures lzgen and moto, not AWS.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
NO_OP_TARGET = 200
ADDED_TARGET = 300
TARGET_SIZE = 1000
RUNS = ("first deploy", "no-op deploy", "one account added")


@dataclass
class Run:
    calls: int
    mutating: int
    wall: float
    top: list[tuple[str, int]] = field(default_factory=list)

    def cell(self) -> str:
        return f"{self.calls:,} calls ({self.mutating:,} mutating), {self.wall:.0f} s"


def grown(folder: Path, accounts: int, account_stacks: int | None = None) -> Path:
    """The example blueprint with workload accounts added (clones of its last account) until
    it has `accounts` member accounts; its layout untouched unless `account_stacks` is given
    (for a checkout whose default layout cannot hold that many accounts yet)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "blueprints" / "policies", folder / "policies", dirs_exist_ok=True)
    yaml = YAML()
    data = yaml.load((ROOT / "blueprints" / "example.yaml").read_text())
    members = data["accounts"]
    last = members[list(members)[-1]]
    for index in range(accounts - len(members)):
        name = f"scale-{index:05d}"
        members[name] = {**last, "email": f"aws-{name}@acme.example"}
    if account_stacks:
        data["layout"] = {"account_stacks": account_stacks}
    path = folder / "example.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


@contextmanager
def counting() -> Iterator[list[tuple[str, str]]]:
    from botocore.client import BaseClient

    calls: list[tuple[str, str]] = []
    original = BaseClient._make_api_call

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append((client.meta.service_model.service_name, operation))
        return original(client, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


def deploy_size(accounts: int, work: Path, log: Console,
                account_stacks: int | None = None) -> dict[str, Run]:
    from generator import api
    from generator.aws.emulator.calls import is_mutating
    from generator.aws.emulator.local import FAKE_CREDENTIALS, running_emulator
    from generator.aws.gateway import Gateway

    before = work / f"{accounts}" / "output"
    after = work / f"{accounts}-plus-one" / "output"
    api.generate(grown(before.parent, accounts, account_stacks), before, lint=False)
    api.generate(grown(after.parent, accounts + 1, account_stacks), after, lint=False)
    runs: dict[str, Run] = {}
    with running_emulator() as endpoint, counting() as calls:
        forget_everything(endpoint)  # each size starts from an empty emulator
        gateway = Gateway(region="us-east-1", endpoint_url=endpoint,
                          credentials=FAKE_CREDENTIALS)
        for name, output in zip(RUNS, (before, before, after), strict=True):
            log.log(f"{accounts:,} accounts: {name}")
            calls.clear()
            start = time.perf_counter()
            api.deploy(output, api.DeploySettings(yes=True, poll_seconds=0.0),
                       console=Console(file=StringIO(), width=160), gateway=gateway,
                       interactive=False)
            wall = time.perf_counter() - start
            made = Counter(f"{service}:{operation}" for service, operation in calls)
            runs[name] = Run(len(calls), sum(is_mutating(o) for _, o in calls), wall,
                             made.most_common(5))
    return runs


def forget_everything(endpoint: str) -> None:
    """moto keeps its state in this process, across servers: reset it, as the tests do."""
    import urllib.request

    from generator.aws.emulator import models

    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    models.reset_state()


def table(results: dict[int, dict[str, Run]]) -> Table:
    grid = Table(title="lzgen deploy on the emulator: botocore calls and wall time")
    grid.add_column("measure")
    for accounts in results:
        grid.add_column(f"{accounts:,} accounts", justify="right")
    for name in RUNS:
        grid.add_row(name, *(results[a][name].cell() for a in results))
    grid.add_section()
    for accounts, runs in results.items():
        if accounts != TARGET_SIZE and TARGET_SIZE in results:
            continue
        no_op, added = runs["no-op deploy"], runs["one account added"]
        rows = [(f"target: no-op deploy, {accounts:,}: no mutating call, <= {NO_OP_TARGET}",
                 no_op.mutating == 0 and no_op.calls <= NO_OP_TARGET, no_op.calls),
                (f"target: one account added, {accounts:,}: <= {ADDED_TARGET}",
                 added.calls <= ADDED_TARGET, added.calls)]
        for text, met, calls in rows:
            grid.add_row(text, *([""] * (len(results) - 1)),
                         f"{calls:,} calls: {'met' if met else 'NOT met'}",
                         style=None if met else "bold red")
    return grid


def details(results: dict[int, dict[str, Run]]) -> str:
    lines = []
    for accounts, runs in results.items():
        for name, run in runs.items():
            top = ", ".join(f"{call} {count}" for call, count in run.top)
            lines.append(f"- {accounts:,} accounts, {name}: {top}")
    return "\n".join(lines)


def bench_deploy(sizes: list[int], work: Path, console: Console,
                 account_stacks: int | None = None) -> tuple[Table, str]:
    results = {accounts: deploy_size(accounts, work, console, account_stacks)
               for accounts in sizes}
    return table(results), details(results)
