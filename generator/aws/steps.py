"""API steps: what CloudFormation cannot do, done through each service's own API.

Each (service, action) has a handler that can tell whether the step is already in place
(read-only calls only) and apply it. A deploy runs `apply` only for steps not in place, so a
second deploy makes no call that changes anything. A step without a handler is reported before
the deploy changes anything. A step that carries a `check` (a read-only call and a JMESPath
into its answer) but has no handler is run generically: the check decides, the action is
called with the step's parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from generator.aws import orgwide
from generator.aws.manifest import StepPlan
from generator.errors import AwsError, UsageError

if TYPE_CHECKING:
    from generator.aws.gateway import Gateway
    from generator.aws.stacks import StackOptions
    from generator.aws.tokens import Resolver
    from generator.aws.ui import DeployUi

FULL_AWS_ACCESS = "p-FullAWSAccess"


@dataclass
class StepContext:
    gateway: Gateway
    resolver: Resolver
    region: str  # where the step's calls go
    options: StackOptions | None = None  # for steps that need the operator's say
    ui: DeployUi | None = None

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        return self.gateway.call(service, operation, region=self.region, **params)

    def pages(self, service: str, operation: str, key: str, **params: Any) -> list[Any]:
        return self.gateway.pages(service, operation, key, region=self.region, **params)


class StepHandler(Protocol):
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool: ...

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None: ...


def overwrites(handler: StepHandler) -> bool:
    """Whether the handler's `apply` sets the whole of what the step asks, whatever was there
    before (a Put): then a step whose check could not run at planning (its account did not
    exist yet) is applied without reading first -- one call instead of two an account."""
    return bool(getattr(handler, "OVERWRITES", False))


HANDLERS: dict[tuple[str, str], StepHandler] = {}
# The IAM actions each handler may call, for the deployer policy (generator/aws/policy.py).
PERMISSIONS: dict[tuple[str, str], tuple[str, ...]] = {}
_ORGANIZATION_READS = ("organizations:DescribeOrganization", "organizations:ListRoots",
                       "organizations:ListAccounts",
                       "organizations:ListOrganizationalUnitsForParent")


def handles(service: str, action: str, *permissions: str) -> Callable[[type], type]:
    """Class decorator: register an instance of the class for (service, action), with the IAM
    actions it calls besides the step's own."""

    def register(cls: type) -> type:
        HANDLERS[(service, action)] = cls()
        PERMISSIONS[(service, action)] = tuple(sorted({f"{service}:{action}", *permissions,
                                                       *_ORGANIZATION_READS}))
        return cls

    return register


def step_permissions(step: StepPlan) -> tuple[str, ...]:
    """The IAM actions running `step` may need."""
    if step.key in PERMISSIONS:
        return PERMISSIONS[step.key]
    check = step.check
    reads = [f"{check['service']}:{check['action']}"] if check.get("action") else []
    return tuple(sorted({f"{step.service}:{step.action}", *reads, *_ORGANIZATION_READS}))


def handler_for(step: StepPlan) -> StepHandler | None:
    found = HANDLERS.get(step.key)
    if found is None and step.check.get("action"):
        return CheckedCall(step)
    return found


def unknown_steps(steps: list[StepPlan]) -> list[StepPlan]:
    return [step for step in steps if handler_for(step) is None]


def ensure_known(steps: list[StepPlan]) -> None:
    unknown = unknown_steps(steps)
    if unknown:
        listed = "; ".join(f"{s.service} {s.action} ({s.phase})" for s in unknown)
        raise UsageError(f"manifest.json has API steps this lzgen cannot run: {listed}",
                         "upgrade lzgen to the version that generated the output, or generate "
                         "again; nothing was changed")


# -- organizations: the organization and its root ---------------------------------------------


@handles("organizations", "EnableAllFeatures", "organizations:CreateOrganization",
         "iam:CreateServiceLinkedRole")
class AllFeatures:
    """An organization with all features; created (with all features) when there is none."""

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        found = ctx.resolver.organization()
        return found is not None and found.get("FeatureSet") == "ALL"

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        found = ctx.resolver.organization()
        if found is None:
            ctx.call("organizations", "CreateOrganization", FeatureSet="ALL")
            ctx.resolver.forget_organization()
            return
        ctx.call("organizations", "EnableAllFeatures")
        raise AwsError("the organization was asked to enable all features: every invited "
                       "member account must now accept the handshake",
                       "once all have accepted (organizations ListHandshakesForOrganization), "
                       "run `lzgen deploy` again", code="HandshakePending")


