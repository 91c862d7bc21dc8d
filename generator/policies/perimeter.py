"""Documents of the data-perimeter RCPs and the EC2 declarative built-ins.

RCPs: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
(and AWS's data perimeter guidance, https://aws.amazon.com/identity/data-perimeters-on-aws/).
EC2 declarative policies:
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_declarative_syntax.html
"""

from __future__ import annotations

from typing import Any, Final

from generator.policies.grammar import CHILD_CONTROL, SCP_VERSION
from generator.policies.params import ResolvedParams

Document = dict[str, Any]

# STS actions an IAM principal calls with its own credentials. AssumeRoleWithSAML and
# AssumeRoleWithWebIdentity are left out: their callers are federated identities, which have
# no organization, so an organization condition would lock every federation out.
STS_PRINCIPAL_ACTIONS: Final = ("sts:AssumeRole", "sts:GetSessionToken",
                                "sts:GetFederationToken", "sts:SetContext")


def _actions(params: ResolvedParams) -> list[str]:
    actions = [f"{service}:*" for service in params.strings("services") if service != "sts"]
    if "sts" in params.strings("services"):
        actions += STS_PRINCIPAL_ACTIONS
    return sorted(actions)


def _rcp(sid: str, actions: list[str], condition: Document) -> Document:
    return {"Version": SCP_VERSION, "Statement": [{
        "Sid": sid, "Effect": "Deny", "Principal": "*", "Action": actions, "Resource": "*",
        "Condition": condition}]}


def _outside(key: str, params: ResolvedParams, account_key: str) -> Document:
    """StringNotEqualsIfExists: the organization, the trusted accounts and the exemption tag
    must all fail to match for the Deny to apply."""
    outside: Document = {key: params.string("organization_id")}
    if params.strings("trusted_account_ids"):
        outside[account_key] = params.strings("trusted_account_ids")
    if params.string("exempt_resource_tag"):
        outside[f"aws:ResourceTag/{params.string('exempt_resource_tag')}"] = "true"
    return outside


def trusted_identities(params: ResolvedParams) -> Document:
    # Only principals of the organization (or of the trusted accounts) reach its resources;
    # AWS services acting with their own service principals are left to the confused-deputy
    # statement, hence the PrincipalIsAWSService test.
    return _rcp("EnforceTrustedIdentities", _actions(params), {
        "StringNotEqualsIfExists": _outside("aws:PrincipalOrgID", params,
                                            "aws:PrincipalAccount"),
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    })


def confused_deputy(params: ResolvedParams) -> Document:
    # A service principal may act on the organization's resources only on behalf of a source
    # inside it: requests that carry a source account outside the organization are denied.
    return _rcp("EnforceConfusedDeputyProtection", _actions(params), {
        "StringNotEqualsIfExists": _outside("aws:SourceOrgID", params, "aws:SourceAccount"),
        "Null": {"aws:SourceAccount": "false"},
        "Bool": {"aws:PrincipalIsAWSService": "true"},
    })


def _setting(value: str, params: ResolvedParams) -> Document:
    setting: Document = {"@@assign": value}
    if params.flag("lock"):
        setting[CHILD_CONTROL] = ["@@none"]
    return setting


def _ec2(attributes: Document, params: ResolvedParams) -> Document:
    if params.string("exception_message"):
        attributes = {"exception_message": {"@@assign": params.string("exception_message")},
                      **attributes}
    return {"ec2_attributes": attributes}


def block_public_sharing(params: ResolvedParams) -> Document:
    return _ec2({
        "image_block_public_access": {"state": _setting("block_new_sharing", params)},
        "snapshot_block_public_access": {"state": _setting(params.string("snapshot_state"),
                                                           params)},
    }, params)


def require_imdsv2(params: ResolvedParams) -> Document:
    return _ec2({"instance_metadata_defaults": {
        "http_tokens": _setting("required", params),
        "http_put_response_hop_limit": _setting(params.string("hop_limit"), params),
    }}, params)
