"""CloudFormation's limits on what generate writes, checked at generate as located findings.

Per template: resources, parameters, outputs and mappings, and the size of the body
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
A stack template over the inline limit of 51,200 bytes is deployed from S3 by TemplateURL
(generator/aws/templates.py), which allows 1 MB; a StackSet's body is inline in its stack's
template, so it has to stay under 51,200 bytes itself. Per account and region: 2,000 stacks
and 1,000 StackSets. The layout (synth/layout.py) sizes the organization's stacks to fit; what
still does not fit (one policy with more than 200 targets in other stacks, say) is reported
here, never discovered by deploy.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from generator.findings import Finding, KeyPath, Severity
from generator.jsonio import compact_json
from generator.model import Organization
from generator.quotas import Quotas
from generator.synth.types import Build, Stack

RULE = "LZ140"
SOURCE = ("https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
          "cloudformation-limits.html")
# Stacks lzgen deploys besides the generated ones: the template bucket's stack.
EXTRA_STACKS = 1

_SECTIONS = (("Resources", "template_resources", "resources"),
             ("Parameters", "template_parameters", "parameters"),
             ("Outputs", "template_outputs", "outputs"),
             ("Mappings", "template_mappings", "mappings"))


def body_bytes(template: dict[str, Any]) -> int:
    """The size CloudFormation counts: the compact JSON deploy sends."""
    return len(compact_json(template).encode("utf-8"))


def over_limits(template: dict[str, Any], quotas: Quotas) -> list[str]:
    """What of `template` exceeds a per-template limit, in words (empty when it fits)."""
    over = []
    for section, quota, words in _SECTIONS:
        count = len(template.get(section) or {})
        if count > quotas[quota]:
            over.append(f"{count} {words} (at most {quotas[quota]})")
    size = body_bytes(template)
    if size > quotas["template_bytes"]:
        over.append(f"{size:,} bytes (at most {quotas['template_bytes']:,} through S3)")
    return over


def template_findings(org: Organization, build: Build) -> list[Finding]:
    findings: list[Finding] = []
    for stack in build.stacks:
        over = over_limits(stack.template, org.quotas)
        if over:
            findings.append(_finding(
                org, _where(org, build, stack),
                f"stack {stack.name} exceeds CloudFormation's limits: {', '.join(over)}",
                _hint(stack)))
    for body in build.stacksets:
        over = [o for o in over_limits(body.template, org.quotas) if "bytes" not in o]
        if over:
            findings.append(_finding(
                org, (), f"the template of StackSet {body.name} exceeds CloudFormation's "
                f"limits: {', '.join(over)}", "deploy less through this StackSet"))
        size = body_bytes(body.template)
        if size > org.quotas["stackset_body_bytes"]:
            findings.append(_finding(
                org, (), f"the template of StackSet {body.name} is {size:,} bytes, over the "
                f"{org.quotas['stackset_body_bytes']:,} bytes of an inline StackSet body",
                "shorten what the StackSet deploys (fewer regions or rules)"))
    per_region = Counter(stack.region for stack in build.stacks)
    for region, count in sorted(per_region.items()):
        if count + EXTRA_STACKS > org.quotas["stacks"]:
            findings.append(_finding(
                org, (), f"{count + EXTRA_STACKS} stacks in {region}, over CloudFormation's "
                f"quota of {org.quotas['stacks']} stacks per account and region",
                "ask AWS to raise the quota, then set quotas.stacks"))
    if len(build.stacksets) > org.quotas["stacksets"]:
        findings.append(_finding(
            org, (), f"{len(build.stacksets)} StackSets, over CloudFormation's quota of "
            f"{org.quotas['stacksets']} per administrator account",
            "ask AWS to raise the quota, then set quotas.stacksets"))
    return findings


def _finding(org: Organization, path: KeyPath, message: str, hint: str) -> Finding:
    return Finding(RULE, Severity.ERROR, message, hint, org.locate(path), path, SOURCE)


def _where(org: Organization, build: Build, stack: Stack) -> KeyPath:
    """The blueprint entry behind an organization stack: its first member."""
    layout = build.layout
    if layout is not None:
        for section, stacks in (("organizational_units", layout.ous),
                                ("accounts", layout.accounts), ("policies", layout.policies)):
            members = stacks.get(stack.name)
            if members:
                if section == "organizational_units":
                    return org.ous[members[0]].yaml_path
                return (section, members[0])
    return ()


def _hint(stack: Stack) -> str:
    if stack.name.startswith("policies"):
        return ("a single policy with more targets in other stacks than a template has "
                "parameters cannot be split: attach it to fewer OUs or accounts (an OU "
                "higher up covers all of its accounts)")
    return "split the entries of this stack over more stacks (blueprint `layout`)"
