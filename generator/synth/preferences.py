"""StackSet operation preferences sized to the organization, where the blueprint leaves them.

With the default STRICT_FAILURE_TOLERANCE concurrency mode, CloudFormation runs an operation
in at most FailureToleranceCount + 1 accounts at a time, whatever MaxConcurrentPercentage
says; SOFT_FAILURE_TOLERANCE lets the maximum apply regardless of failures
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackSetOperationPreferences.html).
A zero tolerance thus rolls a StackSet out one account after another: fine for a few dozen
accounts, days for thousands. From `LARGE` member accounts on, lzgen tolerates a small share
of failed accounts and lets a quarter of the accounts run at once; percentages are rounded
down by CloudFormation, so they scale with the organization without a count to maintain.
"""

from __future__ import annotations

from typing import Any

from generator.model import Organization

LARGE = 50  # member accounts from which a strict, zero-tolerance rollout is too slow
SMALL = {"RegionConcurrencyType": "PARALLEL", "FailureTolerancePercentage": 0,
         "MaxConcurrentPercentage": 25}
SIZED = {"RegionConcurrencyType": "PARALLEL", "FailureTolerancePercentage": 10,
         "MaxConcurrentPercentage": 25, "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}


def operation_preferences(org: Organization) -> dict[str, Any]:
    """The OperationPreferences of every StackSet: the blueprint's values where it sets
    them, else the size-based ones."""
    sized = dict(SIZED if len(org.accounts) >= LARGE else SMALL)
    given = org.blueprint.stacksets.operation_preferences
    chosen = {"RegionConcurrencyType": given.region_concurrency,
              "FailureTolerancePercentage": given.failure_tolerance_percentage,
              "MaxConcurrentPercentage": given.max_concurrent_percentage,
              "ConcurrencyMode": given.concurrency_mode}
    for key, value in chosen.items():
        if value is not None:
            sized[key] = value
    return sized
