"""API steps for what CloudFormation has no resource for, in the order they must run."""

from __future__ import annotations

from generator.model import Organization
from generator.synth.organization import API_TYPE
from generator.synth.types import ApiStep, Build

STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"


def build_api_steps(org: Organization, build: Build) -> None:
    steps: list[ApiStep] = [ApiStep(
        "prepare", "organizations", "EnableAllFeatures", {},
        "SCPs and the other policy types need an organization with all features",
        check={"service": "organizations", "action": "DescribeOrganization", "parameters": {},
               "path": "Organization.FeatureSet", "contains": "ALL"})]
    for policy_type in sorted({p.spec.type for p in org.policies.values()}):
        steps.append(ApiStep(
            "prepare", "organizations", "EnablePolicyType",
            {"PolicyType": API_TYPE[policy_type]},
            f"{API_TYPE[policy_type]} must be enabled on the root before such policies attach",
            check={"service": "organizations", "action": "ListRoots", "parameters": {},
                   "path": "Roots[0].PolicyTypes[?Status=='ENABLED'].Type",
                   "contains": API_TYPE[policy_type]}))
    steps += _stacksets_access(build)
    for target in sorted(org.blueprint.full_aws_access.detach):
        steps.append(ApiStep(
            "after", "organizations", "DetachPolicy",
            {"PolicyId": "p-FullAWSAccess", "Target": target},
            "the blueprint replaces AWS's FullAWSAccess SCP on this target",
            check={"service": "organizations", "action": "ListPoliciesForTarget",
                   "parameters": {"TargetId": target, "Filter": "SERVICE_CONTROL_POLICY"},
                   "path": "Policies[].Id", "absent": "p-FullAWSAccess"}))
    if org.blueprint.organization.tags:
        steps.append(ApiStep(
            "after", "organizations", "TagResource",
            {"Target": "root", "Tags": dict(sorted(org.blueprint.organization.tags.items()))},
            "CloudFormation has no resource for the organization root's tags",
            check={"idempotent": True}))
    build.api_steps.extend(steps)


def _stacksets_access(build: Build) -> list[ApiStep]:
    """Trusted access for StackSets through CloudFormation's own API, in every region that
    administers a StackSet: Organizations' EnableAWSServiceAccess alone leaves service-managed
    StackSets refused ("You must enable organizations access to operate a service managed
    stack set").
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html
    """
    holders = {body.stack for body in build.stacksets}
    regions = sorted({stack.region for stack in build.stacks if stack.name in holders})
    return [ApiStep(
        "prepare", "cloudformation", "ActivateOrganizationsAccess", {},
        "service-managed StackSets need trusted access, activated through CloudFormation "
        "(it also enables the service principal " + STACKSETS_PRINCIPAL + ")",
        region=region,
        check={"service": "cloudformation", "action": "DescribeOrganizationsAccess",
               "parameters": {}, "path": "Status", "contains": "ENABLED"})
        for region in regions]
