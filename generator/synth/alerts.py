"""Root activity alerts: every root sign-in and root API call, in every account and region,
ends as one loud email that names the account and its root email address.

How an event travels:

* In each account and region, an EventBridge rule matches root activity (the pattern of the
  AWS sample "aws-iam-root-user-activity-monitor"). Console sign-ins are recorded in
  us-east-1 only, so only the rules there (and in the home region, which receives them)
  match sign-ins; API calls are matched everywhere.
* Outside the home region, the rule forwards the event unchanged to the same account's
  default bus in the home region.
* In the home region, the rule publishes to the one SNS topic in the alert account
  (security-tooling by default), rewriting the event into a message with an input transformer.

Why not a central event bus: EventBridge refuses an input transformer on a target that is an
event bus (input transformers are for targets that are AWS services or API destinations:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-input-rule.html), so an
event reaching a central bus carries no more than the account ID; the root email can only be
added in the account itself, where a StackSet parameter holds it. Sending from the account's
home-region rule straight to the topic does that without a bus: an SNS topic of another
account is a supported target in the rule's own region, reached with an execution role of the
bus's account (the account's SCPs apply to it) that the topic's policy admits
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-cross-account.html).

The per-account values (`AccountName`, `RootEmail`) are StackSet parameter overrides that
deploy applies by account name (manifest: `stackset_overrides`); accounts lzgen does not know
get the parameter defaults.
"""

from __future__ import annotations

from typing import Any

from troposphere import Condition, Equals, GetAtt, If, Or, Parameter, Ref, Sub, Template
from troposphere.events import InputTransformer, Rule, Target
from troposphere.iam import Policy, Role
from troposphere.sns import SubscriptionResource, Topic, TopicPolicy

from generator.baseline import (
    ALERT_ROLE_PREFIX,
    SIGN_IN_REGION,
    alert_account,
    alert_recipients,
    alert_regions,
    plain_text,
)
from generator.model import Organization
from generator.synth.organization import new_template
from generator.synth.stacksets import (
    NAMED_IAM,
    account_id,
    add_stackset,
    after_organization,
    deploy_parameters,
    every_member_account,
    only_account,
    organization_id,
)
from generator.synth.types import Build, Stack, StackSetOverride

STACK = "root-activity"
TOPIC_STACKSET = "root-activity-topic"
MEMBER_STACKSET = "root-activity"
TOPIC_NAME = "lzgen-root-activity"
RULE_NAME = "lzgen-root-activity"
ROLE_PREFIX = ALERT_ROLE_PREFIX
API_CALL = "AWS API Call via CloudTrail"
SIGN_IN = "AWS Console Sign In via CloudTrail"
UNKNOWN_NAME = "unknown to lzgen"
UNKNOWN_EMAIL = "unknown to lzgen, see AWS Organizations"
_SAFE_TEXT = '^[^"\\\\<>]*$'
_INPUT_PATHS = {
    "account": "$.account", "region": "$.region", "time": "$.time", "kind": "$.detail-type",
    "action": "$.detail.eventName", "service": "$.detail.eventSource",
    "ip": "$.detail.sourceIPAddress",
}


def event_pattern(sign_ins: bool) -> dict[str, Any]:
    kinds = [API_CALL, SIGN_IN] if sign_ins else [API_CALL]
    return {"detail-type": kinds, "detail": {"userIdentity": {"type": ["Root"]}}}


def message_template(account_name: str | None, root_email: str | None,
                     escalation: str) -> str:
    """The input template: one JSON string, with <placeholders> for the event's fields.
    Without a name and email, the account is named by its ID only."""
    escalate = f" and escalate to {plain_text(escalation)}" if escalation.strip() else ""
    named = (f" ({account_name}, root email {root_email})"
             if account_name is not None and root_email is not None else "")
    text = (f"ROOT USER ACTIVITY in account <account>{named}: "
            "<kind> <action> on <service> from <ip> in <region> at <time>. "
            "The root user should almost never be used: if nobody announced this, treat it "
            f"as a security incident{escalate}.")
    return f'"{text}"'


def topic_arn(home: str, account: Any) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:sns:{home}:${{AccountId}}:{TOPIC_NAME}",
               AccountId=account)


