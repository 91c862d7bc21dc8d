"""MFA detection: AWS Config managed rules that flag root users without (hardware) MFA.

Member accounts get the rules through a service-managed StackSet targeting the root (new
accounts included); the management account, which StackSets never reach, through the stack
that owns the StackSet. Both run in the home region only: the root user is global.

A Config rule needs a configuration recorder in its account and region: PutConfigRule fails
with NoAvailableConfigurationRecorderException otherwise
(https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigRule.html). Where lzgen
owns Config (config.py), these stacks come after its recorders; where another tool owns it
(`services.config.recorder: external`), deploy verifies the recorders first. With neither (no
log-archive bucket to deliver to), no rule is written and check LZ315 says why.
"""

from __future__ import annotations

from troposphere import Template
from troposphere.config import ConfigRule, Source

from generator.baseline import config_rules_possible, records_config, wants_hardware_mfa_rule
from generator.model import Organization
from generator.synth.config import STACK as CONFIG_STACK
from generator.synth.organization import new_template
from generator.synth.stacksets import (
    add_stackset,
    after_organization,
    deploy_parameters,
    every_member_account,
)
from generator.synth.types import Build, Stack

STACK = "mfa-detection"
PREREQUISITE = "AWS Config must be recording in the account and home region"
RECORDED_BY_LZGEN = "AWS Config recording by lzgen (stack config-recorder)"
RULES = {
    "RootAccountMfaEnabled": ("ROOT_ACCOUNT_MFA_ENABLED", "root-account-mfa-enabled",
                              "The root user signs in with MFA"),
    "RootAccountHardwareMfaEnabled": ("ROOT_ACCOUNT_HARDWARE_MFA_ENABLED",
                                      "root-account-hardware-mfa-enabled",
                                      "The root user signs in with a hardware MFA device only"),
}


def build_mfa_detection(org: Organization, build: Build) -> None:
    if not org.blueprint.alerts.mfa_detection.enabled or not config_rules_possible(org):
        return
    after = after_organization(build)
    prerequisite = PREREQUISITE
    if records_config(org):
        after, prerequisite = [*after, CONFIG_STACK], RECORDED_BY_LZGEN
    names = ["RootAccountMfaEnabled"]
    if wants_hardware_mfa_rule(org):
        names.append("RootAccountHardwareMfaEnabled")
    what = "Config rules that flag a root user without MFA"
    template = new_template(f"{what}, in the management account and (StackSet) every member "
                            f"account. Prerequisite: {prerequisite}")
    _add_rules(template, names)
    body = new_template(f"{what} (lzgen StackSet). Prerequisite: {prerequisite}")
    _add_rules(body, names)
    home = org.blueprint.organization.home_region
    add_stackset(org, build, (STACK, template), STACK, body,
                 targets=every_member_account(template), regions=[home],
                 description=f"{what}; needs Config recording", who="every member account")
    build.stacks.append(Stack(STACK, template.to_dict(), "Root MFA detection (Config rules)",
                              after, deploy_parameters(template), home))


def _add_rules(template: Template, names: list[str]) -> None:
    for logical_id in names:
        identifier, rule_name, description = RULES[logical_id]
        template.add_resource(ConfigRule(
            logical_id,
            ConfigRuleName=f"lzgen-{rule_name}",
            Description=description,
            Source=Source(Owner="AWS", SourceIdentifier=identifier),
            MaximumExecutionFrequency="TwentyFour_Hours",
        ))
