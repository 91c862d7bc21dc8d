"""APIs moto lacks that lzgen's API steps call: Account Management's contact information and
IAM's centralized root access (Organizations features). State lives here, per account, and
`reset_state()` forgets it with a moto reset.

* ``account`` GetContactInformation / PutContactInformation (``AccountId`` or the caller's).
  Getting it before it was ever put fails with ``ResourceNotFoundException``, as in AWS.
* ``iam`` ListOrganizationsFeatures, EnableOrganizationsRootCredentialsManagement,
  EnableOrganizationsRootSessions: need an organization with trusted access for
  ``iam.amazonaws.com`` (``ServiceAccessNotEnabledException`` otherwise).
"""

from __future__ import annotations

from typing import Any

from moto.account import urls as account_urls
from moto.account.responses import AccountResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import IAMException
from moto.iam.responses import IamResponse
from moto.organizations.models import FakeServiceAccess, organizations_backends
from moto.utilities.utils import get_partition

IAM_PRINCIPAL = "iam.amazonaws.com"
_CONTACTS: dict[str, dict[str, Any]] = {}
_ROOT_FEATURES: dict[str, set[str]] = {}


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


# ------------------------------------------------------------------------------------------------


def install() -> None:
    """Add the handlers and routes. Idempotent."""
    for path in ("{0}/getContactInformation$", "{0}/putContactInformation$"):
        account_urls.url_paths.setdefault(path, AccountResponse.dispatch)
    handlers: dict[type, dict[str, Any]] = {
        AccountResponse: {"get_contact_information": get_contact_information,
                          "put_contact_information": put_contact_information},
        IamResponse: {
            "list_organizations_features": list_organizations_features,
            "enable_organizations_root_credentials_management":
                _enable("RootCredentialsManagement"),
            "enable_organizations_root_sessions": _enable("RootSessions"),
        },
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
