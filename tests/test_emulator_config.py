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
    iam = emulator.member_client(accounts["app"], "iam")
    assert iam.get_role(RoleName="AWSServiceRoleForConfig")["Role"]["Path"] == (
        "/aws-service-role/config.amazonaws.com/")
