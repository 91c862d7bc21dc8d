"""The blueprint's typed model. Shapes and types only: AWS rules live in generator/checks."""

from __future__ import annotations

from datetime import date
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
    contacts: AlternateContacts | None = Field(
        default=None, description="Alternate contacts of this account, replacing the "
                                  "organization's.")


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


class MfaDeviceType(StrEnum):
    FIDO2 = "fido2"
    VIRTUAL = "virtual"
    HARDWARE_TOTP = "hardware_totp"

    @property
    def uses_battery(self) -> bool:
        return self is MfaDeviceType.HARDWARE_TOTP


class Vault(Strict):
    """Where root passwords are kept: must not depend on the AWS accounts it protects."""

    name: str = Field(description="The password manager or vault, e.g. 'CorpVault (on-premises)'.")
    depends_on_aws: bool = Field(
        default=False, description="True when the vault runs on, or signs in through, the AWS "
                                   "accounts it protects (a circular dependency: lzgen warns).")
    custodians: list[str] = Field(default_factory=list,
                                  description="People or roles who must act together to open it.")
    access_logged: bool = Field(default=True, description="Access to the vault is logged.")


class MfaPlan(Strict):
    devices_per_root_user: int = Field(default=2, ge=1, le=8,
                                       description="MFA devices registered per root user.")
    device_types: list[MfaDeviceType] = Field(default_factory=lambda: [MfaDeviceType.FIDO2],
                                              description="Kinds of devices used.")
    primary: MfaDeviceType = MfaDeviceType.FIDO2
    storage: str = Field(default="", description="Where the devices are kept (not with the "
                                                 "password).")


class RecoveryPhone(Strict):
    storage: str = Field(default="", description="Where the dedicated phone and SIM are kept.")
    bill_owner: str = Field(default="", description="Team that pays the phone's bill.")


class CentralizedRootAccess(Strict):
    credentials_management: bool = True
    root_sessions: bool = True


class RootAccess(Strict):
    """The root user procedures of every account (seed: Account and credentials)."""

    start_date: date = Field(description="First access test; later dates count from it.")
    test_interval_months: int = Field(default=3, ge=1, le=12,
                                      description="Months between access tests (3: quarterly).")
    vault: Vault
    mfa: MfaPlan = Field(default_factory=MfaPlan)
    recovery_phone: RecoveryPhone = Field(default_factory=RecoveryPhone)
    alert_recipients: list[str] = Field(default_factory=list,
                                        description="Who is alerted on root activity (emails).")
    escalation: str = Field(default="", description="Who to call when root use is unexpected.")
    centralized: CentralizedRootAccess = Field(default_factory=CentralizedRootAccess)


class Contact(Strict):
    name: str
    title: str
    email: str
    phone: str = Field(description="Phone number in E.164 form, e.g. +14155550100.")


class AlternateContacts(Strict):
    billing: Contact | None = None
    operations: Contact | None = None
    security: Contact | None = None


class ContactInformation(Strict):
    full_name: str
    company_name: str = ""
    phone: str = Field(description="The dedicated recovery phone number, E.164 form.")
    address_line1: str
    city: str
    postal_code: str
    country_code: str = Field(description="Two-letter ISO country code.")
    state_or_region: str = ""
    website_url: str = ""


class Contacts(Strict):
    """Applied at deploy through the Account Management API (no CloudFormation resource)."""

    primary: ContactInformation | None = None
    alternate: AlternateContacts = Field(default_factory=AlternateContacts)


class RootActivityAlerts(Strict):
    enabled: bool = True
    email: str = Field(description="Group address that receives root activity alerts.")
    account: str = Field(default="", description="Account hosting the alert topic; default: "
                                                 "the security-tooling account.")


class MfaDetection(Strict):
    enabled: bool = True


class Alerts(Strict):
    root_activity: RootActivityAlerts | None = None
    mfa_detection: MfaDetection = Field(default_factory=MfaDetection)


class ServiceSettings(Strict):
    trusted_access: bool = True
    delegated_admin: str | None = Field(default=None,
                                        description="Account that administers the service.")


class OrganizationTrail(Strict):
    enabled: bool = True
    name: str = "lzgen-organization-trail"
    log_archive_account: str = Field(default="", description="Default: the log-archive "
                                                             "account.")


class Services(Strict):
    """Services enabled organization-wide, through each service's own API at deploy."""

    cloudtrail: ServiceSettings | None = None
    config: ServiceSettings | None = None
    guardduty: ServiceSettings | None = None
    securityhub: ServiceSettings | None = None
    access_analyzer: ServiceSettings | None = None
    organization_trail: OrganizationTrail | None = None


class Budget(Strict):
    amount: float = Field(gt=0, description="Monthly budget amount.")
    currency: str = "USD"
    thresholds: list[int] = Field(default_factory=lambda: [80, 100],
                                  description="Percentages that send an alert.")
    emails: list[str] = Field(min_length=1)


class CostAnomaly(Strict):
    enabled: bool = True
    threshold: float = Field(default=100, gt=0, description="Impact (USD) that alerts.")
    emails: list[str] = Field(min_length=1)


class Billing(Strict):
    read_only_principals: list[str] = Field(
        default_factory=list, description="ARNs allowed to assume the billing read-only role.")
    budgets: dict[str, Budget] = Field(default_factory=dict)
    cost_anomaly: CostAnomaly | None = None


class TagRule(Strict):
    key: str = Field(default="", description="Exact capitalization; default: the entry's name.")
    values: list[str] | None = Field(default=None, description="Allowed values (None: any).")
    enforced_for: list[str] = Field(default_factory=list,
                                    description="Resource types where noncompliant tagging "
                                                "is refused, e.g. ec2:instance.")
    required: bool = Field(default=True, description="Every account and OU must carry it.")


class Tagging(Strict):
    """The tagging strategy; it becomes a tag policy attached where `attach` says."""

    tags: dict[str, TagRule] = Field(default_factory=dict)
    attach: list[str] = Field(default_factory=lambda: ["root"])


class OperationPreferences(Strict):
    """Unset values follow the organization's size (generator/synth/preferences.py)."""

    region_concurrency: Literal["PARALLEL", "SEQUENTIAL"] | None = None
    failure_tolerance_percentage: int | None = Field(default=None, ge=0, le=100)
    max_concurrent_percentage: int | None = Field(default=None, ge=1, le=100)
    concurrency_mode: Literal["STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"] | None = None


class StackSetSettings(Strict):
    operation_preferences: OperationPreferences = Field(default_factory=OperationPreferences)


class AcceptedException(Strict):
    reason: str = Field(min_length=10, description="Why the recommendation is not followed.")
    approved_by: str = ""


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
    root_access: RootAccess | None = None
    contacts: Contacts = Field(default_factory=Contacts)
    alerts: Alerts = Field(default_factory=Alerts)
    services: Services = Field(default_factory=Services)
    billing: Billing = Field(default_factory=Billing)
    tagging: Tagging | None = None
    stacksets: StackSetSettings = Field(default_factory=StackSetSettings)
    exceptions: dict[str, AcceptedException] = Field(
        default_factory=dict, description="Seed recommendations deliberately not followed, by id.")


Account.model_rebuild()


def json_schema() -> dict[str, Any]:
    schema = Blueprint.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "lzgen blueprint"
    return schema
