"""The blueprint's typed model. Shapes and types only: AWS rules live in generator/checks."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from generator.contract import PolicyTypeName

Tags = dict[str, str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Purpose(StrEnum):
    """What an account is for; foundational purposes are checked by LZ221."""

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
    """The environment of an OU's or an account's workloads."""

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


PolicyType = PolicyTypeName  # every Organizations policy type (generator/contract.py)


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
    management_account: ManagementAccount = Field(description="The management (payer) account.")
    tags: Tags = Field(default_factory=dict, description="Tags on the organization root.")


class OrganizationalUnit(Strict):
    description: str = Field(default="",
                             description="What the OU holds (for people; not sent to AWS).")
    environment: Environment | None = Field(
        default=None, description="Environment of the workloads below (prod, non-prod, ...).")
    tags: Tags = Field(default_factory=dict,
                       description="Tags on the OU (they do not reach the accounts below).")
    children: dict[str, OrganizationalUnit] = Field(default_factory=dict,
                                                    description="OUs nested below this one, by "
                                                                "name.")


class AccountState(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


SUSPENDED_OU = "Suspended"


class Account(Strict):
    """A member account. Its key in `accounts` is its identity: the CloudFormation resource
    is named after it and it is the name the account was created with; it never changes.
    Rename with `name`, change the root email with `email` (and `created_email`)."""

    name: str | None = Field(
        default=None, pattern=r"^[ -;=?-~]{1,50}$",
        description="Display name of the account in AWS, when it differs from its key "
                    "(1-50 characters). Changing it renames the account in place "
                    "(Account Management PutAccountName): same account, same ID.")
    email: str = Field(description="Root email: a group address on the business domain.")
    created_email: str | None = Field(
        default=None,
        description="The root email the account was created with, once `email` has been "
                    "changed: the account's template keeps it, because CloudFormation cannot "
                    "change the email of an existing account; deploy changes it through the "
                    "Account Management API (a one-time code is sent to the new address).")
    state: AccountState = Field(
        default=AccountState.ACTIVE,
        description="active; suspended: moved to the top-level OU 'Suspended' (its deny-all "
                    "SCP applies, alerts keep working); closed: closed with CloseAccount "
                    "(deploy needs --allow-destructive) and no longer in any stack.")
    ou: str = Field(description="Path of the parent OU, e.g. 'Workloads/Prod', or 'root'.")
    purpose: Purpose = Field(default=Purpose.WORKLOAD,
                             description="What the account is for (log-archive, security-tooling, "
                                         "network, workload, ...).")
    environment: Environment | None = Field(default=None,
                                            description="Environment of the account's workloads; "
                                                        "default: its OU's.")
    role_name: str = Field(default="OrganizationAccountAccessRole",
                           description="Role the management account assumes in the account.")
    tags: Tags = Field(default_factory=dict, description="Tags on the account.")
    contacts: AlternateContacts | None = Field(
        default=None, description="Alternate contacts of this account, replacing the "
                                  "organization's.")

    def display_name(self, key: str) -> str:
        """The account's name in AWS."""
        return self.name or key

    def template_email(self) -> str:
        """The root email in the account's template: the one it was created with."""
        return self.created_email or self.email


class Policy(Strict):
    type: PolicyType = Field(
        description="The Organizations policy type (docs/reference/policy-types.md).")
    description: str = Field(default="",
                             description="What the policy does (sent to AWS as its description).")
    builtin: str | None = Field(default=None, description="Name of a built-in policy.")
    parameters: dict[str, Any] = Field(default_factory=dict,
                                       description="Parameters of the built-in policy.")
    file: str | None = Field(default=None, description="JSON file, relative to the blueprint.")
    content: dict[str, Any] | None = Field(default=None, description="Inline policy document.")
    attach: list[str] = Field(default_factory=list,
                              description="Targets: 'root', 'ou:PATH' or 'account:NAME'.")
    tags: Tags = Field(default_factory=dict, description="Tags on the policy.")

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
    """A kind of MFA device for root users."""

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
    primary: MfaDeviceType = Field(default=MfaDeviceType.FIDO2,
                                   description="The device type used first; the others back it up.")
    storage: str = Field(default="", description="Where the devices are kept (not with the "
                                                 "password).")


