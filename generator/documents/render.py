"""Jinja2 for documents and reports: one cached environment over the templates/ folder.

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

# A wheel ships the top-level templates/ folder as the package data of
# generator.documents.templates (pyproject.toml); a checkout or an editable install reads it
# where it is.
PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates"
SOURCE_TEMPLATES = Path(generator.__file__).resolve().parent.parent / "templates"


def template_folders() -> list[Path]:
    """The packaged templates when installed from a wheel, else the source tree's."""
    if PACKAGED_TEMPLATES.is_dir():
        return [PACKAGED_TEMPLATES]
    return [SOURCE_TEMPLATES] if SOURCE_TEMPLATES.is_dir() else []


def table_cell(value: object) -> str:
    """Text that stays inside one cell of a Markdown table."""
    return " ".join(str(value).split()).replace("|", "\\|")


def inline_code(value: object) -> str:
    """`value` as inline code, whatever backticks it holds."""
    text = str(value)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


@cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in template_folders()]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = table_cell
    env.filters["code"] = inline_code
    return env


def render(template_name: str, **context: Any) -> str:
    return environment().get_template(template_name).render(**context)
