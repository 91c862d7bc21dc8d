"""Builders for the documents of the built-in policies (pure functions of their parameters).

Every builder returns a fresh dict, so callers may mutate what they get.
"""

from __future__ import annotations

from typing import Any, Final

from generator.contract import ALERT_ROLE_PREFIX, STACKSETS_EXEC_ROLE
from generator.policies.grammar import CHILD_CONTROL, SCP_VERSION
from generator.policies.params import ResolvedParams

Document = dict[str, Any]

ROOT_USER_ARN: Final = "arn:aws:iam::*:root"

# lzgen's own machinery in member accounts (contract.py): the built-ins that would stop it
# exempt it, or the baseline's StackSets and alerts fail where the SCP applies.
STACKSETS_EXEC_ARN: Final = f"arn:aws:iam::*:role/{STACKSETS_EXEC_ROLE}"
ALERT_ROLE_ARN: Final = f"arn:aws:iam::*:role/{ALERT_ROLE_PREFIX}*"

# Actions left out of the region deny. Calls to global services are signed for (and so
# reported in) us-east-1 or another fixed region, so denying by aws:RequestedRegion would
# break them whenever that region is not on the allowed list. Each group says why it is here;
# keep entries as narrow as the reason allows.
GLOBAL_SERVICE_ACTIONS: Final[tuple[str, ...]] = (
    # Identity and organization plumbing: IAM and Organizations are global; STS keeps a global
    # endpoint that many SDKs and tools still default to.
    "iam:*",
    "organizations:*",
    "sts:*",
    "account:*",
    # DNS, CDN and edge protection run at edge locations, managed through us-east-1 (WAF
    # classic and WAFv2 web ACLs for CloudFront live there too).
    "route53:*",
    "route53domains:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "cloudfront:*",
    "globalaccelerator:*",
    "shield:*",
    "waf:*",
    "wafv2:*",
    # Certificates for CloudFront and KMS keys for Route 53 DNSSEC signing must be in
    # us-east-1 even when workloads are not; ACM and KMS are otherwise regional.
    "acm:*",
    "kms:*",
    # Billing, cost and purchasing consoles are global.
    "aws-portal:*",
    "billing:*",
    "payments:*",
    "tax:*",
    "invoicing:*",
    "purchase-orders:*",
    "consolidatedbilling:*",
    "freetier:*",
    "budgets:*",
    "ce:*",
    "cur:*",
    "bcm-data-exports:*",
    "savingsplans:*",
    "pricing:*",
    "aws-marketplace:*",
    "aws-marketplace-management:*",
    # Support, health and advice have a single global endpoint.
    "support:*",
    "health:*",
    "trustedadvisor:*",
    "artifact:*",
    # Global networking views (Network Manager is homed in us-west-2 and reads transit
    # gateways of every region); Direct Connect gateways are global objects.
    "networkmanager:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    # Account-wide S3 calls the console makes against us-east-1; Multi-Region Access Points
    # are controlled from us-west-2.
    "s3:GetAccountPublicAccessBlock",
    "s3:PutAccountPublicAccessBlock",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    # Public ECR repositories exist only in us-east-1.
    "ecr-public:*",
)

# Changes that would blind the security tooling, by service. Creating and reading stay allowed.
SECURITY_SERVICE_ACTIONS: Final[dict[str, tuple[str, ...]]] = {
    "cloudtrail": (
        "cloudtrail:DeleteTrail",
        "cloudtrail:PutEventSelectors",
        "cloudtrail:PutInsightSelectors",
        "cloudtrail:StopLogging",
        "cloudtrail:UpdateTrail",
    ),
    # config:PutConfigRule is not denied: rule ARNs carry generated ids, not names, so it
    # cannot be limited to the baseline rules and would stop teams adding their own.
    "config": (
        "config:DeleteConfigRule",
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "config:DeleteEvaluationResults",
        "config:DeleteRetentionConfiguration",
        "config:PutConfigurationRecorder",
        "config:PutDeliveryChannel",
        "config:PutRetentionConfiguration",
        "config:StopConfigurationRecorder",
    ),
    "guardduty": (
        "guardduty:DeleteDetector",
        "guardduty:DeleteMembers",
        "guardduty:DeletePublishingDestination",
        "guardduty:DisassociateFromAdministratorAccount",
        "guardduty:DisassociateFromMasterAccount",
        "guardduty:DisassociateMembers",
        "guardduty:StopMonitoringMembers",
        "guardduty:UpdateDetector",
        "guardduty:UpdatePublishingDestination",
    ),
    "securityhub": (
        "securityhub:BatchDisableStandards",
        "securityhub:DeleteMembers",
        "securityhub:DisableImportFindingsForProduct",
        "securityhub:DisableSecurityHub",
        "securityhub:DisassociateFromAdministratorAccount",
        "securityhub:DisassociateFromMasterAccount",
        "securityhub:DisassociateMembers",
        "securityhub:UpdateStandardsControl",
    ),
    # Archive rules silently hide findings, so creating or changing them counts as disabling.
    "access-analyzer": (
        "access-analyzer:CreateArchiveRule",
        "access-analyzer:DeleteAnalyzer",
        "access-analyzer:UpdateArchiveRule",
    ),
}

