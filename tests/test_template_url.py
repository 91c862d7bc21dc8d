"""Templates over CloudFormation's inline limit of 51,200 bytes: the emulator refuses them inline
as AWS does, and deploy sends them from lzgen's S3 bucket by TemplateURL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from ruamel.yaml import YAML

from generator import api
from generator.aws.templates import INLINE_LIMIT, bucket_name, bucket_template
from tests.emulator import CallCounter, Emulator
from tests.helpers import BLUEPRINTS
from tests.test_deploy_e2e import Run, assert_deployer_policy_allows

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


def big_template() -> dict[str, object]:
    topics = {f"Topic{i:04d}": {"Type": "AWS::SNS::Topic",
                                "Properties": {"TopicName": f"lzgen-test-{i:04d}" + "x" * 150}}
              for i in range(300)}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": topics}


def test_the_emulator_refuses_an_inline_template_over_51200_bytes(emulator: Emulator) -> None:
    body = json.dumps(big_template())
    assert len(body.encode()) > INLINE_LIMIT
    cfn = emulator.client("cloudformation")
    for call in (lambda: cfn.create_stack(StackName="big", TemplateBody=body),
                 lambda: cfn.create_change_set(StackName="big", ChangeSetName="c1",
                                               ChangeSetType="CREATE", TemplateBody=body)):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "ValidationError"
        assert "51200" in raised.value.response["Error"]["Message"]


def test_the_bucket_template_is_private_versioned_encrypted_and_expires_old_versions() -> None:
    bucket = bucket_template(bucket_name("123456789012", "eu-west-1"))["Resources"]
    props = bucket["TemplateBucket"]["Properties"]  # type: ignore[index]
    assert props["BucketName"] == "lzgen-templates-123456789012-eu-west-1"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values())
    rule = props["LifecycleConfiguration"]["Rules"][0]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]


def one_big_account_stack(tmp_path: Path, accounts: int) -> Path:
    """The example with `accounts` more accounts, all in one account stack."""
    folder = tmp_path / "blueprint"
    shutil.copytree(BLUEPRINTS / "policies", folder / "policies")
    yaml = YAML()
    data = yaml.load((BLUEPRINTS / "example.yaml").read_text())
    for index in range(accounts):
        data["accounts"][f"team-{index:04d}"] = {
            "email": f"aws-team-{index:04d}@acme.example", "ou": "Sandbox",
            "environment": "sandbox", "purpose": "sandbox",
            "tags": {"owner": "builders", "environment": "sandbox", "cost-center": "1300"}}
    data["layout"] = {"account_stacks": 1}
    path = folder / "example.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


def test_a_stack_over_the_inline_limit_deploys_from_the_template_bucket(
        emulator: Emulator, tmp_path: Path, call_counter: CallCounter) -> None:
    output = tmp_path / "output"
    api.generate(one_big_account_stack(tmp_path, 150), output, lint=False)
    body = json.loads((output / "stacks" / "accounts.json").read_text())
    assert len(json.dumps(body, separators=(",", ":")).encode()) > INLINE_LIMIT

    report = Run(emulator)(output)
    assert_deployer_policy_allows(output, list(call_counter.calls))

    assert report.stacks["lzgen-acme-accounts"] == "created"
    pages = emulator.client("organizations").get_paginator("list_accounts").paginate()
    assert sum(len(page["Accounts"]) for page in pages) == 1 + 8 + 150
    bucket = bucket_name(emulator.account_id, "us-east-1")
    s3 = emulator.client("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    blocked = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert blocked == dict.fromkeys(["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                     "RestrictPublicBuckets"], True)
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    stored = s3.get_object(Bucket=bucket, Key="lzgen-acme-accounts.json")["Body"].read()
    assert json.loads(stored) == body
    small = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in small] == ["lzgen-acme-accounts.json"]  # the others went inline


def test_a_dry_run_plans_a_big_stack_without_creating_the_bucket(
        emulator: Emulator, tmp_path: Path) -> None:
    output = tmp_path / "output"
    api.generate(one_big_account_stack(tmp_path, 150), output, lint=False)
    emulator.create_organization()
    run = Run(emulator)
    report = run(output, dry_run=True)
    assert "deployed from S3" in report.stacks["lzgen-acme-accounts"]
    assert emulator.client("s3").list_buckets()["Buckets"] == []
