"""Preflight (generator/aws/preflight.py): live preconditions checked before a deploy changes
anything; a failed one stops the run with what to do, exit 3, nothing changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.aws.gateway import Gateway
from generator.errors import AwsError, ExitCode
from tests.emulator import CallCounter, Emulator
from tests.test_deploy_e2e import EXAMPLE, Run, generate

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLE, tmp_path_factory.mktemp("example") / "output")


def member(emulator: Emulator, name: str) -> str:
    created = emulator.client("organizations").create_account(
        AccountName=name, Email=f"{name}@elsewhere.example")
    return str(created["CreateAccountStatus"]["AccountId"])


def refused(run: Run, output: Path, **settings: Any) -> AwsError:
    with pytest.raises(AwsError) as caught:
        run(output, **settings)
    assert caught.value.exit_code == ExitCode.AWS == 3
    return caught.value


def test_credentials_of_a_member_account_are_refused(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    emulator.create_organization()
    account = member(emulator, "someone")
    keys = emulator.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
        RoleSessionName="test")["Credentials"]
    run = Run(emulator)
    run.gateway = Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                          credentials=(keys["AccessKeyId"], keys["SecretAccessKey"],
                                       keys["SessionToken"]))
    call_counter.reset()

    error = refused(run, example_output)

    assert error.code == "NotManagementAccount"
    assert "credentials of the management account" in error.hint
    assert call_counter.mutating == []


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_delegated_administrator_of_another_account_stops_the_deploy(
        emulator: Emulator, example_output: Path, call_counter: CallCounter,
        dry_run: bool) -> None:
    emulator.create_organization()
    other = member(emulator, "someone")
    org = emulator.client("organizations")
    org.enable_aws_service_access(ServicePrincipal="config.amazonaws.com")
    org.register_delegated_administrator(AccountId=other,
                                         ServicePrincipal="config.amazonaws.com")
    emulator.client("guardduty", "eu-west-1").enable_organization_admin_account(
        AdminAccountId=other)
    call_counter.reset()
    run = Run(emulator)

    error = refused(run, example_output, dry_run=dry_run)

    assert error.code == "PreflightFailed"
    assert (f"config.amazonaws.com has delegated administrator {other}, but the blueprint "
            "names account security-tooling") in error.message
    assert "deregister-delegated-administrator --service-principal config.amazonaws.com" \
        in error.message
    assert f"guardduty.amazonaws.com has delegated administrator {other} in eu-west-1" \
        in error.message
    assert "nothing was changed" in error.hint
    assert call_counter.mutating == []
    assert emulator.client("cloudformation").describe_stacks()["Stacks"] == []


def test_the_blueprint_s_own_administrators_pass(
        emulator: Emulator, example_output: Path) -> None:
    Run(emulator)(example_output)
    run = Run(emulator)
    run(example_output, dry_run=True)
    assert "preflight: every precondition holds" in run.text


def test_an_existing_anomaly_monitor_is_reported_as_reused(
        emulator: Emulator, example_output: Path) -> None:
    emulator.create_organization()
    arn = emulator.client("ce").create_anomaly_monitor(AnomalyMonitor={
        "MonitorName": "theirs", "MonitorType": "DIMENSIONAL",
        "MonitorDimension": "SERVICE"})["MonitorArn"]
    run = Run(emulator)
    run(example_output, dry_run=True)
    assert f"cost anomaly monitor {arn}" in " ".join(run.text.split())


def recorder_output(folder: Path) -> Path:
    template = {"Resources": {"Recorder": {
        "Type": "AWS::Config::ConfigurationRecorder",
        "Properties": {"RoleARN": "arn:aws:iam::123456789012:role/config",
                       "RecordingGroup": {"AllSupported": True}}}}}
    (folder / "stacks").mkdir(parents=True)
    (folder / "stacks" / "config.json").write_text(json.dumps(template))
    manifest = {
        "format": 1, "organization": "acme", "home_region": "us-east-1",
        "regions": ["us-east-1"], "deploy_order": ["config"],
        "stacks": [{"name": "config", "stack_name": "lzgen-acme-config",
                    "file": "stacks/config.json", "region": "us-east-1", "depends_on": [],
                    "parameters": {}}],
        "stacksets": [], "api_steps": []}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_a_second_configuration_recorder_is_refused_before_anything_runs(
        emulator: Emulator, tmp_path: Path, call_counter: CallCounter) -> None:
    emulator.create_organization()
    emulator.client("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "control-tower", "roleARN": "arn:aws:iam::123456789012:role/ct"})
    call_counter.reset()

    error = refused(Run(emulator), recorder_output(tmp_path / "output"))

    assert "already has a configuration recorder in us-east-1 (control-tower)" in error.message
    assert call_counter.mutating == []


def test_the_command_line_exits_3_and_says_what_to_do(
        emulator: Emulator, example_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli import main

    emulator.create_organization()
    other = member(emulator, "someone")
    emulator.client("securityhub").enable_organization_admin_account(AdminAccountId=other)

    code = main(["deploy", str(example_output), "--endpoint-url", emulator.endpoint_url,
                 "--yes"])

    assert code == 3
    err = " ".join(capsys.readouterr().err.split())
    assert f"securityhub.amazonaws.com has delegated administrator {other} in" in err
    assert "securityhub disable-organization-admin-account" in err
    assert "Traceback" not in err
