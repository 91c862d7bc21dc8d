"""API steps on member accounts themselves: renamed (PutAccountName), re-addressed
(StartPrimaryEmailUpdate, then AcceptPrimaryEmailUpdate with the one-time code AWS sends to the
new address) and closed (CloseAccount, within AWS's closure quota). CloudFormation does none
of these: the accounts' templates keep the name and email they were created with
(generator/synth/accounts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.aws.steps import StepContext, handles
from generator.errors import AwsError, RefusedError, UsageError

# https://docs.aws.amazon.com/organizations/latest/APIReference/API_CloseAccount.html: within a
# rolling 30 days, the higher of 250 or 20% of the member accounts, up to 1,000 (the text has
# changed over time; AWS's own refusal, CLOSE_ACCOUNT_QUOTA_EXCEEDED, remains the last word).
CLOSE_QUOTA_FLOOR, CLOSE_QUOTA_SHARE, CLOSE_QUOTA_CAP = 250, 0.20, 1000
CLOSING = frozenset({"PENDING_CLOSURE", "SUSPENDED"})
ACCOUNT_PRINCIPAL = "account.amazonaws.com"


def register() -> None:
    """The handlers below register themselves when this module is imported."""


def _describe(ctx: StepContext, account_id: str) -> dict[str, Any]:
    answer = ctx.call("organizations", "DescribeAccount", AccountId=account_id)
    return dict(answer["Account"])


@handles("account", "PutAccountName", "organizations:DescribeAccount")
class AccountName:
    # https://docs.aws.amazon.com/accounts/latest/reference/API_PutAccountName.html
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        return bool(_describe(ctx, params["AccountId"]).get("Name") == params["AccountName"])

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        ctx.call("account", "PutAccountName", AccountId=params["AccountId"],
                 AccountName=params["AccountName"])
        ctx.resolver.forget_accounts()


@handles("account", "StartPrimaryEmailUpdate", "account:AcceptPrimaryEmailUpdate",
         "account:GetPrimaryEmail", "organizations:ListAWSServiceAccessForOrganization")
class PrimaryEmail:
    """The root email, changed in two calls with a one-time code in between: AWS sends it to
    the new address, and the operator types it in (or passes --email-code ACCOUNT=CODE).
    https://docs.aws.amazon.com/accounts/latest/reference/API_StartPrimaryEmailUpdate.html
    https://docs.aws.amazon.com/accounts/latest/reference/API_AcceptPrimaryEmailUpdate.html
    """

    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        current = _primary_email(ctx, params["AccountId"])
        return current.lower() == str(params["PrimaryEmail"]).lower()

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        account, email = params["AccountId"], params["PrimaryEmail"]
        _refuse_used(ctx, account, email)
        code = _given_code(ctx, account)
        if code is None:
            ctx.call("account", "StartPrimaryEmailUpdate", AccountId=account,
                     PrimaryEmail=email)
            code = _ask_code(ctx, account, email)
        try:
            ctx.call("account", "AcceptPrimaryEmailUpdate", AccountId=account, Otp=code,
                     PrimaryEmail=email)
        except AwsError as error:
            raise AwsError(f"AWS did not accept the code for {email} (account {account}): "
                           f"{error.message}",
                           "run `lzgen deploy` again without --email-code: it asks AWS for "
                           "a new code", code=error.code) from error


def _primary_email(ctx: StepContext, account: str) -> str:
    """The account's root email. GetPrimaryEmail needs the organization's trusted access for
    the Account Management service, which this deploy's prepare step enables; AWS answers
    AccessDeniedException without it, the same code as for a missing IAM permission. So a
    refusal while trusted access is off means "an earlier step enables this" (the deployer's
    ServiceAccessNotEnabledException: pending, checked again after prepare); any other
    refusal stays an error.
    https://docs.aws.amazon.com/accounts/latest/reference/API_GetPrimaryEmail.html
    """
    try:
        answer = ctx.call("account", "GetPrimaryEmail", AccountId=account)
    except AwsError as error:
        if error.code == "AccessDeniedException" and not _trusted_access(ctx):
            raise AwsError(f"{error.message} (trusted access for {ACCOUNT_PRINCIPAL} is not "
                           "enabled yet)", "the deploy's prepare step enables it",
                           code="ServiceAccessNotEnabledException") from error
        raise
    return str(answer.get("PrimaryEmail", ""))


def _trusted_access(ctx: StepContext) -> bool:
    # https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAWSServiceAccessForOrganization.html
    enabled = ctx.pages("organizations", "ListAWSServiceAccessForOrganization",
                        "EnabledServicePrincipals")
    return any(item.get("ServicePrincipal") == ACCOUNT_PRINCIPAL for item in enabled)


def _refuse_used(ctx: StepContext, account: str, email: str) -> None:
    users = [a for a in ctx.resolver.account_list()
             if str(a.get("Email", "")).lower() == email.lower() and a["Id"] != account]
    if users:
        raise AwsError(f"root email {email} is already used by account {users[0]['Id']}",
                       "every account needs its own root email: choose another address",
                       code="EmailInUse")


def _given_code(ctx: StepContext, account: str) -> str | None:
    for name, code in ctx.options.email_codes if ctx.options else ():
        try:
            if ctx.resolver.account_id(name) == account:
                return code
        except AwsError as error:
            raise UsageError(f"--email-code names account {name!r}, which is not in the "
                             "organization", "use the blueprint's name of the account") from error
    return None


def _ask_code(ctx: StepContext, account: str, email: str) -> str:
    ui = ctx.ui
    if ui is None or not ui.interactive:
        raise RefusedError(f"AWS sent a one-time code to {email} (account {account}); the "
                           "root email changes once it is entered, and there is no terminal "
                           "to ask on",
                           "rerun with --email-code ACCOUNT=CODE (the blueprint's account "
                           "name), within the code's validity")
    return str(ui.console.input(f"One-time code sent to {email}: ")).strip()


# -- closure ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseQuota:
    limit: int
    used: int  # accounts closing or closed that AWS still lists

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)

    def __str__(self) -> str:
        return (f"{self.left} of {self.limit} closures left in the rolling 30 days (estimated: "
                f"{self.used} account(s) are PENDING_CLOSURE or SUSPENDED)")


def close_quota(accounts: list[dict[str, Any]]) -> CloseQuota:
    """The closure quota and its use, from ListAccounts. AWS lists a closed account as
    SUSPENDED through its post-closure period (90 days), longer than the quota's 30 days, so
    counting them over-estimates the use: lzgen may refuse too early, never too late."""
    members = [a for a in accounts if a.get("Status", "ACTIVE") not in CLOSING]
    limit = min(CLOSE_QUOTA_CAP, max(CLOSE_QUOTA_FLOOR, int(len(members) * CLOSE_QUOTA_SHARE)))
    used = sum(1 for a in accounts if a.get("Status") in CLOSING)
    return CloseQuota(limit, used)


@handles("organizations", "CloseAccount", "organizations:DescribeAccount",
         "organizations:ListAccounts")
class CloseAccount:
    def in_place(self, ctx: StepContext, params: dict[str, Any]) -> bool:
        return _describe(ctx, params["AccountId"]).get("Status") in CLOSING

    def apply(self, ctx: StepContext, params: dict[str, Any]) -> None:
        account = params["AccountId"]
        if ctx.options is None or not ctx.options.allow_destructive:
            raise RefusedError(f"account {account} would be closed",
                               "closing an account is destructive: rerun with "
                               "--allow-destructive if that is the intent")
        quota = close_quota(ctx.pages("organizations", "ListAccounts", "Accounts"))
        if ctx.ui is not None:
            ctx.ui.note(f"closure quota: {quota}")
        if quota.left < 1:
            raise RefusedError(f"account {account} is not closed: {quota}",
                               "wait until earlier closures leave the 30-day window")
        try:
            ctx.call("organizations", "CloseAccount", AccountId=account)
        except AwsError as error:
            if "QUOTA" in error.message.upper() or "LIMIT" in error.message.upper():
                raise RefusedError(f"AWS refused to close account {account}: {error.message}",
                                   "wait until earlier closures leave the 30-day window "
                                   "(or the running ones finish), then rerun") from error
            raise
        ctx.resolver.forget_accounts()
