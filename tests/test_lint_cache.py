"""The lint cache and the lint pool: a changed template is always linted again, the cache can
be deleted or damaged at any time, and linting in worker processes finds what linting here
finds, in the same order."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import lint
from generator.cli import main
from generator.lint import LintCache, LintJob, LintPool, lint_all, lint_text
from tests.helpers import BLUEPRINTS, ROOT

GOLDEN = ROOT / "tests" / "golden" / "example" / "stacks"


def template(resources: dict[str, object]) -> str:
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources},
                      indent=2, sort_keys=True) + "\n"


GOOD = template({"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}}})
# E3002: an unknown property; W3010-style findings differ by version, so only errors count.
BAD = template({"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicNam": "alerts"}}})


def job(text: str, regions: tuple[str, ...] = ("us-east-1",), file: str = "stacks/t.json",
        ) -> LintJob:
    return LintJob(file, text, regions)


def error_rules(findings: list[lint.Finding]) -> list[str]:
    return [f.rule for f in findings if f.is_error]


@pytest.fixture
def cache(tmp_path: Path) -> LintCache:
    return LintCache(tmp_path / "cache")


def test_a_changed_template_is_linted_again(cache: LintCache) -> None:
    assert error_rules(lint_all([job(GOOD)], cache)) == []
    assert error_rules(lint_all([job(BAD)], cache)) != []
    assert (cache.hits, cache.misses) == (0, 2)


def test_an_unchanged_template_comes_from_the_cache(cache: LintCache,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first = lint_all([job(BAD)], cache)

    def no_linting(_: LintJob) -> list[lint.RawMatch]:
        raise AssertionError("linted although the result was cached")

    monkeypatch.setattr(lint, "_lint_job", no_linting)
    again = lint_all([job(BAD, file="stacks/renamed.json")], cache)
    assert [(f.rule, f.message, f.location.line) for f in again] == \
        [(f.rule, f.message, f.location.line) for f in first]
    assert {f.location.file for f in again} == {"stacks/renamed.json"}
    assert cache.hits == 1


def test_a_deleted_cache_is_rebuilt(cache: LintCache) -> None:
    first = lint_all([job(BAD)], cache)
    shutil.rmtree(cache.folder)
    assert lint_all([job(BAD)], cache) == first
    assert cache.misses == 2
    assert cache.get(cache.key(job(BAD))) is not None


def test_a_damaged_entry_is_linted_again(cache: LintCache) -> None:
    first = lint_all([job(BAD)], cache)
    cache.path(cache.key(job(BAD))).write_text("{not json", encoding="utf-8")
    assert lint_all([job(BAD)], cache) == first
    assert cache.misses == 2


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = LintCache(blocker)
    assert error_rules(lint_all([job(BAD)], cache)) != []
    assert error_rules(lint_all([job(BAD)], cache)) != []
    assert cache.hits == 0


def test_regions_are_part_of_the_key(cache: LintCache) -> None:
    keys = {cache.key(job(GOOD, regions)) for regions in
            [("us-east-1",), ("eu-west-1",), ("us-east-1", "eu-west-1")]}
    assert len(keys) == 3
    assert cache.key(job(GOOD)) == cache.key(job(GOOD, file="stacks/other.json"))


def test_cfn_lint_version_schemas_and_config_are_part_of_the_key(
        cache: LintCache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = LintCache(cache.folder).key(job(GOOD))
    (tmp_path / ".cfnlintrc").write_text("ignore_checks: [W3010]\n")
    with_config = LintCache(cache.folder).key(job(GOOD))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    downloaded = tmp_path / "xdg" / "aws" / "cfn-lint" / "schemas" / "version.json"
    downloaded.parent.mkdir(parents=True)
    downloaded.write_text('{"schema_date": "2099-01-01T00:00:00Z"}')
    updated_schemas = LintCache(cache.folder).key(job(GOOD))
    monkeypatch.setattr(lint.metadata, "version", lambda _: "999.0.0")
    newer_linter = LintCache(cache.folder).key(job(GOOD))
    assert len({before, with_config, updated_schemas, newer_linter}) == 4


def example_jobs() -> list[LintJob]:
    """Every golden template of the example, plus bad ones, in an order that is not by size."""
    jobs = [job(p.read_text(encoding="utf-8"), file=f"stacks/{p.name}")
            for p in sorted(GOLDEN.glob("*.json"))]
    jobs.insert(1, job(BAD, file="stacks/bad-1.json"))
    jobs.append(job(BAD.replace("TopicNam", "DisplayNam"), ("eu-west-1",), "stacks/bad-2.json"))
    return jobs


def test_workers_find_what_this_process_finds_in_the_same_order() -> None:
    jobs = example_jobs()
    serial = [lint_text(j.text, j.regions) for j in jobs]
    with LintPool(workers=2, parallel_min_bytes=0) as pool:
        parallel = pool.lint(jobs)
        assert pool.workers_started
    assert parallel == serial
    assert any(serial)


def test_a_warm_worker_is_used_and_stopped() -> None:
    jobs = example_jobs()[:1]
    with LintPool(workers=2) as pool:
        pool.warm(("us-east-1",))
        assert pool.lint(jobs) == [lint_text(jobs[0].text, jobs[0].regions)]
        assert pool.workers_started
    assert not pool.workers_started


def test_few_small_templates_are_linted_here() -> None:
    with LintPool(workers=2) as pool:
        pool.lint([job(GOOD), job(BAD)])
        assert not pool.workers_started


def test_no_cache_option_neither_reads_nor_writes(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LZGEN_CACHE_DIR", str(tmp_path / "cache"))
    blueprint = str(BLUEPRINTS / "minimal.yaml")
    assert main(["validate", blueprint, "--no-cache"]) == 0
    assert not (tmp_path / "cache").exists()
    assert main(["validate", blueprint]) == 0
    assert list((tmp_path / "cache").rglob("*.json"))


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import sys, generator.cli; print(sorted(m for m in ('troposphere', 'cfnlint', "
            "'boto3', 'botocore', 'jinja2', 'pydantic') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout.strip()
    assert loaded == "[]"
