"""`lzgen deploy`: the phases, in order.

1. checks: every API step has a handler; the live preconditions hold (preflight.py: the caller
   is the management account, delegated administrators, recorders, ...); no account, OU or
   policy would be removed or replaced (unless allowed) -- all before anything changes;
2. the plan: what each stack's template changes, which API steps are pending and which drift
   is repaired (converge.py), with one question for all of it (each change set is asked
   about only with --confirm-each);
3. prepare: API steps of phase "prepare" that are not in place yet;
4. stacks, each through a change set, side by side once the stacks they depend on are done
   (generator/aws/schedule.py); their StackSets' instances checked;
5. repairs of drift that CloudFormation cannot see (converge.py);
6. after: API steps of phase "after".

What API steps applied is recorded (generator/aws/applied.py), so that a deploy checks only
what the record lacks; --refresh checks everything. Every phase is idempotent, so a deploy
that stopped part way is simply run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from generator.aws import accounts, stacksets
from generator.aws.applied import AppliedRecord, digest
from generator.aws.converge import Convergence
from generator.aws.gateway import Gateway
from generator.aws.guard import destructive_changes
from generator.aws.manifest import Manifest, StackPlan, StackSetPlan, StepPlan
from generator.aws.moves import RELEASED, planned_moves, release_order, resumed_moves
from generator.aws.overview import creates_accounts, local_changes, overview
from generator.aws.preflight import MemberReads, preflight
from generator.aws.schedule import Interrupted, Job, Schedule
from generator.aws.stacks import DeployedStack, StackOptions, Stacks
from generator.aws.steps import StepContext, StepHandler, ensure_known, handler_for, overwrites
from generator.aws.tokens import ACCOUNT_NOT_FOUND, Resolver
from generator.aws.ui import DeployUi
from generator.errors import AwsError, InterruptedDeploy, RefusedError
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
    key: str = ""  # its digest in the record of applied steps


class Deployer:
    def __init__(self, manifest: Manifest, gateway: Gateway, ui: DeployUi,
                 options: DeployOptions) -> None:
        self.manifest, self.gateway, self.ui, self.options = manifest, gateway, ui, options
        self.resolver = Resolver(gateway, ids_prefix=ssm_name(manifest.organization, ""),
                                 placeholders=options.dry_run)
        self.stacks = Stacks(gateway, self.resolver, ui, options)
        self.report = DeployReport()
        self.record = AppliedRecord(gateway, manifest.organization,
                                    gateway.region, writable=not options.dry_run)
        self._changed = False  # a stack was created or updated in this run
        self._step = ""  # the API step running, for an interruption's message
        self._trusted: set[str] | None = None  # trusted access as it is, read once
        # Stacks of buckets that merged back into others (stacks.Stacks.retired).
        self._retired: dict[str, tuple[StackPlan, DeployedStack]] = {}

    def run(self) -> DeployReport:
        ensure_known(list(self.manifest.steps))
        if not self.options.dry_run and not self.ui.can_confirm:
            raise RefusedError("deploy asks before it executes anything, and there is no "
                               "terminal to ask on",
                               "review with --dry-run, then run again with --yes")
        self.ui.phase(f"lzgen deploy: {self.manifest.organization}"
                      f"{' (dry run)' if self.options.dry_run else ''}")
        try:
            self._run()
        except Interrupted as stopped:
            names = {plan.name: plan.stack_name for plan in self.manifest.stacks}
            raise self._interrupted([f"stack {names.get(name, name)}"
                                     for name in stopped.in_flight]) from None
        except KeyboardInterrupt:
            raise self._interrupted([self._step] if self._step else []) from None
        finally:
            self._save_record()
        return self.report

    def _run(self) -> None:
        self.record.load()
        deployed = self.stacks.snapshot(self.manifest.stacks)
        changing = frozenset(plan.name for plan in self.manifest.stacks
                             if _template(deployed[plan.name]) != plan.template)
        preflight(self.manifest, self.gateway, self.resolver, self.ui,
                  MemberReads(self.record, self.options.refresh, self.options.workers,
                              changing))
        self._retired = self.stacks.retired(self.manifest.organization, self.gateway.region,
                                            self.manifest.stacks)
        self._refuse_destructive(deployed)
        convergence = Convergence(self.gateway, self.manifest, self.ui, self.options,
                                  self.resolver)
        repairs = convergence.preview()
        prepare = self._pending_phase("prepare")
        after = self._pending_phase("after")
        self._confirm_plan(deployed, prepare, after, repairs)
        self._run_steps("prepare", prepare)
        self._move_out(deployed)
        self._deploy_stacks(deployed)
        changed = [name for name, outcome in self.report.stacks.items()
                   if outcome != "unchanged"]
        self.report.repairs = convergence.repair(stacks_changed=self._changed, changed=changed)
        self.resolver.forget_accounts()
        self._run_steps("after", after)
        self._summarize()

    def _interrupted(self, in_flight: list[str]) -> InterruptedDeploy:
        if in_flight:
            return InterruptedDeploy(
                "interrupted while these were in flight: " + ", ".join(in_flight)
                + " (CloudFormation carries on with stack operations already started)",
                "run `lzgen deploy` again: it waits for what is still running and converges "
                "to the plan; nothing is done twice")
        return InterruptedDeploy("interrupted before any stack operation started",
                                 "run `lzgen deploy` again: it converges to the plan")

    def _save_record(self) -> None:
        try:
            written = self.record.save()
        except AwsError as error:
            self.ui.warn(f"the record of applied steps was not saved ({error.message}): the "
                         "next deploy checks those steps one by one again")
            return
        if written:
            self.ui.note(f"record of applied steps: {len(self.record)} items, "
                         f"{written} SSM parameter(s) written")

    # -- the plan ----------------------------------------------------------------------------

    def _confirm_plan(self, deployed: dict[str, DeployedStack | None],
                      prepare: list[_Pending], after: list[_Pending], repairs: int) -> None:
        self.ui.phase("plan")
        changing = 0
        for plan in self.manifest.stacks:
            found = deployed[plan.name]
            item = overview(plan, found.template if found else None, found is not None)
            changing += item.changes
            self.ui.say(f"  [{'yellow' if item.changes else 'dim'}]{escape(str(item))}[/]")
        for phase, pending in (("prepare", prepare), ("after", after)):
            if pending:
                self.ui.say(f"  {len(pending)} {phase} API step(s) to run")
        if self.options.dry_run:
            return
        if not (changing or prepare or after or repairs):
            self.ui.ok("nothing to change in the templates or API steps")
            return
        repaired = f", {repairs} repairs of drift" if repairs else ""
        question = (f"Deploy this plan ({changing} of {len(self.manifest.stacks)} stacks "
                    f"change, {len(prepare) + len(after)} API steps{repaired})?")
        if not self.ui.confirm_plan(question):
            raise RefusedError("the plan was not confirmed", "nothing was changed")

    # -- checks -----------------------------------------------------------------------------------

    def _refuse_destructive(self, deployed: dict[str, DeployedStack | None]) -> None:
        current = {name: stack.template for name, stack in deployed.items()
                   if stack is not None and stack.template is not None}
        generated = {plan.name: plan.template for plan in self.manifest.stacks}
        every = {**current, **{name: found.template or {}
                               for name, (_, found) in self._retired.items()}}
        planned = planned_moves(every, generated)
        resumed = resumed_moves(every, generated, self._moving())
        self.stacks.moves = planned + resumed
        if planned:
            self.ui.note(f"{len(planned)} account(s), OU(s) or policies move between stacks (a "
                         "layout bucket split or merge): retained and let go by their old "
                         "stack, imported by the other one")
        if resumed:
            self.ui.note(f"{len(resumed)} resource(s) let go by their old stack in an earlier "
                         "deploy are imported now: " + ", ".join(m.logical_id for m in resumed))
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

    # -- moves between stacks (aws/moves.py) -------------------------------------------------------

    def _moving(self) -> list[str]:
        """Logical IDs of guarded resources whose move the record holds (see `_move_out`)."""
        generated = {logical for plan in self.manifest.stacks for logical in plan.resources()}
        return sorted(logical for logical in generated if _move_key(logical) in self.record)

    def _move_out(self, deployed: dict[str, DeployedStack | None]) -> None:
        """Before any stack's update: each source stack of a move retains the resources that
        leave it, then lets them go. Each target imports them at its turn (stacks.py), once
        the stacks it depends on are done. Each move is recorded before it is let go, so that
        a deploy interrupted before the import finds it again (moves.resumed_moves)."""
        leaving: dict[str, list[str]] = {}
        for move in self.stacks.moves:
            if move.source != RELEASED:
                leaving.setdefault(move.source, []).append(move.logical_id)
        if not leaving:
            return
        plans = {plan.name: plan for plan in self.manifest.stacks}
        sources = {name: found for name, found in deployed.items() if found is not None}
        for name, (plan, found) in self._retired.items():
            plans[name], sources[name] = plan, found
        self.ui.phase(f"moves ({sum(map(len, leaving.values()))} resource(s) change stack)")
        templates = {name: found.template for name, found in sources.items()
                     if found.template is not None}
        for source in release_order(leaving, templates):
            logical_ids = leaving[source]
            found = sources[source]
            retired = " (its bucket merged into another: the stack is deleted once empty)" \
                if source in self._retired else ""
            self.ui.say(f"  {escape(plans[source].stack_name)}: retain, then let go of "
                        f"{escape(', '.join(sorted(logical_ids)))}{retired}")
            if self.options.dry_run:
                continue
            for logical in logical_ids:
                self.record.add(_move_key(logical))
            try:
                self.record.save()
            except AwsError as error:
                raise AwsError(f"the record of moves could not be saved ({error.message}): "
                               "nothing was moved", "fix the cause, then rerun",
                               code=error.code) from None
            after = self.stacks.release(plans[source], found, sorted(logical_ids))
            if source in deployed:
                deployed[source] = after
            self._changed = True

    # -- API steps ------------------------------------------------------------------------------

    def _pending_phase(self, phase: str) -> list[_Pending]:
        return [found for step in self.manifest.phase(phase)
                if (found := self._pending(step)) is not None]

    def _run_steps(self, phase: str, pending: list[_Pending]) -> None:
        total = len(self.manifest.phase(phase))
        self.ui.phase(f"{phase} ({total} API steps)")
        if not pending:
            self.ui.ok(f"all {total} {phase} steps are in place")
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
            self._step = str(planned.step)
            item = self._resolved(planned)
            if (not item.checked and not overwrites(item.handler)
                    and item.handler.in_place(item.context, item.parameters)):
                self.record.add(item.key)
                continue  # an earlier step did it (creating the organization, say)
            item.handler.apply(item.context, item.parameters)
            self.record.add(item.key)
            self.report.steps_applied.append(str(item.step))
            self.ui.ok(str(item.step))
        self._step = ""
        self._save_record()

    def _pending(self, step: StepPlan) -> _Pending | None:
        handler = handler_for(step)
        assert handler is not None  # ensure_known ran first
        key = digest("step", [step.phase, step.service, step.action, step.region,
                              step.parameters])
        if key in self.record and not self.options.refresh and not self._undone(step):
            return None
        context = StepContext(self.gateway, self.resolver,
                              step.region or self.gateway.region, self.options, self.ui)
        try:
            parameters = self.resolver.resolve(step.parameters, placeholders=False)
            if handler.in_place(context, parameters):
                self.record.add(key)
                return None
        except AwsError as error:
            if error.code not in _NOT_YET:
                raise
            return _Pending(step, handler, context, step.parameters, checked=False, key=key)
        return _Pending(step, handler, context, parameters, key=key)

    def _undone(self, step: StepPlan) -> bool:
        """Whether a recorded EnableAWSServiceAccess step was undone by hand: trusted access
        turned off is drift that CloudFormation cannot see and converge.py leaves to this
        step, so one read a deploy checks every recorded one."""
        if step.key != ("organizations", "EnableAWSServiceAccess"):
            return False
        if self._trusted is None:
            self._trusted = {str(s["ServicePrincipal"]) for s in self.gateway.pages(
                "organizations", "ListAWSServiceAccessForOrganization",
                "EnabledServicePrincipals")}
        return step.parameters.get("ServicePrincipal") not in self._trusted

    def _resolved(self, item: _Pending) -> _Pending:
        if item.checked:
            return item
        parameters = self.resolver.resolve(item.step.parameters, placeholders=False)
        return _Pending(item.step, item.handler, item.context, parameters, checked=False,
                        key=item.key)

    # -- stacks -----------------------------------------------------------------------------------

    def _deploy_stacks(self, deployed: dict[str, DeployedStack | None]) -> None:
        plans = {plan.name: plan for plan in self.manifest.stacks}
        workers = 1 if self.options.confirm_each else max(self.options.workers, 1)
        self.ui.phase(f"stacks ({len(plans)}, up to {workers} at a time)")
        jobs = [Job(name, plan.depends_on, creates_accounts(plan, _template(deployed[name])))
                for name, plan in plans.items()]
        schedule = Schedule(jobs, lambda job: self._deploy_stack(plans[job.name],
                                                                 deployed[job.name]),
                            workers=workers, report=self.ui.note)
        self.stacks.pause = schedule.pause
        self.ui.bars = workers == 1
        schedule.run()

    def _deploy_stack(self, plan: StackPlan, deployed: DeployedStack | None) -> None:
        if self._changed:
            self.resolver.forget_accounts()  # earlier stacks may have created some
        try:
            outcome = self.stacks.deploy(plan, deployed)
        except AwsError as error:
            if not self.options.dry_run or not _needs_earlier_phase(error):
                raise
            outcome = self._plan_locally(plan, deployed)
        if outcome in ("created", "updated"):
            self._changed = True
        self.report.stacks[plan.stack_name] = outcome
        style = "dim" if outcome == "unchanged" else "green"
        self.ui.say(f"[{style}]{escape(plan.stack_name)}: {escape(outcome)}[/]")
        if not self.options.dry_run:
            self._check_stacksets(plan, changed=outcome != "unchanged" or self._changed)

    def _plan_locally(self, plan: StackPlan, deployed: DeployedStack | None) -> str:
        """A dry run's plan of a stack whose change set needs what earlier stacks create
        (the IDs they publish): its changes from the templates, IDs shown as placeholders."""
        from generator.aws.changes import as_diff
        from generator.diff.writers import text_lines

        current = deployed.template if deployed else None
        changes = local_changes(plan, current)
        old = (current or {}).get("Resources", {})
        self.ui.styled_lines(text_lines(as_diff(plan.stack_name, "planned from the template",
                                                changes, old)))
        return (f"planned from the template: {len(changes)} change(s); IDs that earlier "
                "stacks create are placeholders until they exist")

    def _check_stacksets(self, plan: StackPlan, *, changed: bool) -> None:
        """After a stack changed (or anything did in this run, which starts auto-deployments):
        wait for its StackSets' operations and report instances that are not current.
        Per-account overrides are checked whenever the record lacks them."""
        for stack_set in self.manifest.stacksets_of(plan.name):
            name = stacksets.stack_set_name(plan, stack_set)
            if changed:
                self._wait_for_operations(plan, name)
            updated = self._apply_overrides(plan, stack_set, name)
            if not (changed or updated or self.options.refresh):
                continue
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
                                      timeout_seconds=self.options.timeout_seconds,
                                      sleep=self.stacks.pause)

    def _apply_overrides(self, plan: StackPlan, stack_set: StackSetPlan, name: str) -> int:
        """Per-account parameter values (manifest `stackset_overrides`), for the instances
        whose overrides differ, one account per operation, with the StackSet's preferences;
        the number of accounts updated. Those the record holds are not read again."""
        preferences = stacksets.operation_preferences(plan, stack_set)
        updated = 0
        for override in self.manifest.overrides_of(stack_set):
            for account_name, wanted in sorted(override.accounts.items()):
                key = digest("override", [name, account_name, list(override.regions), wanted])
                if key in self.record and not self.options.refresh:
                    continue
                account = self.resolver.account_id(account_name)
                differs = {region: stacksets.override_differs(
                    self.gateway, plan.region, name, account=account, instance_region=region,
                    wanted=wanted) for region in override.regions}
                regions = [region for region, found in differs.items() if found]
                if not regions:
                    if all(found is False for found in differs.values()):
                        self.record.add(key)
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
                started = self.gateway.call("cloudformation", "UpdateStackInstances",
                                            region=plan.region, **request)
                stacksets.wait_for_operation(self.gateway, plan.region, name,
                                             str(started["OperationId"]),
                                             poll_seconds=self.options.poll_seconds,
                                             timeout_seconds=self.options.timeout_seconds,
                                             sleep=self.stacks.pause)
                self.record.add(key)
                updated += 1
        if updated:
            self.ui.ok(f"StackSet {name}: parameter overrides set for {updated} account(s)")
        return updated

    # -- summary ----------------------------------------------------------------------------------

    def _summarize(self) -> None:
        from rich.table import Table

        self.ui.phase("summary")
        table = Table(show_header=True)
        table.add_column("stack")
        table.add_column("outcome")
        for plan in self.manifest.stacks:
            if plan.stack_name in self.report.stacks:
                table.add_row(plan.stack_name, self.report.stacks[plan.stack_name])
        if self.ui.console.is_terminal:
            self.ui.show(table)
        else:  # a log: one line a stack, never wrapped
            for plan in self.manifest.stacks:
                if plan.stack_name in self.report.stacks:
                    self.ui.say(f"{escape(plan.stack_name)}: "
                                f"{escape(self.report.stacks[plan.stack_name])}")
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


def _move_key(logical_id: str) -> str:
    return digest("move", [logical_id])


def _template(deployed: DeployedStack | None) -> dict[str, Any] | None:
    return deployed.template if deployed is not None else None


def _needs_earlier_phase(error: AwsError) -> bool:
    return error.code in _NOT_YET or "Unable to fetch parameters" in error.message


def deploy(manifest: Manifest, gateway: Gateway, ui: DeployUi,
           options: DeployOptions) -> DeployReport:
    return Deployer(manifest, gateway, ui, options).run()
