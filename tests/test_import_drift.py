"""`lzgen import` and `lzgen drift` against the local emulator: the example deployed and
imported again is the example; drift against it is empty; changes made by hand are each
reported once with their risk; and `deploy --adopt`'s plan of resources to import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.aws.emulator.local import FAKE_CREDENTIALS
from generator.aws.gateway import Gateway
from generator.diff import Diff, Risk
from generator.model import Organization
from tests.emulator import Emulator
from tests.test_deploy_e2e import EXAMPLE, Run, generate

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLE, tmp_path_factory.mktemp("example") / "output")


@pytest.fixture
def deployed(emulator: Emulator, example_output: Path) -> Gateway:
    run = Run(emulator)
    run(example_output)
    return run.gateway


def shape(org: Organization) -> dict[str, Any]:
    """What import must read back: OUs, accounts, policies, attachments, tags."""
    return {
        "root_tags": dict(org.blueprint.organization.tags),
        "ous": {p: (ou.parent, dict(ou.spec.tags)) for p, ou in org.ous.items()},
        "accounts": {n: (a.email, a.ou, dict(a.tags)) for n, a in org.accounts.items()},
        "policies": {n: (p.spec.type, p.document, sorted({t.key for t in p.targets}),
                         dict(p.spec.tags))
                     for n, p in org.policies.items()},
        "detach": sorted(org.blueprint.full_aws_access.detach),
        "services": {s: (getattr(org.blueprint.services, s) or None) and
                     getattr(org.blueprint.services, s).delegated_admin
                     for s in ("cloudtrail", "config", "guardduty", "securityhub",
                               "access_analyzer")},
    }


def test_import_of_the_deployed_example_is_the_example(deployed: Gateway,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "imported" / "acme.yaml"
    result = api.import_organization(path, api.DeploySettings(), gateway=deployed)

    imported = api.load(path)
    assert shape(imported) == shape(api.load(EXAMPLE))
    # moto's management account is master@example.com, off the example's domain: the
    # blueprint is written anyway, with the finding in its header.
    errors = [(f.rule, f.path) for f in result.findings if f.is_error]
    assert errors == [("LZ105", ("organization", "management_account", "email"))]
    text = path.read_text()
    assert "#   LZ105: root email 'master@example.com'" in text
    assert f"from AWS organization {result.organization_id}" in text
    assert "builtin: deny-outside-regions" in text
    assert (tmp_path / "imported" / "policies" / "deny-large-instances.json").is_file()
    again = tmp_path / "again.yaml"
    api.import_organization(again, api.DeploySettings(), gateway=deployed)
    assert again.read_text() == text


def test_drift_of_the_deployed_example_is_empty(deployed: Gateway) -> None:
    result = api.drift(EXAMPLE, api.DeploySettings(), gateway=deployed)
    assert result.changes == ()
    assert result.risk is None
