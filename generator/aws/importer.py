"""`lzgen import`: a live organization (generator/aws/live.py) as a blueprint a person could
have written, and `lzgen drift`'s view of the live organization as a resolved `Organization`.

Everything here is pure: the live organization comes in as data. Policies whose document is
exactly a built-in's (rendered with parameters read back from the document) become `builtin:`
entries; the others are written as JSON files in `policies/` beside the blueprint.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml.representer import SafeRepresenter

from generator.aws.live import LiveAccount, LiveOrganization, LivePolicy
from generator.baseline import SERVICE_PRINCIPALS, trail_account
from generator.blueprint.schema import SUSPENDED_OU, Environment, Purpose
from generator.model import ROOT, Organization

EXEMPT_CONDITION = ("ArnNotLike", "aws:PrincipalARN")
REGION_CONDITION = ("StringNotEquals", "aws:RequestedRegion")
_ROLE_ARN_PREFIX = "arn:aws:iam::*:role/"
# Names that say plainly what an account is for (compared without separators or case).
_PURPOSE_WORDS = {
    "logarchive": Purpose.LOG_ARCHIVE, "log": Purpose.LOG_ARCHIVE,
    "logging": Purpose.LOG_ARCHIVE, "securitytooling": Purpose.SECURITY_TOOLING,
    "audit": Purpose.SECURITY_TOOLING, "security": Purpose.SECURITY_TOOLING,
    "network": Purpose.NETWORK, "networking": Purpose.NETWORK,
    "sharedservices": Purpose.SHARED_SERVICES, "backup": Purpose.BACKUP,
    "identity": Purpose.IDENTITY, "monitoring": Purpose.MONITORING,
    "operationstooling": Purpose.OPERATIONS_TOOLING, "deployments": Purpose.DEPLOYMENTS,
    "sandbox": Purpose.SANDBOX,
}
_ENVIRONMENT_WORDS = {
    "prod": Environment.PROD, "production": Environment.PROD, "nonprod": Environment.NON_PROD,
    "staging": Environment.STAGING, "test": Environment.TEST, "dev": Environment.DEV,
    "development": Environment.DEV, "sandbox": Environment.SANDBOX,
    "shared": Environment.SHARED,
}


@dataclass
class Imported:
    """A blueprint as plain data, the policy files it references and notes for its reader."""

    data: dict[str, Any]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # relative path -> JSON
    notes: list[str] = field(default_factory=list)


# --- built-in policies ------------------------------------------------------------------------

def recognise_builtin(policy_type: str, document: dict[str, Any]
                      ) -> tuple[str, dict[str, Any]] | None:
    """The built-in (and its parameters) that renders exactly `document`, if any."""
    from generator.policies.library import BUILTINS, PolicyParamError, render

    wanted = _canonical(document)
    for name, builtin in sorted(BUILTINS.items()):
        if builtin.type != policy_type:
            continue
        for params in _candidate_parameters(name, builtin.params, document):
            try:
                rendered = render(name, params)
            except PolicyParamError:
                continue
            if _canonical(rendered) == wanted:
                return name, params
    return None


def _candidate_parameters(name: str, declared: dict[str, Any],
                          document: dict[str, Any]) -> list[dict[str, Any]]:
    if "allow_child_opt_in" in declared:
        return [{}, {"allow_child_opt_in": True}]
    if "organization_id" in declared:
        return [_without_defaults(declared, _perimeter_parameters(document))]
    if "lock" in declared:
        return [_without_defaults(declared, _ec2_parameters(document))]
    statements = _statements(document)
    params: dict[str, Any] = {}
    for param in declared:
        values: list[str] = []
        if param in ("exempt_role_arns", "break_glass_role_arns"):
            values = _condition_values(statements, EXEMPT_CONDITION)
        elif param == "allowed_regions":
            values = _condition_values(statements, REGION_CONDITION)
        elif param == "role_names":
            values = [r.removeprefix(_ROLE_ARN_PREFIX) for s in statements
                      for r in _as_list(s.get("Resource")) if r.startswith(_ROLE_ARN_PREFIX)]
        elif param == "extra_global_actions":
            from generator.policies.documents import GLOBAL_SERVICE_ACTIONS

            values = [a for s in statements for a in _as_list(s.get("NotAction"))
                      if a not in GLOBAL_SERVICE_ACTIONS]
        if values:
            params[param] = sorted(set(values))
    # The built-ins append lzgen's own roles to the exemptions; the blueprint may list them
    # itself too (then the first candidate matches).
    from generator.policies.documents import ALERT_ROLE_ARN, STACKSETS_EXEC_ARN

    machinery = {ALERT_ROLE_ARN, STACKSETS_EXEC_ARN}
    stripped = {k: [v for v in values if v not in machinery] if k in _EXEMPTIONS else values
                for k, values in params.items()}
    stripped = {k: v for k, v in stripped.items() if v}
    return [params] if stripped == params else [params, stripped]


_EXEMPTIONS = ("exempt_role_arns", "break_glass_role_arns")
_ORGANIZATION_KEYS = ("aws:PrincipalOrgID", "aws:SourceOrgID")
_ACCOUNT_KEYS = ("aws:PrincipalAccount", "aws:SourceAccount")
_RESOURCE_TAG = "aws:ResourceTag/"
# The declarative-policy parameters that are a setting's value, and the setting they set.
_EC2_SETTINGS = {"snapshot_state": ("snapshot_block_public_access", "state"),
                 "hop_limit": ("instance_metadata_defaults", "http_put_response_hop_limit")}


def _perimeter_parameters(document: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a data-perimeter RCP, read from its one statement."""
    from generator.policies.perimeter import STS_PRINCIPAL_ACTIONS

    params: dict[str, Any] = {}
    for statement in _statements(document)[:1]:
        actions = _as_list(statement.get("Action"))
        params["services"] = sorted({"sts" if action in STS_PRINCIPAL_ACTIONS
                                     else str(action).split(":", 1)[0] for action in actions})
        outside = (statement.get("Condition") or {}).get("StringNotEqualsIfExists", {})
        for key, value in outside.items():
            if key in _ORGANIZATION_KEYS:
                params["organization_id"] = value
            elif key in _ACCOUNT_KEYS:
                params["trusted_account_ids"] = sorted(map(str, _as_list(value)))
            elif key.startswith(_RESOURCE_TAG):
                params["exempt_resource_tag"] = key.removeprefix(_RESOURCE_TAG)
    return params


