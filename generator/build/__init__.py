"""Build: from the resolved organization to stacks, StackSet bodies and API steps."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from generator.build.types import ROOT_ID, ApiStep, Build, Stack, StackSetBody
from generator.model import Organization

Builder = Callable[[Organization, Build], None]

__all__ = ["ROOT_ID", "ApiStep", "Build", "Stack", "StackSetBody", "build"]


def _builders() -> list[Builder]:
    from generator.build.alerts import build_root_activity_alerts
    from generator.build.billing import build_billing
    from generator.build.mfa import build_mfa_detection
    from generator.build.organization import build_organization
    from generator.build.services import build_organization_trail, build_service_steps
    from generator.build.steps import build_api_steps

    # build_api_steps looks at the StackSets the builders before it made.
    return [build_organization, build_mfa_detection, build_root_activity_alerts,
            build_organization_trail, build_billing, build_api_steps, build_service_steps]


def build(org: Organization) -> Build:
    result = Build()
    for builder in _builders():
        builder(org, result)
    home = org.blueprint.organization.home_region
    for stack in result.stacks:
        stack.region = stack.region or home
    result.stacks = _in_deploy_order(result.stacks)
    result.api_steps = _steps_in_order(result.api_steps, home)
    return result


def _steps_in_order(steps: list[ApiStep], home: str) -> list[ApiStep]:
    """"prepare" steps before "after" steps, each kind in the order the builders gave; a step
    that repeats an earlier one (same call, same region) is dropped; regions filled in."""
    seen: set[str] = set()
    kept: list[ApiStep] = []
    for given in sorted(steps, key=lambda s: s.phase != "prepare"):
        step = replace(given, region=given.region or home)
        key = json.dumps([step.service, step.action, step.parameters, step.region],
                         sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept.append(step)
    return kept


def _in_deploy_order(stacks: list[Stack]) -> list[Stack]:
    """Dependencies first; among stacks that are ready, by name (so the order is stable)."""
    by_name = {s.name: s for s in stacks}
    done: set[str] = set()
    ordered: list[Stack] = []
    while len(ordered) < len(stacks):
        ready = sorted(n for n, s in by_name.items()
                       if n not in done and all(d in done or d not in by_name
                                                for d in s.depends_on))
        if not ready:
            cycle = sorted(set(by_name) - done)
            raise RuntimeError(f"stack dependency cycle among {cycle}")
        done.add(ready[0])
        ordered.append(by_name[ready[0]])
    return ordered
