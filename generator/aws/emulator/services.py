"""APIs moto lacks that lzgen's API steps call: Account Management's contact information and
IAM's centralized root access (Organizations features). State lives here, per account, and
`reset_state()` forgets it with a moto reset.

* ``account`` GetContactInformation / PutContactInformation (``AccountId`` or the caller's).
  Getting it before it was ever put fails with ``ResourceNotFoundException``, as in AWS.
* ``iam`` ListOrganizationsFeatures, EnableOrganizationsRootCredentialsManagement,
  EnableOrganizationsRootSessions: need an organization with trusted access for
  ``iam.amazonaws.com`` (``ServiceAccessNotEnabledException`` otherwise).
* ``securityhub`` ListOrganizationAdminAccounts, per region as in AWS (moto kept one
  administrator per organization and could not list it).
* ``cloudformation`` UpdateStackInstances names accounts through ``DeploymentTargets`` too
  (moto read only ``Accounts``); the overrides are recorded on the instances
  (DescribeStackInstance shows them) and, as in AWS, the instances' stacks are updated with
  them (moto changed nothing in the stacks); a later StackSet update keeps them.
* ``cloudformation`` refuses a ``TemplateBody`` over 51,200 bytes with a ValidationError, as
  AWS does (moto took any size); larger templates must come from S3 through ``TemplateURL``
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html,
  and the TemplateBody constraint of CreateStack and CreateChangeSet in the API reference).
* ``AWS::S3::Bucket`` in a stack applies ``VersioningConfiguration``,
  ``PublicAccessBlockConfiguration`` and ``LifecycleConfiguration`` (moto applied only the
  encryption and tags), so that the bucket lzgen creates for large templates reads back as
  its template says.
* ``cloudtrail`` RegisterOrganizationDelegatedAdmin: registers the account as delegated
  administrator of ``cloudtrail.amazonaws.com`` in Organizations, as CloudTrail does.
"""

from __future__ import annotations

import json
from typing import Any

from moto.account import urls as account_urls
from moto.account.responses import AccountResponse
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import IAMException
from moto.iam.responses import IamResponse
from moto.organizations.models import FakeServiceAccess, organizations_backends
from moto.s3.models import FakeBucket, PublicAccessBlock
from moto.securityhub import urls as securityhub_urls
from moto.securityhub.responses import SecurityHubResponse
from moto.utilities.utils import get_partition

IAM_PRINCIPAL = "iam.amazonaws.com"
_CONTACTS: dict[str, dict[str, Any]] = {}
_ROOT_FEATURES: dict[str, set[str]] = {}
_SECURITYHUB_ADMINS: dict[tuple[str, str], str] = {}  # (management account, region) -> admin
# (stack set id, account, region) -> parameter values set by UpdateStackInstances
_OVERRIDES: dict[tuple[str, str, str], dict[str, str]] = {}
_ORIGINAL_SECURITYHUB_ENABLE = SecurityHubResponse.enable_organization_admin_account


class _ResourceNotFound(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)



# -- Account Management --------------------------------------------------------------------------


def get_contact_information(self: Any) -> ActionResult:
    account_id = self._get_param("AccountId") or self.current_account
    found = _CONTACTS.get(account_id)
    if found is None:
        raise _ResourceNotFound(f"No contact information found for account {account_id}")
    return ActionResult({"ContactInformation": found})


def put_contact_information(self: Any) -> EmptyResult:
    account_id = self._get_param("AccountId") or self.current_account
    _CONTACTS[account_id] = dict(self._get_param("ContactInformation") or {})
    return EmptyResult()


# -- IAM: centralized root access ----------------------------------------------------------------


def _organization(self: Any) -> Any:
    backend = organizations_backends[self.current_account][get_partition(self.region)]
    if backend.org is None:
        raise IAMException("OrganizationNotFoundException",
                           "The account is not part of an organization.")
    if not any(s["ServicePrincipal"] == IAM_PRINCIPAL for s in backend.services):
        raise IAMException("ServiceAccessNotEnabledException",
                           "Trusted access for IAM is not enabled in the organization.")
    return backend.org


