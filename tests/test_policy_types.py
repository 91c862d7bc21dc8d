"""Every Organizations policy type, read as AWS reads it: the registry, each type through
validation and synth, and the real-policy defects of issue 12, each with its regression test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator import api
from generator.aws.live import botocore_policy_types
from generator.contract import POLICY_TYPE_API
from generator.findings import Finding, Severity
from generator.policies.types import SPECS, validate
from generator.quotas import DEFAULTS
from tests.helpers import BLUEPRINTS, findings_of
from tests.policy_samples import SAMPLES


def test_registry_covers_exactly_botocores_policy_types() -> None:
    assert sorted(POLICY_TYPE_API.values()) == sorted(botocore_policy_types())
    assert set(SPECS) == set(POLICY_TYPE_API)


def test_management_types_are_those_describe_effective_policy_accepts() -> None:
    import botocore.session

    model = botocore.session.get_session().get_service_model("organizations")
    effective = set(model.shape_for("EffectivePolicyType").enum)
    assert {s.api for s in SPECS.values() if s.describe_effective} == effective


@pytest.mark.parametrize("name", sorted(POLICY_TYPE_API))
def test_every_type_has_quotas_a_sample_and_a_grammar(name: str) -> None:
    spec = SPECS[name]  # type: ignore[index]
    assert DEFAULTS[spec.size_quota].value > 0
    assert DEFAULTS[spec.per_target_quota].value > 0
    assert validate(name, SAMPLES[name]) == []
    assert validate(name, []) != []  # not an object


def _blueprint(tmp_path: Path, policies: str, files: dict[str, str] | None = None) -> Path:
    base = (BLUEPRINTS / "minimal.yaml").read_text(encoding="utf-8")
    path = tmp_path / "blueprint.yaml"
    path.write_text(base.rstrip() + "\n" + policies, encoding="utf-8")
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return path


def _inline(name: str, policy_type: str, document: Any) -> str:
    return (f"  {name}:\n    type: {policy_type}\n    content: {json.dumps(document)}\n"
            "    attach: [root]\n")


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def test_an_organization_with_every_type_generates(tmp_path: Path) -> None:
    policies = "".join(_inline(f"sample-{name.replace('_', '-')}", name, document)
                       for name, document in SAMPLES.items())
    out = tmp_path / "out"
    api.generate(_blueprint(tmp_path, policies), out)
    template = json.loads((out / "stacks" / "policies.json").read_text(encoding="utf-8"))
    types = {r["Properties"]["Type"] for r in template["Resources"].values()
             if r["Type"] == "AWS::Organizations::Policy"}
    assert types == set(POLICY_TYPE_API.values())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    enabled = {s["parameters"]["PolicyType"] for s in manifest["api_steps"]
               if s["action"] == "EnablePolicyType"}
    assert enabled == set(POLICY_TYPE_API.values())


# --- the real-policy defects of issue 12 ------------------------------------------------------

_TAG = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_supported-resources-enforcement.html"


def _tag_policy(*enforced_for: str) -> dict[str, Any]:
    return {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"},
                                    "enforced_for": {"@@assign": list(enforced_for)}}}}


def test_enforced_for_resource_types_with_a_slash_are_accepted() -> None:
    # AWS's enforcement list has resource types made of parts (see _TAG).
    document = _tag_policy("connect:instance/queue", "apigateway:restapis/stages",
                           "guardduty:detector/filter")
    assert validate("tag", document) == []


def test_service_star_in_enforced_for_is_a_warning_with_the_all_supported_hint(
        tmp_path: Path) -> None:
    findings = findings_of(_blueprint(tmp_path, _inline("tags", "tag", _tag_policy("ec2:*"))))
    found = [f for f in findings if f.rule == "LZ120"]
    assert [f.severity for f in found] == [Severity.WARNING]
    assert "ec2:ALL_SUPPORTED" in found[0].hint


def test_unknown_enforced_for_resource_type_is_refused_with_a_suggestion() -> None:
    problems = validate("tag", _tag_policy("ec2:instances"))
    assert len(problems) == 1 and not problems[0].warning
    assert "did you mean 'instance'" in problems[0].hint


def test_scp_condition_keys_may_hold_spaces() -> None:
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
        "Condition": {"Null": {"aws:RequestTag/Cost Center": "true"}}}]}
    assert validate("scp", document) == []


def test_a_statement_without_resource_or_not_resource_is_refused() -> None:
    document = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "iam:CreateUser"}]}
    problems = validate("scp", document)
    assert [(p.path, "Resource or NotResource" in p.message) for p in problems] == [
        (("Statement", 0), True)]


_DUPLICATE_SCP = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Deny",
      "Action": "*",
      "Resource": "*",
      "Action": "iam:CreateUser"
    }
  ]
}
"""


