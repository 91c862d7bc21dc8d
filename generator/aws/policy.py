"""The IAM policy the deploying role needs for one blueprint's output, and nothing more.

Derived from what deploy will do: change sets on the organization's stacks (named
`lzgen-ORG-*`), the resources in their templates (CloudFormation creates them with the
caller's permissions), the SSM parameters that carry IDs between stacks, StackSets named
`lzgen-ORG-*`, and the API calls of the manifest's steps. Organizations has no ARNs known
before the organization exists, so its actions apply to "*". Deterministic: sorted sets only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.aws.manifest import StepPlan
from generator.aws.recorders import READS as MEMBER_READS
from generator.aws.recorders import access_roles
from generator.aws.templates import BUCKET_PREFIX, BUCKET_STACK, needs_upload
from generator.jsonio import compact_json
from generator.policies.actions import RESOURCE_ACTIONS

STACK_ACTIONS = (
    "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet",
    "cloudformation:DeleteStack", "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks",
    "cloudformation:ExecuteChangeSet", "cloudformation:GetTemplate",
    "cloudformation:ListChangeSets", "cloudformation:UpdateTerminationProtection",
    "cloudformation:ListStackResources",  # convergence (aws/converge.py)
)
STACKSET_ACTIONS = (
    "cloudformation:ListStackInstances", "cloudformation:ListStackSetOperations",
    "cloudformation:DescribeStackSetOperation",
)
# lzgen's template bucket (aws/templates.py), for templates over the inline limit: what its
# stack's two resources need (the handler permissions of AWS::S3::Bucket and
# AWS::S3::BucketPolicy for the properties set), and writing and reading the templates
# (CloudFormation reads a TemplateURL with the caller's permissions).
TEMPLATE_BUCKET_ACTIONS = (
    "s3:CreateBucket", "s3:DeleteBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging",
    "s3:GetBucketVersioning", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
    "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging",
    "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
    "s3:PutObject",
)
# Scoped to lzgen's own names in `_scoped`; everything else of a type goes to "*".
_SCOPED_SERVICES = ("ssm", "cloudformation")


def _resource_actions(resource_type: str) -> tuple[str, ...]:
    """Known types from the table; others from the resource schema cfn-lint bundles."""
    if resource_type in RESOURCE_ACTIONS:
        return RESOURCE_ACTIONS[resource_type]
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    except Exception:  # a type cfn-lint does not know: cfn-lint already reported it
        return ()
    handlers = schema.get("handlers") or {}
    permissions = {str(p) for kind in ("create", "read", "update", "delete")
                   for p in (handlers.get(kind) or {}).get("permissions") or []}
    # Schemas write some prefixes capitalized ("CloudTrail:"); IAM ignores the case.
    return tuple(sorted({f"{p.split(':')[0].lower()}:{p.split(':', 1)[1]}"
                         for p in permissions if ":" in p}))


def _types(templates: Mapping[str, dict[str, Any]]) -> set[str]:
    return {str(resource.get("Type")) for template in templates.values()
            for resource in (template.get("Resources") or {}).values()}


def _statement(sid: str, actions: set[str], resources: list[str]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions),
            "Resource": resources[0] if len(resources) == 1 else sorted(resources)}


def deployer_policy(manifest: Mapping[str, Any],
                    templates: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The IAM policy document for the role that runs `lzgen deploy` on this output."""
    org = manifest["organization"]
    regions = sorted({str(s["region"]) for s in manifest["stacks"]} or {manifest["home_region"]})
    types = _types(templates)
    by_type = {a for t in sorted(types) for a in _resource_actions(t)}
    scoped = {a for a in by_type if a.split(":")[0] in _SCOPED_SERVICES}
    stacks = [f"arn:aws:cloudformation:{r}:*:stack/lzgen-{org}-*/*" for r in regions]
    change_sets = [f"arn:aws:cloudformation:{r}:*:changeSet/lzgen-*/*" for r in regions]
    statements = [_statement("ChangeSetsOnLzgenStacks", set(STACK_ACTIONS),
                             stacks + change_sets),
                  # Finding the stacks of layout buckets that merged back (aws/stacks.py):
                  # ListStacks has no resource to scope it to, and shows names only.
                  _statement("FindMergedLayoutStacks", {"cloudformation:ListStacks"}, ["*"])]
    ssm = {a for a in scoped if a.startswith("ssm:")}
    if ssm:
        statements.append(_statement(
            "IdsBetweenStacks", ssm | {"ssm:GetParameters", "ssm:GetParameter"},
            [f"arn:aws:ssm:{r}:*:parameter/lzgen/{org}/*" for r in regions]))
    stack_sets = {a for a in scoped if a.startswith("cloudformation:")}
    if stack_sets:
        statements.append(_statement(
            "LzgenStackSets", stack_sets | set(STACKSET_ACTIONS),
            [f"arn:aws:cloudformation:{r}:*:{kind}/lzgen-{org}-*"
             for r in regions for kind in ("stackset", "stackset-target")]
            + ["arn:aws:cloudformation:*:*:type/resource/*"]))
    if any(needs_upload(compact_json(t)) for t in templates.values()):
        statements += _template_bucket(org, regions)
    # The record of applied steps (generator/aws/applied.py), in the home region.
    record = f"arn:aws:ssm:{manifest['home_region']}:*:parameter/lzgen/{org}/applied"
    statements.append(_statement(
        "RecordOfAppliedSteps", {"ssm:DeleteParameters", "ssm:GetParametersByPath",
                                 "ssm:PutParameter"}, [record, f"{record}/*"]))
    steps = [StepPlan(str(s["phase"]), str(s["service"]), str(s["action"]),
                      dict(s.get("parameters") or {}), "", check=dict(s.get("check") or {}))
             for s in manifest.get("api_steps") or []]
    step_actions = _step_actions(steps)
    roles = sorted({str(s.parameters["RoleName"]) for s in steps if "RoleName" in s.parameters})
    if roles and "sts:AssumeRole" in step_actions:
        # Steps that run in a delegated administrator's account assume its access role.
        statements.append(_statement("AssumeAdministratorAccessRoles", {"sts:AssumeRole"},
                                     [f"arn:aws:iam::*:role/{role}" for role in roles]))
    member_roles = access_roles(list(manifest.get("preconditions") or []))
    if member_roles:
        # Preflight reads AWS Config in every member account through its access role
        # (generator/aws/recorders.py).
        statements.append(_statement("ReadConfigInMemberAccounts", {"sts:AssumeRole"},
                                     [f"arn:aws:iam::*:role/{role}" for role in member_roles]))
        step_actions |= set(MEMBER_READS)
    organizations_access = {a for a in step_actions if a.startswith("cloudformation:")}
    if organizations_access:
        # Account-level calls (StackSets' trusted access): no resource to scope them to.
        statements.append(_statement("StackSetsTrustedAccess", organizations_access, ["*"]))
    statements.append(_statement("ResourcesAndApiSteps",
                                 (by_type - scoped)
                                 | (step_actions - organizations_access - {"sts:AssumeRole"}),
                                 ["*"]))
    return {"Version": "2012-10-17", "Statement": statements}


def _template_bucket(org: str, regions: list[str]) -> list[dict[str, Any]]:
    stacks = [f"arn:aws:cloudformation:{r}:*:stack/lzgen-{org}-{BUCKET_STACK}/*"
              for r in regions]
    return [_statement("TemplateBucketStack", {"cloudformation:CreateStack"}, stacks),
            _statement("TemplateBucket", set(TEMPLATE_BUCKET_ACTIONS),
                       [f"arn:aws:s3:::{BUCKET_PREFIX}*", f"arn:aws:s3:::{BUCKET_PREFIX}*/*"])]


def _step_actions(steps: list[StepPlan]) -> set[str]:
    from generator.aws import accounts
    from generator.aws.preflight import READS
    from generator.aws.steps import step_permissions

    accounts.register()

    found = {"organizations:DescribeOrganization", "organizations:ListRoots",
             "organizations:ListAccounts", *READS}
    for step in steps:
        found.update(step_permissions(step))
    return found
