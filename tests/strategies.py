"""Hypothesis strategies for VALID blueprints, as plain data (what a YAML file holds).

`blueprints()` draws a random organization within AWS's quotas: an OU tree at most five levels
deep, accounts with unique names and root emails on the business domain, built-in policies
with valid parameters and custom inline policies, attachments within the per-target quotas,
tags matching AWS's pattern, and the seed sections (root access, contacts, alerts, services,
billing, tagging, StackSets). Every key is a field of generator/blueprint/schema.py.

"Valid" means: lzgen must generate it without an error finding and cfn-lint must accept every
template. A draw that breaks that is a bug in lzgen, or in this file when AWS would refuse it
too; `tests/test_properties.py` checks both ways.

`examples(n)` scales an example count by the active profile (see tests/conftest.py).
"""

from __future__ import annotations

import datetime
import os
import random
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from generator.blueprint.schema import INFRASTRUCTURE_PURPOSES, MfaDeviceType, Purpose
from generator.model import logical_id
from generator.policies.grammar import RCP_SERVICES
from generator.policies.library import BUILTINS
from generator.policies.strategy import TAGGING_POLICY
from generator.policies.types import POLICY_TYPES, SPECS
from generator.quotas import DEFAULTS, per_target_quota
from tests.policy_samples import SAMPLES

Data = dict[str, Any]

# Example counts are multiplied by this under LZGEN_HYPOTHESIS_PROFILE=thorough.
THOROUGH_FACTOR = 10
PROFILE_ENV = "LZGEN_HYPOTHESIS_PROFILE"


def examples(ci_count: int, *also_suppress: HealthCheck) -> settings:
    """Settings for a property run `ci_count` times in CI, more under the thorough profile."""
    factor = THOROUGH_FACTOR if os.environ.get(PROFILE_ENV) == "thorough" else 1
    suppressed = [*settings.default.suppress_health_check, *also_suppress]
    return settings(max_examples=ci_count * factor, suppress_health_check=suppressed)


# A few real regions (cfn-lint knows them; few, so that its per-region runners stay cached).
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
MAX_OU_DEPTH = DEFAULTS["ou_depth"].value
MAX_TAGS = DEFAULTS["tags_per_entity"].value
PER_TARGET = {name: DEFAULTS[per_target_quota(name)].value for name in POLICY_TYPES}

LOWER, UPPER, DIGITS = string.ascii_lowercase, string.ascii_uppercase, string.digits


def word(first: str, rest: str, max_rest: int, min_rest: int = 0
         ) -> st.SearchStrategy[str]:
    """One character of `first`, then `min_rest` to `max_rest` characters of `rest` (a fast
    stand-in for st.from_regex with such simple patterns)."""
    return st.builds(lambda a, b: a + b, st.sampled_from(first),
                     st.text(rest, min_size=min_rest, max_size=max_rest))


# --- small values ---------------------------------------------------------------------------

_TAG_SYMBOLS = "_.:/=+-@"
# AWS's tag pattern is [\p{L}\p{Z}\p{N}_.:/=+\-@]*: any letter, separator or number. A fixed
# pool keeps drawing fast; it holds the awkward members of each class: title-case and modifier
# letters, letters outside the BMP, non-ASCII digits and numbers, and every kind of separator.
_UNICODE_LETTERS = "éßøÆĳǅʰ中ひ한ﬁ\U0001d400\U00020000"
_UNICODE_NUMBERS = "٣५²½Ⅻ\U0001d7d8"
_UNICODE_SEPARATORS = "\u00a0\u2009\u3000\u2028\u2029"
_TAG_ALPHABET = (string.ascii_letters + string.digits + " " + _TAG_SYMBOLS + _UNICODE_LETTERS
                 + _UNICODE_NUMBERS + _UNICODE_SEPARATORS)
tag_keys = st.text(_TAG_ALPHABET, min_size=1, max_size=128).filter(
    lambda key: not key.lower().startswith("aws:"))
tag_values = st.text(_TAG_ALPHABET, max_size=256)


def tag_maps(max_size: int = 4, fill: bool = True) -> st.SearchStrategy[dict[str, str]]:
    """Tags of one entity; now and then exactly the quota of 50 (with `fill`)."""
    normal = st.dictionaries(tag_keys, tag_values, max_size=max_size)
    if not fill:
        return normal
    full = st.lists(tag_keys, min_size=MAX_TAGS, max_size=MAX_TAGS, unique=True).map(
        lambda keys: {key: f"v{index}" for index, key in enumerate(keys)})
    return st.one_of(normal, normal, normal, full)


_NAME_CHARS = string.ascii_letters + string.digits + " -_.éßø"
_ASCII_NAME_CHARS = string.ascii_letters + string.digits + " -_.+=,@"


def _has_alnum(text: str) -> bool:
    return any(c.isascii() and c.isalnum() for c in text)


def _trimmed(text: str) -> bool:
    return text == text.strip()


