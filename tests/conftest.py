"""Shared pytest configuration: the emulator fixtures live in tests/emulator/plugin.py."""

pytest_plugins = ["tests.emulator.plugin"]
