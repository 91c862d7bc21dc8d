"""The organization as it is: read through the Organizations API (and the services that name
their own administrators), by names and OU paths, for `lzgen import`, `lzgen drift` and
`lzgen deploy --adopt`. Read-only: nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.aws.gateway import Gateway
from generator.baseline import SERVICE_PRINCIPALS
from generator.contract import POLICY_TYPE_API
from generator.errors import AwsError
from generator.model import ROOT

FULL_AWS_ACCESS_ID = "p-FullAWSAccess"
# Organizations' policy type names, and the blueprint's.
BLUEPRINT_TYPE = {api: name for name, api in POLICY_TYPE_API.items()}


@dataclass(frozen=True)
class LiveOu:
    id: str
    path: str
    name: str
    parent: str  # ROOT or the parent's path
    tags: dict[str, str]


@dataclass(frozen=True)
class LiveAccount:
    id: str
    name: str
    email: str
    ou: str  # ROOT or an OU path
    tags: dict[str, str]
    status: str = "ACTIVE"


@dataclass(frozen=True)
class LivePolicy:
    id: str
    name: str
    type: str  # the blueprint's type (generator/contract.py POLICY_TYPE_API)
    description: str
    document: dict[str, Any]
    targets: tuple[str, ...]  # target keys: root, ou:PATH, account:NAME
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveOrganization:
    organization_id: str
    root_id: str
    management: LiveAccount
    root_tags: dict[str, str]
    policy_types: list[str]  # blueprint types enabled on the root
    ous: dict[str, LiveOu]
    accounts: dict[str, LiveAccount]  # member accounts by name
    policies: dict[str, LivePolicy]  # customer-managed policies by name
    full_aws_access: tuple[str, ...]  # target keys FullAWSAccess is attached to
    trusted_access: list[str]  # service principals
    delegated_admins: dict[str, list[str]]  # service principal -> account names
    # Policy types enabled on the root that this lzgen has no spec for (AWS added them
    # later): their policies are not read, and import and drift say so.
    unknown_policy_types: list[str] = field(default_factory=list)
    # False when read without tags (read_live(tags=False)): every `tags` above is then
    # empty because it was not asked for, not because the resource has none.
    tags_read: bool = True

    def target_id(self, key: str) -> str:
        kind, _, name = key.partition(":")
        if key == ROOT:
            return self.root_id
        return self.ous[name].id if kind == "ou" else self.accounts[name].id

    @property
    def all_targets(self) -> list[str]:
        return [ROOT, *(f"ou:{p}" for p in self.ous), *(f"account:{n}" for n in self.accounts)]


def botocore_policy_types() -> tuple[str, ...]:
    """The policy types the installed botocore's Organizations model knows (its PolicyType
    enum): the API's own list, read at run time. generator/contract.py must match it."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("organizations")
    return tuple(model.shape_for("PolicyType").enum)


# ListAccountsForParent pages hold at most 20 accounts, and a page may be empty with a
# NextToken: keep paging until NextToken is null.
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html
ACCOUNTS_PAGE = 20


def read_live(gateway: Gateway, regions: Sequence[str] = (), *,
              tags: bool = True) -> LiveOrganization:
    """The whole organization; the caller must be its management account.

    Accounts are read per parent (one paged ListAccountsForParent for the root and each OU),
    which also tells each account's place: no ListParents per account. GuardDuty and Security
    Hub name their delegated administrators per region: they are read in `regions` (the
    gateway's own region when none are given). Tags only when `tags`: Organizations lists
    them one resource at a time (ListTagsForResource), two thirds of the requests for an
    organization of 500 accounts.
    """
    org = gateway.call("organizations", "DescribeOrganization")["Organization"]
    root = gateway.pages("organizations", "ListRoots", "Roots")[0]

    def tags_of(resource: str) -> dict[str, str]:
        if not tags:
            return {}
        listed = gateway.pages("organizations", "ListTagsForResource", "Tags",
                               ResourceId=resource)
        return {t["Key"]: t["Value"] for t in sorted(listed, key=lambda t: t["Key"])}

    ous: dict[str, LiveOu] = {}
    placed: list[tuple[dict[str, Any], str]] = []  # (account summary, parent path)

    def walk(parent_id: str, parent_path: str) -> None:
        placed.extend((item, parent_path) for item in gateway.pages(
            "organizations", "ListAccountsForParent", "Accounts", ParentId=parent_id,
            MaxResults=ACCOUNTS_PAGE))
        units = gateway.pages("organizations", "ListOrganizationalUnitsForParent",
                              "OrganizationalUnits", ParentId=parent_id)
        for unit in sorted(units, key=lambda u: u["Name"]):
            path = unit["Name"] if parent_path == ROOT else f"{parent_path}/{unit['Name']}"
            ous[path] = LiveOu(unit["Id"], path, unit["Name"], parent_path,
                               tags_of(unit["Id"]))
            walk(unit["Id"], path)

    walk(root["Id"], ROOT)
    names = _unique_names([item for item, _ in placed])
    accounts: dict[str, LiveAccount] = {}
    management: LiveAccount | None = None
    for item, parent_path in sorted(placed, key=lambda pair: names[pair[0]["Id"]]):
        is_management = item["Id"] == org["MasterAccountId"]
        # A blueprint has no tags for the management account: they are not read.
        account = LiveAccount(item["Id"], names[item["Id"]], item["Email"], parent_path,
                              {} if is_management else tags_of(item["Id"]),
                              str(item.get("Status", "ACTIVE")))
        if is_management:
            management = account
        else:
            accounts[account.name] = account
    if management is None:
        raise AwsError("the organization's management account is not among its accounts",
                       "run lzgen with the management account's credentials")
    key_of = {root["Id"]: ROOT, **{o.id: f"ou:{p}" for p, o in ous.items()},
              **{a.id: f"account:{n}" for n, a in accounts.items()}}
    enabled = sorted(t["Type"] for t in root.get("PolicyTypes", [])
                     if t.get("Status") == "ENABLED")
    policies, full_access = _policies(gateway, enabled, key_of, tags_of)
    return LiveOrganization(
        organization_id=org["Id"], root_id=root["Id"], management=management,
        root_tags=tags_of(root["Id"]),
        policy_types=sorted(BLUEPRINT_TYPE[t] for t in enabled if t in BLUEPRINT_TYPE),
        ous=dict(sorted(ous.items())), accounts=dict(sorted(accounts.items())),
        policies=policies, full_aws_access=full_access,
        trusted_access=sorted(s["ServicePrincipal"] for s in gateway.pages(
            "organizations", "ListAWSServiceAccessForOrganization", "EnabledServicePrincipals")),
        delegated_admins=_delegated_admins(gateway, {a.id: n for n, a in accounts.items()},
                                           list(regions) or [gateway.region]),
        unknown_policy_types=[t for t in enabled if t not in BLUEPRINT_TYPE], tags_read=tags)