ou_names = st.one_of(
    word(UPPER, LOWER + UPPER + DIGITS, 11),
    st.text(_NAME_CHARS, min_size=1, max_size=128),
    word(UPPER, LOWER, 127, 100),
).filter(lambda n: _has_alnum(n) and _trimmed(n) and n.lower() != "root")
account_names = st.one_of(
    word(LOWER, LOWER + DIGITS + "-", 15),
    st.text(_ASCII_NAME_CHARS, min_size=1, max_size=50),
    word(LOWER, LOWER + "-", 49, 40),
).filter(lambda n: _has_alnum(n) and _trimmed(n))
policy_names = st.one_of(
    word(LOWER, LOWER + DIGITS + "-", 20),
    st.text(_NAME_CHARS, min_size=1, max_size=128),
    word(LOWER, LOWER + "-", 127, 100),
).filter(lambda n: _has_alnum(n) and _trimmed(n))
email_domains = st.builds(lambda name, tld: f"{name.rstrip('-')}x.{tld}",
                          word(LOWER, LOWER + DIGITS + "-", 10),
                          st.sampled_from(["example", "test", "org"]))
email_locals = word(LOWER + DIGITS, LOWER + DIGITS + "+_-", 20)
# Printable text for descriptions and names of people and places.
_TEXT_ALPHABET = (string.ascii_letters + string.digits + " .,;:!?'\"()[]{}<>&%$#/\\|-_*"
                  + _UNICODE_LETTERS + _UNICODE_NUMBERS + "\u00a0")
free_text = st.text(_TEXT_ALPHABET, max_size=40).map(str.strip)
account_ids = st.text(DIGITS, min_size=12, max_size=12)
role_names = st.text(LOWER + UPPER + DIGITS + "+=,.@_-", min_size=1, max_size=40)
role_arns = st.one_of(
    st.builds(lambda name: f"arn:aws:iam::*:role/{name}", role_names),
    st.builds(lambda acct, name: f"arn:aws:iam::{acct}:role/{name}", account_ids, role_names),
)
actions = st.builds(
    lambda service, verb, star: f"{service}:{verb}{'*' if star else ''}",
    st.sampled_from(["s3", "ec2", "iam", "organizations", "cloudtrail", "kms", "lambda",
                     "bedrock", "dynamodb", "sts"]),
    word(UPPER, LOWER + UPPER, 20, 2),
    st.booleans(),
)
resource_types = st.sampled_from(["ec2:instance", "ec2:volume", "s3:bucket", "rds:db",
                                  "secretsmanager:ALL_SUPPORTED", "dynamodb:table",
                                  "lambda:function"])
phones = word("123456789", DIGITS, 13, 7).map(lambda n: "+" + n)
country_codes = st.sampled_from(["US", "DE", "FR", "GB", "JP", "BR", "AU", "IN"])


# --- the OU tree ----------------------------------------------------------------------------


@dataclass
class _Names:
    """Names given so far, by the logical ID they become (which must stay distinct)."""

    used: set[str]

    def take(self, prefix: str, name: str) -> bool:
        logical = logical_id(prefix, name)
        if logical in self.used:
            return False
        self.used.add(logical)
        return True


@st.composite
def ou_trees(draw: st.DrawFn, max_ous: int = 12) -> tuple[Data, list[str]]:
    """(organizational_units mapping, OU paths) with depth <= 5; sometimes exactly 5."""
    names = _Names(set())
    paths: list[str] = []
    budget = draw(st.integers(0, max_ous))

    def children(parent: str, depth: int, wanted: int) -> Data:
        tree: Data = {}
        for _ in range(wanted):
            if len(paths) >= budget:
                break
            name = draw(ou_names)
            path = name if not parent else f"{parent}/{name}"
            if name in tree or not names.take("Ou", path):
                continue
            paths.append(path)
            spec: Data = {}
            if draw(st.booleans()):
                spec["description"] = draw(free_text)
            if depth == 1 and draw(st.booleans()):
                spec["environment"] = draw(st.sampled_from(
                    ["prod", "non-prod", "sandbox", "shared", "dev", "test", "staging"]))
            if draw(st.integers(0, 3)) == 0:
                spec["tags"] = draw(tag_maps(3, fill=False))
            if depth < MAX_OU_DEPTH:
                below = children(path, depth + 1, draw(st.integers(0, 2)))
                if below:
                    spec["children"] = below
            tree[name] = spec
        return tree

    tree = children("", 1, draw(st.integers(0, max_ous)))
    if draw(st.integers(0, 4)) == 0 and len(paths) < budget + MAX_OU_DEPTH:
        _add_deepest_chain(tree, paths, names)
    return tree, paths


def _add_deepest_chain(tree: Data, paths: list[str], names: _Names) -> None:
    """A chain of OUs exactly at the depth quota, the boundary the checks must accept."""
    level = tree
    parent = ""
    for depth in range(1, MAX_OU_DEPTH + 1):
        name = f"Deep{depth}"
        path = name if not parent else f"{parent}/{name}"
        if name not in level:
            if not names.take("Ou", path):
                return
            level[name] = {}
            paths.append(path)
        level = level[name].setdefault("children", {})
        parent = path
    _drop_empty_children(tree)


