"""Root activity on the emulator: the events CloudTrail puts on an account's default event bus,
and their delivery by EventBridge rules, as AWS does it. moto delivered no event to an SNS
topic (PutEvents with such a target failed), ignored rule states and execution roles, and
refuses nothing a test could not fake with PutEvents (AWS refuses ``aws.*`` sources there).

Producing events (CloudTrail's job in AWS; the tests call these to act as the root user):

* ``root_api_call``: an "AWS API Call via CloudTrail" event in the account and region of the
  call, ``detail.userIdentity.type`` ``Root``, with ``eventName``, ``eventSource`` and
  ``readOnly`` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html).
* ``root_console_sign_in``: an "AWS Console Sign In via CloudTrail" event, always in us-east-1:
  CloudTrail records root sign-ins there
  (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html).
  EventBridge's page spells the detail type "Signin"; the events carry "Sign In", the
  spelling AWS's own root-login rule matches
  (https://repost.aws/knowledge-center/root-user-account-eventbridge-rule).

Delivering them (``put_aws_event``), rule by rule on the default bus of the event's account
and region:

* A ``DISABLED`` rule gets nothing. A read-only management event (``readOnly`` true) reaches
  only rules in state ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``, not ``ENABLED``
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html).
* The rule's pattern must match (moto's matcher); an ``InputTransformer`` rewrites the event
  for the target (moto's parser).
* A target with ``RoleArn``: EventBridge assumes that role, which must be in the bus's
  account; its trust policy must let ``events.amazonaws.com`` assume it, its policies must
  allow the action on the target, and the account's SCPs apply to it
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-cross-account.html).
* An SNS topic target must be in the rule's region; in another account it needs the role and
  a topic policy that lets the role publish (same page). In the same account without a role,
  the topic policy must let ``events.amazonaws.com`` publish
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html).
  Publishing goes through moto's SNS, so an SQS queue subscribed to the topic receives it.
* An event bus target in another region of the same account gets the event unchanged, with
  the role's ``events:PutEvents`` (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html),
  and its own rules deliver it in turn. A bus in another account, and other target types,
  are not modelled: the delivery is refused with that reason.

A refused delivery drops the event for that target, as AWS does (it only counts a failed
invocation); every attempt is returned as a ``Delivery`` so a test can say why.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from moto.events.models import EventBus, EventsBackend, Rule, events_backends
from moto.events.utils import EventTemplateParser
from moto.iam.models import IAMBackend, Role, iam_backends
from moto.sns.models import SNSBackend, sns_backends
from moto.utilities.arns import parse_arn
from moto.utilities.utils import get_partition

from generator.policies.evaluate import Request, evaluate

from . import scp
from .security import management_backend

API_CALL = "AWS API Call via CloudTrail"
SIGN_IN = "AWS Console Sign In via CloudTrail"
SIGN_IN_REGION = "us-east-1"
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
EVENTS_PRINCIPAL = "events.amazonaws.com"
EVENT_TIME = "2026-03-01T09:30:00Z"
SOURCE_IP = "192.0.2.10"  # TEST-NET-1, never a real caller
_MAX_HOPS = 3  # rules forwarding to buses forwarding back cannot loop forever


@dataclass(frozen=True)
class Delivery:
    """One rule's attempt to deliver one event to one target."""

    rule: str  # the rule's ARN
    target: str  # the target's ARN
    refused: str = ""  # why the event did not reach the target; "" when it did

    @property
    def delivered(self) -> bool:
        return not self.refused


# -- the events -----------------------------------------------------------------------------


def _root_identity(account_id: str) -> dict[str, str]:
    return {"type": "Root", "principalId": account_id, "accountId": account_id,
            "arn": f"arn:aws:iam::{account_id}:root"}


def _event(account_id: str, region: str, detail_type: str, source: str,
           detail: dict[str, Any]) -> dict[str, Any]:
    common = {"eventVersion": "1.09", "userIdentity": _root_identity(account_id),
              "eventTime": EVENT_TIME, "awsRegion": region, "sourceIPAddress": SOURCE_IP,
              "userAgent": "lzgen-emulator", "eventID": str(uuid.uuid4()),
              "recipientAccountId": account_id, "managementEvent": True,
              "eventCategory": "Management"}
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type,
            "source": source, "account": account_id, "time": EVENT_TIME, "region": region,
            "resources": [], "detail": {**common, **detail}}


