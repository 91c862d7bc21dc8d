"""Mutations of valid blueprints: each must be refused at the line it changed.

A mutation takes a valid blueprint and breaks one thing: a wrong type, a missing or unknown key,
a dangling reference, a duplicate name or email, a quota exceeded by one, or a policy document
broken in one grammar rule. The blueprint is written by tests/emit.py, which knows every line,
and run through `generator.cli.main` like a user would: the run must fail with a finding or a
load error at `file:line` of the change, exit 1 or 2, print no traceback, and leave an existing
output folder byte for byte as it was.

Each mutation runs on a fixed blueprint (below) and, through Hypothesis, on random valid ones.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.cli import main
from generator.policies.grammar import minified_size
from generator.quotas import DEFAULTS
from tests.emit import Pairs, to_yaml
from tests.helpers import FIXTURES
from tests.strategies import blueprints, examples

Data = dict[str, Any]
Path_ = tuple[str | int, ...]
Pick = Callable[[list[Any]], Any]


@dataclass(frozen=True)
class Mutant:
    data: Data
    at: Path_  # the key or list item whose line the error must name
    rule: str  # the rule that must report it (LZ001 and LZ002: loading and shape)


Mutation = Callable[[Data, Pick], Mutant]

# --- what a mutation needs, found or added --------------------------------------------------


def accounts_of(data: Data) -> list[str]:
    return list(data.get("accounts", {}))


def ou_paths(tree: Data, parent: str = "") -> list[str]:
    result: list[str] = []
    for name, spec in tree.items():
        path = name if not parent else f"{parent}/{name}"
        result += [path, *ou_paths(spec.get("children", {}), path)]
    return result


def ou_yaml_path(path: str) -> Path_:
    parts = path.split("/")
    result: list[str | int] = ["organizational_units", parts[0]]
    for part in parts[1:]:
        result += ["children", part]
    return tuple(result)


def ensure_ou(data: Data, pick: Pick) -> str:
    paths = ou_paths(data.get("organizational_units", {}))
    if paths:
        path: str = pick(paths)
        return path
    data["organizational_units"] = {"MutantUnit": {}}
    return "MutantUnit"


def add_policy(data: Data, document: Data, policy_type: str = "scp") -> str:
    """A new inline policy, attached nowhere; its name is free in the blueprint."""
    policies = data.setdefault("policies", {})
    name = "mutant-policy"
    while name in policies:
        name += "-x"
    policies[name] = {"type": policy_type, "content": document, "attach": []}
    return name


def domain_of(data: Data) -> str:
    return str(data["organization"]["email_domain"])


SCP = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyLeave", "Effect": "Deny", "Action": ["organizations:LeaveOrganization"],
     "Resource": "*"}]}
TAG_POLICY = {"tags": {"costcenter": {
    "tag_key": {"@@assign": "CostCenter"},
    "tag_value": {"@@assign": ["100", "200"]},
    "enforced_for": {"@@assign": ["ec2:instance"]}}}}

# --- the mutations --------------------------------------------------------------------------


def wrong_type(data: Data, pick: Pick) -> Mutant:
    account = pick(accounts_of(data))
    choices: list[tuple[Path_, Any]] = [
        (("organization", "regions"), "us-east-1"),
        (("organization", "management_account", "email"), 42),
        (("accounts", account, "email"), ["aws-x@example.org"]),
        (("accounts", account, "tags"), ["owner"]),
        (("accounts", account, "ou"), {"path": "Security"}),
        (("version",), 2),
        (("layout",), "large"),
    ]
    path, value = pick(choices)
    set_at(data, path, value)
    return Mutant(data, path, "LZ002")


def missing_key(data: Data, pick: Pick) -> Mutant:
    account = pick(accounts_of(data))
    path: Path_ = pick([("organization", "name"), ("organization", "email_domain"),
                        ("organization", "management_account", "email"),
                        ("accounts", account, "email"), ("accounts", account, "ou")])
    del get_at(data, path[:-1])[path[-1]]
    return Mutant(data, path[:-1], "LZ002")


def unknown_key(data: Data, pick: Pick) -> Mutant:
    account = pick(accounts_of(data))
    parent: Path_ = pick([(), ("organization",), ("accounts", account),
                          ("organization", "management_account")])
    key = pick(["environmnet", "emial", "bogus"])
    get_at(data, parent)[key] = "prod"
    return Mutant(data, (*parent, key), "LZ002")


def dangling_parent(data: Data, pick: Pick) -> Mutant:
    account = pick(accounts_of(data))
    data["accounts"][account]["ou"] = "Nowhere/Else"
    return Mutant(data, ("accounts", account, "ou"), "LZ101")


def dangling_attachment(data: Data, pick: Pick) -> Mutant:
    name = add_policy(data, copy.deepcopy(SCP))
    data["policies"][name]["attach"] = ["root", pick(["ou:Nowhere", "account:ghost",
                                                      "organization"])]
    return Mutant(data, ("policies", name, "attach", 1), "LZ102")


def dangling_detachment(data: Data, pick: Pick) -> Mutant:
    detach = data.setdefault("full_aws_access", {}).setdefault("detach", [])
    detach.append(pick(["ou:Nowhere", "account:ghost"]))
    return Mutant(data, ("full_aws_access", "detach", len(detach) - 1), "LZ109")


def dangling_baseline_account(data: Data, pick: Pick) -> Mutant:
    """A baseline section names an account the blueprint does not define."""
    section = pick(["delegated_admin", "alert_account", "trail_account"])
    if section == "delegated_admin":
        service = pick(["guardduty", "securityhub", "config"])
        data.setdefault("services", {})[service] = {"trusted_access": True,
                                                    "delegated_admin": "ghost"}
        return Mutant(data, ("services", service, "delegated_admin"), "LZ311")
    if section == "alert_account":
        data.setdefault("alerts", {})["root_activity"] = {
            "email": f"aws-alerts@{domain_of(data)}", "account": "ghost"}
        return Mutant(data, ("alerts", "root_activity", "account"), "LZ311")
    data.setdefault("services", {})["organization_trail"] = {"log_archive_account": "ghost"}
    return Mutant(data, ("services", "organization_trail", "log_archive_account"), "LZ311")


def tag_against_tag_policy(data: Data, pick: Pick) -> Mutant:
    """An account's tag breaks the tag policy above it: wrong capitalization or value."""
    name = add_policy(data, copy.deepcopy(TAG_POLICY), "tag")
    data["policies"][name]["attach"] = ["root"]
    account = pick(accounts_of(data))
    key, value = pick([("costcenter", "100"), ("CostCenter", "999")])
    tags = data["accounts"][account].get("tags", {})
    data["accounts"][account]["tags"] = {**{k: v for k, v in tags.items()
                                            if k.lower() != "costcenter"}, key: value}
    return Mutant(data, ("accounts", account, "tags", key), "LZ310")


