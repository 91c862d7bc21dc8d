"""AWS Compute Optimizer's enrollment, which moto lacks: GetEnrollmentStatus and
UpdateEnrollmentStatus (JSON protocol, target prefix ComputeOptimizerService), answered in
front of moto by the server's gate. State per calling access key, forgotten on reset.

Enrolling member accounts (includeMemberAccounts) needs trusted access for
compute-optimizer.amazonaws.com in the organization, as the Compute Optimizer API reference
says for organization-wide operations
(https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_UpdateEnrollmentStatus.html).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.organizations.models import organizations_backends

SERVICE = "compute-optimizer"
PRINCIPAL = "compute-optimizer.amazonaws.com"
_STATUS: dict[str, dict[str, Any]] = {}


def _key(environ: dict[str, Any]) -> str:
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    return auth.partition("Credential=")[2].split("/")[0]


def _trusted() -> bool:
    backend = organizations_backends[DEFAULT_ACCOUNT_ID]["aws"]
    return backend.org is not None and any(
        s["ServicePrincipal"] == PRINCIPAL for s in backend.services)


def answer(environ: dict[str, Any], body: bytes, start_response: Callable[..., Any]
           ) -> Iterable[bytes]:
    operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1]
    state = _STATUS.setdefault(_key(environ), {"status": "Inactive",
                                               "memberAccountsEnrolled": False})
    request = json.loads(body or b"{}")
    if operation == "UpdateEnrollmentStatus":
        if request.get("includeMemberAccounts") and not _trusted():
            return _reply(start_response, 400, {
                "__type": "AccessDeniedException",
                "message": "Trusted access for Compute Optimizer is not enabled in the "
                           "organization."})
        state["status"] = request["status"]
        state["memberAccountsEnrolled"] = bool(request.get("includeMemberAccounts"))
        return _reply(start_response, 200, {"status": state["status"], "statusReason": ""})
    if operation == "GetEnrollmentStatus":
        return _reply(start_response, 200, {**state, "numberOfMemberAccountsOptedIn": 0})
    return _reply(start_response, 400, {"__type": "InvalidParameterValueException",
                                        "message": f"{operation} is not emulated"})


def _reply(start_response: Callable[..., Any], code: int, data: dict[str, Any]
           ) -> Iterable[bytes]:
    text = json.dumps(data).encode()
    start_response(f"{code} {'OK' if code == 200 else 'Bad Request'}",
                   [("Content-Type", "application/x-amz-json-1.0"),
                    ("Content-Length", str(len(text)))])
    return [text]


def reset_state() -> None:
    _STATUS.clear()
