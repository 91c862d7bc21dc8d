"""Cost anomaly monitors: the Cost Explorer calls and the CloudFormation resource type moto
lacks, with the limit AWS enforces.

An account may have only one DIMENSIONAL monitor per dimension: Cost Explorer refuses a
second with ValidationException "Limit exceeded on dimensional spend monitor creation"
(reported in aws-cloudformation/cloudformation-coverage-roadmap#2515; AWS's CloudFormation
surfaces it as AlreadyExists with the message "null", the emulator keeps Cost Explorer's words).
No AWS documentation page states this limit (the API reference and the Cost Anomaly Detection
FAQ, https://aws.amazon.com/aws-cost-management/aws-cost-anomaly-detection/faqs/, give only the
total of 101 monitors): it is taken from observed behaviour, assumed.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_AnomalyMonitor.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetAnomalyMonitors.html

* ``ce`` CreateAnomalyMonitor, GetAnomalyMonitors, DeleteAnomalyMonitor;
* ``AWS::CE::AnomalyMonitor`` (Ref: the monitor's ARN; MonitorName updates in place, the other
  properties replace it). Subscriptions are not modelled (moto skips the type).
"""

from __future__ import annotations

import json
from typing import Any

from moto.ce.responses import CostExplorerResponse
from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition

LIMIT = "Limit exceeded on dimensional spend monitor creation"
_MONITORS: dict[str, dict[str, dict[str, Any]]] = {}  # account -> ARN -> monitor


class _Validation(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


def create_monitor(account_id: str, region: str, spec: dict[str, Any]) -> str:
    monitors = _MONITORS.setdefault(account_id, {})
    kind, dimension = spec.get("MonitorType"), spec.get("MonitorDimension")
    if kind == "DIMENSIONAL" and any(m["MonitorType"] == "DIMENSIONAL"
                                     and m.get("MonitorDimension") == dimension
                                     for m in monitors.values()):
        raise _Validation(LIMIT)
    arn = (f"arn:{get_partition(region)}:ce::{account_id}:anomalymonitor/"
           f"{mock_random.uuid4()}")
    monitor = {"MonitorArn": arn, "MonitorName": str(spec.get("MonitorName", "")),
               "MonitorType": kind}
    if dimension:
        monitor["MonitorDimension"] = dimension
    if spec.get("MonitorSpecification"):
        monitor["MonitorSpecification"] = spec["MonitorSpecification"]
    monitors[arn] = monitor
    return arn


def delete_monitor(account_id: str, arn: str) -> None:
    _MONITORS.get(account_id, {}).pop(arn, None)


# -- the API ------------------------------------------------------------------------------------


def create_anomaly_monitor(self: Any) -> str:
    spec = json.loads(self.body).get("AnomalyMonitor") or {}
    return json.dumps({"MonitorArn": create_monitor(self.current_account, self.region, spec)})


def get_anomaly_monitors(self: Any) -> str:
    wanted = json.loads(self.body or "{}").get("MonitorArnList") or []
    listed = [m for arn, m in sorted(_MONITORS.get(self.current_account, {}).items())
              if not wanted or arn in wanted]
    return json.dumps({"AnomalyMonitors": listed})


def delete_anomaly_monitor(self: Any) -> str:
    delete_monitor(self.current_account, json.loads(self.body)["MonitorArn"])
    return "{}"


# -- AWS::CE::AnomalyMonitor --------------------------------------------------------------------

_CREATE_ONLY = ("MonitorType", "MonitorDimension", "MonitorSpecification")


class AnomalyMonitor(CloudFormationModel):
    def __init__(self, account_id: str, arn: str, properties: dict[str, Any]) -> None:
        self.account_id, self.arn, self.properties = account_id, arn, properties

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CE::AnomalyMonitor"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "MonitorName"

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "MonitorArn"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> AnomalyMonitor:
        properties = dict(cloudformation_json.get("Properties") or {})
        properties.setdefault("MonitorName", resource_name)
        return cls(account_id, create_monitor(account_id, region_name, properties), properties)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> AnomalyMonitor:
        properties = dict(cloudformation_json.get("Properties") or {})
        old: AnomalyMonitor = original_resource
        if any(properties.get(k) != old.properties.get(k) for k in _CREATE_ONLY):
            delete_monitor(account_id, old.arn)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json,
                                                       account_id, region_name)
        monitor = _MONITORS.get(account_id, {}).get(old.arn)
        if monitor is not None:
            monitor["MonitorName"] = properties.get("MonitorName", monitor["MonitorName"])
        old.properties = properties
        return old

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> None:
        delete_monitor(account_id, resource_name)


# ------------------------------------------------------------------------------------------------


def install() -> None:
    for name, handler in (("create_anomaly_monitor", create_anomaly_monitor),
                          ("get_anomaly_monitors", get_anomaly_monitors),
                          ("delete_anomaly_monitor", delete_anomaly_monitor)):
        setattr(CostExplorerResponse, name, handler)


def reset_state() -> None:
    _MONITORS.clear()
