"""Quotas of the OU tree and of attachments, and SCP sets that would lock accounts out."""

from __future__ import annotations

from collections.abc import Iterable

from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath
from generator.model import ROOT, Organization
from generator.quotas import DEFAULTS

_SCP_EVAL = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
             "orgs_manage_policies_scps_evaluation.html")
_TYPE_QUOTA = {"scp": "scp_per_target", "tag": "tag_per_target", "backup": "backup_per_target",
               "ai_opt_out": "ai_opt_out_per_target"}


def target_path(org: Organization, key: str) -> KeyPath:
    """Where a target ('root', 'ou:PATH', 'account:NAME') is defined in the blueprint."""
    kind, _, name = key.partition(":")
    if kind == "ou" and name in org.ous:
        return org.ous[name].yaml_path
    if kind == "account":
        return ("accounts", name)
    return ("organization",)


@rule("LZ110", "OU tree within the depth and count quotas", DEFAULTS["ou_depth"].source,
      fixture="ous-six-deep.yaml")
def ou_quotas(r: Rule, org: Organization) -> Iterable[Finding]:
    depth_limit = org.quotas["ou_depth"]
    for ou in org.ous.values():
        if ou.depth > depth_limit:
            yield r.finding(org, ou.yaml_path, f"OU '{ou.path}' is nested {ou.depth} levels deep; "
                            f"AWS allows {depth_limit} below the root",
                            "move it up the tree: AWS raises this limit for nobody")
        if "/" in ou.name:
            yield r.finding(org, ou.yaml_path, f"OU name '{ou.name}' contains '/'",
                            "'/' separates OU paths; use another character")
        if ou.depth == 1 and ou.name == ROOT:
            yield r.finding(org, ou.yaml_path, "a top-level OU cannot be named 'root'",
                            "'root' means the organization root in 'ou:' and 'attach:'; "
                            "name the OU differently (for example 'Root' or 'Core')")
    if len(org.ous) > org.quotas["ous"]:
        yield r.finding(org, ("organizational_units",),
                        f"{len(org.ous)} OUs exceed the quota of {org.quotas['ous']}",
                        "merge OUs, or raise quotas.ous after AWS raised it")


@rule("LZ111", "Policies attached to one target stay within the quota",
      DEFAULTS["scp_per_target"].source, fixture="eleven-scps.yaml")
def attachments_per_target(r: Rule, org: Organization) -> Iterable[Finding]:
    for key, names in org.attachments.items():
        for policy_type, quota_name in _TYPE_QUOTA.items():
            attached = [n for n in names if org.policies[n].spec.type == policy_type]
            if policy_type == "scp" and _keeps_full_access(org, key):
                attached.append("FullAWSAccess")
            limit = org.quotas[quota_name]
            if len(attached) > limit:
                yield r.finding(org, target_path(org, key), f"{len(attached)} {policy_type} "
                                f"policies are attached to {key} ({', '.join(attached)}); the "
                                f"limit is {limit}",
                                "merge policies, or attach some to a parent OU")


def _keeps_full_access(org: Organization, key: str) -> bool:
    return key not in org.blueprint.full_aws_access.detach


def _allows_something(org: Organization, key: str) -> bool:
    if _keeps_full_access(org, key):
        return True
    for policy in org.policies_on(key, "scp"):
        statements = (policy.document or {}).get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        if any(isinstance(s, dict) and s.get("Effect") == "Allow" for s in statements):
            return True
    return False


@rule("LZ112", "Every OU and account keeps an Allow path through its SCPs", _SCP_EVAL,
      fixture="lockout.yaml")
def scp_allow_path(r: Rule, org: Organization) -> Iterable[Finding]:
    if not org.blueprint.full_aws_access.detach:
        return
    blocked = {k for k in [ROOT, *(f"ou:{p}" for p in org.ous),
                           *(f"account:{a}" for a in org.accounts)]
               if not _allows_something(org, k)}
    detach = org.blueprint.full_aws_access.detach
    for key in sorted(blocked):
        # The root is written nowhere: point at the line that detaches FullAWSAccess from it.
        where = (("full_aws_access", "detach", detach.index(key))
                 if key == ROOT and key in detach else target_path(org, key))
        yield r.finding(org, where, f"{key} has FullAWSAccess detached and no "
                        "other SCP that allows anything: every account at or below it would be "
                        "locked out", "attach an SCP with an Allow statement (for example the "
                        "built-in 'full-aws-access') or keep FullAWSAccess")
