"""`lzgen deploy` end to end against the local emulator: what the blueprint says is what the
Organizations API reads back; a second deploy changes nothing; a change changes only itself;
destructive changes are refused; an interrupted deploy converges when run again."""

from __future__ import annotations

import json
import shutil
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from generator import api
from generator.aws.deploy import DeployReport
from generator.aws.emulator.local import FAKE_CREDENTIALS
from generator.aws.emulator.orgaccess import STACKSETS_PRINCIPAL
from generator.aws.gateway import Gateway
from generator.cli import main
from generator.errors import AwsError, RefusedError
from generator.model import ROOT, Organization
from tests.emulator import CallCounter, Emulator
from tests.helpers import BLUEPRINTS

EXAMPLE = BLUEPRINTS / "example.yaml"
# moto creates no Config rules, trails, budgets, ...; stacks with them still complete.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


def generate(blueprint: Path, out: Path) -> Path:
    api.generate(blueprint, out, lint=False)
    return out


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLE, tmp_path_factory.mktemp("example") / "output")


def edited_example(tmp_path: Path, edit: Any) -> Path:
    """A copy of the example blueprint (with its policy files), its accounts changed by
    `edit(accounts)` on the YAML's round-trip data."""
    from ruamel.yaml import YAML

    folder = tmp_path / "blueprint"
    shutil.copytree(BLUEPRINTS / "policies", folder / "policies")
    yaml = YAML()
    data = yaml.load(EXAMPLE.read_text())
    edit(data["accounts"])
    path = folder / "example.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


class Run:
    """One deploy as the CLI would run it, with its printed output."""

    def __init__(self, emulator: Emulator, **gateway: Any) -> None:
        self.gateway = Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                               credentials=FAKE_CREDENTIALS, **gateway)
        self.out = StringIO()

    def __call__(self, output: Path, **settings: Any) -> DeployReport:
        settings = {"yes": True, "poll_seconds": 0.0, **settings}
        console = Console(file=self.out, width=160, highlight=False)
        return api.deploy(output, api.DeploySettings(**settings), console=console,
                          gateway=self.gateway, interactive=False)

    @property
    def text(self) -> str:
        return self.out.getvalue()


# -- reading the organization back -------------------------------------------------------------


def read_back(emulator: Emulator) -> dict[str, Any]:
    """The organization as the Organizations API shows it, by names and paths."""
    org = emulator.client("organizations")
    root = org.list_roots()["Roots"][0]
    ous: dict[str, str] = {}

    def walk(parent: str, prefix: str) -> None:
        units = org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]
        for unit in units:
            ous[prefix + unit["Name"]] = unit["Id"]
            walk(unit["Id"], prefix + unit["Name"] + "/")

    walk(root["Id"], "")
    path_of = {ou_id: path for path, ou_id in ous.items()} | {root["Id"]: ROOT}
    accounts = {a["Name"]: a for a in org.list_accounts()["Accounts"]
                if a["Id"] != emulator.account_id}
    name_of = {a["Id"]: name for name, a in accounts.items()}

    def tags(resource: str) -> dict[str, str]:
        listed = org.list_tags_for_resource(ResourceId=resource)["Tags"]
        return {t["Key"]: t["Value"] for t in listed}

    def target(target_id: str) -> str:
        if target_id in name_of:
            return f"account:{name_of[target_id]}"
        path = path_of[target_id]
        return path if path == ROOT else f"ou:{path}"

    policies = {}
    for policy_type in ("SERVICE_CONTROL_POLICY", "TAG_POLICY", "AISERVICES_OPT_OUT_POLICY"):
        for summary in org.list_policies(Filter=policy_type)["Policies"]:
            if summary["AwsManaged"]:
                continue
            content = org.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]
            targets = org.list_targets_for_policy(PolicyId=summary["Id"])["Targets"]
            policies[summary["Name"]] = (policy_type, json.loads(content),
                                         sorted(target(t["TargetId"]) for t in targets))
    services = org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    return {
        "ous": {path: tags(ou_id) for path, ou_id in ous.items()},
        "accounts": {
            name: (path_of[org.list_parents(ChildId=a["Id"])["Parents"][0]["Id"]], a["Email"],
                   tags(a["Id"]))
            for name, a in accounts.items()},
        "policies": policies,
        "root_tags": tags(root["Id"]),
        "policy_types": sorted(t["Type"] for t in org.list_roots()["Roots"][0]["PolicyTypes"]
                               if t["Status"] == "ENABLED"),
        "trusted": sorted(s["ServicePrincipal"] for s in services),
    }


