"""Changes to a copy of blueprints/example.yaml, for the diff tests and their golden files."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.blueprint.loader import load_file
from tests.helpers import BLUEPRINTS

Data = dict[str, Any]


def example() -> Data:
    data: Data = load_file(BLUEPRINTS / "example.yaml").data
    return copy.deepcopy(data)


def write_blueprint(folder: Path, data: Data) -> Path:
    """The blueprint as example.yaml in `folder`, with the example's policy files beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(BLUEPRINTS / "policies", folder / "policies", dirs_exist_ok=True)
    path = folder / "example.yaml"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")  # JSON is YAML
    return path


def rename_account(data: Data) -> None:
    data["accounts"]["payments-production"] = data["accounts"].pop("payments-prod")


def change_root_email(data: Data) -> None:
    data["accounts"]["payments-prod"]["email"] = "aws-payments-production@acme.example"


def move_account(data: Data) -> None:
    data["accounts"]["policy-staging"]["ou"] = "Workloads/NonProd"


def move_ou(data: Data) -> None:
    """Sandbox goes under Workloads; its account and the attachments follow the new path."""
    units = data["organizational_units"]
    units["Workloads"]["children"]["Sandbox"] = units.pop("Sandbox")
    data["accounts"]["sandbox-builders"]["ou"] = "Workloads/Sandbox"
    for policy in data["policies"].values():
        policy["attach"] = ["ou:Workloads/Sandbox" if t == "ou:Sandbox" else t
                            for t in policy.get("attach", [])]


def detach_guardrail(data: Data) -> None:
    data["policies"]["protect-security-services"]["attach"].remove("ou:Workloads")


def add_region(data: Data) -> None:
    data["organization"]["regions"].append("eu-central-1")
    data["policies"]["deny-outside-regions"]["parameters"]["allowed_regions"].append(
        "eu-central-1")


ROOT_ALERTS = {"root_activity": {"email": "aws-security-alerts@acme.example"}}


def with_root_alerts(data: Data) -> None:
    """Root-activity alerts in the base (the example's own, when it has them)."""
    alerts = data.setdefault("alerts", {})
    alerts.setdefault("root_activity", copy.deepcopy(ROOT_ALERTS["root_activity"]))


def remove_root_alerts(data: Data) -> None:
    data.pop("alerts", None)


def add_workload_account(data: Data) -> None:
    sibling = data["accounts"]["payments-nonprod"]
    data["accounts"]["payments-dev"] = {
        **copy.deepcopy(sibling), "email": "aws-payments-dev@acme.example"}


def unchanged(data: Data) -> None:
    del data


# name -> (change to the base, change to the head, expected risk)
CASES: dict[str, tuple[Callable[[Data], None], Callable[[Data], None], str]] = {
    "rename-account": (unchanged, rename_account, "destructive"),
    "change-root-email": (unchanged, change_root_email, "destructive"),
    "move-account": (unchanged, move_account, "routine"),
    "move-ou": (unchanged, move_ou, "destructive"),
    "detach-guardrail": (unchanged, detach_guardrail, "weakens-security"),
    "add-region": (unchanged, add_region, "weakens-security"),
    "remove-root-alerts": (with_root_alerts, remove_root_alerts, "weakens-security"),
    "add-workload-account": (unchanged, add_workload_account, "routine"),
}


def write_case(folder: Path, name: str) -> tuple[Path, Path]:
    change_base, change_head, _ = CASES[name]
    base, head = example(), example()
    change_base(base)
    change_base(head)
    change_head(head)
    return write_blueprint(folder / "base", base), write_blueprint(folder / "head", head)
