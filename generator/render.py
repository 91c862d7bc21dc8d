"""Jinja2 for documents and reports: one cached environment over the top-level templates/ folder.

StrictUndefined makes a missing variable an error instead of an empty string; autoescape is off
because the templates write Markdown, not HTML.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import generator

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(generator.__file__).resolve().parent.parent / "templates"


def table_cell(value: object) -> str:
    """Text that stays inside one cell of a Markdown table."""
    return " ".join(str(value).split()).replace("|", "\\|")


@cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = table_cell
    return env


def render(template_name: str, **context: Any) -> str:
    return environment().get_template(template_name).render(**context)
