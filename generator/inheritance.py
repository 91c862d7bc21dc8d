"""What applies to an account through inheritance: its SCPs and its effective tag policy."""

from __future__ import annotations

from typing import Any

from generator.model import Organization

FULL_AWS_ACCESS = "FullAWSAccess"


def scps_in_effect(org: Organization, account: str) -> dict[str, tuple[str, ...]]:
    """SCP name -> the targets (root, OUs, the account) it is attached to on the account's
    chain. AWS's FullAWSAccess counts only when no level of the chain detaches it: an action
    needs an Allow at every level, so one detachment takes away what it grants."""
    chain = org.chain_for_account(account)
    found: dict[str, list[str]] = {}
    for key in chain:
        for name in org.attachments.get(key, ()):
            if org.policies[name].spec.type == "scp":
                found.setdefault(name, []).append(key)
    result = {name: tuple(found[name]) for name in sorted(found)}
    if not set(org.blueprint.full_aws_access.detach).intersection(chain):
        result[FULL_AWS_ACCESS] = tuple(chain)
    return result


def tag_policy_chain(org: Organization, account: str) -> list[list[dict[str, Any]]]:
    """The tag policies attached at each level from the root down to the account."""
    return [[p.document for p in org.policies_on(key, "tag") if p.document is not None]
            for key in org.chain_for_account(account)]
