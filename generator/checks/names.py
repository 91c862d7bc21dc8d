"""Names, root emails, regions and logical IDs follow AWS's formats and stay unique."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath, Severity
from generator.model import Organization, logical_id

_API = "https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html"
_EMAIL_LOCAL_FORBIDDEN = set(" \t\"'()<>[]:;,\\|%&")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_ROLE = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)  # IAM names are ASCII
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_PERSONAL = re.compile(r"^[a-z]+[._][a-z]+$")


@lru_cache(maxsize=1)
def known_regions() -> dict[str, str]:
    """Region name -> partition, from the endpoint data botocore ships (no hand-kept list: a
    region AWS opens reaches lzgen with a botocore upgrade). The JSON file is read without
    importing botocore, which only generator/aws imports."""
    import importlib.util
    import json

    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return {}
    data = Path(spec.origin).parent / "data" / "endpoints.json"
    endpoints = json.loads(data.read_text(encoding="utf-8"))
    return {region: partition["partition"] for partition in endpoints["partitions"]
            for region in partition["regions"]}


def _nearest_region(region: str, known: dict[str, str]) -> str:
    close = difflib.get_close_matches(region, sorted(known), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return hint + "if AWS opened this region after your botocore release, upgrade boto3"


def email_problem(email: str) -> str:
    """Why AWS would refuse this root email, or '' when it is acceptable."""
    if not 6 <= len(email) <= 64:
        return "must be 6 to 64 characters long"
    if not email.isascii():
        return "must be 7-bit ASCII"
    if email.count("@") != 1:
        return "must contain exactly one '@'"
    local, domain = email.split("@")
    if not local or local.startswith(".") or set(local) & _EMAIL_LOCAL_FORBIDDEN:
        return "has a local part AWS refuses (empty, starts with '.', or has a forbidden character)"
    if "." not in domain or not _DOMAIN.match(domain):
        return "has a domain AWS refuses (letters, digits, '-' and '.', with a dot)"
    return ""


def _emails(org: Organization) -> list[tuple[KeyPath, str, str]]:
    management = org.blueprint.organization.management_account
    result = [(("organization", "management_account", "email"), management.name,
               management.email)]
    result += [(("accounts", name, "email"), name, a.email) for name, a in org.accounts.items()]
    # In the order of the file, so that the second use of an address is the one reported.
    return sorted(result, key=lambda entry: org.locate(entry[0]).line)


@rule("LZ105", "Root emails are valid, unique and on the business domain",
      fixture="duplicate-email.yaml", seed="SEED-6.1", cites=("SEED-6.2",))
def root_emails(r: Rule, org: Organization) -> Iterable[Finding]:
    domain = org.blueprint.organization.email_domain.lower()
    owners: dict[str, str] = {}
    for path, owner, email in _emails(org):
        problem = email_problem(email)
        if problem:
            yield r.finding(org, path, f"root email '{email}' of '{owner}' {problem}",
                            "use a group address such as aws-<account>@" + domain)
            continue
        key = email.lower()
        if key in owners:
            yield r.finding(org, path, f"root email '{email}' of '{owner}' is already used by "
                            f"'{owners[key]}'", "every account needs its own root email address")
        owners.setdefault(key, owner)
        if key.split("@")[1] != domain:
            yield r.finding(org, path, f"root email '{email}' of '{owner}' is not on the business "
                            f"domain '{domain}'", "use an address your business manages, on "
                            f"{domain}, so that it survives people leaving")
        elif _PERSONAL.match(key.split("@")[0]):
            yield r.finding(org, path, f"root email '{email}' of '{owner}' looks like a personal "
                            "mailbox", "use a distribution list that reaches several people, "
                            f"e.g. aws-{owner}@{domain}", Severity.WARNING)


@rule("LZ106", "Names fit AWS's formats", _API, fixture="account-name-too-long.yaml")
def name_formats(r: Rule, org: Organization) -> Iterable[Finding]:
    management = org.blueprint.organization.management_account
    for path, name in [(("organization", "management_account", "name"), management.name),
                       *((("accounts", n), n) for n in org.accounts)]:
        if not (1 <= len(name) <= 50 and name.isascii() and name.isprintable()):
            yield r.finding(org, path, f"account name '{name}' must be 1 to 50 printable ASCII "
                            "characters", "shorten or rename it")
    for ou in org.ous.values():
        if not 1 <= len(ou.name) <= 128:
            yield r.finding(org, ou.yaml_path, f"OU name '{ou.name}' must be 1 to 128 characters",
                            "shorten it")
    for name in org.policies:
        if not 1 <= len(name) <= 128:
            yield r.finding(org, ("policies", name), f"policy name '{name}' must be 1 to 128 "
                            "characters", "shorten it")
    for name, account in org.accounts.items():
        if not _ROLE.match(account.role_name):
            yield r.finding(org, ("accounts", name, "role_name"), f"role name "
                            f"'{account.role_name}' is not a valid IAM role name",
                            "use up to 64 letters, digits and +=,.@_-")
    if management.name in org.blueprint.accounts:
        yield r.finding(org, ("accounts", management.name), f"account '{management.name}' has the "
                        "management account's name", "give the member account another name")


@rule("LZ107", "Regions are real region names",
      "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html",
      fixture="region-typo.yaml")
def regions(r: Rule, org: Organization) -> Iterable[Finding]:
    settings = org.blueprint.organization
    known = known_regions()
    for index, region in enumerate(settings.regions):
        if not _REGION.match(region):
            yield r.finding(org, ("organization", "regions", index),
                            f"'{region}' is not a region name", "write names like eu-west-1")
        elif known and region not in known:
            yield r.finding(org, ("organization", "regions", index), f"'{region}' is not an "
                            "AWS region (not in the region list of the installed botocore)",
                            _nearest_region(region, known))
    partitions = {known[region] for region in settings.regions if region in known}
    if len(partitions) > 1:
        yield r.finding(org, ("organization", "regions"), "the regions belong to different "
                        f"partitions ({', '.join(sorted(partitions))}); an organization lives in "
                        "one partition", "list regions of one partition only")
    if len(set(settings.regions)) != len(settings.regions):
        yield r.finding(org, ("organization", "regions"), "a region is listed twice",
                        "list each region once")
    if settings.home_region not in settings.regions:
        yield r.finding(org, ("organization", "home_region"), f"home region "
                        f"'{settings.home_region}' is not in the allowed regions",
                        "add it to organization.regions")


@rule("LZ108", "Names give distinct CloudFormation logical IDs",
      "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
      "resources-section-structure.html",
      fixture="logical-id-clash.yaml")
def logical_ids(r: Rule, org: Organization) -> Iterable[Finding]:
    groups: list[tuple[str, list[tuple[KeyPath, str]]]] = [
        ("Account", [(("accounts", n), n) for n in org.accounts]),
        ("Ou", [(ou.yaml_path, ou.path) for ou in org.ous.values()]),
        ("Policy", [(("policies", n), n) for n in org.policies]),
        ("Budget", [(("billing", "budgets", n), n) for n in org.blueprint.billing.budgets]),
    ]
    for prefix, entries in groups:
        seen: dict[str, str] = {}
        for path, name in sorted(entries, key=lambda entry: org.locate(entry[0]).line):
            logical = logical_id(prefix, name)
            if logical == prefix:
                yield r.finding(org, path, f"'{name}' has no letters or digits",
                                "use a name with letters or digits")
            elif logical in seen:
                yield r.finding(org, path, f"'{name}' and '{seen[logical]}' both become logical "
                                f"ID {logical}", "rename one so they differ in letters or digits")
            seen.setdefault(logical, name)
