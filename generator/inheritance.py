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


RCP_FULL_AWS_ACCESS = "RCPFullAWSAccess"


def rcps_in_effect(org: Organization, account: str) -> dict[str, tuple[str, ...]]:
    """RCP name -> the targets it is attached to on the account's chain. RCPs are evaluated
    like SCPs; AWS's RCPFullAWSAccess is attached everywhere and cannot be detached
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)."""
    chain = org.chain_for_account(account)
    found: dict[str, list[str]] = {}
    for key in chain:
        for policy in org.policies_on(key, "rcp"):
            found.setdefault(policy.name, []).append(key)
    result = {name: tuple(found[name]) for name in sorted(found)}
    result[RCP_FULL_AWS_ACCESS] = tuple(chain)
    return result


def management_chain(org: Organization, account: str,
                     policy_type: str) -> list[list[dict[str, Any]]]:
    """The policies of a management type attached at each level, root down to the account."""
    return [[p.document for p in org.policies_on(key, policy_type) if p.document is not None]
            for key in org.chain_for_account(account)]


def effective_policies(org: Organization, account: str) -> dict[str, dict[str, Any]]:
    """Policy type -> the account's effective policy, for every management type that has a
    policy on the account's chain, as DescribeEffectivePolicy would return it."""
    from generator.policies.effective import effective_tag_policy
    from generator.policies.merge import effective_policy
    from generator.policies.types import SPECS

    result: dict[str, dict[str, Any]] = {}
    for name, spec in SPECS.items():
        if spec.kind != "management":
            continue
        chain = management_chain(org, account, name)
        if any(chain):
            result[name] = (effective_tag_policy(chain) if name == "tag"
                            else effective_policy(chain))
    return result