def _features(self: Any) -> ActionResult:
    org = _organization(self)
    enabled = sorted(_ROOT_FEATURES.get(self.current_account, set()))
    return ActionResult({"OrganizationId": org.id, "EnabledFeatures": enabled})


def list_organizations_features(self: Any) -> ActionResult:
    return _features(self)


def _enable(feature: str) -> Any:
    def enable(self: Any) -> ActionResult:
        _organization(self)
        _ROOT_FEATURES.setdefault(self.current_account, set()).add(feature)
        return _features(self)

    return enable


# -- Security Hub and CloudTrail administrators --------------------------------------------------


def enable_securityhub_admin(self: Any) -> str:
    answer: str = _ORIGINAL_SECURITYHUB_ENABLE(self)
    admin = json.loads(self.body).get("AdminAccountId")
    _SECURITYHUB_ADMINS[(self.current_account, self.region)] = admin
    return answer


def list_securityhub_admins(self: Any) -> str:
    admin = _SECURITYHUB_ADMINS.get((self.current_account, self.region))
    listed = [{"AccountId": admin, "Status": "ENABLED"}] if admin else []
    return json.dumps({"AdminAccounts": listed})


def update_stack_instances(self: Any) -> ActionResult:
    targets = self._get_param("DeploymentTargets") or {}
    accounts = self._get_param("Accounts", []) or targets.get("Accounts") or []
    regions = self._get_param("Regions", [])
    overrides = self._get_param("ParameterOverrides", [])
    backend = self.cloudformation_backend
    operation = backend.update_stack_instances(self._get_param("StackSetName"), accounts,
                                               regions, overrides)
    stackset = backend.describe_stack_set(self._get_param("StackSetName"))
    for account in accounts:
        for region in regions:
            _redeploy_with_overrides(stackset, account, region, overrides)
    return ActionResult({"OperationId": operation["OperationId"]})


def _redeploy_with_overrides(stackset: Any, account: str, region: str,
                             overrides: list[dict[str, Any]]) -> None:
    """AWS updates the instance's stack with the new values; parameters left out keep their
    earlier override
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStackInstances.html)."""
    key = (stackset.id, account, region)
    kept = _OVERRIDES.setdefault(key, {})
    kept.update({o["ParameterKey"]: str(o["ParameterValue"]) for o in overrides
                 if not o.get("UsePreviousValue")})
    instance = stackset.instances.get_instance(account, region)
    wanted = {**stackset.parameters, **kept}
    if instance is not None and instance.stack.parameters != wanted:
        instance.stack.update(stackset.template, parameters=wanted)


def instance_overrides(stackset_id: str, account: str, region: str) -> dict[str, str]:
    """The values UpdateStackInstances set for one instance (a StackSet update keeps them)."""
    return dict(_OVERRIDES.get((stackset_id, account, region), {}))


INLINE_TEMPLATE_LIMIT = 51_200  # bytes of TemplateBody
_BODY_LIMITED: dict[str, bool] = {}
_BODY_OPERATIONS = ("create_stack", "update_stack", "create_change_set", "validate_template",
                    "create_stack_set", "update_stack_set")


def _with_body_limit(original: Any) -> Any:
    if getattr(original, "lzgen_body_limit", False):
        return original

    def handler(self: Any) -> Any:
        body = self._get_param("TemplateBody")
        if isinstance(body, str) and len(body.encode("utf-8")) > INLINE_TEMPLATE_LIMIT:
            raise ValidationError(message=(
                "1 validation error detected: Value at 'templateBody' failed to satisfy "
                f"constraint: Member must have length less than or equal to "
                f"{INLINE_TEMPLATE_LIMIT}"))
        return original(self)

    handler.lzgen_body_limit = True  # type: ignore[attr-defined]
    return handler


