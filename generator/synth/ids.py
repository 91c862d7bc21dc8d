"""How IDs travel between stacks: SSM parameters.

The stack that creates an OU or account also writes its ID to an SSM parameter named after
the resource's logical ID; a stack that needs it declares a template parameter of type
`AWS::SSM::Parameter::Value<String>` whose default is that name. Unlike exports, SSM parameters
do not lock the producing stack while another stack reads them, so an OU can still be replaced
or an account removed from a stack; and each consumer sees the current ID on every deploy.
"""

from __future__ import annotations

from troposphere import Parameter, Ref, Template
from troposphere.ssm import Parameter as SsmParameter


def ssm_name(org_name: str, logical_id: str) -> str:
    return f"/lzgen/{org_name}/ids/{logical_id}"


def publish(template: Template, org_name: str, logical_id: str, what: str) -> None:
    template.add_resource(SsmParameter(
        f"{logical_id}IdParameter",
        Name=ssm_name(org_name, logical_id),
        Type="String",
        Value=Ref(logical_id),
        Description=f"ID of {what}, written by lzgen for other stacks",
    ))


def consume(template: Template, org_name: str, logical_id: str, what: str) -> Ref:
    """A reference to the ID of a resource of another stack (declared once per template)."""
    name = f"{logical_id}Id"
    if name not in template.parameters:
        template.add_parameter(Parameter(
            name,
            Type="AWS::SSM::Parameter::Value<String>",
            Default=ssm_name(org_name, logical_id),
            Description=f"ID of {what} (read from SSM)",
        ))
    return Ref(name)
