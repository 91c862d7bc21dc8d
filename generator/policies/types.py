"""The registry of AWS Organizations policy types: one spec per type, which the schema, the
checks, synth, diff, import and the test strategies read.

Adding a type: its name in generator/contract.py, its limits in generator/quotas.py, and a
spec here (with a grammar in generator/policies/management.py when AWS documents one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from generator.contract import POLICY_TYPE_API, PolicyTypeName
from generator.policies import grammar, management
from generator.policies.grammar import Problem
from generator.quotas import per_target_quota, size_quota

PolicyType = PolicyTypeName
Kind = Literal["authorization", "management"]

_GUIDE: Final = "https://docs.aws.amazon.com/organizations/latest/userguide"


@dataclass(frozen=True)
class Protection:
    """A setting whose weakening `lzgen diff` reports as a risk.

    ``path`` leads to the setting (``*`` matches any key); ``strength`` lists its values from
    the most protective down (a setting that disappears counts as the weakest). For a Region
    list, ``strength`` is ("enable",) or ("disable",): losing an enabled Region or gaining a
    disabled one weakens.
    """

    path: tuple[str, ...]
    strength: tuple[str, ...]
    what: str


@dataclass(frozen=True)
class PolicyTypeSpec:
    """Everything lzgen knows about one policy type."""

    name: PolicyType  # the blueprint's name
    title: str  # how messages name it: "SCP", "backup policy"
    kind: Kind  # authorization (SCP, RCP: IAM language) or management (inheritance operators)
    syntax_url: str
    validator: Callable[[object], list[Problem]]
    schema_published: bool = True  # False: AWS documents no attribute schema; shape only
    aws_managed_default: str | None = None  # the AWS policy attached everywhere, if any
    protections: tuple[Protection, ...] = ()  # settings whose weakening diff reports

    @property
    def api(self) -> str:
        return POLICY_TYPE_API[self.name]

    @property
    def size_quota(self) -> str:
        return size_quota(self.name)

    @property
    def per_target_quota(self) -> str:
        return per_target_quota(self.name)

    @property
    def describe_effective(self) -> bool:
        """Whether DescribeEffectivePolicy accepts the type (management types only)."""
        return self.kind == "management"


def _spec(name: PolicyType, title: str, kind: Kind, page: str,
          validator: Callable[[object], list[Problem]], *, schema_published: bool = True,
          aws_managed_default: str | None = None,
          protections: tuple[Protection, ...] = ()) -> PolicyTypeSpec:
    return PolicyTypeSpec(name, title, kind, f"{_GUIDE}/{page}.html", validator,
                          schema_published, aws_managed_default, protections)


def _regions(*path: str, what: str) -> tuple[Protection, Protection]:
    return (Protection((*path, "enable_in_regions"), ("enable",), f"{what} enabled"),
            Protection((*path, "disable_in_regions"), ("disable",), f"{what} disabled"))


_EC2: Final = (
    Protection(("ec2_attributes", "image_block_public_access", "state"),
               ("block_new_sharing", "unblocked"), "public sharing of AMIs"),
    Protection(("ec2_attributes", "snapshot_block_public_access", "state"),
               ("block_all_sharing", "block_new_sharing", "unblocked"),
               "public sharing of EBS snapshots"),
    Protection(("ec2_attributes", "instance_metadata_defaults", "http_tokens"),
               ("required", "optional", "no_preference"), "IMDSv2 requirement"),
    Protection(("ec2_attributes", "serial_console_access", "status"),
               ("disabled", "enabled"), "serial console access"),
    Protection(("ec2_attributes", "vpc_block_public_access", "internet_gateway_block", "mode"),
               ("block_bidirectional", "block_ingress", "off"), "VPC block public access"),
    Protection(("ec2_attributes", "allowed_images_settings", "state"),
               ("enabled", "audit_mode", "disabled"), "allowed AMIs"),
)


_SPECS: Final = (
    _spec("scp", "SCP", "authorization", "orgs_manage_policies_scps_syntax",
          grammar.validate_scp, aws_managed_default="FullAWSAccess"),
    _spec("rcp", "RCP", "authorization", "orgs_manage_policies_rcps_syntax",
          grammar.validate_rcp, aws_managed_default="RCPFullAWSAccess"),
    _spec("tag", "tag policy", "management", "orgs_manage_policies_example-tag-policies",
          grammar.validate_tag_policy),
    _spec("backup", "backup policy", "management", "orgs_manage_policies_backup_syntax",
          management.validator(management.BACKUP)),
    _spec("ai_opt_out", "AI opt-out policy", "management",
          "orgs_manage_policies_ai-opt-out_syntax", grammar.validate_ai_opt_out),
    _spec("chatbot", "chat applications policy", "management",
          "orgs_manage_policies_chatbot_syntax", management.validator(management.ANY),
          schema_published=False),
    _spec("declarative_ec2", "EC2 declarative policy", "management",
          "orgs_manage_policies_declarative_syntax",
          management.validator(management.DECLARATIVE_EC2), protections=_EC2),
    _spec("securityhub", "Security Hub policy", "management",
          "orgs_manage_policies_security_hub_syntax",
          management.validator(management.SECURITYHUB),
          protections=_regions("securityhub", what="Security Hub")),
    _spec("securityhub_cspm", "Security Hub CSPM policy", "management",
          "orgs_manage_policies_security_hub", management.validator(management.ANY),
          schema_published=False),
    _spec("inspector", "Inspector policy", "management", "orgs_manage_policies_inspector_syntax",
          management.validator(management.INSPECTOR),
          protections=_regions("inspector", "enablement", "*", what="Inspector scanning")),
    _spec("upgrade_rollout", "upgrade rollout policy", "management",
          "orgs_manage_policies_upgrade_syntax",
          management.validator(management.UPGRADE_ROLLOUT)),
    _spec("bedrock", "Bedrock policy", "management", "orgs_manage_policies_bedrock_syntax",
          management.validator(management.BEDROCK)),
    _spec("s3", "S3 policy", "management", "orgs_manage_policies_s3_syntax",
          management.validator(management.S3), protections=(
              Protection(("s3_attributes", "public_access_block_configuration"),
                         ("all", "none"), "S3 Block Public Access"),)),
    _spec("network_security_director", "network security director policy", "management",
          "orgs_manage_policies_network_security_director",
          management.validator(management.ANY), schema_published=False),
    _spec("guardduty", "GuardDuty policy", "management", "orgs_manage_policies_guardduty",
          management.validator(management.ANY), schema_published=False),
)

SPECS: Final[dict[PolicyType, PolicyTypeSpec]] = {spec.name: spec for spec in _SPECS}
POLICY_TYPES: Final[tuple[PolicyType, ...]] = tuple(SPECS)
API_TYPE: Final[dict[PolicyType, str]] = {name: spec.api for name, spec in SPECS.items()}
BY_API: Final[dict[str, PolicyTypeSpec]] = {spec.api: spec for spec in _SPECS}


def spec(name: str) -> PolicyTypeSpec:
    try:
        return SPECS[name]  # type: ignore[index]
    except KeyError:
        raise ValueError(f"unknown policy type {name!r}; expected one of "
                         f"{', '.join(POLICY_TYPES)}") from None


def validate(policy_type: str, document: object) -> list[Problem]:
    """The grammar problems of ``document`` read as a policy of ``policy_type``."""
    return grammar.checked(spec(policy_type).validator, document)