def duplicate_account(data: Data, pick: Pick) -> Mutant:
    accounts = data["accounts"]
    twice = pick(list(accounts))
    clone = {**accounts[twice], "email": f"aws-clone@{domain_of(data)}"}
    data["accounts"] = Pairs([*accounts.items(), (twice, clone)])
    return Mutant(data, ("accounts", twice), "LZ001")


def duplicate_ou(data: Data, pick: Pick) -> Mutant:
    path = ensure_ou(data, pick)
    *parents, name = ou_yaml_path(path)
    level = get_at(data, tuple(parents))
    items = list(level.items())
    items.append((name, {"description": "the same name again"}))
    set_at(data, tuple(parents), Pairs(items))
    return Mutant(data, ou_yaml_path(path), "LZ001")


def duplicate_field(data: Data, pick: Pick) -> Mutant:
    account = pick(accounts_of(data))
    spec = data["accounts"][account]
    data["accounts"][account] = Pairs([*spec.items(), ("email", spec["email"])])
    return Mutant(data, ("accounts", account, "email"), "LZ001")


def duplicate_email(data: Data, pick: Pick) -> Mutant:
    names = accounts_of(data)
    first = data["organization"]["management_account"]["email"]
    if len(names) > 1 and pick([True, False]):
        first = data["accounts"][names[0]]["email"]
    last = names[-1]
    data["accounts"][last]["email"] = pick([first, first.upper()])
    return Mutant(data, ("accounts", last, "email"), "LZ105")