def build_root_activity_alerts(org: Organization, build: Build) -> None:
    ref = alert_account(org)
    if ref is None or ref.name not in org.accounts:
        return
    home = org.blueprint.organization.home_region
    regions = alert_regions(org)
    template = new_template("Root activity alerts: the alert topic (StackSet, alert account), "
                            "the rules of every member account (StackSet) and of the "
                            f"management account in {home}")
    topic = topic_arn(home, account_id(org, template, ref.name))
    topic_set = add_stackset(
        org, build, (STACK, template), TOPIC_STACKSET, _topic_body(org),
        targets=only_account(org, template, ref.name), regions=[home],
        description="The SNS topic that emails root activity alerts",
        who=f"account {ref.name}", parameters={"OrganizationId": organization_id(template)},
        account=ref.name)
    add_stackset(
        org, build, (STACK, template), MEMBER_STACKSET, _member_body(org),
        targets=every_member_account(template), regions=regions,
        description="Rules that report root sign-ins and root API calls",
        who="every member account", parameters={"AlertTopicArn": topic},
        depends_on=[topic_set], iam=True)
    _add_rule(template, home, home, message=management_text(org), topic=topic,
              depends_on=[topic_set])
    after = after_organization(build)
    build.stacks.append(Stack(STACK, template.to_dict(), "Root activity alerts", after,
                              deploy_parameters(template), home, [NAMED_IAM]))
    for region in regions:
        if region != home:
            build.stacks.append(_regional_stack(region, home, after))
    if _names_accounts(org):
        build.stackset_overrides.append(StackSetOverride(MEMBER_STACKSET, [home], {
            name: {"AccountName": plain_text(name), "RootEmail": plain_text(account.email)}
            for name, account in org.accounts.items()}))


def _names_accounts(org: Organization) -> bool:
    settings = org.blueprint.alerts.root_activity
    return settings is None or settings.name_accounts


def management_text(org: Organization) -> str:
    management = org.blueprint.organization.management_account
    return message_template(f"{plain_text(management.name)}, the management account",
                            plain_text(management.email), _escalation(org))


def _escalation(org: Organization) -> str:
    return org.blueprint.root_access.escalation if org.blueprint.root_access else ""


def _regional_stack(region: str, home: str, after: list[str]) -> Stack:
    template = new_template(f"Root activity alerts of the management account in {region}: "
                            f"forwarded to {home}")
    _add_rule(template, region, home)
    return Stack(f"{STACK}-{region}", template.to_dict(),
                 f"Root activity alerts ({region})", after, {}, region, [NAMED_IAM])


def _add_rule(template: Template, region: str, home: str, *, message: str = "",
              topic: Any = None, depends_on: list[str] | None = None) -> None:
    """The role and rule of the management account in one known region."""
    sign_ins = region in (home, SIGN_IN_REGION)
    if region == home:
        target, permission = _topic_target(topic, message), _allow("sns:Publish", topic)
    else:
        target = _home_bus_target(home)
        permission = _allow("events:PutEvents", _home_bus(home))
    template.add_resource(_role(permission))
    rule = _rule(event_pattern(sign_ins), target)
    if depends_on:
        rule.DependsOn = depends_on
    template.add_resource(rule)


