"""What a wheel of lzgen holds: every package folder, and the templates as package data."""

from __future__ import annotations

import tomllib

from tests.helpers import ROOT


def test_the_listed_packages_are_the_package_folders_and_the_templates() -> None:
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    folders = {".".join(init.parent.relative_to(ROOT).parts)
               for init in (ROOT / "generator").rglob("__init__.py")}
    assert set(listed) == folders | {"generator.documents.templates"}


def test_the_templates_package_is_the_top_level_templates_folder() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"generator.documents.templates": "templates"}
    assert setuptools["package-data"]["generator.documents.templates"] == ["*.j2"]
    assert list((ROOT / "templates").glob("*.j2"))
