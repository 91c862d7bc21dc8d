"""The blueprint's typed model. Shapes and types only: AWS rules live in generator/checks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Tags = dict[str, str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Purpose(StrEnum):
    LOG_ARCHIVE = "log-archive"
    SECURITY_TOOLING = "security-tooling"
    NETWORK = "network"
    SHARED_SERVICES = "shared-services"
    BACKUP = "backup"
    IDENTITY = "identity"
    MONITORING = "monitoring"
    OPERATIONS_TOOLING = "operations-tooling"
    DEPLOYMENTS = "deployments"
    WORKLOAD = "workload"
    SANDBOX = "sandbox"
    OTHER = "other"


INFRASTRUCTURE_PURPOSES = frozenset(
    {Purpose.NETWORK, Purpose.SHARED_SERVICES, Purpose.BACKUP, Purpose.IDENTITY,
     Purpose.MONITORING, Purpose.OPERATIONS_TOOLING}
)


class Environment(StrEnum):
    PROD = "prod"
    STAGING = "staging"
    TEST = "test"
    DEV = "dev"
    NON_PROD = "non-prod"
    SANDBOX = "sandbox"
    SHARED = "shared"

    @property
    def is_production(self) -> bool:
        return self is Environment.PROD


PolicyType = Literal["scp", "tag", "ai_opt_out", "backup"]


class ManagementAccount(Strict):
    name: str = Field(description="Name of the management (payer) account.")
    email: str = Field(description="Root email address of the management account.")


class OrganizationSettings(Strict):
    name: str = Field(description="Short name of the organization; prefixes stack names.",
                      pattern=r"^[a-z][a-z0-9-]{0,31}$")
    home_region: str = Field(description="Region where the management stacks are deployed.")
    regions: list[str] = Field(description="Regions workloads may use (the home region first).",
                               min_length=1)
    email_domain: str = Field(description="Business domain every root email must belong to.")
    management_account: ManagementAccount
    tags: Tags = Field(default_factory=dict, description="Tags on the organization root.")


class OrganizationalUnit(Strict):
    description: str = ""
    environment: Environment | None = Field(
        default=None, description="Environment of the workloads below (prod, non-prod, ...).")
    tags: Tags = Field(default_factory=dict)
    children: dict[str, OrganizationalUnit] = Field(default_factory=dict)


class Account(Strict):
    email: str = Field(description="Root email: a group address on the business domain.")
    ou: str = Field(description="Path of the parent OU, e.g. 'Workloads/Prod', or 'root'.")
    purpose: Purpose = Purpose.WORKLOAD
    environment: Environment | None = None
    role_name: str = Field(default="OrganizationAccountAccessRole",
                           description="Role the management account assumes in the account.")
    tags: Tags = Field(default_factory=dict)


class Policy(Strict):
    type: PolicyType
    description: str = ""
    builtin: str | None = Field(default=None, description="Name of a built-in policy.")
    parameters: dict[str, Any] = Field(default_factory=dict,
                                       description="Parameters of the built-in policy.")
    file: str | None = Field(default=None, description="JSON file, relative to the blueprint.")
    content: dict[str, Any] | None = Field(default=None, description="Inline policy document.")
    attach: list[str] = Field(default_factory=list,
                              description="Targets: 'root', 'ou:PATH' or 'account:NAME'.")
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="after")
    def one_source(self) -> Policy:
        sources = [s for s in ("builtin", "file", "content") if getattr(self, s) is not None]
        if len(sources) != 1:
            raise ValueError("a policy needs exactly one of 'builtin', 'file' or 'content'"
                             f" (found {', '.join(sources) or 'none'})")
        if self.parameters and self.builtin is None:
            raise ValueError("'parameters' only apply to a 'builtin' policy")
        return self


class Layout(Strict):
    """How resources are spread over stacks. Changing a count moves resources: choose once."""

    account_stacks: int = Field(default=4, ge=1, le=200,
                                description="Number of account stacks (accounts hashed by name).")
    ou_stacks_per_level: int = Field(default=1, ge=1, le=50,
                                     description="Stacks per OU depth level (hashed by path).")
    policy_stacks: int = Field(default=1, ge=1, le=50,
                               description="Number of policy stacks (hashed by policy name).")


class FullAwsAccess(Strict):
    """AWS attaches its FullAWSAccess SCP to every root, OU and account; keep it unless listed."""

    detach: list[str] = Field(default_factory=list,
                              description="Targets ('root', 'ou:PATH', 'account:NAME') to detach "
                                          "FullAWSAccess from; another SCP must then Allow.")


class Blueprint(Strict):
    version: Literal[1] = Field(description="Blueprint format version; always 1.")
    organization: OrganizationSettings
    organizational_units: dict[str, OrganizationalUnit] = Field(default_factory=dict)
    accounts: dict[str, Account] = Field(default_factory=dict)
    policies: dict[str, Policy] = Field(default_factory=dict)
    quotas: dict[str, int] = Field(default_factory=dict,
                                   description="Overrides of AWS quotas, e.g. scp_per_target: 5.")
    layout: Layout = Field(default_factory=Layout)
    full_aws_access: FullAwsAccess = Field(default_factory=FullAwsAccess)


def json_schema() -> dict[str, Any]:
    schema = Blueprint.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "lzgen blueprint"
    return schema
