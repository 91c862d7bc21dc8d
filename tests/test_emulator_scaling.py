"""The emulator's answers stay the same where its cost per request no longer grows with the
accounts it has seen (generator/aws/emulator/scaling.py), and where it parses JSON templates
with json (engine.py). Never timed: what is asserted is which account answers and which
backends exist."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.models import iam_backends
from moto.utilities.utils import PARTITION_NAMES

from generator.aws.emulator import engine
from tests.emulator import Emulator

MEMBER = "210987654321"
QUIET = "310987654321"  # has an IAM backend, no access key


def test_a_request_is_answered_for_the_account_of_its_access_key(emulator: Emulator) -> None:
    iam = iam_backends[MEMBER]["aws"]
    iam.create_user("us-east-1", "deployer")
    key = iam.create_access_key("deployer")
    assert iam_backends[QUIET]["aws"].access_keys == {}

    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=emulator.endpoint_url,
                       aws_access_key_id=key.access_key_id,
                       aws_secret_access_key=key.secret_access_key)
    member = sts.get_caller_identity()["Account"]
    default = emulator.client("sts").get_caller_identity()["Account"]

    assert (member, default) == (MEMBER, DEFAULT_ACCOUNT_ID)
    # Looking the keys up created no backend for the partitions the accounts never used
    # (moto's own lookup made one for each, in every account, on every request).
    assert len(PARTITION_NAMES) > 1
    assert set(dict.keys(iam_backends[QUIET])) == {"aws"}
    assert set(dict.keys(iam_backends[MEMBER])) == {"aws"}


def test_a_json_template_parses_as_moto_parsed_it() -> None:
    template = {"Parameters": {"Name": {"Type": "String", "Default": "a \"quoted\" name"}},
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
                    "TopicName": {"Fn::Sub": "${Name}-topic"}, "Count": 3,
                    "Flag": True, "Nothing": None, "Tags": [{"Key": "k", "Value": "v"}]}}}}
    for text in (json.dumps(template), json.dumps(template, indent=2)):
        assert engine.parse_template(text) == engine._ORIGINALS["parse_template"](text)


def test_a_yaml_template_still_goes_through_moto_s_loader() -> None:
    text = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n" \
           "      TopicName: !Ref Name\n"
    assert engine.parse_template(text) == {"Resources": {"Topic": {
        "Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Name"}}}}}


def test_a_stack_set_s_instances_are_found_as_the_list_changes() -> None:
    from moto.cloudformation.models import StackInstances

    from generator.aws.emulator.scaling import IndexedInstances

    instances = StackInstances("123456789012", "us-east-1", "{}", {}, "set-id", "set")
    assert isinstance(instances.stack_instances, IndexedInstances)

    def made(account: str, region: str) -> Any:
        return SimpleNamespace(account_id=account, region_name=region)

    first, second = made("111111111111", "us-east-1"), made("222222222222", "us-east-1")
    instances.stack_instances += [first]
    assert instances.get_instance("111111111111", "us-east-1") is first
    assert instances.get_instance("222222222222", "us-east-1") is None
    instances.stack_instances.append(second)
    assert instances.get_instance("222222222222", "us-east-1") is second
    instances.stack_instances.remove(first)
    assert instances.get_instance("111111111111", "us-east-1") is None
    again = made("111111111111", "us-east-1")
    instances.stack_instances.insert(0, again)
    assert instances.get_instance("111111111111", "us-east-1") is again


def test_a_known_account_s_backends_are_registered_again_for_moto_s_reset() -> None:
    """A reset can leave a backend that another backend's reset created, with the dictionary no
    longer registered: the next lookup registers it, or the following reset would keep it."""
    from moto.core.base_backend import BackendDict
    from moto.organizations.models import organizations_backends

    organizations_backends[DEFAULT_ACCOUNT_ID]
    registered = BackendDict._instances  # type: ignore[misc]
    registered[:] = [known for known in registered if known is not organizations_backends]

    organizations_backends[DEFAULT_ACCOUNT_ID]

    assert any(known is organizations_backends for known in registered)


def test_an_instance_that_does_not_exist_is_not_found_as_in_aws(emulator: Emulator) -> None:
    cloudformation = emulator.client("cloudformation")
    cloudformation.create_stack_set(StackSetName="probe", TemplateBody=json.dumps(
        {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))

    with pytest.raises(ClientError) as raised:
        cloudformation.describe_stack_instance(StackSetName="probe",
                                               StackInstanceAccount="111111111111",
                                               StackInstanceRegion="us-east-1")

    assert raised.value.response["Error"]["Code"] == "StackInstanceNotFoundException"
