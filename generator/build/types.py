"""What the build stage produces: stacks, StackSet bodies and API steps, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Deploy-time parameter values that lzgen looks up itself rather than reading from the manifest.
ROOT_ID = "{{lzgen:root-id}}"


def account_id(name: str) -> str:
    """The ID of the member account NAME in an API step's parameters; deploy resolves it."""
    return "{{lzgen:account-id:" + name + "}}"


@dataclass
class Stack:
    """One CloudFormation stack deployed in the management account."""

    name: str
    template: dict[str, Any]
    description: str
    depends_on: list[str] = field(default_factory=list)
    parameters: dict[str, str] = field(default_factory=dict)
    region: str = ""


@dataclass
class StackSetBody:
    """The inline template of a service-managed StackSet, kept for linting and review."""

    name: str
    stack: str
    logical_id: str
    template: dict[str, Any]


@dataclass(frozen=True)
class ApiStep:
    """Something CloudFormation cannot do, done through an AWS API at deploy time."""

    phase: str  # "prepare" (before stacks) or "after" (after stacks and StackSets)
    service: str
    action: str
    parameters: dict[str, Any]
    reason: str


@dataclass
class Build:
    stacks: list[Stack] = field(default_factory=list)
    stacksets: list[StackSetBody] = field(default_factory=list)
    api_steps: list[ApiStep] = field(default_factory=list)

    def stack(self, name: str) -> Stack:
        return next(s for s in self.stacks if s.name == name)
