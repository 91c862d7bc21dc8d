"""Billing and cost in the management account: a read-only billing role, budgets and cost
anomaly detection. The management account pays for the whole organization, so its budgets and
its anomaly monitor see every account's costs.
"""

from __future__ import annotations

import json

from troposphere import Equals, If, Parameter, Ref, Sub, Template
from troposphere.budgets import (
    Budget,
    BudgetData,
    Notification,
    NotificationWithSubscribers,
    Spend,
    Subscriber,
)
from troposphere.ce import AnomalyMonitor, AnomalySubscription
from troposphere.ce import Subscriber as AnomalySubscriber
from troposphere.iam import Policy, Role

from generator.model import Organization, logical_id
from generator.synth.organization import new_template
from generator.synth.stacksets import NAMED_IAM, after_organization
from generator.synth.types import OWN_ANOMALY_MONITOR, ApiStep, Build, Stack, anomaly_monitor

STACK = "billing"
ROLE_NAME = "lzgen-billing-read-only"
# Billing, Cost Explorer, budgets and reports (read); Compute Optimizer recommendations.
MANAGED_POLICIES = ("AWSBillingReadOnlyAccess", "ComputeOptimizerReadOnlyAccess")
EXISTING_MONITOR = "ExistingAnomalyMonitorArn"
CREATE_MONITOR = "CreateAnomalyMonitor"
COMPUTE_OPTIMIZER_PRINCIPAL = "compute-optimizer.amazonaws.com"
STORAGE_LENS_READ = ("s3:GetStorageLensConfiguration", "s3:GetStorageLensDashboard",
                     "s3:ListStorageLensConfigurations")


def build_billing(org: Organization, build: Build) -> None:
    billing = org.blueprint.billing
    anomaly = billing.cost_anomaly
    wants_anomaly = anomaly is not None and anomaly.enabled
    if not (billing.read_only_principals or billing.budgets or wants_anomaly):
        return
    template = new_template("Billing and cost: a read-only billing role, budgets and cost "
                            "anomaly detection for the whole organization")
    if billing.read_only_principals:
        template.add_resource(_read_only_role(billing.read_only_principals))
    for name, budget in sorted(billing.budgets.items()):
        template.add_resource(_budget(name, budget.amount, budget.currency,
                                      budget.thresholds, budget.emails))
    if anomaly is not None and wants_anomaly:
        _add_anomaly_detection(template, anomaly.threshold, anomaly.emails)
    capabilities = [NAMED_IAM] if billing.read_only_principals else []
    parameters = {EXISTING_MONITOR: anomaly_monitor("SERVICE")} if wants_anomaly else {}
    build.stacks.append(Stack(STACK, template.to_dict(), "Billing role, budgets, anomalies",
                              after_organization(build), parameters,
                              org.blueprint.organization.home_region, capabilities))