@handles("organizations", "EnablePolicyType")
class PolicyType:
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        return _policy_type_status(ctx, params["PolicyType"]) == "ENABLED"

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        policy_type = params["PolicyType"]
        if _policy_type_status(ctx, policy_type) != "PENDING_ENABLE":
            ctx.call("organizations", "EnablePolicyType", RootId=ctx.resolver.root_id(),
                     PolicyType=policy_type)
        # Enabling is asynchronous: policies of the type attach only once it is ENABLED.
        for delay in (0, 1, 2, 4, 8, 15, 30):
            time.sleep(delay)
            if _policy_type_status(ctx, policy_type) == "ENABLED":
                return
        raise AwsError(f"policy type {policy_type} is still not enabled on the root",
                       "wait a minute, then run `lzgen deploy` again", code="PolicyTypePending")


def _policy_type_status(ctx: StepContext, policy_type: str) -> str:
    types = ctx.resolver.root().get("PolicyTypes") or []
    return next((str(t["Status"]) for t in types if t["Type"] == policy_type), "")


@handles("organizations", "EnableAWSServiceAccess",
         "organizations:ListAWSServiceAccessForOrganization", "iam:CreateServiceLinkedRole")
class TrustedAccess:
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        enabled = ctx.pages("organizations", "ListAWSServiceAccessForOrganization",
                            "EnabledServicePrincipals")
        return any(s["ServicePrincipal"] == params["ServicePrincipal"] for s in enabled)

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("organizations", "EnableAWSServiceAccess",
                 ServicePrincipal=params["ServicePrincipal"])


@handles("organizations", "RegisterDelegatedAdministrator",
         "organizations:ListDelegatedAdministrators")
class DelegatedAdministrator:
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        return _is_delegated(ctx, params["AccountId"], params["ServicePrincipal"])

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("organizations", "RegisterDelegatedAdministrator",
                 AccountId=params["AccountId"], ServicePrincipal=params["ServicePrincipal"])


def _is_delegated(ctx: StepContext, account: str, principal: str) -> bool:
    admins = ctx.pages("organizations", "ListDelegatedAdministrators",
                       "DelegatedAdministrators", ServicePrincipal=principal)
    return any(a["Id"] == account for a in admins)


@handles("organizations", "DetachPolicy", "organizations:ListPoliciesForTarget")
class DetachPolicy:
    """Detach a policy (AWS's FullAWSAccess) from a target named 'root', 'ou:PATH' or
    'account:NAME'; refused when it is the target's last SCP, which would lock it out."""

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        return params["PolicyId"] not in _attached(ctx, _target(ctx, params))

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        target = _target(ctx, params)
        attached = _attached(ctx, target)
        if attached == [params["PolicyId"]]:
            raise AwsError(f"{params['PolicyId']} is the only SCP on {_target_name(params)}: "
                           "detaching it would deny everything there",
                           "attach the blueprint's own SCPs first (the policy stacks do), then "
                           "rerun", code="LastPolicy")
        ctx.call("organizations", "DetachPolicy", PolicyId=params["PolicyId"], TargetId=target)


def _target_name(params: dict[str, Any]) -> str:
    return str(params.get("Target") or params.get("TargetId"))


def _target(ctx: StepContext, params: dict[str, Any]) -> str:
    return ctx.resolver.target_id(_target_name(params))


def _attached(ctx: StepContext, target: str) -> list[str]:
    policies = ctx.pages("organizations", "ListPoliciesForTarget", "Policies", TargetId=target,
                         Filter="SERVICE_CONTROL_POLICY")
    return [str(p["Id"]) for p in policies]


@handles("organizations", "TagResource", "organizations:ListTagsForResource")
class TagResource:
    """Tags on the root, an OU or an account (added or changed; other tags are kept)."""

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        current = _tags(ctx, _target(ctx, params))
        return all(current.get(k) == v for k, v in _wanted_tags(params).items())

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        tags = [{"Key": k, "Value": v} for k, v in sorted(_wanted_tags(params).items())]
        ctx.call("organizations", "TagResource", ResourceId=_target(ctx, params), Tags=tags)


def _wanted_tags(params: dict[str, Any]) -> dict[str, str]:
    tags = params["Tags"]
    if isinstance(tags, list):
        return {str(t["Key"]): str(t["Value"]) for t in tags}
    return {str(k): str(v) for k, v in tags.items()}


def _tags(ctx: StepContext, resource: str) -> dict[str, str]:
    listed = ctx.pages("organizations", "ListTagsForResource", "Tags", ResourceId=resource)
    return {str(t["Key"]): str(t["Value"]) for t in listed}


# -- IAM: centralized root access -------------------------------------------------------------


class _OrganizationsFeature:
    feature = ""

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        features = ctx.call("iam", "ListOrganizationsFeatures").get("EnabledFeatures") or []
        return self.feature in features

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("iam", f"EnableOrganizations{self.feature}")


@handles("iam", "EnableOrganizationsRootCredentialsManagement", "iam:ListOrganizationsFeatures")
class RootCredentialsManagement(_OrganizationsFeature):
    feature = "RootCredentialsManagement"


@handles("iam", "EnableOrganizationsRootSessions", "iam:ListOrganizationsFeatures")
class RootSessions(_OrganizationsFeature):
    feature = "RootSessions"


