"""Contacts and centralized root access become API steps; build() keeps each call once."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import api
from generator.synth import ApiStep, Build, build
from generator.synth.contacts import ACCOUNT_PRINCIPAL, IAM_PRINCIPAL
from tests.helpers import BLUEPRINTS, FIXTURES


def steps_of(path: Path) -> list[ApiStep]:
    return build(api.load(path)).api_steps


def test_contact_information_goes_to_every_account_by_name() -> None:
    steps = [s for s in steps_of(FIXTURES / "root-access.yaml")
             if s.action == "PutContactInformation"]
    assert [s.parameters.get("AccountId") for s in steps] == [
        None, "{{lzgen:account-id:app}}", "{{lzgen:account-id:log-archive}}",
        "{{lzgen:account-id:network}}", "{{lzgen:account-id:security-tooling}}"]
    assert {s.phase for s in steps} == {"after"}
    details = steps[0].parameters["ContactInformation"]
    assert details["PhoneNumber"] == "+14155550123"
    assert "StateOrRegion" not in details  # empty optional fields are left out


def test_trusted_access_for_account_management_comes_first() -> None:
    steps = steps_of(FIXTURES / "root-access.yaml")
    access = next(i for i, s in enumerate(steps) if s.parameters.get("ServicePrincipal")
                  == ACCOUNT_PRINCIPAL)
    assert steps[access].phase == "prepare"
    assert all(i > access for i, s in enumerate(steps) if s.service == "account")


def test_prepare_steps_are_listed_before_after_steps() -> None:
    phases = [s.phase for s in steps_of(BLUEPRINTS / "example.yaml")]
    assert "after" in phases
    assert phases == sorted(phases, key=lambda phase: phase != "prepare")


def test_account_contacts_override_the_organization_per_type() -> None:
    steps = [s for s in steps_of(BLUEPRINTS / "example.yaml")
             if s.action == "PutAlternateContact"]
    payments = {s.parameters["AlternateContactType"]: s.parameters["EmailAddress"]
                for s in steps
                if s.parameters.get("AccountId") == "{{lzgen:account-id:payments-prod}}"}
    assert payments == {"BILLING": "aws-billing@acme.example",
                        "OPERATIONS": "payments-oncall@acme.example",
                        "SECURITY": "aws-security@acme.example"}
    management = [s for s in steps if "AccountId" not in s.parameters]
    assert len(management) == 3
    assert len(steps) == 3 * 9


def test_no_contacts_no_account_steps() -> None:
    steps = steps_of(FIXTURES / "base.yaml")
    assert not [s for s in steps if s.service == "account"
                or s.parameters.get("ServicePrincipal") == ACCOUNT_PRINCIPAL]
    assert not [s for s in steps if s.service == "iam"]


def test_centralized_root_access_follows_the_plan(tmp_path: Path) -> None:
    steps = steps_of(FIXTURES / "root-access.yaml")
    actions = [s.action for s in steps if s.service == "iam"
               or s.parameters.get("ServicePrincipal") == IAM_PRINCIPAL]
    assert actions == ["EnableAWSServiceAccess", "EnableOrganizationsRootCredentialsManagement",
                       "EnableOrganizationsRootSessions"]
    text = (FIXTURES / "root-access.yaml").read_text().replace(
        "  escalation:", "  centralized: {credentials_management: false, root_sessions: false}\n"
        "  escalation:")
    path = tmp_path / "off.yaml"
    path.write_text(text)
    assert not [s for s in steps_of(path) if s.service == "iam"
                or s.parameters.get("ServicePrincipal") == IAM_PRINCIPAL]


def test_build_keeps_the_first_of_repeated_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.synth as build_module

    def twice(org: object, result: Build) -> None:
        result.api_steps.append(ApiStep("prepare", "organizations", "EnableAWSServiceAccess",
                                        {"ServicePrincipal": IAM_PRINCIPAL}, "first"))
        result.api_steps.append(ApiStep("prepare", "organizations", "EnableAWSServiceAccess",
                                        {"ServicePrincipal": IAM_PRINCIPAL}, "second reason"))

    original = build_module._builders
    monkeypatch.setattr(build_module, "_builders",
                        lambda: [*original(), twice])
    steps = build(api.load(FIXTURES / "root-access.yaml")).api_steps
    iam_access = [s for s in steps if s.parameters.get("ServicePrincipal") == IAM_PRINCIPAL]
    assert len(iam_access) == 1
    assert iam_access[0].reason == "centralized root access needs trusted access for IAM"