def enabled_regions(gateway: Gateway) -> list[str]:
    """The regions the management account can use (opted in, or on by default): where
    `import` looks for regional settings when no blueprint says which regions are governed."""
    listed = gateway.call("ec2", "DescribeRegions", AllRegions=False).get("Regions") or []
    found = sorted(str(r["RegionName"]) for r in listed
                   if r.get("OptInStatus", "opt-in-not-required") != "not-opted-in")
    return [gateway.region, *(r for r in found if r != gateway.region)]


def _unique_names(listed: list[dict[str, Any]]) -> dict[str, str]:
    """Account id -> a name unique in the organization (AWS allows duplicate names)."""
    counts: dict[str, int] = {}
    for item in listed:
        counts[item["Name"]] = counts.get(item["Name"], 0) + 1
    return {item["Id"]: item["Name"] if counts[item["Name"]] == 1
            else f"{item['Name']}-{item['Id']}" for item in listed}


def _policies(gateway: Gateway, enabled: list[str], key_of: dict[str, str],
              tags: Callable[[str], dict[str, str]]
              ) -> tuple[dict[str, LivePolicy], tuple[str, ...]]:
    policies: dict[str, LivePolicy] = {}
    full_access: tuple[str, ...] = ()
    for api_type in sorted({"SERVICE_CONTROL_POLICY", *enabled}):
        if api_type not in BLUEPRINT_TYPE:
            continue  # listed in LiveOrganization.unknown_policy_types
        for summary in gateway.pages("organizations", "ListPolicies", "Policies",
                                     Filter=api_type):
            targets = tuple(sorted(
                key_of[t["TargetId"]] for t in gateway.pages(
                    "organizations", "ListTargetsForPolicy", "Targets", PolicyId=summary["Id"])
                if t["TargetId"] in key_of))
            if summary.get("AwsManaged"):
                if summary["Id"] == FULL_AWS_ACCESS_ID:
                    full_access = targets
                continue
            content = gateway.call("organizations", "DescribePolicy",
                                   PolicyId=summary["Id"])["Policy"]["Content"]
            policies[summary["Name"]] = LivePolicy(
                summary["Id"], summary["Name"], BLUEPRINT_TYPE[api_type],
                summary.get("Description", ""), json.loads(content), targets,
                tags(summary["Id"]))
    return dict(sorted(policies.items())), full_access


def _delegated_admins(gateway: Gateway, name_of: dict[str, str],
                      regions: list[str]) -> dict[str, list[str]]:
    """Service principal -> names of its delegated administrators, from Organizations and
    from GuardDuty and Security Hub, which name theirs through their own APIs, region by
    region (https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html:
    the designation applies to the region it is made in)."""
    result: dict[str, set[str]] = {}
    for principal in sorted({p for group in SERVICE_PRINCIPALS.values() for p in group}):
        admins = gateway.pages("organizations", "ListDelegatedAdministrators",
                               "DelegatedAdministrators", ServicePrincipal=principal)
        for admin in admins:
            if admin["Id"] in name_of:
                result.setdefault(principal, set()).add(name_of[admin["Id"]])
    for region in regions:
        for service, field_name in (("guardduty", "AdminAccountId"),
                                    ("securityhub", "AccountId")):
            try:
                listed = gateway.pages(service, "ListOrganizationAdminAccounts",
                                       "AdminAccounts", region=region)
            except AwsError:
                continue  # the service is not enabled there, or the caller may not ask
            for admin in listed:
                if admin.get(field_name) in name_of:
                    result.setdefault(f"{service}.amazonaws.com", set()).add(
                        name_of[admin[field_name]])
    return {p: sorted(n) for p, n in sorted(result.items())}