_ORIGINAL_BUCKET_FROM_CFN = FakeBucket.create_from_cloudformation_json


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the shape of the S3 API (as moto parses it)."""
    found: dict[str, Any] = {"ID": rule.get("Id", ""), "Status": rule.get("Status", "Enabled"),
                             "Filter": {"Prefix": rule.get("Prefix", "")}}
    days = (rule.get("NoncurrentVersionExpiration") or {}).get("NoncurrentDays")
    if days is not None:
        found["NoncurrentVersionExpiration"] = {"NoncurrentDays": str(days)}
    abort = (rule.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
    if abort is not None:
        found["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": str(abort)}
    return found


def bucket_from_cloudformation(cls: Any, /, resource_name: str, cloudformation_json: Any,
                               account_id: str, region_name: str, **kwargs: Any) -> Any:
    bucket = _ORIGINAL_BUCKET_FROM_CFN(resource_name, cloudformation_json, account_id,
                                       region_name, **kwargs)
    properties = cloudformation_json.get("Properties") or {}
    versioning = (properties.get("VersioningConfiguration") or {}).get("Status")
    if versioning:
        bucket.versioning_status = versioning
    block = properties.get("PublicAccessBlockConfiguration")
    if block:
        bucket.public_access_block = PublicAccessBlock(
            block.get("BlockPublicAcls"), block.get("IgnorePublicAcls"),
            block.get("BlockPublicPolicy"), block.get("RestrictPublicBuckets"))
    rules = (properties.get("LifecycleConfiguration") or {}).get("Rules")
    if rules:
        bucket.set_lifecycle([_lifecycle_rule(rule) for rule in rules])
    return bucket


def register_cloudtrail_admin(self: Any) -> str:
    backend = organizations_backends[self.current_account][get_partition(self.region)]
    backend.register_delegated_administrator(AccountId=self._get_param("MemberAccountId"),
                                             ServicePrincipal="cloudtrail.amazonaws.com")
    return json.dumps({})


# ------------------------------------------------------------------------------------------------


def install() -> None:
    """Add the handlers and routes. Idempotent."""
    for path in ("{0}/getContactInformation$", "{0}/putContactInformation$"):
        account_urls.url_paths.setdefault(path, AccountResponse.dispatch)
    securityhub_urls.url_paths.setdefault("{0}/organization/admin$", SecurityHubResponse.dispatch)
    SecurityHubResponse.enable_organization_admin_account = enable_securityhub_admin  # type: ignore[method-assign]
    CloudFormationResponse.update_stack_instances = update_stack_instances  # type: ignore[method-assign]
    setattr(FakeBucket, "create_from_cloudformation_json",  # noqa: B010 (a classmethod)
            classmethod(bucket_from_cloudformation))
    for operation in _BODY_OPERATIONS:
        if not _BODY_LIMITED.get(operation):  # other patches may wrap these methods later
            _BODY_LIMITED[operation] = True
            setattr(CloudFormationResponse, operation,
                    _with_body_limit(getattr(CloudFormationResponse, operation)))
    handlers: dict[type, dict[str, Any]] = {
        AccountResponse: {"get_contact_information": get_contact_information,
                          "put_contact_information": put_contact_information},
        IamResponse: {
            "list_organizations_features": list_organizations_features,
            "enable_organizations_root_credentials_management":
                _enable("RootCredentialsManagement"),
            "enable_organizations_root_sessions": _enable("RootSessions"),
        },
        SecurityHubResponse: {"list_organization_admin_accounts": list_securityhub_admins},
        CloudTrailResponse: {"register_organization_delegated_admin": register_cloudtrail_admin},
    }
    for cls, methods in handlers.items():
        for name, method in methods.items():
            if not hasattr(cls, name):
                setattr(cls, name, method)
    if IAM_PRINCIPAL not in FakeServiceAccess.TRUSTED_SERVICES:
        FakeServiceAccess.TRUSTED_SERVICES.append(IAM_PRINCIPAL)


def reset_state() -> None:
    _CONTACTS.clear()
    _ROOT_FEATURES.clear()
    _SECURITYHUB_ADMINS.clear()
    _OVERRIDES.clear()
