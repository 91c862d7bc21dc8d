"""AWS Config in the member accounts, verified live by preflight (generator/aws/recorders.py):
with services.config.recorder external every member account and governed region must record;
with lzgen's recorders none may hold a recorder or delivery channel of another tool. Verified
accounts are kept in the record of applied steps and not read again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.errors import AwsError, ExitCode
from tests.baseline_helpers import baseline_blueprint
from tests.emulator import CallCounter, Emulator
from tests.test_deploy_e2e import EXAMPLE, Run, generate

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")

REGIONS = ("us-east-1", "eu-west-1")  # the governed regions of both outputs


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLE, tmp_path_factory.mktemp("example") / "output")


@pytest.fixture(scope="module")
def external_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baseline with services.config.recorder: external."""
    data = baseline_blueprint()
    data["services"]["config"] = {**data["services"]["config"], "recorder": "external"}
    folder = tmp_path_factory.mktemp("external")
    path = folder / "blueprint.yaml"
    path.write_text(json.dumps(data, indent=1))
    api.generate(path, folder / "output", lint=False)
    return folder / "output"


@pytest.fixture
def precondition_only(external_output: Path, tmp_path: Path) -> Path:
    """An output with the external recorder's precondition and nothing else to deploy: the
    member reads are all that a deploy of it does."""
    manifest = json.loads((external_output / "manifest.json").read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({
        "format": manifest["format"], "organization": manifest["organization"],
        "home_region": manifest["home_region"], "regions": manifest["regions"],
        "deploy_order": [], "stacks": [], "stacksets": [], "api_steps": [],
        "preconditions": manifest["preconditions"]}))
    return tmp_path


def member(emulator: Emulator, name: str) -> str:
    created = emulator.client("organizations").create_account(
        AccountName=name, Email=f"{name}@elsewhere.example")
    return str(created["CreateAccountStatus"]["AccountId"])


def recording(config: Any, *, start: bool = True, name: str = "default") -> None:
    """A recorder and a delivery channel of another tool's, as the Config console makes them."""
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": name, "roleARN": "arn:aws:iam::123456789012:role/their-config"})
    config.put_delivery_channel(DeliveryChannel={"name": name, "s3BucketName": "theirs"})
    if start:
        config.start_configuration_recorder(ConfigurationRecorderName=name)


def records_everywhere(emulator: Emulator, account: str | None = None) -> None:
    for region in REGIONS:
        recording(emulator.member_client(account, "config", region) if account
                  else emulator.client("config", region))


def refused(run: Run, output: Path, **settings: Any) -> AwsError:
    with pytest.raises(AwsError) as caught:
        run(output, **settings)
    assert caught.value.exit_code == ExitCode.AWS == 3
    assert caught.value.code == "PreflightFailed"
    return caught.value


RECORDER_READS = ("DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus",
                  "DescribeDeliveryChannels")


def config_reads(counter: CallCounter) -> int:
    return sum(1 for call in counter.calls if call.operation in RECORDER_READS)


def assumed(counter: CallCounter) -> int:
    return sum(1 for call in counter.calls if call.operation == "AssumeRole")


# -- external: every member account records ----------------------------------------------------


@pytest.mark.parametrize("dry_run", [False, True])
def test_external_refuses_a_member_account_that_does_not_record(
        emulator: Emulator, external_output: Path, call_counter: CallCounter,
        dry_run: bool) -> None:
    emulator.create_organization()
    records_everywhere(emulator)
    good, bad, stopped = member(emulator, "good"), member(emulator, "bad"), member(emulator, "off")
    records_everywhere(emulator, good)
    recording(emulator.member_client(bad, "config", "us-east-1"))  # not in eu-west-1
    for region in REGIONS:
        recording(emulator.member_client(stopped, "config", region), start=False)
    call_counter.reset()

    error = refused(Run(emulator), external_output, dry_run=dry_run)

    text = " ".join(error.message.split())
    assert "services.config.recorder is external, but 3 member account region(s)" in text
    assert f"bad ({bad}) in eu-west-1: no configuration recorder" in text
    assert f"off ({stopped}) in eu-west-1: configuration recorder default is not recording" \
        in text
    assert f"({good})" not in text and f"bad ({bad}) in us-east-1" not in text
    assert "start AWS Config recording there" in text  # what to do
    assert call_counter.mutating == []
    assert emulator.client("cloudformation").describe_stacks()["Stacks"] == []


