"""Contact information and alternate contacts, as the Account Management API will receive them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator.blueprint.schema import AlternateContacts
from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath
from generator.model import Organization

_CONTACT_API = ("https://docs.aws.amazon.com/accounts/latest/reference/"
                "API_PutContactInformation.html")
_ALTERNATE_API = ("https://docs.aws.amazon.com/accounts/latest/reference/"
                  "API_PutAlternateContact.html")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_EMAIL = re.compile(r"^[\w+=.#|!&-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_MAX_EMAIL = 254
CONTACT_TYPES = ("billing", "operations", "security")


def alternate_contact_sets(org: Organization) -> list[tuple[KeyPath, AlternateContacts]]:
    """The organization's alternate contacts and every account's own, with their places."""
    result: list[tuple[KeyPath, AlternateContacts]] = [
        (("contacts", "alternate"), org.blueprint.contacts.alternate)]
    result += [(("accounts", name, "contacts"), account.contacts)
               for name, account in org.accounts.items() if account.contacts is not None]
    return result


def phone_problem(phone: str) -> str:
    if _E164.match(phone):
        return ""
    return (f"phone number '{phone}' is not in E.164 form (a '+', the country code and the "
            "number, digits only, at most 15)")


def email_problem(email: str) -> str:
    if len(email) <= _MAX_EMAIL and _EMAIL.match(email):
        return ""
    return f"email address '{email}' is not valid"


@rule("LZ211", "Contact phone numbers are in E.164 form", _CONTACT_API,
      fixture="contacts-phone-format.yaml", cites=("SEED-5.1",))
def phones(r: Rule, org: Organization) -> Iterable[Finding]:
    hint = "write it like +14155550100: no spaces, dashes or brackets"
    primary = org.blueprint.contacts.primary
    if primary is not None and (problem := phone_problem(primary.phone)):
        yield r.finding(org, ("contacts", "primary", "phone"), problem, hint)
    for path, contacts in alternate_contact_sets(org):
        for kind in CONTACT_TYPES:
            contact = getattr(contacts, kind)
            if contact is not None and (problem := phone_problem(contact.phone)):
                yield r.finding(org, (*path, kind, "phone"), problem, hint)


@rule("LZ212", "Contact and alert email addresses are valid", _ALTERNATE_API,
      fixture="contacts-email.yaml")
def emails(r: Rule, org: Organization) -> Iterable[Finding]:
    hint = "write a full address such as security-team@example.com"
    for path, contacts in alternate_contact_sets(org):
        for kind in CONTACT_TYPES:
            contact = getattr(contacts, kind)
            if contact is not None and (problem := email_problem(contact.email)):
                yield r.finding(org, (*path, kind, "email"), problem, hint)
    plan = org.blueprint.root_access
    for index, recipient in enumerate(plan.alert_recipients if plan else []):
        if problem := email_problem(recipient):
            yield r.finding(org, ("root_access", "alert_recipients", index), problem, hint)
