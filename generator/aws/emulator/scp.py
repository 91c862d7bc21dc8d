"""SCPs on what service-managed StackSets do in member accounts.

In AWS, a StackSet instance in a member account is deployed by the account's
``stacksets-exec-*`` role, an ordinary IAM role that the account's SCPs restrict like any other
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html;
the management account may assume ``arn:aws:iam::*:role/stacksets-exec-*``,
https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudFormationStackSetsOrgAdminServiceRolePolicy.html).
moto ignored SCPs. Here, before an instance is created or updated, every action its resources
need (the handler permissions of their types, ``generator/policies/actions.py``) is evaluated
under the SCPs from the root down to the account, once the SCP type is enabled on the root;
a certain denial fails the instance, and with it the StackSet operation. Denials that depend
on what the emulator does not know (a resource ARN, a condition key it does not model) are let
through. The management account is never restricted, as in AWS.
"""

from __future__ import annotations

import json
from typing import Any

from moto.organizations.models import OrganizationsBackend

from generator.policies.actions import RESOURCE_ACTIONS
from generator.policies.evaluate import Chain, Level, Request, Verdict, evaluate

SCP = "SERVICE_CONTROL_POLICY"
EXEC_ROLE = "stacksets-exec-0123456789abcdef0123456789abcdef"  # AWS's suffix is its own


def _chain(org: OrganizationsBackend, account_id: str) -> list[Any]:
    """The root, the OUs and the account, from the top down."""
    account = next(a for a in org.accounts if a.id == account_id)
    chain: list[Any] = [account]
    parent: str | None = account.parent_id
    while parent:
        node = next((ou for ou in org.ou if ou.id == parent), None)
        if node is None:
            break
        chain.append(node)
        parent = getattr(node, "parent_id", None)
    return chain[::-1]


def _levels(org: OrganizationsBackend, account_id: str) -> list[Level]:
    return [[(str(p.name), json.loads(p.content)) for p in node.attached_policies
             if p.type == SCP] for node in _chain(org, account_id)]


def _enabled(org: OrganizationsBackend) -> bool:
    root = next((ou for ou in org.ou if not getattr(ou, "parent_id", None)), None)
    return root is not None and any(t.get("Type") == SCP and t.get("Status") == "ENABLED"
                                    for t in getattr(root, "policy_types", []))


def applies(org: OrganizationsBackend, account_id: str) -> bool:
    """SCPs restrict the account: a member of an organization with the SCP type enabled."""
    return (org.org is not None and account_id != org.org.master_account_id
            and _enabled(org))


def verdict(org: OrganizationsBackend, account_id: str, request: Request) -> Verdict | None:
    """Why the account's SCPs refuse `request` (maybe, when not `certain`), or None."""
    if not applies(org, account_id):
        return None
    return evaluate(Chain.of(_levels(org, account_id)), request)


def refusal(org: OrganizationsBackend, account_id: str, region: str,
            template_body: str) -> str | None:
    """Why the account's SCPs stop the StackSet role from deploying `template_body` in
    `region`, or None when they let it."""
    if not applies(org, account_id):
        return None
    try:
        resources = (json.loads(template_body).get("Resources") or {}).values()
    except (ValueError, AttributeError):
        return None
    levels = Chain.of(_levels(org, account_id))
    principal = f"arn:aws:iam::{account_id}:role/{EXEC_ROLE}"
    for resource in resources:
        for action in RESOURCE_ACTIONS.get(str(resource.get("Type")), ()):
            found = evaluate(levels, Request(action, region, principal))
            if found is not None and found.certain:
                where = (f"statement {found.statement} of SCP {found.policy}"
                         if found.statement else found.reason)
                return (f"AccessDenied: {principal} is not authorized to perform {action} "
                        f"in {region}: {where}")
    return None
