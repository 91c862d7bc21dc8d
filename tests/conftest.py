"""Shared pytest configuration: the emulator fixtures live in tests/emulator/plugin.py."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_PLUGIN = Path(__file__).parent / "emulator" / "plugin.py"
pytest_plugins = ["tests.emulator.plugin"] if _PLUGIN.exists() else []

# Hypothesis profiles (README, "Testing"). "ci", the default: a fixed seed, so every run tries
# the same examples. "thorough" (LZGEN_HYPOTHESIS_PROFILE=thorough): ten times the examples
# (tests/strategies.py::examples), a random seed, failures remembered in .hypothesis/.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", derandomize=True, deadline=None, database=None,
                          print_blob=True, suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("thorough", derandomize=False, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_IS_FINE)
settings.load_profile(os.environ.get("LZGEN_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True, scope="session")
def _lint_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or fill the user's lint cache (subprocesses inherit the variable)."""
    os.environ["LZGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("lzgen-cache"))
