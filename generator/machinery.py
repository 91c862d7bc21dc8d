"""What lzgen's own machinery does in member accounts, where SCPs apply to it: each StackSet
instance (run by the stacksets-exec-* role) and each delivery of a root activity alert (by the
EventBridge target role), with the actions it needs, per region.

The checks sit below the builders (pyproject.toml, import layers), so they cannot look at the
build: this module says, from the same decisions in baseline.py, what the builders deploy, and
tests/test_scp_machinery.py holds it to the build (same StackSets, accounts, regions and
resource types). The management account is left out: SCPs never restrict it
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.baseline import (
    SIGN_IN_REGION,
    alert_account,
    alert_regions,
    config_rules_possible,
    records_config,
    trail_account,
)
from generator.contract import ALERT_ROLE_PREFIX, CONFIG_RECORDER_ROLE
from generator.model import Organization
from generator.policies.actions import RESOURCE_ACTIONS

# A name the stacksets-exec-* pattern matches: the real suffix is AWS's, not documented.
STACKSETS_EXEC_ROLE = "stacksets-exec-0123456789abcdef0123456789abcdef"
# Account IDs are not known before deploy; conditions naming one cannot be decided here.
ANY_ACCOUNT = "000000000000"
SIGN_IN_WHY = ("root console sign-in alerts: AWS records root sign-ins in us-east-1 only, so "
               "lzgen runs an alert rule there even though it is not a governed region")


@dataclass(frozen=True)
class Call:
    """Calls one role of lzgen's makes in member accounts, in one region."""

    stackset: str  # the StackSet the calls belong to
    account: str  # the one blueprint account, or "" for every member account
    region: str
    role: str  # the calling role's name
    resource_type: str  # the resource type being deployed, or "" for an alert delivery
    actions: tuple[str, ...]
    resource: str = ""  # the resource's ARN (ACCOUNT standing for the account ID), if known
    why: str = ""  # what breaks without it, in words

    @property
    def role_pattern(self) -> str:
        """The role's name as people know it."""
        return "stacksets-exec-*" if self.role == STACKSETS_EXEC_ROLE else self.role

    def principal_arn(self) -> str:
        return f"arn:aws:iam::{ANY_ACCOUNT}:role/{self.role}"

    def resource_arn(self) -> str:
        return self.resource.replace("ACCOUNT", ANY_ACCOUNT)


def _instance(stackset: str, account: str, regions: list[str], types: list[str], *,
              why: str, roles: dict[str, str] | None = None) -> list[Call]:
    """Calls of the StackSet role deploying `types`; `roles` names the IAM roles among them
    (type -> role name with {region}), so that SCPs on named roles can be decided."""
    calls: list[Call] = []
    for region in regions:
        for kind in types:
            role = (roles or {}).get(kind, "")
            resource = f"arn:aws:iam::ACCOUNT:role/{role.format(region=region)}" if role else ""
            calls.append(Call(stackset, account, region, STACKSETS_EXEC_ROLE, kind,
                              RESOURCE_ACTIONS[kind], resource, why))
    return calls


def member_calls(org: Organization) -> list[Call]:
    """Every call of lzgen's machinery in member accounts (StackSets as synth/ builds them)."""
    home = org.blueprint.organization.home_region
    calls: list[Call] = []
    if org.blueprint.alerts.mfa_detection.enabled and config_rules_possible(org):
        calls += _instance("mfa-detection", "", [home], ["AWS::Config::ConfigRule"],
                           why="root MFA detection (Config rules)")
    if records_config(org):
        calls += _instance("config-service-role", "", [home], ["AWS::IAM::Role"],
                           why="the IAM role of AWS Config's recorder",
                           roles={"AWS::IAM::Role": CONFIG_RECORDER_ROLE})
        calls += _instance("config-recorder", "", sorted(org.blueprint.organization.regions),
                           ["AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel"],
                           why="AWS Config recording, which the Config rules need")
    calls += _alerts(org, home)
    trail = trail_account(org)
    if trail is not None and trail.name in org.accounts:
        calls += _instance("trail-bucket", trail.name, [home],
                           ["AWS::S3::Bucket", "AWS::S3::BucketPolicy"],
                           why="the organization trail's bucket")
    return calls


def _alerts(org: Organization, home: str) -> list[Call]:
    ref = alert_account(org)
    if ref is None or ref.name not in org.accounts:
        return []
    calls = _instance("root-activity-topic", ref.name, [home],
                      ["AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription"],
                      why="the root activity alert topic")
    governed = set(org.blueprint.organization.regions)
    for region in alert_regions(org):
        why = "root activity alerts"
        if region == SIGN_IN_REGION and region not in governed:
            why = SIGN_IN_WHY
        role = f"{ALERT_ROLE_PREFIX}{region}"
        calls += _instance("root-activity", "", [region],
                           ["AWS::IAM::Role", "AWS::Events::Rule"], why=why,
                           roles={"AWS::IAM::Role": f"{ALERT_ROLE_PREFIX}{{region}}"})
        # The rule's target role delivers: to the topic from home, to the home bus elsewhere.
        action = "sns:Publish" if region == home else "events:PutEvents"
        calls.append(Call("root-activity", "", home, role, "", (action,), "",
                          why))
    return calls