@pytest.mark.parametrize("policy_type", ["scp", "tag", "backup", "declarative_ec2"])
def test_duplicate_keys_in_a_policy_file_are_a_located_error(tmp_path: Path,
                                                             policy_type: str) -> None:
    text = (_DUPLICATE_SCP if policy_type == "scp"
            else json.dumps(SAMPLES[policy_type], indent=2)[:-2]
            + f',\n  "{next(iter(SAMPLES[policy_type]))}": {{}}\n}}\n')
    path = _blueprint(tmp_path, f"  dup:\n    type: {policy_type}\n    file: dup.json\n",
                      {"dup.json": text})
    errors = _errors(findings_of(path))
    assert [f.rule for f in errors] == ["LZ104"]
    location = errors[0].location
    assert Path(location.file).name == "dup.json"
    line = 8 if policy_type == "scp" else text.count("\n") - 1
    assert (location.line, location.column) == (line, 7 if policy_type == "scp" else 3)
    assert "duplicate key" in errors[0].message


def test_duplicate_keys_in_inline_content_are_a_located_error(tmp_path: Path) -> None:
    policies = ("  dup:\n    type: scp\n    content:\n      Version: '2012-10-17'\n"
                "      Statement:\n        - Effect: Deny\n          Action: '*'\n"
                "          Resource: '*'\n          Action: iam:CreateUser\n"
                "    attach: [root]\n")
    path = _blueprint(tmp_path, policies)
    findings = findings_of(path)
    assert findings and "duplicate key" in findings[0].message
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[findings[0].location.line - 1].strip() == "Action: iam:CreateUser"


def test_grammar_findings_of_a_policy_file_point_into_the_file(tmp_path: Path) -> None:
    text = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Deny",\n'
            '     "Action": "s3:*", "Resource": "*",\n     "Principal": "*"}\n  ]\n}\n')
    path = _blueprint(tmp_path, "  p:\n    type: scp\n    file: p.json\n    attach: [root]\n",
                      {"p.json": text})
    found = [f for f in findings_of(path) if f.rule == "LZ120"]
    assert len(found) == 1
    assert Path(found[0].location.file).name == "p.json"
    assert (found[0].location.line, found[0].location.column) == (6, 6)


def test_misspelt_backup_setting_keys_are_refused() -> None:
    document = json.loads(json.dumps(SAMPLES["backup"]))
    rule = document["plans"]["Daily"]["rules"]["Nightly"]
    rule["target_backup_vault"] = rule.pop("target_backup_vault_name")
    problems = validate("backup", document)
    assert problems[0].path == ("plans", "Daily", "rules", "Nightly", "target_backup_vault")
    assert "did you mean 'target_backup_vault_name'" in problems[0].hint


def test_unknown_ai_service_names_are_refused() -> None:
    document = {"services": {"rekognitoin": {"opt_out_policy": {"@@assign": "optOut"}}}}
    problems = validate("ai_opt_out", document)
    assert problems[0].path == ("services", "rekognitoin")
    assert "did you mean 'rekognition'" in problems[0].hint


# --- RCP and EC2 declarative grammars ---------------------------------------------------------

def _rcp(**statement: Any) -> dict[str, Any]:
    base = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    return {"Version": "2012-10-17", "Statement": [{**base, **statement}]}


@pytest.mark.parametrize(("statement", "fragment"), [
    ({"Principal": {"AWS": "arn:aws:iam::111122223333:root"}}, 'Principal must be "*"'),
    ({"Effect": "Allow"}, "Effect must be Deny"),
    ({"Action": "*"}, 'a bare "*" is not allowed'),
    ({"Action": "ec2:RunInstances"}, "does not support resource control policies"),
    ({"NotPrincipal": {"AWS": "*"}}, "NotPrincipal is not supported"),
    ({"Condition": {"StringEquals": {"ec2:Region": "x"}}}, "not a service RCPs support"),
])
def test_rcp_grammar_refuses(statement: dict[str, Any], fragment: str) -> None:
    document = _rcp(**statement)
    problems = validate("rcp", document)
    assert any(fragment in f"{p.message} {p.hint}" for p in problems), problems


def test_rcp_not_action_is_refused() -> None:
    document = _rcp()
    del document["Statement"][0]["Action"]
    document["Statement"][0]["NotAction"] = "s3:GetObject"
    messages = [p.message for p in validate("rcp", document)]
    assert any("NotAction is not supported" in m for m in messages)


