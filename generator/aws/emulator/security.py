"""Security services switched on for the organization from their delegated administrator:
what moto lacks, and the preconditions AWS enforces that moto did not.

* GuardDuty DescribeOrganizationConfiguration / UpdateOrganizationConfiguration (moto: "Not
  yet implemented"), per account and region, callable only by the account the management
  account made GuardDuty administrator in that region, on that account's own detector
  (BadRequestException otherwise).
  https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html
* AWS Config PutConfigurationAggregator with an OrganizationAggregationSource: only the
  management account or a delegated administrator registered for config.amazonaws.com
  (OrganizationAccessDeniedException otherwise; moto accepted any account).
  https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html
* IAM Access Analyzer (moto has no such service): CreateAnalyzer, ListAnalyzers, GetAnalyzer,
  served by `analyzer_app` in front of moto (server.py). An ORGANIZATION analyzer only from the
  management account or the delegated administrator of access-analyzer.amazonaws.com.
  https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CreateAnalyzer.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-create-external.html
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.config.models import ConfigBackend
from moto.core.exceptions import JsonRESTError
from moto.guardduty import urls as guardduty_urls
from moto.guardduty.models import guardduty_backends
from moto.guardduty.responses import GuardDutyResponse
from moto.iam.models import get_account_id_from
from moto.organizations.models import OrganizationsBackend, organizations_backends
from moto.utilities.utils import get_partition

CONFIG_PRINCIPAL = "config.amazonaws.com"
ACCESS_ANALYZER_PRINCIPAL = "access-analyzer.amazonaws.com"
_GUARDDUTY_ORG: dict[tuple[str, str], dict[str, Any]] = {}  # (admin account, region) -> config
_ANALYZERS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}  # (account, region) -> name


def management_backend(account_id: str, region: str) -> OrganizationsBackend | None:
    """The Organizations backend of the organization `account_id` belongs to."""
    partition = get_partition(region)
    own: OrganizationsBackend = organizations_backends[account_id][partition]
    if own.org is not None:
        return own
    found = organizations_backends.master_accounts.get(account_id)
    if found is None:
        return None
    backend: OrganizationsBackend = organizations_backends[found[0]][found[1]]
    return backend


def may_administer(account_id: str, region: str, principal: str) -> bool:
    """The management account, or a delegated administrator of `principal`."""
    backend = management_backend(account_id, region)
    if backend is None or backend.org is None:
        return False
    if backend.org.master_account_id == account_id:
        return True
    return any(admin.account.id == account_id and any(
        s == principal for s in admin.services) for admin in backend.admins)


# -- GuardDuty ----------------------------------------------------------------------------------


class _BadRequest(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("BadRequestException", message)


def _guardduty_admin_detector(self: Any) -> tuple[str, str]:
    detector_id = self.path.split("/")[-2]
    self.guardduty_backend.get_detector(detector_id)  # BadRequest for another's detector
    backend = management_backend(self.current_account, self.region)
    management = backend.org.master_account_id if backend and backend.org else None
    admins = (guardduty_backends[management][self.region].admin_account_ids
              if management else [])
    if self.current_account not in admins:
        raise _BadRequest("The request is rejected because the current account is not the "
                          "GuardDuty delegated administrator of the organization in this region.")
    return self.current_account, detector_id


def update_guardduty_organization(self: Any) -> str:
    account, _ = _guardduty_admin_detector(self)
    members = self._get_param("autoEnableOrganizationMembers")
    auto_enable = self._get_param("autoEnable")
    if (members is None) == (auto_enable is None):
        raise _BadRequest("Provide either autoEnableOrganizationMembers or autoEnable.")
    members = members or ("NEW" if auto_enable else "NONE")
    _GUARDDUTY_ORG[(account, self.region)] = {"autoEnableOrganizationMembers": members,
                                              "autoEnable": members != "NONE"}
    return "{}"


def describe_guardduty_organization(self: Any) -> str:
    account, _ = _guardduty_admin_detector(self)
    found = _GUARDDUTY_ORG.get((account, self.region),
                               {"autoEnableOrganizationMembers": "NONE", "autoEnable": False})
    return json.dumps({**found, "memberAccountLimitReached": False})


def _guardduty_organization(self: Any) -> str:
    if self.method == "POST":
        return update_guardduty_organization(self)
    return describe_guardduty_organization(self)


# -- AWS Config ---------------------------------------------------------------------------------

_ORIGINAL_PUT_AGGREGATOR = ConfigBackend.put_configuration_aggregator


class _OrganizationAccessDenied(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("OrganizationAccessDeniedException",
                         "This action can only be performed if you are a registered delegated "
                         "administrator for AWS Config with permissions to call "
                         "ListDelegatedAdministrators API.")


def put_configuration_aggregator(self: ConfigBackend,
                                 config_aggregator: dict[str, Any]) -> dict[str, Any]:
    if config_aggregator.get("OrganizationAggregationSource") and not may_administer(
            self.account_id, self.region_name, CONFIG_PRINCIPAL):
        raise _OrganizationAccessDenied()
    result: dict[str, Any] = _ORIGINAL_PUT_AGGREGATOR(self, config_aggregator)
    return result


# -- IAM Access Analyzer ------------------------------------------------------------------------

StartResponse = Callable[..., Any]


def _caller(environ: dict[str, Any]) -> tuple[str, str]:
    """(account, region) from the request's SigV4 credential scope."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    scope = auth.partition("Credential=")[2].split(",")[0].split("/")
    return get_account_id_from(scope[0]), scope[2] if len(scope) > 2 else "us-east-1"


