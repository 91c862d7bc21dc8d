"""What applies to an account through inheritance: its policies of every type, and the
effective management policies."""

from __future__ import annotations

from typing import Any

from generator.model import Organization

FULL_AWS_ACCESS = "FullAWSAccess"


def scps_in_effect(org: Organization, account: str) -> dict[str, tuple[str, ...]]:
    """SCP name -> the targets (root, OUs, the account) it is attached to on the account's
    chain. AWS's FullAWSAccess counts only when no level of the chain detaches it: an action
    needs an Allow at every level, so one detachment takes away what it grants."""
    chain = org.chain_for_account(account)
    result = attached_on_chain(org, account, "scp")
    if not set(org.blueprint.full_aws_access.detach).intersection(chain):
        result[FULL_AWS_ACCESS] = tuple(chain)
    return result


def attached_on_chain(org: Organization, account: str,
                      policy_type: str) -> dict[str, tuple[str, ...]]:
    """Policy name -> the targets (root, OUs, the account) on the account's chain that
    ``policy_type``'s policy is attached to, sorted by name."""
    found: dict[str, list[str]] = {}
    for key in org.chain_for_account(account):
        for policy in org.policies_on(key, policy_type):
            found.setdefault(policy.name, []).append(key)
    return {name: tuple(found[name]) for name in sorted(found)}


def tag_policy_chain(org: Organization, account: str) -> list[list[dict[str, Any]]]:
    """The tag policies attached at each level from the root down to the account."""
    return [[p.document for p in org.policies_on(key, "tag") if p.document is not None]
            for key in org.chain_for_account(account)]


RCP_FULL_AWS_ACCESS = "RCPFullAWSAccess"


def rcps_in_effect(org: Organization, account: str) -> dict[str, tuple[str, ...]]:
    """RCP name -> the targets it is attached to on the account's chain. RCPs are evaluated
    like SCPs; AWS's RCPFullAWSAccess is attached everywhere and cannot be detached
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html)."""
    result = attached_on_chain(org, account, "rcp")
    result[RCP_FULL_AWS_ACCESS] = tuple(org.chain_for_account(account))
    return result


def policies_in_effect(org: Organization, account: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """Policy type -> policy name -> where on the account's chain it is attached, for every
    type in generator/policies/types.py that has a policy applying to the account (SCPs and
    RCPs with AWS's FullAWSAccess policies as above); types in the registry's order."""
    from generator.policies.types import POLICY_TYPES

    result: dict[str, dict[str, tuple[str, ...]]] = {}
    for policy_type in POLICY_TYPES:
        found = (scps_in_effect(org, account) if policy_type == "scp"
                 else rcps_in_effect(org, account) if policy_type == "rcp"
                 else attached_on_chain(org, account, policy_type))
        if found:
            result[policy_type] = found
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