@pytest.mark.parametrize(("attributes", "fragment"), [
    ({"instance_metadata_defaults": {"http_tokens": {"@@assign": "mandatory"}}},
     "not allowed here"),
    ({"instance_metadata_defaults": {"http_put_response_hop_limit": {"@@assign": "65"}}},
     "from -1 to 64"),
    ({"snapshot_block_public_access": {"status": {"@@assign": "block_all_sharing"}}},
     "unknown key 'status'"),
    ({"allowed_images_settings": {"image_criteria": {"criteria_11": {}}}}, "invalid name"),
])
def test_declarative_ec2_grammar_refuses(attributes: dict[str, Any], fragment: str) -> None:
    problems = validate("declarative_ec2", {"ec2_attributes": attributes})
    assert any(fragment in p.message for p in problems), problems


def test_attachments_count_rcp_full_aws_access(tmp_path: Path) -> None:
    rcp = SAMPLES["rcp"]
    policies = "".join(_inline(f"rcp-{i}", "rcp", rcp) for i in range(5))
    findings = [f for f in findings_of(_blueprint(tmp_path, policies)) if f.rule == "LZ111"]
    assert findings and "RCPFullAWSAccess" in findings[0].message


# --- diff: what weakens -----------------------------------------------------------------------

def test_an_rcp_loosened_weakens() -> None:
    from generator.diff.statements import document_diff

    head = json.loads(json.dumps(SAMPLES["rcp"]))
    head["Statement"][0]["Action"] = ["s3:*"]  # sqs no longer denied
    assert document_diff("rcp", SAMPLES["rcp"], head).weakening


@pytest.mark.parametrize(("policy_type", "edit", "fragment"), [
    ("declarative_ec2", lambda d: d["ec2_attributes"]["image_block_public_access"]["state"]
     .update({"@@assign": "unblocked"}), "public sharing of AMIs weakened"),
    ("declarative_ec2", lambda d: d["ec2_attributes"].pop("instance_metadata_defaults"),
     "IMDSv2 requirement weakened"),
    ("s3", lambda d: d["s3_attributes"]["public_access_block_configuration"]
     .update({"@@assign": "none"}), "S3 Block Public Access weakened"),
    ("securityhub", lambda d: d["securityhub"]["disable_in_regions"]
     .update({"@@assign": ["eu-west-1"]}), "now in eu-west-1"),
])
def test_a_protection_turned_off_weakens(policy_type: str, edit: Any, fragment: str) -> None:
    from generator.diff.statements import document_diff

    head = json.loads(json.dumps(SAMPLES[policy_type]))
    edit(head)
    weakening = document_diff(policy_type, SAMPLES[policy_type], head).weakening
    assert any(fragment in reason for reason in weakening), weakening


def test_a_stricter_declarative_policy_does_not_weaken() -> None:
    from generator.diff.statements import document_diff

    head = json.loads(json.dumps(SAMPLES["declarative_ec2"]))
    head["ec2_attributes"]["snapshot_block_public_access"] = {
        "state": {"@@assign": "block_all_sharing"}}
    assert document_diff("declarative_ec2", SAMPLES["declarative_ec2"], head).weakening == ()


def test_detaching_a_declarative_policy_or_an_rcp_weakens(tmp_path: Path) -> None:
    from generator.diff import Risk
    from generator.diff.sources import Source

    (tmp_path / "base").mkdir()
    policies = (_inline("ec2", "declarative_ec2", SAMPLES["declarative_ec2"])
                + _inline("rcp", "rcp", SAMPLES["rcp"]))
    base = _blueprint(tmp_path / "base", policies)
    (tmp_path / "head").mkdir()
    head = _blueprint(tmp_path / "head", policies.replace("[root]", "[]"))
    diff = api.diff(Source(base), Source(head))
    risks = {c.subject: (c.risk, c.reason) for c in diff.changes if c.action == "detached"}
    assert risks["ec2"][0] is Risk.WEAKENS and "public sharing of AMIs" in risks["ec2"][1]
    assert risks["rcp"][0] is Risk.WEAKENS


# --- effective policies ------------------------------------------------------------------------

def test_management_policies_fold_with_the_inheritance_operators() -> None:
    from generator.policies.merge import effective_policy

    root = {"securityhub": {"enable_in_regions": {"@@assign": ["us-east-1", "eu-west-1"]},
                            "disable_in_regions": {"@@assign": []}}}
    ou = {"securityhub": {"enable_in_regions": {"@@append": ["eu-central-1"]}}}
    account = {"securityhub": {"enable_in_regions": {"@@remove": ["us-east-1"]}}}
    assert effective_policy([[root], [ou], [account]]) == {"securityhub": {
        "disable_in_regions": [], "enable_in_regions": ["eu-west-1", "eu-central-1"]}}


