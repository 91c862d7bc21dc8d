"""Shared pytest configuration: the emulator fixtures live in tests/emulator/plugin.py."""

from pathlib import Path

_PLUGIN = Path(__file__).parent / "emulator" / "plugin.py"
pytest_plugins = ["tests.emulator.plugin"] if _PLUGIN.exists() else []
