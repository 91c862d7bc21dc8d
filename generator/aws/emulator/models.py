"""CloudFormation resource types moto's CloudFormation does not provision, built on moto's own
Organizations and CloudFormation StackSet backends.

moto builds its resource-type map from the direct subclasses of ``CloudFormationModel``
(``moto.cloudformation.parsing.get_model_map``, an ``lru_cache``).  Defining the classes below
registers them; ``install()`` clears those caches, applies the engine patches in
``engine.py`` and hooks the Organizations backend for stack set auto-deployment.

Semantics follow the real resource types:

* ``AWS::Organizations::OrganizationalUnit``: ``ParentId`` is create-only (a change replaces
  the OU: the new one is created, the old one deleted in the cleanup phase).  Sibling names
  must be unique.  Deleting an OU that still has child OUs or accounts fails
  (``OrganizationalUnitNotEmptyException``).  Ref = OU id; GetAtt Id, Arn.
* ``AWS::Organizations::Account``: ``RoleName`` is create-only (a change creates a *new*
  account, as CloudFormation would); ``ParentIds`` (one id, default the root) moves the account;
  ``AccountName``/``Email``/``Tags`` update in place; an email already used in the organization
  fails.  Delete closes the account (status ``SUSPENDED``); ``DeletionPolicy``/
  ``UpdateReplacePolicy`` ``Retain`` or ``RetainExceptOnCreate`` keep it.  Ref = account id;
  GetAtt AccountId, Arn, JoinedMethod, JoinedTimestamp, Status.
* ``AWS::Organizations::Policy``: ``Type`` is create-only; ``Content`` may be a JSON object or
  string and must be valid JSON within the type's size quota; ``TargetIds`` are reconciled
  (attach missing, detach others) on update; attaching needs the policy type enabled on the
  root (``PolicyTypeNotEnabledException``, as in AWS); delete detaches everywhere first.
  Ref = policy id; GetAtt Id, Arn, AwsManaged.
* ``AWS::CloudFormation::StackSet``: ``StackSetName``/``PermissionModel`` are create-only.
  ``SERVICE_MANAGED`` needs CloudFormation's ActivateOrganizationsAccess (``orgaccess.py``)
  and deploys to every ACTIVE account below the target OUs (nested OUs
  included, the management account never), honouring ``AccountFilterType``.  Create and update
  converge the instances to ``StackInstancesGroup`` (create missing, delete extra, re-deploy
  instances whose template or parameters changed).  With ``AutoDeployment.Enabled`` an account
  created in or moved into / out of a target OU gets / loses its instances
  (``RetainStacksOnAccountRemoval`` keeps the stack).  ``Capabilities``,
  ``OperationPreferences``, ``CallAs`` and ``ManagedExecution`` are accepted and ignored.
  Ref = StackSetId; GetAtt StackSetId.

AWS Config's types (and the rule's recorder precondition) are in ``config.py``; SNS topic
policies and subscriptions in ``notifications.py``; the SCPs that restrict the StackSet role in
member accounts in ``scp.py``; the delivery of root activity events in ``eventbridge.py``.

Organizations itself: any service with trusted access may get a delegated administrator (moto
accepted only a few, not Config, CloudTrail or Security Hub).

A failing resource fails the stack operation, which rolls back (see ``engine.py``); a failing
stack instance fails its StackSet resource.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudformation.models import (
    CloudFormationBackend,
    StackInstance,
    StackSet,
    cloudformation_backends,
)
from moto.cloudformation.utils import get_stack_from_s3_url
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import ServiceException
from moto.moto_api._internal import mock_random
from moto.organizations.exceptions import (
    AccountNotFoundException,
    AWSOrganizationsNotInUseException,
    ConstraintViolationException,
    DuplicateOrganizationalUnitException,
    DuplicatePolicyException,
    OrganizationsClientError,
    PolicyNotFoundException,
    PolicyTypeNotEnabledException,
)
from moto.organizations.models import (
    FakeAccount,
    FakeDelegatedAdministrator,
    FakeOrganizationalUnit,
    FakePolicy,
    FakeServiceAccess,
    OrganizationsBackend,
    organizations_backends,
)
from moto.utilities.utils import get_partition

from generator.contract import POLICY_TYPE_API
from generator.quotas import DEFAULTS, size_quota

from . import (
    accounts,
    compute_optimizer,
    config,
    costs,
    engine,
    imports,
    notifications,
    orgaccess,
    policy_types,
    scp,
    security,
    services,
)

logger = logging.getLogger(__name__)

STACKSETS_PRINCIPAL = orgaccess.STACKSETS_PRINCIPAL
# Policy size limits come from lzgen's one table of quotas (generator/quotas.py): the emulator
# refuses exactly what lzgen's checks let through as too large.
POLICY_SIZE_LIMITS = {api: DEFAULTS[size_quota(name)].value
                      for name, api in POLICY_TYPE_API.items()}
_STACKSET_NAME = re.compile(r"^[a-zA-Z][-a-zA-Z0-9]{0,127}$")


# ---------------------------------------------------------------------------------------------
# Helpers


def _org(account_id: str, region_name: str) -> OrganizationsBackend:
    backend = organizations_backends[account_id][get_partition(region_name)]
    if backend.org is None:
        raise AWSOrganizationsNotInUseException()
    return backend


def _root_id(org: OrganizationsBackend) -> str:
    assert org.org is not None
    return org.org.root_id


def _properties(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = cloudformation_json.get("Properties") or {}
    return properties


def _required(properties: dict[str, Any], key: str, resource_type: str) -> Any:
    value = properties.get(key)
    if value in (None, "", []):
        raise ValidationError(
            message=f"Properties validation failed for resource type {resource_type} "
            f"with message: #: required key [{key}] not found"
        )
    return value


def _tag_list(properties: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in properties.get("Tags") or []]


def _tags(properties: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in _tag_list(properties)}


def _find_ou(org: OrganizationsBackend, ou_id: str) -> FakeOrganizationalUnit | None:
    return next((ou for ou in org.ou if ou.id == ou_id), None)


def _find_account(org: OrganizationsBackend, account_id: str) -> FakeAccount | None:
    return next((account for account in org.accounts if account.id == account_id), None)


def _find_policy(org: OrganizationsBackend, policy_id: str) -> FakePolicy | None:
    return next((policy for policy in org.policies if policy.id == policy_id), None)


def _check_unique_ou_name(
    org: OrganizationsBackend, parent_id: str, name: str, ou_id: str | None = None
) -> None:
    if any(ou.parent_id == parent_id and ou.name == name and ou.id != ou_id for ou in org.ou):
        raise DuplicateOrganizationalUnitException()


def _ous_below(org: OrganizationsBackend, ou_ids: Iterable[str]) -> set[str]:
    found = set(ou_ids)
    frontier = set(found)
    while frontier:
        frontier = {ou.id for ou in org.ou if ou.parent_id in frontier} - found
        found |= frontier
    return found


class _Resource:
    """Replacement on create-only changes, in-place update otherwise, retain-aware delete."""

    CREATE_ONLY: ClassVar[tuple[str, ...]] = ()
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, account_id: str, region_name: str, physical_id: str, properties: dict[str, Any]
    ) -> None:
        self.account_id = account_id
        self.region_name = region_name
        self.id = physical_id
        self.properties = properties

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.attribute(attribute_name)

    def attribute(self, name: str) -> Any:
        raise NotImplementedError

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        raise NotImplementedError

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        properties = _properties(cloudformation_json)
        old = original_resource.properties
        if any(properties.get(key) != old.get(key) for key in cls.CREATE_ONLY):
            replacement = cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            )
            if not engine.is_retained(cloudformation_json.get("UpdateReplacePolicy")):
                engine.defer_cleanup(
                    functools.partial(cls.destroy, original_resource.id, account_id, region_name)
                )
            return replacement
        original_resource.apply_update(properties)
        original_resource.properties = properties
        return original_resource

    def apply_update(self, properties: dict[str, Any]) -> None:
        raise NotImplementedError

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        if not engine.is_retained(cloudformation_json.get("DeletionPolicy")):
            cls.destroy(resource_name, account_id, region_name)

    @classmethod
    def destroy(cls, physical_id: str, account_id: str, region_name: str) -> None:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# AWS::Organizations::OrganizationalUnit


class OrganizationalUnit(_Resource, CloudFormationModel):
    CREATE_ONLY = ("ParentId",)
    ATTRIBUTES = ("Id", "Arn")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Organizations::OrganizationalUnit"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> OrganizationalUnit:
        properties = _properties(cloudformation_json)
        name = _required(properties, "Name", cls.cloudformation_type())
        parent_id = _required(properties, "ParentId", cls.cloudformation_type())
        org = _org(account_id, region_name)
        org.validate_parent_id(parent_id)
        _check_unique_ou_name(org, parent_id, name)
        created = org.create_organizational_unit(
            Name=name, ParentId=parent_id, Tags=_tag_list(properties)
        )
        return cls(account_id, region_name, created["OrganizationalUnit"]["Id"], properties)

    def attribute(self, name: str) -> Any:
        if name == "Arn":
            return (
                _org(self.account_id, self.region_name).get_organizational_unit_by_id(self.id).arn
            )
        return self.id

    def apply_update(self, properties: dict[str, Any]) -> None:
        org = _org(self.account_id, self.region_name)
        ou = org.get_organizational_unit_by_id(self.id)
        name = _required(properties, "Name", self.cloudformation_type())
        if name != ou.name:
            _check_unique_ou_name(org, str(ou.parent_id), name, ou.id)
            ou.name = name
        ou.tags = _tags(properties)

    @classmethod
    def destroy(cls, physical_id: str, account_id: str, region_name: str) -> None:
        org = _org(account_id, region_name)
        ou = _find_ou(org, physical_id)
        if ou is None:
            return
        children: list[Any] = [*org.ou, *org.accounts]
        if any(child.parent_id == ou.id for child in children):
            raise OrganizationsClientError(
                "OrganizationalUnitNotEmptyException",
                "The specified OU is not empty. Move all accounts to another root or to other "
                "OUs, remove all child OUs, and try the operation again.",
            )
        for policy in list(ou.attached_policies):
            org.detach_policy(PolicyId=policy.id, TargetId=ou.id)
        org.delete_organizational_unit(OrganizationalUnitId=ou.id)


# ---------------------------------------------------------------------------------------------
# AWS::Organizations::Account


class Account(_Resource, CloudFormationModel):
    CREATE_ONLY = ("RoleName",)
    ATTRIBUTES = ("AccountId", "Arn", "JoinedMethod", "JoinedTimestamp", "Status")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Organizations::Account"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AccountName"

    @staticmethod
    def _parent_id(org: OrganizationsBackend, properties: dict[str, Any]) -> str:
        parent_ids = properties.get("ParentIds") or [_root_id(org)]
        if not isinstance(parent_ids, list) or len(parent_ids) != 1:
            raise ValidationError(
                message="Properties validation failed for resource type "
                "AWS::Organizations::Account with message: #/ParentIds: expected maximum "
                "item count: 1"
            )
        return org.validate_parent_id(str(parent_ids[0]))

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Account:
        properties = _properties(cloudformation_json)
        name = _required(properties, "AccountName", cls.cloudformation_type())
        email = _required(properties, "Email", cls.cloudformation_type())
        org = _org(account_id, region_name)
        parent_id = cls._parent_id(org, properties)
        if any(account.email.lower() == str(email).lower() for account in org.accounts):
            raise ConstraintViolationException(
                f"CreateAccount failed with reason EMAIL_ALREADY_EXISTS for email {email}"
            )
        status = org.create_account(
            AccountName=name,
            Email=email,
            RoleName=properties.get("RoleName") or "OrganizationAccountAccessRole",
            Tags=_tag_list(properties),
        )
        new_id = status["CreateAccountStatus"]["AccountId"]
        if parent_id != _root_id(org):
            org.move_account(
                AccountId=new_id, SourceParentId=_root_id(org), DestinationParentId=parent_id
            )
        return cls(account_id, region_name, new_id, properties)

    def _account(self) -> FakeAccount:
        return _org(self.account_id, self.region_name).get_account_by_id(self.id)

    def attribute(self, name: str) -> Any:
        account = self._account()
        return {
            "AccountId": account.id,
            "Arn": account.arn,
            "JoinedMethod": account.joined_method,
            "JoinedTimestamp": account.create_time.isoformat(),
            "Status": account.status,
        }[name]

    def apply_update(self, properties: dict[str, Any]) -> None:
        org = _org(self.account_id, self.region_name)
        account = org.get_account_by_id(self.id)
        # AccountName and Email cannot be updated through the resource, which only moves and
        # tags the account: a name or email changed through the Account API stays.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-organizations-account.html
        account.tags = _tags(properties)
        parent_id = self._parent_id(org, properties)
        if parent_id != account.parent_id:
            org.move_account(
                AccountId=self.id, SourceParentId=account.parent_id, DestinationParentId=parent_id
            )

    @classmethod
    def destroy(cls, physical_id: str, account_id: str, region_name: str) -> None:
        org = _org(account_id, region_name)
        account = _find_account(org, physical_id)
        if account is not None and account.status != "SUSPENDED":
            org.close_account(AccountId=physical_id)


# ---------------------------------------------------------------------------------------------
# AWS::Organizations::Policy


def _policy_content(properties: dict[str, Any], policy_type: str) -> str:
    content = _required(properties, "Content", Policy.cloudformation_type())
    if isinstance(content, str):
        try:
            json.loads(content)
        except ValueError as error:
            raise OrganizationsClientError(
                "MalformedPolicyDocumentException",
                f"The provided policy document does not meet the requirements: {error}",
            ) from error
    else:
        content = json.dumps(content, separators=(",", ":"))
    limit = POLICY_SIZE_LIMITS.get(policy_type)
    if limit is not None and len(content) > limit:
        raise ConstraintViolationException(
            f"POLICY_CONTENT_LIMIT_EXCEEDED: the {policy_type} content is {len(content)} "
            f"characters; the maximum is {limit}."
        )
    return str(content)


def _attach(org: OrganizationsBackend, policy: FakePolicy, target_id: str) -> None:
    root = org._get_root_by_id(_root_id(org))
    if not any(t["Type"] == policy.type and t["Status"] == "ENABLED" for t in root.policy_types):
        raise PolicyTypeNotEnabledException()
    org.attach_policy(PolicyId=policy.id, TargetId=target_id)


class Policy(_Resource, CloudFormationModel):
    CREATE_ONLY = ("Type",)
    ATTRIBUTES = ("Id", "Arn", "AwsManaged")

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Organizations::Policy"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Policy:
        properties = _properties(cloudformation_json)
        name = _required(properties, "Name", cls.cloudformation_type())
        policy_type = _required(properties, "Type", cls.cloudformation_type())
        org = _org(account_id, region_name)
        if any(policy.name == name for policy in org.policies):
            raise DuplicatePolicyException()
        created = org.create_policy(
            Name=name,
            Type=policy_type,
            Content=_policy_content(properties, policy_type),
            Description=properties.get("Description", ""),
            Tags=_tag_list(properties),
        )
        policy = org.get_policy_by_id(created["Policy"]["PolicySummary"]["Id"])
        try:
            for target_id in properties.get("TargetIds") or []:
                _attach(org, policy, target_id)
        except Exception:
            cls.destroy(policy.id, account_id, region_name)
            raise
        return cls(account_id, region_name, policy.id, properties)

    def attribute(self, name: str) -> Any:
        policy = _org(self.account_id, self.region_name).get_policy_by_id(self.id)
        return {"Id": policy.id, "Arn": policy.arn, "AwsManaged": policy.aws_managed}[name]

    def apply_update(self, properties: dict[str, Any]) -> None:
        org = _org(self.account_id, self.region_name)
        policy = org.get_policy_by_id(self.id)
        name = _required(properties, "Name", self.cloudformation_type())
        if any(p.name == name and p.id != policy.id for p in org.policies):
            raise DuplicatePolicyException()
        policy.name = name
        policy.description = properties.get("Description", "")
        policy.content = _policy_content(properties, policy.type)
        policy.tags = _tags(properties)
        wanted = list(dict.fromkeys(properties.get("TargetIds") or []))
        for target in list(policy.attachments):
            if target.id not in wanted:
                org.detach_policy(PolicyId=policy.id, TargetId=target.id)
        attached = {target.id for target in policy.attachments}
        for target_id in wanted:
            if target_id not in attached:
                _attach(org, policy, target_id)

    @classmethod
    def destroy(cls, physical_id: str, account_id: str, region_name: str) -> None:
        org = _org(account_id, region_name)
        policy = _find_policy(org, physical_id)
        if policy is None:
            return
        for target in list(policy.attachments):
            org.detach_policy(PolicyId=policy.id, TargetId=target.id)
        with contextlib.suppress(PolicyNotFoundException):
            org.delete_policy(PolicyId=policy.id)


# ---------------------------------------------------------------------------------------------
# AWS::CloudFormation::StackSet

_AUTO_DEPLOYED: dict[str, StackSetResource] = {}
_FAILED_SUFFIXES = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "_FAILED")


def _template_body(properties: dict[str, Any], account_id: str, region_name: str) -> str:
    body = properties.get("TemplateBody")
    if body is None and properties.get("TemplateURL"):
        return get_stack_from_s3_url(
            properties["TemplateURL"], account_id=account_id, partition=get_partition(region_name)
        )
    if body is None:
        raise ValidationError(message="Either TemplateBody or TemplateURL must be specified.")
    return body if isinstance(body, str) else json.dumps(body)


def _parameter_dict(parameters: Iterable[dict[str, Any]] | None) -> dict[str, str]:
    return {p["ParameterKey"]: str(p["ParameterValue"]) for p in parameters or []}


def _parameter_list(parameters: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]


def _raise_for_failed(stackset: StackSet, instances: Iterable[StackInstance]) -> None:
    """A failed instance fails the operation (FailureToleranceCount defaults to 0)."""
    for instance in instances:
        if instance.stack.status.endswith(_FAILED_SUFFIXES):
            events = reversed(instance.stack.events)
            reason = next(
                (e.resource_status_reason for e in events if e.resource_status.endswith("FAILED")),
                None,
            )
            raise ValidationError(
                message=f"Stack set operation on {stackset.name} failed: stack instance "
                f"{instance.account_id}/{instance.region_name} is {instance.stack.status}: {reason}"
            )


class StackSetResource(_Resource, CloudFormationModel):
    CREATE_ONLY = ("StackSetName", "PermissionModel")
    ATTRIBUTES = ("StackSetId",)

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudFormation::StackSet"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "StackSetName"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> StackSetResource:
        properties = _properties(cloudformation_json)
        permission_model = _required(properties, "PermissionModel", cls.cloudformation_type())
        if not _STACKSET_NAME.match(resource_name):
            raise ValidationError(
                message=f"1 validation error detected: Value '{resource_name}' at "
                "'stackSetName' failed to satisfy constraint: Member must satisfy regular "
                "expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
            )
        if permission_model == "SERVICE_MANAGED":
            _org(account_id, region_name)
            orgaccess.require_activated(account_id)
        backend: CloudFormationBackend = cloudformation_backends[account_id][region_name]
        active = [s.name for s in backend.stacksets.values() if s.status == "ACTIVE"]
        if resource_name in active:
            raise ServiceException(
                "NameAlreadyExistsException", f"StackSet {resource_name} already exists"
            )
        stackset = backend.create_stack_set(
            name=resource_name,
            template=_template_body(properties, account_id, region_name),
            parameters=_parameter_dict(properties.get("Parameters")),
            tags=_tags(properties),
            permission_model=permission_model,
            admin_role=properties.get("AdministrationRoleARN"),
            exec_role=properties.get("ExecutionRoleName"),
            description=properties.get("Description"),
        )
        resource = cls(account_id, region_name, stackset.id, properties)
        try:
            resource.converge()
        except Exception:
            cls.destroy(stackset.id, account_id, region_name)
            raise
        _AUTO_DEPLOYED[resource.registry_key] = resource
        return resource

    @property
    def registry_key(self) -> str:
        return f"{self.account_id}/{self.region_name}/{self.id}"

    @property
    def backend(self) -> CloudFormationBackend:
        backend: CloudFormationBackend = cloudformation_backends[self.account_id][self.region_name]
        return backend

    def stackset(self) -> StackSet | None:
        stackset = self.backend.stacksets.get(self.id)
        return stackset if stackset is not None and stackset.status == "ACTIVE" else None

    @property
    def auto_deployment(self) -> bool:
        setting = self.properties.get("AutoDeployment") or {}
        return str(setting.get("Enabled", "false")).lower() == "true"

    @property
    def retain_on_removal(self) -> bool:
        setting = self.properties.get("AutoDeployment") or {}
        return str(setting.get("RetainStacksOnAccountRemoval", "false")).lower() == "true"

    def attribute(self, name: str) -> Any:
        return self.id

    def apply_update(self, properties: dict[str, Any]) -> None:
        stackset = self.stackset()
        if stackset is None:
            raise ValidationError(message=f"StackSet {self.id} not found")
        if self._service_managed:
            orgaccess.require_activated(self.account_id)
        template = _template_body(properties, self.account_id, self.region_name)
        parameters = _parameter_dict(properties.get("Parameters"))
        stackset.template = stackset.instances.template = template
        stackset.parameters = stackset.instances.parameters = parameters
        stackset.description = properties.get("Description")
        stackset.tags = _tags(properties)
        stackset._create_operation(str(mock_random.uuid4()), "UPDATE", "SUCCEEDED")
        self.properties = properties
        self.converge()

    def converge(self, *, organization_event: bool = False) -> None:
        """Make the instances match StackInstancesGroup and the stack set's template."""
        stackset = self.stackset()
        if stackset is None:
            return
        desired = self._desired_instances()
        touched: list[StackInstance] = []
        for instance in list(stackset.instances.stack_instances):
            key = (instance.account_id, instance.region_name)
            if key not in desired:
                if organization_event and self.retain_on_removal:
                    stackset.instances.stack_instances.remove(instance)
                else:
                    self.backend.delete_stack_instances(stackset.id, [key[0]], [key[1]])
            else:
                parameters = desired.pop(key)
                if instance.template != stackset.template:
                    self._check_scps(stackset, *key)
                if self._redeploy(stackset, instance, parameters):
                    touched.append(instance)
        targets: dict[str, Any] | None = (
            {"OrganizationalUnitIds": []} if self._service_managed else None
        )
        for (account, region), parameters in desired.items():
            self._check_scps(stackset, account, region)
            self.backend.create_stack_instances(
                stackset.id, [account], [region], _parameter_list(parameters), targets
            )
            touched.append(stackset.instances.get_instance(account, region))
        _raise_for_failed(stackset, touched)

    def _check_scps(self, stackset: StackSet, account: str, region: str) -> None:
        """The account's SCPs restrict the StackSet role that deploys there (scp.py)."""
        if not self._service_managed:
            return
        denied = scp.refusal(_org(self.account_id, self.region_name), account, region,
                             stackset.template)
        if denied:
            raise ValidationError(message=f"Stack set operation on {stackset.name} failed: "
                                  f"stack instance {account}/{region} is FAILED: {denied}")

    @property
    def _service_managed(self) -> bool:
        return self.properties.get("PermissionModel") == "SERVICE_MANAGED"

    def _desired_instances(self) -> dict[tuple[str, str], dict[str, str]]:
        stackset = self.stackset()
        assert stackset is not None
        desired: dict[tuple[str, str], dict[str, str]] = {}
        for group in self.properties.get("StackInstancesGroup") or []:
            parameters = {
                **stackset.parameters,
                **_parameter_dict(group.get("ParameterOverrides")),
            }
            for account in self._target_accounts(group.get("DeploymentTargets") or {}):
                for region in group.get("Regions") or []:
                    desired[(account, region)] = {
                        **parameters,
                        **services.instance_overrides(stackset.id, account, region)}
        return desired

    def _target_accounts(self, targets: dict[str, Any]) -> list[str]:
        listed: list[str] = [str(a) for a in targets.get("Accounts") or []]
        if not self._service_managed:
            return listed
        org = _org(self.account_id, self.region_name)
        ou_ids = [str(ou) for ou in targets.get("OrganizationalUnitIds") or []]
        for ou_id in ou_ids:
            org.get_organizational_unit_by_id(ou_id)
        below = _ous_below(org, ou_ids)
        in_ous = [
            a.id
            for a in org.accounts
            if a.parent_id in below and a.status == "ACTIVE" and a.id != self.account_id
        ]
        account_filter = targets.get("AccountFilterType") or "NONE"
        if account_filter == "INTERSECTION":
            return [a for a in in_ous if a in listed]
        if account_filter == "DIFFERENCE":
            return [a for a in in_ous if a not in listed]
        if account_filter == "UNION":
            for account_id in listed:
                if _find_account(org, account_id) is None:
                    raise AccountNotFoundException()
            return list(dict.fromkeys(in_ous + listed))
        return in_ous

    @staticmethod
    def _redeploy(stackset: StackSet, instance: StackInstance, parameters: dict[str, str]) -> bool:
        if instance.template == stackset.template and instance.stack.parameters == parameters:
            return False
        instance.template = stackset.template
        instance.parameters = _parameter_list(parameters)
        instance.stack.update(stackset.template, parameters=parameters)
        return True

    @classmethod
    def destroy(cls, physical_id: str, account_id: str, region_name: str) -> None:
        _AUTO_DEPLOYED.pop(f"{account_id}/{region_name}/{physical_id}", None)
        backend: CloudFormationBackend = cloudformation_backends[account_id][region_name]
        stackset = backend.stacksets.get(physical_id)
        if stackset is None or stackset.status != "ACTIVE":
            return
        for instance in list(stackset.instances.stack_instances):
            backend.delete_stack_instances(
                stackset.id, [instance.account_id], [instance.region_name]
            )
        backend.delete_stack_set(stackset.id)