API_TYPE = {"scp": "SERVICE_CONTROL_POLICY", "tag": "TAG_POLICY",
            "ai_opt_out": "AISERVICES_OPT_OUT_POLICY", "backup": "BACKUP_POLICY"}


def expected(blueprint: Path, output: Path) -> dict[str, Any]:
    """The same shape, from the blueprint (and the trusted access its manifest asks for)."""
    org: Organization = api.load(blueprint)
    manifest = json.loads((output / "manifest.json").read_text())
    trusted = sorted({s["parameters"]["ServicePrincipal"] for s in manifest["api_steps"]
                      if s["action"] == "EnableAWSServiceAccess"} | {
        STACKSETS_PRINCIPAL for s in manifest["api_steps"]
        if s["action"] == "ActivateOrganizationsAccess"})
    return {
        "ous": {path: dict(ou.spec.tags) for path, ou in org.ous.items()},
        "accounts": {name: (spec.ou, spec.email, dict(spec.tags))
                     for name, spec in org.accounts.items()},
        "policies": {name: (API_TYPE[p.spec.type], p.document,
                            sorted({t.key for t in p.targets}))
                     for name, p in org.policies.items()},
        "root_tags": dict(org.blueprint.organization.tags),
        "policy_types": sorted({API_TYPE[p.spec.type] for p in org.policies.values()}),
        "trusted": trusted,
    }


def stack_states(emulator: Emulator) -> dict[str, tuple[str, bool]]:
    """Every stack of the management account, in the example's regions."""
    return {s["StackName"]: (s["StackStatus"], s["EnableTerminationProtection"])
            for region in ("us-east-1", "eu-west-1")
            for s in emulator.client("cloudformation", region).describe_stacks()["Stacks"]}


# -- tests --------------------------------------------------------------------------------------


