"""Synthetic blueprints of any size, for scale tests and the benchmark."""

from __future__ import annotations

from typing import Any


def synthetic_blueprint(accounts: int, ous: int, policies: int = 50,
                        account_stacks: int = 32, seed: bool = False) -> dict[str, Any]:
    """`ous` OUs under 10 top-level OUs (two levels), `accounts` spread evenly over them;
    with `seed`, every seed section of the blueprint filled in too (`seed_baseline`)."""
    top = min(10, ous)
    tree: dict[str, Any] = {f"Unit{t:02d}": {"environment": "prod" if t % 2 else "non-prod",
                                              "children": {}} for t in range(top)}
    paths = [f"Unit{t:02d}" for t in range(top)]
    for index in range(ous - top):
        parent = f"Unit{index % top:02d}"
        name = f"Team{index:04d}"
        tree[parent]["children"][name] = {"tags": {"team": name}}
        paths.append(f"{parent}/{name}")
    accounts_map = {
        f"acct-{i:05d}": {"email": f"aws-acct-{i:05d}@big.example", "ou": paths[i % len(paths)],
                          "environment": "prod" if (i % len(paths)) % 2 else "non-prod",
                          "tags": {"owner": "team", "cost-center": str(1000 + i % 50)}}
        for i in range(accounts)
    }
    for name, account in accounts_map.items():
        top_unit = account["ou"].split("/")[0]
        account["environment"] = tree[top_unit]["environment"]
        del name
    for purpose in ("log-archive", "security-tooling", "network"):
        accounts_map[purpose] = {"email": f"aws-{purpose}@big.example", "ou": "root",
                                 "purpose": purpose}
    policy_map: dict[str, Any] = {}
    for p in range(policies):
        target = paths[p % len(paths)]
        policy_map[f"guard-{p:03d}"] = {
            "type": "scp",
            "content": {"Version": "2012-10-17", "Statement": [
                {"Sid": f"Deny{p}", "Effect": "Deny", "Action": [f"s3:DeleteBucket{p}"],
                 "Resource": "*"}]},
            "attach": [f"ou:{target}"],
        }
    blueprint = {
        "version": 1,
        "organization": {"name": "big", "home_region": "us-east-1",
                         "regions": ["us-east-1", "eu-west-1"], "email_domain": "big.example",
                         "management_account": {"name": "big-management",
                                                "email": "aws-management@big.example"}},
        "organizational_units": tree,
        "accounts": accounts_map,
        "policies": policy_map,
        "layout": {"account_stacks": account_stacks, "ou_stacks_per_level": 4},
    }
    if seed:
        blueprint.update(seed_baseline())
    return blueprint


def seed_baseline() -> dict[str, Any]:
    """The seed's sections (root access, contacts, alerts, services, billing, tagging,
    StackSets), all switched on, for the organization `synthetic_blueprint` makes."""
    contact = {"name": "Big Cloud Operations", "title": "Cloud operations",
               "email": "aws-operations@big.example", "phone": "+14155550120"}
    settings = {"trusted_access": True, "delegated_admin": "security-tooling"}
    return {
        "root_access": {
            "start_date": "2026-01-05", "test_interval_months": 3,
            "vault": {"name": "Big on-premises password safe",
                      "custodians": ["security-lead", "cloud-platform-lead"]},
            "mfa": {"devices_per_root_user": 2, "device_types": ["fido2", "hardware_totp"],
                    "primary": "fido2", "storage": "Security office safe"},
            "recovery_phone": {"storage": "Facilities safe", "bill_owner": "IT telecom"},
            "alert_recipients": ["aws-security-alerts@big.example"],
            "escalation": "Security incident on-call",
        },
        "contacts": {
            "primary": {"full_name": "Big Cloud Foundation", "company_name": "Big Corporation",
                        "phone": "+14155550100", "address_line1": "100 Example Street",
                        "city": "Seattle", "state_or_region": "WA", "postal_code": "98101",
                        "country_code": "US"},
            "alternate": {"billing": {**contact, "email": "aws-billing@big.example"},
                          "operations": contact,
                          "security": {**contact, "email": "aws-security@big.example"}},
        },
        "alerts": {"root_activity": {"email": "aws-security-alerts@big.example"},
                   "mfa_detection": {"enabled": True}},
        "services": {"cloudtrail": settings, "config": settings, "guardduty": settings,
                     "securityhub": settings, "access_analyzer": settings,
                     "organization_trail": {"enabled": True}},
        "billing": {"budgets": {"organization": {"amount": 100000, "thresholds": [80, 100],
                                                 "emails": ["aws-billing@big.example"]}},
                    "cost_anomaly": {"threshold": 1000, "emails": ["aws-billing@big.example"]}},
        "tagging": {"tags": {"owner": {"required": False},
                             "cost-center": {"key": "cost-center", "required": False,
                                             "enforced_for": ["ec2:instance"]}}},
        "stacksets": {"operation_preferences": {"max_concurrent_percentage": 25}},
    }


def grown_example(example: dict[str, Any], accounts: int) -> dict[str, Any]:
    """The example blueprint with `accounts` more accounts, each a copy of its last account
    named scale-00000, scale-00001, ... with its own root email: what the grow-accounts hook
    of the scale acceptance does (layout and everything else untouched)."""
    import copy

    grown = copy.deepcopy(example)
    members = grown["accounts"]
    last = members[list(members)[-1]]
    for index in range(accounts):
        name = f"scale-{index:05d}"
        clone = copy.deepcopy(last)
        clone["email"] = f"aws-{name}@{str(last['email']).split('@', 1)[1]}"
        members[name] = clone
    return grown
