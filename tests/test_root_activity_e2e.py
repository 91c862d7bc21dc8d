"""Root activity reaches the alert topic (issue 11): the example deployed from a fresh emulated
organization with no manual step, then the root user acts in member accounts, and a queue
subscribed to the topic in security-tooling receives what an email subscriber would.

The emulator plays CloudTrail (the event AWS puts on the account's default bus) and EventBridge
(rule states, patterns, input transformers, execution roles, topic policies and SCPs:
generator/aws/emulator/eventbridge.py). docs/explanation/real-aws.md says what stays assumed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.sns.models import sns_backends

from generator.aws.emulator.eventbridge import ALL_MANAGEMENT_EVENTS, Delivery
from generator.aws.emulator.server import RestartableMotoServer
from tests.emulator import Emulator
from tests.emulator.plugin import configure_environment
from tests.test_deploy_e2e import EXAMPLE, Run, generate

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore:Tried to parse AWS::")]
RULE = "lzgen-root-activity"
HOME, OTHER = "us-east-1", "eu-west-1"


class Deployed:
    """The example as deployed: account ids by name, the topic, the handle."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        listed = emulator.client("organizations").list_accounts()["Accounts"]
        self.ids = {a["Name"]: a["Id"] for a in listed}
        tooling = self.ids["security-tooling"]
        self.topic = f"arn:aws:sns:{HOME}:{tooling}:lzgen-root-activity"
        self.sqs = emulator.member_client(tooling, "sqs")
        self.sns = emulator.member_client(tooling, "sns")

    def still_there(self) -> bool:
        """The topic still exists (any reset of the emulator deletes it)."""
        return self.topic in sns_backends[self.ids["security-tooling"]][HOME].topics


def _deploy(emulator: Emulator, output: Path) -> Deployed:
    emulator.reset()
    Run(emulator)(output)
    return Deployed(emulator)


@pytest.fixture(scope="module")
def _example(moto_server: RestartableMotoServer,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Deployed]]]:
    output = generate(EXAMPLE, tmp_path_factory.mktemp("example") / "output")
    with pytest.MonkeyPatch.context() as patch:
        emulator = configure_environment(Emulator(moto_server), patch)
        yield output, [_deploy(emulator, output)]


@pytest.fixture
def deployed(_example: tuple[Path, list[Deployed]],
             monkeypatch: pytest.MonkeyPatch) -> Deployed:
    """The example, deployed once for the module; deployed again only if a test of another
    module emptied the emulator in between (tests of other modules may run between ours)."""
    output, cache = _example
    configure_environment(cache[0].emulator, monkeypatch)
    if not cache[0].still_there():
        cache[0] = _deploy(cache[0].emulator, output)
    return cache[0]


@pytest.fixture
def inbox(deployed: Deployed, request: pytest.FixtureRequest) -> Iterator[Inbox]:
    """A fresh SQS queue in security-tooling, subscribed to the alert topic."""
    box = Inbox(deployed, request.node.name.replace("_", "-")[:70])
    yield box
    box.close()


class Inbox:
    def __init__(self, deployed: Deployed, name: str) -> None:
        self.sqs, self.sns = deployed.sqs, deployed.sns
        self.url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        self.subscription = self.sns.subscribe(TopicArn=deployed.topic, Protocol="sqs",
                                               Endpoint=arn)["SubscriptionArn"]

    def messages(self) -> list[str]:
        """What the topic published since the last call (SNS's envelope opened)."""
        found = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", [])
        for message in found:
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return [str(json.loads(m["Body"])["Message"]) for m in found]

    def close(self) -> None:
        self.sns.unsubscribe(SubscriptionArn=self.subscription)
        self.sqs.delete_queue(QueueUrl=self.url)


def hops(deliveries: list[Delivery]) -> list[tuple[str, str, bool]]:
    """(rule region, target kind, delivered) of each attempt."""
    return [(d.rule.split(":")[3], d.target.split(":")[2], d.delivered) for d in deliveries]


def alert_of(deployed: Deployed, account: str) -> str:
    email = f"aws-{account}@acme.example"
    return (f"ROOT USER ACTIVITY in account {deployed.ids[account]} ({account}, root email "
            f"{email}): ")


# -- the three kinds of root activity, from a member account ------------------------------------


def test_a_root_api_call_in_a_member_account_outside_the_home_region_reaches_the_topic(
        deployed: Deployed, inbox: Inbox) -> None:
    deliveries = deployed.emulator.root_api_call(deployed.ids["payments-prod"], OTHER,
                                                 "RunInstances", "ec2.amazonaws.com")
    # eu-west-1 forwards to the account's home-region bus, whose rule publishes to the topic.
    assert hops(deliveries) == [(OTHER, "events", True), (HOME, "sns", True)]
    [message] = inbox.messages()
    assert message.startswith(alert_of(deployed, "payments-prod") + "AWS API Call via "
                              "CloudTrail RunInstances on ec2.amazonaws.com from 192.0.2.10 "
                              f"in {OTHER} at ")
    assert "escalate to Security incident on-call, via the incident pager" in message


def test_a_root_read_only_call_reaches_the_topic(deployed: Deployed, inbox: Inbox) -> None:
    deliveries = deployed.emulator.root_api_call(deployed.ids["network"], OTHER,
                                                 "DescribeInstances", read_only=True)
    assert hops(deliveries) == [(OTHER, "events", True), (HOME, "sns", True)]
    [message] = inbox.messages()
    assert message.startswith(alert_of(deployed, "network"))
    assert "DescribeInstances" in message