def test_example_deploys_to_what_the_blueprint_says(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    run = Run(emulator)
    report = run(example_output)
    deploy_calls = list(call_counter.calls)

    assert read_back(emulator) == expected(EXAMPLE, example_output)
    manifest = json.loads((example_output / "manifest.json").read_text())
    names = [s["stack_name"] for s in manifest["stacks"]]
    assert stack_states(emulator) == dict.fromkeys(names, ("CREATE_COMPLETE", True))
    assert report.stacks == dict.fromkeys(names, "created")
    assert "lzgen diff: lzgen-acme-ous-level1 as deployed -> change set lzgen-" in run.text
    assert ("lzgen-acme-ous-level1: OuSecurity [AWS::Organizations::OrganizationalUnit] added "
            "+ its ID parameter -> create") in run.text
    assert_contacts_and_root_access(emulator)
    assert_stackset_instances(emulator, manifest)
    assert_deployer_policy_allows(example_output, deploy_calls)
    assert_security_services_on(emulator)


def assert_security_services_on(emulator: Emulator) -> None:
    """GuardDuty, Security Hub and Access Analyzer on for the organization in every governed
    region, and the Config aggregator in the home region, as the delegated administrator
    (security-tooling) reads them back."""
    ids = {a["Name"]: a["Id"] for a in emulator.client("organizations").list_accounts()[
        "Accounts"]}
    admin = ids["security-tooling"]
    for region in ("us-east-1", "eu-west-1"):
        guardduty = emulator.member_client(admin, "guardduty", region)
        detectors = guardduty.list_detectors()["DetectorIds"]
        assert len(detectors) == 1, region
        configuration = guardduty.describe_organization_configuration(DetectorId=detectors[0])
        assert configuration["AutoEnableOrganizationMembers"] == "ALL", region
        hub = emulator.member_client(admin, "securityhub", region)
        assert hub.describe_hub()["HubArn"].endswith(f":{admin}:hub/default")
        assert hub.describe_organization_configuration()["AutoEnable"] is True
        analyzers = emulator.member_client(admin, "accessanalyzer", region).list_analyzers(
            type="ORGANIZATION")["analyzers"]
        assert [a["name"] for a in analyzers] == ["lzgen-organization"], region
    aggregators = emulator.member_client(admin, "config").describe_configuration_aggregators()[
        "ConfigurationAggregators"]
    assert [(a["ConfigurationAggregatorName"],
             sorted(a["OrganizationAggregationSource"]["AwsRegions"])) for a in aggregators] == [
        ("lzgen-organization", ["eu-west-1", "us-east-1"])]


IAM_PREFIX = {"accessanalyzer": "access-analyzer"}  # boto3's service name -> IAM's prefix


def assert_deployer_policy_allows(output: Path, calls: list[Any]) -> None:
    """Every call the deploy made is an action of output/deployer-policy.json."""
    policy = json.loads((output / "deployer-policy.json").read_text())
    allowed = {a.lower() for s in policy["Statement"] for a in s["Action"]}
    made = {f"{IAM_PREFIX.get(c.service, c.service)}:{c.operation}".lower() for c in calls}
    assert made - allowed == {"sts:getcalleridentity"}  # needs no permission


def assert_stackset_instances(emulator: Emulator, manifest: dict[str, Any]) -> None:
    """Each StackSet has an instance in each of its regions in every account it targets:
    every member account, or the one account named; per-account overrides are set."""
    cfn = emulator.client("cloudformation")
    ids = {a["Name"]: a["Id"] for a in emulator.client("organizations").list_accounts()[
        "Accounts"] if a["Id"] != emulator.account_id}
    assert manifest["stacksets"]
    for stack_set in manifest["stacksets"]:
        name = stack_set["stack_set_name"]
        target = stack_set["targets"]
        accounts = set(ids.values()) if target == "every member account" else {
            ids[target.removeprefix("account ")]}
        listed = cfn.list_stack_instances(StackSetName=name)["Summaries"]
        assert {(i["Account"], i["Region"]) for i in listed} == {
            (a, r) for a in accounts for r in stack_set["regions"]}, name
    for override in manifest["stackset_overrides"]:
        for account, values in override["accounts"].items():
            instance = cfn.describe_stack_instance(
                StackSetName=override["stack_set_name"], StackInstanceAccount=ids[account],
                StackInstanceRegion=override["regions"][0])["StackInstance"]
            shown = {p["ParameterKey"]: p["ParameterValue"]
                     for p in instance["ParameterOverrides"]}
            assert {k: shown.get(k) for k in values} == values


def assert_contacts_and_root_access(emulator: Emulator) -> None:
    """The example's contacts (an account's own operations contact first) and centralized
    root access, as the Account Management and IAM APIs read them back."""
    blueprint = api.load(EXAMPLE).blueprint
    ids = {a["Name"]: a["Id"] for a in emulator.client("organizations").list_accounts()[
        "Accounts"]}
    account = emulator.client("account")
    primary = blueprint.contacts.primary
    assert primary is not None
    for name in blueprint.accounts:
        info = account.get_contact_information(AccountId=ids[name])["ContactInformation"]
        assert (info["FullName"], info["PhoneNumber"]) == (primary.full_name, primary.phone)
    operations = {name: account.get_alternate_contact(
        AccountId=ids[name], AlternateContactType="OPERATIONS")["AlternateContact"]["Name"]
        for name in ("payments-prod", "payments-nonprod")}
    assert operations == {"payments-prod": "Payments On-Call",
                          "payments-nonprod": "Acme Cloud Operations"}
    features = emulator.client("iam").list_organizations_features()["EnabledFeatures"]
    assert sorted(features) == ["RootCredentialsManagement", "RootSessions"]


def test_a_second_deploy_makes_no_mutating_call(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    Run(emulator)(example_output)
    call_counter.reset()

    report = Run(emulator)(example_output)

    assert call_counter.mutating == []
    assert set(report.stacks.values()) == {"unchanged"}
    assert report.steps_applied == []


def test_a_changed_blueprint_applies_only_the_change(
        emulator: Emulator, example_output: Path, call_counter: CallCounter,
        tmp_path: Path) -> None:
    Run(emulator)(example_output)
    def add_account(accounts: Any) -> None:
        accounts["payments-staging"] = {**accounts["payments-nonprod"],
                                        "email": "aws-payments-staging@acme.example"}

    blueprint = edited_example(tmp_path, add_account)
    changed = generate(blueprint, tmp_path / "output")
    call_counter.reset()

    report = Run(emulator)(changed)

    updated = {name for name, outcome in report.stacks.items() if outcome != "unchanged"}
    assert len(updated) == 1 and report.stacks[updated.pop()] == "updated"
    assert call_counter.count("ExecuteChangeSet") == 1
    assert read_back(emulator) == expected(blueprint, changed)


def test_renaming_an_account_is_refused_and_nothing_runs(
        emulator: Emulator, example_output: Path, call_counter: CallCounter,
        tmp_path: Path) -> None:
    Run(emulator)(example_output)
    before = read_back(emulator)
    def rename(accounts: Any) -> None:
        accounts["payments-production"] = accounts.pop("payments-prod")

    blueprint = edited_example(tmp_path, rename)
    renamed = generate(blueprint, tmp_path / "output")
    call_counter.reset()

    run = Run(emulator)
    with pytest.raises(RefusedError, match="AccountPaymentsProd"):
        run(renamed)

    assert call_counter.mutating == []
    assert read_back(emulator) == before
    assert "AccountPaymentsProd" in run.text


def test_the_allow_destructive_flag_lets_a_removal_through(
        emulator: Emulator, example_output: Path, tmp_path: Path) -> None:
    Run(emulator)(example_output)
    blueprint = edited_example(tmp_path, lambda accounts: accounts.pop("policy-staging"))
    removed = generate(blueprint, tmp_path / "output")

    report = Run(emulator)(removed, allow_destructive=True)

    assert "updated" in report.stacks.values()
    accounts = emulator.client("organizations").list_accounts()["Accounts"]
    kept = next(a for a in accounts if a["Name"] == "policy-staging")
    assert kept["Status"] == "ACTIVE"  # Retain: the account leaves its stack, not AWS


def test_a_dry_run_shows_change_sets_and_executes_nothing(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    emulator.create_organization(policy_types=(), trusted_services=())
    call_counter.reset()
    run = Run(emulator)

    report = run(example_output, dry_run=True)

    assert call_counter.count("ExecuteChangeSet") == 0
    assert {str(c) for c in call_counter.mutating} <= {
        "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet",
        "cloudformation:DeleteStack"}
    assert report.stacks["lzgen-acme-ous-level1"] == "planned (dry run)"
    assert "placeholders" in report.stacks["lzgen-acme-accounts-01"]
    planned = json.loads((example_output / "manifest.json").read_text())["stacks"]
    assert len(report.stacks) == len(planned)
    assert all(outcome.startswith("planned") for outcome in report.stacks.values())
    steps = json.loads((example_output / "manifest.json").read_text())["api_steps"]
    pending = [s.split()[1] for s in report.steps_pending]  # all but the organization's
    assert pending == [s["action"] for s in steps if s["action"] != "EnableAllFeatures"]
    assert stack_states(emulator) == {}
    assert "OuWorkloads" in run.text


def test_a_dry_run_of_a_fresh_account_plans_every_stack(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    """No organization at all yet: IDs are placeholders, and every stack is planned."""
    run = Run(emulator)

    report = run(example_output, dry_run=True)

    planned = json.loads((example_output / "manifest.json").read_text())["stacks"]
    assert sorted(report.stacks) == sorted(s["stack_name"] for s in planned)
    assert all(outcome.startswith("planned") for outcome in report.stacks.values()), \
        report.stacks
    assert "r-notyetcreated" in run.text or "placeholders" in run.text
    assert call_counter.count("ExecuteChangeSet") == 0
    assert stack_states(emulator) == {}


def test_without_a_terminal_and_without_yes_nothing_runs(
        emulator: Emulator, example_output: Path, call_counter: CallCounter) -> None:
    with pytest.raises(RefusedError, match="no terminal"):
        Run(emulator)(example_output, yes=False)
    assert call_counter.calls == []


@pytest.mark.parametrize("allowed", [3, 12, 40])  # prepare, stacks, after
def test_an_emulator_stopped_half_way_converges_when_run_again(
        emulator: Emulator, example_output: Path, allowed: int) -> None:
    emulator.fail_after(allowed)
    with pytest.raises(AwsError):
        Run(emulator, max_attempts=1)(example_output)
    assert not emulator.running
    emulator.start()

    Run(emulator)(example_output)

    assert read_back(emulator) == expected(EXAMPLE, example_output)
    assert set(stack_states(emulator).values()) == {("CREATE_COMPLETE", True)}
    assert_contacts_and_root_access(emulator)


def test_a_stack_whose_creation_rolled_back_is_created_again(
        emulator: Emulator, example_output: Path) -> None:
    root = emulator.create_organization(trusted_services=())
    org = emulator.client("organizations")
    squatter = org.create_organizational_unit(ParentId=root, Name="Sandbox")
    with pytest.raises(AwsError, match="ROLLBACK_COMPLETE"):
        Run(emulator)(example_output)
    assert stack_states(emulator)["lzgen-acme-ous-level1"][0] == "ROLLBACK_COMPLETE"
    planned = Run(emulator)(example_output, dry_run=True)
    assert planned.stacks["lzgen-acme-ous-level1"] == \
        "ROLLBACK_COMPLETE: deploy deletes it and creates it again"
    org.delete_organizational_unit(OrganizationalUnitId=squatter["OrganizationalUnit"]["Id"])

    run = Run(emulator)
    run(example_output)

    assert "deleting it to create it again" in run.text
    assert read_back(emulator) == expected(EXAMPLE, example_output)


def test_an_account_that_already_exists_is_not_created_twice(
        emulator: Emulator, example_output: Path) -> None:
    emulator.create_organization(trusted_services=())
    emulator.client("organizations").create_account(
        AccountName="log-archive", Email="AWS-Log-Archive@acme.example")
    manifest = json.loads((example_output / "manifest.json").read_text())
    holder = next(s["stack_name"] for s in manifest["stacks"]
                  if "AccountLogArchive" in (example_output / s["file"]).read_text())

    with pytest.raises(AwsError, match=r"already exist.*AccountLogArchive"):
        Run(emulator)(example_output)

    assert holder not in stack_states(emulator)


def test_throttled_calls_are_retried(emulator: Emulator, example_output: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.retries.bucket import TokenBucket

    backoffs: list[float] = []
    monkeypatch.setattr(time, "sleep", backoffs.append)  # botocore's backoff, not waited for
    monkeypatch.setattr(TokenBucket, "acquire", lambda *_, **__: True)  # nor its rate limit
    run = Run(emulator)
    assert run.gateway.client("cloudformation").meta.config.retries["mode"] == "adaptive"
    throttled: list[str] = []

    def throttle(request: Any, **kwargs: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        operation = kwargs["event_name"].rsplit(".", 1)[-1]
        if throttled.count(operation) < 2:
            throttled.append(operation)
            body = (b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded"
                    b"</Message></Error></ErrorResponse>")
            return AWSResponse(request.url, 400, {}, _Raw(body))
        return None

    run.gateway.register("before-send.cloudformation.CreateChangeSet", throttle)
    run.gateway.register("before-send.cloudformation.ExecuteChangeSet", throttle)
    run(example_output)

    assert throttled == ["CreateChangeSet"] * 2 + ["ExecuteChangeSet"] * 2
    assert len([delay for delay in backoffs if delay > 0]) >= 4
    assert read_back(emulator) == expected(EXAMPLE, example_output)


class _Raw:
    """The raw body botocore reads from a response."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


# -- the command line ---------------------------------------------------------------------------


def test_deploy_local_runs_the_walkthrough_from_the_command_line(
        emulator: Emulator, example_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # moto keeps its state per process: the fixture empties it, as a fresh `lzgen` would be.
    assert main(["deploy", str(example_output), "--local", "--yes"]) == 0
    out = capsys.readouterr().out
    first = out.index("lzgen diff: lzgen-acme-ous-level1 as deployed")
    assert first < out.index("OuSecurity") < out.index("CREATE_COMPLETE") < out.index("summary")
    assert "CREATE_COMPLETE" in out
    assert out.count("created") >= 7


def test_deploy_exit_codes(emulator: Emulator, example_output: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    endpoint = ["--endpoint-url", emulator.endpoint_url]
    assert main(["deploy", str(tmp_path / "missing"), *endpoint]) == 2
    assert main(["deploy", str(example_output), "--local", "--profile", "x"]) == 2
    assert main(["deploy", str(example_output), *endpoint]) == 7  # no terminal, no --yes
    err = capsys.readouterr().err
    assert "hint: run `lzgen generate BLUEPRINT" in err
    assert "hint: review with --dry-run, then run again with --yes" in err
    emulator.stop()
    assert main(["deploy", str(example_output), *endpoint, "--yes"]) == 3
    assert "error: cannot reach AWS" in capsys.readouterr().err
