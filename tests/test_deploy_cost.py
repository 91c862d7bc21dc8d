"""Cost follows the change: a deploy with nothing new reads the record of applied steps, not
each account's contacts; one added account costs its own steps and a bounded number of reads;
--refresh checks everything again. Counted in botocore calls on the emulator, never timed."""

from __future__ import annotations

import shutil
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from ruamel.yaml import YAML

from bench.deploy import ADDED_TARGET, NO_OP_TARGET
from generator import api
from generator.aws.applied import PER_SHARD, AppliedRecord, digest
from generator.aws.deploy import DeployReport
from generator.aws.emulator.local import FAKE_CREDENTIALS
from generator.aws.gateway import Gateway
from generator.aws.ui import DeployUi
from generator.errors import RefusedError
from tests.emulator import CallCounter, Emulator
from tests.helpers import BLUEPRINTS

pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")
GROWN = 24  # accounts added to the example's eight


def grown(folder: Path, extra: int) -> Path:
    """The example with `extra` more workload accounts (clones of payments-nonprod)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "policies").exists():
        shutil.copytree(BLUEPRINTS / "policies", folder / "policies")
    yaml = YAML()
    data = yaml.load((BLUEPRINTS / "example.yaml").read_text())
    accounts = data["accounts"]
    for index in range(extra):
        name = f"team-{index:03d}"
        accounts[name] = {**accounts["payments-nonprod"],
                          "email": f"aws-{name}@acme.example"}
    path = folder / "example.yaml"
    with path.open("w") as stream:
        yaml.dump(data, stream)
    return path


def deploy(emulator: Emulator, output: Path, **settings: Any) -> DeployReport:
    gateway = Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                      credentials=FAKE_CREDENTIALS)
    return api.deploy(output, api.DeploySettings(**{"yes": True, "poll_seconds": 0.0,
                                                    **settings}),
                      console=Console(file=StringIO(), width=160), gateway=gateway,
                      interactive=False)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("grown")
    before = folder / "before" / "output"
    after = folder / "after" / "output"
    api.generate(grown(folder / "before", GROWN), before, lint=False)
    api.generate(grown(folder / "after", GROWN + 1), after, lint=False)
    return before, after


def stacks_of(output: Path) -> int:
    import json

    return len(json.loads((output / "manifest.json").read_text())["stacks"])


def convergence_reads(output: Path) -> int:
    """What deploy reads to repair drift (aws/converge.py): the stacks' resources, a walk of
    the root and each OU (their OUs and a page of accounts per 20), each policy's targets and
    document -- per parent and per policy, never per account."""
    import json

    kinds: Counter[str] = Counter()
    for stack in json.loads((output / "manifest.json").read_text())["stacks"]:
        template = json.loads((output / stack["file"]).read_text())
        kinds.update(r["Type"] for r in template.get("Resources", {}).values())
    parents = kinds["AWS::Organizations::OrganizationalUnit"] + 1
    pages = kinds["AWS::Organizations::Account"] // 20 + parents
    return (stacks_of(output) + 2 * parents + pages
            + 2 * kinds["AWS::Organizations::Policy"] + 2)


def test_a_no_op_deploy_reads_the_record_not_every_account(
        emulator: Emulator, outputs: tuple[Path, Path], call_counter: CallCounter) -> None:
    before, _ = outputs
    deploy(emulator, before)
    first = Counter(str(c) for c in call_counter.calls)
    call_counter.reset()

    deploy(emulator, before)

    # The first deploy: each account's override operation is waited for by its ID (not by
    # listing all the StackSet's operations again: that grows with every account), and the
    # contacts of accounts created in this run are written without reading them first.
    accounts = GROWN + 8  # every member account has its own override and contacts
    assert first["cloudformation:UpdateStackInstances"] >= accounts, first
    assert (first["cloudformation:DescribeStackSetOperation"]
            == first["cloudformation:UpdateStackInstances"]), first
    assert first["cloudformation:ListStackSetOperations"] <= 6, first  # once per StackSet
    assert first["account:GetAlternateContact"] == 3, first  # the management account's
    assert first["account:PutAlternateContact"] == 3 * (accounts + 1), first
    made = Counter(str(c) for c in call_counter.calls)
    assert call_counter.mutating == []
    assert not [c for c in made if c.startswith("account:")], made
    assert made["organizations:ListAccounts"] <= 1, made  # a page, for preflight
    per_account = ("organizations:DescribeAccount", "organizations:ListParents",
                   "organizations:ListTagsForResource")
    assert not [c for c in made if c in per_account], made
    # Per stack: DescribeStacks, GetTemplate, at most one SSM read; preflight's reads (per
    # service and region); and the reads of convergence, per parent and per policy: nothing
    # grows with the accounts.
    assert len(call_counter.calls) <= 3 * stacks_of(before) + 20 + convergence_reads(before), \
        made
    assert len(call_counter.calls) <= NO_OP_TARGET  # issue 14's target, met here already


def test_one_added_account_costs_its_own_steps_and_bounded_reads(
        emulator: Emulator, outputs: tuple[Path, Path], call_counter: CallCounter) -> None:
    before, after = outputs
    deploy(emulator, before)
    call_counter.reset()

    report = deploy(emulator, after)

    made = Counter(str(c) for c in call_counter.calls)
    assert sum(outcome != "unchanged" for outcome in report.stacks.values()) == 1
    # the new account's contact and three alternate contacts: written, not read first (the
    # account did not exist when the plan was made)
    assert made["account:PutAlternateContact"] == 3
    assert made["account:PutContactInformation"] == 1
    assert made["cloudformation:DescribeStackInstance"] <= 2  # its override, in each region
    # One listing of the organization (the new account's email must be free, aws/stacks.py);
    # the new account's ID for its steps comes from its stack's published parameter.
    assert made["organizations:ListAccounts"] <= 2, made  # 33 accounts, 20 a page
    # Convergence lists every stack's resources before the stacks, and after them only those
    # of the stack that changed.
    assert made["cloudformation:ListStackResources"] == stacks_of(after) + 1, made
    account_calls = sum(n for call, n in made.items() if call.startswith("account:"))
    assert account_calls == 4
    # a stack changed: convergence plans its repairs again after the stacks
    assert len(call_counter.calls) <= (3 * stacks_of(after) + 90
                                       + 2 * convergence_reads(after)), made
    assert len(call_counter.calls) <= ADDED_TARGET, made


def test_refresh_checks_every_step_again_and_repairs_a_change_by_hand(
        emulator: Emulator, outputs: tuple[Path, Path], call_counter: CallCounter) -> None:
    before, _ = outputs
    deploy(emulator, before)
    org = emulator.client("organizations")
    team = next(a["Id"] for a in org.list_accounts()["Accounts"] if a["Name"] == "team-000")
    account = emulator.client("account")
    account.put_alternate_contact(AccountId=team, AlternateContactType="BILLING",
                                  Name="Someone Else", Title="changed by hand",
                                  EmailAddress="else@acme.example", PhoneNumber="+1555000")
    call_counter.reset()

    deploy(emulator, before)  # trusts the record: the change by hand goes unnoticed
    assert call_counter.count("PutAlternateContact") == 0

    deploy(emulator, before, refresh=True)
    assert call_counter.count("PutAlternateContact") == 1
    contact = account.get_alternate_contact(AccountId=team, AlternateContactType="BILLING")
    assert contact["AlternateContact"]["Name"] != "Someone Else"


def test_the_record_spreads_over_shards_and_rewrites_only_what_changed(
        emulator: Emulator, call_counter: CallCounter) -> None:
    gateway = Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                      credentials=FAKE_CREDENTIALS)
    record = AppliedRecord(gateway, "acme", "us-east-1")
    record.load()
    items = [digest("step", index) for index in range(3 * PER_SHARD)]
    for item in items:
        record.add(item)
    written = record.save()
    assert written >= 4  # three shards' worth at most three-quarters full

    again = AppliedRecord(gateway, "acme", "us-east-1")
    again.load()
    assert all(item in again for item in items)
    assert again.save() == 0
    call_counter.reset()
    again.add(digest("step", "one more"))
    assert again.save() == 1
    assert call_counter.count("PutParameter") == 1


def test_an_output_older_than_its_blueprint_is_refused(tmp_path: Path) -> None:
    blueprint = grown(tmp_path / "blueprint", 0)
    output = tmp_path / "output"
    api.generate(blueprint, output, lint=False)
    blueprint.write_text(blueprint.read_text().replace("Payments On-Call", "Payments Desk"))

    with pytest.raises(RefusedError, match="another version of"):
        api.deploy(output, api.DeploySettings(yes=True),
                   gateway=object())  # type: ignore[arg-type]


def test_allow_stale_deploys_an_older_output_with_a_warning(
        emulator: Emulator, tmp_path: Path) -> None:
    blueprint = grown(tmp_path / "blueprint", 0)
    output = tmp_path / "output"
    api.generate(blueprint, output, lint=False)
    blueprint.write_text(blueprint.read_text().replace("Payments On-Call", "Payments Desk"))
    out = StringIO()
    gateway = Gateway(region="us-east-1", endpoint_url=emulator.endpoint_url,
                      credentials=FAKE_CREDENTIALS)
    api.deploy(output, api.DeploySettings(yes=True, dry_run=True, allow_stale=True),
               console=Console(file=out, width=160), gateway=gateway, interactive=False)
    assert "--allow-stale" in out.getvalue()


def test_output_that_is_not_a_terminal_never_wraps(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    ui = DeployUi(interactive=False)
    long = "lzgen-acme-accounts-01: " + "x" * 300
    ui.note(long)
    ui.say(long)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [long, long]
