"""The local AWS emulator harness provisions what real CloudFormation would."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from moto.cloudformation import parsing

from generator.aws.emulator.models import MODELS, install
from tests.emulator import CallCounter, Emulator

FAIL_FAST = Config(retries={"mode": "standard", "total_max_attempts": 1})


def template(resources: dict[str, Any], **sections: Any) -> str:
    return json.dumps(
        {"AWSTemplateFormatVersion": "2010-09-09", **sections, "Resources": resources}
    )


def ou(name: str, parent: Any, **extra: Any) -> dict[str, Any]:
    properties = {"Name": name, "ParentId": parent}
    return {"Type": "AWS::Organizations::OrganizationalUnit", "Properties": properties, **extra}


def account(name: str, parent: Any, **extra: Any) -> dict[str, Any]:
    properties = {"AccountName": name, "Email": f"{name}@example.com", "ParentIds": [parent]}
    return {"Type": "AWS::Organizations::Account", "Properties": properties, **extra}


def ssm_parameter(name: str, value: Any) -> dict[str, Any]:
    properties = {"Name": name, "Type": "String", "Value": value}
    return {"Type": "AWS::SSM::Parameter", "Properties": properties}


def physical_ids(cfn: Any, stack: str) -> dict[str, str]:
    resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}


def deploy_change_set(cfn: Any, stack: str, body: str, change_set_type: str) -> list[Any]:
    name = f"{stack}-{change_set_type.lower()}"
    cfn.create_change_set(
        StackName=stack, ChangeSetName=name, TemplateBody=body, ChangeSetType=change_set_type
    )
    changes: list[Any] = cfn.describe_change_set(StackName=stack, ChangeSetName=name)["Changes"]
    cfn.execute_change_set(StackName=stack, ChangeSetName=name)
    return changes


def child_ids(org: Any, parent: str, child_type: str) -> set[str]:
    children = org.list_children(ParentId=parent, ChildType=child_type)["Children"]
    return {c["Id"] for c in children}


def stack_events(cfn: Any, stack: str) -> list[tuple[str, str, str | None]]:
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"][::-1]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason")) for e in events
    ]


def test_install_is_idempotent_and_registers_the_four_types() -> None:
    install()
    install()
    model_map = parsing.get_model_map()
    assert all(model_map[m.cloudformation_type()] is m for m in MODELS)


def test_org_tree_accounts_and_policy_are_provisioned(emulator: Emulator) -> None:
    root = emulator.create_organization()
    scp = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*"}]}
    resources = {
        "Workloads": ou("Workloads", root),
        "Prod": ou("Prod", {"Ref": "Workloads"}),
        "First": account("first", {"Ref": "Prod"}),
        "Second": account("second", {"Ref": "Workloads"}, DependsOn="First"),
        "DenyS3": {
            "Type": "AWS::Organizations::Policy",
            "Properties": {
                "Name": "deny-s3",
                "Type": "SERVICE_CONTROL_POLICY",
                "Content": scp,
                "TargetIds": [{"Ref": "Prod"}],
            },
        },
    }
    outputs = {"ProdArn": {"Value": {"Fn::GetAtt": ["Prod", "Arn"]}}}
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    cfn.create_stack(StackName="org", TemplateBody=template(resources, Outputs=outputs))

    ids = physical_ids(cfn, "org")
    assert child_ids(org, root, "ORGANIZATIONAL_UNIT") == {ids["Workloads"]}
    assert child_ids(org, ids["Workloads"], "ORGANIZATIONAL_UNIT") == {ids["Prod"]}
    assert child_ids(org, ids["Prod"], "ACCOUNT") == {ids["First"]}
    assert child_ids(org, ids["Workloads"], "ACCOUNT") == {ids["Second"]}
    described = org.describe_account(AccountId=ids["First"])["Account"]
    assert (described["Name"], described["Status"]) == ("first", "ACTIVE")
    targets = org.list_targets_for_policy(PolicyId=ids["DenyS3"])["Targets"]
    assert [t["TargetId"] for t in targets] == [ids["Prod"]]
    content = org.describe_policy(PolicyId=ids["DenyS3"])["Policy"]["Content"]
    assert json.loads(content) == scp
    stack = cfn.describe_stacks(StackName="org")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Outputs"][0]["OutputValue"].endswith(f"/{ids['Prod']}")


def test_policy_attachment_needs_the_policy_type_enabled(emulator: Emulator) -> None:
    root = emulator.create_organization(policy_types=())
    properties = {
        "Name": "p",
        "Type": "SERVICE_CONTROL_POLICY",
        "Content": "{}",
        "TargetIds": [root],
    }
    scp = {"Type": "AWS::Organizations::Policy", "Properties": properties}
    cfn = emulator.client("cloudformation")
    cfn.create_stack(StackName="p", TemplateBody=template({"Scp": scp}))

    assert cfn.describe_stacks(StackName="p")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [e for e in stack_events(cfn, "p") if e[1] == "CREATE_FAILED"]
    assert failed[0][:2] == ("Scp", "CREATE_FAILED")
    assert "PolicyTypeNotEnabledException" in str(failed[0][2])
    policies = emulator.client("organizations").list_policies(Filter="SERVICE_CONTROL_POLICY")
    assert [p["Name"] for p in policies["Policies"] if not p["AwsManaged"]] == []


def test_changing_an_ous_parent_replaces_it_and_moves_its_accounts(emulator: Emulator) -> None:
    root = emulator.create_organization()
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    resources = {
        "Left": ou("Left", root),
        "Right": ou("Right", root),
        "Team": ou("Team", {"Ref": "Left"}),
        "Member": account("member", {"Ref": "Team"}),
    }
    deploy_change_set(cfn, "tree", template(resources), "CREATE")
    before = physical_ids(cfn, "tree")
    assert child_ids(org, before["Left"], "ORGANIZATIONAL_UNIT") == {before["Team"]}

    resources["Team"] = ou("Team", {"Ref": "Right"})
    changes = deploy_change_set(cfn, "tree", template(resources), "UPDATE")

    after = physical_ids(cfn, "tree")
    planned = {
        c["ResourceChange"]["LogicalResourceId"]: (
            c["ResourceChange"]["Action"],
            c["ResourceChange"]["Replacement"],
            c["ResourceChange"]["PhysicalResourceId"],
        )
        for c in changes
    }
    assert planned == {
        "Team": ("Modify", "True", before["Team"]),
        "Member": ("Modify", "False", before["Member"]),
    }
    assert after["Team"] != before["Team"]
    assert child_ids(org, after["Right"], "ORGANIZATIONAL_UNIT") == {after["Team"]}
    assert child_ids(org, before["Left"], "ORGANIZATIONAL_UNIT") == set()
    assert child_ids(org, after["Team"], "ACCOUNT") == {before["Member"]}
    with pytest.raises(ClientError, match="OrganizationalUnitNotFound"):
        org.describe_organizational_unit(OrganizationalUnitId=before["Team"])


def test_stack_delete_keeps_retained_accounts_and_closes_the_others(emulator: Emulator) -> None:
    root = emulator.create_organization()
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    resources = {
        "Kept": account("kept", root, DeletionPolicy="Retain"),
        "AlsoKept": account("alsokept", root, DeletionPolicy="RetainExceptOnCreate"),
        "Closed": account("closed", root, DeletionPolicy="Delete"),
    }
    cfn.create_stack(StackName="accounts", TemplateBody=template(resources))
    ids = physical_ids(cfn, "accounts")

    cfn.delete_stack(StackName="accounts")

    status = {k: org.describe_account(AccountId=v)["Account"]["Status"] for k, v in ids.items()}
    # A closed account reads PENDING_CLOSURE first, SUSPENDED later (emulator/accounts.py).
    assert status == {"Kept": "ACTIVE", "AlsoKept": "ACTIVE", "Closed": "PENDING_CLOSURE"}
    summaries = cfn.list_stacks()["StackSummaries"]
    assert [(s["StackName"], s["StackStatus"]) for s in summaries] == [
        ("accounts", "DELETE_COMPLETE")
    ]


def test_deleting_a_non_empty_ou_leaves_the_stack_delete_failed(emulator: Emulator) -> None:
    root = emulator.create_organization()
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    resources = {
        "Unit": ou("Unit", root),
        "Kept": account("kept", {"Ref": "Unit"}, DeletionPolicy="Retain"),
    }
    cfn.create_stack(StackName="unit", TemplateBody=template(resources))
    ids = physical_ids(cfn, "unit")

    cfn.delete_stack(StackName="unit")

    assert cfn.describe_stacks(StackName="unit")["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    assert child_ids(org, ids["Unit"], "ACCOUNT") == {ids["Kept"]}


def test_a_failing_resource_rolls_the_create_back(emulator: Emulator) -> None:
    root = emulator.create_organization()
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    resources = {"Unit": ou("Unit", root), "Clash": ou("Unit", root, DependsOn="Unit")}
    cfn.create_stack(StackName="clash", TemplateBody=template(resources))

    assert cfn.describe_stacks(StackName="clash")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [e for e in stack_events(cfn, "clash") if e[1] == "CREATE_FAILED"]
    assert failed == [
        (
            "Clash",
            "CREATE_FAILED",
            "DuplicateOrganizationalUnitException: An OU with the same name already exists.",
        )
    ]
    assert child_ids(org, root, "ORGANIZATIONAL_UNIT") == set()


def test_a_failing_update_rolls_back_to_the_old_resources(emulator: Emulator) -> None:
    root = emulator.create_organization()
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    resources = {
        "Left": ou("Left", root),
        "Right": ou("Right", root),
        "Team": ou("Team", {"Ref": "Left"}),
        "Member": account("member", {"Ref": "Team"}),
    }
    cfn.create_stack(StackName="tree", TemplateBody=template(resources))
    before = physical_ids(cfn, "tree")

    resources["Team"] = ou("Team", {"Ref": "Right"})
    resources["Broken"] = account("broken", "ou-zzzz-zzzzzzzz", DependsOn="Member")
    cfn.update_stack(StackName="tree", TemplateBody=template(resources))

    stack = cfn.describe_stacks(StackName="tree")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert physical_ids(cfn, "tree") == before
    assert child_ids(org, before["Left"], "ORGANIZATIONAL_UNIT") == {before["Team"]}
    assert child_ids(org, before["Right"], "ORGANIZATIONAL_UNIT") == set()
    assert child_ids(org, before["Team"], "ACCOUNT") == {before["Member"]}
    assert [a["Name"] for a in org.list_accounts()["Accounts"]] == ["master", "member"]


def stack_set(ou_ref: Any, value: str, **extra: Any) -> dict[str, Any]:
    member_template = {
        "Parameters": {"Value": {"Type": "String"}},
        "Resources": {"Marker": ssm_parameter("/lz/marker", {"Ref": "Value"})},
    }
    properties = {
        "StackSetName": "baseline",
        "PermissionModel": "SERVICE_MANAGED",
        "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "TemplateBody": json.dumps(member_template),
        "Parameters": [{"ParameterKey": "Value", "ParameterValue": value}],
        "StackInstancesGroup": [
            {
                "DeploymentTargets": {"OrganizationalUnitIds": [ou_ref]},
                "Regions": ["us-east-1", "eu-west-1"],
            }
        ],
        "OperationPreferences": {"MaxConcurrentPercentage": 100},
        "CallAs": "SELF",
        **extra,
    }
    return {"Type": "AWS::CloudFormation::StackSet", "Properties": properties}


def instances(cfn: Any, name: str) -> set[tuple[str, str]]:
    summaries = cfn.list_stack_instances(StackSetName=name)["Summaries"]
    return {(s["Account"], s["Region"]) for s in summaries}


def marker(emulator: Emulator, account_id: str, region: str) -> str:
    ssm = emulator.member_client(account_id, "ssm", region)
    value: str = ssm.get_parameter(Name="/lz/marker")["Parameter"]["Value"]
    return value


def test_stack_set_deploys_to_member_accounts_of_its_target_ou(emulator: Emulator) -> None:
    root = emulator.create_organization()
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    resources = {
        "Workloads": ou("Workloads", root),
        "Nested": ou("Nested", {"Ref": "Workloads"}),
        "Direct": account("direct", {"Ref": "Workloads"}),
        "Deep": account("deep", {"Ref": "Nested"}),
        "Outside": account("outside", root),
        "Baseline": stack_set({"Ref": "Workloads"}, "v1"),
    }
    cfn.create_stack(StackName="lz", TemplateBody=template(resources))
    ids = physical_ids(cfn, "lz")
    regions = ("us-east-1", "eu-west-1")
    members = (ids["Direct"], ids["Deep"])

    assert ids["Baseline"].startswith("baseline:")
    assert instances(cfn, "baseline") == {(a, r) for a in members for r in regions}
    assert {marker(emulator, a, r) for a in members for r in regions} == {"v1"}

    resources["Baseline"] = stack_set({"Ref": "Workloads"}, "v2")
    cfn.update_stack(StackName="lz", TemplateBody=template(resources))
    assert marker(emulator, ids["Deep"], "eu-west-1") == "v2"

    created = org.create_account(AccountName="late", Email="late@example.com")
    late = created["CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=late, SourceParentId=root, DestinationParentId=ids["Workloads"])
    assert (late, "us-east-1") in instances(cfn, "baseline")
    org.move_account(AccountId=ids["Deep"], SourceParentId=ids["Nested"], DestinationParentId=root)
    assert (ids["Deep"], "us-east-1") not in instances(cfn, "baseline")


def test_ssm_parameters_pass_ids_between_stacks(emulator: Emulator) -> None:
    root = emulator.create_organization()
    cfn, org = emulator.client("cloudformation"), emulator.client("organizations")
    producer = {
        "Security": ou("Security", root),
        "SecurityId": ssm_parameter("/lz/ou/security", {"Ref": "Security"}),
    }
    cfn.create_stack(StackName="producer", TemplateBody=template(producer))
    consumer = template(
        {"Audit": account("audit", {"Ref": "SecurityOu"})},
        Parameters={
            "SecurityOu": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/lz/ou/security",
            }
        },
    )
    deploy_change_set(cfn, "consumer", consumer, "CREATE")

    ou_id = physical_ids(cfn, "producer")["Security"]
    audit = physical_ids(cfn, "consumer")["Audit"]
    assert org.list_parents(ChildId=audit)["Parents"] == [
        {"Id": ou_id, "Type": "ORGANIZATIONAL_UNIT"}
    ]
    parameters = cfn.describe_stacks(StackName="consumer")["Stacks"][0]["Parameters"]
    assert parameters == [
        {"ParameterKey": "SecurityOu", "ParameterValue": "/lz/ou/security", "ResolvedValue": ou_id}
    ]
    missing = consumer.replace("/lz/ou/security", "/lz/ou/missing")
    with pytest.raises(ClientError, match=r"Unable to fetch parameters \[/lz/ou/missing\]"):
        cfn.create_stack(StackName="broken", TemplateBody=missing)


def test_call_counter_counts_mutating_calls(emulator: Emulator, call_counter: CallCounter) -> None:
    emulator.create_organization()
    cfn = emulator.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template({"P": ssm_parameter("/p", "v")}))
    cfn.describe_stacks(StackName="s")
    cfn.list_stacks()

    assert call_counter.by_operation() == {
        "organizations:CreateOrganization": 1,
        "organizations:EnablePolicyType": 1,
        "cloudformation:ActivateOrganizationsAccess": 1,  # StackSets' trusted access
        "cloudformation:CreateStack": 1,
    }
    assert call_counter.count() == 4
    assert call_counter.count(mutating_only=False) == 7  # + ListRoots, DescribeStacks, ListStacks
    assert [str(c) for c in emulator.requests if c.mutating] == [
        str(c) for c in call_counter.mutating
    ]


def test_call_counter_attached_to_a_session(emulator: Emulator) -> None:
    session = boto3.session.Session()
    counter = CallCounter()
    counter.attach(session)
    ssm = session.client("ssm")  # region, credentials and endpoint come from the environment
    ssm.put_parameter(Name="/a", Value="1", Type="String")
    ssm.get_parameter(Name="/a")
    assert [str(c) for c in counter.mutating] == ["ssm:PutParameter"]
    assert counter.count(mutating_only=False) == 2


def test_emulator_stopped_half_way_keeps_state_and_the_rerun_converges(
    emulator: Emulator,
) -> None:
    root = emulator.create_organization()
    cfn = emulator.client("cloudformation", config=FAIL_FAST)
    org = emulator.client("organizations", config=FAIL_FAST)
    stacks = {"one": ou("One", root), "two": ou("Two", root)}

    def deploy() -> None:
        existing = {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}
        for name, unit in stacks.items():
            if name not in existing:
                cfn.create_stack(StackName=name, TemplateBody=template({"Unit": unit}))

    emulator.fail_after(1)
    with pytest.raises(ClientError, match=r"\(503\)"):
        deploy()
    assert not emulator.running
    with pytest.raises((ClientError, BotoCoreError)):
        cfn.describe_stacks()

    emulator.start()
    assert emulator.running
    assert [s["StackName"] for s in cfn.describe_stacks()["Stacks"]] == ["one"]
    deploy()
    deploy()
    names = {
        u["Name"]
        for u in org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    }
    assert names == {"One", "Two"}


def test_stop_and_start_keep_the_emulated_state(emulator: Emulator) -> None:
    ssm = emulator.client("ssm", config=FAIL_FAST)
    ssm.put_parameter(Name="/kept", Value="yes", Type="String")
    endpoint = emulator.endpoint_url

    emulator.stop()
    with pytest.raises(EndpointConnectionError):
        ssm.get_parameter(Name="/kept")
    emulator.start()

    assert emulator.endpoint_url == endpoint
    assert ssm.get_parameter(Name="/kept")["Parameter"]["Value"] == "yes"