# -- Account Management: contacts -------------------------------------------------------------


def _account_scope(params: dict[str, Any]) -> dict[str, Any]:
    """AccountId for a member account; none for the caller's own (the API requires that)."""
    return {"AccountId": params["AccountId"]} if params.get("AccountId") else {}


# PutContactInformation replaces the primary contact, PutAlternateContact the alternate
# contact of its type, with the values given:
# https://docs.aws.amazon.com/accounts/latest/reference/API_PutContactInformation.html
# https://docs.aws.amazon.com/accounts/latest/reference/API_PutAlternateContact.html


@handles("account", "PutContactInformation", "account:GetContactInformation")
class ContactInformation:
    OVERWRITES = True

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        try:
            current = ctx.call("account", "GetContactInformation", **_account_scope(params))
        except AwsError as error:
            if error.code == "ResourceNotFoundException":
                return False
            raise
        found = current.get("ContactInformation") or {}
        return all(found.get(k) == v for k, v in params["ContactInformation"].items())

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("account", "PutContactInformation", **_account_scope(params),
                 ContactInformation=params["ContactInformation"])


_CONTACT_FIELDS = ("EmailAddress", "Name", "PhoneNumber", "Title")


@handles("account", "PutAlternateContact", "account:GetAlternateContact")
class AlternateContact:
    OVERWRITES = True

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        try:
            current = ctx.call("account", "GetAlternateContact", **_account_scope(params),
                               AlternateContactType=params["AlternateContactType"])
        except AwsError as error:
            if error.code == "ResourceNotFoundException":
                return False
            raise
        found = current.get("AlternateContact") or {}
        return all(found.get(k) == params.get(k) for k in _CONTACT_FIELDS)

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("account", "PutAlternateContact", **_account_scope(params),
                 AlternateContactType=params["AlternateContactType"],
                 **{k: params[k] for k in _CONTACT_FIELDS})


# -- services that name their own delegated administrator -------------------------------------


@handles("guardduty", "EnableOrganizationAdminAccount",
         "guardduty:ListOrganizationAdminAccounts", "organizations:EnableAWSServiceAccess",
         "organizations:RegisterDelegatedAdministrator",
         "organizations:ListDelegatedAdministrators", "iam:CreateServiceLinkedRole")
class GuardDutyAdmin:
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        admins = ctx.pages("guardduty", "ListOrganizationAdminAccounts", "AdminAccounts")
        return any(a.get("AdminAccountId") == params["AdminAccountId"]
                   and a.get("AdminStatus", "ENABLED") == "ENABLED" for a in admins)

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("guardduty", "EnableOrganizationAdminAccount",
                 AdminAccountId=params["AdminAccountId"])


@handles("securityhub", "EnableOrganizationAdminAccount",
         "securityhub:ListOrganizationAdminAccounts", "organizations:EnableAWSServiceAccess",
         "organizations:RegisterDelegatedAdministrator",
         "organizations:ListDelegatedAdministrators", "iam:CreateServiceLinkedRole")
class SecurityHubAdmin:
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        admins = ctx.pages("securityhub", "ListOrganizationAdminAccounts", "AdminAccounts")
        return any(a.get("AccountId") == params["AdminAccountId"]
                   and a.get("Status", "ENABLED") == "ENABLED" for a in admins)

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("securityhub", "EnableOrganizationAdminAccount",
                 AdminAccountId=params["AdminAccountId"])


@handles("cloudtrail", "RegisterOrganizationDelegatedAdmin",
         "organizations:RegisterDelegatedAdministrator",
         "organizations:ListDelegatedAdministrators", "iam:CreateServiceLinkedRole")
class CloudTrailAdmin:
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        return _is_delegated(ctx, params["MemberAccountId"], "cloudtrail.amazonaws.com")

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("cloudtrail", "RegisterOrganizationDelegatedAdmin",
                 MemberAccountId=params["MemberAccountId"])


# -- services switched on for the whole organization (orgwide.py) ----------------------------

for _key, (_handler, _permissions) in orgwide.HANDLERS.items():
    HANDLERS[_key] = _handler
    PERMISSIONS[_key] = tuple(sorted({*_permissions, *_ORGANIZATION_READS}))


# -- steps that describe their own check ------------------------------------------------------


@dataclass
class CheckedCall:
    """A step with no handler but a `check`: a read-only call whose answer, searched with a
    JMESPath, must contain (or must not contain) a value."""

    step: StepPlan

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        import jmespath

        check = ctx.resolver.resolve(self.step.check)
        answer = ctx.call(check["service"], check["action"], **(check.get("parameters") or {}))
        found = jmespath.search(check.get("path", "@"), answer)
        values = found if isinstance(found, list) else [found]
        if "absent" in check:
            return check["absent"] not in values
        return check.get("contains") in values

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call(self.step.service, self.step.action, **params)
