"""Every AWS limit lzgen enforces, in one table. A blueprint may lower any of them under
`quotas:` (to keep headroom), and raise only those AWS lets an organization raise through
Service Quotas (checked by LZ113)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.contract import PolicyTypeName


@dataclass(frozen=True, slots=True)
class Quota:
    value: int
    what: str
    source: str
    raisable: bool = False  # whether AWS raises it for an organization on request
    assumed: bool = False  # AWS publishes no figure: lzgen uses its neighbours' value


_ORG_QUOTAS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html"
_CFN_POLICY = ("https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
               "aws-resource-organizations-policy.html")
_UPGRADE_SYNTAX = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
                   "orgs_manage_policies_upgrade_syntax.html")
_CFN_QUOTAS = ("https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
               "cloudformation-limits.html")

# Per policy type: (characters of one document, minified; policies attached directly to one
# root, OU or account; where the figures come from; whether they are assumed). Only direct
# attachments count; AWS's FullAWSAccess and RCPFullAWSAccess count toward SCPs' and RCPs'.
_POLICY_LIMITS: dict[PolicyTypeName, tuple[int, int, str, bool]] = {
    "scp": (10240, 10, _ORG_QUOTAS, False),
    "rcp": (5120, 5, _ORG_QUOTAS, False),
    "tag": (10000, 10, _ORG_QUOTAS, False),
    "backup": (10000, 10, _ORG_QUOTAS, False),
    "ai_opt_out": (2500, 5, _ORG_QUOTAS, False),
    "chatbot": (10000, 5, _ORG_QUOTAS, False),
    "declarative_ec2": (10000, 10, _ORG_QUOTAS, False),
    "securityhub": (10000, 10, _ORG_QUOTAS, False),
    # The size is in CloudFormation's Content documentation; the attachment count is not
    # published for these, so lzgen assumes the common 10.
    "inspector": (10000, 10, _CFN_POLICY, True),
    "bedrock": (10000, 10, _CFN_POLICY, True),
    # The syntax page says 5,120 bytes where CloudFormation's page says 10,000 characters:
    # lzgen keeps the smaller.
    "upgrade_rollout": (5120, 10, _UPGRADE_SYNTAX, True),
    # No published figures at all: assumed like the other management policy types.
    "securityhub_cspm": (10000, 10, _ORG_QUOTAS, True),
    "s3": (10000, 10, _ORG_QUOTAS, True),
    "network_security_director": (10000, 10, _ORG_QUOTAS, True),
    "guardduty": (10000, 10, _ORG_QUOTAS, True),
}


def size_quota(policy_type: str) -> str:
    """Name of the quota on one document's size, e.g. scp_size."""
    return f"{policy_type}_size"


def per_target_quota(policy_type: str) -> str:
    """Name of the quota on policies attached directly to one target, e.g. scp_per_target."""
    return f"{policy_type}_per_target"


def _policy_quotas() -> dict[str, Quota]:
    quotas: dict[str, Quota] = {}
    for name, (size, per_target, source, assumed) in _POLICY_LIMITS.items():
        quotas[per_target_quota(name)] = Quota(
            per_target, f"{name} policies attached directly to one root, OU or account",
            source, assumed=assumed)
        quotas[size_quota(name)] = Quota(size, f"characters of one {name} policy, minified",
                                         source, assumed=assumed)
    return quotas


DEFAULTS: dict[str, Quota] = {
    "ou_depth": Quota(5, "OU nesting levels below the root", _ORG_QUOTAS),
    # Assumed raisable: AWS's quota page lists it among values "some of" which can be raised
    # through Service Quotas, without saying which; the others below are fixed maximums.
    "ous": Quota(2000, "OUs in an organization", _ORG_QUOTAS, raisable=True),
    "tags_per_entity": Quota(50, "tags on one root, OU, account or policy", _ORG_QUOTAS),
    "template_resources": Quota(500, "resources in one CloudFormation template", _CFN_QUOTAS),
    "template_parameters": Quota(200, "parameters in one CloudFormation template", _CFN_QUOTAS),
    "template_outputs": Quota(200, "outputs in one CloudFormation template", _CFN_QUOTAS),
    "template_mappings": Quota(200, "mappings in one CloudFormation template", _CFN_QUOTAS),
    "template_bytes": Quota(1_000_000, "bytes of a template uploaded through S3", _CFN_QUOTAS),
    "template_body_bytes": Quota(51_200, "bytes of a template sent inline (TemplateBody); "
                                 "larger ones are deployed from S3", _CFN_QUOTAS),
    "stacks": Quota(2000, "CloudFormation stacks per account and region", _CFN_QUOTAS),
    "stacksets": Quota(1000, "StackSets per administrator account", _CFN_QUOTAS),
    "stackset_body_bytes": Quota(51_200, "bytes of an inline StackSet template body",
                                 _CFN_QUOTAS),
    **_policy_quotas(),
}


class Quotas:
    """The default table with the blueprint's overrides applied."""

    def __init__(self, overrides: Mapping[str, int] | None = None) -> None:
        self._values = {name: q.value for name, q in DEFAULTS.items()}
        self._values.update({k: v for k, v in (overrides or {}).items() if k in DEFAULTS})

    def __getitem__(self, name: str) -> int:
        return self._values[name]

    @staticmethod
    def source(name: str) -> str:
        return DEFAULTS[name].source
