"""Every AWS limit lzgen enforces, in one table. A blueprint may lower any of them under
`quotas:` (to keep headroom), and raise only those AWS lets an organization raise through
Service Quotas (checked by LZ113)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quota:
    value: int
    what: str
    source: str
    raisable: bool = False  # whether AWS raises it for an organization on request


_ORG_QUOTAS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html"
_CFN_QUOTAS = ("https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
               "cloudformation-limits.html")

DEFAULTS: dict[str, Quota] = {
    "ou_depth": Quota(5, "OU nesting levels below the root", _ORG_QUOTAS),
    # Assumed raisable: AWS's quota page lists it among values "some of" which can be raised
    # through Service Quotas, without saying which; the others below are fixed maximums.
    "ous": Quota(2000, "OUs in an organization", _ORG_QUOTAS, raisable=True),
    "tags_per_entity": Quota(50, "tags on one root, OU, account or policy", _ORG_QUOTAS),
    "scp_per_target": Quota(10, "SCPs attached directly to one root, OU or account", _ORG_QUOTAS),
    "tag_per_target": Quota(10, "tag policies attached directly to one target", _ORG_QUOTAS),
    "backup_per_target": Quota(10, "backup policies attached directly to one target",
                               _ORG_QUOTAS),
    "ai_opt_out_per_target": Quota(5, "AI services opt-out policies attached directly to one "
                                   "target", _ORG_QUOTAS),
    "scp_size": Quota(10240, "characters of one SCP, minified", _ORG_QUOTAS),
    "tag_size": Quota(10000, "characters of one tag policy, minified", _ORG_QUOTAS),
    "backup_size": Quota(10000, "characters of one backup policy, minified", _ORG_QUOTAS),
    "ai_opt_out_size": Quota(2500, "characters of one AI services opt-out policy, minified",
                             _ORG_QUOTAS),
    "template_resources": Quota(500, "resources in one CloudFormation template", _CFN_QUOTAS),
    "template_parameters": Quota(200, "parameters in one CloudFormation template", _CFN_QUOTAS),
    "template_outputs": Quota(200, "outputs in one CloudFormation template", _CFN_QUOTAS),
    "template_bytes": Quota(1_000_000, "bytes of a template uploaded through S3", _CFN_QUOTAS),
    "stackset_body_bytes": Quota(51_200, "bytes of an inline StackSet template body",
                                 _CFN_QUOTAS),
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
