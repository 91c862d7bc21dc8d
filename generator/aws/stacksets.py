"""Service-managed StackSets live as resources in the management stacks; CloudFormation runs
their operations. After a stack completes, deploy waits for its StackSets' operations and
reports every stack instance that is not current, by account and region.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.aws.gateway import Gateway
from generator.aws.manifest import StackPlan, StackSetPlan

RUNNING = frozenset({"RUNNING", "QUEUED", "STOPPING"})
BAD_DETAIL = frozenset({"FAILED", "CANCELLED", "INOPERABLE"})


@dataclass(frozen=True)
class InstanceFailure:
    stack_set: str
    account: str
    region: str
    status: str
    reason: str

    def __str__(self) -> str:
        reason = f": {self.reason}" if self.reason else ""
        return f"{self.stack_set} in account {self.account}, {self.region}: {self.status}{reason}"


def stack_set_name(plan: StackPlan, stack_set: StackSetPlan) -> str:
    resource = plan.resources().get(stack_set.logical_id) or {}
    return str((resource.get("Properties") or {}).get("StackSetName") or stack_set.name)


def wait_for_operations(gateway: Gateway, region: str, name: str, *, poll_seconds: float,
                        timeout_seconds: float,
                        sleep: Callable[[float], None] = time.sleep) -> None:
    deadline = time.monotonic() + timeout_seconds
    while True:
        operations = gateway.pages("cloudformation", "ListStackSetOperations", "Summaries",
                                   region=region, StackSetName=name)
        if not any(op.get("Status") in RUNNING for op in operations):
            return
        if time.monotonic() > deadline:
            return  # the instances' status below tells what is not done
        sleep(poll_seconds)


def wait_for_operation(gateway: Gateway, region: str, name: str, operation_id: str, *,
                       poll_seconds: float, timeout_seconds: float,
                       sleep: Callable[[float], None] = time.sleep) -> None:
    """Wait for one operation that deploy started, by its ID: one read a poll, however many
    operations the StackSet has run before (ListStackSetOperations pages through all of them).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackSetOperation.html"""
    deadline = time.monotonic() + timeout_seconds
    while True:
        found = gateway.call("cloudformation", "DescribeStackSetOperation", region=region,
                             StackSetName=name, OperationId=operation_id)
        if (found.get("StackSetOperation") or {}).get("Status") not in RUNNING:
            return
        if time.monotonic() > deadline:
            return  # the instances' status tells what is not done
        sleep(poll_seconds)


def instances(gateway: Gateway, region: str, name: str) -> list[dict[str, Any]]:
    return gateway.pages("cloudformation", "ListStackInstances", "Summaries", region=region,
                         StackSetName=name)


def failures(name: str, listed: list[dict[str, Any]]) -> list[InstanceFailure]:
    found: list[InstanceFailure] = []
    for instance in listed:
        detail = str((instance.get("StackInstanceStatus") or {}).get("DetailedStatus", ""))
        status = str(instance.get("Status", ""))
        if status != "CURRENT" or detail in BAD_DETAIL:
            found.append(InstanceFailure(name, str(instance.get("Account", "")),
                                         str(instance.get("Region", "")),
                                         detail or status, str(instance.get("StatusReason", ""))))
    return sorted(found, key=lambda f: (f.account, f.region))


def operation_preferences(plan: StackPlan, stack_set: StackSetPlan) -> dict[str, Any]:
    """The blueprint's preferences, as the StackSet resource carries them."""
    resource = plan.resources().get(stack_set.logical_id) or {}
    preferences: dict[str, Any] = (resource.get("Properties") or {}).get(
        "OperationPreferences") or {}
    return preferences


def override_differs(gateway: Gateway, region: str, name: str, *, account: str,
                     instance_region: str, wanted: dict[str, str]) -> bool | None:
    """Whether an instance's overrides differ from `wanted`; None if there is no instance."""
    from generator.errors import AwsError

    try:
        found = gateway.call("cloudformation", "DescribeStackInstance", region=region,
                             StackSetName=name, StackInstanceAccount=account,
                             StackInstanceRegion=instance_region)["StackInstance"]
    except AwsError as error:
        if error.code in ("StackInstanceNotFoundException", "StackInstanceNotFound"):
            return None
        raise
    current = {str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
               for p in found.get("ParameterOverrides") or []}
    return any(current.get(key) != value for key, value in wanted.items())
