"""StackSet operation preferences follow the organization's size where the blueprint leaves
them, and the blueprint's values win where it sets them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from generator import api
from generator.synth.preferences import LARGE, SIZED, SMALL
from tests.test_deploy_cost import grown


def preferences(blueprint: Path) -> list[dict[str, Any]]:
    files = api.validate(blueprint, lint=False).files
    found = []
    for name, text in files.items():
        if name.endswith(".json") and name.startswith("stacks/"):
            for resource in json.loads(text).get("Resources", {}).values():
                if resource["Type"] == "AWS::CloudFormation::StackSet":
                    found.append(resource["Properties"]["OperationPreferences"])
    assert found
    return found


def test_a_small_organization_rolls_out_strictly(tmp_path: Path) -> None:
    assert all(p == SMALL for p in preferences(grown(tmp_path, 0)))


def test_a_large_organization_rolls_out_a_quarter_at_a_time(tmp_path: Path) -> None:
    assert all(p == SIZED for p in preferences(grown(tmp_path, LARGE)))
    assert SIZED["ConcurrencyMode"] == "SOFT_FAILURE_TOLERANCE"


def test_the_blueprint_s_preferences_win(tmp_path: Path) -> None:
    path = grown(tmp_path, LARGE)
    yaml = YAML()
    data = yaml.load(path.read_text())
    data["stacksets"] = {"operation_preferences": {"failure_tolerance_percentage": 0,
                                                   "concurrency_mode":
                                                       "STRICT_FAILURE_TOLERANCE"}}
    with path.open("w") as stream:
        yaml.dump(data, stream)
    for found in preferences(path):
        assert found["FailureTolerancePercentage"] == 0
        assert found["ConcurrencyMode"] == "STRICT_FAILURE_TOLERANCE"
        assert found["MaxConcurrentPercentage"] == SIZED["MaxConcurrentPercentage"]
