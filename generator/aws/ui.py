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
    """Progress of one stack operation: prints its events, advances the bar per resource."""

    progress: Progress
    task: Any

    def event(self, logical_id: str, status: str, reason: str = "") -> None:
        style = status_style(status)
        name = escape(f"{logical_id:<36}")
        line = f"    {name} [{style}]{status}[/]" if style else f"    {name} {status}"
        if reason:
            line += f"  [dim]{escape(reason)}[/]"
        self.progress.console.print(line)

    def advance(self, count: int = 1) -> None:
        self.progress.advance(self.task, count)

    def finish(self) -> None:
        total = self.progress.tasks[0].total or 0
        self.progress.update(self.task, completed=total)


class DeployUi:
    def __init__(self, console: Console | None = None, *, assume_yes: bool = False,
                 interactive: bool | None = None) -> None:
        self.console = console or Console(highlight=False)
        self.assume_yes = assume_yes
        self.interactive = sys.stdin.isatty() if interactive is None else interactive

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

    def confirm(self, question: str) -> bool:
        if self.assume_yes:
            return True
        if not self.interactive:
            raise RefusedError(f"{question} (no terminal to ask on)",
                               "review with --dry-run, then run again with --yes")
        import typer

        return bool(typer.confirm(question, default=False))

    @contextmanager
    def tracking(self, title: str, total: int) -> Iterator[Tracker]:
        progress = Progress(TextColumn("  {task.description}"), BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                            transient=False)
        with progress:
            task = progress.add_task(escape(title), total=max(total, 1))
            yield Tracker(progress, task)
