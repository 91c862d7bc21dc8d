"""What generate writes and deploy reads: file names, stack names and the token pattern.

Bottom of the layers (pyproject.toml, import-linter): every stage may use it, it uses none.
"""

from __future__ import annotations

import re
from typing import Final, Literal

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
DEPLOYER_POLICY = "deployer-policy.json"

# A deploy-time token: {{lzgen:KIND}} or {{lzgen:KIND:ARGUMENT}} (generator/synth/types.py).
TOKEN = re.compile(r"\{\{lzgen:([a-z-]+)(?::([^{}]*))?\}\}")


def stack_file(name: str) -> str:
    return f"stacks/{name}.json"


def stackset_file(name: str) -> str:
    return f"stacksets/{name}.json"


def stack_name(organization: str, name: str) -> str:
    """The CloudFormation name of the organization's stack or StackSet `name`."""
    return f"lzgen-{organization}-{name}"


# The policy types of AWS Organizations, by the name a blueprint uses, with the API's name.
# generator/policies/types.py holds everything else about each type; a test checks this table
# against botocore's `PolicyType` enum, so a type AWS adds shows up as a failing test.
PolicyTypeName = Literal[
    "scp", "rcp", "tag", "backup", "ai_opt_out", "chatbot", "declarative_ec2", "securityhub",
    "securityhub_cspm", "inspector", "upgrade_rollout", "bedrock", "s3",
    "network_security_director", "guardduty",
]

POLICY_TYPE_API: Final[dict[PolicyTypeName, str]] = {
    "scp": "SERVICE_CONTROL_POLICY",
    "rcp": "RESOURCE_CONTROL_POLICY",
    "tag": "TAG_POLICY",
    "backup": "BACKUP_POLICY",
    "ai_opt_out": "AISERVICES_OPT_OUT_POLICY",
    "chatbot": "CHATBOT_POLICY",
    "declarative_ec2": "DECLARATIVE_POLICY_EC2",
    "securityhub": "SECURITYHUB_POLICY",
    "securityhub_cspm": "SECURITYHUB_CSPM_POLICY",
    "inspector": "INSPECTOR_POLICY",
    "upgrade_rollout": "UPGRADE_ROLLOUT_POLICY",
    "bedrock": "BEDROCK_POLICY",
    "s3": "S3_POLICY",
    "network_security_director": "NETWORK_SECURITY_DIRECTOR_POLICY",
    "guardduty": "GUARDDUTY_POLICY",
}
# The roles lzgen's own machinery acts as in member accounts, where SCPs apply to them.
# Service-managed StackSets deploy as stacksets-exec-* roles: the management account's
# service-linked role may assume arn:aws:iam::*:role/stacksets-exec-*
# (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudFormationStackSetsOrgAdminServiceRolePolicy.html).
# EventBridge delivers root activity alerts as lzgen-root-activity-REGION (synth/alerts.py).
STACKSETS_EXEC_ROLE = "stacksets-exec-*"
ALERT_ROLE_PREFIX = "lzgen-root-activity-"
# AWS Config records as lzgen-config-recorder in every account (synth/config.py).
CONFIG_RECORDER_ROLE = "lzgen-config-recorder"
