"""The README, the docs site and the CI examples: generated pages current, commands real.

What the docs show a user must work as shown: every `lzgen COMMAND --option` they write names
a command and an option that exist, the generated reference pages equal what the code renders
today, the CI examples parse, and every page is in the site's navigation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from generator.cli import app
from generator.errors import ExitCode
from scripts import docs_reference
from tests.helpers import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
EXAMPLES = sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".yml", ".yaml"))
QUICK_START = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && "
    ".venv/bin/lzgen generate blueprints/example.yaml",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "
    ".venv/bin/python -m pytest -n 2",
)


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _documents() -> list[Path]:
    return [README, ROOT / "CONTRIBUTING.md", *_pages(), *EXAMPLES]


@cache
def _options() -> dict[str, frozenset[str]]:
    """Each command's option names (long and short), read from the CLI itself."""
    group: Any = typer.main.get_command(app)
    top = {"--help", "-h"}
    for param in group.params:
        top.update(param.opts)
        top.update(param.secondary_opts)
    found = {"": frozenset(top)}
    for name, command in group.commands.items():
        names = {"--help", "-h"}
        for param in command.params:
            names.update(param.opts)
            names.update(param.secondary_opts)
        found[name] = frozenset(names)
    return found


_INVOCATION = re.compile(r"\blzgen(?:\s+([A-Za-z]+))?((?:[ \t]+[^\s`|;&)]+)*)")


def _invocations(text: str) -> Iterator[tuple[str, list[str]]]:
    """(command, option names) of each `lzgen ...` command line in `text`."""
    for match in _INVOCATION.finditer(text):
        command, rest = match.group(1) or "", match.group(2)
        if command and command not in _options():
            # Words after "lzgen" that are no command: prose ("lzgen writes"), output lines,
            # placeholders ("lzgen COMMAND --help").
            continue
        options = [token.split("=", 1)[0] for token in rest.split()
                   if re.fullmatch(r"--?[a-z][a-z-]*(=\S*)?", token)]
        yield command, options


def test_readme_is_short_and_keeps_the_two_quick_start_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    for command in QUICK_START:
        assert command in text, command
    # The README's test command is the one CI runs.
    assert QUICK_START[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "blueprints/minimal.yaml" in text


def test_ci_builds_the_docs_strictly() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "mkdocs build --strict" in ci
    assert "scripts" in next(line for line in ci.splitlines() if "ruff check" in line)


@pytest.mark.parametrize("path", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_lzgen_command_and_option_shown_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for command, options in _invocations(text):
        unknown = [o for o in options if o not in _options()[command]]
        assert not unknown, f"{path.name}: lzgen {command} has no option {unknown}"


def test_the_option_check_catches_a_wrong_option() -> None:
    assert list(_invocations("run `lzgen deploy --yes --force` now")) == [
        ("deploy", ["--yes", "--force"])]
    assert "--force" not in _options()["deploy"]
    assert list(_invocations("lzgen writes output/")) == []
    assert list(_invocations("lzgen COMMAND --option")) == []


def test_generated_reference_pages_are_current() -> None:
    for path, text in docs_reference.pages().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is out of date: run python scripts/docs_reference.py")


def test_exit_code_page_lists_every_exit_code() -> None:
    page = docs_reference.exit_codes_reference()
    for member in ExitCode:
        assert f"| {int(member)} | `{member.name}` |" in page


def test_blueprint_reference_covers_every_key_of_the_schema() -> None:
    schema = docs_reference.current_schema()
    page = docs_reference.blueprint_reference(schema)
    for key in schema["properties"]:
        assert f"| `{key}` |" in page
    for name, definition in schema["$defs"].items():
        assert f"## {name}\n" in page
        for key in definition.get("properties", {}):
            assert f"| `{key}` |" in page, f"{name}.{key}"


def _nav_pages(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nav_pages(value)
    elif isinstance(node, list):
        for item in node:
            yield from _nav_pages(item)


def test_every_page_is_in_the_navigation_and_every_entry_exists() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = set(_nav_pages(config["nav"]))
    pages = {str(p.relative_to(DOCS)) for p in _pages()}
    assert pages - nav == set(), "pages missing from mkdocs.yml's nav"
    assert nav - pages == set(), "nav entries without a page"


def test_docs_build_offline() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["font"] is False  # no web fonts fetched
    plugins = [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]]
    assert plugins == ["search"]  # social cards and the privacy plugin download


def _workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (ROOT / "examples" / "github-actions" / name).read_text(encoding="utf-8"))
    return loaded


def _script(steps: list[dict[str, Any]]) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps)


