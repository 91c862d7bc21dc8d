"""What the build stage produces: stacks, StackSet bodies and API steps, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.synth.layout import Assignment

# Deploy-time tokens: values lzgen deploy looks up itself, because they only exist once the
# organization does. They appear as stack parameter values and in API step parameters.
ROOT_ID = "{{lzgen:root-id}}"
ORGANIZATION_ID = "{{lzgen:organization-id}}"


def account_id(name: str) -> str:
    """The ID of the member account NAME in an API step's parameters; deploy resolves it."""
    return "{{lzgen:account-id:" + name + "}}"


# The anomaly monitor lzgen's billing stack creates (when the account has none of its kind).
OWN_ANOMALY_MONITOR = "lzgen-services"


def anomaly_monitor(dimension: str) -> str:
    """The ARN of a DIMENSIONAL anomaly monitor of `dimension` the management account already
    has (not lzgen's own), or "" when there is none; deploy looks it up."""
    return "{{lzgen:anomaly-monitor:" + dimension + "}}"


TOKENS = {
    ROOT_ID: "ID of the organization root (r-...): organizations ListRoots",
    ORGANIZATION_ID: "ID of the organization (o-...): organizations DescribeOrganization",
    account_id("NAME"): "12-digit ID of the blueprint's account NAME, found by name "
                        "(organizations ListAccounts, or the SSM parameter the account stack "
                        "wrote)",
    anomaly_monitor("DIMENSION"): "ARN of the DIMENSIONAL cost anomaly monitor of that dimension "
                                  "the account already has, other than lzgen's own, or empty "
                                  "(ce GetAnomalyMonitors)",
}


@dataclass
class Stack:
    """One CloudFormation stack deployed in the management account."""

    name: str
    template: dict[str, Any]
    description: str
    depends_on: list[str] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    region: str = ""
    capabilities: list[str] = field(default_factory=list)  # e.g. CAPABILITY_NAMED_IAM


@dataclass
class StackSetBody:
    """The inline template of a service-managed StackSet, kept for linting and review."""

    name: str
    stack: str
    logical_id: str
    template: dict[str, Any]
    regions: list[str] = field(default_factory=list)
    targets: str = ""  # who gets an instance, in words: "every member account", ...
    account: str = ""  # the one blueprint account it targets; "" for every member account


@dataclass(frozen=True)
class ApiStep:
    """Something CloudFormation cannot do, done through an AWS API at deploy time."""

    phase: str  # "prepare" (before stacks) or "after" (after stacks and StackSets)
    service: str
    action: str
    parameters: dict[str, Any]
    reason: str
    region: str = ""  # where to call it; "" means the home region
    # How to tell that the step is already in place: a read-only call ("service", "action",
    # "parameters") and a JMESPath "path" into its response that must "contain" a value, or
    # must not ("absent"); {"idempotent": True} when repeating the call is harmless.
    check: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Precondition:
    """Something the output relies on but does not create: deploy verifies it before changing
    anything (`check`, in the form of ApiStep.check, run where `scope` says), and the
    scorecard shows what depends on it as assumed."""

    id: str
    what: str  # what must be true, in words
    verify: str  # how a person verifies it by hand
    scope: str  # where: "management account", "every governed account and region", ...
    check: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StackSetOverride:
    """Parameter values that differ per account: deploy applies them with UpdateStackInstances
    once the StackSet's instances exist (accounts by blueprint name, values by parameter)."""

    stackset: str
    regions: list[str]
    accounts: dict[str, dict[str, str]]


@dataclass
class Build:
    stacks: list[Stack] = field(default_factory=list)
    stacksets: list[StackSetBody] = field(default_factory=list)
    api_steps: list[ApiStep] = field(default_factory=list)
    stackset_overrides: list[StackSetOverride] = field(default_factory=list)
    layout: Assignment | None = None  # which organization stack holds what (synth/layout.py)
    preconditions: list[Precondition] = field(default_factory=list)

    def stack(self, name: str) -> Stack:
        return next(s for s in self.stacks if s.name == name)