def test_child_control_locks_a_setting_for_lower_levels_only() -> None:
    from generator.policies.merge import effective_policy

    root = {"s3_attributes": {"public_access_block_configuration": {
        "@@assign": "all", "@@operators_allowed_for_child_policies": ["@@none"]}}}
    same_level = {"s3_attributes": {"public_access_block_configuration": {"@@assign": "none"}}}
    child = {"s3_attributes": {"public_access_block_configuration": {"@@assign": "none"}}}
    # Within the root level the first @@assign wins; the lock binds the levels below.
    assert effective_policy([[root, same_level], [child]]) == {
        "s3_attributes": {"public_access_block_configuration": "all"}}
    assert effective_policy([[same_level], [child]]) == {
        "s3_attributes": {"public_access_block_configuration": "none"}}


def test_a_locked_container_refuses_new_entries_from_children() -> None:
    from generator.policies.merge import effective_policy

    root = {"ec2_attributes": {"@@operators_allowed_for_child_policies": ["@@none"],
                               "serial_console_access": {"status": {"@@assign": "disabled"}}}}
    child = {"ec2_attributes": {"image_block_public_access": {
        "state": {"@@assign": "unblocked"}}}}
    assert effective_policy([[root], [child]]) == {
        "ec2_attributes": {"serial_console_access": {"status": "disabled"}}}


def test_the_general_fold_compares_tag_policy_keys_without_case() -> None:
    # The tag fold is the general fold told that policy keys ignore case: a lock on
    # CostCenter at the root binds costcenter on the OU, and settings keep their case.
    from generator.policies.effective import tag_policy_key
    from generator.policies.merge import effective_policy

    root = {"tags": {"CostCenter": {"tag_value": {
        "@@assign": ["100"], "@@operators_allowed_for_child_policies": ["@@none"]}}}}
    ou = {"tags": {"costcenter": {"tag_value": {"@@assign": ["200"]}},
                   "Team": {"tag_key": {"@@assign": "Team"}}}}
    assert effective_policy([[root], [ou]], tag_policy_key) == {"tags": {
        "costcenter": {"tag_value": ["100"]}, "team": {"tag_key": "Team"}}}
    assert effective_policy([[root], [ou]]) == {"tags": {
        "CostCenter": {"tag_value": ["100"]}, "costcenter": {"tag_value": ["200"]},
        "Team": {"tag_key": "Team"}}}


def test_effective_policies_and_rcps_of_an_account(tmp_path: Path) -> None:
    from generator.inheritance import effective_policies, rcps_in_effect

    policies = "".join(_inline(name, name.replace("-", "_"), SAMPLES[name.replace("-", "_")])
                       for name in ("declarative-ec2", "rcp", "tag"))
    org = api.load(_blueprint(tmp_path, policies))
    effective = effective_policies(org, "app-prod")
    assert set(effective) == {"declarative_ec2", "tag"}
    assert effective["declarative_ec2"]["ec2_attributes"]["instance_metadata_defaults"] == {
        "http_tokens": "required", "http_put_response_hop_limit": "2"}
    assert set(rcps_in_effect(org, "app-prod")) == {"rcp", "RCPFullAWSAccess"}


# --- built-ins ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params"), [
    ("rcp-trusted-identities", {"organization_id": "o-abcdefghij"}),
    ("rcp-confused-deputy", {"organization_id": "o-abcdefghij",
                             "trusted_account_ids": ["111122223333"], "services": ["s3"]}),
    ("ec2-block-public-sharing", {"snapshot_state": "block_new_sharing"}),
    ("ec2-require-imdsv2", {"hop_limit": "1", "lock": False, "exception_message": "Ask us"}),
])
def test_perimeter_builtins_render_valid_documents(name: str, params: dict[str, Any]) -> None:
    from generator.policies.library import BUILTINS, render

    document = render(name, params)
    assert validate(BUILTINS[name].type, document) == []


def test_perimeter_builtins_protect_what_they_say() -> None:
    from generator.diff.protections import protections_set
    from generator.policies.library import render

    found = protections_set("declarative_ec2", render("ec2-block-public-sharing", {}))
    assert any("AMIs" in f for f in found) and any("snapshots" in f for f in found)
    found = protections_set("declarative_ec2", render("ec2-require-imdsv2", {}))
    assert any("IMDSv2" in f for f in found)


def test_perimeter_builtins_refuse_bad_parameters() -> None:
    from generator.policies.errors import PolicyParamError
    from generator.policies.library import render

    with pytest.raises(PolicyParamError):
        render("rcp-trusted-identities", {})  # the organization ID is required
    with pytest.raises(PolicyParamError):
        render("rcp-confused-deputy", {"organization_id": "o-abcdefghij",
                                       "services": ["ec2"]})  # not an RCP service


def test_builtins_are_off_unless_a_blueprint_names_them() -> None:
    org = api.load(BLUEPRINTS / "minimal.yaml")
    assert {p.spec.type for p in org.policies.values()} == {"scp"}