def _drop_empty_children(tree: Data) -> None:
    for spec in tree.values():
        if "children" in spec:
            if spec["children"]:
                _drop_empty_children(spec["children"])
            else:
                del spec["children"]


# --- policies -------------------------------------------------------------------------------


@st.composite
def condition_blocks(draw: st.DrawFn) -> Data:
    kind = draw(st.sampled_from(["arn", "region", "bool", "tag"]))
    if kind == "arn":
        operator = draw(st.sampled_from(["ArnNotLike", "ArnLike", "ArnEquals"]))
        return {operator: {"aws:PrincipalARN": draw(st.lists(role_arns, min_size=1,
                                                              max_size=3))}}
    if kind == "region":
        operator = draw(st.sampled_from(["StringNotEquals", "StringEquals"]))
        return {operator: {"aws:RequestedRegion": draw(st.lists(
            st.sampled_from(REGIONS), min_size=1, max_size=3, unique=True))}}
    if kind == "bool":
        return {"Bool": {"aws:SecureTransport": draw(st.sampled_from(["false", "true"]))}}
    return {"StringEquals": {"aws:PrincipalTag/team": draw(word(LOWER, LOWER, 9))}}


@st.composite
def scp_documents(draw: st.DrawFn) -> Data:
    statements = []
    for index in range(draw(st.integers(1, 4))):
        statement: Data = {}
        if draw(st.booleans()):
            statement["Sid"] = f"Statement{index}"
        statement["Effect"] = draw(st.sampled_from(["Allow", "Deny"]))
        action_list = draw(st.lists(actions, min_size=1, max_size=5, unique=True))
        key = draw(st.sampled_from(["Action", "NotAction"]))
        statement[key] = action_list[0] if len(action_list) == 1 and draw(
            st.booleans()) else action_list
        statement["Resource"] = draw(st.sampled_from(
            ["*", ["*"], ["arn:aws:s3:::audit-logs", "arn:aws:s3:::audit-logs/*"]]))
        if draw(st.integers(0, 2)) == 0:
            statement["Condition"] = draw(condition_blocks())
        if statement["Effect"] == "Deny":
            _spare_lzgen_roles(statement)
        statements.append(statement)
    single = len(statements) == 1 and draw(st.booleans())
    return {"Version": "2012-10-17", "Statement": statements[0] if single else statements}


# The roles lzgen's StackSets and alerts act as in member accounts: a valid blueprint's Deny
# statements spare them, or check LZ316 refuses the blueprint (as the docs advise users).
LZGEN_ROLE_ARNS = ["arn:aws:iam::*:role/stacksets-exec-*",
                   "arn:aws:iam::*:role/lzgen-root-activity-*"]


def _spare_lzgen_roles(statement: Data) -> None:
    condition = statement.setdefault("Condition", {})
    exempt = condition.setdefault("ArnNotLike", {})
    listed = exempt.get("aws:PrincipalARN", [])
    listed = [listed] if isinstance(listed, str) else list(listed)
    exempt["aws:PrincipalARN"] = listed + [a for a in LZGEN_ROLE_ARNS if a not in listed]


@st.composite
def tag_policy_documents(draw: st.DrawFn) -> Data:
    keys = draw(st.lists(word(LOWER + UPPER, LOWER + UPPER + DIGITS + "_.:-", 20),
                         min_size=1, max_size=4, unique_by=str.lower))
    tags: Data = {}
    for key in keys:
        entry: Data = {"tag_key": {"@@assign": key}}
        if draw(st.booleans()):
            value = st.builds(lambda v, star: v + ("*" if star else ""),
                              st.text(LOWER + UPPER + DIGITS + "-", min_size=1, max_size=10),
                              st.booleans())
            values = draw(st.lists(value, min_size=1, max_size=4, unique=True))
            entry["tag_value"] = {"@@assign": values}
        if draw(st.booleans()):
            entry["enforced_for"] = {"@@assign": draw(st.lists(resource_types, min_size=1,
                                                                max_size=3, unique=True))}
        tags[key.lower()] = entry
    return {"tags": tags}


@st.composite
def rcp_documents(draw: st.DrawFn) -> Data:
    statements = []
    for index in range(draw(st.integers(1, 3))):
        services = draw(st.lists(st.sampled_from(sorted(RCP_SERVICES)), min_size=1,
                                 max_size=4, unique=True))
        statement: Data = {"Sid": f"Rcp{index}", "Effect": "Deny", "Principal": "*",
                           "Action": [f"{service}:*" for service in services],
                           "Resource": "*"}
        if draw(st.booleans()):
            statement["Condition"] = {"StringNotEqualsIfExists": {
                "aws:PrincipalOrgID": draw(word(LOWER + DIGITS, LOWER + DIGITS, 11, 9)
                                           .map(lambda w: f"o-{w}"))}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


_EC2_SETTINGS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("image_block_public_access", "state"): ("unblocked", "block_new_sharing"),
    ("snapshot_block_public_access", "state"): ("block_all_sharing", "block_new_sharing",
                                                 "unblocked"),
    ("serial_console_access", "status"): ("enabled", "disabled"),
    ("instance_metadata_defaults", "http_tokens"): ("no_preference", "required", "optional"),
    ("instance_metadata_defaults", "http_put_response_hop_limit"): ("-1", "1", "2", "64"),
    ("vpc_block_public_access", "internet_gateway_block", "mode"): (
        "off", "block_ingress", "block_bidirectional"),
}


