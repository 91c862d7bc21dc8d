"""Jinja2 templates of the top-level `templates/` folder: one cached environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import generator

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(generator.__file__).resolve().parent.parent / "templates"


def template_folders() -> list[Path]:
    """The source tree's templates/ (a checkout or an editable install) first, then where a
    wheel installs them (pyproject.toml: data-files)."""
    import site
    import sys

    installed = [Path(prefix) / "share" / "lzgen" / "templates"
                 for prefix in (sys.prefix, site.USER_BASE or "")]
    return [folder for folder in (TEMPLATES, *installed) if folder.is_dir()]


@lru_cache(maxsize=1)
def environment() -> Environment:
    """StrictUndefined: a missing variable is an error, never an empty string. Autoescape is
    off because every template renders Markdown, not HTML."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader([str(folder) for folder in template_folders()]),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = table_cell
    env.filters["code"] = inline_code
    return env


def table_cell(value: object) -> str:
    """Text safe inside one cell of a Markdown table."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def inline_code(value: object) -> str:
    """`value` as inline code, whatever backticks it holds."""
    text = str(value)
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def render(template_name: str, **context: Any) -> str:
    return environment().get_template(template_name).render(**context)