def _ec2_parameters(document: dict[str, Any]) -> dict[str, Any]:
    """The parameters of an EC2 declarative built-in, read from its settings."""
    from generator.policies.grammar import CHILD_CONTROL

    attributes = document.get("ec2_attributes") or {}
    params: dict[str, Any] = {}
    message = (attributes.get("exception_message") or {}).get("@@assign")
    if message is not None:
        params["exception_message"] = message
    settings = [setting for name, group in attributes.items() if name != "exception_message"
                and isinstance(group, dict) for setting in group.values()
                if isinstance(setting, dict)]
    params["lock"] = any(CHILD_CONTROL in setting for setting in settings)
    for param, (group, name) in _EC2_SETTINGS.items():
        value = (attributes.get(group) or {}).get(name, {}).get("@@assign")
        if value is not None:
            params[param] = value
    return params


def _without_defaults(declared: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """What a person would write: parameters at their default values left out."""
    def default(name: str) -> Any:
        value = declared[name].default
        return sorted(value) if isinstance(value, tuple) else value

    return {name: params[name] for name in declared
            if name in params and params[name] != default(name)}


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


def _condition_values(statements: list[dict[str, Any]], where: tuple[str, str]) -> list[str]:
    operator, key = where
    return [str(v) for s in statements
            for v in _as_list((s.get("Condition") or {}).get(operator, {}).get(key))]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


# --- the tagging strategy ---------------------------------------------------------------------

def tagging_section(document: dict[str, Any], targets: list[str]) -> dict[str, Any] | None:
    """The `tagging` section whose tag policy is exactly `document`, if there is one."""
    from generator.blueprint.schema import Tagging
    from generator.policies.errors import PolicyParamError
    from generator.policies.strategy import tagging_document

    tags: dict[str, Any] = {}
    for entry in (document.get("tags") or {}).values():
        if not isinstance(entry, dict):
            return None
        key = (entry.get("tag_key") or {}).get("@@assign")
        if not isinstance(key, str):
            return None
        enforced = (entry.get("enforced_for") or {}).get("@@assign", [])
        rule: dict[str, Any] = {}
        if "tag_value" in entry:
            rule["values"] = (entry["tag_value"] or {}).get("@@assign", [])
        if enforced:
            rule["enforced_for"] = enforced
        if enforced and "report_required_tag_for" not in entry:
            rule["required"] = False
        tags[key] = rule
    section = {"attach": targets, "tags": tags}
    try:
        rendered = tagging_document(Tagging.model_validate(section))
    except (ValueError, PolicyParamError):
        return None
    return section if _canonical(rendered) == _canonical(document) else None


# --- guesses ----------------------------------------------------------------------------------

def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def guess_purpose(name: str) -> Purpose | None:
    """Only from plain names: 'log-archive', 'acme-security-tooling', 'sandbox-builders'."""
    words = _words(name)
    if "".join(words) in _PURPOSE_WORDS:
        return _PURPOSE_WORDS["".join(words)]
    pairs = ["".join(words[i:i + 2]) for i in range(len(words) - 1)]
    singles = [w for w in words if w not in ("log", "security", "logging")]
    for word in pairs + singles:
        if word in _PURPOSE_WORDS:
            return _PURPOSE_WORDS[word]
    return None


def guess_environment(name: str, tags: dict[str, str]) -> Environment | None:
    """From an `environment` tag, else from the name's last word (Prod, NonProd, ...)."""
    for key, value in tags.items():
        if key.lower() in ("environment", "env") and value.lower() in _ENVIRONMENT_WORDS:
            return _ENVIRONMENT_WORDS[value.lower()]
    words = _words(name)
    joined = "".join(words)
    if joined in _ENVIRONMENT_WORDS:
        return _ENVIRONMENT_WORDS[joined]
    if words and words[-1] in _ENVIRONMENT_WORDS and len(words) > 1:
        return _ENVIRONMENT_WORDS[words[-1]]
    return None


def guess_name(live: LiveOrganization) -> str:
    """The organization's short name: the management account's first word, else 'org'."""
    words = _words(live.management.name)
    name = words[0] if words and words[0] not in ("management", "master", "root") else "org"
    return name if re.fullmatch(r"[a-z][a-z0-9-]{0,31}", name) else "org"


# --- the blueprint ----------------------------------------------------------------------------

def import_blueprint(live: LiveOrganization, *, name: str | None = None,
                     home_region: str = "us-east-1") -> Imported:
    """The blueprint of a live organization, as plain data with its policy files."""
    imported = Imported({"version": 1})
    for api_type in live.unknown_policy_types:
        imported.notes.append(f"policy type {api_type} is enabled in the organization but this "
                              "lzgen does not know it: its policies are NOT in this blueprint; "
                              "upgrade lzgen and import again")
    policies, tagging, regions = _import_policies(live, imported)
    emails = [a.email for a in live.accounts.values()] + [live.management.email]
    domain = Counter(e.rpartition("@")[2].lower() for e in emails).most_common(1)[0][0]
    region_list = [home_region, *sorted(r for r in regions if r != home_region)]
    organization: dict[str, Any] = {
        "name": name or guess_name(live), "home_region": home_region, "regions": region_list,
        "email_domain": domain,
        "management_account": {"name": live.management.name, "email": live.management.email},
    }
    if live.root_tags:
        organization["tags"] = dict(live.root_tags)
    imported.data["organization"] = organization
    imported.data["organizational_units"] = _ou_tree(live)
    imported.data["accounts"] = {n: _account(a) for n, a in live.accounts.items()}
    imported.data["policies"] = policies
    detached = [t for t in live.all_targets if t not in live.full_aws_access]
    if detached:
        imported.data["full_aws_access"] = {"detach": detached}
    services = _services(live, imported.notes)
    if services:
        imported.data["services"] = services
    if tagging is not None:
        imported.data["tagging"] = tagging
    return imported


def _ou_tree(live: LiveOrganization) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    nodes: dict[str, dict[str, Any]] = {}
    for path, ou in live.ous.items():  # sorted: parents before children
        node: dict[str, Any] = {}
        environment = guess_environment(ou.name, ou.tags)
        if environment is not None:
            node["environment"] = environment.value
        if ou.tags:
            node["tags"] = dict(ou.tags)
        nodes[path] = node
        if ou.parent == ROOT:
            tree[ou.name] = node
        else:
            nodes[ou.parent].setdefault("children", {})[ou.name] = node
    return tree


def _account(account: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"email": account.email, "ou": account.ou}
    if account.status in ("PENDING_CLOSURE", "SUSPENDED"):
        entry["state"] = "closed"  # AWS still lists it through the post-closure period
    purpose = guess_purpose(account.name)
    if purpose is not None:
        entry["purpose"] = purpose.value
    environment = guess_environment(account.name, account.tags)
    if environment is not None:
        entry["environment"] = environment.value
    if account.tags:
        entry["tags"] = dict(account.tags)
    return entry


def _import_policies(live: LiveOrganization, imported: Imported
                     ) -> tuple[dict[str, Any], dict[str, Any] | None, list[str]]:
    from generator.policies.strategy import TAGGING_POLICY

    policies: dict[str, Any] = {}
    tagging: dict[str, Any] | None = None
    regions: list[str] = []
    for name, policy in live.policies.items():
        if name == TAGGING_POLICY and policy.type == "tag":
            tagging = tagging_section(policy.document, list(policy.targets))
            if tagging is not None:
                continue
        entry = _policy_entry(policy, imported)
        if entry.get("builtin") == "deny-outside-regions":
            regions += entry["parameters"]["allowed_regions"]
        policies[name] = entry
    return policies, tagging, regions


def _policy_entry(policy: LivePolicy, imported: Imported) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": policy.type}
    if policy.description:
        entry["description"] = policy.description
    builtin = recognise_builtin(policy.type, policy.document)
    if builtin is not None:
        entry["builtin"] = builtin[0]
        if builtin[1]:
            entry["parameters"] = builtin[1]
    else:
        relative = f"policies/{policy.name}.json"
        imported.files[relative] = policy.document
        entry["file"] = relative
    if policy.targets:
        entry["attach"] = list(policy.targets)
    if policy.tags:
        entry["tags"] = dict(policy.tags)
    return entry


def _services(live: LiveOrganization, notes: list[str]) -> dict[str, Any]:
    services: dict[str, Any] = {}
    known: set[str] = set()
    for service, principals in SERVICE_PRINCIPALS.items():
        known.update(principals)
        trusted = any(p in live.trusted_access for p in principals)
        admins = sorted({n for p in principals for n in live.delegated_admins.get(p, [])})
        if not trusted and not admins:
            continue
        settings: dict[str, Any] = {}
        if admins:
            settings["delegated_admin"] = admins[0]
        services[service] = settings
    others = [p for p in live.trusted_access if p not in known]
    if others:
        notes.append("trusted access is also enabled for services lzgen does not manage "
                     f"in `services`: {', '.join(others)}")
    return services


# --- writing it -------------------------------------------------------------------------------

_SECTION_COMMENTS = {
    "organization": "The organization; `name` prefixes every stack (lzgen-NAME-...). Regions "
                    "come from a deny-outside-regions policy, if there is one.",
    "organizational_units": "The OU tree as it is. Environments are guessed only from "
                            "`environment` tags and plain names (Prod, NonProd, ...).",
    "accounts": "Member accounts (the management account is under `organization`). Purposes "
                "are guessed from plain names only; the rest are workloads.",
    "policies": "Customer-managed policies. Documents that are exactly a built-in's are "
                "written as `builtin:`; the others are files in policies/.",
    "full_aws_access": "Where AWS's FullAWSAccess SCP was detached.",
    "services": "Trusted access and delegated administrators of the services lzgen manages.",
    "tagging": "The tagging strategy, read back from the tag policy `tagging-strategy`.",
}


def render_blueprint(imported: Imported, organization_id: str,
                     findings: list[Any] | None = None) -> str:
    """The blueprint as commented YAML (deterministic: same organization, same text)."""
    lines = [f"# Imported by `lzgen import` from AWS organization {organization_id}.",
             "# Review the guessed purposes and environments, add descriptions, and run",
             "# `lzgen validate` and `lzgen drift` on it before managing the organization with it."]
    lines += [f"# Note: {note}" for note in imported.notes]
    lines += _exception_suggestions(findings or [])
    lines.append("version: 1")
    for section, value in imported.data.items():
        if section == "version":
            continue
        lines += ["", *_comment(_SECTION_COMMENTS.get(section, "")), *_yaml(section, value)]
    return "\n".join(lines) + "\n"


def _exception_suggestions(findings: list[Any]) -> list[str]:
    errors = [f for f in findings if f.is_error]
    if not errors:
        return []
    lines = ["#", "# The organization as it is breaks these lzgen checks:"]
    lines += [f"#   {f.rule}: {f.message}" for f in errors]
    from generator.checks import RULES

    # A rule that enforces a seed recommendation gives way to an accepted exception of it.
    seeds = [RULES[f.rule].seed if f.rule in RULES else None for f in errors]
    suggested = sorted({seed for seed in seeds if seed is not None})
    if suggested:
        lines += ["# To accept them as they are, add (with your own reason and approver):",
                  "# exceptions:"]
        lines += [f"#   {seed}: {{reason: organization imported as it was built, "
                  "approved_by: TODO}" for seed in suggested]
    return lines


def _comment(text: str) -> list[str]:
    import textwrap

    return [f"# {line}" for line in textwrap.wrap(text, 96)] if text else []


# Text that reads back as itself when written plain; anything else is double-quoted, with
# escapes. ruamel writes some text plain that its own parser refuses (a key ':x' in a flow
# mapping) or changes (U+2028 inside single quotes becomes a line break).
_PLAIN_TEXT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ ./@+=-]*(?<! )$")


