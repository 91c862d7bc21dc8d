"""What a build really contains: resources by type and content, API steps by action.

The scorecard and the runbooks look things up here instead of trusting the blueprint: a
recommendation counts as generated only when the resource or step is in the build.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.contract import MANIFEST, stack_file, stackset_file
from generator.jsonio import compact_json
from generator.synth.types import ApiStep, Build


@dataclass(frozen=True)
class Resource:
    file: str  # relative to output/
    logical_id: str
    type: str
    properties: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.file}#{self.logical_id}"

    def mentions(self, text: str) -> bool:
        return text in compact_json(self.properties)


def resources(build: Build) -> Iterator[Resource]:
    """Every resource of every stack and StackSet body, in file order."""
    templates = [(stack_file(s.name), s.template) for s in build.stacks]
    templates += [(stackset_file(b.name), b.template) for b in build.stacksets]
    for file, template in sorted(templates, key=lambda entry: entry[0]):
        for logical_id, resource in sorted(template.get("Resources", {}).items()):
            if isinstance(resource, dict):
                yield Resource(file, logical_id, str(resource.get("Type", "")),
                               resource.get("Properties") or {})


def of_type(build: Build, *types: str, mentioning: str = "") -> list[Resource]:
    """Resources of the given types whose properties contain `mentioning` (as JSON text)."""
    return [r for r in resources(build)
            if r.type in types and (not mentioning or r.mentions(mentioning))]


def root_activity_rules(build: Build) -> list[Resource]:
    """EventBridge rules whose pattern matches events of the root user."""
    return [r for r in of_type(build, "AWS::Events::Rule")
            if _matches_root(r.properties.get("EventPattern"))]


def _matches_root(pattern: Any) -> bool:
    # The pattern may be an object or a JSON string; in both the root user shows as
    # detail.userIdentity.type = "Root".
    text = pattern if isinstance(pattern, str) else compact_json(pattern)
    return "userIdentity" in text and '"Root"' in text


def root_mfa_rules(build: Build) -> list[Resource]:
    return of_type(build, "AWS::Config::ConfigRule", "AWS::Config::OrganizationConfigRule",
                   mentioning="ROOT_ACCOUNT_MFA_ENABLED")


def trails(build: Build) -> list[Resource]:
    return of_type(build, "AWS::CloudTrail::Trail")


def email_subscriptions(build: Build) -> list[Resource]:
    """SNS subscriptions, or topics with inline subscriptions, that send email."""
    found = [r for r in of_type(build, "AWS::SNS::Subscription")
             if str(r.properties.get("Protocol", "")).lower() == "email"]
    found += [r for r in of_type(build, "AWS::SNS::Topic")
              if any(isinstance(s, dict) and str(s.get("Protocol", "")).lower() == "email"
                     for s in r.properties.get("Subscription", []) or [])]
    return sorted(found, key=str)


def billing_read_only_roles(build: Build) -> list[Resource]:
    return of_type(build, "AWS::IAM::Role", mentioning="AWSBillingReadOnlyAccess")


def cost_watchers(build: Build) -> list[Resource]:
    return of_type(build, "AWS::Budgets::Budget", "AWS::CE::AnomalyMonitor",
                   "AWS::CE::AnomalySubscription")


def tag_policies(build: Build) -> list[Resource]:
    return [r for r in of_type(build, "AWS::Organizations::Policy")
            if r.properties.get("Type") == "TAG_POLICY"]


def accounts(build: Build) -> list[Resource]:
    return of_type(build, "AWS::Organizations::Account")


def organizational_units(build: Build) -> list[Resource]:
    return of_type(build, "AWS::Organizations::OrganizationalUnit")


def steps(build: Build, service: str, action: str, **parameters: Any) -> list[ApiStep]:
    """API steps of one action whose parameters include the given values."""
    return [s for s in build.api_steps if s.service == service and s.action == action
            and all(s.parameters.get(k) == v for k, v in parameters.items())]


def describe_step(step: ApiStep) -> str:
    values = " ".join(f"{k}={v}" for k, v in sorted(step.parameters.items())
                      if isinstance(v, str))
    return f"{MANIFEST} api_steps: {step.service}:{step.action}" + (f" {values}" if values else "")