class RecoveryPhone(Strict):
    storage: str = Field(default="", description="Where the dedicated phone and SIM are kept.")
    bill_owner: str = Field(default="", description="Team that pays the phone's bill.")


class CentralizedRootAccess(Strict):
    credentials_management: bool = Field(default=True,
                                         description="Enable centralized root credentials "
                                                     "management.")
    root_sessions: bool = Field(default=True,
                                description="Enable privileged root sessions for member accounts.")


class RootAccess(Strict):
    """The root user procedures of every account (seed: Account and credentials)."""

    # Bounded so that every test date the runbook lists is a date Python can hold (issue 14:
    # 9999-12-01 crashed the runbook with "year 10000 is out of range").
    start_date: date = Field(le=date(2999, 12, 31),
                             description="First access test; later dates count from it.")
    test_interval_months: int = Field(default=3, ge=1, le=12,
                                      description="Months between access tests (3: quarterly).")
    vault: Vault = Field(description="Where the root passwords are kept.")
    mfa: MfaPlan = Field(default_factory=MfaPlan, description="The MFA devices of every root user.")
    recovery_phone: RecoveryPhone = Field(default_factory=RecoveryPhone,
                                          description="The dedicated phone behind the contact "
                                                      "number.")
    alert_recipients: list[str] = Field(default_factory=list,
                                        description="Who is alerted on root activity (emails).")
    escalation: str = Field(default="", description="Who to call when root use is unexpected.")
    centralized: CentralizedRootAccess = Field(default_factory=CentralizedRootAccess,
                                               description="Centralized root access for member "
                                                           "accounts (IAM).")


class Contact(Strict):
    name: str = Field(description="Name of the contact (a person or a team).")
    title: str = Field(description="Title or role of the contact.")
    email: str = Field(description="Email address of the contact.")
    phone: str = Field(description="Phone number in E.164 form, e.g. +14155550100.")


class AlternateContacts(Strict):
    billing: Contact | None = Field(default=None, description="The billing contact.")
    operations: Contact | None = Field(default=None, description="The operations contact.")
    security: Contact | None = Field(default=None, description="The security contact.")


class ContactInformation(Strict):
    full_name: str = Field(description="Name on the contact information.")
    company_name: str = Field(default="", description="Company name.")
    phone: str = Field(description="The dedicated recovery phone number, E.164 form.")
    address_line1: str = Field(description="First line of the postal address.")
    city: str = Field(description="City of the postal address.")
    postal_code: str = Field(description="Postal code.")
    country_code: str = Field(description="Two-letter ISO country code.")
    state_or_region: str = Field(default="", description="State or region of the postal address.")
    website_url: str = Field(default="", description="Website of the company.")


class Contacts(Strict):
    """Applied at deploy through the Account Management API (no CloudFormation resource)."""

    primary: ContactInformation | None = Field(default=None,
                                               description="Primary contact information of every "
                                                           "account.")
    alternate: AlternateContacts = Field(default_factory=AlternateContacts,
                                         description="Billing, operations and security contacts "
                                                     "of every account.")


class RootActivityAlerts(Strict):
    enabled: bool = Field(default=True, description="Whether root activity alerts are deployed.")
    email: str = Field(description="Group address that receives root activity alerts.")
    account: str = Field(default="", description="Account hosting the alert topic; default: "
                                                 "the security-tooling account.")
    name_accounts: bool = Field(
        default=True,
        description="Whether a member account's alerts quote its name and root email. Deploy "
                    "sets them per account, one StackSet operation per account, and AWS runs a "
                    "StackSet's operations one at a time: at thousands of accounts a first "
                    "deploy waits for thousands of operations. false: alerts name the account "
                    "by ID only, and deploy makes no per-account operation.")


class MfaDetection(Strict):
    enabled: bool = Field(default=True, description="Whether the MFA detection rule is deployed.")


