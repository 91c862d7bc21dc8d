"""The seed's recommendations, split into sub-items with stable ids (SEED-n.m).

The seed is AWS's page "Best practices for a multi-account environment" (AWS Organizations
User Guide). Each heading of it is SEED-n; the separate things a heading asks for are SEED-n.m.
Ids never change meaning: add new sub-items at the end of their heading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

SEED_PAGE = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_best-practices.html"

HEADINGS: dict[str, str] = {
    "SEED-1": "Use a strong password for the root user",
    "SEED-2": "Document the processes for using the root user credentials",
    "SEED-3": "Enable MFA for the root user credentials",
    "SEED-4": "Monitor access to the root user credentials",
    "SEED-5": "Keep the contact phone number updated",
    "SEED-6": "Use a group email address for root accounts",
    "SEED-7": "Manage your accounts within a single organization",
    "SEED-8": "Group workloads by business purpose, not reporting structure",
    "SEED-9": "Use multiple accounts to organize your workloads",
    "SEED-10": "Enable AWS services at the organization level through their API",
    "SEED-11": "Use billing tools to track costs",
    "SEED-12": "Plan the tagging strategy and its enforcement",
}


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: str

    @property
    def heading_id(self) -> str:
        return self.id.partition(".")[0]

    @property
    def heading(self) -> str:
        return HEADINGS[self.heading_id]


RECOMMENDATIONS: tuple[Recommendation, ...] = (
    Recommendation("SEED-1.1", "A strong, unique password for each root user, in a password "
                               "manager"),
    Recommendation("SEED-1.2", "The password vault does not depend on the AWS accounts it "
                               "protects"),
    Recommendation("SEED-1.3", "Opening the vault takes more than one person"),
    Recommendation("SEED-1.4", "Access to the password and the vault is logged and monitored"),
    Recommendation("SEED-2.1", "Each use of root credentials is recorded: who did which step"),
    Recommendation("SEED-2.2", "Exceptions and unforeseen events are documented"),
    Recommendation("SEED-2.3", "Root access and the contact phone are tested at least quarterly"),
    Recommendation("SEED-2.4", "The people involved are named and know their steps"),
    Recommendation("SEED-3.1", "MFA is registered on every root user"),
    Recommendation("SEED-3.2", "Root users without MFA are detected"),
    Recommendation("SEED-3.3", "At least two MFA devices per root user"),
    Recommendation("SEED-3.4", "A battery-free backup for a battery-powered primary device"),
    Recommendation("SEED-3.5", "MFA devices are stored apart from the password, access logged"),
    Recommendation("SEED-4.1", "An EventBridge alert on root sign-in and root API calls"),
    Recommendation("SEED-4.2", "The alert reaches people by email"),
    Recommendation("SEED-4.3", "Recipients know how to verify root use and how to escalate"),
    Recommendation("SEED-5.1", "The contact phone number is set through the Account "
                               "Management API"),
    Recommendation("SEED-5.2", "A dedicated phone and SIM, stored apart from the other "
                               "credentials"),
    Recommendation("SEED-5.3", "The bill owner knows the number matters; it stays confidential"),
    Recommendation("SEED-6.1", "Root emails are valid, unique addresses on the business domain"),
    Recommendation("SEED-6.2", "Root emails reach a group, not one person"),
    Recommendation("SEED-7.1", "Every account is managed in one organization"),
    Recommendation("SEED-8.1", "Top-level OUs follow controls and purpose, not the org chart"),
    Recommendation("SEED-8.2", "Production workloads sit under production OUs"),
    Recommendation("SEED-8.3", "Non-production OUs hold development and test workloads"),
    Recommendation("SEED-9.1", "Foundational accounts: log archive, security tooling, "
                               "infrastructure"),
    Recommendation("SEED-9.2", "Production and non-production workloads never share an account "
                               "or OU"),
    Recommendation("SEED-10.1", "Integrated services are enabled through their own API"),
    Recommendation("SEED-10.2", "AWS Account Management is enabled through Organizations"),
    Recommendation("SEED-11.1", "A read-only billing role in the management account"),
    Recommendation("SEED-11.2", "Costs are watched with budgets or cost anomaly detection"),
    Recommendation("SEED-12.1", "The tagging strategy is a tag policy of the organization"),
    Recommendation("SEED-12.2", "The tag policy enforces tags on resource types"),
)

BY_ID: dict[str, Recommendation] = {r.id: r for r in RECOMMENDATIONS}
KNOWN_IDS = frozenset(BY_ID) | frozenset(HEADINGS)

T = TypeVar("T")


def exception_for(exceptions: Mapping[str, T], recommendation_id: str) -> T | None:
    """The accepted exception covering a sub-item, given by its own id or its heading's."""
    if recommendation_id in exceptions:
        return exceptions[recommendation_id]
    return exceptions.get(recommendation_id.partition(".")[0])
