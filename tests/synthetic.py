"""Synthetic blueprints of any size, for scale tests and the benchmark."""

from __future__ import annotations

from typing import Any


def synthetic_blueprint(accounts: int, ous: int, policies: int = 50,
                        account_stacks: int = 32) -> dict[str, Any]:
    """`ous` OUs under 10 top-level OUs (two levels), `accounts` spread evenly over them."""
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
    return {
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
