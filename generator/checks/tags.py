"""Tags on the root, OUs, accounts and policies follow AWS's pattern and count."""

from __future__ import annotations

from collections.abc import Iterable

from generator.checks.registry import Rule, rule
from generator.findings import Finding, KeyPath
from generator.model import Organization

_SOURCE = "https://docs.aws.amazon.com/organizations/latest/APIReference/API_Tag.html"


def shown(text: str, limit: int = 40) -> str:
    """`text` for a message: cut to `limit` characters, invisible characters escaped."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:limit])


def tagged_entities(org: Organization) -> list[tuple[KeyPath, dict[str, str]]]:
    entities: list[tuple[KeyPath, dict[str, str]]] = [
        (("organization", "tags"), org.blueprint.organization.tags)]
    entities += [((*ou.yaml_path, "tags"), ou.spec.tags) for ou in org.ous.values()]
    entities += [(("accounts", n, "tags"), a.tags) for n, a in org.accounts.items()]
    entities += [(("policies", n, "tags"), p.spec.tags) for n, p in org.policies.items()]
    return entities


def tag_problem(key: str, value: str) -> str:
    # AWS's pattern is [\p{L}\p{Z}\p{N}_.:/=+\-@]*: letters, separators, numbers and a few
    # symbols, by Unicode category (so no control characters, even those Python calls spaces).
    from generator.policies.grammar import is_tag_text

    if not 1 <= len(key) <= 128:
        return f"tag key '{shown(key)}' must be 1 to 128 characters"
    if len(value) > 256:
        return f"the value of tag '{shown(key)}' is longer than 256 characters"
    if key.lower().startswith("aws:"):
        return f"tag key '{shown(key)}' uses the reserved prefix 'aws:'"
    for text, what in ((key, "key"), (value, "value")):
        if not is_tag_text(text):
            return (f"tag {what} '{shown(text)}' has characters AWS refuses "
                    "(allowed: letters, digits, spaces and _ . : / = + - @)")
    return ""


@rule("LZ130", "Tags follow AWS's pattern and count", _SOURCE, fixture="tag-bad-char.yaml")
def tags(r: Rule, org: Organization) -> Iterable[Finding]:
    limit = org.quotas["tags_per_entity"]
    for path, entity_tags in tagged_entities(org):
        if len(entity_tags) > limit:
            yield r.finding(org, path, f"{len(entity_tags)} tags; AWS allows {limit} per entity",
                            "remove tags, or move shared ones to the OU")
        for key, value in entity_tags.items():
            problem = tag_problem(key, value)
            if problem:
                yield r.finding(org, (*path, key), problem, "rename the tag or change its value")
