"""Preflight: the live preconditions of a deploy, checked with read-only calls before anything
changes (`lzgen deploy` and `--dry-run` alike).

Refused (exit 3, nothing changed), each with what to do:
* the credentials are not the management account's;
* a service's delegated administrator is registered to another account than the blueprint
  names (GuardDuty and Security Hub have one per region; Organizations' registrations for
  Config, Access Analyzer, CloudTrail): registering the blueprint's would fail, or leave two;
* a stack that creates an AWS Config configuration recorder in the management account is not
  deployed yet, but the region already has a recorder or delivery channel (one of each per
  account and region);
* AWS Config in the member accounts (recorders.py): with services.config.recorder external, an
  account and governed region without a recorder that records; with lzgen's recorders, one
  that already has a recorder or delivery channel of another tool; or an account that cannot
  be read through its access role. Accounts verified before are kept in the record of applied
  steps and not read again (--refresh reads them all).

Reported, since deploy takes care of them: trusted access that the prepare phase will enable
(StackSets through CloudFormation), and a cost anomaly monitor of the account's that the
billing stack will reuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.aws import recorders
from generator.aws.tokens import ACCOUNT_NOT_FOUND
from generator.contract import TOKEN
from generator.errors import AwsError

if TYPE_CHECKING:
    from generator.aws.applied import AppliedRecord
    from generator.aws.gateway import Gateway
    from generator.aws.manifest import Manifest, StepPlan
    from generator.aws.tokens import Resolver
    from generator.aws.ui import DeployUi

RECORDER_TYPE = "AWS::Config::ConfigurationRecorder"
# The read-only calls preflight makes, for the deployer policy (generator/aws/policy.py);
# DescribeStacks (on lzgen's stacks) and DescribeOrganizationsAccess come with the stacks and
# the StackSets step.
READS = ("config:DescribeConfigurationRecorders", "config:DescribeDeliveryChannels",
         "ce:GetAnomalyMonitors",
         "guardduty:ListOrganizationAdminAccounts", "organizations:DescribeOrganization",
         "organizations:ListAWSServiceAccessForOrganization", "organizations:ListAccounts",
         "organizations:ListDelegatedAdministrators", "securityhub:ListOrganizationAdminAccounts")


@dataclass(frozen=True)
class Problem:
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}"


@dataclass(frozen=True)
class MemberReads:
    """How preflight reads member accounts: what was verified before (the record of applied
    steps, none for `lzgen drift`), whether to read them all again, how many at a time."""

    record: AppliedRecord | None = None
    refresh: bool = False
    workers: int = 4
    # The stacks whose template this deploy creates or changes (None: not known, all).
    changing: frozenset[str] | None = None

    def needed(self, check: recorders.MemberCheck, manifest: Manifest) -> bool:
        """Whether a member check runs in this deploy: with --refresh; without a stack it
        belongs to, or one not in this output; or when that stack is created or changed."""
        stacks = {plan.name for plan in manifest.stacks}
        return (self.refresh or not check.for_stack or check.for_stack not in stacks
                or self.changing is None or check.for_stack in self.changing)


class Preflight:
    def __init__(self, manifest: Manifest, gateway: Gateway, resolver: Resolver,
                 ui: DeployUi, members: MemberReads | None = None) -> None:
        self.manifest, self.gateway, self.resolver, self.ui = manifest, gateway, resolver, ui
        self.members = members or MemberReads()
        self.problems: list[Problem] = []
        self._verified: list[recorders.Verification] = []

    def run(self) -> None:
        self.ui.phase("preflight")
        if not self._caller_manages_the_organization():
            return  # no organization yet: nothing else exists to clash with
        self._stacksets_access()
        self._delegated_administrators()
        self._configuration_recorders()
        self._member_recorders()
        self._anomaly_monitors()
        if self.problems:
            for problem in self.problems:
                self.ui.warn(str(problem))
            raise AwsError(f"{len(self.problems)} precondition(s) of this deploy do not hold: "
                           + "; ".join(str(p) for p in self.problems),
                           "nothing was changed: do what each says, then run `lzgen deploy` "
                           "again", code="PreflightFailed")
        if self.members.record is not None:
            for verification in self._verified:
                verification.keep(self.members.record)
        self.ui.ok("preflight: every precondition holds")

    # -- the caller ------------------------------------------------------------------------------

    def _caller_manages_the_organization(self) -> bool:
        caller = self.gateway.account_id()
        organization = self.resolver.organization()
        endpoint = f" at {self.gateway.endpoint_url}" if self.gateway.endpoint_url else ""
        if organization is None:
            self.ui.note(f"account {caller}{endpoint} has no organization yet: the prepare "
                         "phase creates one, with all features, managed by this account")
            return False
        manager = str(organization.get("MasterAccountId", ""))
        if manager and manager != caller:
            raise AwsError(f"these credentials are for account {caller}, but organization "
                           f"{organization['Id']} is managed by account {manager}",
                           "deploy with credentials of the management account; nothing was "
                           "changed", code="NotManagementAccount")
        self.ui.note(f"organization {organization['Id']}, management account {caller}"
                     f"{endpoint}")
        return True

    # -- trusted access --------------------------------------------------------------------------

    def _stacksets_access(self) -> None:
        for step in self.manifest.steps:
            if step.key != ("cloudformation", "ActivateOrganizationsAccess"):
                continue
            status = self.gateway.call("cloudformation", "DescribeOrganizationsAccess",
                                       region=step.region or None).get("Status")
            if status != "ENABLED":
                self.ui.note(f"StackSets' trusted access is {status} in {step.region}: the "
                             "prepare phase activates it (CloudFormation "
                             "ActivateOrganizationsAccess)")

    # -- delegated administrators ----------------------------------------------------------------

    def _delegated_administrators(self) -> None:
        for step in self.manifest.steps:
            wanted = _administrator(step)
            if wanted is None:
                continue
            principal, name = wanted
            registered = self._registered(step, principal)
            account = self._account_or_none(name)
            others = sorted(a for a in registered if a != account)
            if others:
                shown = name.removeprefix("{{lzgen:account-id:").removesuffix("}}")
                where = f" in {step.region}" if step.service != "organizations" else ""
                self.problems.append(Problem(
                    f"{principal} has delegated administrator {', '.join(others)}{where}, "
                    f"but the blueprint names account {shown}",
                    f"deregister {', '.join(others)} ({_deregister(step, principal)}), or "
                    "name that account in the blueprint's services section"))

    def _registered(self, step: StepPlan, principal: str) -> list[str]:
        if step.service in ("guardduty", "securityhub"):
            key = "AdminAccountId" if step.service == "guardduty" else "AccountId"
            admins = self.gateway.pages(step.service, "ListOrganizationAdminAccounts",
                                        "AdminAccounts", region=step.region or None)
            return [str(a[key]) for a in admins]
        try:
            admins = self.gateway.pages("organizations", "ListDelegatedAdministrators",
                                        "DelegatedAdministrators", ServicePrincipal=principal)
        except AwsError as error:
            if error.code == "ServiceAccessNotEnabledException":
                return []  # nothing can be registered without trusted access
            raise
        return [str(a["Id"]) for a in admins]

    def _account_or_none(self, token: str) -> str | None:
        named = TOKEN.fullmatch(token)
        try:
            if named and named.group(1) == "account-id" and named.group(2):
                return self.resolver.account_id(named.group(2), published_first=True)
            return str(self.resolver.resolve(token))
        except AwsError as error:
            if error.code == ACCOUNT_NOT_FOUND:
                return None  # the account stacks create it
            raise

    # -- AWS Config recorders --------------------------------------------------------------------

    def _configuration_recorders(self) -> None:
        for plan in self.manifest.stacks:
            if not any(r.get("Type") == RECORDER_TYPE for r in plan.resources().values()):
                continue
            if self._deployed(plan.stack_name, plan.region):
                continue  # its recorder is lzgen's own
            found = self.gateway.call("config", "DescribeConfigurationRecorders",
                                      region=plan.region).get("ConfigurationRecorders") or []
            channels = self.gateway.call("config", "DescribeDeliveryChannels",
                                         region=plan.region).get("DeliveryChannels") or []
            if found:
                names = ", ".join(str(r.get("name")) for r in found)
                self.problems.append(Problem(
                    f"the management account already has a configuration recorder in "
                    f"{plan.region} ({names}), and stack {plan.stack_name} would create "
                    "another (AWS allows one per account and region)",
                    "let the blueprint use the existing recorder (Config managed elsewhere), "
                    "or delete it"))
            elif channels:
                names = ", ".join(str(c.get("name")) for c in channels)
                self.problems.append(Problem(
                    f"the management account already has a delivery channel in {plan.region} "
                    f"({names}), and stack {plan.stack_name} would create another (AWS allows "
                    "one per account and region)",
                    "delete it (aws configservice delete-delivery-channel), or let the "
                    "blueprint use the existing Config setup (services.config.recorder: "
                    "external)"))

    def _member_recorders(self) -> None:
        check = recorders.member_check(self.manifest)
        if check is None:
            return
        if not self.members.needed(check, self.manifest):
            self.ui.note(f"AWS Config in member accounts: not read, stack {check.for_stack} "
                         "does not change (--refresh reads them)")
            return
        verifier = recorders.MemberRecorders(
            check, self.gateway, self.resolver.account_list(), record=self.members.record,
            refresh=self.members.refresh, workers=self.members.workers)
        result = verifier.verify()
        self._verified.append(result)
        self.ui.note(f"AWS Config in member accounts: {result.read} account(s) read, "
                     f"{result.recorded} verified before (the record), {result.own} with "
                     "lzgen's own recorders")
        for what, fix in recorders.problems(check, result.findings):
            self.problems.append(Problem(what, fix))

    def _deployed(self, stack_name: str, region: str) -> bool:
        try:
            stacks = self.gateway.call("cloudformation", "DescribeStacks", region=region,
                                       StackName=stack_name)["Stacks"]
        except AwsError as error:
            if error.code == "ValidationError":
                return False
            raise
        return any(s.get("StackStatus") != "DELETE_COMPLETE" for s in stacks)

    # -- cost anomaly monitors -------------------------------------------------------------------

    def _anomaly_monitors(self) -> None:
        # One DIMENSIONAL/SERVICE monitor per account: observed behaviour that no AWS page
        # states (assumed; see generator/aws/emulator/costs.py).
        if not any("{{lzgen:anomaly-monitor:" in str(p.parameters) for p in self.manifest.stacks):
            return
        found = self.resolver.anomaly_monitor("SERVICE")
        if found:
            self.ui.note(f"the account has its own DIMENSIONAL/SERVICE cost anomaly monitor "
                         f"{found}: the billing stack subscribes to it instead of creating a "
                         "second (AWS allows one)")


def _administrator(step: StepPlan) -> tuple[str, str] | None:
    """(service principal, account token) of a step that names a delegated administrator."""
    params: dict[str, Any] = step.parameters
    if step.key == ("organizations", "RegisterDelegatedAdministrator"):
        return str(params["ServicePrincipal"]), str(params["AccountId"])
    if step.key == ("cloudtrail", "RegisterOrganizationDelegatedAdmin"):
        return "cloudtrail.amazonaws.com", str(params["MemberAccountId"])
    if step.action == "EnableOrganizationAdminAccount" and step.service in ("guardduty",
                                                                            "securityhub"):
        return f"{step.service}.amazonaws.com", str(params["AdminAccountId"])
    return None


def _deregister(step: StepPlan, principal: str) -> str:
    if step.service == "guardduty":
        return f"guardduty disable-organization-admin-account, in {step.region}"
    if step.service == "securityhub":
        return f"securityhub disable-organization-admin-account, in {step.region}"
    if step.service == "cloudtrail":
        return "cloudtrail deregister-organization-delegated-admin"
    return f"organizations deregister-delegated-administrator --service-principal {principal}"


def preflight(manifest: Manifest, gateway: Gateway, resolver: Resolver, ui: DeployUi,
              members: MemberReads | None = None) -> None:
    Preflight(manifest, gateway, resolver, ui, members).run()