@st.composite
def declarative_ec2_documents(draw: st.DrawFn) -> Data:
    chosen = draw(st.lists(st.sampled_from(sorted(_EC2_SETTINGS)), min_size=1, unique=True))
    attributes: Data = {}
    for path in chosen:
        node = attributes
        for key in path[:-1]:
            node = node.setdefault(key, {})
        setting: Data = {"@@assign": draw(st.sampled_from(_EC2_SETTINGS[path]))}
        if draw(st.booleans()):
            setting["@@operators_allowed_for_child_policies"] = ["@@none"]
        node[path[-1]] = setting
    return {"ec2_attributes": attributes}


ai_opt_out_documents = st.sampled_from([
    {"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}},
    {"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}},
                  "lex": {"opt_out_policy": {"@@assign": "optIn"}}}},
])

# Values for each parameter of the built-in policies, by parameter name.
_PARAM_ITEMS: dict[str, st.SearchStrategy[str]] = {
    "exempt_role_arns": role_arns,
    "break_glass_role_arns": role_arns,
    "allowed_regions": st.sampled_from(REGIONS),
    "extra_global_actions": actions,
    "role_names": st.one_of(role_names, st.builds(lambda n: f"service-role/{n}", role_names)),
    "trusted_account_ids": account_ids,
    "services": st.sampled_from(["kms", "s3", "secretsmanager", "sqs", "sts", "dynamodb"]),
}
# Values of the string parameters, by parameter name.
_PARAM_STRINGS: dict[str, st.SearchStrategy[str]] = {
    "organization_id": word(LOWER + DIGITS, LOWER + DIGITS, 11, 9).map(lambda w: f"o-{w}"),
    "exempt_resource_tag": st.sampled_from(["dp:exclude", "data-perimeter-exempt"]),
    "exception_message": st.sampled_from(["", "Ask the platform team", "Blocked by policy"]),
    "snapshot_state": st.sampled_from(["block_all_sharing", "block_new_sharing"]),
    "hop_limit": st.sampled_from(["-1", "1", "2", "64"]),
}


def unknown_builtin_params() -> set[str]:
    """Parameters of the library this file cannot fill: a test fails when one appears."""
    declared = {(b.name, p.name, p.kind) for b in BUILTINS.values() for p in b.params.values()}
    return {f"{b}.{p}" for b, p, kind in declared if
            (kind == "string" and p not in _PARAM_STRINGS) or
            (kind == "string_list" and p not in _PARAM_ITEMS)}


@st.composite
def builtin_specs(draw: st.DrawFn) -> Data:
    builtin = BUILTINS[draw(st.sampled_from(sorted(BUILTINS)))]
    params: Data = {}
    for param in builtin.params.values():
        if not param.required and draw(st.booleans()):
            continue
        if param.kind == "bool":
            params[param.name] = draw(st.booleans())
        elif param.kind == "string":
            params[param.name] = draw(_PARAM_STRINGS[param.name])
        else:
            params[param.name] = draw(st.lists(_PARAM_ITEMS[param.name], min_size=1,
                                               max_size=3))
    spec: Data = {"type": builtin.type, "builtin": builtin.name}
    if params:
        spec["parameters"] = params
    return spec


@st.composite
def custom_specs(draw: st.DrawFn) -> Data:
    # SCPs twice as often as any other type; every type of the registry can be drawn.
    policy_type = draw(st.sampled_from(["scp", *sorted(SPECS)]))
    drawn = {"scp": scp_documents, "rcp": rcp_documents, "tag": tag_policy_documents,
             "declarative_ec2": declarative_ec2_documents,
             "ai_opt_out": lambda: ai_opt_out_documents}
    document = (drawn[policy_type]() if policy_type in drawn
                else st.just(SAMPLES[policy_type]))
    return {"type": policy_type, "content": draw(document)}