class _QuotingRepresenter(SafeRepresenter):
    pass


def _represent_text(representer: Any, text: str) -> Any:
    style = None if _PLAIN_TEXT.match(text) else '"'
    return representer.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_QuotingRepresenter.add_representer(str, _represent_text)


def _yaml(key: str, value: Any) -> list[str]:
    from io import StringIO

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.Representer = _QuotingRepresenter
    yaml.default_flow_style = None  # leaves in flow style, the rest in blocks
    yaml.width = 100
    stream = StringIO()
    yaml.dump({key: value}, stream)
    return stream.getvalue().rstrip("\n").splitlines()


def write_import(imported: Imported, text: str, path: Path) -> list[Path]:
    """Write the blueprint and its policy files; returns what was written."""
    written = []
    for relative, document in sorted(imported.files.items()):
        target = path.parent / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n",
                          encoding="utf-8")
        written.append(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [path, *written]


# --- drift: the live organization in the blueprint's terms ------------------------------------

def live_organization(live: LiveOrganization, base: Organization) -> Organization:
    """The live organization as a resolved Organization, with what the API cannot show
    (descriptions, purposes, role names, contacts, the baseline sections) taken from the
    blueprint, so that a diff against it shows only what really differs."""
    from generator.blueprint.loader import Document
    from generator.blueprint.parse import parse
    from generator.model import resolve

    blueprint = base.blueprint
    live, shown_as = _by_blueprint_keys(live, base)
    if not live.tags_read:
        live = _tags_from_blueprint(live, base)
    imported = import_blueprint(live, name=blueprint.organization.name,
                                home_region=blueprint.organization.home_region)
    data = imported.data
    for key, entry in data["accounts"].items():
        _account_as_blueprint(entry, live.accounts[key], shown_as.get(key, key),
                              blueprint.accounts.get(key))
    settings = blueprint.organization.model_dump(mode="json", exclude={"tags"})
    data["organization"] = {**settings, "tags": dict(live.root_tags)}
    _keep_ou_settings(data["organizational_units"], blueprint.organizational_units, "")
    for name, entry in data["accounts"].items():
        known = blueprint.accounts.get(name)
        if known is not None:
            entry.update(known.model_dump(mode="json", include={"purpose", "environment",
                                                               "role_name", "contacts"},
                                          exclude_none=True))
    for name, entry in data["policies"].items():
        if "file" in entry:
            entry["content"] = imported.files[entry.pop("file")]
        known_policy = base.policies.get(name)
        if known_policy is not None and known_policy.document is not None \
                and _canonical(known_policy.document) == _canonical(_document_of(entry)):
            for source in ("builtin", "parameters", "content"):
                entry.pop(source, None)
            entry.update(known_policy.spec.model_dump(
                mode="json", include={"builtin", "parameters", "file", "content"},
                exclude_none=True, exclude_defaults=True))
            if "file" in entry:
                entry["content"] = known_policy.document
                del entry["file"]
    for section in ("quotas", "layout", "root_access", "contacts", "alerts", "billing",
                    "stacksets", "exceptions"):
        data[section] = getattr(blueprint, section).model_dump(mode="json") \
            if hasattr(getattr(blueprint, section), "model_dump") \
            else getattr(blueprint, section)
    services = data.setdefault("services", {})
    if trail_account(base) is not None and blueprint.services.cloudtrail is None:
        # The organization trail turns on trusted access for CloudTrail by itself
        # (generator/synth/services.py): the blueprint means it without a `services.cloudtrail`,
        # and only its absence is drift.
        if services.get("cloudtrail") == {}:
            del services["cloudtrail"]
        elif "cloudtrail" not in services:
            services["cloudtrail"] = {"trusted_access": False}
    if blueprint.services.organization_trail is not None:
        services["organization_trail"] = blueprint.services.organization_trail.model_dump(
            mode="json")
    strategy = live.policies.get("tagging-strategy")
    known_strategy = base.policies.get("tagging-strategy")
    if "tagging" in data and blueprint.tagging is not None and strategy is not None \
            and known_strategy is not None and known_strategy.document is not None \
            and _canonical(known_strategy.document) == _canonical(strategy.document):
        data["tagging"] = {**blueprint.tagging.model_dump(mode="json"),
                           "attach": data["tagging"]["attach"]}
    if "tagging" not in data and blueprint.tagging is not None \
            and "tagging-strategy" not in data["policies"]:
        data["tagging"] = {"attach": [], "tags": {}}
    data = {k: v for k, v in data.items() if v is not None}
    doc = Document("<live organization>", data, base_dir=base.doc.base_dir)
    return resolve(parse(doc), doc)


def _by_blueprint_keys(live: LiveOrganization, base: Organization
                       ) -> tuple[LiveOrganization, dict[str, str]]:
    """The live organization with its accounts under their blueprint keys, found by the name
    they show (a key or a `name:`) or else by root email; and key -> the name AWS shows."""
    by_name: dict[str, str] = {}
    by_email: dict[str, str] = {}
    for key, spec in base.blueprint.accounts.items():
        by_name.setdefault(spec.display_name(key), key)
        by_name.setdefault(key, key)
        for email in (spec.email, spec.template_email()):
            by_email.setdefault(email.lower(), key)
    key_of: dict[str, str] = {}
    for name, account in live.accounts.items():
        key = by_name.get(name) or by_email.get(account.email.lower()) or name
        key_of[name] = key if key not in key_of.values() else name
    if all(k == n for n, k in key_of.items()):
        return live, {}

    def target(item: str) -> str:
        kind, _, name = item.partition(":")
        return f"account:{key_of.get(name, name)}" if kind == "account" else item

    accounts = {key_of[n]: replace(a, name=key_of[n]) for n, a in live.accounts.items()}
    policies = {n: replace(p, targets=tuple(sorted(target(t) for t in p.targets)))
                for n, p in live.policies.items()}
    changed = replace(
        live, accounts=dict(sorted(accounts.items())), policies=policies,
        full_aws_access=tuple(sorted(target(t) for t in live.full_aws_access)),
        delegated_admins={p: sorted(key_of.get(n, n) for n in names)
                          for p, names in live.delegated_admins.items()})
    return changed, {key_of[n]: n for n in live.accounts if key_of[n] != n}


def _tags_from_blueprint(live: LiveOrganization, base: Organization) -> LiveOrganization:
    """The live organization read without tags, with the blueprint's tags on what the
    blueprint has: tags not read are not compared (`lzgen drift --tags` reads them)."""
    accounts = base.blueprint.accounts
    return replace(
        live, root_tags=dict(base.blueprint.organization.tags),
        ous={p: replace(o, tags=dict(base.ous[p].spec.tags)) if p in base.ous else o
             for p, o in live.ous.items()},
        accounts={n: replace(a, tags=dict(accounts[n].tags)) if n in accounts else a
                  for n, a in live.accounts.items()},
        policies={n: replace(p, tags=dict(base.policies[n].spec.tags))
                  if n in base.policies else p for n, p in live.policies.items()})


def _account_as_blueprint(entry: dict[str, Any], account: LiveAccount, shown_as: str,
                          known: Any) -> None:
    """What the API shows of an account, in the terms of its blueprint entry: its name,
    the email it was created with, and its state."""
    if shown_as != account.name:
        entry["name"] = shown_as
    elif known is not None and known.name is not None and known.name == account.name:
        entry["name"] = known.name
    if known is not None and known.created_email is not None:
        entry["created_email"] = known.created_email
    if entry.get("state") == "closed":
        pass
    elif known is not None and known.state.value == "suspended" \
            and entry.get("ou") == SUSPENDED_OU:
        entry["state"], entry["ou"] = "suspended", known.ou


def _document_of(entry: dict[str, Any]) -> dict[str, Any]:
    from generator.policies.library import render

    if "content" in entry:
        return dict(entry["content"])
    return render(entry["builtin"], entry.get("parameters", {}))


def _keep_ou_settings(tree: dict[str, Any], known: dict[str, Any], prefix: str) -> None:
    for name, node in tree.items():
        spec = known.get(name)
        if spec is None:
            continue
        node.pop("environment", None)
        if spec.environment is not None:
            node["environment"] = spec.environment.value
        if spec.description:
            node["description"] = spec.description
        _keep_ou_settings(node.get("children", {}), spec.children, f"{prefix}{name}/")