def auto_deploy(org: OrganizationsBackend) -> None:
    """Re-evaluate auto-deploying stack sets of ``org``'s management account."""
    for key, resource in list(_AUTO_DEPLOYED.items()):
        if resource.stackset() is None:
            del _AUTO_DEPLOYED[key]
        elif resource.account_id == org.account_id and resource.auto_deployment:
            try:
                resource.converge(organization_event=True)
            except Exception as error:  # AWS does not fail the Organizations call either
                logger.warning("auto-deployment of %s failed: %s", resource.id, error)


def _after(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: OrganizationsBackend, **kwargs: Any) -> Any:
        result = method(self, **kwargs)
        auto_deploy(self)
        return result

    wrapper.__lzgen_hooked__ = True  # type: ignore[attr-defined]
    return wrapper


# ---------------------------------------------------------------------------------------------

_OWN_MODELS: tuple[type[CloudFormationModel], ...] = (
    OrganizationalUnit,
    Account,
    Policy,
    StackSetResource,
    costs.AnomalyMonitor,
)
MODELS: tuple[type[CloudFormationModel], ...] = (*_OWN_MODELS, *config.MODELS,
                                                 *notifications.MODELS)


def _accept_every_trusted_service_as_delegated() -> None:
    """moto lets only some services have a delegated administrator (not Config, CloudTrail,
    Security Hub, ...); AWS lets every service with trusted access that supports one."""
    supported = FakeDelegatedAdministrator.SUPPORTED_SERVICES
    supported.extend(s for s in FakeServiceAccess.TRUSTED_SERVICES if s not in supported)


def install() -> None:
    """Register the models with moto's CloudFormation, patch its engine. Idempotent."""
    engine.apply()
    services.install()
    imports.install({cls.cloudformation_type(): cls
                     for cls in (OrganizationalUnit, Account, Policy)})
    accounts.install()
    policy_types.install()
    orgaccess.install()
    security.install()
    costs.install()
    config.install()
    _accept_every_trusted_service_as_delegated()
    for name in ("create_account", "move_account"):
        method = getattr(OrganizationsBackend, name)
        if not getattr(method, "__lzgen_hooked__", False):
            setattr(OrganizationsBackend, name, _after(method))
    for cache in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cache.cache_clear()
    registered = parsing.get_model_map()
    missing = [m for m in MODELS if registered.get(m.cloudformation_type()) is not m]
    assert not missing, f"moto did not pick up {missing}"


def reset_state() -> None:
    """Forget harness-side state; call with a moto reset."""
    _AUTO_DEPLOYED.clear()
    services.reset_state()
    imports.reset_state()
    accounts.reset_state()
    orgaccess.reset_state()
    security.reset_state()
    costs.reset_state()
    compute_optimizer.reset_state()
