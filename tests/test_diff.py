"""lzgen diff: each kind of change is named and classified, the CLI's exit codes gate CI,
and a base can be read from a git revision."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import api
from generator.cli import main
from generator.diff import Diff, Risk
from generator.diff.resources import compare_resources
from generator.diff.sources import Source
from generator.diff.statements import document_diff
from generator.diff.writers import as_markdown, as_text
from generator.documents.chart import label, node_id
from generator.synth import Build, Stack, build
from tests.diff_cases import CASES, example, write_blueprint, write_case
from tests.helpers import BLUEPRINTS


def case_diff(tmp_path: Path, name: str) -> Diff:
    base, head = write_case(tmp_path, name)
    return api.diff(Source(base), Source(head), "base/example.yaml", "head/example.yaml")


def one(diff: Diff, kind: str, action: str) -> str:
    """The summary of the one change of that kind and action (fails if not exactly one)."""
    found = [c for c in diff.changes if c.kind == kind and c.action == action]
    assert len(found) == 1, [c.summary for c in diff.changes]
    return found[0].summary


def check_rename_account(diff: Diff) -> None:
    assert "payments-prod renamed to payments-production" in one(diff, "account", "renamed")
    effects = {(r.logical_id, r.effect, r.risk) for r in diff.resources if not r.companion_of}
    assert effects == {("AccountPaymentsProd", "retain", Risk.DESTRUCTIVE),
                       ("AccountPaymentsProduction", "create", Risk.DESTRUCTIVE)}
    assert diff.effective == ()


def check_change_root_email(diff: Diff) -> None:
    assert "aws-payments-production@acme.example" in one(diff, "account", "email-changed")
    [resource] = diff.resources
    assert (resource.properties, resource.effect) == (("Email",), "refused")


def check_move_account(diff: Diff) -> None:
    assert "policy-staging moved from OU PolicyStaging to OU Workloads/NonProd" in one(
        diff, "account", "moved")
    [effective] = diff.effective
    assert effective.accounts == ("policy-staging",)
    assert [r.name for r in effective.added] == [
        "deny-large-instances", "deny-outside-regions", "deny-root-user",
        "protect-security-services"]
    assert effective.removed == ()


def check_move_ou(diff: Diff) -> None:
    assert "OU Sandbox moved from root to Workloads" in one(diff, "ou", "moved")
    assert not [c for c in diff.changes if c.kind == "account"]  # the account moves with it
    removed = [r for r in diff.resources if r.logical_id == "OuSandbox"]
    assert removed[0].risk is Risk.DESTRUCTIVE


def check_detach_guardrail(diff: Diff) -> None:
    assert "protect-security-services detached from ou:Workloads" in one(
        diff, "policy", "detached")
    [effective] = diff.effective
    assert effective.accounts == ("payments-nonprod", "payments-prod")
    assert [r.name for r in effective.removed] == ["protect-security-services"]
    assert effective.risk is Risk.WEAKENS


def check_add_region(diff: Diff) -> None:
    region = [c for c in diff.changes if c.subject == "regions"]
    assert region[0].risk is Risk.WEAKENS and "eu-central-1" in region[0].summary
    policy = [c for c in diff.changes if c.subject == "deny-outside-regions"]
    assert policy[0].risk is Risk.WEAKENS and "eu-central-1" in policy[0].reason


def check_remove_root_alerts(diff: Diff) -> None:
    assert "root_activity removed" in one(diff, "alerts", "changed")
    rules = [r for r in diff.resources if r.resource_type == "AWS::Events::Rule"]
    assert rules and all(r.action == "removed" and r.risk is Risk.WEAKENS for r in rules)


def check_add_workload_account(diff: Diff) -> None:
    assert "payments-dev added in OU Workloads/NonProd" in one(diff, "account", "added")
    [effective] = diff.effective
    assert effective.new_accounts and effective.accounts == ("payments-dev",)
    assert {r.logical_id for r in diff.resources} == {"AccountPaymentsDev",
                                                      "AccountPaymentsDevIdParameter"}


CHECKS: dict[str, Callable[[Diff], None]] = {
    "rename-account": check_rename_account,
    "change-root-email": check_change_root_email,
    "move-account": check_move_account,
    "move-ou": check_move_ou,
    "detach-guardrail": check_detach_guardrail,
    "add-region": check_add_region,
    "remove-root-alerts": check_remove_root_alerts,
    "add-workload-account": check_add_workload_account,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_change_is_named_and_classified(name: str, tmp_path: Path) -> None:
    diff = case_diff(tmp_path, name)
    assert diff.risk is not None and diff.risk.value == CASES[name][2]
    CHECKS[name](diff)


@pytest.mark.parametrize("name", ["rename-account", "move-account"])
def test_small_changes_give_short_reports(name: str, tmp_path: Path) -> None:
    diff = case_diff(tmp_path, name)
    assert len(as_text(diff).splitlines()) <= 20
    markdown = as_markdown(diff)
    outside_chart = markdown.split("```mermaid")[0]
    assert len(outside_chart.splitlines()) <= 40


def test_a_blueprint_compared_with_itself_is_no_change(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = str(BLUEPRINTS / "example.yaml")
    assert main(["diff", path, path]) == 0
    assert "no changes" in capsys.readouterr().out
    assert main(["diff", path, path, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["risk"] is None and data["changes"] == [] and data["resources"] == []


def test_exit_codes_gate_on_risk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = write_case(tmp_path / "a", "rename-account")
    assert main(["diff", str(base), str(head)]) == 6
    base, head = write_case(tmp_path / "b", "move-account")
    assert main(["diff", str(base), str(head)]) == 5
    base, head = write_case(tmp_path / "c", "detach-guardrail")
    assert main(["diff", str(base), str(head)]) == 5
    assert main(["diff", str(base), str(head), "--fail-on", "weakens"]) == 6
    capsys.readouterr()


def test_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = write_case(tmp_path, "detach-guardrail")
    assert main(["diff", str(base), str(head), "-f", "json"]) == 5
    data = json.loads(capsys.readouterr().out)
    assert data["risk"] == "weakens-security"
    assert data["counts"]["effective policies"]["weakens-security"] == 2
    assert data["effective"][0]["removed"][0]["name"] == "protect-security-services"
    assert main(["diff", str(base), str(head), "-f", "markdown"]) == 5
    markdown = capsys.readouterr().out
    assert markdown.startswith(f"<!-- lzgen-diff: {head} -->")
    assert "<details>" in markdown and "```mermaid" in markdown
    assert "class ou_Workloads_" in markdown  # the OU the policy left is marked changed


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(BLUEPRINTS / "example.yaml")
    assert main(["diff", path]) == 2
    assert "--base" in capsys.readouterr().err
    assert main(["diff", path, path, "--format", "yaml"]) == 2


def test_invalid_head_is_reported_with_its_location(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = example()
    data["accounts"]["payments-prod"]["ou"] = "Nowhere"
    head = write_blueprint(tmp_path, data)
    assert main(["diff", str(BLUEPRINTS / "example.yaml"), str(head)]) == 1
    assert f"{head}:" in capsys.readouterr().err


# --- the organization in the blueprint's terms ------------------------------------------------

def diff_of(tmp_path: Path, change: Callable[[dict], None]) -> Diff:  # type: ignore[type-arg]
    data = example()
    change(data)
    base = write_blueprint(tmp_path / "base", example())
    head = write_blueprint(tmp_path / "head", data)
    return api.diff(Source(base), Source(head))


def test_renamed_ou_is_detected_by_its_contents(tmp_path: Path) -> None:
    def rename_security(data: dict) -> None:  # type: ignore[type-arg]
        units = data["organizational_units"]
        units["SecurityTeam"] = units.pop("Security")
        for account in data["accounts"].values():
            if account["ou"] == "Security":
                account["ou"] = "SecurityTeam"
        for policy in data["policies"].values():
            policy["attach"] = ["ou:SecurityTeam" if t == "ou:Security" else t
                                for t in policy.get("attach", [])]

    diff = diff_of(tmp_path, rename_security)
    summary = one(diff, "ou", "renamed")
    assert "Security renamed to SecurityTeam" in summary and "same accounts" in summary
    assert [c.risk for c in diff.changes] == [Risk.DESTRUCTIVE]
    assert diff.effective == ()  # the same SCPs follow the renamed OU


def test_guardrail_loosened_statement_by_statement(tmp_path: Path) -> None:
    def loosen(data: dict) -> None:  # type: ignore[type-arg]
        data["policies"]["protect-security-services"]["parameters"]["exempt_role_arns"].append(
            "arn:aws:iam::*:role/anyone")

    diff = diff_of(tmp_path, loosen)
    [change] = diff.changes
    assert change.risk is Risk.WEAKENS
    assert any("ArnNotLike aws:PrincipalARN +arn:aws:iam::*:role/anyone" in d
               for d in change.details)


def test_removing_an_attached_policy_is_destructive(tmp_path: Path) -> None:
    diff = diff_of(tmp_path, lambda data: data["policies"].pop("deny-root-user"))
    assert one(diff, "policy", "removed").startswith("SCP deny-root-user removed")
    assert diff.risk is Risk.DESTRUCTIVE


def test_policy_type_change_is_destructive(tmp_path: Path) -> None:
    data = example()
    data["policies"]["labels"] = {"type": "tag", "attach": ["root"], "content": {
        "tags": {"team": {"tag_key": {"@@assign": "team"}}}}}
    base = write_blueprint(tmp_path / "base", data)
    data["policies"]["labels"] = {"type": "backup", "content": {"plans": {}},
                                  "attach": ["root"]}
    head = write_blueprint(tmp_path / "head", data)
    diff = api.diff(Source(base), Source(head))
    assert "type tag -> backup" in one(diff, "policy", "type-changed")
    assert diff.risk is Risk.DESTRUCTIVE


def test_root_user_protection_turned_off(tmp_path: Path) -> None:
    def detach(data: dict) -> None:  # type: ignore[type-arg]
        data["policies"]["deny-root-user"]["attach"].remove("ou:Sandbox")

    diff = diff_of(tmp_path, detach)
    change = next(c for c in diff.changes if c.action == "detached")
    assert change.risk is Risk.WEAKENS and "root-user protection" in change.reason


def test_full_aws_access_detach_removed_weakens(tmp_path: Path) -> None:
    data = example()
    data["policies"]["allow-all"] = {"type": "scp", "content": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        "attach": ["ou:PolicyStaging"]}
    data["full_aws_access"] = {"detach": ["ou:PolicyStaging"]}
    base = write_blueprint(tmp_path / "base", data)
    del data["full_aws_access"]
    head = write_blueprint(tmp_path / "head", data)
    diff = api.diff(Source(base), Source(head))
    assert "no longer detached from ou:PolicyStaging" in one(diff, "full_aws_access", "attached")
    [effective] = diff.effective
    assert [r.name for r in effective.added] == ["FullAWSAccess"]
    assert effective.risk is Risk.WEAKENS


def test_accounts_gain_and_lose_policies_of_every_type(tmp_path: Path) -> None:
    # Not only SCPs and tag policies: an RCP and an EC2 declarative policy moved from one OU
    # to another are named per account, with their type; losing the declarative policy's
    # protection (public sharing blocked) weakens security.
    data = example()
    data["policies"]["perimeter"] = {
        "type": "rcp", "builtin": "rcp-trusted-identities",
        "parameters": {"organization_id": "o-abcdefghij"}, "attach": ["ou:Sandbox"]}
    data["policies"]["sharing"] = {"type": "declarative_ec2",
                                   "builtin": "ec2-block-public-sharing",
                                   "attach": ["ou:Sandbox"]}
    base = write_blueprint(tmp_path / "base", data)
    data["policies"]["perimeter"]["attach"] = ["ou:Workloads/Prod"]
    data["policies"]["sharing"]["attach"] = ["ou:Workloads/Prod"]
    diff = api.diff(Source(base), Source(write_blueprint(tmp_path / "head", data)))

    by_account = {e.accounts: e for e in diff.effective}
    gained, lost = by_account[("payments-prod",)], by_account[("sandbox-builders",)]
    assert [(r.type, r.name, r.via) for r in gained.added] == [
        ("rcp", "perimeter", ("ou:Workloads/Prod",)),
        ("declarative_ec2", "sharing", ("ou:Workloads/Prod",))]
    assert [(r.type, r.name) for r in lost.removed] == [
        ("rcp", "perimeter"), ("declarative_ec2", "sharing")]
    assert lost.risk is Risk.WEAKENS and gained.risk is Risk.ROUTINE
    text = as_text(diff)
    assert "+ RCP perimeter (via ou:Workloads/Prod) newly applies" in text
    assert "- EC2 declarative policy sharing (via ou:Sandbox) stops applying" in text


def test_alerts_and_root_access_turned_off(tmp_path: Path) -> None:
    data = example()
    data["alerts"] = {"root_activity": {"email": "aws-alerts@acme.example"}}
    base = write_blueprint(tmp_path / "base", data)
    data["alerts"]["root_activity"]["enabled"] = False
    data["alerts"]["mfa_detection"] = {"enabled": False}
    head = write_blueprint(tmp_path / "head", data)
    [change] = api.diff(Source(base), Source(head)).changes
    assert change.risk is Risk.WEAKENS
    assert "root_activity.enabled turned off" in change.summary
    assert "mfa_detection.enabled turned off" in change.summary


# --- policy documents -------------------------------------------------------------------------

def scp(*statements: dict) -> dict:  # type: ignore[type-arg]
    return {"Version": "2012-10-17", "Statement": list(statements)}


DENY = {"Sid": "Guard", "Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy"],
        "Resource": "*"}


@pytest.mark.parametrize(("after", "weakens"), [
    ({**DENY, "Action": ["s3:DeleteBucket"]}, True),
    ({**DENY, "Action": [*DENY["Action"], "s3:PutLifecycleConfiguration"]}, False),
    ({**DENY, "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}, True),
    ({**DENY, "Effect": "Allow"}, True),
    ({**DENY, "Action": ["S3:DELETEBUCKET", "s3:putbucketpolicy"]}, False),
])
def test_deny_statement_changes(after: dict, weakens: bool) -> None:  # type: ignore[type-arg]
    diff = document_diff("scp", scp(DENY), scp(after))
    assert bool(diff.weakening) is weakens


def test_negated_condition_values_added_weaken_a_deny() -> None:
    def regions(*names: str) -> dict:  # type: ignore[type-arg]
        return scp({**DENY, "Condition": {"StringNotEquals": {"aws:RequestedRegion":
                                                              list(names)}}})

    assert document_diff("scp", regions("us-east-1"), regions("us-east-1", "ap-south-1")
                         ).weakening
    assert not document_diff("scp", regions("us-east-1", "ap-south-1"), regions("us-east-1")
                             ).weakening


def test_statements_added_and_removed() -> None:
    allow = {"Sid": "Open", "Effect": "Allow", "Action": "*", "Resource": "*"}
    assert document_diff("scp", scp(DENY), scp(DENY, allow)).weakening
    removed = document_diff("scp", scp(DENY, allow), scp(allow))
    assert removed.weakening and 'statement "Guard" removed' in removed.details[0]


# --- CloudFormation resources -----------------------------------------------------------------

def with_stack(name: str, resources: dict) -> tuple:  # type: ignore[type-arg]
    org = api.load(BLUEPRINTS / "minimal.yaml")
    built = build(org)
    extra = Build(stacks=[*built.stacks, Stack(name, {"Resources": resources}, "extra",
                                               region="us-east-1")])
    return org, extra


RULE = {"Type": "AWS::Events::Rule", "Properties": {
    "EventPattern": {"detail": {"userIdentity": {"type": ["Root"]}}}, "State": "ENABLED"}}
CONFIG_RULE = {"Type": "AWS::Config::ConfigRule", "Properties": {
    "Source": {"Owner": "AWS", "SourceIdentifier": "ROOT_ACCOUNT_MFA_ENABLED"}}}


def test_removed_alert_and_mfa_rules_weaken_security() -> None:
    base = with_stack("alerts", {"RootActivity": RULE, "RootMfa": CONFIG_RULE})
    head = with_stack("alerts", {})
    changes = compare_resources(base, head)
    assert {(c.logical_id, c.risk) for c in changes} == {
        ("RootActivity", Risk.WEAKENS), ("RootMfa", Risk.WEAKENS)}


def test_disabled_alert_rule_weakens_security() -> None:
    disabled = {**RULE, "Properties": {**RULE["Properties"], "State": "DISABLED"}}
    [change] = compare_resources(with_stack("alerts", {"RootActivity": RULE}),
                                 with_stack("alerts", {"RootActivity": disabled}))
    assert (change.effect, change.risk) == ("update", Risk.WEAKENS)
    assert "disabled" in change.reason


def test_create_only_property_means_replacement() -> None:
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}}
    renamed = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts-2"}}
    [change] = compare_resources(with_stack("extra", {"Topic": topic}),
                                 with_stack("extra", {"Topic": renamed}))
    assert change.effect == "replace" and "TopicName" in change.reason


def test_account_moving_between_stacks_is_a_move_unless_its_role_name_changes() -> None:
    # Deploy moves it by Retain and import, into an existing stack as well (aws/moves.py);
    # with another RoleName the new stack would try to create a NEW account.
    org = api.load(BLUEPRINTS / "minimal.yaml")
    before = build(org)
    for role, expected in (("OrganizationAccountAccessRole", ("move", Risk.ROUTINE)),
                           ("OtherRole", ("replace", Risk.DESTRUCTIVE))):
        after = build(org)
        moving = next(s for s in after.stacks if "AccountAppProd" in s.template["Resources"])
        target = next(s for s in after.stacks
                      if s.name.startswith("accounts") and s is not moving)
        resource = moving.template["Resources"].pop("AccountAppProd")
        resource["Properties"]["RoleName"] = role
        target.template["Resources"]["AccountAppProd"] = resource
        changes = compare_resources((org, before), (org, after))
        [moved] = [c for c in changes if c.logical_id == "AccountAppProd"]
        assert (moved.action, moved.effect, moved.risk) == ("moved", *expected)
        assert moved.from_stack == moving.name
    assert "NEW account" in moved.reason


def test_losing_retain_on_an_account_is_destructive() -> None:
    org = api.load(BLUEPRINTS / "minimal.yaml")
    before, after = build(org), build(org)
    stack = next(s for s in after.stacks if "AccountAppProd" in s.template["Resources"])
    del stack.template["Resources"]["AccountAppProd"]["DeletionPolicy"]
    [change] = compare_resources((org, before), (org, after))
    assert change.risk is Risk.DESTRUCTIVE and "CLOSE" in change.reason


# --- the chart --------------------------------------------------------------------------------

def test_mermaid_ids_and_labels_are_safe() -> None:
    ident = node_id("ou", 'Team "A" end/<b>#1')
    assert ident.replace("_", "").isalnum()
    assert node_id("account", "a-b") != node_id("account", "a_b")
    assert label('x "y" <z> #1') == "x #quot;y#quot; #lt;z#gt; #35;1"


def test_removed_nodes_are_drawn(tmp_path: Path) -> None:
    diff = diff_of(tmp_path, lambda data: data["accounts"].pop("policy-staging"))
    [removed] = [n for n in diff.chart.nodes if n.mark.value == "removed"]
    assert removed.title == "policy-staging"
    assert removed.parent == node_id("ou", "PolicyStaging")


def test_big_organization_chart_shows_only_what_changed(tmp_path: Path) -> None:
    from tests.synthetic import synthetic_blueprint

    data = synthetic_blueprint(accounts=300, ous=40, policies=5, account_stacks=4)
    base = tmp_path / "base.yaml"
    base.write_text(json.dumps(data))
    data["accounts"]["acct-00005"]["ou"] = "Unit01"
    head = tmp_path / "head.yaml"
    head.write_text(json.dumps(data))
    diff = api.diff(Source(base), Source(head))
    assert diff.chart.note.startswith("Only the changed part")
    assert len(diff.chart.nodes) < 10


# --- git revisions ----------------------------------------------------------------------------

def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    write_blueprint(root / "blueprints", example())
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_base_from_a_git_revision_reads_policy_files_there_too(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = repo / "blueprints" / "policies" / "deny-expensive-instances.json"
    document = json.loads(policy.read_text())
    document["Statement"][0]["Action"] = ["ec2:RunInstances"]
    document["Statement"][0]["Sid"] = "Changed"
    policy.write_text(json.dumps(document))
    path = repo / "blueprints" / "example.yaml"
    code = main(["diff", "--base", "HEAD", str(path), "-f", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 5, data
    assert data["base"] == f"HEAD:{path}"
    [change] = data["changes"]
    assert change["subject"] == "deny-large-instances" and change["risk"] == "weakens-security"


def test_base_revision_without_the_blueprint_is_a_new_organization(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = repo / "blueprints" / "other" / "example.yaml"
    write_blueprint(other.parent, example())
    assert main(["diff", "--base", "HEAD", str(other)]) == 5
    assert "new blueprint for organization acme" in capsys.readouterr().out


def test_head_from_a_git_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "blueprints" / "example.yaml"
    data = example()
    data["accounts"]["payments-production"] = data["accounts"].pop("payments-prod")
    write_blueprint(path.parent, data)
    assert main(["diff", "--base", "HEAD", str(path)]) == 6
    assert main(["diff", "--base", "HEAD", "--head", "HEAD", str(path)]) == 0
    capsys.readouterr()


def test_unknown_revision_is_a_usage_error(repo: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "blueprints" / "example.yaml"
    assert main(["diff", "--base", "origin/nope", str(path)]) == 2
    err = capsys.readouterr().err
    assert "origin/nope" in err and "fetch-depth" in err


def test_invalid_base_at_a_revision_is_located_there(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "blueprints" / "example.yaml"
    data = example()
    data["accounts"]["payments-prod"]["ou"] = "Nowhere"
    write_blueprint(path.parent, data)
    git(repo, "commit", "-q", "-am", "broken")
    write_blueprint(path.parent, example())
    assert main(["diff", "--base", "HEAD", str(path)]) == 1
    assert "HEAD:blueprints/example.yaml:" in capsys.readouterr().err


# --- CI recipe, pre-commit hook, documentation ------------------------------------------------

def test_ci_recipe_diffs_against_the_base_branch_and_gates_on_destructive() -> None:
    import yaml

    from generator.errors import ExitCode
    from tests.helpers import ROOT

    workflow = yaml.safe_load((ROOT / "examples/github-actions/lzgen-review.yml").read_text())
    assert workflow[True]["pull_request"]["paths"] == ["blueprints/**"]  # YAML 1.1: on = True
    steps = workflow["jobs"]["review"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    script = "\n".join(step.get("run", "") for step in steps)
    assert "lzgen validate" in script and "lzgen check" in script
    assert 'lzgen diff --base "origin/$BASE_REF"' in script and "--format markdown" in script
    assert f"0|{int(ExitCode.CHANGES)})" in script and f"{int(ExitCode.GATED)}) gate=1" in script
    assert any("github-script" in step.get("uses", "") for step in steps)


def test_pre_commit_hook_runs_validate_on_blueprints() -> None:
    import re

    import yaml

    from tests.helpers import ROOT

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"]) == (
        "lzgen-validate", "lzgen validate", "python")
    assert re.search(hook["files"], "blueprints/example.yaml")
    assert not re.search(hook["files"], "blueprints/policies/deny-expensive-instances.json")


def test_validate_accepts_several_blueprints(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(BLUEPRINTS / "minimal.yaml"), str(BLUEPRINTS / "example.yaml")]
    assert main(["validate", "--no-lint", *paths]) == 0
    assert capsys.readouterr().out.count(": valid") == 2


def test_docs_document_diff() -> None:
    from tests.helpers import ROOT

    docs = "\n".join((ROOT / page).read_text() for page in (
        "README.md", "docs/reference/diff.md", "docs/how-to/review-changes.md",
        "docs/reference/exit-codes.md"))
    for needle in ("lzgen diff --base origin/main", "--fail-on", "| 5 |", "| 6 |",
                   "weakens security", "lzgen-review.yml", ".pre-commit-hooks.yaml"):
        assert needle in docs, needle