def _answer(start_response: StartResponse, status: int, body: dict[str, Any],
            error: str = "") -> Iterable[bytes]:
    headers = [("Content-Type", "application/json")]
    if error:
        headers.append(("x-amzn-ErrorType", error))
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
              409: "Conflict"}[status]
    start_response(f"{status} {reason}", headers)
    return [json.dumps(body).encode()]


def _refusal(start_response: StartResponse, status: int, code: str,
             message: str) -> Iterable[bytes]:
    return _answer(start_response, status, {"message": message}, code)


def analyzer_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """A WSGI app for the three Access Analyzer calls lzgen makes."""
    account, region = _caller(environ)
    method = str(environ.get("REQUEST_METHOD", "GET"))
    path = str(environ.get("PATH_INFO", "/")).rstrip("/")
    analyzers = _ANALYZERS.setdefault((account, region), {})
    if method == "PUT" and path == "/analyzer":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        return _create_analyzer(start_response, account, region, analyzers, body)
    if method == "GET" and path == "/analyzer":
        wanted = parse_qs(str(environ.get("QUERY_STRING", ""))).get("type", [None])[0]
        listed = [a for _, a in sorted(analyzers.items()) if wanted in (None, a["type"])]
        return _answer(start_response, 200, {"analyzers": listed})
    match = re.fullmatch(r"/analyzer/([^/]+)", path)
    if method == "GET" and match:
        found = analyzers.get(match.group(1))
        if found is None:
            return _refusal(start_response, 404, "ResourceNotFoundException",
                            f"Analyzer {match.group(1)} not found")
        return _answer(start_response, 200, {"analyzer": found})
    return _refusal(start_response, 400, "ValidationException",
                    f"the emulator does not implement {method} {path}")


def _create_analyzer(start_response: StartResponse, account: str, region: str,
                     analyzers: dict[str, dict[str, Any]],
                     body: dict[str, Any]) -> Iterable[bytes]:
    name, kind = str(body.get("analyzerName", "")), str(body.get("type", ""))
    if kind.startswith("ORGANIZATION") and not may_administer(account, region,
                                                              ACCESS_ANALYZER_PRINCIPAL):
        return _refusal(start_response, 403, "AccessDeniedException",
                        "Only the management account or the delegated administrator for "
                        "IAM Access Analyzer can create an analyzer for the organization.")
    if name in analyzers:
        return _refusal(start_response, 409, "ConflictException",
                        f"Analyzer {name} already exists")
    arn = f"arn:{get_partition(region)}:access-analyzer:{region}:{account}:analyzer/{name}"
    analyzers[name] = {"arn": arn, "name": name, "type": kind, "status": "ACTIVE",
                       "createdAt": time.time()}
    return _answer(start_response, 200, {"arn": arn})


# ------------------------------------------------------------------------------------------------

EXTRA_APPS = {"access-analyzer": analyzer_app}


def install() -> None:
    """Routes and handlers. Idempotent."""
    guardduty_urls.url_paths.setdefault("{0}/detector/(?P<detector_id>[^/]+)/admin$",
                                        GuardDutyResponse.dispatch)
    GuardDutyResponse.update_organization_configuration = _guardduty_organization  # type: ignore[attr-defined]
    GuardDutyResponse.describe_organization_configuration = _guardduty_organization  # type: ignore[attr-defined]
    ConfigBackend.put_configuration_aggregator = put_configuration_aggregator  # type: ignore[method-assign]


def reset_state() -> None:
    _GUARDDUTY_ORG.clear()
    _ANALYZERS.clear()
