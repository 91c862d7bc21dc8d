"""Stacks deploy side by side: wall time follows the dependency depth, not the number of
stacks. Proven without timing: stacks of one level wait for each other at a barrier, which
only ever opens if they run at the same time; a logical clock counts the waves."""

from __future__ import annotations

import _thread
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from generator import api
from generator.aws.deploy import Deployer
from generator.aws.emulator.local import FAKE_CREDENTIALS
from generator.aws.manifest import load_manifest
from generator.aws.schedule import ACCOUNT_SLOTS, Interrupted, Job, Schedule
from generator.aws.stacks import StackOptions
from generator.aws.ui import DeployUi
from generator.errors import ExitCode, InterruptedDeploy
from tests.emulator import Emulator
from tests.helpers import BLUEPRINTS

TIMEOUT = 20.0  # a barrier that has not opened by then never will: the stacks ran one by one


class Clock:
    """Counts waves: a job's wave is one more than the latest wave among what it waited for."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wave: dict[str, int] = {}
        self.running = 0
        self.most = 0

    def start(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)

    def end(self, job: Job) -> None:
        with self.lock:
            self.running -= 1
            self.wave[job.name] = 1 + max((self.wave[d] for d in job.depends_on), default=0)


def levels(depth: int, width: int, *, accounts: bool = False) -> list[Job]:
    """`depth` levels of `width` stacks, each depending on every stack of the level above."""
    jobs: list[Job] = []
    for level in range(depth):
        above = tuple(f"s{level - 1}-{i}" for i in range(width)) if level else ()
        jobs += [Job(f"s{level}-{i}", above, accounts) for i in range(width)]
    return jobs


def test_wall_time_follows_the_dependency_depth_not_the_number_of_stacks() -> None:
    depth, width = 3, 4
    jobs = levels(depth, width)
    clock = Clock()
    barriers = {level: threading.Barrier(width, timeout=TIMEOUT) for level in range(depth)}

    def run(job: Job) -> None:
        clock.start()
        barriers[int(job.name[1])].wait()  # opens only when the whole level runs at once
        clock.end(job)

    Schedule(jobs, run, workers=width, report=lambda _: None).run()

    assert len(clock.wave) == depth * width == 12
    assert max(clock.wave.values()) == depth  # three waves of work, not twelve
    assert clock.most == width


def test_no_more_than_the_workers_run_at_once() -> None:
    clock = Clock()
    gate = threading.Barrier(3, timeout=TIMEOUT)

    def run(job: Job) -> None:
        clock.start()
        if job.name < "s0-3":
            gate.wait()
        clock.end(job)

    Schedule(levels(1, 9), run, workers=3, report=lambda _: None).run()
    assert clock.most == 3


def test_account_creations_stay_within_what_organizations_allows() -> None:
    """Five account creations at a time (the Organizations quota), whatever the pool size."""
    clock = Clock()
    gate = threading.Barrier(ACCOUNT_SLOTS, timeout=TIMEOUT)
    waited = set()

    def run(job: Job) -> None:
        clock.start()
        with clock.lock:
            first = len(waited) < ACCOUNT_SLOTS
            waited.add(job.name)
        if first:
            gate.wait()
        clock.end(job)

    Schedule(levels(1, 8, accounts=True), run, workers=8, report=lambda _: None).run()
    assert clock.most == ACCOUNT_SLOTS


def test_a_failed_stack_stops_what_depends_on_it() -> None:
    ran: list[str] = []

    def run(job: Job) -> None:
        ran.append(job.name)
        if job.name == "s0-0":
            raise RuntimeError("stack failed")

    with pytest.raises(RuntimeError, match="stack failed"):
        Schedule(levels(2, 2), run, workers=1, report=lambda _: None).run()
    assert not any(name.startswith("s1") for name in ran)


def test_ctrl_c_names_the_stacks_in_flight() -> None:
    started = threading.Event()

    def run(job: Job) -> None:
        if job.name == "s0-0":
            started.set()
            _thread.interrupt_main()
        schedule.pause(TIMEOUT)  # a stack polling CloudFormation until told to stop

    schedule = Schedule(levels(1, 2), run, workers=2, report=lambda _: None)
    with pytest.raises(Interrupted) as stopped:
        schedule.run()
    assert started.is_set()
    assert "s0-0" in stopped.value.in_flight


def test_progress_says_stack_n_of_m_with_elapsed_time_and_an_estimate() -> None:
    lines: list[str] = []
    Schedule(levels(2, 1), lambda job: None, workers=1, report=lines.append).run()
    assert lines[0].startswith("stack 1 of 2: s0-0 started (0s elapsed, about ? left)")
    assert lines[2].startswith("stack 2 of 2: s1-0 started (") and "about 0s left" in lines[2]
    assert lines[-1].startswith("stack 2 of 2 done: s1-0")


# -- the deployer ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("example") / "output"
    api.generate(BLUEPRINTS / "example.yaml", out, lint=False)
    return out


def deployer(output: Path, emulator: Emulator, **options: Any) -> Deployer:
    from generator.aws.gateway import Gateway

    gateway = Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                      credentials=FAKE_CREDENTIALS)
    ui = DeployUi(Console(file=StringIO(), width=120), assume_yes=True, interactive=False)
    return Deployer(load_manifest(output), gateway, ui,
                    StackOptions(poll_seconds=0.0, **options))


def test_the_example_s_independent_stacks_deploy_side_by_side(
        emulator: Emulator, example_output: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each stack operation made slow (a fixed pause, tens of milliseconds): the five baseline
    stacks that only need the last account stack run four at a time."""
    emulator.create_organization()
    deploy = deployer(example_output, emulator)
    manifest = deploy.manifest
    last_accounts = max(p.name for p in manifest.stacks if p.name.startswith("accounts-"))
    independent = [p.stack_name for p in manifest.stacks if p.depends_on == (last_accounts,)]
    clock = Clock()
    gate = threading.Barrier(4, timeout=TIMEOUT)
    order: list[str] = []

    def slow_deploy(plan: Any, deployed: Any) -> str:
        clock.start()
        with clock.lock:
            order.append(plan.stack_name)
            first_four = sum(name in independent for name in order) <= 4
        if plan.stack_name in independent and first_four:
            gate.wait()
        deploy.stacks.pause(0.02)  # the injected fixed delay of a stack operation
        clock.end(Job(plan.name, tuple(d for d in plan.depends_on)))
        return "updated"

    monkeypatch.setattr(deploy.stacks, "deploy", slow_deploy)
    monkeypatch.setattr(deploy, "_check_stacksets", lambda plan, changed: None)
    deploy._deploy_stacks({plan.name: None for plan in manifest.stacks})

    assert len(independent) >= 4
    assert clock.most == 4
    depth = max(clock.wave.values())
    assert depth < len(manifest.stacks)  # waves follow the dependency chain, not the count


def test_ctrl_c_during_a_deploy_says_what_was_in_flight_and_exits_130(
        emulator: Emulator, example_output: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.create_organization()
    deploy = deployer(example_output, emulator)

    def interrupted(plan: Any, deployed: Any) -> str:
        _thread.interrupt_main()
        deploy.stacks.pause(TIMEOUT)
        return "updated"

    monkeypatch.setattr(deploy.stacks, "deploy", interrupted)
    with pytest.raises(InterruptedDeploy) as stopped:
        deploy.run()
    assert "lzgen-acme-ous-level1" in stopped.value.message
    assert "run `lzgen deploy` again" in stopped.value.hint
    assert stopped.value.exit_code == ExitCode.INTERRUPTED == 130
