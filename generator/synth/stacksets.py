"""Shared pieces of the baseline stacks: service-managed StackSets and the IDs they target.

A StackSet is an `AWS::CloudFormation::StackSet` resource in a management-account stack; its
body is kept as a `StackSetBody` too, so that it is linted and written for review. Service-
managed StackSets never deploy to the management account, so every baseline that covers the
management account also puts the same resources in a plain stack there.
"""

from __future__ import annotations

from typing import Any

from troposphere import AWSHelperFn, Parameter, Ref, Template
from troposphere.cloudformation import (
    AutoDeployment,
    DeploymentTargets,
    ManagedExecution,
    OperationPreferences,
    StackInstances,
    StackSet,
)
from troposphere.cloudformation import Parameter as StackSetParameter

from generator.contract import stack_name
from generator.model import ROOT, Organization, pascal
from generator.synth import ids
from generator.synth.preferences import operation_preferences
from generator.synth.types import ORGANIZATION_ID, ROOT_ID, Build, StackSetBody

NAMED_IAM = "CAPABILITY_NAMED_IAM"


def root_id(template: Template) -> Ref:
    if "RootId" not in template.parameters:
        template.add_parameter(Parameter(
            "RootId", Type="String", AllowedPattern="^r-[0-9a-z]{4,32}$",
            Description="ID of the organization root (lzgen deploy looks it up)"))
    return Ref("RootId")


def organization_id(template: Template) -> Ref:
    if "OrganizationId" not in template.parameters:
        template.add_parameter(Parameter(
            "OrganizationId", Type="String", AllowedPattern="^o-[a-z0-9]{10,32}$",
            Description="ID of the organization (lzgen deploy looks it up)"))
    return Ref("OrganizationId")


def account_id(org: Organization, template: Template, name: str) -> Ref:
    """The ID of a blueprint account, read from the SSM parameter its account stack wrote."""
    return ids.consume(template, org.blueprint.organization.name, "Account" + pascal(name),
                       f"account {name}")


def parent_id(org: Organization, template: Template, name: str) -> AWSHelperFn:
    """The ID of the OU (or root) that holds a blueprint account."""
    path = org.accounts[name].ou
    if path == ROOT:
        return root_id(template)
    return ids.consume(template, org.blueprint.organization.name, org.ous[path].logical_id,
                       f"OU {path}")


def after_organization(build: Build) -> list[str]:
    """What a baseline stack depends on: the last account stack, which comes after every other
    account and OU stack. StackSets then start once every account exists (one operation, not
    one auto-deployment per new account), and the IDs they read from SSM are written."""
    layout = build.layout
    if layout is None:
        return []
    if layout.accounts:
        return [list(layout.accounts)[-1]]  # the last of the chain of account stacks
    return sorted(layout.ous)


def deploy_parameters(template: Template) -> dict[str, str]:
    """Tokens deploy fills in for the template's deploy-time parameters."""
    tokens = {"RootId": ROOT_ID, "OrganizationId": ORGANIZATION_ID}
    return {name: token for name, token in tokens.items() if name in template.parameters}


def every_member_account(template: Template) -> DeploymentTargets:
    return DeploymentTargets(OrganizationalUnitIds=[root_id(template)])


def only_account(org: Organization, template: Template, name: str) -> DeploymentTargets:
    """The one account: its parent OU intersected with its ID."""
    return DeploymentTargets(OrganizationalUnitIds=[parent_id(org, template, name)],
                             Accounts=[account_id(org, template, name)],
                             AccountFilterType="INTERSECTION")


def add_stackset(org: Organization, build: Build, owner: tuple[str, Template], name: str,
                 body: Template, *, targets: DeploymentTargets, regions: list[str],
                 description: str, who: str, parameters: dict[str, Any] | None = None,
                 depends_on: list[str] | None = None, iam: bool = False,
                 account: str = "") -> str:
    """Add StackSet `name` to the owner (stack name, template); return its logical ID.
    `account`: the one blueprint account `targets` names, if it names one.

    Auto-deployment is on when the StackSet targets the whole organization (new accounts get
    an instance) and off when it targets one account: auto-deployment works per OU, so it
    would also give an instance to every account later moved into that account's OU.
    """
    from generator.jsonio import compact_json

    stack, template = owner
    logical_id = pascal(name) + "StackSet"
    body_dict = body.to_dict()
    whole_org = targets.properties.get("AccountFilterType") is None
    props: dict[str, Any] = {
        "StackSetName": stack_name(org.blueprint.organization.name, name),
        "Description": description,
        "PermissionModel": "SERVICE_MANAGED",
        "CallAs": "SELF",
        "AutoDeployment": (AutoDeployment(Enabled=True, RetainStacksOnAccountRemoval=False)
                           if whole_org else AutoDeployment(Enabled=False)),
        "ManagedExecution": ManagedExecution(Active=True),
        "OperationPreferences": OperationPreferences(**operation_preferences(org)),
        "StackInstancesGroup": [StackInstances(DeploymentTargets=targets, Regions=regions)],
        "TemplateBody": compact_json(body_dict),
    }
    if parameters:
        props["Parameters"] = [StackSetParameter(ParameterKey=k, ParameterValue=v)
                               for k, v in sorted(parameters.items())]
    if iam:
        props["Capabilities"] = [NAMED_IAM]
    resource = StackSet(logical_id, **props)
    if depends_on:
        resource.DependsOn = depends_on
    template.add_resource(resource)
    build.stacksets.append(StackSetBody(name, stack, logical_id, body_dict, regions, who,
                                        account))
    return logical_id