class Alerts(Strict):
    root_activity: RootActivityAlerts | None = Field(default=None,
                                                     description="An alert, by email, on every "
                                                                 "root sign-in and root API call.")
    mfa_detection: MfaDetection = Field(default_factory=MfaDetection,
                                        description="An AWS Config rule that flags root users "
                                                    "without MFA.")


class ServiceSettings(Strict):
    trusted_access: bool = Field(default=True,
                                 description="Enable the service's trusted access with "
                                             "Organizations.")
    delegated_admin: str | None = Field(default=None,
                                        description="Account that administers the service.")


class ConfigSettings(ServiceSettings):
    recorder: Literal["lzgen", "external"] = Field(
        default="lzgen",
        description="Who records AWS Config in every account and governed region: 'lzgen' "
                    "creates a recorder and a delivery channel to the organization trail's "
                    "log-archive bucket; 'external' means another tool (e.g. Control Tower) "
                    "already records, and lzgen only verifies it.")


class OrganizationTrail(Strict):
    enabled: bool = Field(default=True, description="Whether the organization trail is created.")
    name: str = Field(default="lzgen-organization-trail", description="Name of the trail.")
    log_archive_account: str = Field(default="", description="Default: the log-archive "
                                                             "account.")


class Services(Strict):
    """Services enabled organization-wide, through each service's own API at deploy."""

    cloudtrail: ServiceSettings | None = Field(default=None, description="AWS CloudTrail.")
    config: ConfigSettings | None = Field(default=None, description="AWS Config.")
    guardduty: ServiceSettings | None = Field(default=None, description="Amazon GuardDuty.")
    securityhub: ServiceSettings | None = Field(default=None, description="AWS Security Hub.")
    access_analyzer: ServiceSettings | None = Field(default=None,
                                                    description="IAM Access Analyzer.")
    organization_trail: OrganizationTrail | None = Field(default=None,
                                                         description="An organization trail "
                                                                     "delivering to the log "
                                                                     "archive account.")


class Budget(Strict):
    amount: float = Field(gt=0, description="Monthly budget amount.")
    currency: str = Field(default="USD", description="Currency of the amount (three-letter code).")
    thresholds: list[int] = Field(default_factory=lambda: [80, 100],
                                  description="Percentages that send an alert.")
    emails: list[str] = Field(min_length=1, description="Addresses that receive the budget alerts.")


class CostAnomaly(Strict):
    enabled: bool = Field(default=True, description="Whether cost anomaly detection is set up.")
    threshold: float = Field(default=100, gt=0, description="Impact (USD) that alerts.")
    emails: list[str] = Field(min_length=1, description="Addresses that receive anomaly alerts.")


class Billing(Strict):
    read_only_principals: list[str] = Field(
        default_factory=list, description="ARNs allowed to assume the billing read-only role.")
    budgets: dict[str, Budget] = Field(default_factory=dict,
                                       description="Monthly cost budgets, by budget name.")
    cost_anomaly: CostAnomaly | None = Field(default=None,
                                             description="Cost anomaly detection with an email "
                                                         "subscription.")


class TagRule(Strict):
    key: str = Field(default="", description="Exact capitalization; default: the entry's name.")
    values: list[str] | None = Field(default=None, description="Allowed values (None: any).")
    enforced_for: list[str] = Field(default_factory=list,
                                    description="Resource types where noncompliant tagging "
                                                "is refused, e.g. ec2:instance.")
    required: bool = Field(default=True, description="Every account and OU must carry it.")


class Tagging(Strict):
    """The tagging strategy; it becomes a tag policy attached where `attach` says."""

    tags: dict[str, TagRule] = Field(default_factory=dict,
                                     description="The tags of the strategy, by tag name.")
    attach: list[str] = Field(default_factory=lambda: ["root"],
                              description="Targets of the tag policy: 'root', 'ou:PATH' or "
                                          "'account:NAME'.")


