"""EventBridge delivery on the emulator refuses what AWS refuses (generator/aws/emulator/
eventbridge.py): a topic in another account needs a topic policy for the rule's role, the role
must trust EventBridge, targets are in the rule's region, a disabled rule gets nothing. The
example's alerts end to end are in test_root_activity_e2e.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from generator.aws.emulator.eventbridge import ALL_MANAGEMENT_EVENTS
from tests.emulator import Emulator

PATTERN = json.dumps({"detail": {"userIdentity": {"type": ["Root"]}}})
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


@dataclass
class Setup:
    emulator: Emulator
    rules: str  # the account with the rule and its role
    topics: str  # the account with the topic
    topic: str
    queue: str

    def client(self, account: str, service: str, region: str = "us-east-1") -> Any:
        return self.emulator.member_client(account, service, region)

    def rule(self, *, role: str, target: str | None = None, region: str = "us-east-1",
             state: str = ALL_MANAGEMENT_EVENTS) -> None:
        events = self.client(self.rules, "events", region)
        events.put_rule(Name="root", EventPattern=PATTERN, State=state)
        events.put_targets(Rule="root", Targets=[{
            "Id": "topic", "Arn": target or self.topic,
            "RoleArn": f"arn:aws:iam::{self.rules}:role/{role}"}])

    def role(self, name: str, trust: dict[str, Any]) -> None:
        iam = self.client(self.rules, "iam")
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(RoleName=name, PolicyName="publish", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sns:Publish", "Resource": self.topic}]}))

    def received(self) -> int:
        sqs = self.client(self.topics, "sqs")
        return len(sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get(
            "Messages", []))


@pytest.fixture
def setup(emulator: Emulator) -> Setup:
    emulator.create_organization()
    organizations = emulator.client("organizations")
    rules, topics = (organizations.create_account(AccountName=n, Email=f"{n}@acme.example")[
        "CreateAccountStatus"]["AccountId"] for n in ("rules", "topics"))
    sns = emulator.member_client(topics, "sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sqs = emulator.member_client(topics, "sqs")
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return Setup(emulator, rules, topics, topic, queue)


def test_a_topic_in_another_account_needs_a_policy_that_admits_the_role(setup: Setup) -> None:
    setup.role("publisher", TRUST)
    setup.rule(role="publisher")
    [refused] = setup.emulator.root_console_sign_in(setup.rules)
    assert refused.refused == (f"the topic policy does not let arn:aws:iam::{setup.rules}:role/"
                               f"publisher sns:Publish on {setup.topic}")
    assert setup.received() == 0

    org_id = setup.emulator.client("organizations").describe_organization()[
        "Organization"]["Id"]
    setup.client(setup.topics, "sns").set_topic_attributes(
        TopicArn=setup.topic, AttributeName="Policy", AttributeValue=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                "Resource": setup.topic,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}}}]}))
    [delivered] = setup.emulator.root_console_sign_in(setup.rules)
    assert delivered.delivered
    assert setup.received() == 1


def test_the_role_must_trust_eventbridge(setup: Setup) -> None:
    setup.role("lambda-only", {**TRUST, "Statement": [{
        **TRUST["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}}]})
    setup.rule(role="lambda-only")
    [refused] = setup.emulator.root_console_sign_in(setup.rules)
    assert refused.refused.startswith("the role's trust policy does not let "
                                      "events.amazonaws.com sts:AssumeRole")


def test_targets_are_in_the_rule_s_region_and_a_disabled_rule_gets_nothing(
        setup: Setup) -> None:
    setup.role("publisher", TRUST)
    setup.rule(role="publisher", region="eu-west-1")
    [refused] = setup.emulator.root_api_call(setup.rules, "eu-west-1")
    assert refused.refused == ("the topic is in us-east-1, the rule in eu-west-1: targets must "
                               "be in the rule's region")
    setup.rule(role="publisher", state="DISABLED")
    assert setup.emulator.root_console_sign_in(setup.rules) == []
