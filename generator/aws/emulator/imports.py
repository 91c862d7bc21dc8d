"""IMPORT change sets for the Organizations types: the stack takes over an OU, account or policy
that exists, by its identifier, instead of creating one (moto ignored ResourcesToImport and
created new resources, which for an account fails on its email).

As in AWS (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import.html
and .../refactor-stacks.html): the resource must exist, and must not belong to another stack
(a stack gives it up by removing it under DeletionPolicy Retain first); each resource to
import must carry a DeletionPolicy. An IMPORT change set may name a stack that exists (moto
made a second stack of the same name): its template is then the stack's template as deployed
plus the resources to import, and nothing else may change in it (no other resource, no
output); the AWS CDK's guide to `cdk import`
(https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-import.html) says the same: the only
change allowed in an import is the addition of the resources imported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.organizations.models import organizations_backends
from moto.utilities.utils import get_partition

# change set name or id -> logical ID -> identifier of the resource to import
_PENDING: dict[str, dict[str, str]] = {}
_ACTIVE = threading.local()
_INSTALLED: list[bool] = []  # .importing: the mapping of the change set being executed
_LOOKUP = {
    "AWS::Organizations::Account": "get_account_by_id",
    "AWS::Organizations::OrganizationalUnit": "get_organizational_unit_by_id",
    "AWS::Organizations::Policy": "get_policy_by_id",
}


def _identifiers(entries: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in entries or []:
        values = list((entry.get("ResourceIdentifier") or {}).values())
        if entry.get("LogicalResourceId") and values:
            found[str(entry["LogicalResourceId"])] = str(values[0])
    return found


def _create_change_set(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def handler(self: Any) -> Any:
        if self._get_param("ChangeSetType") == "IMPORT":
            wanted = _identifiers(self._get_param("ResourcesToImport"))
            _check_import(self, wanted)
        result = original(self)
        if self._get_param("ChangeSetType") == "IMPORT":
            _PENDING[str(self._get_param("ChangeSetName"))] = wanted
        return result

    return handler


def _live_stack(backend: Any, name: str) -> Any:
    for stack in backend.stacks.values():
        if stack.name == name and stack.status not in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
            return stack
    return None


def _check_import(response: Any, wanted: dict[str, str]) -> None:
    body = response._get_param("TemplateBody")
    if body is None and response._get_param("TemplateURL"):
        body = response._get_stack_from_s3_url(response._get_param("TemplateURL"))
    template: dict[str, Any] = cfn_models.Stack.parse_template(body) if body else {}
    resources: dict[str, Any] = template.get("Resources") or {}
    for logical in wanted:
        if "DeletionPolicy" not in (resources.get(logical) or {}):
            raise ValidationError(message=(
                f"The following resource(s) to import [{logical}] must have DeletionPolicy "
                "attribute specified in the template."))
    stack = _live_stack(response.cloudformation_backend, response._get_param("StackName"))
    if stack is None:
        return
    current: dict[str, Any] = cfn_models.Stack.parse_template(stack.template) or {}
    held = current.get("Resources") or {}
    again = sorted(set(wanted) & set(held))
    if again:
        raise ValidationError(message=f"Resources {again} are already in the stack")
    others = {k: v for k, v in resources.items() if k not in wanted}
    if others != held:
        changed = sorted(k for k in others.keys() | held.keys()
                         if others.get(k) != held.get(k))
        raise ValidationError(message=(
            "As part of the import operation, you cannot modify or add resources other than "
            f"those to import: {changed}"))
    if template.get("Outputs") != current.get("Outputs"):
        raise ValidationError(message=(
            "As part of the import operation, you cannot modify or add [Outputs]"))


def _import_into_existing(original: Callable[..., Any]) -> Callable[..., Any]:
    """An IMPORT change set on a stack that exists changes that stack (moto made a new one)."""
    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("change_set_type") != "IMPORT" or \
                _live_stack(self, kwargs["stack_name"]) is None:
            return original(self, *args, **kwargs)
        change_set_id, stack_id = original(self, *args, **{**kwargs, "change_set_type": "UPDATE"})
        self.change_sets[change_set_id].change_set_type = "IMPORT"
        return change_set_id, stack_id

    return create


def _execute_change_set(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def handler(self: Any) -> Any:
        _ACTIVE.importing = _PENDING.pop(str(self._get_param("ChangeSetName")), None)
        try:
            return original(self)
        finally:
            _ACTIVE.importing = None

    return handler


def _managed_elsewhere(account_id: str, region: str, physical_id: str) -> str | None:
    backend = cfn_models.cloudformation_backends[account_id][region]
    for stack in backend.stacks.values():
        if stack.status == "DELETE_COMPLETE":
            continue
        parsed = stack.resource_map._parsed_resources
        for resource in parsed.values():
            if getattr(resource, "physical_resource_id", None) == physical_id:
                return str(stack.name)
    return None


def _adopting(models: dict[str, type], original: Callable[..., Any]) -> Callable[..., Any]:
    def create(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
               account_id: str, region_name: str) -> Any:
        importing: dict[str, str] | None = getattr(_ACTIVE, "importing", None)
        kind = str(resource_json.get("Type", ""))
        if not importing or logical_id not in importing or kind not in _LOOKUP:
            return original(logical_id, resource_json, resources_map, account_id, region_name)
        identifier = importing[logical_id]
        org = organizations_backends[account_id][get_partition(region_name)]
        getattr(org, _LOOKUP[kind])(identifier)  # fails as AWS does when it does not exist
        owner = _managed_elsewhere(account_id, region_name, identifier)
        if owner is not None:
            raise ValidationError(message=(
                f"Resource {logical_id} ({identifier}) is already managed by stack {owner}: "
                "remove it from that stack (with DeletionPolicy Retain) before importing it"))
        properties = dict(parsing.clean_json(resource_json.get("Properties") or {},
                                             resources_map))
        resource = models[kind](account_id, region_name, identifier, properties)
        resource.cf_resource_type, resource.logical_resource_id = kind, logical_id
        return resource

    return create


def install(models: dict[str, type]) -> None:
    """`models`: resource type -> emulator model class (generator/aws/emulator/models.py)."""
    if _INSTALLED:  # wrapping twice would pop the pending import before the inner wrapper
        return
    _INSTALLED.append(True)
    create = _create_change_set(CloudFormationResponse.create_change_set)
    execute = _execute_change_set(CloudFormationResponse.execute_change_set)
    CloudFormationResponse.create_change_set = create  # type: ignore[method-assign,assignment]
    CloudFormationResponse.execute_change_set = execute  # type: ignore[method-assign,assignment]
    backend = cfn_models.CloudFormationBackend
    backend.create_change_set = _import_into_existing(  # type: ignore[method-assign]
        backend.create_change_set)
    parsing.parse_and_create_resource = _adopting(models, parsing.parse_and_create_resource)


def reset_state() -> None:
    _PENDING.clear()
