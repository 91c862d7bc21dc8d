"""Blueprints and template helpers for the baseline tests (alerts, MFA, services, billing)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from generator import api
from generator.api import Result

API_CALL = "AWS API Call via CloudTrail"
SIGN_IN = "AWS Console Sign In via CloudTrail"


def baseline_blueprint(home: str = "us-east-1", regions: tuple[str, ...] = ("us-east-1",
                                                                             "eu-west-1"),
                       **sections: Any) -> dict[str, Any]:
    """A small organization with every baseline section; `sections` replace top-level keys
    (None removes one)."""
    data: dict[str, Any] = {
        "version": 1,
        "organization": {
            "name": "bx", "home_region": home, "regions": list(regions),
            "email_domain": "bx.example",
            "management_account": {"name": "bx-management", "email": "aws-management@bx.example"},
        },
        "organizational_units": {
            "Security": {"tags": {"owner": "security"}},
            "Infrastructure": {"tags": {"owner": "platform"}},
            "Workloads": {"tags": {"owner": "apps"}},
        },
        "accounts": {
            "log-archive": {"email": "aws-log-archive@bx.example", "ou": "Security",
                            "purpose": "log-archive", "tags": {"owner": "security"}},
            "security-tooling": {"email": "aws-security-tooling@bx.example", "ou": "Security",
                                 "purpose": "security-tooling", "tags": {"owner": "security"}},
            "network": {"email": "aws-network@bx.example", "ou": "Infrastructure",
                        "purpose": "network", "tags": {"owner": "platform"}},
            "app": {"email": "aws-app@bx.example", "ou": "Workloads", "tags": {"owner": "apps"}},
        },
        "root_access": {
            "start_date": "2026-01-15",
            "vault": {"name": "Corp vault (on premises)", "custodians": ["sec-lead", "cto"]},
            "mfa": {"device_types": ["fido2"], "storage": "office safe"},
            "recovery_phone": {"storage": "facilities safe", "bill_owner": "telecom team"},
            "alert_recipients": ["ciso-office@bx.example"],
            "escalation": "the security on-call, +1 555 0100",
        },
        "alerts": {"root_activity": {"email": "aws-root-alerts@bx.example"}},
        "services": {
            "cloudtrail": {"delegated_admin": "security-tooling"},
            "config": {"delegated_admin": "security-tooling"},
            "guardduty": {"delegated_admin": "security-tooling"},
            "securityhub": {"delegated_admin": "security-tooling"},
            "access_analyzer": {"delegated_admin": "security-tooling"},
            "organization_trail": {},
        },
        "billing": {
            "read_only_principals": ["arn:aws:iam::111122223333:role/finance"],
            "budgets": {"monthly": {"amount": 1000, "thresholds": [100, 50, 80],
                                    "emails": ["finance@bx.example", "aws-billing@bx.example"]}},
            "cost_anomaly": {"threshold": 250, "emails": ["aws-billing@bx.example"]},
        },
        "tagging": {"tags": {"owner": {"enforced_for": ["ec2:instance"]}}},
    }
    for key, value in sections.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = copy.deepcopy(value)
    return data


def generate(tmp_path: Path, data: dict[str, Any], lint: bool = False,
             name: str = "bp") -> Result:
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps(data, indent=1))  # JSON is YAML
    return api.validate(path, lint=lint)


def stack(result: Result, name: str) -> dict[str, Any]:
    return json.loads(result.files[f"stacks/{name}.json"])  # type: ignore[no-any-return]


def stackset_body(result: Result, name: str) -> dict[str, Any]:
    return json.loads(result.files[f"stacksets/{name}.json"])  # type: ignore[no-any-return]


def manifest(result: Result) -> dict[str, Any]:
    return json.loads(result.files["manifest.json"])  # type: ignore[no-any-return]


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template.get("Resources", {}).items() if r["Type"] == kind}


def in_region(template: dict[str, Any], node: Any, region: str) -> Any:
    """`node` as CloudFormation would see it in `region`: conditions evaluated, Fn::If
    resolved (enough of the intrinsic functions for the baseline templates)."""
    conditions = template.get("Conditions", {})

    def condition(expr: Any) -> bool:
        if isinstance(expr, dict) and "Condition" in expr:
            return condition(conditions[expr["Condition"]])
        name, args = next(iter(expr.items()))
        if name == "Fn::Equals":
            left, right = (region if a == {"Ref": "AWS::Region"} else a for a in args)
            return bool(left == right)
        if name == "Fn::Or":
            return any(condition(a) for a in args)
        if name == "Fn::And":
            return all(condition(a) for a in args)
        if name == "Fn::Not":
            return not condition(args[0])
        raise AssertionError(f"unexpected condition {expr}")

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Fn::If"}:
                name, yes, no = value["Fn::If"]
                return resolve(yes if condition(conditions[name]) else no)
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    return resolve(node)


def resources_in_region(template: dict[str, Any], region: str) -> dict[str, dict[str, Any]]:
    kept = {}
    for logical_id, resource in template.get("Resources", {}).items():
        name = resource.get("Condition")
        if name is None or in_region(template, {"Fn::If": [name, True, False]}, region):
            kept[logical_id] = in_region(template, resource, region)
    return kept
