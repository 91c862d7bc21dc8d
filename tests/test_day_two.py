"""Day two on the emulator, each flow from a fresh organization: drift wording and like-with-
like comparison; accounts renamed, re-addressed, suspended and closed in place; and deploy
converging changes made by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from generator import api
from generator.diff.sources import Source
from generator.diff.writers import as_text
from tests.emulator import Emulator
from tests.helpers import BLUEPRINTS
from tests.test_deploy_e2e import Run, assert_deployer_policy_allows, generate

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")

MINIMAL = BLUEPRINTS / "minimal.yaml"


def blueprint(tmp_path: Path, edit: Any = None, name: str = "tiny.yaml") -> Path:
    """blueprints/minimal.yaml with an organization trail, changed by `edit(data)`."""
    yaml = YAML()
    data = yaml.load(MINIMAL.read_text())
    data["services"] = {"organization_trail": {}}
    if edit is not None:
        edit(data)
    path = tmp_path / name
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


def deploy(emulator: Emulator, path: Path, out: Path, **settings: Any) -> Run:
    run = Run(emulator)
    run(generate(path, out), **settings)
    return run


def accounts_by_name(emulator: Emulator) -> dict[str, dict[str, Any]]:
    listed = emulator.client("organizations").list_accounts()["Accounts"]
    return {a["Name"]: a for a in listed}


# -- drift ---------------------------------------------------------------------------------------


def test_drift_after_a_clean_deploy_is_empty_and_says_drift(
        emulator: Emulator, tmp_path: Path) -> None:
    path = blueprint(tmp_path)
    run = deploy(emulator, path, tmp_path / "out")

    result = api.drift(path, api.DeploySettings(), gateway=run.gateway)

    assert result.changes == (), as_text(result)  # no false "services: cloudtrail changed"
    assert as_text(result).startswith("lzgen drift: ")


def test_drift_names_an_account_made_by_hand_as_such(emulator: Emulator,
                                                     tmp_path: Path) -> None:
    path = blueprint(tmp_path)
    run = deploy(emulator, path, tmp_path / "out")
    emulator.client("organizations").create_account(AccountName="shadow-it",
                                                    Email="aws-shadow-it@tiny.example")

    result = api.drift(path, api.DeploySettings(), gateway=run.gateway)

    [change] = result.changes
    assert (change.action, change.subject) == ("added", "shadow-it")
    assert "outside lzgen" in change.reason
    assert "CloudFormation creates" not in as_text(result)


def test_drift_header_in_every_format() -> None:
    from generator.diff import Diff
    from generator.diff.writers import render

    result = Diff("a.yaml", "organization o-1", command="lzgen drift")
    assert render(result, "text").startswith("lzgen drift: a.yaml")
    assert "lzgen drift:" in render(result, "markdown")


# -- rename in place -----------------------------------------------------------------------------


def _rename(data: Any) -> None:
    data["accounts"]["app-prod"]["name"] = "App Production"


def test_rename_is_routine_in_place_and_keeps_the_account(emulator: Emulator, tmp_path: Path,
                                                          call_counter: Any) -> None:
    before = blueprint(tmp_path, name="before.yaml")
    run = deploy(emulator, before, tmp_path / "out1")
    account_id = accounts_by_name(emulator)["app-prod"]["Id"]
    after = blueprint(tmp_path, _rename, name="after.yaml")

    planned = api.diff(Source(before), Source(after))
    assert [(c.action, c.risk.value) for c in planned.changes] == [("renamed", "routine")]
    assert "'app-prod' -> 'App Production'" in planned.changes[0].summary
    assert planned.resources == ()  # the template keeps the name it was created with

    call_counter.reset()
    report = run(generate(after, tmp_path / "out2"))  # no --allow-destructive needed
    assert_deployer_policy_allows(tmp_path / "out2", list(call_counter.calls))

    assert any("PutAccountName" in s for s in report.steps_applied)
    live = accounts_by_name(emulator)
    assert live["App Production"]["Id"] == account_id
    assert "app-prod" not in live
    assert api.drift(after, api.DeploySettings(), gateway=run.gateway).changes == ()
    again = run(generate(after, tmp_path / "out3"))
    assert again.steps_applied == []  # found again by its published ID, nothing to do
    assert set(again.stacks.values()) == {"unchanged"}


def test_drift_reports_a_rename_by_hand(emulator: Emulator, tmp_path: Path) -> None:
    path = blueprint(tmp_path)
    run = deploy(emulator, path, tmp_path / "out")
    accounts = accounts_by_name(emulator)
    org = emulator.client("organizations")
    org.enable_aws_service_access(ServicePrincipal="account.amazonaws.com")
    emulator.client("account").put_account_name(AccountId=accounts["network"]["Id"],
                                                AccountName="Networking")

    result = api.drift(path, api.DeploySettings(), gateway=run.gateway)

    assert [(c.action, c.subject, c.risk.value) for c in result.changes] == [
        ("renamed", "network", "routine")]


# -- root email change ---------------------------------------------------------------------------

NEW_EMAIL = "aws-app-production@tiny.example"


def _readdress(data: Any) -> None:
    account = data["accounts"]["app-prod"]
    account["created_email"] = account["email"]
    account["email"] = NEW_EMAIL


def test_email_change_with_the_code_keeps_the_account(emulator: Emulator, tmp_path: Path,
                                                      call_counter: Any) -> None:
    from generator.aws.emulator.accounts import email_code
    from generator.errors import RefusedError

    before = blueprint(tmp_path, name="before.yaml")
    run = deploy(emulator, before, tmp_path / "out1")
    account_id = accounts_by_name(emulator)["app-prod"]["Id"]
    after = blueprint(tmp_path, _readdress, name="after.yaml")

    planned = api.diff(Source(before), Source(after))
    assert [(c.action, c.risk.value) for c in planned.changes] == [("email-changed", "routine")]
    assert "root email changed" in planned.changes[0].summary
    assert planned.resources == ()
    out = generate(after, tmp_path / "out2")

    # No terminal and no code: AWS sends the code, deploy stops and says how to go on.
    with pytest.raises(RefusedError, match="no terminal") as refused:
        run(out)
    assert "--email-code" in (refused.value.hint or "")
    code = email_code(account_id, NEW_EMAIL)  # what AWS mailed to the new address
    call_counter.reset()
    report = run(out, email_codes={"app-prod": code})
    assert_deployer_policy_allows(out, list(call_counter.calls))

    assert any("StartPrimaryEmailUpdate" in s for s in report.steps_applied)
    account = emulator.client("account")
    assert account.get_primary_email(AccountId=account_id)["PrimaryEmail"] == NEW_EMAIL
    assert accounts_by_name(emulator)["app-prod"]["Id"] == account_id
    assert api.drift(after, api.DeploySettings(), gateway=run.gateway).changes == ()


def test_email_change_refuses_an_address_in_use(emulator: Emulator, tmp_path: Path) -> None:
    from generator.errors import AwsError

    before = blueprint(tmp_path, name="before.yaml")
    run = deploy(emulator, before, tmp_path / "out1")
    emulator.client("organizations").create_account(AccountName="other", Email=NEW_EMAIL)

    with pytest.raises(AwsError, match="already used"):
        run(generate(blueprint(tmp_path, _readdress, name="after.yaml"), tmp_path / "out2"))


def test_email_change_without_created_email_is_destructive(tmp_path: Path) -> None:
    def careless(data: Any) -> None:
        data["accounts"]["app-prod"]["email"] = NEW_EMAIL

    planned = api.diff(Source(blueprint(tmp_path, name="a.yaml")),
                       Source(blueprint(tmp_path, careless, name="b.yaml")))
    [change] = [c for c in planned.changes if c.kind == "account"]
    assert change.risk.value == "destructive"
    assert "created_email: aws-app-prod@tiny.example" in change.reason


# -- suspend, then close -------------------------------------------------------------------------


def _with_suspended_ou(data: Any) -> None:
    data["organizational_units"]["Suspended"] = {}
    data["policies"]["suspended-deny-all"] = {
        "type": "scp", "builtin": "deny-all-except-break-glass",
        "parameters": {"break_glass_role_arns": [
            "arn:aws:iam::*:role/lzgen-break-glass",
            "arn:aws:iam::*:role/lzgen-root-activity-*"]},  # alerts keep working
        "attach": ["ou:Suspended"]}


def _state(state: str) -> Any:
    def edit(data: Any) -> None:
        _with_suspended_ou(data)
        data["accounts"]["app-prod"]["state"] = state
    return edit


def test_suspend_then_close(emulator: Emulator, tmp_path: Path, call_counter: Any) -> None:
    from generator.errors import RefusedError

    active = blueprint(tmp_path, _with_suspended_ou, name="active.yaml")
    run = deploy(emulator, active, tmp_path / "out1")
    org = emulator.client("organizations")
    account_id = accounts_by_name(emulator)["app-prod"]["Id"]
    suspended = blueprint(tmp_path, _state("suspended"), name="suspended.yaml")

    planned = api.diff(Source(active), Source(suspended))
    assert [(c.action, c.risk.value) for c in planned.changes] == [("suspended", "routine")]
    run(generate(suspended, tmp_path / "out2"))

    [parent] = org.list_parents(ChildId=account_id)["Parents"]
    assert org.describe_organizational_unit(
        OrganizationalUnitId=parent["Id"])["OrganizationalUnit"]["Name"] == "Suspended"
    assert api.drift(suspended, api.DeploySettings(), gateway=run.gateway).changes == ()

    closed = blueprint(tmp_path, _state("closed"), name="closed.yaml")
    planned = api.diff(Source(suspended), Source(closed))
    assert [(c.action, c.risk.value) for c in planned.changes] == [("closed", "destructive")]
    out = generate(closed, tmp_path / "out3")
    with pytest.raises(RefusedError):
        run(out)  # closing needs --allow-destructive
    assert org.describe_account(AccountId=account_id)["Account"]["Status"] == "ACTIVE"

    call_counter.reset()
    report = run(out, allow_destructive=True)

    assert_deployer_policy_allows(out, list(call_counter.calls))
    assert any("CloseAccount" in s for s in report.steps_applied)
    assert "closures left in the rolling 30 days" in run.text
    statuses = [org.describe_account(AccountId=account_id)["Account"]["Status"]
                for _ in range(2)]
    assert statuses == ["PENDING_CLOSURE", "SUSPENDED"]  # as AWS reports it, in that order
    stack = "lzgen-tiny-accounts-01"
    resources = emulator.client("cloudformation").list_stack_resources(
        StackName=stack)["StackResourceSummaries"]
    assert "AccountAppProd" not in {r["LogicalResourceId"] for r in resources}
    assert api.drift(closed, api.DeploySettings(), gateway=run.gateway).changes == ()
    assert run(out, allow_destructive=True).steps_applied == []


def test_close_quota_is_enforced_by_aws_and_reported(emulator: Emulator,
                                                     tmp_path: Path) -> None:
    from generator.aws.emulator import accounts as emulated
    from generator.errors import RefusedError

    run = deploy(emulator, blueprint(tmp_path, _with_suspended_ou, name="a.yaml"),
                 tmp_path / "out1")
    emulated.quota_override[emulator.account_id] = 0  # as if the 30 days' closures were used

    with pytest.raises(RefusedError, match="AWS refused to close"):
        run(generate(blueprint(tmp_path, _state("closed"), name="b.yaml"), tmp_path / "out2"),
            allow_destructive=True)


def test_close_quota_estimate() -> None:
    from generator.aws.accounts import close_quota

    members = [{"Status": "ACTIVE"}] * 2000 + [{"Status": "SUSPENDED"}] * 3
    quota = close_quota(members)
    assert (quota.limit, quota.used, quota.left) == (400, 3, 397)
    assert close_quota([{"Status": "ACTIVE"}]).limit == 250
    assert close_quota([{"Status": "ACTIVE"}] * 9000).limit == 1000
    assert close_quota([{"Status": "ACTIVE"}] + [{"Status": "SUSPENDED"}] * 260).left == 0


# -- convergence ---------------------------------------------------------------------------------


def test_deploy_converges_what_was_changed_by_hand(emulator: Emulator, tmp_path: Path,
                                                   call_counter: Any) -> None:
    def tagged(data: Any) -> None:
        data["accounts"]["network"]["tags"] = {"owner": "network-team"}

    path = blueprint(tmp_path, tagged)
    out = generate(path, tmp_path / "out")
    run = Run(emulator)
    run(out)
    org = emulator.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    ous = {u["Name"]: u["Id"] for u in org.list_organizational_units_for_parent(
        ParentId=root)["OrganizationalUnits"]}
    accounts = accounts_by_name(emulator)
    [policy] = [p for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
                if p["Name"] == "deny-leave-organization"]
    # By hand: a guardrail detached, an account moved, a tag changed, trusted access off.
    org.detach_policy(PolicyId=policy["Id"], TargetId=root)
    org.move_account(AccountId=accounts["app-prod"]["Id"], SourceParentId=ous["Workloads"],
                     DestinationParentId=ous["Security"])
    org.tag_resource(ResourceId=accounts["network"]["Id"],
                     Tags=[{"Key": "owner", "Value": "someone"}])
    org.disable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    drifted = api.drift(path, api.DeploySettings(), tags=True, gateway=run.gateway)
    assert len(drifted.changes) == 4, as_text(drifted)
    [services] = [c for c in drifted.changes if c.kind == "services"]
    assert (services.summary, services.risk.value) == (
        "services: services.cloudtrail.trusted_access turned off", "weakens-security")

    preview = run(out, dry_run=True)
    assert preview.repairs == []  # a dry run only shows them
    assert "policy deny-leave-organization attached again to the root" in run.text
    call_counter.reset()
    report = run(out, refresh=True)  # tags are read per account only with --refresh

    assert_deployer_policy_allows(out, list(call_counter.calls))
    assert sorted(r.split(" ")[0] for r in report.repairs) == ["account", "account", "policy"]
    assert any("EnableAWSServiceAccess" in s for s in report.steps_applied)
    assert api.drift(path, api.DeploySettings(), tags=True, gateway=run.gateway).changes == ()
    again = run(out)
    assert (again.repairs, again.steps_applied) == ([], [])


# -- the emulator holds to AWS's preconditions ---------------------------------------------------


def test_emulated_account_api_needs_trusted_access_and_a_member(emulator: Emulator) -> None:
    from botocore.exceptions import ClientError

    org = emulator.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="member", Email="member@tiny.example")[
        "CreateAccountStatus"]["AccountId"]
    account = emulator.client("account")

    with pytest.raises(ClientError, match="AccessDenied"):
        account.put_account_name(AccountId=member, AccountName="renamed")
    org.enable_aws_service_access(ServicePrincipal="account.amazonaws.com")
    with pytest.raises(ClientError, match="its own AccountId"):
        account.put_account_name(AccountId=emulator.account_id, AccountName="renamed")
    with pytest.raises(ClientError, match="Conflict"):
        account.start_primary_email_update(AccountId=member, PrimaryEmail="member@tiny.example")
    account.start_primary_email_update(AccountId=member, PrimaryEmail="new@tiny.example")
    with pytest.raises(ClientError, match="Validation"):
        account.accept_primary_email_update(AccountId=member, Otp="000000",
                                            PrimaryEmail="new@tiny.example")
    account.put_account_name(AccountId=member, AccountName="renamed")
    assert org.describe_account(AccountId=member)["Account"]["Name"] == "renamed"
    with pytest.raises(ClientError, match="CANNOT_CLOSE_MANAGEMENT_ACCOUNT"):
        org.close_account(AccountId=emulator.account_id)


def test_a_later_stack_update_keeps_the_new_name(emulator: Emulator, tmp_path: Path) -> None:
    def renamed_and_tagged(data: Any) -> None:
        _rename(data)
        data["accounts"]["app-prod"]["tags"] = {"owner": "app-team"}

    run = deploy(emulator, blueprint(tmp_path, _rename, name="a.yaml"), tmp_path / "out1")
    report = run(generate(blueprint(tmp_path, renamed_and_tagged, name="b.yaml"),
                          tmp_path / "out2"))

    assert report.stacks["lzgen-tiny-accounts-01"] == "updated", report.stacks
    assert "App Production" in accounts_by_name(emulator)
    assert report.steps_applied == []  # the update did not undo the rename


def test_email_code_flag_needs_account_and_code(capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli import main

    assert main(["deploy", "nowhere", "--email-code", "app-prod"]) != 0
    assert "ACCOUNT=CODE" in capsys.readouterr().err


def test_reading_drift_costs_calls_per_parent_and_policy_not_per_account(
        emulator: Emulator, tmp_path: Path, call_counter: Any) -> None:
    from generator.aws.converge import plan_repairs
    from generator.aws.manifest import load_manifest
    from tests.test_deploy_e2e import EXAMPLE

    out = generate(EXAMPLE, tmp_path / "out")
    run = Run(emulator)
    run(out)
    call_counter.reset()

    assert plan_repairs(run.gateway, load_manifest(out)) == []

    made = [f"{c.service}:{c.operation}" for c in call_counter.calls]
    org = api.load(EXAMPLE)
    tagged = sum(1 for a in org.accounts.values() if a.tags) + sum(
        1 for o in org.ous.values() if o.spec.tags)
    assert made.count("organizations:ListAccountsForParent") == len(org.ous) + 1
    assert made.count("organizations:ListTargetsForPolicy") == len(org.policies)
    assert made.count("organizations:ListTagsForResource") == tagged
    assert "organizations:ListParents" not in made and "organizations:DescribeAccount" not in made
    print(f"\nconvergence reads for the example ({len(org.accounts)} accounts, "
          f"{len(org.ous)} OUs, {len(org.policies)} policies): {len(made)} calls")


def test_closing_past_the_quota_is_refused_before_anything_changes(
        emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.aws import accounts as quota_rules
    from generator.errors import RefusedError

    run = deploy(emulator, blueprint(tmp_path, _with_suspended_ou, name="a.yaml"),
                 tmp_path / "out1")
    monkeypatch.setattr(quota_rules, "CLOSE_QUOTA_FLOOR", 1)
    monkeypatch.setattr(quota_rules, "CLOSE_QUOTA_SHARE", 0.0)
    org = emulator.client("organizations")
    org.close_account(AccountId=org.create_account(
        AccountName="gone", Email="aws-gone@tiny.example")["CreateAccountStatus"]["AccountId"])
    account_id = accounts_by_name(emulator)["app-prod"]["Id"]

    with pytest.raises(RefusedError, match="only 0 closure"):
        run(generate(blueprint(tmp_path, _state("closed"), name="b.yaml"), tmp_path / "out2"),
            allow_destructive=True)

    assert org.describe_account(AccountId=account_id)["Account"]["Status"] == "ACTIVE"
    resources = emulator.client("cloudformation").list_stack_resources(
        StackName="lzgen-tiny-accounts-01")["StackResourceSummaries"]
    assert "AccountAppProd" in {r["LogicalResourceId"] for r in resources}


def test_a_policy_deleted_by_hand_is_left_to_drift(emulator: Emulator, tmp_path: Path) -> None:
    from generator.aws.converge import plan_repairs
    from generator.aws.manifest import load_manifest

    out = generate(blueprint(tmp_path), tmp_path / "out")
    run = Run(emulator)
    run(out)
    org = emulator.client("organizations")
    [policy] = [p for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
                if p["Name"] == "deny-leave-organization"]
    org.detach_policy(PolicyId=policy["Id"], TargetId=org.list_roots()["Roots"][0]["Id"])
    org.delete_policy(PolicyId=policy["Id"])

    assert plan_repairs(run.gateway, load_manifest(out)) == []
    removed = api.drift(blueprint(tmp_path), api.DeploySettings(), gateway=run.gateway)
    assert [(c.action, c.subject) for c in removed.changes] == [
        ("removed", "deny-leave-organization")]


def test_suspending_under_the_builtin_deny_all_keeps_the_alerts(tmp_path: Path) -> None:
    import shutil

    from tests.test_deploy_e2e import EXAMPLE

    shutil.copytree(BLUEPRINTS / "policies", tmp_path / "policies")
    yaml = YAML()
    data = yaml.load(EXAMPLE.read_text())
    data["accounts"]["sandbox-builders"]["state"] = "suspended"
    path = tmp_path / "example.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)

    # The built-in deny-all spares lzgen's alert roles: no warning. A hand-written deny-all
    # that does not is tests/fixtures/bad/suspended-alerts-blocked.yaml (test_checks).
    assert [f for f in api.check(api.load(path)) if f.rule == "LZ135"] == []

    exempt = data["policies"]["suspended-deny-all"]["parameters"]["break_glass_role_arns"]
    exempt.append("arn:aws:iam::*:role/lzgen-root-activity-*")
    with path.open("w") as stream:
        yaml.dump(data, stream)
    assert [f for f in api.check(api.load(path)) if f.rule == "LZ135"] == []


def test_closing_the_last_account_of_a_stack_keeps_the_stack(tmp_path: Path) -> None:
    from generator.synth import build

    def close(data: Any) -> None:
        data["accounts"]["security-tooling"]["state"] = "closed"  # alone in accounts-04

    result = build(api.load(blueprint(tmp_path, close)))

    [stack] = [s for s in result.stacks if s.name == "accounts-04"]
    assert list(stack.template["Resources"]) == ["ClosedAccountsPlaceholder"]
    assert ("organizations", "CloseAccount") in {(s.service, s.action)
                                                 for s in result.api_steps}
