"""Policy documents follow their type's grammar and fit its size limit."""

from __future__ import annotations

from collections.abc import Iterable

from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath
from generator.model import Organization, ResolvedPolicy
from generator.quotas import DEFAULTS

_SYNTAX = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
           "orgs_manage_policies_scps_syntax.html")


def _document_path(policy: ResolvedPolicy, inner: KeyPath) -> KeyPath:
    base = policy.yaml_path
    if policy.spec.content is not None:
        return (*base, "content", *inner)
    return (*base, "file" if policy.spec.file is not None else "builtin")


@rule("LZ120", "Policy documents follow the grammar of their type", _SYNTAX,
      fixture="scp-bad-version.yaml")
def grammar(r: Rule, org: Organization) -> Iterable[Finding]:
    from generator.policies.grammar import validate

    for policy in org.policies.values():
        if policy.document is None:
            continue
        for problem in validate(policy.spec.type, policy.document):
            where = ".".join(str(p) for p in problem.path) or "document"
            yield r.finding(org, _document_path(policy, problem.path),
                            f"policy '{policy.name}' ({policy.spec.type}) at {where}: "
                            f"{problem.message}", problem.hint)


@rule("LZ121", "Policy documents fit their size limit", DEFAULTS["scp_size"].source,
      fixture="scp-too-large.yaml")
def size(r: Rule, org: Organization) -> Iterable[Finding]:
    from generator.policies.grammar import minified_size

    for policy in org.policies.values():
        if policy.document is None:
            continue
        limit = org.quotas[f"{policy.spec.type}_size"]
        used = minified_size(policy.document)
        if used > limit:
            yield r.finding(org, _document_path(policy, ()), f"policy '{policy.name}' is {used:,} "
                            f"characters minified; a {policy.spec.type} policy may have "
                            f"{limit:,}", "split it into two policies, or use wildcards in "
                            "action lists")
