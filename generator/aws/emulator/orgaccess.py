"""StackSets' trusted access with Organizations, as CloudFormation's own API manages it.

AWS: service-managed StackSets work only once the management account called
CloudFormation's ActivateOrganizationsAccess (state: DescribeOrganizationsAccess)
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeOrganizationsAccess.html
Enabling the service principal through Organizations' EnableAWSServiceAccess alone does not set
StackSets up: CloudFormation keeps answering "You must enable organizations access to operate a
service managed stack set" (reported in pepperize/cdk-organizations#1718). moto has neither
call and accepted service-managed StackSets whenever the organization listed the principal.

Here: Activate/Deactivate/DescribeOrganizationsAccess per management account, and
CreateStackSet (PermissionModel SERVICE_MANAGED), CreateStackInstances and UpdateStackSet of a
service-managed StackSet refused until it was activated. Activating also lists the principal
as trusted in Organizations, as the StackSets console does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.organizations.models import OrganizationsBackend, organizations_backends
from moto.utilities.utils import get_partition

STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
NOT_ACTIVATED = "You must enable organizations access to operate a service managed stack set"
_ACTIVATED: set[str] = set()  # management accounts that activated it


class InvalidOperation(CloudFormationError):
    code = "InvalidOperationException"


def is_activated(account_id: str) -> bool:
    return account_id in _ACTIVATED


def require_activated(account_id: str) -> None:
    """Refuse a service-managed StackSet operation of `account_id`, as AWS does."""
    if account_id not in _ACTIVATED:
        raise ValidationError(message=NOT_ACTIVATED)


def _management(account_id: str, region: str) -> OrganizationsBackend:
    backend: OrganizationsBackend = organizations_backends[account_id][get_partition(region)]
    if backend.org is None or backend.org.master_account_id != account_id:
        raise InvalidOperation("Only the management account of an organization with all "
                               "features enabled can change organizations access")
    return backend


# -- the API --------------------------------------------------------------------------------


def activate_organizations_access(self: Any) -> EmptyResult:
    backend = _management(self.current_account, self.region)
    if not any(s["ServicePrincipal"] == STACKSETS_PRINCIPAL for s in backend.services):
        backend.enable_aws_service_access(ServicePrincipal=STACKSETS_PRINCIPAL)
    _ACTIVATED.add(self.current_account)
    return EmptyResult()


def deactivate_organizations_access(self: Any) -> EmptyResult:
    _management(self.current_account, self.region)
    _ACTIVATED.discard(self.current_account)
    return EmptyResult()


def describe_organizations_access(self: Any) -> ActionResult:
    status = "ENABLED" if self.current_account in _ACTIVATED else "DISABLED"
    return ActionResult({"Status": status})


# -- refusing service-managed operations until then -----------------------------------------


def _guarded(method: Callable[..., Any], service_managed: Callable[..., bool]) -> Any:
    @functools.wraps(method)
    def wrapper(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
        if service_managed(self, *args, **kwargs):
            require_activated(self.account_id)
        return method(self, *args, **kwargs)

    wrapper.__lzgen_hooked__ = True  # type: ignore[attr-defined]
    return wrapper


def _creates_service_managed(_: CloudFormationBackend, *args: Any, **kwargs: Any) -> bool:
    model = kwargs.get("permission_model", args[4] if len(args) > 4 else None)
    return model == "SERVICE_MANAGED"


def _on_service_managed(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> bool:
    name = kwargs.get("stackset_name", args[0] if args else "")
    try:
        return bool(self.describe_stack_set(name).permission_model == "SERVICE_MANAGED")
    except CloudFormationError:
        return False  # moto itself answers that the StackSet does not exist


def install() -> None:
    """Add the three calls and guard the backend's StackSet operations. Idempotent."""
    for name, handler in (("activate_organizations_access", activate_organizations_access),
                          ("deactivate_organizations_access", deactivate_organizations_access),
                          ("describe_organizations_access", describe_organizations_access)):
        setattr(CloudFormationResponse, name, handler)
    guards = {"create_stack_set": _creates_service_managed,
              "create_stack_instances": _on_service_managed,
              "update_stack_set": _on_service_managed}
    for name, check in guards.items():
        method = getattr(CloudFormationBackend, name)
        if not getattr(method, "__lzgen_hooked__", False):
            setattr(CloudFormationBackend, name, _guarded(method, check))


def reset_state() -> None:
    _ACTIVATED.clear()
