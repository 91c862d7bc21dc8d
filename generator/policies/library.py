"""The built-in policy library: named, parameterised policy documents a blueprint can attach.

``render(name, params)`` checks the parameters and returns the document; the same parameters
always give the same document (lists whose order carries no meaning are sorted).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from generator.policies import documents, perimeter
from generator.policies.errors import PolicyParamError
from generator.policies.params import Param, ParamKind, ResolvedParams, resolve
from generator.policies.tags import TagSpec, tag_policy_from_spec
from generator.policies.types import API_TYPE, POLICY_TYPES, PolicyType, validate

__all__ = [
    "API_TYPE",
    "BUILTINS",
    "POLICY_TYPES",
    "Builtin",
    "Param",
    "ParamKind",
    "PolicyParamError",
    "PolicyType",
    "TagSpec",
    "render",
    "tag_policy_from_spec",
]

Builder = Callable[[ResolvedParams], dict[str, Any]]


@dataclass(frozen=True)
class Builtin:
    """A policy of the library; ``build`` turns checked parameters into the document."""

    name: str
    type: PolicyType
    summary: str
    source_url: str
    params: dict[str, Param]
    build: Builder = field(repr=False, compare=False)


_SAMPLES: Final = "https://github.com/aws-samples/service-control-policy-examples/tree/main"
_USER_GUIDE: Final = "https://docs.aws.amazon.com/organizations/latest/userguide"

_ROLE_ARN_PATTERN: Final = r"arn:[a-z*-]+:(iam|sts)::([0-9]{12}|[0-9*?]+):\S+"
_ROLE_NAME_PATTERN: Final = r"([\w+=,.@-]+/)*[\w+=,.@*?-]{1,64}"
_ORG_ID_PATTERN: Final = r"o-[a-z0-9]{10,32}"
_ACCOUNT_PATTERN: Final = r"[0-9]{12}"
_TAG_KEY_PATTERN: Final = r"[\w.:/=+@-]{1,128}"
_REGION_PATTERN: Final = r"[a-z]{2}(-[a-z]+)+-[0-9]+"
_ACTION_PATTERN: Final = r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+"


def _exempt_param() -> Param:
    return Param(
        name="exempt_role_arns",
        kind="string_list",
        required=False,
        default=(),
        description="principal ARNs (wildcards allowed) the guardrail does not apply to",
        item_pattern=_ROLE_ARN_PATTERN,
        example='["arn:aws:iam::*:role/PlatformAdmin"]',
    )


def _perimeter_params() -> tuple[Param, ...]:
    from generator.policies.grammar import RCP_SERVICES

    return (
        Param("organization_id", "string", True, None, "the organization's ID",
              _ORG_ID_PATTERN, '"o-a1b2c3d4e5"'),
        Param("trusted_account_ids", "string_list", False, (),
              "accounts outside the organization that are trusted too", _ACCOUNT_PATTERN,
              '["111122223333"]'),
        Param("services", "string_list", False, ("kms", "s3", "secretsmanager", "sqs", "sts"),
              "services to protect (prefixes of services RCPs support)",
              "(" + "|".join(sorted(RCP_SERVICES)) + ")", '["s3", "kms"]'),
        Param("exempt_resource_tag", "string", False, "",
              "resources tagged with this key and the value true are left out",
              _TAG_KEY_PATTERN, '"dp:exclude"'),
    )


def _ec2_params(*params: Param) -> tuple[Param, ...]:
    return (
        *params,
        Param("lock", "bool", False, True,
              "stop policies lower in the tree from changing these settings"),
        Param("exception_message", "string", False, "",
              "message EC2 shows when it refuses a call the policy forbids",
              r"[^\x00-\x1f]{0,1024}",
              '"Ask the platform team"'),
    )


def _params(*params: Param) -> dict[str, Param]:
    return {param.name: param for param in params}


def _builtin(name: str, policy_type: PolicyType, summary: str, source_url: str,
             build: Builder, *params: Param) -> Builtin:
    return Builtin(name, policy_type, summary, source_url, _params(*params), build)


_BUILTIN_LIST: Final = (
    _builtin(
        "full-aws-access", "scp",
        "Allow every action; the equivalent of FullAWSAccess for when an Allow must be "
        "attached explicitly (every level needs one for anything to be permitted).",
        f"{_USER_GUIDE}/orgs_manage_policies_scps_strategies.html",
        documents.full_aws_access,
    ),
    _builtin(
        "deny-leave-organization", "scp",
        "Member accounts cannot leave the organization.",
        f"{_USER_GUIDE}/orgs_manage_policies_scps_examples_general.html",
        documents.deny_leave_organization,
        _exempt_param(),
    ),
    _builtin(
        "deny-root-user", "scp",
        "The root user of member accounts can do nothing, except through centralized root "
        "access sessions (aws:AssumedRoot).",
        f"{_SAMPLES}/Privileged-access-controls",
        documents.deny_root_user,
    ),
    _builtin(
        "protect-security-services", "scp",
        "Nobody but the exempt roles can stop, delete or weaken CloudTrail trails, Config "
        "recorders, rules and delivery channels, GuardDuty, Security Hub or IAM Access "
        "Analyzer (lzgen's StackSet role stays exempt: it manages the baseline's Config).",
        f"{_SAMPLES}/Deny-changes-to-security-services",
        documents.protect_security_services,
        _exempt_param(),
    ),
    _builtin(
        "deny-outside-regions", "scp",
        "Deny regional actions outside the allowed regions; global services stay usable, and "
        "so do lzgen's StackSet and alert roles (root sign-ins are recorded in us-east-1).",
        f"{_SAMPLES}/Region-controls",
        documents.deny_outside_regions,
        Param("allowed_regions", "string_list", True, None,
              "regions where regional services may be used", _REGION_PATTERN,
              '["eu-west-1", "us-east-1"]'),
        Param("extra_global_actions", "string_list", False, (),
              "more actions to leave out of the region deny", _ACTION_PATTERN,
              '["bedrock:InvokeModel"]'),
        _exempt_param(),
    ),
    _builtin(
        "protect-baseline-roles", "scp",
        "The named IAM roles (in every account) cannot be changed or deleted except by the "
        "exempt principals and lzgen's StackSet role.",
        f"{_SAMPLES}/Privileged-access-controls",
        documents.protect_baseline_roles,
        Param("role_names", "string_list", True, None,
              "role names, optionally with a path; * and ? wildcards allowed",
              _ROLE_NAME_PATTERN, '["OrganizationAccountAccessRole"]'),
        _exempt_param(),
    ),
    _builtin(
        "deny-all-except-break-glass", "scp",
        "Deny everything to everyone but the break-glass roles and lzgen's StackSet and alert "
        "roles (for a Suspended OU).",
        "https://docs.aws.amazon.com/whitepapers/latest/organizing-your-aws-environment/"
        "suspended-ou.html",
        documents.deny_all_except_break_glass,
        Param("break_glass_role_arns", "string_list", True, None,
              "ARNs of the roles that keep access", _ROLE_ARN_PATTERN,
              '["arn:aws:iam::*:role/BreakGlass"]'),
    ),
    _builtin(
        "deny-disable-ebs-encryption", "scp",
        "EBS encryption by default cannot be turned off.",
        f"{_SAMPLES}/Protect-cloud-platform-resource",
        documents.deny_disable_ebs_encryption,
        _exempt_param(),
    ),
    _builtin(
        "ai-services-opt-out", "ai_opt_out",
        "Opt out of content use by all AWS AI services, including future ones.",
        f"{_USER_GUIDE}/orgs_manage_policies_ai-opt-out_syntax.html",
        documents.ai_services_opt_out,
        Param("allow_child_opt_in", "bool", False, False,
              "let policies lower in the tree opt back in (otherwise every level is locked)"),
    ),
    _builtin(
        "rcp-trusted-identities", "rcp",
        "Only principals of the organization (and the trusted accounts) can use its S3 "
        "buckets, KMS keys, secrets, queues and roles: the identity side of a data perimeter.",
        f"{_USER_GUIDE}/orgs_manage_policies_rcps.html",
        perimeter.trusted_identities,
        *_perimeter_params(),
    ),
    _builtin(
        "rcp-confused-deputy", "rcp",
        "AWS services can act on the organization's resources only on behalf of the "
        "organization (or the trusted accounts): confused-deputy protection.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
        perimeter.confused_deputy,
        *_perimeter_params(),
    ),
    _builtin(
        "ec2-block-public-sharing", "declarative_ec2",
        "AMIs and EBS snapshots cannot be shared publicly (EC2 declarative policy).",
        f"{_USER_GUIDE}/orgs_manage_policies_declarative_syntax.html",
        perimeter.block_public_sharing,
        *_ec2_params(Param("snapshot_state", "string", False, "block_all_sharing",
                           "block_all_sharing also stops existing public snapshots; "
                           "block_new_sharing only new ones",
                           "block_all_sharing|block_new_sharing", '"block_new_sharing"')),
    ),
    _builtin(
        "ec2-require-imdsv2", "declarative_ec2",
        "New instances default to IMDSv2 only (session tokens required), account-wide "
        "(EC2 declarative policy).",
        f"{_USER_GUIDE}/orgs_manage_policies_declarative_syntax.html",
        perimeter.require_imdsv2,
        *_ec2_params(Param("hop_limit", "string", False, "2",
                           "http_put_response_hop_limit: 2 lets containers on the instance "
                           "reach the metadata service", r"-1|[0-9]|[1-5][0-9]|6[0-4]",
                           '"1"')),
    ),
)

BUILTINS: Final[dict[str, Builtin]] = {builtin.name: builtin for builtin in _BUILTIN_LIST}


def render(name: str, params: Mapping[str, object]) -> dict[str, Any]:
    """Document of built-in ``name`` with ``params``; raises PolicyParamError on bad input."""
    builtin = _lookup(name)
    document = builtin.build(resolve(name, builtin.params, params))
    # Warnings (an action name the IAM data does not know) are left to check LZ120.
    problems = [p for p in validate(builtin.type, document) if not p.warning]
    if problems:
        # Parameter patterns cannot know every IAM name (an unknown service prefix in
        # extra_global_actions gets here); anything else would be a bug in the library.
        first = problems[0]
        raise PolicyParamError(
            f"built-in {name!r} with these parameters gives an invalid document at "
            f"{'.'.join(map(str, first.path))}: {first.message}",
            first.hint or "check the parameters; if they are right, this is a bug in lzgen",
            None,
        )
    return document


def _lookup(name: str) -> Builtin:
    try:
        return BUILTINS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(BUILTINS), n=3, cutoff=0.5)
        hint = (f"did you mean {' or '.join(close)}?" if close
                else f"built-ins: {', '.join(sorted(BUILTINS))}")
        raise PolicyParamError(f"unknown built-in policy {name!r}", hint, None) from None
