"""AWS Config in the member accounts, verified live before a deploy changes anything.

Two preconditions of generate's (generator/synth/config.py) need a look into every member
account, through the account's access role (OrganizationAccountAccessRole unless the blueprint
names another, as for the delegated administrators' steps in orgwide.py), in every governed
region:

* `config-recorder-external` (services.config.recorder: external): a configuration recorder
  that records. The Config rules lzgen deploys fail without one: PutConfigRule answers
  NoAvailableConfigurationRecorderException
  (https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigRule.html).
* `config-recorder-free` (lzgen records): no recorder and no delivery channel of another tool
  where lzgen's StackSet creates its own. An account and region holds one customer-managed
  recorder (PutConfigurationRecorder: MaxNumberOfConfigurationRecordersExceededException,
  https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html)
  and one delivery channel (PutDeliveryChannel: MaxNumberOfDeliveryChannelsExceededException,
  https://docs.aws.amazon.com/config/latest/APIReference/API_PutDeliveryChannel.html), so the
  StackSet's instance would fail half way. Where an instance of lzgen's StackSet is current,
  the recorder is lzgen's own and nothing is read; where one exists in another state, the
  recorder and channel named as lzgen names them are its own.

Service-linked recorders (those with a `servicePrincipal`, made for another AWS service) are
not customer-managed recorders: they neither count against the limit nor serve Config rules
(https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationRecorder.html).

Cost follows the change (5,000 accounts are not read on every deploy). The check runs when the
stack whose StackSets need it (lzgen's recorders, or the Config rules) is created or its
template changes: otherwise its instances exist already, and accounts added later get theirs
from auto-deployment, outside any deploy. An account verified is kept in the record of what
deploy applied (applied.py), keyed by the check, the account, its role and the regions; when
the check runs again it reads only accounts the record lacks. `--refresh` and `lzgen drift`
verify every account again. The accounts are read side by side, as many at a
time as deploy runs stacks (--workers).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.aws.applied import digest
from generator.errors import AwsError

if TYPE_CHECKING:
    from generator.aws.applied import AppliedRecord
    from generator.aws.gateway import Gateway
    from generator.aws.manifest import Manifest
    from generator.diff.model import Change

EXTERNAL = "config-recorder-external"
FREE_FOR_LZGEN = "config-recorder-free"
OWN_NAME = "lzgen"  # generator/synth/config.py RECORDER_NAME
SHOWN = 20  # accounts named in a message; the rest are counted
# What the deploying identity calls besides sts:AssumeRole on the access roles (the reads in
# member accounts are the access role's; ListStackInstances comes with lzgen's StackSets).
READS = ("organizations:ListAccounts", "config:DescribeConfigurationRecorders",
         "config:DescribeConfigurationRecorderStatus", "config:DescribeDeliveryChannels")


@dataclass(frozen=True)
class MemberCheck:
    """One of the two preconditions, as the manifest carries it."""

    kind: str  # EXTERNAL or FREE_FOR_LZGEN
    regions: tuple[str, ...]
    role: str  # the access role of accounts the blueprint gives no other
    roles: dict[str, str] = field(default_factory=dict)  # account name -> its access role
    stackset: str = ""  # lzgen's recorder StackSet (FREE_FOR_LZGEN)
    home: str = ""  # where the StackSet lives
    for_stack: str = ""  # the stack whose StackSets need the check ("": every deploy)

    @property
    def external(self) -> bool:
        return self.kind == EXTERNAL

    def role_of(self, name: str) -> str:
        return self.roles.get(name, self.role)


def access_roles(preconditions: list[dict[str, Any]]) -> list[str]:
    """The access roles a manifest's member checks assume (manifest.json's preconditions)."""
    return sorted({str(role) for p in preconditions
                   if p.get("id") in (EXTERNAL, FREE_FOR_LZGEN)
                   and (p.get("check") or {}).get("in_every_account")
                   for role in [p["check"].get("role"),
                                *(p["check"].get("roles") or {}).values()] if role})


def member_check(manifest: Manifest) -> MemberCheck | None:
    for kind in (EXTERNAL, FREE_FOR_LZGEN):
        found = manifest.precondition(kind)
        if found is not None and found.check.get("in_every_account"):
            return from_check(kind, found.check, manifest.home_region)
    return None


def from_check(kind: str, check: dict[str, Any], home: str) -> MemberCheck:
    return MemberCheck(kind, tuple(str(r) for r in check.get("regions") or [home]),
                       str(check.get("role") or "OrganizationAccountAccessRole"),
                       {str(k): str(v) for k, v in (check.get("roles") or {}).items()},
                       str(check.get("except_stackset") or ""), home,
                       str(check.get("for_stack") or ""))


@dataclass(frozen=True, order=True)
class Finding:
    """What stands in the way in one account (and region; "" for the whole account)."""

    name: str
    account: str
    region: str
    what: str

    def __str__(self) -> str:
        where = f" in {self.region}" if self.region else ""
        return f"{self.name} ({self.account}){where}: {self.what}"


@dataclass
class Verification:
    findings: list[Finding] = field(default_factory=list)
    read: int = 0  # accounts read
    recorded: int = 0  # accounts the record held
    own: int = 0  # accounts whose every region has a current instance of lzgen's StackSet
    verified: list[str] = field(default_factory=list)  # record keys of the accounts that pass

    def keep(self, record: AppliedRecord) -> None:
        """Add the accounts verified to the record: only once the deploy goes ahead (a refused
        deploy changes nothing, the record included)."""
        for key in self.verified:
            record.add(key)


class MemberRecorders:
    """Verify one MemberCheck in every member account (and, for EXTERNAL, the management
    account, read with the deploy's own credentials)."""

    def __init__(self, check: MemberCheck, gateway: Gateway, accounts: list[dict[str, Any]],
                 *, record: AppliedRecord | None = None, refresh: bool = False,
                 workers: int = 4) -> None:
        self.check, self.gateway, self.accounts = check, gateway, accounts
        self.record, self.refresh, self.workers = record, refresh, max(workers, 1)
        self._partition = "aws"

    def verify(self) -> Verification:
        result = Verification()
        caller = self.gateway.call("sts", "GetCallerIdentity")
        management, self._partition = str(caller["Account"]), str(caller["Arn"]).split(":")[1]
        todo: list[tuple[dict[str, Any], str]] = []
        for account in _active(self.accounts):
            if account["Id"] == management and not self.check.external:
                continue  # preflight.py checks the management account's own stacks
            key = self._key(account)
            if self.record is not None and key in self.record and not self.refresh:
                result.recorded += 1
                continue
            todo.append((account, key))
        if not todo:
            return result
        instances = self._instances() if self.check.stackset else {}
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            outcomes = list(pool.map(
                lambda item: self._account(item[0], management, instances), todo))
        for (_, key), (found, read) in zip(todo, outcomes, strict=True):
            result.read += read
            result.own += not read and not found
            if found:
                result.findings += found
            else:
                result.verified.append(key)
        result.findings.sort()
        return result

    def _key(self, account: dict[str, Any]) -> str:
        name = str(account.get("Name", ""))
        return digest("config-recorders", [self.check.kind, str(account["Id"]),
                                           self.check.role_of(name), list(self.check.regions),
                                           self.check.stackset])

    def _instances(self) -> dict[tuple[str, str], str]:
        """(account, region) -> status of each instance of lzgen's StackSet (none before the
        StackSet exists)."""
        try:
            listed = self.gateway.pages("cloudformation", "ListStackInstances", "Summaries",
                                        region=self.check.home, StackSetName=self.check.stackset)
        except AwsError as error:
            if error.code == "StackSetNotFoundException":
                return {}
            raise
        return {(str(i.get("Account")), str(i.get("Region"))): str(i.get("Status", ""))
                for i in listed}

    def _account(self, account: dict[str, Any], management: str,
                 instances: dict[tuple[str, str], str]) -> tuple[list[Finding], int]:
        """The findings in one account, and 1 if it was read (0: lzgen's own everywhere)."""
        ident, name = str(account["Id"]), str(account.get("Name", ""))
        regions = [r for r in self.check.regions if instances.get((ident, r)) != "CURRENT"]
        if not regions:
            return [], 0
        try:
            reader = self.gateway if ident == management else self._assume(ident, name)
            found: list[Finding] = []
            for region in regions:
                problem = (self._missing(reader, region) if self.check.external
                           else self._foreign(reader, region, (ident, region) in instances))
                if problem:
                    found.append(Finding(name, ident, region, problem))
        except AwsError as error:
            return [Finding(name, ident, "", f"cannot be read ({error.code}: "
                                             f"{error.message})")], 1
        return found, 1

    def _assume(self, ident: str, name: str) -> Gateway:
        arn = f"arn:{self._partition}:iam::{ident}:role/{self.check.role_of(name)}"
        return self.gateway.assume_role(arn, keep=False)

    @staticmethod
    def _missing(reader: Gateway, region: str) -> str:
        listed = reader.call("config", "DescribeConfigurationRecorderStatus",
                             region=region).get("ConfigurationRecordersStatus") or []
        own = [s for s in listed if not s.get("servicePrincipal")]
        if not own:
            return "no configuration recorder"
        if not any(s.get("recording") for s in own):
            names = ", ".join(str(s.get("name")) for s in own)
            return f"configuration recorder {names} is not recording"
        return ""

    @staticmethod
    def _foreign(reader: Gateway, region: str, has_instance: bool) -> str:
        def others(items: list[dict[str, Any]]) -> list[str]:
            return [str(i.get("name")) for i in items if not i.get("servicePrincipal")
                    and not (has_instance and i.get("name") == OWN_NAME)]

        recorders = others(reader.call("config", "DescribeConfigurationRecorders",
                                       region=region).get("ConfigurationRecorders") or [])
        channels = others(reader.call("config", "DescribeDeliveryChannels",
                                      region=region).get("DeliveryChannels") or [])
        parts = ([f"configuration recorder {', '.join(recorders)}"] if recorders else []) + (
            [f"delivery channel {', '.join(channels)}"] if channels else [])
        return " and ".join(parts)


def _active(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accounts that can hold resources: not suspended or being closed."""
    return sorted((a for a in accounts
                   if str(a.get("State") or a.get("Status") or "ACTIVE") == "ACTIVE"),
                  key=lambda a: str(a["Id"]))


def listed(findings: list[Finding]) -> str:
    shown = "; ".join(str(f) for f in findings[:SHOWN])
    more = len(findings) - SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def problems(check: MemberCheck, findings: list[Finding]) -> list[tuple[str, str]]:
    """(what, fix) for each kind of finding: accounts that cannot be read, and the others."""
    unreadable = [f for f in findings if not f.region]
    found = [f for f in findings if f.region]
    out: list[tuple[str, str]] = []
    if unreadable:
        out.append((
            f"{len(unreadable)} member account(s) cannot be read through their access role, so "
            f"AWS Config there cannot be verified: {listed(unreadable)}",
            "give each account that role, trusting the management account (accounts lzgen "
            "creates have it), or name the account's role in the blueprint (role_name); the "
            "deploying identity needs sts:AssumeRole on it (output/deployer-policy.json)"))
    if found and check.external:
        out.append((
            f"services.config.recorder is external, but {len(found)} member account "
            f"region(s) have no configuration recorder that records: {listed(found)}",
            "start AWS Config recording there with the tool that owns Config, or let lzgen "
            "create the recorders (services.config.recorder: lzgen)"))
    elif found:
        out.append((
            f"{len(found)} member account region(s) already have a configuration recorder or "
            f"delivery channel that StackSet {check.stackset} would collide with (AWS allows "
            f"one of each per account and region): {listed(found)}",
            "keep them and say so (services.config.recorder: external; they must then record "
            "in every account and region), or delete them there (aws configservice "
            "delete-delivery-channel, then delete-configuration-recorder)"))
    return out



def drift_changes(check: MemberCheck, findings: list[Finding]) -> list[Change]:
    """The findings as `lzgen drift` shows them: what the blueprint relies on that the live
    organization lacks (it weakens security: the Config rules cannot run, or lzgen's
    recorders cannot be deployed)."""
    from generator.diff.model import Change, Risk

    reason = ("the Config rules lzgen deploys need a recorder that records here "
              "(services.config.recorder: external)" if check.external else
              f"StackSet {check.stackset} cannot create lzgen's recorder here: AWS allows one "
              "recorder and one delivery channel per account and region")
    return [Change("config", "missing" if check.external else "conflicts",
                   f"{finding.name} ({finding.account})"
                   + (f" in {finding.region}" if finding.region else ""),
                   finding.what, Risk.WEAKENS, reason) for finding in findings]