def test_a_root_console_sign_in_reaches_the_topic(deployed: Deployed, inbox: Inbox) -> None:
    deliveries = deployed.emulator.root_console_sign_in(deployed.ids["sandbox-builders"])
    assert hops(deliveries) == [(HOME, "sns", True)]
    [message] = inbox.messages()
    assert message.startswith(alert_of(deployed, "sandbox-builders") + "AWS Console Sign In "
                              "via CloudTrail ConsoleLogin on signin.amazonaws.com")


def test_the_management_account_s_root_activity_reaches_the_topic(
        deployed: Deployed, inbox: Inbox) -> None:
    management = deployed.emulator.account_id
    deployed.emulator.root_console_sign_in(management)
    deployed.emulator.root_api_call(management, OTHER, "ListBuckets", "s3.amazonaws.com",
                                    read_only=True)
    messages = inbox.messages()
    assert len(messages) == 2
    assert all(m.startswith(f"ROOT USER ACTIVITY in account {management} (acme-management, "
                            "the management account, root email "
                            "aws-management@acme.example)") for m in messages)


def test_activity_of_other_principals_reaches_nobody(deployed: Deployed, inbox: Inbox) -> None:
    from generator.aws.emulator import eventbridge

    event = eventbridge.root_api_call(deployed.ids["network"], HOME, "RunInstances",
                                      "ec2.amazonaws.com", read_only=False)
    event["detail"]["userIdentity"] = {"type": "AssumedRole", "accountId": deployed.ids[
        "network"]}
    assert eventbridge.put_aws_event(event) == []
    assert inbox.messages() == []


# -- what the emulator models: rule state, SCPs ---------------------------------------------------


def test_a_rule_in_state_enabled_does_not_receive_read_only_calls(
        deployed: Deployed, inbox: Inbox) -> None:
    account = deployed.ids["shared-services"]
    events = deployed.emulator.member_client(account, "events", OTHER)
    rule = events.describe_rule(Name=RULE)
    assert rule["State"] == ALL_MANAGEMENT_EVENTS
    events.put_rule(Name=RULE, EventPattern=rule["EventPattern"], State="ENABLED")
    try:
        assert deployed.emulator.root_api_call(account, OTHER, "DescribeInstances",
                                               read_only=True) == []
        assert inbox.messages() == []
        deployed.emulator.root_api_call(account, OTHER, "TerminateInstances")
        assert ["TerminateInstances" in m for m in inbox.messages()] == [True]
    finally:
        events.put_rule(Name=RULE, EventPattern=rule["EventPattern"],
                        State=ALL_MANAGEMENT_EVENTS)


def _organizations(deployed: Deployed) -> Any:
    return deployed.emulator.client("organizations")


def _ou(deployed: Deployed, name: str) -> str:
    organizations = _organizations(deployed)
    root = organizations.list_roots()["Roots"][0]["Id"]
    listed = organizations.list_organizational_units_for_parent(ParentId=root)
    return str(next(ou["Id"] for ou in listed["OrganizationalUnits"] if ou["Name"] == name))


def test_an_account_in_the_suspended_ou_still_alerts(deployed: Deployed, inbox: Inbox) -> None:
    """The built-in deny-all of the Suspended OU spares the alert roles."""
    organizations = _organizations(deployed)
    account = deployed.ids["policy-staging"]
    home = organizations.list_parents(ChildId=account)["Parents"][0]["Id"]
    organizations.move_account(AccountId=account, SourceParentId=home,
                               DestinationParentId=_ou(deployed, "Suspended"))
    try:
        deployed.emulator.root_api_call(account, OTHER, "CreateAccessKey", "iam.amazonaws.com")
        deployed.emulator.root_console_sign_in(account)
        messages = inbox.messages()
        assert len(messages) == 2
        assert all(m.startswith(alert_of(deployed, "policy-staging")) for m in messages)
    finally:
        organizations.move_account(AccountId=account, SourceParentId=_ou(deployed, "Suspended"),
                                   DestinationParentId=home)


def test_an_scp_that_denies_the_alert_role_drops_the_alert(
        deployed: Deployed, inbox: Inbox) -> None:
    """The role EventBridge publishes with is an ordinary role of the member account."""
    organizations = _organizations(deployed)
    account = deployed.ids["payments-nonprod"]
    policy = organizations.create_policy(
        Name="deny-sns-by-hand", Description="", Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "NoPublishing", "Effect": "Deny", "Action": "sns:Publish",
            "Resource": "*"}]}))["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=policy, TargetId=account)
    try:
        [delivery] = deployed.emulator.root_console_sign_in(account)
        assert not delivery.delivered
        assert delivery.refused == (
            f"AccessDenied: arn:aws:iam::{account}:role/lzgen-root-activity-us-east-1 may not "
            "sns:Publish: statement NoPublishing of SCP deny-sns-by-hand")
        assert inbox.messages() == []
    finally:
        organizations.detach_policy(PolicyId=policy, TargetId=account)
        organizations.delete_policy(PolicyId=policy)
    deployed.emulator.root_console_sign_in(account)
    assert len(inbox.messages()) == 1
