"""What generate writes and deploy reads: file names, stack names and the token pattern.

Bottom of the layers (pyproject.toml, import-linter): every stage may use it, it uses none.
"""

from __future__ import annotations

import re

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


# The roles lzgen's own machinery acts as in member accounts, where SCPs apply to them.
# Service-managed StackSets deploy as stacksets-exec-* roles: the management account's
# service-linked role may assume arn:aws:iam::*:role/stacksets-exec-*
# (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudFormationStackSetsOrgAdminServiceRolePolicy.html).
# EventBridge delivers root activity alerts as lzgen-root-activity-REGION (synth/alerts.py).
STACKSETS_EXEC_ROLE = "stacksets-exec-*"
ALERT_ROLE_PREFIX = "lzgen-root-activity-"
