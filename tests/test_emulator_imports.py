"""IMPORT change sets on the emulator refuse what CloudFormation refuses
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import.html): a
resource another stack still manages, a resource to import without DeletionPolicy, and, on a
stack that exists, any change besides the resources imported; and they import into that
stack (moto made a second stack of the same name)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator import Emulator

OU = "AWS::Organizations::OrganizationalUnit"


def unit(name: str, root: str, **attributes: str) -> dict[str, Any]:
    return {"Type": OU, "Properties": {"Name": name, "ParentId": root}, **attributes}


def settle(cfn: Any, stack: str, change_set: str) -> None:
    assert cfn.describe_change_set(StackName=stack, ChangeSetName=change_set)["Status"] == \
        "CREATE_COMPLETE"
    cfn.execute_change_set(StackName=stack, ChangeSetName=change_set)


def import_ou(cfn: Any, stack: str, template: dict[str, Any], logical: str,
              ou_id: str) -> None:
    cfn.create_change_set(StackName=stack, ChangeSetName=f"import-{logical}",
                          ChangeSetType="IMPORT", TemplateBody=json.dumps(template),
                          ResourcesToImport=[{"ResourceType": OU, "LogicalResourceId": logical,
                                              "ResourceIdentifier": {"Id": ou_id}}])
    settle(cfn, stack, f"import-{logical}")


@pytest.fixture
def org(emulator: Emulator) -> tuple[Any, Any, str]:
    emulator.create_organization()
    organizations = emulator.client("organizations")
    root = organizations.list_roots()["Roots"][0]["Id"]
    return organizations, emulator.client("cloudformation"), root


def test_an_ou_another_stack_manages_cannot_be_imported(org: tuple[Any, Any, str]) -> None:
    _, cfn, root = org
    owner = {"Resources": {"Kept": unit("Kept", root, DeletionPolicy="Retain")}}
    cfn.create_stack(StackName="owner", TemplateBody=json.dumps(owner))
    kept = cfn.describe_stack_resources(StackName="owner")["StackResources"][0]
    taker = {"Resources": {"Kept": unit("Kept", root, DeletionPolicy="Retain")}}
    import_ou(cfn, "taker", taker, "Kept", kept["PhysicalResourceId"])
    status = cfn.describe_stacks(StackName="taker")["Stacks"][0]["StackStatus"]
    assert status.endswith("ROLLBACK_COMPLETE")
    assert cfn.describe_stack_resources(StackName="taker")["StackResources"] == []
    assert cfn.describe_stack_resources(StackName="owner")["StackResources"] == [kept]


def test_a_resource_to_import_needs_a_deletion_policy(org: tuple[Any, Any, str]) -> None:
    organizations, cfn, root = org
    made = organizations.create_organizational_unit(ParentId=root, Name="Loose")
    template = {"Resources": {"Loose": unit("Loose", root)}}
    with pytest.raises(ClientError, match="must have DeletionPolicy"):
        import_ou(cfn, "taker", template, "Loose", made["OrganizationalUnit"]["Id"])


def test_an_import_into_an_existing_stack_adds_the_resource_to_that_stack(
        org: tuple[Any, Any, str]) -> None:
    organizations, cfn, root = org
    base = {"Resources": {"Here": unit("Here", root)}}
    cfn.create_stack(StackName="target", TemplateBody=json.dumps(base))
    stack_id = cfn.describe_stacks(StackName="target")["Stacks"][0]["StackId"]
    made = organizations.create_organizational_unit(ParentId=root, Name="Moving")
    moving_id = made["OrganizationalUnit"]["Id"]

    changed = {"Resources": {"Here": unit("Renamed", root),
                             "Moving": unit("Moving", root, DeletionPolicy="Retain")}}
    with pytest.raises(ClientError, match="cannot modify or add resources other than"):
        import_ou(cfn, "target", changed, "Moving", moving_id)
    outputs = {**base, "Resources": {**base["Resources"],
                                     "Moving": unit("Moving", root, DeletionPolicy="Retain")},
               "Outputs": {"Id": {"Value": {"Ref": "Here"}}}}
    with pytest.raises(ClientError, match=r"cannot modify or add \[Outputs\]"):
        import_ou(cfn, "target", outputs, "Moving", moving_id)

    wanted = {"Resources": {**base["Resources"],
                            "Moving": unit("Moving", root, DeletionPolicy="Retain")}}
    import_ou(cfn, "target", wanted, "Moving", moving_id)
    stacks = cfn.describe_stacks()["Stacks"]
    assert [(s["StackId"], s["StackStatus"]) for s in stacks] == [(stack_id, "IMPORT_COMPLETE")]
    listed = cfn.describe_stack_resources(StackName="target")["StackResources"]
    assert {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in listed}["Moving"] == \
        moving_id
    units = organizations.list_organizational_units_for_parent(ParentId=root)
    assert sorted(u["Name"] for u in units["OrganizationalUnits"]) == ["Here", "Moving"]
