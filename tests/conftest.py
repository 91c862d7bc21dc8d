"""Shared pytest configuration: the emulator fixtures live in tests/emulator/plugin.py."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_PLUGIN = Path(__file__).parent / "emulator" / "plugin.py"
pytest_plugins = ["tests.emulator.plugin"] if _PLUGIN.exists() else []

# Hypothesis profiles (docs/development/testing.md). "ci", the default: a fixed seed, so every
# run tries the same examples. "thorough" (LZGEN_HYPOTHESIS_PROFILE=thorough): ten times the
# examples (tests/strategies.py::examples), a random seed, failures remembered in .hypothesis/.
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


# Test tiers (docs/development/testing.md). Every test gets exactly one of: e2e (talks to the
# emulator or runs lzgen in a subprocess), property (Hypothesis), slow (large inputs, cfn-lint
# over whole outputs) or unit (the rest). The quick tier for the edit loop is `pytest -m unit`.
_E2E_FIXTURES = frozenset({"moto_server", "moto_endpoint", "emulator", "call_counter"})
# Modules, or single tests, that take seconds each although they need no emulator.
_SLOW = frozenset({
    "test_golden.py", "test_scale.py", "test_bench.py", "test_lint_cache.py",
    "test_readme_examples.py",
})
_SLOW_TESTS = frozenset({
    "test_every_template_and_stackset_body_lints_without_errors",
    "test_another_home_region_lints_too",
    "test_bodies_stay_small_for_thousands_of_accounts",
    "test_generate_example_writes_manifest_and_is_deterministic",
    "test_chart_of_a_big_organization_stays_drawable",
    "test_big_organization_chart_shows_only_what_changed",
})
TIERS = ("unit", "e2e", "property", "slow")


def _tier(item: pytest.Item) -> str:
    function = getattr(item, "obj", None)
    if getattr(function, "is_hypothesis_test", False):
        return "property"
    if _E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "e2e"
    if item.path.name in _SLOW or item.name.partition("[")[0] in _SLOW_TESTS:
        return "slow"
    if item.path.name == "test_baseline.py" and "full" in getattr(item, "fixturenames", ()):
        return "slow"  # the module's fixture generates and lints the whole baseline
    return "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        declared = [m.name for m in item.iter_markers() if m.name in TIERS]
        if not declared:
            item.add_marker(getattr(pytest.mark, _tier(item)))