def ou_six_deep(data: Data, pick: Pick) -> Mutant:
    tree = data.setdefault("organizational_units", {})
    name = "Level1"
    while name in tree:
        name += "x"
    level, path = tree, []
    for depth in range(1, DEFAULTS["ou_depth"].value + 2):
        child = name if depth == 1 else f"Level{depth}"
        level[child] = {}
        path += ["organizational_units" if depth == 1 else "children", child]
        if depth <= DEFAULTS["ou_depth"].value:
            level[child]["children"] = {}
            level = level[child]["children"]
        else:
            level[child]["description"] = "one level too deep"
    return Mutant(data, tuple(path), "LZ110")


def eleven_scps(data: Data, pick: Pick) -> Mutant:
    """SCPs on one target up to the quota + 1, FullAWSAccess (kept) counting as one."""
    target = pick(["root", f"ou:{ensure_ou(data, pick)}", f"account:{pick(accounts_of(data))}"])
    policies = data.setdefault("policies", {})
    on_target = sum(1 for p in policies.values()
                    if p["type"] == "scp" and target in p.get("attach", []))
    detached = target in data.get("full_aws_access", {}).get("detach", [])
    wanted = DEFAULTS["scp_per_target"].value + 1 - on_target - (0 if detached else 1)
    for _ in range(wanted):
        name = add_policy(data, copy.deepcopy(SCP))
        policies[name]["attach"] = [target]
    kind, _, name = target.partition(":")
    where: Path_ = {"root": ("organization",), "ou": ou_yaml_path(name),
                    "account": ("accounts", name)}[kind]
    return Mutant(data, where, "LZ111")


def fifty_one_tags(data: Data, pick: Pick) -> Mutant:
    entity: Path_ = pick([("organization",), ("accounts", pick(accounts_of(data))),
                          ou_yaml_path(ensure_ou(data, pick))])
    tags = {f"tag{index:02d}": "x" for index in range(DEFAULTS["tags_per_entity"].value + 1)}
    get_at(data, entity)["tags"] = tags
    return Mutant(data, (*entity, "tags"), "LZ130")


def padded_document(policy_type: str, size: int) -> Data:
    """A valid document of `policy_type` that is exactly `size` characters minified."""
    if policy_type == "scp":
        document = copy.deepcopy(SCP)
        statement = document["Statement"][0]
        statement["Action"] = ["organizations:L"]
        statement["Action"][0] += "x" * (size - minified_size(document))
    else:
        # Tag values stop at 256 characters, so the padding is spread over many values.
        document = {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
                                            "tag_value": {"@@assign": ["v"]}}}}
        values = document["tags"]["costcenter"]["tag_value"]["@@assign"]
        while size - minified_size(document) > 256 + 3:
            values.append(f"{len(values):04d}" + "x" * 196)
        remaining = size - minified_size(document)
        if remaining >= 4:
            values.append("y" * (remaining - 3))  # two quotes and a comma come with it
        else:
            values[-1] += "z" * remaining
    assert minified_size(document) == size
    return document


def policy_too_large(data: Data, pick: Pick) -> Mutant:
    policy_type = pick(["scp", "tag"])
    limit = DEFAULTS[f"{policy_type}_size"].value
    name = add_policy(data, padded_document(policy_type, limit + 1), policy_type)
    return Mutant(data, ("policies", name, "content"), "LZ121")


