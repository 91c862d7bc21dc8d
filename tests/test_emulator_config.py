"""AWS Config on the emulator: a Config rule needs a configuration recorder in its account and
region, as in AWS (moto accepted rules anywhere), and lzgen's recorder stacks provide one in
the management account and, through StackSets, in every member account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from generator.aws.emulator.models import install
from tests.baseline_helpers import baseline_blueprint, generate, manifest
from tests.emulator import Emulator

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")
RULE = {"ConfigRuleName": "lzgen-root-account-mfa-enabled",
        "Source": {"Owner": "AWS", "SourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}}


def test_put_config_rule_without_a_recorder_is_refused_as_in_aws(emulator: Emulator) -> None:
    install()
    config = emulator.client("config", "eu-west-1")
    with pytest.raises(ClientError) as refused:
        config.put_config_rule(ConfigRule=RULE)
    assert refused.value.response["Error"]["Code"] == "NoAvailableConfigurationRecorderException"
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/config"})
    config.put_config_rule(ConfigRule=RULE)
    # A recorder in another region does not count.
    with pytest.raises(ClientError):
        emulator.client("config", "us-east-1").put_config_rule(ConfigRule=RULE)


def _deploy(emulator: Emulator, result: Any, entry: dict[str, Any],
            tokens: dict[str, str]) -> str:
    cfn = emulator.client("cloudformation", entry["region"])
    cfn.create_stack(StackName=entry["stack_name"], TemplateBody=result.files[entry["file"]],
                     Capabilities=entry["capabilities"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": tokens[v]}
                                 for k, v in entry["parameters"].items()])
    stack = cfn.describe_stacks(StackName=entry["stack_name"])["Stacks"][0]
    return str(stack["StackStatus"])


def test_mfa_rules_fail_without_a_recorder_and_deploy_after_lzgen_records(
        emulator: Emulator, tmp_path: Path) -> None:
    install()
    result = generate(tmp_path, baseline_blueprint(home="eu-west-1",
                                                   regions=("eu-west-1", "eu-central-1")))
    plan = manifest(result)
    root = emulator.create_organization(policy_types=("SERVICE_CONTROL_POLICY", "TAG_POLICY"))
    organization = emulator.client("organizations").describe_organization()["Organization"]
    tokens = {"{{lzgen:root-id}}": root, "{{lzgen:organization-id}}": organization["Id"]}
    entries = {e["name"]: e for e in plan["stacks"]}
    for entry in plan["stacks"]:
        if entry["name"].startswith(("ous-", "accounts-")):
            assert _deploy(emulator, result, entry, tokens) == "CREATE_COMPLETE"
    accounts = {a["Name"]: a["Id"] for a in
                emulator.client("organizations").list_accounts()["Accounts"]}
    tokens |= {"{{lzgen:account-id:" + name + "}}": id_ for name, id_ in accounts.items()}

    # Without the recorders, the rules fail and the stack rolls back (moto let them through).
    mfa = entries["mfa-detection"]
    assert _deploy(emulator, result, mfa, tokens) == "ROLLBACK_COMPLETE"
    cfn = emulator.client("cloudformation", "eu-west-1")
    events = cfn.describe_stack_events(StackName=mfa["stack_name"])["StackEvents"]
    assert any("NoAvailableConfigurationRecorderException" in (e.get("ResourceStatusReason") or
                                                               "") for e in events)
    cfn.delete_stack(StackName=mfa["stack_name"])

    for name in ("config-recorder", "config-recorder-eu-central-1", "mfa-detection"):
        assert _deploy(emulator, result, entries[name], tokens) == "CREATE_COMPLETE", name

    for region in ("eu-west-1", "eu-central-1"):
        recorders = emulator.client("config", region).describe_configuration_recorder_status()
        assert [(r["name"], r["recording"]) for r in
                recorders["ConfigurationRecordersStatus"]] == [("lzgen", True)]
        member = emulator.member_client(accounts["app"], "config", region)
        assert member.describe_configuration_recorders()["ConfigurationRecorders"]
        channels = member.describe_delivery_channels()["DeliveryChannels"]
        assert channels[0]["s3BucketName"] == f"lzgen-bx-trail-{accounts['log-archive']}"
    rules = emulator.member_client(accounts["app"], "config", "eu-west-1").describe_config_rules()
    assert sorted(r["ConfigRuleName"] for r in rules["ConfigRules"]) == [
        "lzgen-root-account-hardware-mfa-enabled", "lzgen-root-account-mfa-enabled"]
    # The recorders use lzgen's own role, not the service-linked role (which may exist).
    iam = emulator.member_client(accounts["app"], "iam")
    role = iam.get_role(RoleName="lzgen-config-recorder")["Role"]
    assert member.describe_configuration_recorders()["ConfigurationRecorders"][0]["roleARN"] \
        == role["Arn"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "config.amazonaws.com"}


# -- one recorder, one delivery channel, one service-linked role ---------------------------------


def _stack(emulator: Emulator, name: str, resources: dict[str, Any],
           region: str = "eu-west-1") -> tuple[str, str]:
    """Create a stack; its status and the reasons its events give."""
    import json

    cfn = emulator.client("cloudformation", region)
    cfn.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources}),
                     Capabilities=["CAPABILITY_NAMED_IAM"])
    status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    return str(status), " ".join(str(e.get("ResourceStatusReason") or "") for e in events)


RECORDER = {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {
    "Name": "lzgen", "RoleARN": "arn:aws:iam::123456789012:role/lzgen-config-recorder",
    "RecordingGroup": {"AllSupported": True}}}
CHANNEL = {"Type": "AWS::Config::DeliveryChannel", "DependsOn": ["Recorder"],
           "Properties": {"Name": "lzgen", "S3BucketName": "lzgen-bx-trail-123456789012"}}


def test_a_second_recorder_in_an_account_and_region_fails_as_in_aws(
        emulator: Emulator) -> None:
    """https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html
    (one customer managed recorder per account and region)."""
    install()
    emulator.client("config", "eu-west-1").put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/theirs"})
    status, reasons = _stack(emulator, "second-recorder", {"Recorder": RECORDER})
    assert status == "ROLLBACK_COMPLETE"
    assert "MaxNumberOfConfigurationRecordersExceededException" in reasons
    # Another region is another recorder's place.
    assert _stack(emulator, "elsewhere", {"Recorder": RECORDER}, "us-east-1")[0] == (
        "CREATE_COMPLETE")


def test_a_second_delivery_channel_fails_as_in_aws(emulator: Emulator) -> None:
    """https://docs.aws.amazon.com/config/latest/APIReference/API_PutDeliveryChannel.html
    (one delivery channel per account and region)."""
    install()
    config = emulator.client("config", "eu-west-1")
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "lzgen", "roleARN": "arn:aws:iam::123456789012:role/theirs"})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "theirs"})
    status, reasons = _stack(emulator, "second-channel", {"Recorder": RECORDER,
                                                          "Channel": CHANNEL})
    assert status == "ROLLBACK_COMPLETE"
    assert "MaxNumberOfDeliveryChannelsExceededException" in reasons


def test_a_service_linked_role_that_exists_cannot_be_created_again(emulator: Emulator) -> None:
    """Why lzgen's recorders use a role of their own: a template that creates
    AWSServiceRoleForConfig fails where another tool already made it."""
    install()
    emulator.client("iam").create_service_linked_role(AWSServiceName="config.amazonaws.com")
    status, reasons = _stack(emulator, "second-role", {"Role": {
        "Type": "AWS::IAM::ServiceLinkedRole",
        "Properties": {"AWSServiceName": "config.amazonaws.com"}}})
    assert status == "ROLLBACK_COMPLETE"
    assert "AWSServiceRoleForConfig already exists" in reasons
