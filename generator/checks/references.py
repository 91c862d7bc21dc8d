"""Every name the blueprint uses must point at something it defines."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from generator.checks.registry import Rule, rule
from generator.findings import Finding
from generator.model import ROOT, Organization

_SOURCE = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
           "orgs_manage_policies_attach.html")


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else ""


@rule("LZ101", "Account parents resolve", _SOURCE, fixture="missing-ou.yaml")
def account_parent_exists(r: Rule, org: Organization) -> Iterable[Finding]:
    for name, account in org.accounts.items():
        if account.ou != ROOT and account.ou not in org.ous:
            hint = (_suggest(account.ou, org.ous)
                    or "use an OU path such as 'Workloads/Prod', or 'root'")
            yield r.finding(org, ("accounts", name, "ou"), f"account '{name}' is placed in OU "
                            f"'{account.ou}', which is not defined", hint)


@rule("LZ102", "Policy attachments resolve", _SOURCE, fixture="attach-bad-target.yaml")
def attachments_exist(r: Rule, org: Organization) -> Iterable[Finding]:
    for policy in org.policies.values():
        for target in policy.targets:
            path = (*policy.yaml_path, "attach", target.index)
            if target.kind == "unknown":
                yield r.finding(org, path, f"policy '{policy.name}' has attachment "
                                f"'{target.name}', which is not a target",
                                "write 'root', 'ou:PATH' (e.g. ou:Workloads/Prod) or "
                                "'account:NAME'")
            elif target.kind == "ou" and target.name not in org.ous:
                yield r.finding(org, path, f"policy '{policy.name}' is attached to OU "
                                f"'{target.name}', which is not defined",
                                _suggest(target.name, org.ous) or "define the OU or fix the path")
            elif target.kind == "account" and target.name not in org.blueprint.accounts:
                yield r.finding(org, path, f"policy '{policy.name}' is attached to account "
                                f"'{target.name}', which is not defined",
                                _suggest(target.name, org.blueprint.accounts)
                                or "define the account or fix the name")
        seen: set[str] = set()
        for target in policy.targets:
            if target.key in seen:
                yield r.finding(org, (*policy.yaml_path, "attach", target.index),
                                f"policy '{policy.name}' is attached to '{target.key}' twice",
                                "remove the repeated entry")
            seen.add(target.key)


@rule("LZ109", "FullAWSAccess detachments resolve", _SOURCE, fixture="detach-unknown-target.yaml")
def detach_targets_exist(r: Rule, org: Organization) -> Iterable[Finding]:
    for index, entry in enumerate(org.blueprint.full_aws_access.detach):
        kind, _, name = entry.partition(":")
        known = (entry == ROOT or (kind == "ou" and name in org.ous)
                 or (kind == "account" and name in org.blueprint.accounts))
        if not known:
            yield r.finding(org, ("full_aws_access", "detach", index),
                            f"'{entry}' is not a defined target",
                            "write 'root', 'ou:PATH' or 'account:NAME' of a defined OU or account")
