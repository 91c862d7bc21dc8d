"""AWS Config recording: lzgen's recorders come before the Config rules that need them, or the
blueprint says another tool records and deploy verifies it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.api import Result
from generator.errors import BlueprintError
from tests.baseline_helpers import (
    baseline_blueprint,
    generate,
    manifest,
    resources_in_region,
    resources_of_type,
    stack,
    stackset_body,
)


@pytest.fixture(scope="module")
def west(tmp_path_factory: pytest.TempPathFactory) -> Result:
    data = baseline_blueprint(home="eu-west-1", regions=("eu-west-1", "eu-central-1"))
    return generate(tmp_path_factory.mktemp("west"), data)


def _services(**config: Any) -> dict[str, Any]:
    services = baseline_blueprint()["services"]
    services["config"] = {**services["config"], **config}
    return services  # type: ignore[no-any-return]


def test_every_member_account_records_in_every_governed_region(west: Result) -> None:
    sets = {s["name"]: s for s in manifest(west)["stacksets"]}
    assert sets["config-recorder"]["regions"] == ["eu-central-1", "eu-west-1"]
    assert sets["config-recorder"]["targets"] == "every member account"
    # IAM is global: the recorder's role once per account, before any recorder.
    assert sets["config-service-role"]["regions"] == ["eu-west-1"]
    owner = stack(west, "config-recorder")["Resources"]
    assert owner["ConfigRecorderStackSet"]["DependsOn"] == ["ConfigServiceRoleStackSet"]
    body = stackset_body(west, "config-recorder")
    for region, global_types in (("eu-west-1", True), ("eu-central-1", False)):
        resources = resources_in_region(body, region)
        recorder = resources["ConfigRecorder"]["Properties"]
        assert recorder["RoleARN"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}"
                                       ":role/lzgen-config-recorder"}
        assert recorder["RecordingGroup"] == {"AllSupported": True,
                                              "IncludeGlobalResourceTypes": global_types}
        channel = resources["ConfigDeliveryChannel"]
        assert channel["DependsOn"] == ["ConfigRecorder"]
        assert channel["Properties"]["S3BucketName"] == {"Fn::Sub": [
            "lzgen-bx-trail-${AccountId}", {"AccountId": {"Ref": "LogArchiveAccountId"}}]}


def test_the_management_account_records_in_every_governed_region_too(west: Result) -> None:
    home = stack(west, "config-recorder")["Resources"]
    assert home["ConfigRecorder"]["DependsOn"] == ["ConfigRecorderRole"]
    regional = stack(west, "config-recorder-eu-central-1")["Resources"]
    assert set(regional) >= {"ConfigRecorder", "ConfigDeliveryChannel"}
    entries = {s["name"]: s for s in manifest(west)["stacks"]}
    assert entries["config-recorder-eu-central-1"]["region"] == "eu-central-1"
    assert "config-recorder" in entries["config-recorder-eu-central-1"]["depends_on"]
    # The bucket's policy must admit Config before a channel can point at it.
    assert "organization-trail" in entries["config-recorder"]["depends_on"]


def test_config_rules_come_after_the_recorders(west: Result) -> None:
    entries = {s["name"]: s for s in manifest(west)["stacks"]}
    assert "config-recorder" in entries["mfa-detection"]["depends_on"]
    order = manifest(west)["deploy_order"]
    assert order.index("config-recorder") < order.index("mfa-detection")
    assert order.index("organization-trail") < order.index("config-recorder")


def test_the_log_archive_bucket_accepts_config_deliveries(west: Result) -> None:
    body = stackset_body(west, "trail-bucket")
    statements = {s["Sid"]: s for s in body["Resources"]["TrailBucketPolicy"]["Properties"][
        "PolicyDocument"]["Statement"]}
    for sid, action in (("AWSConfigBucketPermissionsCheck", "s3:GetBucketAcl"),
                        ("AWSConfigBucketExistenceCheck", "s3:ListBucket"),
                        ("AWSConfigBucketDelivery", "s3:PutObject")):
        assert statements[sid]["Principal"] == {"Service": "config.amazonaws.com"}
        assert statements[sid]["Action"] == action
        assert statements[sid]["Condition"]["StringEquals"]["aws:SourceOrgID"] == {
            "Ref": "OrganizationId"}
    delivery = statements["AWSConfigBucketDelivery"]
    assert delivery["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::${TrailBucket}/AWSLogs/*/Config/*"}
    assert delivery["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"


def test_an_external_recorder_is_a_precondition_not_a_resource(tmp_path: Path) -> None:
    result = generate(tmp_path, baseline_blueprint(services=_services(recorder="external")))
    assert not any(f.startswith(("stacks/config-recorder", "stacksets/config-"))
                   for f in result.files)
    bucket = stackset_body(result, "trail-bucket")
    assert "AWSConfigBucketDelivery" not in json.dumps(bucket)
    assert "config-recorder" not in manifest(result)["deploy_order"]
    preconditions = manifest(result)["preconditions"]
    assert [p["id"] for p in preconditions] == ["config-recorder-external"]
    check = preconditions[0]["check"]
    assert check["action"] == "DescribeConfigurationRecorderStatus"
    assert check["in_every_account"] is True
    assert check["regions"] == ["eu-west-1", "us-east-1"]
    assert check["role"] == "OrganizationAccountAccessRole"
    # The rules still deploy: their precondition is assumed, and deploy verifies it.
    assert resources_of_type(stack(result, "mfa-detection"), "AWS::Config::ConfigRule")


def test_the_recorders_use_a_role_of_lzgen_s_own_not_the_service_linked_role(
        west: Result) -> None:
    """AWS Config makes AWSServiceRoleForConfig by itself only in the console; a template that
    creates it fails wherever it exists already. lzgen's role carries AWS_ConfigRole."""
    assert "AWS::IAM::ServiceLinkedRole" not in json.dumps(west.files)
    for resources in (stack(west, "config-recorder")["Resources"],
                      stackset_body(west, "config-service-role")["Resources"]):
        role = resources["ConfigRecorderRole"]["Properties"]
        assert role["RoleName"] == "lzgen-config-recorder"
        assert role["ManagedPolicyArns"] == [
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AWS_ConfigRole"}]
        trust = role["AssumeRolePolicyDocument"]["Statement"][0]
        assert trust["Principal"] == {"Service": "config.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {
            "aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    entries = {s["name"]: s for s in manifest(west)["stacks"]}
    assert entries["config-recorder"]["capabilities"] == ["CAPABILITY_NAMED_IAM"]
    owner = stack(west, "config-recorder")["Resources"]
    assert owner["ConfigServiceRoleStackSet"]["Properties"]["Capabilities"] == [
        "CAPABILITY_NAMED_IAM"]


def test_lzgen_s_recorders_come_with_a_precondition_on_the_member_accounts(
        west: Result) -> None:
    preconditions = manifest(west)["preconditions"]
    assert [p["id"] for p in preconditions] == ["config-recorder-free"]
    check = preconditions[0]["check"]
    assert check["except_stackset"] == "lzgen-bx-config-recorder"
    assert check["regions"] == ["eu-central-1", "eu-west-1"]
    assert (check["action"], check["also"]) == ("DescribeConfigurationRecorders",
                                                "DescribeDeliveryChannels")


def test_the_recorder_setting_is_strict(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match=r"services\.config\.recorder: Input should be "
                                             r"'lzgen' or 'external'"):
        generate(tmp_path, baseline_blueprint(services=_services(recorder="control-tower")))


def test_without_a_log_archive_bucket_no_rule_is_written_and_a_check_says_why(
        tmp_path: Path) -> None:
    services = {k: v for k, v in _services().items() if k != "organization_trail"}
    result = generate(tmp_path, baseline_blueprint(services=services))
    assert "stacks/mfa-detection.json" not in result.files
    assert "stacks/config-recorder.json" not in result.files
    found = [f for f in result.findings if f.rule == "LZ315"]
    assert found and "organization_trail" in found[0].hint