def root_api_call(account_id: str, region: str, event_name: str, event_source: str, *,
                  read_only: bool) -> dict[str, Any]:
    """The event of one root API call (``event_source`` like ``ec2.amazonaws.com``)."""
    service = event_source.split(".", maxsplit=1)[0]
    return _event(account_id, region, API_CALL, f"aws.{service}", {
        "eventSource": event_source, "eventName": event_name, "readOnly": read_only,
        "eventType": "AwsApiCall", "requestParameters": None, "responseElements": None})


def root_console_sign_in(account_id: str) -> dict[str, Any]:
    """The event of one root console sign-in: in us-east-1, whatever region the console
    opens in."""
    return _event(account_id, SIGN_IN_REGION, SIGN_IN, "aws.signin", {
        "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
        "eventType": "AwsConsoleSignIn", "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"MFAUsed": "Yes"}})


# -- delivery -------------------------------------------------------------------------------


def put_aws_event(event: Mapping[str, Any]) -> list[Delivery]:
    """Put an AWS service event on the default bus of its account and region; every delivery
    attempt of the rules it reaches (forwarded events included)."""
    return _on_bus(dict(event), str(event["account"]), str(event["region"]), hops=0)


def _on_bus(event: dict[str, Any], account_id: str, region: str, *, hops: int) -> list[Delivery]:
    backend: EventsBackend = events_backends[account_id][region]
    bus: EventBus | None = backend.event_buses.get("default")
    if bus is None or hops > _MAX_HOPS:
        return []
    found: list[Delivery] = []
    for rule in list(bus.rules.values()):
        if _receives(rule, event):
            for target in rule.targets:
                found += _deliver(rule, target, event, hops)
    return found


def _read_only(event: Mapping[str, Any]) -> bool:
    detail = event.get("detail") or {}
    return event.get("detail-type") == API_CALL and detail.get("readOnly") is True


def _receives(rule: Rule, event: Mapping[str, Any]) -> bool:
    if rule.state not in ("ENABLED", ALL_MANAGEMENT_EVENTS):
        return False
    if _read_only(event) and rule.state != ALL_MANAGEMENT_EVENTS:
        return False
    matched: bool = rule.event_pattern.matches_event(cast(Any, event))
    return matched


def _payload(target: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    found = EventTemplateParser.parse(transformer.get("InputTemplate"),
                                      transformer.get("InputPathsMap") or {},
                                      cast(Any, {**event, "ingestion-time": 0}))
    return found if isinstance(found, str) else json.dumps(found)


def _deliver(rule: Rule, target: Mapping[str, Any], event: dict[str, Any],
             hops: int) -> list[Delivery]:
    arn = parse_arn(str(target["Arn"]))
    attempt = Delivery(rule.arn, str(target["Arn"]))
    if arn.service == "sns":
        refused = _sns_refusal(rule, target)
        if refused:
            return [Delivery(attempt.rule, attempt.target, refused)]
        topics: SNSBackend = sns_backends[arn.account][arn.region]
        topics.publish(_payload(target, event), arn=attempt.target)
        return [attempt]
    if arn.service == "events" and arn.resource_type == "event-bus":
        refused = _bus_refusal(rule, target)
        if refused:
            return [Delivery(attempt.rule, attempt.target, refused)]
        forwarded = _on_bus(copy.deepcopy(event), arn.account, arn.region, hops=hops + 1)
        return [attempt, *forwarded]
    return [Delivery(attempt.rule, attempt.target,
                     f"the emulator does not deliver to {arn.service} targets")]


def _sns_refusal(rule: Rule, target: Mapping[str, Any]) -> str:
    topic_arn = str(target["Arn"])
    arn = parse_arn(topic_arn)
    if arn.region != rule.region_name:
        return f"the topic is in {arn.region}, the rule in {rule.region_name}: targets must " \
               "be in the rule's region"
    topic = sns_backends[arn.account][arn.region].topics.get(topic_arn)
    if topic is None:
        return "the topic does not exist"
    role_arn = str(target.get("RoleArn") or "")
    if not role_arn:
        if arn.account != rule.account_id:
            return "a topic in another account needs an execution role (RoleArn)"
        service = _service_request(rule, "sns:Publish", topic_arn)
        return _resource_refusal(topic._policy_json, "the topic policy", service,
                                 service_principal=EVENTS_PRINCIPAL)
    request = _role_request(rule, role_arn, "sns:Publish", topic_arn, arn.region)
    refused = _role_refusal(rule, role_arn, request)
    if refused or arn.account == rule.account_id:
        return refused
    return _resource_refusal(topic._policy_json, "the topic policy", request,
                             principal_arn=role_arn)


def _bus_refusal(rule: Rule, target: Mapping[str, Any]) -> str:
    bus_arn = str(target["Arn"])
    arn = parse_arn(bus_arn)
    if arn.account != rule.account_id:
        return "the emulator does not model event buses of other accounts"
    if arn.region == rule.region_name:
        return "a rule cannot target the bus of its own region"
    role_arn = str(target.get("RoleArn") or "")
    if not role_arn:
        return "an event bus in another region needs an execution role (RoleArn)"
    if target.get("InputTransformer"):
        return "an event bus target takes no input transformer"
    request = _role_request(rule, role_arn, "events:PutEvents", bus_arn, arn.region)
    return _role_refusal(rule, role_arn, request)


# -- who may do what ------------------------------------------------------------------------


def _organization_keys(account_id: str, region: str) -> tuple[tuple[str, str | None], ...]:
    org = management_backend(account_id, region)
    org_id = org.org.id if org is not None and org.org is not None else None
    return (("aws:PrincipalAccount", account_id), ("aws:PrincipalOrgID", org_id))


def _role_request(rule: Rule, role_arn: str, action: str, resource: str,
                  region: str) -> Request:
    account = parse_arn(role_arn).account
    return Request(action, region, role_arn, resource,
                   keys=_organization_keys(account, rule.region_name))


def _service_request(rule: Rule, action: str, resource: str) -> Request:
    return Request(action, rule.region_name, EVENTS_PRINCIPAL, resource,
                   keys=(("aws:SourceAccount", rule.account_id), ("aws:SourceArn", rule.arn)))


def _role(role_arn: str, region: str) -> Role | None:
    backend: IAMBackend = iam_backends[parse_arn(role_arn).account][get_partition(region)]
    name = role_arn.rsplit("/", 1)[-1]
    return next((r for r in backend.roles.values() if r.name == name), None)


def _document(text_or_dict: Any) -> dict[str, Any]:
    found = json.loads(text_or_dict) if isinstance(text_or_dict, str) else text_or_dict
    return found if isinstance(found, dict) else {}


def _role_refusal(rule: Rule, role_arn: str, request: Request) -> str:
    """Why EventBridge cannot make `request` with the role, or ""."""
    if parse_arn(role_arn).account != rule.account_id:
        return "the execution role must be in the account of the event bus"
    role = _role(role_arn, rule.region_name)
    if role is None:
        return f"the execution role {role_arn} does not exist"
    assume = _service_request(rule, "sts:AssumeRole", role_arn)
    refused = _resource_refusal(_document(role.assume_role_policy_document),
                                "the role's trust policy", assume,
                                service_principal=EVENTS_PRINCIPAL)
    if refused:
        return refused
    policies = [(name, _document(text)) for name, text in sorted(role.policies.items())]
    policies += [(p.name, _document(v.document)) for p in role.managed_policies.values()
                 for v in p.versions if v.is_default]
    if evaluate([policies], request) is not None:
        return f"the policies of {role_arn} do not allow {request.action} on {request.resource}"
    return _scp_refusal(rule.account_id, rule.region_name, request)


def _scp_refusal(account_id: str, region: str, request: Request) -> str:
    org = management_backend(account_id, region)
    if org is None:
        return ""
    found = scp.verdict(org, account_id, request)
    if found is None or not found.certain:  # as for StackSets: only a certain denial
        return ""
    where = f"statement {found.statement} of SCP {found.policy}" if found.statement \
        else found.reason
    return f"AccessDenied: {request.principal_arn} may not {request.action}: {where}"


def _resource_refusal(document: Mapping[str, Any], what: str, request: Request, *,
                      principal_arn: str = "", service_principal: str = "") -> str:
    """Why a resource policy (or trust policy) does not let the principal make `request`;
    statements for other principals do not count. Undecidable conditions refuse too."""
    own = [s for s in _statements(document)
           if _names_principal(s.get("Principal"), principal_arn, service_principal)]
    if evaluate([[(what, {"Statement": own})]], request) is None:
        return ""
    who = principal_arn or service_principal
    return f"{what} does not let {who} {request.action} on {request.resource}"


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = document.get("Statement") or []
    listed = [found] if isinstance(found, Mapping) else found
    return [s for s in listed if isinstance(s, Mapping)]


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, Iterable) else []


def _names_principal(principal: Any, principal_arn: str, service: str) -> bool:
    """The statement's Principal covers the role (by ARN, its account, or "*") or the
    service. NotPrincipal statements are not modelled: they count as not covering it."""
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    if service and service in _listed(principal.get("Service")):
        return True
    if not principal_arn:
        return False
    account = parse_arn(principal_arn).account
    names = _listed(principal.get("AWS"))
    return any(n in ("*", principal_arn, account, f"arn:aws:iam::{account}:root")
               for n in names)