def test_external_verifies_each_account_once_and_again_on_refresh(
        emulator: Emulator, precondition_only: Path, call_counter: CallCounter) -> None:
    emulator.create_organization()
    records_everywhere(emulator)
    accounts = [member(emulator, name) for name in ("one", "two", "three")]
    for account in accounts:
        records_everywhere(emulator, account)
    call_counter.reset()
    run = Run(emulator)
    run(precondition_only)
    assert assumed(call_counter) == 3
    assert config_reads(call_counter) == 2 * 4  # the management account and three members
    # One role a member account, and nothing else per account (the caller is asked once).
    sts = [c.operation for c in call_counter.calls if c.service == "sts"]
    assert sts.count("GetCallerIdentity") < 3, sts

    call_counter.reset()
    Run(emulator)(precondition_only)
    assert assumed(call_counter) == 0
    assert config_reads(call_counter) == 0  # the record holds all four

    newcomer = member(emulator, "four")
    records_everywhere(emulator, newcomer)
    call_counter.reset()
    Run(emulator)(precondition_only)
    assert assumed(call_counter) == 1
    assert config_reads(call_counter) == 2  # the new account's two regions only

    call_counter.reset()
    Run(emulator)(precondition_only, refresh=True)
    assert assumed(call_counter) == 4
    assert config_reads(call_counter) == 2 * 5


def test_a_refused_deploy_records_nothing_and_the_next_one_reads_again(
        emulator: Emulator, precondition_only: Path, call_counter: CallCounter) -> None:
    emulator.create_organization()
    records_everywhere(emulator)
    late = member(emulator, "late")
    call_counter.reset()
    refused(Run(emulator), precondition_only)
    assert call_counter.mutating == []  # not even the record of what was verified
    records_everywhere(emulator, late)
    call_counter.reset()
    Run(emulator)(precondition_only)
    assert assumed(call_counter) == 1
    assert config_reads(call_counter) == 2 * 2


# -- lzgen: no recorder of another tool where the StackSet makes lzgen's ------------------------


@pytest.mark.parametrize("dry_run", [False, True])
def test_lzgen_refuses_member_accounts_with_a_recorder_of_their_own(
        emulator: Emulator, example_output: Path, call_counter: CallCounter,
        dry_run: bool) -> None:
    emulator.create_organization()
    clean, taken = member(emulator, "clean"), member(emulator, "taken")
    recording(emulator.member_client(taken, "config", "eu-west-1"), name="control-tower")
    call_counter.reset()

    error = refused(Run(emulator), example_output, dry_run=dry_run)

    text = " ".join(error.message.split())
    assert ("1 member account region(s) already have a configuration recorder or delivery "
            "channel that StackSet lzgen-acme-config-recorder would collide with") in text
    assert (f"taken ({taken}) in eu-west-1: configuration recorder control-tower and "
            "delivery channel control-tower") in text
    assert f"({clean})" not in text
    assert "services.config.recorder: external" in text  # what to do
    assert "aws configservice delete-delivery-channel" in text
    assert call_counter.mutating == []
    assert emulator.client("cloudformation").describe_stacks()["Stacks"] == []


def test_lzgen_own_recorders_are_not_read_again(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    """After a deploy, every member account has a current instance of lzgen's StackSet (its
    recorders are lzgen's): a refresh lists the instances and reads no account."""
    Run(emulator)(example_output)
    assert emulator.member_client(_an_account(emulator), "config", "eu-west-1") \
        .describe_configuration_recorders()["ConfigurationRecorders"][0]["name"] == "lzgen"
    call_counter.reset()
    run = Run(emulator)
    run(example_output, dry_run=True, refresh=True)
    assert config_reads(call_counter) == 0
    members = len(emulator.client("organizations").list_accounts()["Accounts"]) - 1
    assert (f"0 account(s) read, 0 verified before (the record), {members} with lzgen's own "
            "recorders") in " ".join(run.text.split())


def test_a_deploy_that_leaves_the_recorders_stack_unchanged_reads_no_member_account(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    """Cost follows the change: the StackSet's instances exist, and accounts added later get
    theirs by auto-deployment, so an unchanged stack needs no look into the accounts."""
    Run(emulator)(example_output)
    call_counter.reset()
    run = Run(emulator)
    run(example_output, dry_run=True)
    assert config_reads(call_counter) == 0
    assert assumed(call_counter) == 0
    assert "cloudformation:ListStackInstances" not in {str(c) for c in call_counter.calls}
    assert "not read, stack config-recorder does not change" in " ".join(run.text.split())


def _an_account(emulator: Emulator) -> str:
    listed = emulator.client("organizations").list_accounts()["Accounts"]
    return next(str(a["Id"]) for a in listed if a["Id"] != emulator.account_id)


# -- lzgen drift verifies every account ---------------------------------------------------------


def test_drift_reports_member_accounts_without_a_recorder(
        emulator: Emulator, external_output: Path) -> None:
    emulator.create_organization()
    records_everywhere(emulator)
    bad = member(emulator, "bad")
    blueprint = external_output.parent / "blueprint.yaml"
    found = api.drift(blueprint, api.DeploySettings(endpoint_url=emulator.endpoint_url))
    config = [c for c in found.changes if c.kind == "config"]
    assert [c.subject for c in config] == [f"bad ({bad}) in eu-west-1",
                                           f"bad ({bad}) in us-east-1"]
    assert all(c.summary == "no configuration recorder" for c in config)


def test_the_rules_stack_name_matches_the_one_the_check_follows() -> None:
    from generator.synth.config import RULES_STACK
    from generator.synth.mfa import STACK

    assert RULES_STACK == STACK
