"""Amazon SNS in stacks: the two resource types lzgen writes that moto's CloudFormation skipped
with a warning, so that a deployed alert topic has the policy and the subscriptions its
template gives it.

* ``AWS::SNS::TopicPolicy`` sets the policy of each topic in ``Topics``; deleting the resource
  gives the topics back their default policy
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topicpolicy.html).
  Cross-account delivery to the topic (``eventbridge.py``) reads this policy.
* ``AWS::SNS::Subscription`` subscribes ``Endpoint`` with ``Protocol`` through moto's SNS
  backend (an email address stays unconfirmed, as in AWS until its owner confirms).
  Ref: the subscription ARN
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html).
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.sns.models import SNSBackend, Topic, sns_backends
from moto.utilities.arns import parse_arn

from generator.aws.emulator.plain import PlainModel


def _backend(topic_arn: str) -> SNSBackend:
    arn = parse_arn(topic_arn)
    backend: SNSBackend = sns_backends[arn.account][arn.region]
    return backend


def _topic(topic_arn: str) -> Topic:
    topic: Topic = _backend(topic_arn).get_topic(topic_arn)
    return topic


def _properties(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = cloudformation_json.get("Properties") or {}
    return properties


class _SnsModel(PlainModel):
    def __init__(self, physical_id: str, properties: dict[str, Any]) -> None:
        super().__init__(physical_id)
        self.id = physical_id
        self.properties = properties


class TopicPolicy(_SnsModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @staticmethod
    def _apply(properties: dict[str, Any]) -> None:
        document = properties["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        for topic_arn in properties.get("Topics") or []:
            _topic(str(topic_arn)).policy = text

    @staticmethod
    def _restore(topic_arns: list[str]) -> None:
        for topic_arn in topic_arns:
            backend = _backend(topic_arn)
            topic = backend.topics.get(topic_arn)
            if topic is not None:
                topic._policy_json = topic._create_default_topic_policy(
                    backend.region_name, topic.account_id, topic.name)

    @classmethod
    def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any) -> TopicPolicy:
        properties = _properties(cloudformation_json)
        cls._apply(properties)
        return cls(resource_name, properties)

    @classmethod
    def update_from_cloudformation_json(
            cls, original_resource: TopicPolicy, new_resource_name: str,
            cloudformation_json: dict[str, Any], account_id: str,
            region_name: str) -> TopicPolicy:
        properties = _properties(cloudformation_json)
        kept = {str(t) for t in properties.get("Topics") or []}
        cls._restore([str(t) for t in original_resource.properties.get("Topics") or []
                      if str(t) not in kept])
        cls._apply(properties)
        original_resource.properties = properties
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        """Called by moto's CloudFormation, with the properties as they were resolved."""
        self._restore([str(t) for t in self.properties.get("Topics") or []])


class Subscription(_SnsModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any) -> Subscription:
        properties = _properties(cloudformation_json)
        topic_arn = str(properties["TopicArn"])
        subscription = _backend(topic_arn).subscribe(
            topic_arn, str(properties["Endpoint"]), str(properties["Protocol"]))
        return cls(subscription.arn, properties)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(str(self.properties["TopicArn"]))
        if self.id in backend.subscriptions:
            backend.unsubscribe(self.id)


MODELS: tuple[type[CloudFormationModel], ...] = (TopicPolicy, Subscription)
