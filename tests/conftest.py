"""Shared pytest configuration: the emulator fixtures live in tests/emulator/plugin.py."""

import os
from pathlib import Path

import pytest

_PLUGIN = Path(__file__).parent / "emulator" / "plugin.py"
pytest_plugins = ["tests.emulator.plugin"] if _PLUGIN.exists() else []


@pytest.fixture(autouse=True, scope="session")
def _lint_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or fill the user's lint cache (subprocesses inherit the variable)."""
    os.environ["LZGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("lzgen-cache"))
