"""API steps for contacts and centralized root access: the Account Management and IAM APIs.

CloudFormation has no resource for an account's contact information, its alternate contacts
or centralized root access, so these become API steps that deploy runs. Member accounts are
named, never numbered: deploy puts in their IDs. Steps for the management account leave
AccountId out, as the API requires for the caller's own account.
"""

from __future__ import annotations

from typing import Any

from generator.blueprint.schema import AlternateContacts, Contact, ContactInformation
from generator.model import Organization
from generator.synth.types import ApiStep, Build, account_id

ACCOUNT_PRINCIPAL = "account.amazonaws.com"
IAM_PRINCIPAL = "iam.amazonaws.com"
CONTACT_TYPES = ("billing", "operations", "security")


def build_contacts(org: Organization, build: Build) -> None:
    steps = centralized_root_access(org)
    if has_contacts(org):
        steps.append(ApiStep(
            "prepare", "organizations", "EnableAWSServiceAccess",
            {"ServicePrincipal": ACCOUNT_PRINCIPAL},
            "the Account Management API can set member accounts' contacts only with trusted "
            "access for AWS Account Management", check=trusted_access_check(ACCOUNT_PRINCIPAL)))
        steps += contact_information(org) + alternate_contacts(org)
    build.api_steps.extend(steps)


def has_contacts(org: Organization) -> bool:
    contacts = org.blueprint.contacts
    sets = [contacts.alternate, *(a.contacts for a in org.accounts.values() if a.contacts)]
    return contacts.primary is not None or any(
        getattr(s, kind) is not None for s in sets for kind in CONTACT_TYPES)


def centralized_root_access(org: Organization) -> list[ApiStep]:
    plan = org.blueprint.root_access
    if plan is None:
        return []
    features = [(plan.centralized.credentials_management,
                 "EnableOrganizationsRootCredentialsManagement",
                 "member accounts' root credentials are managed centrally, not kept per account"),
                (plan.centralized.root_sessions, "EnableOrganizationsRootSessions",
                 "root-only tasks in member accounts run as short sessions from the management "
                 "account")]
    steps = [ApiStep("prepare", "iam", action, {}, reason, check={
        "service": "iam", "action": "ListOrganizationsFeatures", "parameters": {},
        "path": "EnabledFeatures", "contains": action.removeprefix("EnableOrganizations")})
             for wanted, action, reason in features if wanted]
    if not steps:
        return []
    return [ApiStep("prepare", "organizations", "EnableAWSServiceAccess",
                    {"ServicePrincipal": IAM_PRINCIPAL},
                    "centralized root access needs trusted access for IAM",
                    check=trusted_access_check(IAM_PRINCIPAL)), *steps]


def trusted_access_check(principal: str) -> dict[str, Any]:
    """How deploy tells that trusted access for `principal` is on already."""
    return {"service": "organizations", "action": "ListAWSServiceAccessForOrganization",
            "parameters": {}, "path": "EnabledServicePrincipals[].ServicePrincipal",
            "contains": principal}


def _accounts(org: Organization) -> list[tuple[str, dict[str, Any]]]:
    """(name, AccountId parameter) of the management account, then every member account."""
    management = org.blueprint.organization.management_account.name
    return [(management, {}), *((name, {"AccountId": account_id(name)}) for name in org.accounts)]


def contact_information(org: Organization) -> list[ApiStep]:
    primary = org.blueprint.contacts.primary
    if primary is None:
        return []
    details = _contact_information_parameters(primary)
    return [ApiStep("after", "account", "PutContactInformation",
                    {**target, "ContactInformation": details},
                    f"contact information of {name}: AWS calls this phone to recover the root "
                    "user", check={"idempotent": True})
            for name, target in _accounts(org)]


def _contact_information_parameters(primary: ContactInformation) -> dict[str, str]:
    values = {
        "FullName": primary.full_name, "CompanyName": primary.company_name,
        "PhoneNumber": primary.phone, "AddressLine1": primary.address_line1,
        "City": primary.city, "PostalCode": primary.postal_code,
        "CountryCode": primary.country_code, "StateOrRegion": primary.state_or_region,
        "WebsiteUrl": primary.website_url,
    }
    return {key: value for key, value in sorted(values.items()) if value}


def alternate_contacts(org: Organization) -> list[ApiStep]:
    """Each account's alternate contacts: its own of a type, else the organization's."""
    default = org.blueprint.contacts.alternate
    steps: list[ApiStep] = []
    for name, target in _accounts(org):
        spec = org.accounts[name].contacts if name in org.accounts else None
        for kind in CONTACT_TYPES:
            contact = _contact_of(spec, kind) or _contact_of(default, kind)
            if contact is not None:
                steps.append(ApiStep(
                    "after", "account", "PutAlternateContact",
                    {**target, "AlternateContactType": kind.upper(), "EmailAddress": contact.email,
                     "Name": contact.name, "PhoneNumber": contact.phone, "Title": contact.title},
                    f"{kind} contact of {name}", check={"idempotent": True}))
    return steps


def _contact_of(contacts: AlternateContacts | None, kind: str) -> Contact | None:
    if contacts is None:
        return None
    found: Contact | None = getattr(contacts, kind)
    return found
