"""Accounts and OUs carry the tags their effective tag policy and the tagging strategy ask for.

Tag policies govern resources; for the organization's own accounts and OUs, lzgen holds them
to the same rules before anything is deployed: the effective tag policy of each account and OU
(folded from the root down through org.attachments) fixes capitalization and allowed values,
and every tag the `tagging` section marks `required` must be on every account and OU below the
section's attachment points (tags on an OU are not inherited by what it contains).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath
from generator.model import ROOT, Organization

_SOURCE = ("https://docs.aws.amazon.com/organizations/latest/userguide/"
           "orgs_manage_policies_tag-policies.html")


def _entities(org: Organization) -> list[tuple[str, KeyPath, dict[str, str], list[str]]]:
    """(what it is, where it is defined, its tags, its chain of targets from the root) of each
    OU and account."""
    found = [(f"OU {ou.path}", ou.yaml_path, ou.spec.tags, org.chain_for_ou(ou.path))
             for ou in org.ous.values()]
    found += [(f"account {name}", ("accounts", name), account.tags,
               org.chain_for_account(name))
              for name, account in org.accounts.items()
              if account.ou == ROOT or account.ou in org.ous]
    return found


class _Effective:
    """Effective tag policies, computed once per distinct chain of attached tag policies."""

    def __init__(self, org: Organization) -> None:
        self.org = org
        self.cache: dict[tuple[tuple[str, ...], ...], dict[str, Any] | None] = {}

    def of(self, chain: list[str]) -> dict[str, Any] | None:
        from generator.policies.effective import effective_tag_policy

        levels = tuple(tuple(p.name for p in self.org.policies_on(key, "tag")
                             if p.document is not None) for key in chain)
        if levels not in self.cache:
            documents = [[self.org.policies[n].document or {} for n in level]
                         for level in levels]
            try:
                policy: dict[str, Any] | None = (effective_tag_policy(documents)
                                                 if any(levels) else None)
            except ValueError:
                policy = None  # an invalid document: LZ120 reports it
            self.cache[levels] = policy
        return self.cache[levels]


def _required(org: Organization) -> tuple[set[str], list[str]]:
    """(targets the tagging section is attached to, the keys it requires)."""
    from generator.policies.strategy import required_keys

    tagging = org.blueprint.tagging
    if tagging is None:
        return set(), []
    return set(tagging.attach), required_keys(tagging)


def _problems(effective: Mapping[str, Any] | None, tags: Mapping[str, str],
              required: list[str]) -> list[tuple[str, str]]:
    """(tag key or "", message) for each way the tags break the rules, once each."""
    from generator.policies.effective import tag_compliance

    rules: Mapping[str, Any] = (effective or {}).get("tags", {})
    problems: list[tuple[str, str]] = []
    for key, value in sorted(tags.items()):
        rule = rules.get(key.lower())
        if rule is not None:
            # Only this tag's spelling and value; absent tags are handled below.
            alone = {k: v for k, v in rule.items() if k != "report_required_tag_for"}
            problems += [(key, m) for m in tag_compliance({"tags": {key.lower(): alone}},
                                                          {key: value})]
    reported = [rule["tag_key"] for rule in rules.values() if rule.get("report_required_tag_for")]
    present = {key.lower() for key in tags}
    missing: dict[str, str] = {}
    for key in (*required, *reported):
        if key.lower() not in present:
            missing.setdefault(key.lower(), key)
    problems += [("", f"required tag {key!r} is missing") for key in missing.values()]
    return problems


@rule("LZ310", "Accounts and OUs carry the tags their tag policies require", _SOURCE,
      fixture="tag-required-missing.yaml")
def tags_comply(r: Rule, org: Organization) -> Iterable[Finding]:
    effective = _Effective(org)
    attached_to, required = _required(org)
    for what, path, tags, chain in _entities(org):
        needs = required if attached_to.intersection(chain) else []
        for key, message in _problems(effective.of(chain), tags, needs):
            where = (*path, "tags", key) if key else (*path, "tags")
            hint = (f"add the tag to the tags of {what}: tags on an OU do not reach what it "
                    "contains" if not key else "change the tag to what the tag policy allows")
            yield r.finding(org, where, f"{what}: {message}", hint)
