"""`lzgen init`: a first blueprint from a few answers, in one of three starting shapes.

The blueprint is rendered from templates/init-blueprint.yaml.j2. It passes `lzgen generate` as
written; the sections only the user can fill (root access plan, contacts, billing readers) are
written commented out, each marked with the rules that check them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from generator.checks.names import email_problem, known_regions
from generator.documents.render import render


class Shape(StrEnum):
    CONTROL_TOWER = "control-tower"
    LZA = "lza"
    SANDBOX_HEAVY = "sandbox-heavy"


@dataclass(frozen=True)
class _ShapeText:
    title: str
    summary: str
    audit_name: str
    sandboxes: int


SHAPES: dict[Shape, _ShapeText] = {
    Shape.CONTROL_TOWER: _ShapeText(
        "Control Tower-like", "Security (log archive, audit), Sandbox, plus Infrastructure and "
        "Workloads split into Prod and NonProd.", "audit", 1),
    Shape.LZA: _ShapeText(
        "Landing Zone Accelerator-like", "Security (log archive, audit), Infrastructure "
        "(network, shared services), Workloads split into Prod and NonProd, and Suspended.",
        "audit", 0),
    Shape.SANDBOX_HEAVY: _ShapeText(
        "sandbox-heavy", "Security, Infrastructure, a small Workloads OU and a Sandbox OU with "
        "an account per team of builders.", "security-tooling", 4),
}

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,29}$")


@dataclass(frozen=True)
class Answers:
    name: str = "example"
    domain: str = "example.com"
    home_region: str = "us-east-1"
    regions: tuple[str, ...] = field(default=())  # empty: the home region alone
    shape: Shape = Shape.CONTROL_TOWER

    @property
    def allowed_regions(self) -> list[str]:
        rest = [r for r in dict.fromkeys(self.regions) if r != self.home_region]
        return [self.home_region, *rest]


def name_problem(name: str) -> str:
    if not _NAME.match(name):
        return ("use 1 to 30 lowercase letters, digits and '-', starting with a letter "
                "(it prefixes account and trail names)")
    return ""


def domain_problem(domain: str) -> str:
    # The longest root email the template writes: AWS's limits on it limit the domain.
    problem = email_problem(f"aws-security-tooling@{domain}")
    return f"root emails such as aws-security-tooling@{domain} {problem}" if problem else ""


def region_problem(region: str) -> str:
    if region not in known_regions():
        return f"'{region}' is not an AWS region (e.g. us-east-1, eu-west-1)"
    return ""


def problems(answers: Answers) -> list[str]:
    """Why the answers cannot make a blueprint, one line per answer; [] when they can."""
    found = [f"name: {p}" for p in [name_problem(answers.name)] if p]
    found += [f"email domain: {p}" for p in [domain_problem(answers.domain)] if p]
    found += [f"region: {p}" for p in map(region_problem, answers.allowed_regions) if p]
    return found


def blueprint_text(answers: Answers) -> str:
    shape = SHAPES[answers.shape]
    has_sandbox = answers.shape is not Shape.LZA
    guarded = ["ou:Security", "ou:Infrastructure", "ou:Workloads"]
    workloads = ["ou:Infrastructure", "ou:Workloads"]
    if has_sandbox:
        guarded.append("ou:Sandbox")
        workloads.append("ou:Sandbox")
    return render("init-blueprint.yaml.j2", name=answers.name, domain=answers.domain.lower(),
                  home_region=answers.home_region, regions=answers.allowed_regions,
                  shape=answers.shape.value, shape_title=shape.title,
                  shape_summary=shape.summary, audit_name=shape.audit_name,
                  sandboxes=shape.sandboxes, guarded=guarded, workload_targets=workloads)