def broken_scp(data: Data, pick: Pick) -> Mutant:
    document = copy.deepcopy(SCP)
    statement = document["Statement"][0]
    inner: Path_
    rule = pick(["Principal", "Effect", "Version", "NotAction", "Action"])
    if rule == "Principal":
        statement["Principal"] = {"AWS": "*"}
        inner = ("Statement", 0, "Principal")
    elif rule == "Effect":
        statement["Effect"] = pick(["deny", "Block", ""])
        inner = ("Statement", 0, "Effect")
    elif rule == "Version":
        document["Version"] = pick(["2008-10-17", "2012-10-18", "latest"])
        inner = ("Version",)
    elif rule == "NotAction":
        statement["NotAction"] = ["iam:*"]
        inner = ("Statement", 0, "NotAction")
    else:
        statement["Action"] = ["s3:GetObject", pick(["s3 GetObject", "GetObject", "s3:Get/Object"])]
        inner = ("Statement", 0, "Action", 1)
    name = add_policy(data, document)
    return Mutant(data, ("policies", name, "content", *inner), "LZ120")


def broken_tag_policy(data: Data, pick: Pick) -> Mutant:
    document = copy.deepcopy(TAG_POLICY)
    entry = document["tags"]["costcenter"]
    inner: Path_
    rule = pick(["key", "operator", "enforced_for"])
    if rule == "key":
        entry["tag_key"]["@@assign"] = pick(["CostCentre", "Owner"])
        inner = ("tags", "costcenter", "tag_key", "@@assign")
    elif rule == "operator":
        entry["tag_value"] = {pick(["@@asign", "@@replace", "assign"]): ["100"]}
        inner = ("tags", "costcenter", "tag_value", next(iter(entry["tag_value"])))
    else:
        entry["enforced_for"]["@@assign"] = ["ec2:instance", pick(["ec2:*", "ALL_SUPPORTED",
                                                                  "instance"])]
        inner = ("tags", "costcenter", "enforced_for", "@@assign", 1)
    name = add_policy(data, document, "tag")
    return Mutant(data, ("policies", name, "content", *inner), "LZ120")


def bad_builtin_parameter(data: Data, pick: Pick) -> Mutant:
    policies = data.setdefault("policies", {})
    name = "mutant-regions"
    while name in policies:
        name += "-x"
    policies[name] = {"type": "scp", "builtin": "deny-outside-regions",
                      "parameters": {"allowed_regions": [pick(["eu-west", "EU-WEST-1"])]},
                      "attach": []}
    return Mutant(data, ("policies", name, "parameters", "allowed_regions"), "LZ103")


MUTATIONS: dict[str, Mutation] = {m.__name__.replace("_", "-"): m for m in (
    wrong_type, missing_key, unknown_key, dangling_parent, dangling_attachment,
    dangling_detachment, dangling_baseline_account, tag_against_tag_policy, duplicate_account,
    duplicate_ou, duplicate_field, duplicate_email, ou_six_deep, eleven_scps, fifty_one_tags,
    policy_too_large, broken_scp, broken_tag_policy, bad_builtin_parameter)}

# --- data paths -----------------------------------------------------------------------------


def get_at(data: Any, path: Path_) -> Any:
    for step in path:
        data = data[step]
    return data


def set_at(data: Any, path: Path_, value: Any) -> None:
    get_at(data, path[:-1])[path[-1]] = value