class _Attachments:
    """Counts policies per (target, type), so that no target exceeds its quota."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}

    def room(self, target: str, policy_type: str) -> bool:
        # FullAWSAccess and RCPFullAWSAccess take one place each.
        limit = PER_TARGET[policy_type] - (1 if policy_type in ("scp", "rcp") else 0)
        return self.counts.get((target, policy_type), 0) < limit

    def add(self, target: str, policy_type: str) -> None:
        self.counts[(target, policy_type)] = self.counts.get((target, policy_type), 0) + 1


@st.composite
def policy_maps(draw: st.DrawFn, targets: list[str], attached: _Attachments,
                max_policies: int = 8) -> Data:
    names = _Names(set())
    policies: Data = {}
    for _ in range(draw(st.integers(0, max_policies))):
        name = draw(policy_names)
        if name == TAGGING_POLICY or not names.take("Policy", name):
            continue
        spec = draw(st.one_of(builtin_specs(), custom_specs()))
        if draw(st.booleans()):
            spec["description"] = draw(st.text(_TEXT_ALPHABET + _UNICODE_SEPARATORS,
                                               max_size=80))
        wanted = draw(st.lists(st.sampled_from(targets), max_size=4, unique=True))
        attach = [t for t in wanted if attached.room(t, spec["type"])]
        for target in attach:
            attached.add(target, spec["type"])
        spec["attach"] = attach
        if draw(st.integers(0, 3)) == 0:
            spec["tags"] = draw(tag_maps(3, fill=False))
        policies[name] = spec
    if draw(st.integers(0, 5)) == 0:
        _crowd_one_target(draw, policies, names, draw(st.sampled_from(targets)), attached)
    return policies


def _crowd_one_target(draw: st.DrawFn, policies: Data, names: _Names, target: str,
                      attached: _Attachments) -> None:
    """Attach SCPs to `target` until it holds exactly the quota (with FullAWSAccess)."""
    index = 0
    while attached.room(target, "scp"):
        name = f"crowd-{index:02d}"
        index += 1
        if name in policies or not names.take("Policy", name):
            continue
        policies[name] = {"type": "scp", "content": draw(scp_documents()), "attach": [target]}
        attached.add(target, "scp")


# --- accounts and the seed sections ---------------------------------------------------------


@st.composite
def account_maps(draw: st.DrawFn, domain: str, ou_paths: list[str], management: str, *,
                 environments: dict[str, str], foundational: bool, min_accounts: int = 0,
                 max_accounts: int = 12) -> Data:
    names = _Names({logical_id("Account", management)})
    emails = {f"aws-management@{domain}"}
    accounts: Data = {}
    wanted: list[tuple[str | None, Purpose | None]] = []
    if foundational:
        wanted = [("log-archive", Purpose.LOG_ARCHIVE),
                  ("security-tooling", Purpose.SECURITY_TOOLING),
                  (draw(st.sampled_from(["network", "shared-services", "backup"])),
                   draw(st.sampled_from(sorted(INFRASTRUCTURE_PURPOSES))))]
    count = draw(st.integers(min_accounts, max_accounts))
    wanted += [(None, None)] * count
    for fixed_name, purpose in wanted:
        name = fixed_name or draw(account_names)
        if fixed_name and (name == management or logical_id("Account", name) in names.used):
            name = f"{fixed_name}-account"  # the management account took the name
        if name == management or not names.take("Account", name):
            continue
        local = f"aws-{fixed_name}" if fixed_name else draw(email_locals)
        email = f"{local}@{domain}"
        if email.lower() in emails or not 6 <= len(email) <= 64:
            email = f"aws-{len(emails):04d}@{domain}"
        emails.add(email.lower())
        ou = draw(st.sampled_from(["root", *ou_paths]))
        account: Data = {"email": email, "ou": ou}
        if purpose is not None:
            account["purpose"] = purpose.value
        elif draw(st.integers(0, 3)) == 0:
            account["purpose"] = draw(st.sampled_from(
                [p.value for p in Purpose if p not in (Purpose.LOG_ARCHIVE,
                                                       Purpose.SECURITY_TOOLING)]))
        if ou in environments and draw(st.booleans()):
            account["environment"] = environments[ou]
        if draw(st.integers(0, 4)) == 0:
            account["role_name"] = draw(role_names)
        if draw(st.integers(0, 2)) == 0:
            account["tags"] = draw(tag_maps(4))
        if draw(st.integers(0, 6)) == 0:
            account["contacts"] = {"security": draw(contacts(domain))}
        accounts[name] = account
    index = 0
    while len(accounts) < min_accounts:  # drawn names may have clashed
        name, index = f"member-{index}", index + 1
        email = f"aws-{name}@{domain}"
        if name != management and email not in emails and names.take("Account", name):
            emails.add(email)
            accounts[name] = {"email": email, "ou": "root"}
    return accounts


def _environments(tree: Data, parent: str = "", inherited: str | None = None
                  ) -> dict[str, str]:
    """OU path -> the environment it declares or inherits."""
    result: dict[str, str] = {}
    for name, spec in tree.items():
        path = name if not parent else f"{parent}/{name}"
        env = spec.get("environment", inherited)
        if env is not None:
            result[path] = env
        result.update(_environments(spec.get("children", {}), path, env))
    return result


def group_emails(domain: str) -> st.SearchStrategy[str]:
    return email_locals.map(lambda local: f"aws-{local}@{domain}"[-64:]).filter(
        lambda email: email.count("@") == 1 and not email.startswith("."))


@st.composite
def contacts(draw: st.DrawFn, domain: str) -> Data:
    return {"name": draw(free_text.filter(bool)), "title": draw(free_text.filter(bool)),
            "email": draw(group_emails(domain)), "phone": draw(phones)}


@st.composite
def root_access_sections(draw: st.DrawFn, domain: str) -> Data:
    device_types = draw(st.lists(st.sampled_from([t.value for t in MfaDeviceType]),
                                 min_size=1, max_size=3, unique=True))
    return {
        "start_date": draw(st.dates(datetime.date(2024, 1, 1), datetime.date(2030, 12, 31))),
        "test_interval_months": draw(st.integers(1, 12)),
        "vault": {"name": draw(free_text.filter(bool)), "depends_on_aws": False,
                  "custodians": draw(st.lists(free_text.filter(bool), min_size=2, max_size=3,
                                              unique=True)),
                  "access_logged": True},
        "mfa": {"devices_per_root_user": draw(st.integers(2, 8)), "device_types": device_types,
                "primary": device_types[0], "storage": draw(free_text)},
        "recovery_phone": {"storage": draw(free_text), "bill_owner": draw(free_text)},
        "alert_recipients": draw(st.lists(group_emails(domain), min_size=1, max_size=3)),
        "escalation": draw(free_text),
        "centralized": {"credentials_management": draw(st.booleans()),
                        "root_sessions": draw(st.booleans())},
    }


@st.composite
def contacts_sections(draw: st.DrawFn, domain: str) -> Data:
    section: Data = {}
    if draw(st.booleans()):
        section["primary"] = {
            "full_name": draw(free_text.filter(bool)), "company_name": draw(free_text),
            "phone": draw(phones), "address_line1": draw(free_text.filter(bool)),
            "city": draw(free_text.filter(bool)),
            "postal_code": draw(st.text(DIGITS + UPPER, min_size=3, max_size=8)),
            "country_code": draw(country_codes),
            "website_url": draw(st.sampled_from(["", "https://www.example.com"])),
        }
    alternate = {kind: draw(contacts(domain)) for kind in ("billing", "operations", "security")
                 if draw(st.booleans())}
    if alternate:
        section["alternate"] = alternate
    return section


def _pick_account(draw: st.DrawFn, accounts: Data, purpose: str | None = None) -> str | None:
    """An existing account for a reference, preferring one with `purpose`; None if none."""
    preferred = sorted(n for n, a in accounts.items() if a.get("purpose") == purpose)
    candidates = preferred or sorted(accounts)
    return draw(st.sampled_from(candidates)) if candidates else None


@st.composite
def services_sections(draw: st.DrawFn, accounts: Data) -> Data:
    section: Data = {}
    for service in ("cloudtrail", "config", "guardduty", "securityhub", "access_analyzer"):
        if not draw(st.booleans()):
            continue
        settings_: Data = {"trusted_access": True}
        admin = _pick_account(draw, accounts, Purpose.SECURITY_TOOLING.value)
        if admin and draw(st.booleans()):
            settings_["delegated_admin"] = admin
        section[service] = settings_
    archive = _pick_account(draw, accounts, Purpose.LOG_ARCHIVE.value)
    if archive and draw(st.booleans()):
        section["organization_trail"] = {
            "enabled": True, "log_archive_account": archive,
            "name": draw(st.builds("-".join, st.lists(
                st.text(LOWER + DIGITS, min_size=3, max_size=10), min_size=1, max_size=3)))}
    return section


@st.composite
def alerts_sections(draw: st.DrawFn, domain: str, accounts: Data) -> Data:
    section: Data = {"mfa_detection": {"enabled": draw(st.booleans())}}
    host = _pick_account(draw, accounts, Purpose.SECURITY_TOOLING.value)
    if host and draw(st.booleans()):
        section["root_activity"] = {"enabled": True, "email": draw(group_emails(domain)),
                                    "account": host}
    return section


@st.composite
def billing_sections(draw: st.DrawFn, domain: str) -> Data:
    section: Data = {}
    if draw(st.booleans()):
        section["read_only_principals"] = draw(st.lists(role_arns.filter(
            lambda arn: "::*:" not in arn), max_size=2))
    budgets = draw(st.dictionaries(word(LOWER, LOWER + DIGITS + "-", 20),
                                   st.builds(lambda amount, thresholds, emails: {
                                       "amount": amount, "currency": "USD",
                                       "thresholds": thresholds, "emails": emails},
                                       st.integers(1, 1_000_000),
                                       st.lists(st.integers(1, 200), min_size=1, max_size=3,
                                                unique=True).map(sorted),
                                       st.lists(group_emails(domain), min_size=1,
                                                max_size=2)),
                                   max_size=2))
    # Budget names become logical IDs, which must differ ('b' and 'b-' do not: LZ108).
    names = _Names(set())
    budgets = {name: budget for name, budget in budgets.items() if names.take("Budget", name)}
    if budgets:
        section["budgets"] = budgets
    if draw(st.booleans()):
        section["cost_anomaly"] = {"enabled": True, "threshold": draw(st.integers(1, 10_000)),
                                   "emails": draw(st.lists(group_emails(domain), min_size=1,
                                                           max_size=2))}
    return section


@st.composite
def tagging_sections(draw: st.DrawFn, targets: list[str], attached: _Attachments) -> Data:
    keys = draw(st.lists(word(LOWER, LOWER + DIGITS + "-", 15), min_size=1,
                         max_size=3, unique=True))
    rules: Data = {}
    for key in keys:
        rule: Data = {}
        if draw(st.booleans()):
            rule["key"] = key.capitalize()
        if draw(st.booleans()):
            rule["values"] = draw(st.lists(st.text(LOWER + DIGITS + "-", min_size=1, max_size=10),
                                           min_size=1, max_size=4, unique=True))
        if draw(st.booleans()):
            rule["enforced_for"] = draw(st.lists(resource_types, min_size=1, max_size=2,
                                                 unique=True))
        rule["required"] = draw(st.booleans())
        rules[key] = rule
    wanted = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=2, unique=True))
    attach = [t for t in wanted if attached.room(t, "tag")] or []
    for target in attach:
        attached.add(target, "tag")
    return {"tags": rules, "attach": attach}


def settle_tags(data: Data, ou_paths: list[str]) -> None:
    """Make the accounts' and OUs' tags agree with every tag policy of the blueprint."""
    _keep_tag_policies_clear_of_tagging(data)
    _keep_tags_clear_of_tag_policies(data, ou_paths)
    _carry_required_tags(data, ou_paths)


def _keep_tag_policies_clear_of_tagging(data: Data) -> None:
    """Rename the keys of custom tag policies that the tagging section also governs.

    Issue 14: a custom policy could govern a key the tagging section requires (say 'Ab' with
    values [x] where tagging requires 'ab'); the effective policy then took the custom spelling
    or values, and the tags _carry_required_tags wrote broke it (LZ310), now and then."""
    tagging = data.get("tagging")
    if not tagging:
        return
    taken = {(rule.get("key") or name).lower() for name, rule in tagging["tags"].items()}
    for spec in data.get("policies", {}).values():
        if spec["type"] != "tag" or "content" not in spec:
            continue
        renamed: Data = {}
        for entry in spec["content"]["tags"].values():
            spelling = entry["tag_key"]["@@assign"]
            while spelling.lower() in taken or spelling.lower() in renamed:
                spelling += "x"
            renamed[spelling.lower()] = {**entry, "tag_key": {"@@assign": spelling}}
        spec["content"]["tags"] = renamed


def _carry_required_tags(data: Data, ou_paths: list[str]) -> None:
    """Every account and OU carries the required tags of the tagging strategy."""
    tagging = data.get("tagging")
    if not tagging:
        return
    required = {rule.get("key") or name: (rule.get("values") or ["yes"])[0]
                for name, rule in tagging["tags"].items() if rule.get("required")}
    if not required:
        return
    entities = [*data["accounts"].values(), *(_ou_spec(data, p) for p in ou_paths)]
    for entity in entities:
        tags = {k: v for k, v in entity.get("tags", {}).items()
                if k.lower() not in {r.lower() for r in required}}
        while len(tags) + len(required) > MAX_TAGS:
            tags.pop(next(iter(tags)))
        entity["tags"] = {**tags, **required}


def _keep_tags_clear_of_tag_policies(data: Data, ou_paths: list[str]) -> None:
    """Drop random tags of accounts and OUs whose key a tag policy governs (LZ310 holds them
    to the policy's spelling and values); _carry_required_tags adds compliant ones back."""
    governed = {key.lower() for spec in data.get("policies", {}).values()
                if spec["type"] == "tag" and "content" in spec
                for key in spec["content"]["tags"]}
    tagging = data.get("tagging")
    if tagging:
        governed |= {(rule.get("key") or name).lower() for name, rule in tagging["tags"].items()}
    entities = [*data["accounts"].values(), *(_ou_spec(data, p) for p in ou_paths)]
    for entity in entities:
        if "tags" in entity:
            entity["tags"] = {k: v for k, v in entity["tags"].items()
                              if k.lower() not in governed}


def _ou_spec(data: Data, path: str) -> Data:
    level = data["organizational_units"]
    parts = path.split("/")
    for part in parts[:-1]:
        level = level[part]["children"]
    spec: Data = level[parts[-1]]
    return spec


@st.composite
def stackset_sections(draw: st.DrawFn) -> Data:
    return {"operation_preferences": {
        "region_concurrency": draw(st.sampled_from(["PARALLEL", "SEQUENTIAL"])),
        "failure_tolerance_percentage": draw(st.integers(0, 100)),
        "max_concurrent_percentage": draw(st.integers(1, 100)),
    }}


# --- the whole blueprint --------------------------------------------------------------------


@st.composite
def blueprints(draw: st.DrawFn, *, min_accounts: int = 0, max_accounts: int = 12,
               max_ous: int = 12, max_policies: int = 8, seed_sections: bool = True) -> Data:
    """A valid blueprint as plain data, keys in the order a person would write them."""
    org_name = draw(word(LOWER, LOWER + DIGITS + "-", 15))
    domain = draw(email_domains)
    regions = draw(st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3, unique=True))
    management = draw(account_names)
    organization: Data = {
        "name": org_name, "home_region": regions[0], "regions": regions,
        "email_domain": domain,
        "management_account": {"name": management, "email": f"aws-management@{domain}"},
    }
    if draw(st.booleans()):
        organization["tags"] = draw(tag_maps(4))
    tree, ou_paths = draw(ou_trees(max_ous))
    # The seed wants log archive, security tooling and infrastructure accounts (LZ221); now
    # and then a blueprint goes without and accepts the exception instead.
    foundational = draw(st.integers(0, 4)) > 0
    accounts = draw(account_maps(domain, ou_paths, management, environments=_environments(tree),
                                 foundational=foundational, min_accounts=min_accounts,
                                 max_accounts=max_accounts))
    targets = ["root", *(f"ou:{p}" for p in ou_paths), *(f"account:{n}" for n in accounts)]
    attached = _Attachments()
    data: Data = {"version": 1, "organization": organization}
    if tree or draw(st.booleans()):
        data["organizational_units"] = tree
    data["accounts"] = accounts
    data["policies"] = draw(policy_maps(targets, attached, max_policies))
    detach = _detachable(data["policies"])
    if detach and draw(st.booleans()):
        data["full_aws_access"] = {"detach": draw(st.lists(st.sampled_from(detach),
                                                           min_size=1, unique=True))}
    if draw(st.booleans()):
        data["layout"] = {"account_stacks": draw(st.integers(1, 6)),
                          "ou_stacks_per_level": draw(st.integers(1, 3)),
                          "policy_stacks": draw(st.integers(1, 3))}
    if seed_sections:
        _add_seed_sections(draw, data, domain, targets, attached)
    settle_tags(data, ou_paths)
    if not foundational:
        data["exceptions"] = {"SEED-9.1": {
            "reason": "a test organization without foundational accounts",
            "approved_by": "the property tests"}}
    return data


