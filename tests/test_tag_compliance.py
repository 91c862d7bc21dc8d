"""LZ310: accounts and OUs carry what their effective tag policy and the tagging section ask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import findings_of


def organization(**sections: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "organization": {"name": "tc", "home_region": "us-east-1", "regions": ["us-east-1"],
                         "email_domain": "tc.example",
                         "management_account": {"name": "tc-management",
                                                "email": "aws-management@tc.example"}},
        "organizational_units": {"Security": {}, "Workloads": {"children": {"Dev": {}}}},
        "accounts": {
            "log-archive": {"email": "aws-log-archive@tc.example", "ou": "Security"},
            "app-dev": {"email": "aws-app-dev@tc.example", "ou": "Workloads/Dev"},
        },
    }
    data.update(sections)
    return data


def lz310(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = tmp_path / "bp.yaml"
    path.write_text(json.dumps(data, indent=1))
    return sorted(f.message for f in findings_of(path) if f.rule == "LZ310")


def env_policy(values: list[str], operator: str = "@@assign") -> dict[str, Any]:
    return {"tags": {"env": {"tag_key": {"@@assign": "env"}, "tag_value": {operator: values}}}}


def test_required_tags_apply_only_below_the_sections_attachment(tmp_path: Path) -> None:
    data = organization(tagging={"attach": ["ou:Workloads"], "tags": {"owner": {}}})
    assert lz310(tmp_path, data) == [
        "OU Workloads/Dev: required tag 'owner' is missing",
        "OU Workloads: required tag 'owner' is missing",
        "account app-dev: required tag 'owner' is missing"]


def test_compliant_tags_give_no_finding(tmp_path: Path) -> None:
    data = organization(tagging={"tags": {"owner": {"values": ["team-*"]}}})
    for ou in ("Security", "Workloads"):
        data["organizational_units"][ou]["tags"] = {"owner": "team-a"}
    data["organizational_units"]["Workloads"]["children"]["Dev"]["tags"] = {"owner": "team-b"}
    for account in data["accounts"].values():
        account["tags"] = {"owner": "team-c"}
    assert lz310(tmp_path, data) == []
    data["accounts"]["app-dev"]["tags"] = {"owner": "someone"}
    assert lz310(tmp_path, data) == [
        "account app-dev: tag 'owner' has value 'someone', which is not allowed "
        "(allowed: 'team-*')"]


def test_effective_policy_folds_root_ou_and_account_levels(tmp_path: Path) -> None:
    data = organization(policies={
        "envs": {"type": "tag", "content": env_policy(["prod"]), "attach": ["root"]},
        "dev-too": {"type": "tag", "content": env_policy(["dev"], "@@append"),
                    "attach": ["ou:Workloads/Dev"]},
    })
    data["accounts"]["app-dev"]["tags"] = {"env": "dev"}
    data["accounts"]["log-archive"]["tags"] = {"env": "dev"}
    assert lz310(tmp_path, data) == [
        "account log-archive: tag 'env' has value 'dev', which is not allowed "
        "(allowed: 'prod')"]


def test_report_required_tag_for_makes_a_key_required(tmp_path: Path) -> None:
    policy = {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
                                      "report_required_tag_for": {"@@assign": ["ec2:instance"]}}}}
    data = organization(policies={"cc": {"type": "tag", "content": policy,
                                         "attach": ["account:app-dev"]}})
    data["accounts"]["app-dev"]["tags"] = {"costcenter": "42"}
    assert lz310(tmp_path, data) == [
        "account app-dev: tag key 'costcenter' must be written 'CostCenter'"]
    del data["accounts"]["app-dev"]["tags"]
    assert lz310(tmp_path, data) == ["account app-dev: required tag 'CostCenter' is missing"]