# --- running a mutant like a user -----------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def existing_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path_factory.mktemp("existing") / "output"
    assert main(["generate", str(FIXTURES / "base.yaml"), "-o", str(out), "--no-lint"]) == 0
    return out, snapshot(out)


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """`generate.cli.main(args)` with what it printed (no pytest fixture: Hypothesis reuses
    one test function for many examples)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def assert_refused_at_its_line(mutant: Mutant, folder: Path, output: Path,
                               before: dict[str, bytes]) -> None:
    emitted = to_yaml(mutant.data)
    path = folder / "blueprint.yaml"
    path.write_text(emitted.text, encoding="utf-8")
    line = emitted.line(mutant.at)
    code, out, err = run_cli(["generate", str(path), "-o", str(output)])
    numbered = "\n".join(f"{n:4d} {text}" for n, text in
                         enumerate(emitted.text.splitlines(), start=1))
    context = f"\n--- blueprint\n{numbered}\n--- stderr\n{err}"
    assert code in (1, 2), f"exit code {code}{context}"
    assert "Traceback" not in out + err, context
    assert any(text.startswith(f"{path}:{line}:") and f" {mutant.rule}:" in text
               for text in err.splitlines()), f"no {mutant.rule} at line {line}{context}"
    assert snapshot(output) == before, "the existing output folder changed"


# A fixed valid blueprint: a tree, accounts, a built-in, an inline SCP and a tag policy.
FIXED: Data = {
    "version": 1,
    "organization": {"name": "fx", "home_region": "us-east-1", "regions": ["us-east-1"],
                     "email_domain": "fx.example",
                     "management_account": {"name": "fx-management",
                                            "email": "aws-management@fx.example"},
                     "tags": {"owner": "platform"}},
    "organizational_units": {"Security": {"environment": "prod"}, "Infrastructure": {},
                             "Workloads": {"children": {"Prod": {"environment": "prod"}}}},
    "accounts": {
        "log-archive": {"email": "aws-log-archive@fx.example", "ou": "Security",
                        "purpose": "log-archive"},
        "security-tooling": {"email": "aws-security-tooling@fx.example", "ou": "Security",
                             "purpose": "security-tooling"},
        "network": {"email": "aws-network@fx.example", "ou": "Infrastructure",
                    "purpose": "network"},
        "app": {"email": "aws-app@fx.example", "ou": "Workloads/Prod", "environment": "prod",
                "tags": {"team": "payments"}},
    },
    "policies": {
        "deny-leave": {"type": "scp", "builtin": "deny-leave-organization", "attach": ["root"]},
        "guard": {"type": "scp", "content": SCP, "attach": ["ou:Workloads"]},
        "tagging": {"type": "tag", "content": TAG_POLICY, "attach": ["root"]},
    },
}


def test_the_fixed_blueprint_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "fixed.yaml"
    path.write_text(to_yaml(FIXED).text, encoding="utf-8")
    assert main(["validate", str(path), "--no-lint"]) == 0


@pytest.mark.parametrize("name", sorted(MUTATIONS))
@pytest.mark.parametrize("choice", [0, -1])
def test_mutation_of_the_fixed_blueprint_is_refused_at_its_line(
        name: str, choice: int, tmp_path: Path,
        existing_output: tuple[Path, dict[str, bytes]]) -> None:
    """Each mutation twice: always taking the first, then always the last of its choices."""
    mutant = MUTATIONS[name](copy.deepcopy(FIXED), lambda options: options[choice])
    assert_refused_at_its_line(mutant, tmp_path, *existing_output)


@examples(150)
@given(blueprint=blueprints(min_accounts=2, max_accounts=6, max_ous=6, max_policies=5),
       name=st.sampled_from(sorted(MUTATIONS)), choices=st.data())
def test_mutation_of_any_valid_blueprint_is_refused_at_its_line(
        blueprint: Data, name: str, choices: st.DataObject,
        existing_output: tuple[Path, dict[str, bytes]]) -> None:
    def pick(options: list[Any]) -> Any:
        return choices.draw(st.sampled_from(options))

    mutant = MUTATIONS[name](json.loads(json.dumps(blueprint, default=str)), pick)
    with tempfile.TemporaryDirectory() as folder:
        assert_refused_at_its_line(mutant, Path(folder), *existing_output)


def test_policies_exactly_at_the_size_limit_are_accepted(tmp_path: Path) -> None:
    data = copy.deepcopy(FIXED)
    for policy_type in ("scp", "tag"):
        limit = DEFAULTS[f"{policy_type}_size"].value
        add_policy(data, padded_document(policy_type, limit), policy_type)
    path = tmp_path / "at-limit.yaml"
    path.write_text(to_yaml(data).text, encoding="utf-8")
    assert main(["validate", str(path), "--no-lint"]) == 0
