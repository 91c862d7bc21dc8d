"""`lzgen deploy`: the phases, in order.

1. checks: every API step has a handler; the live preconditions hold (preflight.py: the caller
   is the management account, delegated administrators, recorders, ...); no account, OU or
   policy would be removed or replaced (unless allowed) -- all before anything changes;
2. prepare: API steps of phase "prepare" that are not in place yet;
3. stacks, in manifest order, each through a change set; their StackSets' instances checked;
4. after: API steps of phase "after".

Every phase is idempotent, so a deploy that stopped part way is simply run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from generator.aws import accounts, stacksets
from generator.aws.converge import Convergence
from generator.aws.gateway import Gateway
from generator.aws.guard import destructive_changes
from generator.aws.manifest import Manifest, StackPlan, StackSetPlan, StepPlan
from generator.aws.moves import planned_moves
from generator.aws.preflight import preflight
from generator.aws.stacks import DeployedStack, StackOptions, Stacks
from generator.aws.steps import StepContext, StepHandler, ensure_known, handler_for
from generator.aws.tokens import ACCOUNT_NOT_FOUND, Resolver
from generator.aws.ui import DeployUi
from generator.errors import AwsError, RefusedError
from generator.synth.ids import ssm_name

accounts.register()  # the Account API's steps: renames, email changes, closures

# Errors of a read-only check that only mean "this needs what an earlier step or stack
# creates": the step is pending, and checked again just before it runs.
_NOT_YET = frozenset({ACCOUNT_NOT_FOUND, "AWSOrganizationsNotInUseException",
                      "OrganizationalUnitNotFound", "ServiceAccessNotEnabledException",
                      "OrganizationNotFoundException"})


# The deployer passes its options to its stacks unchanged: one type serves both.
DeployOptions = StackOptions


@dataclass
class DeployReport:
    steps_applied: list[str] = field(default_factory=list)
    steps_pending: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)  # drift put back (aws/converge.py)
    stacks: dict[str, str] = field(default_factory=dict)
    instance_failures: list[stacksets.InstanceFailure] = field(default_factory=list)


@dataclass
class _Pending:
    step: StepPlan
    handler: StepHandler
    context: StepContext
    parameters: dict[str, Any]
    checked: bool = True  # False: its check needed what an earlier step creates


class Deployer:
    def __init__(self, manifest: Manifest, gateway: Gateway, ui: DeployUi,
                 options: DeployOptions) -> None:
        self.manifest, self.gateway, self.ui, self.options = manifest, gateway, ui, options
        self.resolver = Resolver(gateway, ids_prefix=ssm_name(manifest.organization, ""))
        self.stacks = Stacks(gateway, self.resolver, ui, options)
        self.report = DeployReport()

    def run(self) -> DeployReport:
        ensure_known(list(self.manifest.steps))
        if not self.options.dry_run and not self.ui.can_confirm:
            raise RefusedError("deploy asks before it executes anything, and there is no "
                               "terminal to ask on",
                               "review with --dry-run, then run again with --yes")
        self.ui.phase(f"lzgen deploy: {self.manifest.organization}"
                      f"{' (dry run)' if self.options.dry_run else ''}")
        preflight(self.manifest, self.gateway, self.resolver, self.ui)
        deployed = self.stacks.snapshot(self.manifest.stacks)
        self._refuse_destructive(deployed)
        convergence = Convergence(self.gateway, self.manifest, self.ui, self.options,
                                  self.resolver)
        convergence.preview()
        self._run_steps("prepare")
        self.ui.phase("stacks")
        for plan in self.manifest.stacks:
            self._deploy_stack(plan, deployed[plan.name])
        self.report.repairs = convergence.repair()
        self.resolver.forget_accounts()
        self._run_steps("after")
        self._summarize()
        return self.report

    # -- checks -----------------------------------------------------------------------------------

    def _refuse_destructive(self, deployed: dict[str, DeployedStack | None]) -> None:
        current = {name: stack.template for name, stack in deployed.items()
                   if stack is not None and stack.template is not None}
        generated = {plan.name: plan.template for plan in self.manifest.stacks}
        self.stacks.moves = planned_moves(current, generated)
        if self.stacks.moves:
            self.ui.note(f"{len(self.stacks.moves)} account(s) move to new stacks (a layout "
                         "bucket split): retained by their old stack, imported by the new one")
        found = destructive_changes(current, generated)
        if not found:
            return
        for item in found:
            self.ui.warn(str(item))
        if self.options.allow_destructive:
            self.ui.warn("going ahead: --allow-destructive")
            return
        raise RefusedError(f"{len(found)} account(s), OU(s) or policies would be removed or "
                           "replaced: " + "; ".join(str(item) for item in found),
                           "nothing was changed. Renaming an account or moving it to another "
                           "stack (a new `layout`) makes CloudFormation create a new one; if "
                           "that is really intended, rerun with --allow-destructive")

    # -- API steps ------------------------------------------------------------------------------

    def _run_steps(self, phase: str) -> None:
        steps = self.manifest.phase(phase)
        self.ui.phase(f"{phase} ({len(steps)} API steps)")
        pending = [found for step in steps if (found := self._pending(step)) is not None]
        if not pending:
            self.ui.ok(f"all {len(steps)} {phase} steps are in place")
            return
        for item in pending:
            self.ui.say(f"  [yellow]+[/] {escape(str(item.step))}\n"
                        f"    [dim]{escape(item.step.reason)}[/]")
        if self.options.dry_run:
            self.report.steps_pending += [str(p.step) for p in pending]
            return
        if not self.ui.confirm(f"Make these {len(pending)} {phase} API calls?"):
            raise RefusedError(f"{phase} steps not run", "nothing of them ran; rerun when ready")
        for planned in pending:
            item = self._resolved(planned)
            if not item.checked and item.handler.in_place(item.context, item.parameters):
                continue  # an earlier step did it (creating the organization, say)
            item.handler.apply(item.context, item.parameters)
            self.report.steps_applied.append(str(item.step))
            self.ui.ok(str(item.step))

    def _pending(self, step: StepPlan) -> _Pending | None:
        handler = handler_for(step)
        assert handler is not None  # ensure_known ran first
        context = StepContext(self.gateway, self.resolver,
                              step.region or self.gateway.region, self.options, self.ui)
        try:
            parameters = self.resolver.resolve(step.parameters)
            if handler.in_place(context, parameters):
                return None
        except AwsError as error:
            if error.code not in _NOT_YET:
                raise
            return _Pending(step, handler, context, step.parameters, checked=False)
        return _Pending(step, handler, context, parameters)

    def _resolved(self, item: _Pending) -> _Pending:
        if item.checked:
            return item
        parameters = self.resolver.resolve(item.step.parameters)
        return _Pending(item.step, item.handler, item.context, parameters, checked=False)

    # -- stacks -----------------------------------------------------------------------------------

    def _deploy_stack(self, plan: StackPlan, deployed: DeployedStack | None) -> None:
        self.resolver.forget_accounts()  # earlier stacks may have created some
        try:
            outcome = self.stacks.deploy(plan, deployed)
        except AwsError as error:
            if not self.options.dry_run or not _needs_earlier_phase(error):
                raise
            outcome = "not planned: needs what earlier stacks or steps create"
        self.report.stacks[plan.stack_name] = outcome
        style = "dim" if outcome == "unchanged" else "green"
        self.ui.say(f"[{style}]{plan.stack_name}: {outcome}[/]")
        if not self.options.dry_run:
            self._check_stacksets(plan)

    def _check_stacksets(self, plan: StackPlan) -> None:
        for stack_set in self.manifest.stacksets_of(plan.name):
            name = stacksets.stack_set_name(plan, stack_set)
            self._wait_for_operations(plan, name)
            self._apply_overrides(plan, stack_set, name)
            listed = stacksets.instances(self.gateway, plan.region, name)
            failed = stacksets.failures(name, listed)
            self.report.instance_failures += failed
            for failure in failed:
                self.ui.warn(str(failure))
            self.ui.say(f"  StackSet {name}: {len(listed) - len(failed)} of {len(listed)} "
                        "instances current")

    def _wait_for_operations(self, plan: StackPlan, name: str) -> None:
        stacksets.wait_for_operations(self.gateway, plan.region, name,
                                      poll_seconds=self.options.poll_seconds,
                                      timeout_seconds=self.options.timeout_seconds)

    def _apply_overrides(self, plan: StackPlan, stack_set: StackSetPlan, name: str) -> None:
        """Per-account parameter values (manifest `stackset_overrides`), for the instances
        whose overrides differ, one account per operation, with the StackSet's preferences."""
        preferences = stacksets.operation_preferences(plan, stack_set)
        updated = 0
        for override in self.manifest.overrides_of(stack_set):
            for account_name, wanted in sorted(override.accounts.items()):
                account = self.resolver.account_id(account_name)
                regions = [region for region in override.regions
                           if stacksets.override_differs(
                               self.gateway, plan.region, name, account=account,
                               instance_region=region, wanted=wanted)]
                if not regions:
                    continue
                parents = self.gateway.pages("organizations", "ListParents", "Parents",
                                             ChildId=account)
                request: dict[str, Any] = {
                    "StackSetName": name, "Regions": regions, "CallAs": "SELF",
                    "DeploymentTargets": {"OrganizationalUnitIds": [parents[0]["Id"]],
                                          "Accounts": [account],
                                          "AccountFilterType": "INTERSECTION"},
                    "ParameterOverrides": [{"ParameterKey": k, "ParameterValue": v}
                                           for k, v in sorted(wanted.items())]}
                if preferences:
                    request["OperationPreferences"] = preferences
                self.gateway.call("cloudformation", "UpdateStackInstances", region=plan.region,
                                  **request)
                self._wait_for_operations(plan, name)
                updated += 1
        if updated:
            self.ui.ok(f"StackSet {name}: parameter overrides set for {updated} account(s)")

    # -- summary ----------------------------------------------------------------------------------

    def _summarize(self) -> None:
        from rich.table import Table

        self.ui.phase("summary")
        table = Table(show_header=True)
        table.add_column("stack")
        table.add_column("outcome")
        for name, outcome in self.report.stacks.items():
            table.add_row(name, outcome)
        self.ui.show(table)
        applied = len(self.report.steps_applied)
        self.ui.say(f"API steps run: {applied}" + (
            f"; pending (dry run): {len(self.report.steps_pending)}"
            if self.options.dry_run else ""))
        failed = self.report.instance_failures
        if failed:
            raise AwsError(f"{len(failed)} StackSet instance(s) failed: "
                           + "; ".join(str(f) for f in failed),
                           "see each instance's stack in its account and region, fix the "
                           "cause, then rerun", code="StackInstancesFailed")


def _needs_earlier_phase(error: AwsError) -> bool:
    return error.code in _NOT_YET or "Unable to fetch parameters" in error.message


def deploy(manifest: Manifest, gateway: Gateway, ui: DeployUi,
           options: DeployOptions) -> DeployReport:
    return Deployer(manifest, gateway, ui, options).run()
