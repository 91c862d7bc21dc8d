"""AWS Config in the emulator: the CloudFormation types lzgen writes (moto's CloudFormation
had none, and skipped them with a warning) and the precondition AWS enforces on rules.

* ``PutConfigRule`` (and so ``AWS::Config::ConfigRule``) fails with
  ``NoAvailableConfigurationRecorderException`` where the account and region have no
  configuration recorder
  (https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigRule.html); moto
  accepted the rule anyway.
* ``AWS::Config::ConfigurationRecorder`` and ``AWS::Config::DeliveryChannel`` drive moto's
  Config backend (one of each per account and region; the channel needs the recorder). As
  CloudFormation does, the recorder is started once the channel exists
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-config-configurationrecorder.html).
  Deleting the channel stops the recorder first.
* ``AWS::IAM::ServiceLinkedRole`` creates the role through moto's IAM backend.

Ref: the recorder's and channel's name, the rule's name, the role's name.
"""

from __future__ import annotations

import functools
from typing import Any

from moto.config.models import ConfigBackend, config_backends
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError
from moto.iam.models import SERVICE_NAME_CONVERSION, iam_backends
from moto.utilities.utils import get_partition

from generator.aws.emulator.plain import PlainModel

_ORIGINAL_PUT_RULE = ConfigBackend.put_config_rule


class NoRecorderForRule(JsonRESTError):
    """AWS's wording for a rule without a recorder (moto's class speaks of delivery channels)."""

    code = 400

    def __init__(self) -> None:
        super().__init__("NoAvailableConfigurationRecorderException",
                         "There are no customer managed configuration recorders available to "
                         "record your resources. Use the PutConfigurationRecorder operation to "
                         "create the customer managed configuration recorder.")


@functools.wraps(_ORIGINAL_PUT_RULE)
def put_config_rule(self: ConfigBackend, config_rule: dict[str, Any],
                    tags: list[dict[str, str]] | None = None) -> str:
    if not self.recorders:
        raise NoRecorderForRule()
    result: str = _ORIGINAL_PUT_RULE(self, config_rule, tags)
    return result


def _backend(account_id: str, region_name: str) -> ConfigBackend:
    backend: ConfigBackend = config_backends[account_id][region_name]
    return backend


class _ConfigModel(PlainModel):
    def __init__(self, name: str, account_id: str, region_name: str) -> None:
        super().__init__(name)
        self.name = name
        self.account_id = account_id
        self.region_name = region_name


class ConfigurationRecorder(_ConfigModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::ConfigurationRecorder"

    @classmethod
    def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any) -> ConfigurationRecorder:
        properties = cloudformation_json.get("Properties") or {}
        name = str(properties.get("Name") or "default")
        _backend(account_id, region_name).put_configuration_recorder(
            {"name": name, "roleARN": properties.get("RoleARN")})
        return cls(name, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if resource_name in backend.recorders:
            backend.delete_configuration_recorder(resource_name)


class DeliveryChannel(_ConfigModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::DeliveryChannel"

    @classmethod
    def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any) -> DeliveryChannel:
        properties = cloudformation_json.get("Properties") or {}
        name = str(properties.get("Name") or "default")
        backend = _backend(account_id, region_name)
        backend.put_delivery_channel({"name": name,
                                      "s3BucketName": properties.get("S3BucketName")})
        for recorder in list(backend.recorders):
            backend.start_configuration_recorder(recorder)
        return cls(name, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str) -> None:
        backend = _backend(account_id, region_name)
        for recorder in list(backend.recorders):
            backend.stop_configuration_recorder(recorder)
        if resource_name in backend.delivery_channels:
            backend.delete_delivery_channel(resource_name)


class ConfigRule(_ConfigModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::ConfigRule"

    @classmethod
    def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any) -> ConfigRule:
        properties = dict(cloudformation_json.get("Properties") or {})
        properties.setdefault("ConfigRuleName", resource_name)
        _backend(account_id, region_name).put_config_rule(properties)
        return cls(str(properties["ConfigRuleName"]), account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str) -> None:
        backend = _backend(account_id, region_name)
        if resource_name in backend.config_rules:
            backend.delete_config_rule(resource_name)


class ServiceLinkedRole(_ConfigModel, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::ServiceLinkedRole"

    @classmethod
    def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
            region_name: str, **kwargs: Any) -> ServiceLinkedRole:
        properties = cloudformation_json.get("Properties") or {}
        role = iam_backends[account_id][get_partition(region_name)].create_service_linked_role(
            service_name=properties["AWSServiceName"],
            description=str(properties.get("Description", "")),
            suffix=str(properties.get("CustomSuffix", "")))
        return cls(role.name, account_id, region_name)


MODELS: tuple[type[CloudFormationModel], ...] = (
    ConfigurationRecorder, DeliveryChannel, ConfigRule, ServiceLinkedRole)


def install() -> None:
    """Enforce the recorder precondition of PutConfigRule; name Config's service-linked role
    as AWS does (moto made it AWSServiceRoleForconfig). Idempotent."""
    ConfigBackend.put_config_rule = put_config_rule  # type: ignore[method-assign]
    SERVICE_NAME_CONVERSION.setdefault("config", "Config")