def _detachable(policies: Data) -> list[str]:
    """Targets where an explicit full-aws-access SCP can stand in for FullAWSAccess."""
    return sorted({t for p in policies.values() if p.get("builtin") == "full-aws-access"
                   for t in p["attach"]})


def _add_seed_sections(draw: st.DrawFn, data: Data, domain: str, targets: list[str],
                       attached: _Attachments) -> None:
    accounts = data["accounts"]
    optional: list[tuple[str, Callable[[], st.SearchStrategy[Data]]]] = [
        ("root_access", lambda: root_access_sections(domain)),
        ("contacts", lambda: contacts_sections(domain)),
        ("alerts", lambda: alerts_sections(domain, accounts)),
        ("services", lambda: services_sections(accounts)),
        ("billing", lambda: billing_sections(domain)),
        ("tagging", lambda: tagging_sections(targets, attached)),
        ("stacksets", stackset_sections),
    ]
    for key, section in optional:
        if draw(st.integers(0, 2)) == 0:
            data[key] = draw(section())


# --- rewriting a blueprint without changing its meaning -------------------------------------

# Mappings whose order carries no meaning, as paths with '*' for any key.
UNORDERED: tuple[tuple[str, ...], ...] = (
    ("organizational_units",), ("accounts",), ("policies",), ("organization", "tags"),
    ("accounts", "*"), ("accounts", "*", "tags"), ("policies", "*"), ("policies", "*", "tags"),
    ("policies", "*", "content"), ("policies", "*", "parameters"),
    ("billing", "budgets"), ("tagging", "tags"), ("services",), ("organization",),
)


def shuffled(data: Any, rng: random.Random, path: tuple[str, ...] = ()) -> Any:
    """A copy of `data` with the order-free mappings listed in a random order."""
    if isinstance(data, list):
        return [shuffled(item, rng, (*path, "#")) for item in data]
    if not isinstance(data, dict):
        return data
    items = [(k, shuffled(v, rng, (*path, _step(path, k)))) for k, v in data.items()]
    if _unordered(path):
        rng.shuffle(items)
    return dict(items)


def _step(path: tuple[str, ...], key: str) -> str:
    # OU names inside the tree are wildcards, so that every level is shuffled.
    if path and path[-1] in ("organizational_units", "children"):
        return "*ou"
    return key


def _unordered(path: tuple[str, ...]) -> bool:
    if path and path[-1] in ("organizational_units", "children", "tags", "*ou"):
        return True
    if "content" in path:
        return True
    return any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path, strict=True))
               for p in UNORDERED)


def paths_of(tree: Data, parent: str = "") -> Iterable[str]:
    for name, spec in tree.items():
        path = name if not parent else f"{parent}/{name}"
        yield path
        yield from paths_of(spec.get("children", {}), path)