def _read_only_role(principals: list[str]) -> Role:
    return Role(
        "BillingReadOnlyRole",
        RoleName=ROLE_NAME,
        Description="Read-only access to billing and cost tools (lzgen)",
        AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": sorted(set(principals))},
            "Action": "sts:AssumeRole"}]},
        ManagedPolicyArns=[Sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{name}")
                           for name in MANAGED_POLICIES],
        Policies=[Policy(PolicyName="storage-lens-read", PolicyDocument={
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": list(STORAGE_LENS_READ), "Resource": "*"}]})],
    )


def budget_logical_id(name: str) -> str:
    return logical_id("Budget", name)  # distinct for distinct budgets: LZ108


def _budget(name: str, amount: float, currency: str, thresholds: list[int],
            emails: list[str]) -> Budget:
    subscribers = [Subscriber(SubscriptionType="EMAIL", Address=e) for e in sorted(set(emails))]
    return Budget(
        budget_logical_id(name),
        Budget=BudgetData(BudgetName=name, BudgetType="COST", TimeUnit="MONTHLY",
                          BudgetLimit=Spend(Amount=_number(amount), Unit=currency)),
        NotificationsWithSubscribers=[NotificationWithSubscribers(
            Notification=Notification(NotificationType="ACTUAL",
                                      ComparisonOperator="GREATER_THAN",
                                      Threshold=threshold, ThresholdType="PERCENTAGE"),
            Subscribers=subscribers) for threshold in sorted(set(thresholds))],
    )


def _number(amount: float) -> float | int:
    return int(amount) if float(amount).is_integer() else amount


def _add_anomaly_detection(template: Template, threshold: float, emails: list[str]) -> None:
    """A DIMENSIONAL/SERVICE monitor and a subscription to it. An account may have only one
    dimensional monitor per dimension (Cost Explorer answers a second with "Limit exceeded on
    dimensional spend monitor creation", which CloudFormation reports as AlreadyExists:
    aws-cloudformation/cloudformation-coverage-roadmap#2515), so deploy passes the ARN of one
    the account already has, and the subscription then points at it instead.
    https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_AnomalyMonitor.html
    """
    existing = template.add_parameter(Parameter(
        EXISTING_MONITOR, Type="String", Default="",
        Description="ARN of the account's own DIMENSIONAL/SERVICE anomaly monitor, to reuse "
                    "(lzgen deploy looks it up); empty: this stack creates one"))
    template.add_condition(CREATE_MONITOR, Equals(Ref(existing), ""))
    monitor = template.add_resource(AnomalyMonitor(
        "CostAnomalyMonitor", Condition=CREATE_MONITOR, MonitorName=OWN_ANOMALY_MONITOR,
        MonitorType="DIMENSIONAL", MonitorDimension="SERVICE"))
    expression = json.dumps({"Dimensions": {
        "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
        "Values": [str(_number(threshold))]}}, sort_keys=True, separators=(",", ":"))
    template.add_resource(AnomalySubscription(
        "CostAnomalySubscription", SubscriptionName="lzgen-cost-anomalies", Frequency="DAILY",
        MonitorArnList=[If(CREATE_MONITOR, Ref(monitor), Ref(existing))],
        ThresholdExpression=expression,
        Subscribers=[AnomalySubscriber(Type="EMAIL", Address=e) for e in sorted(set(emails))]))



def build_compute_optimizer(org: Organization, build: Build) -> None:
    if org.blueprint.billing.read_only_principals:
        build.api_steps.extend(compute_optimizer_steps())


def compute_optimizer_steps() -> list[ApiStep]:
    """The read-only role reads Compute Optimizer's recommendations, which exist only for
    accounts enrolled in it: the management account enrols itself and every member account
    (UpdateEnrollmentStatus with includeMemberAccounts,
    https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_UpdateEnrollmentStatus.html),
    which needs trusted access for Compute Optimizer in the organization
    (https://docs.aws.amazon.com/compute-optimizer/latest/ug/security-iam.html)."""
    return [
        ApiStep("prepare", "organizations", "EnableAWSServiceAccess",
                {"ServicePrincipal": COMPUTE_OPTIMIZER_PRINCIPAL},
                "Compute Optimizer enrols member accounts only with trusted access",
                check={"service": "organizations",
                       "action": "ListAWSServiceAccessForOrganization", "parameters": {},
                       "path": "EnabledServicePrincipals[].ServicePrincipal",
                       "contains": COMPUTE_OPTIMIZER_PRINCIPAL}),
        ApiStep("after", "compute-optimizer", "UpdateEnrollmentStatus",
                {"status": "Active", "includeMemberAccounts": True},
                "the billing read-only role reads Compute Optimizer recommendations, which "
                "exist only for enrolled accounts",
                check={"service": "compute-optimizer", "action": "GetEnrollmentStatus",
                       "parameters": {},
                       "path": "status == 'Active' && memberAccountsEnrolled",
                       "contains": True}),
    ]