def _member_body(org: Organization) -> Template:
    """One template for every region: conditions choose the pattern and the target."""
    home = org.blueprint.organization.home_region
    body = new_template("Root activity alerts of a member account (lzgen StackSet): home region "
                        "to the alert topic, other regions to the home region")
    body.add_parameter(Parameter("AlertTopicArn", Type="String",
                                 Description="ARN of the root activity topic"))
    named = _names_accounts(org)
    for name, default, what in (("AccountName", UNKNOWN_NAME, "name of this account"),
                                ("RootEmail", UNKNOWN_EMAIL, "root email of this account")):
        if named:
            body.add_parameter(Parameter(name, Type="String", Default=default,
                                         AllowedPattern=_SAFE_TEXT,
                                         Description=f"The {what}, quoted in alerts (lzgen "
                                                     "deploy sets it per account)"))
    body.add_condition("InHomeRegion", Equals(Ref("AWS::Region"), home))
    body.add_condition("InSignInRegion", Equals(Ref("AWS::Region"), SIGN_IN_REGION))
    body.add_condition("SeesSignIns", Or(Condition("InHomeRegion"), Condition("InSignInRegion")))
    topic = Ref("AlertTopicArn")
    # The escalation text goes in as a Sub variable: variable values are not parsed again,
    # so a "${" in it stays text.
    escalation = plain_text(_escalation(org))
    text = message_template("${AccountName}" if named else None,
                            "${RootEmail}" if named else None,
                            "${Escalation}" if escalation else "")
    message: Sub | str = (Sub(text, Escalation=escalation) if escalation
                          else Sub(text) if "${" in text else text)
    body.add_resource(_role(If("InHomeRegion", _allow("sns:Publish", topic),
                               _allow("events:PutEvents", _home_bus(home)))))
    pattern = event_pattern(sign_ins=True)
    pattern["detail-type"] = If("SeesSignIns", [API_CALL, SIGN_IN], [API_CALL])
    body.add_resource(_rule(pattern, If("InHomeRegion", _topic_target(topic, message),
                                        _home_bus_target(home))))
    return body


def _topic_body(org: Organization) -> Template:
    body = new_template("The root activity alert topic and its email subscriptions (lzgen "
                        "StackSet). Each address must confirm its subscription")
    org_id = organization_id(body)
    topic = body.add_resource(Topic("AlertTopic", TopicName=TOPIC_NAME,
                                    DisplayName="ROOT USER ACTIVITY"))
    body.add_resource(TopicPolicy("AlertTopicPolicy", Topics=[Ref(topic)], PolicyDocument={
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "RootActivityRulesOfTheOrganization",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sns:Publish",
            "Resource": Ref(topic),
            "Condition": {
                "StringEquals": {"aws:PrincipalOrgID": org_id},
                "ArnLike": {"aws:PrincipalArn": Sub(
                    f"arn:${{AWS::Partition}}:iam::*:role/{ROLE_PREFIX}*")},
            },
        }],
    }))
    for email in alert_recipients(org):
        body.add_resource(SubscriptionResource(subscription_id(email), TopicArn=Ref(topic),
                                       Protocol="email", Endpoint=email))
    return body


def subscription_id(email: str) -> str:
    import zlib

    return f"AlertEmail{zlib.crc32(email.lower().encode()):08X}"


def _home_bus(home: str) -> Sub:
    return Sub(f"arn:${{AWS::Partition}}:events:{home}:${{AWS::AccountId}}:event-bus/default")


def _topic_target(topic: Any, message: Any) -> Target:
    return Target(Id="AlertTopic", Arn=topic, RoleArn=GetAtt("RootActivityRole", "Arn"),
                  InputTransformer=InputTransformer(InputPathsMap=dict(_INPUT_PATHS),
                                                    InputTemplate=message))


def _home_bus_target(home: str) -> Target:
    return Target(Id="HomeRegionBus", Arn=_home_bus(home),
                  RoleArn=GetAtt("RootActivityRole", "Arn"))


# A rule in state ENABLED does not receive read-only management events (Describe*, Get*,
# List*) from CloudTrail; this state does, so root reading an account is alerted too:
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html
RULE_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


def _rule(pattern: dict[str, Any], target: Any) -> Rule:
    return Rule("RootActivityRule", Name=RULE_NAME, State=RULE_STATE, EventPattern=pattern,
                Description="Root sign-ins and root API calls (lzgen)", Targets=[target])


def _role(statement: Any) -> Role:
    """The role EventBridge uses to deliver the events, allowed the one `statement`."""
    return Role(
        "RootActivityRole",
        RoleName=Sub(f"{ROLE_PREFIX}${{AWS::Region}}"),
        Description="Lets EventBridge deliver root activity alerts (lzgen)",
        AssumeRolePolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
                # EventBridge sets aws:SourceAccount (and aws:SourceArn, the rule) when it
                # assumes a rule target's role:
                # https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html
                "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}},
            }],
        },
        Policies=[Policy(PolicyName="deliver-root-activity", PolicyDocument={
            "Version": "2012-10-17", "Statement": [statement]})],
    )


def _allow(action: str, resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}
