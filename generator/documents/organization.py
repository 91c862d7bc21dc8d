"""output/README.md: the organization as a picture and as tables, for people."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.documents.chart import chart_of, mermaid
from generator.inheritance import FULL_AWS_ACCESS, scps_in_effect
from generator.model import ROOT, Organization
from generator.synth.types import Build

README = "README.md"


@dataclass(frozen=True, slots=True)
class AccountRow:
    name: str
    email: str
    ou: str
    purpose: str
    environment: str
    scps: str


@dataclass(frozen=True, slots=True)
class OuRow:
    path: str
    environment: str
    accounts: int
    policies: str
    description: str


@dataclass(frozen=True, slots=True)
class PolicyRow:
    name: str
    type: str
    source: str
    targets: str
    description: str


def organization_readme(org: Organization, build: Build) -> dict[str, str]:
    from generator.documents.render import render

    chart = chart_of(org)
    text = render(
        "organization.md.j2",
        org=org.blueprint.organization,
        blueprint=Path(org.doc.file).name,
        chart=mermaid(chart),
        chart_note=chart.note,
        accounts=_account_rows(org),
        ous=_ou_rows(org),
        policies=_policy_rows(org),
        detached=sorted(org.blueprint.full_aws_access.detach),
        stacks=len(build.stacks),
    )
    return {README: text}


def _account_rows(org: Organization) -> list[AccountRow]:
    rows = []
    for name, account in org.accounts.items():
        environment = account.environment or org.environment_of_ou(account.ou)
        rows.append(AccountRow(name, account.email, account.ou, account.purpose.value,
                               environment.value if environment else "",
                               describe_scps(scps_in_effect(org, name))))
    return rows


def describe_scps(scps: dict[str, tuple[str, ...]]) -> str:
    """'deny-x (root), deny-y (ou:Security)'; FullAWSAccess is AWS's own and everywhere."""
    parts = []
    for name, via in scps.items():
        parts.append(name if name == FULL_AWS_ACCESS else f"{name} ({', '.join(via)})")
    return ", ".join(parts) or "none"


def _ou_rows(org: Organization) -> list[OuRow]:
    direct: dict[str, int] = {}
    for account in org.accounts.values():
        direct[account.ou] = direct.get(account.ou, 0) + 1
    rows = []
    for path, ou in org.ous.items():
        environment = org.environment_of_ou(path)
        rows.append(OuRow(path, environment.value if environment else "", direct.get(path, 0),
                          ", ".join(org.attachments.get(f"ou:{path}", [])),
                          ou.spec.description))
    return rows


def _policy_rows(org: Organization) -> list[PolicyRow]:
    rows = []
    for name, policy in org.policies.items():
        spec = policy.spec
        source = (f"built-in {spec.builtin}" if spec.builtin else
                  f"file {spec.file}" if spec.file else "inline")
        targets = ", ".join(sorted({ROOT if t.key == ROOT else t.key for t in policy.targets}))
        rows.append(PolicyRow(name, spec.type, source, targets or "not attached",
                              spec.description))
    return rows
