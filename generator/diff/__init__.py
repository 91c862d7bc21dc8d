"""`lzgen diff`: a semantic diff of two blueprints (organization, effective policies and
CloudFormation resources), as frozen data; generator/diff/writers.py renders it."""

from __future__ import annotations

from generator.diff.model import Change, Diff, EffectiveChange, PolicyRef, ResourceChange, Risk
from generator.model import Organization
from generator.synth.types import Build

__all__ = ["Change", "Diff", "EffectiveChange", "PolicyRef", "ResourceChange", "Risk",
           "compare"]

Side = tuple[Organization, Build]


def compare(base: Side | None, head: Side, base_label: str = "base",
            head_label: str = "head") -> Diff:
    """What changes from BASE to HEAD; BASE None means the blueprint is new."""
    from generator.diff.effective import compare_effective
    from generator.diff.organization import compare_organization
    from generator.diff.picture import diff_chart
    from generator.diff.resources import compare_resources

    base_org = base[0] if base else None
    head_org = head[0]
    changes, matches = compare_organization(base_org, head_org)
    effective = compare_effective(base_org, head_org, matches)
    resources = compare_resources(base, head)
    chart = diff_chart(base_org, head_org, matches, changes)
    return Diff(base_label, head_label, tuple(changes), tuple(effective), tuple(resources),
                chart)
