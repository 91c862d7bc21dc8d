"""Deploy-time tokens: `{{lzgen:root-id}}`, `{{lzgen:organization-id}}` and
`{{lzgen:account-id:NAME}}` in stack parameters and API step parameters, looked up in the
organization when deploy needs them (they exist only once the organization does).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from generator.contract import TOKEN
from generator.errors import AwsError, UsageError
from generator.synth.types import OWN_ANOMALY_MONITOR

if TYPE_CHECKING:
    from generator.aws.gateway import Gateway

ACCOUNT_NOT_FOUND = "AccountNotFound"
# ListAccounts returns at most 20 accounts a page:
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
PAGE = 20
CE_REGION = "us-east-1"  # https://docs.aws.amazon.com/general/latest/gr/billing.html
# What a dry run shows for IDs that do not exist yet (a fresh organization): each matches the
# AllowedPattern of the parameter it fills, so a change set can still be planned.
PLACEHOLDERS = {"root-id": "r-notyetcreated", "organization-id": "o-notyetcreated",
                "account-id": "000000000000"}
_NOT_YET = frozenset({ACCOUNT_NOT_FOUND, "AWSOrganizationsNotInUseException",
                      "OrganizationNotFoundException"})


def has_tokens(value: Any) -> bool:
    if isinstance(value, str):
        return TOKEN.search(value) is not None
    if isinstance(value, dict):
        return any(has_tokens(v) for v in value.values())
    if isinstance(value, list):
        return any(has_tokens(v) for v in value)
    return False


class Resolver:
    """Looks up what tokens stand for, once; `forget_accounts()` after stacks created some."""

    def __init__(self, gateway: Gateway, *, ids_prefix: str = "",
                 placeholders: bool = False) -> None:
        self.gateway = gateway
        # Where the account stacks publish account IDs (generator/synth/ids.py): an account
        # renamed in place is no longer found under its blueprint name by ListAccounts.
        self.ids_prefix = ids_prefix
        self.placeholders = placeholders  # a dry run: unknown IDs become placeholders
        self._root_id: str | None = None
        self._organization: dict[str, Any] | None = None
        self._account_list: list[dict[str, Any]] | None = None
        # Published account IDs as read, None for "not published yet": each API step of an
        # account that does not exist yet asks, and the answer holds until forget_accounts.
        self._published: dict[str, str | None] = {}
        self._by_name: tuple[list[dict[str, Any]], dict[str, str]] | None = None
        self._one_by_one = 0  # accounts read through their published ID since the listing
        self._monitors: list[dict[str, Any]] | None = None

    # -- the organization ---------------------------------------------------------------------

    def organization(self) -> dict[str, Any] | None:
        """DescribeOrganization's Organization, or None when the account has none."""
        if self._organization is None:
            try:
                found = self.gateway.call("organizations", "DescribeOrganization")
            except AwsError as error:
                if error.code == "AWSOrganizationsNotInUseException":
                    return None
                raise
            self._organization = dict(found["Organization"])
        return self._organization

    def forget_organization(self) -> None:
        self._organization = None
        self._root_id = None

    def organization_id(self) -> str:
        found = self.organization()
        if found is None:
            raise AwsError("this account has no organization",
                           "the prepare phase creates it: run `lzgen deploy` without "
                           "--dry-run", code="AWSOrganizationsNotInUseException")
        return str(found["Id"])

    def root_id(self) -> str:
        if self._root_id is None:
            roots = self.gateway.pages("organizations", "ListRoots", "Roots")
            self._root_id = str(roots[0]["Id"])
        return self._root_id

    def root(self) -> dict[str, Any]:
        """The root with its current policy types (not cached: steps change them)."""
        roots = self.gateway.pages("organizations", "ListRoots", "Roots")
        root: dict[str, Any] = roots[0]
        return root

    # -- accounts -----------------------------------------------------------------------------

    def account_list(self) -> list[dict[str, Any]]:
        """ListAccounts, every page, once (until `forget_accounts`)."""
        if self._account_list is None:
            self._account_list = self.gateway.pages("organizations", "ListAccounts", "Accounts")
        return self._account_list

    def accounts(self) -> dict[str, str]:
        """Account name -> ID, for every account of the organization (built once a listing:
        deploy asks for each account's ID in turn)."""
        listed = self.account_list()
        if self._by_name is None or self._by_name[0] is not listed:
            self._by_name = (listed, {str(a["Name"]): str(a["Id"]) for a in listed})
        return self._by_name[1]

    def forget_accounts(self) -> None:
        self._account_list = None
        self._published.clear()
        self._one_by_one = 0

    def account_id(self, name: str, *, published_first: bool = False) -> str:
        """The account's ID. `published_first`, for callers that need a handful of accounts
        (preflight's delegated administrators): the ID its stack published (one read) before
        ListAccounts (a page per 20 accounts), so that a no-op deploy lists no accounts."""
        if re.fullmatch(r"\d{12}", name):
            return name
        if self._account_list is None and (published_first or self._one_by_one < PAGE):
            # A listing costs a page per 20 accounts, the published ID one read an account:
            # the first accounts asked for after a change are read one by one (a deploy that
            # adds one account does not list the organization again for it).
            self._one_by_one += 1
            found = self._published_id(name) or self.accounts().get(name)
        else:
            found = self.accounts().get(name) or self._published_id(name)
        if found is None:
            raise AwsError(f"account {name!r} is not in the organization",
                           "the account stacks create it: deploy them first (a dry run "
                           "cannot resolve accounts that do not exist yet)",
                           code=ACCOUNT_NOT_FOUND)
        return found

    def _published_id(self, name: str) -> str | None:
        if not self.ids_prefix:
            return None
        if name not in self._published:
            self._published[name] = self._read_published_id(name)
        return self._published[name]

    def _read_published_id(self, name: str) -> str | None:
        from generator.model import logical_id

        try:
            answer = self.gateway.call("ssm", "GetParameter",
                                       Name=self.ids_prefix + logical_id("Account", name))
        except AwsError as error:
            if error.code == "ParameterNotFound":
                return None
            raise
        return str(answer["Parameter"]["Value"])

    def ou_id(self, path: str) -> str:
        """The ID of the OU at `path` ('Workloads/Prod'), walking the tree by names."""
        parent = self.root_id()
        for name in path.split("/"):
            units = self.gateway.pages("organizations", "ListOrganizationalUnitsForParent",
                                       "OrganizationalUnits", ParentId=parent)
            match = next((u for u in units if u["Name"] == name), None)
            if match is None:
                raise AwsError(f"OU {path!r} is not in the organization",
                               "the OU stacks create it: deploy them first",
                               code="OrganizationalUnitNotFound")
            parent = str(match["Id"])
        return parent

    def target_id(self, target: str) -> str:
        """'root', 'ou:PATH', 'account:NAME' or an ID -> the ID."""
        kind, _, name = target.partition(":")
        if target == "root":
            return self.root_id()
        if kind == "ou":
            return self.ou_id(name)
        if kind == "account":
            return self.account_id(name)
        return target

    # -- cost anomaly monitors ----------------------------------------------------------------

    def anomaly_monitors(self) -> list[dict[str, Any]]:
        """GetAnomalyMonitors, every page (Cost Explorer's API lives in us-east-1), once."""
        if self._monitors is None:
            found: list[dict[str, Any]] = []
            params: dict[str, Any] = {}
            while True:
                page = self.gateway.call("ce", "GetAnomalyMonitors", region=CE_REGION, **params)
                found += page.get("AnomalyMonitors") or []
                if not page.get("NextPageToken"):
                    break
                params = {"NextPageToken": page["NextPageToken"]}
            self._monitors = found
        return self._monitors

    def anomaly_monitor(self, dimension: str) -> str:
        """The ARN of the account's DIMENSIONAL monitor of `dimension` other than lzgen's own,
        or "": an account may have only one of each, so lzgen reuses it."""
        return next((str(m["MonitorArn"]) for m in self.anomaly_monitors()
                     if m.get("MonitorType") == "DIMENSIONAL"
                     and m.get("MonitorDimension") == dimension
                     and m.get("MonitorName") != OWN_ANOMALY_MONITOR), "")

    # -- tokens -------------------------------------------------------------------------------

    def resolve(self, value: Any, *, placeholders: bool | None = None) -> Any:
        """`value` with every token replaced, in strings, lists and dicts; IDs that do not
        exist yet become placeholders when asked (by default: in a dry run)."""
        stand_in = self.placeholders if placeholders is None else placeholders
        if isinstance(value, str):
            return TOKEN.sub(lambda m: self._token_or_placeholder(
                m.group(1), m.group(2), stand_in), value)
        if isinstance(value, dict):
            return {k: self.resolve(v, placeholders=stand_in) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, placeholders=stand_in) for v in value]
        return value

    def _token_or_placeholder(self, kind: str, argument: str | None, stand_in: bool) -> str:
        try:
            return self._token(kind, argument)
        except AwsError as error:
            if not stand_in or error.code not in _NOT_YET or kind not in PLACEHOLDERS:
                raise
            return PLACEHOLDERS[kind]

    def _token(self, kind: str, argument: str | None) -> str:
        if kind == "root-id":
            return self.root_id()
        if kind == "organization-id":
            return self.organization_id()
        if kind == "account-id" and argument:
            return self.account_id(argument)
        if kind == "anomaly-monitor" and argument:
            return self.anomaly_monitor(argument)
        raise UsageError(f"unknown deploy token {{{{lzgen:{kind}}}}} in manifest.json",
                         "this lzgen is older than the one that generated the output: "
                         "upgrade it, or generate again")
