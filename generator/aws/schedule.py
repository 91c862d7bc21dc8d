"""Stacks deploy concurrently, each once every stack it depends on is done, on a bounded pool.

Bounds, and why:

- `workers` (default 4) stacks at once: each polls CloudFormation every few seconds, and the
  gateway's adaptive retries absorb the throttling that more would cause.
- at most `ACCOUNT_SLOTS` stacks that create accounts at once. Organizations lets five account
  creations be in progress at a time ("Number of member accounts you can create
  concurrently", https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html),
  and each account stack creates its accounts one after another (DependsOn, as the
  AWS::Organizations::Account page asks:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-organizations-account.html).

A failed stack stops the schedule: stacks already running finish, nothing new starts, the first
error is raised. Ctrl-C stops it at once: what was running is named (CloudFormation carries on
with it), and `Interrupted` is raised; every stack operation is idempotent, so rerunning
converges.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

ACCOUNT_SLOTS = 5
DEFAULT_WORKERS = 4


class Interrupted(Exception):
    """Ctrl-C while stacks were in flight; `in_flight` names them."""

    def __init__(self, in_flight: list[str]) -> None:
        super().__init__(", ".join(in_flight))
        self.in_flight = in_flight


class Stopped(Exception):
    """Raised inside a worker's wait once the schedule is stopping."""


@dataclass(frozen=True)
class Job:
    name: str
    depends_on: tuple[str, ...] = ()
    creates_accounts: bool = False


@dataclass
class Progress:
    """What the schedule reports as it goes: stack N of M, elapsed time, an estimate."""

    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    durations: list[float] = field(default_factory=list)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self, workers: int) -> float | None:
        """Seconds left at the mean duration so far, `workers` at a time; None before any
        stack finished."""
        if not self.durations:
            return None
        mean = sum(self.durations) / len(self.durations)
        left = self.total - self.done
        return mean * -(-left // max(workers, 1))


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, rest = divmod(int(seconds + 0.5), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


@dataclass
class Schedule:
    jobs: Sequence[Job]
    run_job: Callable[[Job], None]
    workers: int = DEFAULT_WORKERS
    report: Callable[[str], None] = print
    stop: threading.Event = field(default_factory=threading.Event)
    _active: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pause(self, seconds: float) -> None:
        """A worker's sleep between polls: returns early, raising, once the schedule stops."""
        if self.stop.wait(seconds):
            raise Stopped

    def run(self) -> None:
        names = {job.name for job in self.jobs}
        waiting = list(self.jobs)
        done: set[str] = set()
        running: dict[Future[float], Job] = {}
        progress = Progress(len(self.jobs))
        accounts = threading.BoundedSemaphore(ACCOUNT_SLOTS)
        pool = ThreadPoolExecutor(max_workers=max(self.workers, 1),
                                  thread_name_prefix="lzgen-stack")
        error: BaseException | None = None
        try:
            while waiting or running:
                if error is None:
                    for job in self._ready(waiting, done, names, len(running)):
                        waiting.remove(job)
                        progress_line = (f"stack {progress.done + len(running) + 1} of "
                                         f"{progress.total}: {job.name} started "
                                         f"({clock(progress.elapsed())} elapsed, about "
                                         f"{clock(progress.remaining(self.workers))} left)")
                        self.report(progress_line)
                        running[pool.submit(self._timed, job, accounts)] = job
                if not running:
                    break
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    job = running.pop(future)
                    try:
                        progress.durations.append(future.result())
                    except Stopped:
                        continue
                    except BaseException as failed:
                        error = error or failed
                        continue
                    done.add(job.name)
                    progress.done += 1
                    self.report(f"stack {progress.done} of {progress.total} done: {job.name} "
                                f"({clock(progress.elapsed())} elapsed)")
        except KeyboardInterrupt:
            self.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            with self._lock:
                in_flight = {job.name for job in running.values()} | self._active
            raise Interrupted(sorted(in_flight)) from None
        finally:
            self.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
        if error is not None:
            raise error

    def _ready(self, waiting: list[Job], done: set[str], names: set[str],
               busy: int) -> list[Job]:
        free = max(self.workers, 1) - busy
        ready = [job for job in waiting
                 if all(d in done or d not in names for d in job.depends_on)]
        return ready[:max(free, 0)]

    def _timed(self, job: Job, accounts: threading.BoundedSemaphore) -> float:
        start = time.monotonic()
        with self._lock:
            self._active.add(job.name)
        try:
            if job.creates_accounts:
                with accounts:
                    self.run_job(job)
            else:
                self.run_job(job)
        finally:
            with self._lock:
                self._active.discard(job.name)
        return time.monotonic() - start
