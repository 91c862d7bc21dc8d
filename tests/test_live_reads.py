"""How many requests `import` and `drift` need to read an organization: accounts are listed
per parent (one paged ListAccountsForParent per OU, 20 a page), never one ListParents per
account; regional delegated administrators are read in every governed region."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from generator.aws.emulator.local import FAKE_CREDENTIALS
from generator.aws.gateway import Gateway
from generator.aws.live import ACCOUNTS_PAGE, read_live
from tests.emulator import CallCounter, Emulator

OUS = ("Security", "Workloads", "Sandbox")
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
# org-formation's reads of a 500-account organization on the same emulator (issue 14).
ORG_FORMATION_500 = 2049


def organization(emulator: Emulator, accounts: int) -> dict[str, str]:
    """An organization with three OUs and `accounts` members spread over them; OU ids."""
    root = emulator.create_organization()
    org = emulator.client("organizations")
    ous = {name: org.create_organizational_unit(ParentId=root, Name=name)[
        "OrganizationalUnit"]["Id"] for name in OUS}
    for index in range(accounts):
        created = org.create_account(AccountName=f"member-{index:04d}",
                                     Email=f"aws-member-{index:04d}@acme.example")
        account = org.describe_create_account_status(
            CreateAccountRequestId=created["CreateAccountStatus"]["Id"])[
            "CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root,
                         DestinationParentId=ous[OUS[index % len(OUS)]])
    return ous


@pytest.fixture
def gateway(emulator: Emulator) -> Gateway:
    return Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                   credentials=FAKE_CREDENTIALS)


def test_accounts_are_listed_per_parent_not_per_account(
        emulator: Emulator, gateway: Gateway, call_counter: CallCounter) -> None:
    organization(emulator, 45)
    call_counter.reset()
    live = read_live(gateway, REGIONS)
    made = Counter(c.operation for c in call_counter.calls)
    assert len(live.accounts) == 45
    assert {a.ou for a in live.accounts.values()} == set(OUS)
    assert made["ListParents"] == 0
    assert made["ListAccounts"] == 0
    # 15 accounts in each OU: one page each; the root holds the management account.
    assert made["ListAccountsForParent"] == 1 + len(OUS)
    assert made["ListTagsForResource"] == len(OUS) + 45 + 1 + 1
    for service in ("guardduty", "securityhub"):
        asked = [c for c in call_counter.calls
                 if c.service == service and c.operation == "ListOrganizationAdminAccounts"]
        assert len(asked) == len(REGIONS), service


def test_a_500_account_organization_in_three_ous_is_read_in_under_0_4_of_org_formation(
        emulator: Emulator, gateway: Gateway, call_counter: CallCounter) -> None:
    """Requests: a handful, plus one ListTagsForResource per account and OU, plus one
    ListAccountsForParent page per 20 accounts of each OU. With 100 OUs, each OU adds a
    listing of its accounts, of its child OUs and of its tags: 971 requests for 500 accounts
    (0.47 of org-formation's 2,049), see docs/how-to/deploy.md."""
    organization(emulator, 500)
    call_counter.reset()
    live = read_live(gateway, REGIONS)
    assert len(live.accounts) == 500
    made = Counter(c.operation for c in call_counter.calls)
    assert made["ListAccountsForParent"] == 1 + len(OUS) * math.ceil(167 / ACCOUNTS_PAGE)
    assert len(call_counter.calls) <= 0.4 * ORG_FORMATION_500, made.most_common(8)


def test_regional_admins_are_found_outside_the_home_region(
        emulator: Emulator, gateway: Gateway) -> None:
    organization(emulator, 2)
    member = next(a["Id"] for a in emulator.client("organizations").list_accounts()["Accounts"]
                  if a["Id"] != emulator.account_id)
    emulator.client("guardduty", "eu-west-1").enable_organization_admin_account(
        AdminAccountId=member)
    assert "guardduty.amazonaws.com" not in read_live(gateway, ["us-east-1"]).delegated_admins
    found = read_live(gateway, ["us-east-1", "eu-west-1"]).delegated_admins
    assert found["guardduty.amazonaws.com"] == ["member-0000"]
