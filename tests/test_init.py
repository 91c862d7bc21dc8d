"""`lzgen init`: a first blueprint that generate accepts, with the user's own facts marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import api
from generator.cli import main
from generator.documents.starter import Answers, Shape, blueprint_text
from generator.scorecard.card import Status
from tests.helpers import findings_of

# The recommendations only the user's own facts can meet: the root access plan (SEED-1 to 5),
# contacts (SEED-5.1, and the Account Management trusted access of SEED-10.2), billing readers.
USER_FACTS = {"SEED-1.1", "SEED-1.2", "SEED-1.3", "SEED-1.4", "SEED-2.1", "SEED-2.2", "SEED-2.3",
              "SEED-2.4", "SEED-3.1", "SEED-3.3", "SEED-3.4", "SEED-3.5", "SEED-4.3", "SEED-5.1",
              "SEED-5.2", "SEED-5.3", "SEED-10.2", "SEED-11.1"}


def filled_in(text: str) -> str:
    """The blueprint with its commented-out sections of user facts uncommented, as is."""
    lines, inside = [], False
    for written in text.splitlines():
        if re.match(r"^# (root_access|contacts):", written):
            inside = True
        if inside and not written.startswith("#"):
            inside = False
        if inside:
            lines.append(written[2:])
        elif written.startswith("  # read_only_principals:"):
            lines.append("  " + written[4:])
        else:
            lines.append(written)
    return "\n".join(lines) + "\n"


def test_init_yes_in_an_empty_folder_writes_a_blueprint_generate_accepts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--yes"]) == 0
    assert (tmp_path / "blueprint.yaml").is_file()
    assert main(["generate", "blueprint.yaml", "--no-lint"]) == 0
    assert "wrote" in capsys.readouterr().out


def test_without_a_terminal_init_asks_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("typer.prompt", lambda *a, **k: pytest.fail("asked a question"))
    assert main(["init"]) == 0  # pytest's stdin is not a terminal
    assert "name: example\n" in (tmp_path / "blueprint.yaml").read_text()


def test_init_never_overwrites_without_force(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("keep me\n")
    assert main(["init", "--yes", "-o", str(path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == "keep me\n"
    assert main(["init", "--yes", "-o", str(path), "--force"]) == 0
    assert path.read_text().startswith("# example")


@pytest.mark.parametrize("shape", list(Shape))
def test_each_shape_is_clean_and_leaves_only_the_users_facts_unmet(tmp_path: Path,
                                                                   shape: Shape) -> None:
    answers = Answers(name="acme", domain="acme.example", home_region="eu-west-1",
                      regions=("us-east-1", "eu-west-1"), shape=shape)
    path = tmp_path / "blueprint.yaml"
    api.init_blueprint(path, answers)
    assert [f.render() for f in findings_of(path)] == []
    # Assumed rows (a precondition to verify on AWS, exit 0) are not the user's facts.
    unmet = {row.recommendation.id for row in api.scorecard(path).card.rows
             if row.status is Status.NOT_CONFIGURED}
    assert unmet == USER_FACTS
    # Every unmet row is marked in the file by the rules that check it.
    text = path.read_text()
    for rule in ("LZ201", "LZ202", "LZ205", "LZ208", "LZ209", "LZ211", "LZ313"):
        assert f"# {rule}" in text or f"({rule})" in text, rule


@pytest.mark.parametrize("shape", list(Shape))
def test_filling_in_the_marked_sections_meets_every_recommendation(tmp_path: Path,
                                                                   shape: Shape) -> None:
    path = tmp_path / "blueprint.yaml"
    path.write_text(filled_in(blueprint_text(Answers(shape=shape))))
    assert [f.render() for f in findings_of(path)] == []
    assert [row.recommendation.id for row in api.scorecard(path).card.rows
            if row.status is Status.NOT_CONFIGURED] == []


def test_init_asks_again_until_an_answer_is_usable(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["Not A Name", "acme", "acme.example", "us-east-9", "eu-west-1",
                    "eu-west-1,eu-central-1", "lza"])
    monkeypatch.setattr("typer.prompt", lambda *a, **k: next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    path = tmp_path / "asked.yaml"
    assert main(["init", "-o", str(path)]) == 0
    text = path.read_text()
    assert "name: acme\n" in text and "home_region: eu-west-1\n" in text
    assert "regions: [eu-west-1, eu-central-1]" in text and "Suspended:" in text


def test_unusable_options_are_refused_with_their_reason(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    path = tmp_path / "b.yaml"
    assert main(["init", "--yes", "-o", str(path), "--regions", "us-east-1,us-east-9"]) == 2
    assert "'us-east-9' is not an AWS region" in capsys.readouterr().err
    assert not path.exists()


def test_the_blueprint_is_byte_identical_for_the_same_answers() -> None:
    assert blueprint_text(Answers(shape=Shape.LZA)) == blueprint_text(Answers(shape=Shape.LZA))


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(Shape))
def test_init_blueprints_lint_clean(tmp_path: Path, shape: Shape) -> None:
    path = tmp_path / "blueprint.yaml"
    api.init_blueprint(path, Answers(shape=shape))
    assert [f.render() for f in api.generate(path, tmp_path / "out").findings] == []


def test_the_command_line_offers_every_shape() -> None:
    from generator import cli

    assert [s.value for s in cli.Shape] == [s.value for s in Shape]
