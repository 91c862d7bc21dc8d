"""What a person sees during a deploy: phases, change sets, questions, events and progress."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from generator.errors import RefusedError

_STATUS_STYLE = (("FAILED", "red"), ("ROLLBACK", "red"), ("COMPLETE", "green"),
                 ("SKIPPED", "dim"), ("IN_PROGRESS", "yellow"))


def status_style(status: str) -> str:
    return next((style for word, style in _STATUS_STYLE if word in status), "")


@dataclass
class Tracker:
    """Progress of one stack operation: prints its events, advances the bar per resource.
    Without a bar (stacks deploying side by side, or no terminal), each event line names its
    stack instead."""

    console: Console
    title: str
    progress: Progress | None = None
    task: Any = None

    def event(self, logical_id: str, status: str, reason: str = "") -> None:
        style = status_style(status)
        name = escape(f"{logical_id:<36}")
        if self.progress is None:
            name = f"{escape(self.title)}: {name}"
        line = f"    {name} [{style}]{status}[/]" if style else f"    {name} {status}"
        if reason:
            line += f"  [dim]{escape(reason)}[/]"
        self.console.print(line)

    def advance(self, count: int = 1) -> None:
        if self.progress is not None:
            self.progress.advance(self.task, count)

    def finish(self) -> None:
        if self.progress is not None:
            total = self.progress.tasks[0].total or 0
            self.progress.update(self.task, completed=total)


class DeployUi:
    def __init__(self, console: Console | None = None, *, assume_yes: bool = False,
                 interactive: bool | None = None, confirm_each: bool = False) -> None:
        # Output that is not a terminal (a CI log, a file) is never wrapped: a long stack
        # name or reason stays on its line, whole.
        self.console = console or Console(highlight=False, soft_wrap=not sys.stdout.isatty())
        self.assume_yes = assume_yes
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self.confirm_each = confirm_each
        self.plan_confirmed = False
        self.bars = True  # progress bars; off while stacks deploy side by side

    @property
    def can_confirm(self) -> bool:
        return self.assume_yes or self.interactive

    def phase(self, title: str) -> None:
        self.console.rule(f"[bold]{escape(title)}")

    def say(self, text: str) -> None:
        self.console.print(text)

    def note(self, text: str) -> None:
        self.console.print(f"[dim]{escape(text)}[/]")

    def ok(self, text: str) -> None:
        self.console.print(f"[green]✓[/] {escape(text)}")

    def warn(self, text: str) -> None:
        self.console.print(f"[yellow]![/] {escape(text)}")

    def show(self, renderable: Any) -> None:
        self.console.print(renderable)

    def styled_lines(self, lines: list[tuple[str, str]]) -> None:
        """(style, text) lines, as the writers of `lzgen diff` make them."""
        from rich.text import Text

        for style, line in lines:
            self.console.print(Text(line, style=style or ""), soft_wrap=True)

    def confirm_plan(self, question: str) -> bool:
        """The one question for the whole plan; later questions are then answered yes,
        unless each is to be asked (--confirm-each)."""
        self.plan_confirmed = self.confirm(question)
        return self.plan_confirmed

    def confirm(self, question: str) -> bool:
        if self.assume_yes or (self.plan_confirmed and not self.confirm_each):
            return True
        if not self.interactive:
            raise RefusedError(f"{question} (no terminal to ask on)",
                               "review with --dry-run, then run again with --yes")
        import typer

        return bool(typer.confirm(question, default=False))

    @contextmanager
    def tracking(self, title: str, total: int) -> Iterator[Tracker]:
        if not (self.bars and self.console.is_terminal):
            yield Tracker(self.console, title)
            return
        progress = Progress(TextColumn("  {task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                            transient=False)
        with progress:
            task = progress.add_task(escape(title), total=max(total, 1))
            yield Tracker(self.console, title, progress, task)
