"""Build: from the resolved organization to stacks, StackSet bodies and API steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from generator.model import Organization
from generator.synth.types import ROOT_ID, ApiStep, Build, Stack, StackSetBody

Builder = Callable[[Organization, Build], None]

__all__ = ["ROOT_ID", "ApiStep", "Build", "Stack", "StackSetBody", "build"]


def _builders() -> list[Builder]:
    from generator.synth.accounts import build_account_steps
    from generator.synth.alerts import build_root_activity_alerts
    from generator.synth.billing import build_billing, build_compute_optimizer
    from generator.synth.config import build_config_recording
    from generator.synth.contacts import build_contacts
    from generator.synth.mfa import build_mfa_detection
    from generator.synth.organization import build_organization
    from generator.synth.orgwide import build_orgwide_steps
    from generator.synth.services import build_organization_trail, build_service_steps
    from generator.synth.steps import build_api_steps

    # build_api_steps looks at the StackSets the builders before it made.
    return [build_organization, build_config_recording, build_mfa_detection,
            build_root_activity_alerts, build_organization_trail, build_billing,
            build_api_steps, build_service_steps, build_orgwide_steps, build_compute_optimizer,
            build_contacts, build_account_steps]


def build(org: Organization) -> Build:
    result = Build()
    for builder in _builders():
        builder(org, result)
    home = org.blueprint.organization.home_region
    for stack in result.stacks:
        stack.region = stack.region or home
    result.stacks = _in_deploy_order(result.stacks)
    # Prepare steps run before the stacks, after steps later: list them in that order.
    result.api_steps = sorted(_without_repeats(result.api_steps, home),
                              key=lambda step: step.phase != "prepare")
    return result


def _without_repeats(steps: list[ApiStep], home: str) -> list[ApiStep]:
    """The first of each call (in its region, filled in): builders may each need, say, the
    same trusted access."""
    from generator.jsonio import compact_json

    seen: set[tuple[str, str, str, str, str]] = set()
    kept: list[ApiStep] = []
    for given in steps:
        step = replace(given, region=given.region or home)
        key = (step.phase, step.service, step.action, compact_json(step.parameters),
               step.region)
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
