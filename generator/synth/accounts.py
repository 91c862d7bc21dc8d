"""Accounts changed in place, through APIs, never through CloudFormation: renames
(PutAccountName), root email changes (StartPrimaryEmailUpdate and AcceptPrimaryEmailUpdate)
and closures (CloseAccount).

An account's template keeps the name and email it was created with: CloudFormation's
AWS::Organizations::Account cannot update AccountName or Email (create-only properties), so a
changed value there would make it try to replace the account.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-organizations-account.html
"""

from __future__ import annotations

from generator.model import Organization
from generator.synth.types import ApiStep, Build, account_id

ACCOUNT_PRINCIPAL = "account.amazonaws.com"


def build_account_steps(org: Organization, build: Build) -> None:
    steps: list[ApiStep] = []
    for name, spec in org.accounts.items():
        if spec.display_name(name) != name:
            # https://docs.aws.amazon.com/accounts/latest/reference/API_PutAccountName.html
            steps.append(ApiStep(
                "after", "account", "PutAccountName",
                {"AccountId": account_id(name), "AccountName": spec.display_name(name)},
                f"account {name} is renamed in place; its template keeps the name it was "
                "created with",
                check={"service": "organizations", "action": "DescribeAccount",
                       "parameters": {"AccountId": account_id(name)}, "path": "Account.Name",
                       "contains": spec.display_name(name)}))
        if spec.template_email().lower() != spec.email.lower():
            # https://docs.aws.amazon.com/accounts/latest/reference/API_StartPrimaryEmailUpdate.html
            steps.append(ApiStep(
                "after", "account", "StartPrimaryEmailUpdate",
                {"AccountId": account_id(name), "PrimaryEmail": spec.email},
                f"account {name}'s root email changes in place: AWS sends a one-time code to "
                "the new address, deploy asks for it (or takes --email-code)",
                check={"service": "account", "action": "GetPrimaryEmail",
                       "parameters": {"AccountId": account_id(name)}, "path": "PrimaryEmail",
                       "contains": spec.email}))
    if steps:
        # The Account API acts on member accounts only with trusted access for it.
        steps.insert(0, ApiStep(
            "prepare", "organizations", "EnableAWSServiceAccess",
            {"ServicePrincipal": ACCOUNT_PRINCIPAL},
            "the Account Management API renames and re-addresses member accounts only with "
            "trusted access",
            check={"service": "organizations", "action": "ListAWSServiceAccessForOrganization",
                   "parameters": {}, "path": "EnabledServicePrincipals[].ServicePrincipal",
                   "contains": ACCOUNT_PRINCIPAL}))
    for name in org.closed_accounts:
        # https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html
        steps.append(ApiStep(
            "after", "organizations", "CloseAccount", {"AccountId": account_id(name)},
            f"account {name} is closed: PENDING_CLOSURE, then SUSPENDED; AWS deletes it after "
            "the post-closure period; it counts against the closure quota",
            check={"service": "organizations", "action": "DescribeAccount",
                   "parameters": {"AccountId": account_id(name)}, "path": "Account.Status",
                   "absent": "ACTIVE"}))
    build.api_steps.extend(steps)
