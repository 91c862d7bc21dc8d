"""The blueprint's SCPs (built-in and its own) leave lzgen's own machinery working: every action
that a StackSet instance or an alert delivery needs, in every member account and region it
runs in, passes that account's SCPs.

A StackSet whose role is refused fails its instance, and with a failure tolerance of 0 the
whole StackSet operation; an alert role that is refused drops the alert without a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath, Severity
from generator.machinery import SIGN_IN_WHY, Call, member_calls
from generator.model import Organization
from generator.policies.documents import full_aws_access
from generator.policies.evaluate import Chain, Level, Request, Verdict, evaluate
from generator.policies.params import ResolvedParams

_SCP_EVALUATION = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
                   "orgs_manage_policies_scps_evaluation.html")
FULL_AWS_ACCESS = "FullAWSAccess"
_SHOWN = 4  # accounts, regions and actions named in one finding; the rest are counted


@dataclass
class _Blocked:
    accounts: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    why: set[str] = field(default_factory=set)


_Key = tuple[str, str, bool, str, str]  # policy, statement, certain, reason, stackset


@rule("LZ316", "SCPs leave lzgen's StackSets and alerts working in every account",
      _SCP_EVALUATION, fixture="scp-blocks-stacksets.yaml")
def machinery_allowed(r: Rule, org: Organization) -> Iterable[Finding]:
    calls = member_calls(org)
    if not calls:
        return
    blocked: dict[_Key, _Blocked] = {}
    verdicts: dict[tuple[Any, ...], list[tuple[Call, str, Verdict]]] = {}
    for account in org.accounts:
        levels, signature = _levels(org, account)
        mine = [c for c in calls if c.account in ("", account)]
        cached = (signature, tuple(c.account for c in mine))
        if cached not in verdicts:
            verdicts[cached] = _refusals(levels, mine)
        for call, action, verdict in verdicts[cached]:
            entry = blocked.setdefault((verdict.policy, verdict.statement, verdict.certain,
                                        verdict.reason, call.stackset), _Blocked())
            entry.accounts.add(account)
            entry.regions.add(call.region)
            entry.actions.add(action)
            entry.roles.add(call.role_pattern)
            entry.why.add(call.why)
    for key in sorted(blocked, key=lambda k: (not k[2], k)):
        yield _finding(r, org, key, blocked[key])


def _levels(org: Organization, account: str) -> tuple[list[Level], tuple[tuple[str, ...], ...]]:
    """The SCPs at each level from the root to the account, AWS's FullAWSAccess included where
    the blueprint does not detach it."""
    detached = set(org.blueprint.full_aws_access.detach)
    levels: list[Level] = []
    for target in org.chain_for_account(account):
        level = [(p.name, p.document) for p in org.policies_on(target, "scp")
                 if p.document is not None]
        if target not in detached:
            level.append((FULL_AWS_ACCESS, _FULL_AWS_ACCESS))
        levels.append(level)
    return levels, tuple(tuple(name for name, _ in level) for level in levels)


_FULL_AWS_ACCESS = full_aws_access(ResolvedParams({}))


def _refusals(levels: list[Level], calls: list[Call]) -> list[tuple[Call, str, Verdict]]:
    chain = Chain.of(levels)
    found: list[tuple[Call, str, Verdict]] = []
    for call in calls:
        for action in call.actions:
            verdict = evaluate(chain, Request(action, call.region, call.principal_arn(),
                                              call.resource_arn()))
            if verdict is not None:
                found.append((call, action, verdict))
    return found


def _telling_first(value: str) -> tuple[bool, str]:
    """Creating calls first: they are what fails on the first deploy."""
    verb = value.partition(":")[2]
    return not verb.startswith(("Create", "Put", "Publish")), value


def _some(values: set[str], what: str) -> str:
    ordered = sorted(values, key=_telling_first)
    shown = ", ".join(ordered[:_SHOWN])
    rest = len(ordered) - _SHOWN
    return f"{what} {shown}" + (f" and {rest} more" if rest > 0 else "")


def _finding(r: Rule, org: Organization, key: _Key, blocked: _Blocked) -> Finding:
    policy, statement, certain, reason, stackset = key
    roles = ", ".join(sorted(blocked.roles))
    verb = "refuses" if certain else "may refuse"
    where = f"statement {statement!r} of SCP {policy!r}" if statement else reason
    message = (f"{where} {verb} lzgen's {stackset} ({'; '.join(sorted(blocked.why))}): "
               f"{_some(blocked.actions, 'action(s)')} by role {roles} in "
               f"{_some(blocked.accounts, 'account(s)')}, "
               f"{_some(blocked.regions, 'region(s)')}")
    hint = ("exempt lzgen's roles in that statement (ArnNotLike aws:PrincipalARN "
            "arn:aws:iam::*:role/stacksets-exec-* and arn:aws:iam::*:role/lzgen-root-activity-*),"
            " as lzgen's built-in SCPs do")
    if SIGN_IN_WHY in blocked.why:
        hint += ("; root console sign-ins are recorded in us-east-1 only, so the alert rule "
                 "there must be allowed even when us-east-1 is not a governed region")
    path: KeyPath = (("full_aws_access", "detach") if not statement
                     else org.policies[policy].yaml_path if policy in org.policies
                     else ("policies",))
    if not statement:
        hint = ("attach an SCP that allows these actions at that level, or keep AWS's "
                "FullAWSAccess there")
    return r.finding(org, path, message, hint, None if certain else Severity.WARNING)
