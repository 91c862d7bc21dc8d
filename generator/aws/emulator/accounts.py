"""Account Management and closure as AWS does them, where moto lacks them or differs.

* ``account`` PutAccountName, StartPrimaryEmailUpdate, AcceptPrimaryEmailUpdate,
  GetPrimaryEmail for a member account (``AccountId``): the organization must have trusted
  access for ``account.amazonaws.com`` (AccessDeniedException otherwise), the management
  account cannot name itself, the new email must be unused (ConflictException), and the
  one-time code must match (ValidationException). The code is deterministic,
  ``email_code(account_id, email)``, so that tests (and a person at ``lzgen emulator``) can
  read it; AWS mails it to the new address.
  https://docs.aws.amazon.com/accounts/latest/reference/API_PutAccountName.html
  https://docs.aws.amazon.com/accounts/latest/reference/API_StartPrimaryEmailUpdate.html
  https://docs.aws.amazon.com/accounts/latest/reference/API_AcceptPrimaryEmailUpdate.html
  https://docs.aws.amazon.com/accounts/latest/reference/API_GetPrimaryEmail.html
* ``organizations`` CloseAccount: moto made the account SUSPENDED at once, without quota. Now
  it is PENDING_CLOSURE to the first read after the call and SUSPENDED later, as AWS reports
  it; closures within a rolling 30 days are limited to the higher of 250 or 20% of the member
  accounts, up to 1,000 (ConstraintViolationException CLOSE_ACCOUNT_QUOTA_EXCEEDED); the
  management account cannot be closed (CANNOT_CLOSE_MANAGEMENT_ACCOUNT).
  https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from moto.account import urls as account_urls
from moto.account.responses import AccountResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.organizations.exceptions import (
    AccountAlreadyClosedException,
    ConstraintViolationException,
)
from moto.organizations.models import FakeAccount, OrganizationsBackend, organizations_backends
from moto.utilities.utils import get_partition

ACCOUNT_PRINCIPAL = "account.amazonaws.com"
_THIRTY_DAYS = 30 * 24 * 3600
_PENDING: dict[str, tuple[str, str]] = {}  # account -> (new email, one-time code)
_CLOSED_AT: dict[str, list[float]] = {}  # management account -> closure times
_PENDING_READS: dict[str, int] = {}  # account -> reads since CloseAccount
quota_override: dict[str, int] = {}  # management account -> closures per 30 days (tests)


def email_code(account_id: str, email: str) -> str:
    """The one-time code the emulator 'sends' for an email change (6 letters and digits)."""
    return hashlib.sha256(f"{account_id}:{email.lower()}".encode()).hexdigest()[:6].upper()


class _Error(JsonRESTError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


def _member(self: Any) -> FakeAccount:
    backend = organizations_backends[self.current_account][get_partition(self.region)]
    account_id = self._get_param("AccountId")
    if backend.org is None or not any(s["ServicePrincipal"] == ACCOUNT_PRINCIPAL
                                      for s in backend.services):
        raise _Error("AccessDeniedException", "The organization must have trusted access "
                     "enabled for the Account Management service.")
    if not account_id or account_id == self.current_account:
        raise _Error("ValidationException", "The management account can't specify its own "
                     "AccountId.")
    found = next((a for a in backend.accounts if a.id == account_id), None)
    if found is None:
        raise _Error("ResourceNotFoundException", f"Account {account_id} is not a member of "
                     "the organization.")
    return found


def put_account_name(self: Any) -> ActionResult:
    account = _member(self)
    name = str(self._get_param("AccountName") or "")
    if not 1 <= len(name) <= 50:
        raise _Error("ValidationException", "AccountName must be 1 to 50 characters.")
    account.name = name
    return ActionResult({})


def get_primary_email(self: Any) -> ActionResult:
    return ActionResult({"PrimaryEmail": _member(self).email})


def start_primary_email_update(self: Any) -> ActionResult:
    account = _member(self)
    email = str(self._get_param("PrimaryEmail") or "")
    backend = organizations_backends[self.current_account][get_partition(self.region)]
    if any(a.email.lower() == email.lower() for a in backend.accounts):
        raise _Error("ConflictException", f"The email address {email} is already in use.")
    _PENDING[account.id] = (email, email_code(account.id, email))
    return ActionResult({"Status": "PENDING"})


def accept_primary_email_update(self: Any) -> ActionResult:
    account = _member(self)
    pending = _PENDING.get(account.id)
    email, otp = self._get_param("PrimaryEmail"), self._get_param("Otp")
    if pending is None or pending[0] != email:
        raise _Error("ResourceNotFoundException", "No primary email update was started for "
                     f"{email}.")
    if otp != pending[1]:
        raise _Error("ValidationException", "The one-time code is not valid.")
    del _PENDING[account.id]
    account.email = email
    return ActionResult({"Status": "ACCEPTED"})


# -- closure ----------------------------------------------------------------------------------


def close_quota(backend: OrganizationsBackend) -> int:
    master = backend.org.master_account_id if backend.org is not None else ""
    members = [a for a in backend.accounts if a.id != master and a.status == "ACTIVE"]
    return quota_override.get(backend.account_id,
                              min(1000, max(250, len(members) // 5)))


def close_account(self: OrganizationsBackend, **kwargs: Any) -> None:
    account = self.get_account_by_id(kwargs["AccountId"])
    if self.org is not None and account.id == self.org.master_account_id:
        raise ConstraintViolationException("You cannot close the management account "
                                           "(CANNOT_CLOSE_MANAGEMENT_ACCOUNT).")
    if account.status != "ACTIVE":
        raise AccountAlreadyClosedException
    now = time.time()
    recent = [t for t in _CLOSED_AT.get(self.account_id, []) if now - t < _THIRTY_DAYS]
    if len(recent) >= close_quota(self):
        raise ConstraintViolationException("You have exceeded close account quota for the "
                                           "past 30 days (CLOSE_ACCOUNT_QUOTA_EXCEEDED).")
    _CLOSED_AT[self.account_id] = [*recent, now]
    account.status = account.state = "PENDING_CLOSURE"
    _PENDING_READS[account.id] = 0


_ORIGINAL_DESCRIBE = FakeAccount.describe


def describe(self: FakeAccount) -> dict[str, Any]:
    if self.status == "PENDING_CLOSURE":
        reads = _PENDING_READS.get(self.id, 0)
        if reads >= 1:
            self.status = self.state = "SUSPENDED"
        _PENDING_READS[self.id] = reads + 1
    answer: dict[str, Any] = _ORIGINAL_DESCRIBE(self)
    return answer


def install() -> None:
    """Add the routes and handlers. Idempotent."""
    for action in ("putAccountName", "getPrimaryEmail", "startPrimaryEmailUpdate",
                   "acceptPrimaryEmailUpdate"):
        account_urls.url_paths.setdefault("{0}/" + action + "$", AccountResponse.dispatch)
    for name, method in (("put_account_name", put_account_name),
                         ("get_primary_email", get_primary_email),
                         ("start_primary_email_update", start_primary_email_update),
                         ("accept_primary_email_update", accept_primary_email_update)):
        if not hasattr(AccountResponse, name):
            setattr(AccountResponse, name, method)
    OrganizationsBackend.close_account = close_account  # type: ignore[method-assign]
    FakeAccount.describe = describe  # type: ignore[method-assign]


def reset_state() -> None:
    _PENDING.clear()
    _CLOSED_AT.clear()
    _PENDING_READS.clear()
    quota_override.clear()
