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
    if build.stacksets:
        steps.append(ApiStep(
            "prepare", "organizations", "EnableAWSServiceAccess",
            {"ServicePrincipal": STACKSETS_PRINCIPAL},
            "service-managed StackSets need trusted access for CloudFormation StackSets",
            check={"service": "organizations", "action": "ListAWSServiceAccessForOrganization",
                   "parameters": {}, "path": "EnabledServicePrincipals[].ServicePrincipal",
                   "contains": STACKSETS_PRINCIPAL}))
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