class OperationPreferences(Strict):
    """Unset values follow the organization's size (generator/synth/preferences.py)."""

    region_concurrency: Literal["PARALLEL", "SEQUENTIAL"] | None = Field(
        default=None, description="Deploy to regions in parallel or one by one (default: "
                                  "PARALLEL).")
    failure_tolerance_percentage: int | None = Field(
        default=None, ge=0, le=100,
        description="Percentage of accounts per region that may fail before the operation "
                    "stops (default: 0 below 50 accounts, else 10).")
    max_concurrent_percentage: int | None = Field(
        default=None, ge=1, le=100,
        description="Percentage of accounts deployed at the same time (default: 25).")
    concurrency_mode: Literal["STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"] | None = Field(
        default=None, description="STRICT lowers concurrency to the failure tolerance + 1; "
                                  "SOFT does not (default: SOFT from 50 accounts).")


class StackSetSettings(Strict):
    operation_preferences: OperationPreferences = Field(default_factory=OperationPreferences,
                                                        description="Operation preferences of the "
                                                                    "baseline StackSets.")


class AcceptedException(Strict):
    reason: str = Field(min_length=10, description="Why the recommendation is not followed.")
    approved_by: str = Field(default="", description="Who accepted the exception.")


class FullAwsAccess(Strict):
    """AWS attaches its FullAWSAccess SCP to every root, OU and account; keep it unless listed."""

    detach: list[str] = Field(default_factory=list,
                              description="Targets ('root', 'ou:PATH', 'account:NAME') to detach "
                                          "FullAWSAccess from; another SCP must then Allow.")


class Blueprint(Strict):
    version: Literal[1] = Field(description="Blueprint format version; always 1.")
    organization: OrganizationSettings = Field(description="The organization: name, regions, "
                                               "email domain and management account.")
    organizational_units: dict[str, OrganizationalUnit] = Field(default_factory=dict,
                                                                description="The OU tree below "
                                                                            "the root, by OU "
                                                                            "name; nest with "
                                                                            "'children'.")
    accounts: dict[str, Account] = Field(default_factory=dict,
                                         description="Member accounts, by account name.")
    policies: dict[str, Policy] = Field(default_factory=dict,
                                        description="Organization policies (SCPs, tag, backup, AI "
                                                    "opt-out), by policy name.")
    quotas: dict[str, int] = Field(default_factory=dict,
                                   description="Overrides of AWS quotas, e.g. scp_per_target: 5.")
    layout: Layout = Field(default_factory=Layout,
                           description="How resources are spread over CloudFormation stacks.")
    full_aws_access: FullAwsAccess = Field(default_factory=FullAwsAccess,
                                           description="Where AWS's FullAWSAccess SCP is detached.")
    root_access: RootAccess | None = Field(default=None,
                                           description="How the root users of every account are "
                                                       "protected and used.")
    contacts: Contacts = Field(default_factory=Contacts,
                               description="Contact information written to every account at "
                                           "deploy.")
    alerts: Alerts = Field(default_factory=Alerts,
                           description="Root activity alerts and root MFA detection in every "
                                       "account.")
    services: Services = Field(default_factory=Services,
                               description="AWS services enabled for the whole organization.")
    billing: Billing = Field(default_factory=Billing,
                             description="Billing read-only role, budgets and cost anomaly "
                                         "detection.")
    tagging: Tagging | None = Field(default=None,
                                    description="The tagging strategy, written as a tag policy.")
    stacksets: StackSetSettings = Field(default_factory=StackSetSettings,
                                        description="How the baseline StackSets roll out.")
    exceptions: dict[str, AcceptedException] = Field(
        default_factory=dict, description="Seed recommendations deliberately not followed, by id.")


Account.model_rebuild()


# An identifier for editors and catalogs, stable for format version 1 (`version: 1`); it names
# the schema and is not fetched by lzgen (`lzgen schema` prints the same document).
SCHEMA_ID = "https://lzgen.dev/schema/blueprint-1.json"


def json_schema() -> dict[str, Any]:
    schema = Blueprint.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "lzgen blueprint"
    return schema
