"""An organization holding every policy type round-trips through the emulator: deploy,
`lzgen import`, and `lzgen drift` against both blueprints reports nothing; a type lzgen does
not know is never skipped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import api
from generator.aws import live as live_module
from generator.aws.gateway import Gateway
from generator.errors import AwsError
from tests.emulator import Emulator
from tests.helpers import BLUEPRINTS
from tests.policy_samples import SAMPLES
from tests.test_deploy_e2e import Run, generate

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


def _every_type(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = (BLUEPRINTS / "minimal.yaml").read_text(encoding="utf-8").rstrip() + "\n"
    for name, document in SAMPLES.items():
        if name == "scp":
            continue
        text += (f"  sample-{name.replace('_', '-')}:\n    type: {name}\n"
                 f"    content: {json.dumps(document)}\n    attach: [root, 'ou:Workloads']\n")
    path = folder / "every-type.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def deployed(emulator: Emulator, tmp_path: Path) -> tuple[Gateway, Path]:
    blueprint = _every_type(tmp_path / "blueprint")
    run = Run(emulator)
    run(generate(blueprint, tmp_path / "output"))
    return run.gateway, blueprint


def test_every_type_round_trips_through_import_and_drift(deployed: tuple[Gateway, Path],
                                                         tmp_path: Path) -> None:
    gateway, blueprint = deployed
    assert api.drift(blueprint, api.DeploySettings(), gateway=gateway).changes == ()
    imported_path = tmp_path / "imported" / "tiny.yaml"
    api.import_organization(imported_path, api.DeploySettings(), gateway=gateway)
    original, imported = api.load(blueprint), api.load(imported_path)
    assert {n: (p.spec.type, p.document, sorted(t.key for t in p.targets))
            for n, p in imported.policies.items()} == {
        n: (p.spec.type, p.document, sorted(t.key for t in p.targets))
        for n, p in original.policies.items()}
    text = imported_path.read_text(encoding="utf-8")
    assert "does not know" not in text


def test_an_unknown_policy_type_is_reported_not_skipped(
        deployed: tuple[Gateway, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gateway, blueprint = deployed
    known = {k: v for k, v in live_module.BLUEPRINT_TYPE.items() if k != "BEDROCK_POLICY"}
    monkeypatch.setattr(live_module, "BLUEPRINT_TYPE", known)
    path = tmp_path / "imported.yaml"
    api.import_organization(path, api.DeploySettings(), gateway=gateway)
    assert "policy type BEDROCK_POLICY is enabled in the organization but this lzgen does " \
           "not know it" in " ".join(path.read_text(encoding="utf-8").split())
    with pytest.raises(AwsError, match="BEDROCK_POLICY"):
        api.drift(blueprint, api.DeploySettings(), gateway=gateway)


_NEWER_BUILTINS = """
  perimeter:
    type: rcp
    builtin: rcp-trusted-identities
    parameters: {organization_id: o-abcdefghij, trusted_account_ids: ['111122223333'],
                 services: [s3, sts], exempt_resource_tag: 'dp:exclude'}
    attach: [root]
  deputy:
    type: rcp
    builtin: rcp-confused-deputy
    parameters: {organization_id: o-abcdefghij}
    attach: ['ou:Workloads']
  sharing:
    type: declarative_ec2
    builtin: ec2-block-public-sharing
    parameters: {snapshot_state: block_new_sharing, lock: false, exception_message: Ask us}
    attach: [root]
  imdsv2:
    type: declarative_ec2
    builtin: ec2-require-imdsv2
    attach: ['ou:Workloads']
"""


def test_the_newer_built_ins_are_imported_as_built_ins(emulator: Emulator,
                                                       tmp_path: Path) -> None:
    # RCPs and EC2 declarative policies deployed from built-ins come back as `builtin:` with
    # the parameters the blueprint gave (defaults left out), not as JSON files.
    blueprint = tmp_path / "blueprint" / "newer.yaml"
    blueprint.parent.mkdir()
    blueprint.write_text((BLUEPRINTS / "minimal.yaml").read_text(encoding="utf-8").rstrip()
                         + _NEWER_BUILTINS, encoding="utf-8")
    run = Run(emulator)
    run(generate(blueprint, tmp_path / "output"))
    imported_path = tmp_path / "imported" / "newer.yaml"
    api.import_organization(imported_path, api.DeploySettings(), gateway=run.gateway)

    def builtins(path: Path) -> dict[str, tuple[str | None, dict[str, object]]]:
        org = api.load(path)
        return {name: (policy.spec.builtin, dict(policy.spec.parameters))
                for name, policy in org.policies.items()
                if policy.spec.type in ("rcp", "declarative_ec2")}

    assert builtins(imported_path) == builtins(blueprint)
    assert not (tmp_path / "imported" / "policies").exists()
