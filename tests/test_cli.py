"""The command line as a user meets it: exit codes, messages, untouched output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import BLUEPRINTS, FIXTURES

DONE_WHEN = ["duplicate-key", "unknown-key", "attach-missing-ou", "duplicate-email",
             "scp-principal", "scp-too-large", "ous-six-deep", "eleven-scps", "alias-bomb"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def existing_output(tmp_path: Path) -> Path:
    out = tmp_path / "output"
    assert main(["generate", str(FIXTURES / "base.yaml"), "-o", str(out), "--no-lint"]) == 0
    return out


@pytest.mark.parametrize("name", DONE_WHEN)
def test_bad_blueprint_fails_cleanly_and_keeps_output(
        name: str, existing_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(existing_output)
    path = FIXTURES / "bad" / f"{name}.yaml"
    code = main(["generate", str(path), "-o", str(existing_output)])
    captured = capsys.readouterr()
    assert code in (1, 2)
    assert f"{path}:" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "hint:" in captured.err
    assert snapshot(existing_output) == before


def test_generate_example_writes_manifest_and_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["generate", str(BLUEPRINTS / "example.yaml"), "-o", str(first)]) == 0
    assert main(["generate", str(BLUEPRINTS / "example.yaml"), "-o", str(second)]) == 0
    assert snapshot(first) == snapshot(second)
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["deploy_order"][0].startswith("ous-level1")
    assert all((first / s["file"]).is_file() for s in manifest["stacks"])


def test_generate_replaces_previous_output_entirely(tmp_path: Path) -> None:
    out = tmp_path / "output"
    assert main(["generate", str(FIXTURES / "base.yaml"), "-o", str(out), "--no-lint"]) == 0
    (out / "stale.json").write_text("{}")
    assert main(["generate", str(FIXTURES / "base.yaml"), "-o", str(out), "--no-lint"]) == 0
    assert not (out / "stale.json").exists()
    assert (out / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["output"]


def test_output_path_that_is_a_file_is_refused(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "output"
    target.write_text("keep me")
    code = main(["generate", str(FIXTURES / "base.yaml"), "-o", str(target), "--no-lint"])
    assert code == 2
    assert "not a directory" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_missing_blueprint_and_directory_are_usage_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "is a directory" in err


def test_unknown_option_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--bogus"]) == 2


def test_validate_json_and_sarif_formats(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "bad" / "missing-ou.yaml"
    assert main(["validate", str(path), "--format", "json", "--no-lint"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["findings"][0]["rule"] == "LZ101"
    assert main(["validate", str(path), "--format", "sarif", "--no-lint"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "LZ101"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1


def test_schema_is_json_schema_of_the_blueprint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "lzgen blueprint"
    assert {"organization", "accounts", "policies"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_console_script_runs_without_traceback() -> None:
    exe = Path(sys.executable).parent / "lzgen"
    proc = subprocess.run([str(exe), "validate", str(FIXTURES / "bad" / "unknown-key.yaml")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "unknown key 'environmnet'" in proc.stderr
    assert "did you mean 'environment'" in proc.stderr
    assert "Traceback" not in proc.stderr