def test_github_deploy_workflow_deploys_main_with_oidc() -> None:
    workflow = _workflow("lzgen-deploy.yml")
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1: `on` reads as True
    assert workflow["permissions"]["id-token"] == "write"
    steps = workflow["jobs"]["deploy"]["steps"]
    oidc = next(s for s in steps if "configure-aws-credentials" in s.get("uses", ""))
    assert "role-to-assume" in oidc["with"]
    script = _script(steps)
    assert "lzgen generate" in script and "lzgen deploy" in script and "--yes" in script
    # Destructive changes need a person: the flag only comes from the manual run's input.
    deploys = [line for line in script.splitlines() if line.strip().startswith("lzgen deploy")]
    assert deploys and not any("--allow-destructive" in line for line in deploys)
    assert "inputs.allow_destructive" in str(steps)
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_github_drift_workflow_runs_on_a_schedule_and_fails_on_drift() -> None:
    workflow = _workflow("lzgen-drift.yml")
    assert workflow[True]["schedule"][0]["cron"]
    assert workflow["permissions"]["id-token"] == "write"
    script = _script(workflow["jobs"]["drift"]["steps"])
    assert "lzgen drift" in script
    assert f"{int(ExitCode.CHANGES)}) drifted=1" in script
    assert f"{int(ExitCode.GATED)}) drifted=1" in script


def test_gitlab_pipeline_reviews_deploys_with_oidc_and_checks_drift() -> None:
    pipeline = yaml.safe_load((ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text(
        encoding="utf-8"))
    assert pipeline["stages"] == ["review", "deploy", "drift"]
    oidc = pipeline[".aws-oidc"]
    assert "aud" in oidc["id_tokens"]["AWS_ID_TOKEN"]
    assert "AWS_WEB_IDENTITY_TOKEN_FILE" in oidc["variables"]

    def script(job: str) -> str:
        parts = pipeline[job].get("before_script", []) + pipeline[job]["script"]
        return "\n".join(parts)

    assert "merge_request_event" in pipeline["review"]["rules"][0]["if"]
    assert "lzgen diff --base" in script("review")
    assert f"{int(ExitCode.GATED)}) gate=1" in script("review")
    deploy = pipeline["deploy"]
    assert deploy["extends"] == ".aws-oidc"
    assert "$CI_DEFAULT_BRANCH" in deploy["rules"][0]["if"]
    assert "lzgen deploy" in script("deploy") and "AWS_ROLE_ARN" in script("deploy")
    drift = pipeline["drift"]
    assert drift["extends"] == ".aws-oidc"
    assert drift["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert "lzgen drift" in script("drift")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_ci_example_parses(path: Path) -> None:
    assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)


def test_readme_links_point_at_files_that_exist() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not t.startswith(("http://", "https://"))]
    assert local, "the README links into the docs"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, missing


def test_code_comments_point_at_pages_and_readme_sections_that_exist() -> None:
    sources = [p for folder in ("generator", "tests", "scripts", "bench")
               for p in sorted((ROOT / folder).rglob("*.py"))]
    headings = set(re.findall(r"^#+ (.+)$", README.read_text(encoding="utf-8"), re.MULTILINE))
    wrong: list[str] = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        wrong += [f"{where}: {page}" for page in re.findall(r"docs/[\w/-]+\.md", text)
                  if not (ROOT / page).is_file()]
        wrong += [f"{where}: README {section!r}"
                  for section in re.findall(r"README(?:'s|,) \"([^\"]+)\"", text)
                  if section not in headings]
    assert not wrong, wrong