ROLE_CHANGE_ACTIONS: Final[tuple[str, ...]] = (
    "iam:AttachRolePolicy",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)


# --- statement helpers ----------------------------------------------------------------------

def _scp(*statements: Document) -> Document:
    return {"Version": SCP_VERSION, "Statement": list(statements)}


def _statement(sid: str, effect: str, actions: list[str] | str, *,
               not_action: bool = False, resources: list[str] | str = "*",
               condition: Document | None = None) -> Document:
    statement: Document = {
        "Sid": sid,
        "Effect": effect,
        "NotAction" if not_action else "Action": actions,
        "Resource": resources,
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _exemption(role_arns: list[str], machinery: tuple[str, ...] = ()) -> Document:
    """Condition that spares the given principals, then lzgen's `machinery` roles (each once);
    empty when there is nobody to spare."""
    spared = list(dict.fromkeys([*role_arns, *machinery]))
    if not spared:
        return {}
    return {"ArnNotLike": {"aws:PrincipalARN": spared}}


def _deny(sid: str, actions: list[str] | str, params: ResolvedParams, *,
          resources: list[str] | str = "*", machinery: tuple[str, ...] = ()) -> Document:
    return _statement(sid, "Deny", actions, resources=resources,
                      condition=_exemption(params.strings("exempt_role_arns"), machinery))


# --- built-in documents ---------------------------------------------------------------------

def full_aws_access(_: ResolvedParams) -> Document:
    return _scp(_statement("AllowEverything", "Allow", "*"))


def deny_leave_organization(params: ResolvedParams) -> Document:
    return _scp(_deny("DenyLeaveOrganization", "organizations:LeaveOrganization", params))


def deny_root_user(_: ResolvedParams) -> Document:
    # Sessions opened through centralized root access carry aws:AssumedRoot; leaving them out
    # keeps that feature usable while the root user's own credentials stay blocked.
    condition = {
        "ArnLike": {"aws:PrincipalARN": ROOT_USER_ARN},
        "Null": {"aws:AssumedRoot": "true"},
    }
    return _scp(_statement("DenyRootUser", "Deny", "*", condition=condition))


def protect_security_services(params: ResolvedParams) -> Document:
    # One statement rather than one per service: the exemption list would otherwise be
    # repeated in each, and it is what makes the document grow.
    actions = sorted({action for group in SECURITY_SERVICE_ACTIONS.values() for action in group})
    # The StackSets create and update the baseline's Config recorders and rules.
    return _scp(_deny("ProtectSecurityServices", actions, params,
                      machinery=(STACKSETS_EXEC_ARN,)))


def deny_outside_regions(params: ResolvedParams) -> Document:
    extra_actions = params.strings("extra_global_actions")
    exempt_actions = sorted(set(GLOBAL_SERVICE_ACTIONS) | set(extra_actions))
    regions = params.strings("allowed_regions")
    condition: Document = {"StringNotEquals": {"aws:RequestedRegion": regions}}
    # Root console sign-ins are recorded in us-east-1 only, so the baseline's alert rules run
    # there (and forward home) even when us-east-1 is not an allowed region.
    condition |= _exemption(params.strings("exempt_role_arns"),
                            (STACKSETS_EXEC_ARN, ALERT_ROLE_ARN))
    return _scp(_statement("DenyOutsideAllowedRegions", "Deny", exempt_actions, not_action=True,
                           condition=condition))


def protect_baseline_roles(params: ResolvedParams) -> Document:
    role_arns = [f"arn:aws:iam::*:role/{name}" for name in params.strings("role_names")]
    return _scp(_deny("ProtectBaselineRoles", list(ROLE_CHANGE_ACTIONS), params,
                      resources=role_arns, machinery=(STACKSETS_EXEC_ARN,)))


def deny_all_except_break_glass(params: ResolvedParams) -> Document:
    # A suspended account still gets the baseline's StackSet instances (or every StackSet
    # operation fails at 0% failure tolerance) and still reports root activity.
    condition = _exemption(params.strings("break_glass_role_arns"),
                           (STACKSETS_EXEC_ARN, ALERT_ROLE_ARN))
    return _scp(_statement("DenyAllExceptBreakGlass", "Deny", "*", condition=condition))


def deny_disable_ebs_encryption(params: ResolvedParams) -> Document:
    return _scp(_deny("DenyDisablingDefaultEbsEncryption",
                      "ec2:DisableEbsEncryptionByDefault", params))


def ai_services_opt_out(params: ResolvedParams) -> Document:
    opt_out: Document = {"@@assign": "optOut"}
    default: Document = {"opt_out_policy": opt_out}
    services: Document = {"default": default}
    if not params.flag("allow_child_opt_in"):
        # Locking only the value would still let a child add an opt-in entry for one service,
        # so every level is locked.
        for node in (opt_out, default, services):
            node[CHILD_CONTROL] = ["@@none"]
    return {"services": services}
