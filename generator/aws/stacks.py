"""One management-account stack through a change set: compare, plan, show, guard, execute, wait.

An unchanged stack (same template, same parameter values, same values behind its SSM
parameters) is skipped with read-only calls only. A stack whose creation rolled back
(ROLLBACK_COMPLETE) cannot be updated: it is deleted and created again. A stack left in
REVIEW_IN_PROGRESS (a change set that never ran) is deleted as well.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from generator.aws.changes import ResourceChange, as_diff, destructive, from_change_set
from generator.aws.gateway import Gateway
from generator.aws.manifest import StackPlan
from generator.aws.moves import Move, resources_of, unretained, with_retain, without
from generator.aws.templates import BUCKET_STACK, TemplateStore, bucket_name, needs_upload
from generator.aws.tokens import Resolver
from generator.aws.ui import DeployUi, Tracker
from generator.errors import AwsError, RefusedError
from generator.jsonio import compact_json

ACCOUNT_TYPE = "AWS::Organizations::Account"
SETTLED_OK = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
                        "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"})
DONE_OK = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
RECREATE = frozenset({"ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"})
STUCK = frozenset({"ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED",
                   "UPDATE_FAILED", "CREATE_FAILED", "IMPORT_ROLLBACK_FAILED"})
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
CHANGE_SET_PREFIX = "lzgen-"
# Stacks of the layout's buckets (synth/layout.py): a stack of these names that the manifest no
# longer lists held a bucket that merged back into another, whose stack takes its resources.
LAYOUT_STACK = re.compile(r"(accounts|ous-level\d+|policies)(-\d{2,})?")
LIVE_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE",
                 "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE", "CREATE_IN_PROGRESS",
                 "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                 "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                 "IMPORT_IN_PROGRESS", "IMPORT_ROLLBACK_IN_PROGRESS", "UPDATE_FAILED",
                 "UPDATE_ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED")
_RESOURCE_DONE = ("_COMPLETE", "_FAILED", "_SKIPPED")


@dataclass
class DeployedStack:
    name: str
    status: str
    stack_id: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    termination_protection: bool = False
    template: dict[str, Any] | None = None

    @classmethod
    def from_description(cls, stack: dict[str, Any]) -> DeployedStack:
        return cls(name=str(stack["StackName"]), status=str(stack["StackStatus"]),
                   stack_id=str(stack["StackId"]),
                   parameters=list(stack.get("Parameters") or []),
                   termination_protection=bool(stack.get("EnableTerminationProtection")))


@dataclass(frozen=True)
class StackOptions:
    dry_run: bool = False
    allow_destructive: bool = False
    poll_seconds: float = 5.0
    timeout_seconds: float = 3600.0
    adopt: bool = False
    # Account name (blueprint key) -> the one-time code AWS sent to its new root email.
    email_codes: tuple[tuple[str, str], ...] = ()
    refresh: bool = False  # check every API step and StackSet again, ignoring the record
    workers: int = 4  # stacks deployed at once (generator/aws/schedule.py)
    confirm_each: bool = False  # ask before each change set, not once for the plan


class Stacks:
    def __init__(self, gateway: Gateway, resolver: Resolver, ui: DeployUi,
                 options: StackOptions) -> None:
        self.gateway, self.resolver, self.ui, self.options = gateway, resolver, ui, options
        self._live: Any = None
        self.templates = TemplateStore(gateway, self._ensure_bucket_stack)
        self.moves: list[Move] = []  # resources that change stack (aws/moves.py)
        # Sleeps between polls; the concurrent schedule swaps in one that Ctrl-C interrupts.
        self.pause: Callable[[float], None] = time.sleep

    def _call(self, plan: StackPlan, operation: str, **params: Any) -> dict[str, Any]:
        return self.gateway.call("cloudformation", operation, region=plan.region, **params)

    # -- what is deployed -----------------------------------------------------------------------

    def snapshot(self, plans: tuple[StackPlan, ...]) -> dict[str, DeployedStack | None]:
        """The deployed state of every planned stack, with its template (read-only calls,
        each on its own stack, which the deployer policy allows)."""
        found: dict[str, DeployedStack | None] = {}
        for plan in plans:
            deployed = self.describe(plan)
            if deployed is not None and deployed.status not in RECREATE:
                deployed.template = self._template(plan)
            found[plan.name] = deployed
        return found

    def retired(self, organization: str, region: str,
                plans: tuple[StackPlan, ...]) -> dict[str, tuple[StackPlan, DeployedStack]]:
        """Deployed stacks of the layout's buckets that the manifest no longer lists (a bucket
        merged back), by plan name, with their templates: the sources of merges."""
        listed = {plan.stack_name for plan in plans}
        prefix = f"lzgen-{organization}-"
        found: dict[str, tuple[StackPlan, DeployedStack]] = {}
        summaries = self.gateway.pages("cloudformation", "ListStacks", "StackSummaries",
                                       region=region, StackStatusFilter=list(LIVE_STATUSES))
        for summary in summaries:
            stack_name = str(summary["StackName"])
            name = stack_name.removeprefix(prefix)
            if (stack_name in listed or not stack_name.startswith(prefix)
                    or not LAYOUT_STACK.fullmatch(name)):
                continue
            plan = StackPlan(name, stack_name, "", region, {})
            deployed = self.describe(plan)
            if deployed is not None and deployed.status not in RECREATE:
                deployed.template = self._template(plan)
                found[name] = (plan, deployed)
        return found

    def describe(self, plan: StackPlan) -> DeployedStack | None:
        try:
            stacks = self._call(plan, "DescribeStacks", StackName=plan.stack_name)["Stacks"]
        except AwsError as error:
            if error.code == "ValidationError" and "does not exist" in error.message:
                return None
            raise
        live = [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
        return DeployedStack.from_description(live[0]) if live else None

    def _template(self, plan: StackPlan) -> dict[str, Any]:
        body = self._call(plan, "GetTemplate", StackName=plan.stack_name,
                          TemplateStage="Original")["TemplateBody"]
        parsed: dict[str, Any] = json.loads(body) if isinstance(body, str) else dict(body)
        plain: dict[str, Any] = json.loads(json.dumps(parsed))  # plain dicts, like the plan's
        return plain

    # -- deploying one stack ----------------------------------------------------------------------

    def deploy(self, plan: StackPlan, deployed: DeployedStack | None) -> str:
        """Bring one stack to its plan; the outcome in a word or two."""
        deployed = self._settled(plan, deployed)
        if deployed is not None and deployed.status in STUCK:
            raise AwsError(f"stack {plan.stack_name} is {deployed.status}",
                           "fix it in the CloudFormation console (continue the rollback, or "
                           "delete the stack, retaining what failed), then rerun")
        if deployed is not None and deployed.status in RECREATE:
            if self.options.dry_run:  # AWS plans no new stack under a rolled-back one's name
                return f"{deployed.status}: deploy deletes it and creates it again"
            self._delete(plan, deployed)
            deployed = None
        parameters = self.resolver.resolve(plan.parameters)
        if deployed is not None and self._unchanged(plan, deployed, parameters):
            self._protect(plan, deployed)
            return "unchanged"
        moving_in = {m.logical_id for m in self.moves if m.target == plan.name}
        if self.options.dry_run and moving_in and deployed is None and not self.options.adopt:
            # Their source stacks still hold them in a dry run: an import would be refused.
            return (f"planned: created by importing {len(moving_in)} moved resource(s), then "
                    "updated (dry run)")
        if deployed is None and (self.options.adopt or moving_in):
            deployed = self._adopt(plan, parameters, None if self.options.adopt else moving_in)
            if self.options.dry_run and deployed is not None:
                return "planned import (dry run)"
        elif deployed is not None and moving_in - set(resources_of(deployed.template or {})):
            if self.options.dry_run:
                return (f"planned import of {len(moving_in)} moved resource(s) into the stack, "
                        "then its update (dry run)")
            deployed = self._import_into(plan, deployed, parameters, moving_in)
        self._refuse_existing_accounts(plan, deployed)
        return self._through_change_set(plan, deployed, parameters)

    # -- adopting what exists (--adopt) -----------------------------------------------------------

    def _adopt(self, plan: StackPlan, parameters: dict[str, str],
               only: set[str] | None = None) -> DeployedStack | None:
        """Import the stack's OUs, accounts and policies that exist already (of the logical
        IDs `only`, when given: accounts moving in); the stack as it then is, or None when
        nothing of it exists."""
        from generator.aws.adopt import plan_import
        from generator.aws.live import read_live

        if self._live is None:
            self._live = read_live(self.gateway, tags=False)  # adopting needs no tags
        adoption = plan_import(plan.template, self._live, only)
        if adoption.is_empty:
            return None
        name = "lzgen-import-" + _change_set_name(plan.body, parameters).removeprefix("lzgen-")
        self.ui.console.print(f"{plan.stack_name}: importing {len(adoption.resources)} "
                              "existing resource(s): " + ", ".join(
                                  r["LogicalResourceId"] for r in adoption.resources))
        request: dict[str, Any] = {
            "StackName": plan.stack_name, "ChangeSetName": name, "ChangeSetType": "IMPORT",
            **self._source(plan, compact_json(adoption.template), "-import"),
            "ResourcesToImport": adoption.resources,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                           for k, v in sorted(parameters.items())],
        }
        if plan.capabilities:
            request["Capabilities"] = list(plan.capabilities)
        self._call(plan, "CreateChangeSet", **request)
        status, reason = self._wait_for_change_set(plan, name)
        if status == "FAILED" or self.options.dry_run:
            self._discard(plan, name, "CREATE")
            if status == "FAILED":
                raise AwsError(f"import change set for {plan.stack_name} failed: {reason}",
                               "check that every resource to import exists and that the "
                               "deploying role may read it", code="ImportFailed")
            return DeployedStack(plan.stack_name, "REVIEW_IN_PROGRESS", "")
        if not self.ui.confirm(f"Import into {plan.stack_name}?"):
            self._discard(plan, name, "CREATE")
            raise RefusedError(f"import into {plan.stack_name} not executed",
                               "nothing of it ran; rerun when ready")
        self._call(plan, "ExecuteChangeSet", StackName=plan.stack_name, ChangeSetName=name)
        self._wait(plan, lambda: not _running(self._status(plan)))
        self._check_imported(plan, adoption.resources)
        deployed = self.describe(plan)
        if deployed is not None:
            deployed.template = self._template(plan)
        return deployed

    def _import_into(self, plan: StackPlan, deployed: DeployedStack,
                     parameters: dict[str, str], only: set[str]) -> DeployedStack:
        """Import the resources `only` (moving in from another stack) into a stack that exists:
        an IMPORT change set whose template is the stack's template as deployed plus those
        resources (with the parameters they need), and nothing else, as CloudFormation
        requires (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
        resource-import.html); the stack's own update follows it."""
        from generator.aws.adopt import plan_import
        from generator.aws.live import read_live

        if self._live is None:
            self._live = read_live(self.gateway, tags=False)  # importing needs no tags
        current = deployed.template or {}
        adoption = plan_import(plan.template, self._live,
                               only - set(resources_of(current)))
        if adoption.is_empty:
            return deployed
        template = copy.deepcopy(current)
        template.setdefault("Resources", {}).update(adoption.template["Resources"])
        slots = template.setdefault("Parameters", {})
        for key, slot in (adoption.template.get("Parameters") or {}).items():
            if key not in slots and _refers_to(adoption.template["Resources"], key):
                slots[key] = slot
        if not slots:
            template.pop("Parameters")
        values = {str(p["ParameterKey"]): str(p.get("ParameterValue", ""))
                  for p in deployed.parameters}
        values.update({k: v for k, v in parameters.items() if k not in values})
        body = compact_json(template)
        name = "lzgen-import-" + _change_set_name(body, values).removeprefix("lzgen-")
        self.ui.console.print(f"{plan.stack_name}: importing {len(adoption.resources)} "
                              "resource(s) that move in from other stacks: " + ", ".join(
                                  r["LogicalResourceId"] for r in adoption.resources))
        self._drop_stale_change_sets(plan)
        request: dict[str, Any] = {
            "StackName": plan.stack_name, "ChangeSetName": name, "ChangeSetType": "IMPORT",
            **self._source(plan, body, "-import"),
            "ResourcesToImport": adoption.resources,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                           for k, v in sorted(values.items()) if k in slots],
        }
        if plan.capabilities:
            request["Capabilities"] = list(plan.capabilities)
        self._call(plan, "CreateChangeSet", **request)
        status, reason = self._wait_for_change_set(plan, name)
        if status == "FAILED":
            self._discard(plan, name, "IMPORT")
            raise AwsError(f"import change set for {plan.stack_name} failed: {reason}",
                           "the resources stay in the organization, unmanaged; fix the cause "
                           "and rerun: deploy finds them and imports them",
                           code="ImportFailed")
        if not self.ui.confirm(f"Import into {plan.stack_name}?"):
            self._discard(plan, name, "IMPORT")
            raise RefusedError(f"import into {plan.stack_name} not executed",
                               "nothing of it ran; rerun when ready")
        self._call(plan, "ExecuteChangeSet", StackName=plan.stack_name, ChangeSetName=name)
        self._wait(plan, lambda: not _running(self._status(plan)))
        if self._status(plan) not in SETTLED_OK:
            raise AwsError(f"import into {plan.stack_name} ended {self._status(plan)}: "
                           f"{self._failures(plan)}", "fix the cause, then rerun",
                           code="ImportFailed")
        self._check_imported(plan, adoption.resources)
        return self._reread(plan)

    # -- moving resources out (aws/moves.py) ------------------------------------------------------

    def release(self, plan: StackPlan, deployed: DeployedStack,
                leaving: list[str]) -> DeployedStack | None:
        """The source stack of moves lets `leaving` go and keeps them in AWS: first a
        template-only update that gives them DeletionPolicy Retain (OUs and policies lack it),
        checked before going on, then an update that drops them and nothing else; or, when
        nothing else would be left in it (a bucket that merged back), the stack's deletion,
        which keeps what is retained (None: the stack is gone).
        https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/refactor-stacks.html"""
        settled = self._settled(plan, deployed)  # an interrupted run's update, say
        if settled is None or settled.status in STUCK or settled.status in RECREATE:
            raise AwsError(f"stack {plan.stack_name}, which resources move out of, is "
                           f"{settled.status if settled else 'gone'}",
                           "fix it in the CloudFormation console, then rerun")
        deployed = settled
        template = deployed.template or {}
        missing = unretained(template, leaving)
        if missing:
            self._update_template(plan, deployed, with_retain(template, missing), "retain")
            deployed = self._reread(plan)
            template = deployed.template or {}
            still = unretained(template, missing)
            if still:
                raise AwsError(f"{plan.stack_name} did not take DeletionPolicy Retain for "
                               f"{', '.join(still)}: nothing was dropped",
                               "rerun; if it persists, add the Retain by hand, then rerun",
                               code="RetainMissing")
        present = [logical for logical in leaving if logical in resources_of(template)]
        if not present:
            return deployed
        released = without(template, present)
        if not resources_of(released):
            self._delete(plan, deployed, "everything in it moves to other stacks, retained")
            return None
        self._update_template(plan, deployed, released, "release")
        return self._reread(plan)

    def _update_template(self, plan: StackPlan, deployed: DeployedStack,
                         template: dict[str, Any], purpose: str) -> None:
        """One change set of `template` over the stack, with its parameters as they are."""
        slots = template.get("Parameters") or {}
        # The values as deployed (an SSM-typed parameter's value is the parameter's name, read
        # again at the update), not UsePreviousValue, which the emulator resolves wrongly.
        parameters = [{"ParameterKey": p["ParameterKey"], "ParameterValue": p["ParameterValue"]}
                      for p in deployed.parameters if p["ParameterKey"] in slots]
        body = compact_json(template)
        name = f"lzgen-{purpose}-" + _change_set_name(body, {}).removeprefix("lzgen-")
        self._drop_stale_change_sets(plan)
        request: dict[str, Any] = {
            "StackName": plan.stack_name, "ChangeSetName": name, "ChangeSetType": "UPDATE",
            **self._source(plan, body, f"-{purpose}"), "Parameters": parameters,
            "Description": f"lzgen deploy: {purpose} resources that move to other stacks"}
        if plan.capabilities:
            request["Capabilities"] = list(plan.capabilities)
        self._call(plan, "CreateChangeSet", **request)
        status, reason = self._wait_for_change_set(plan, name)
        if status == "FAILED":
            self._discard(plan, name, "UPDATE")
            if any(text in reason for text in NO_CHANGES):
                return
            raise AwsError(f"{purpose} change set for {plan.stack_name} failed: {reason}",
                           "fix the cause, then rerun", code="ChangeSetFailed")
        changes = self._changes(plan, name, deployed)
        lost = [c for c in destructive(changes) if c.action != "Remove"
                or (resources_of(deployed.template or {}).get(c.logical_id) or {}).get(
                    "DeletionPolicy") not in ("Retain", "RetainExceptOnCreate")]
        if lost:
            self._discard(plan, name, "UPDATE")
            raise RefusedError(f"the {purpose} change set of {plan.stack_name} would delete or "
                               "replace: " + ", ".join(f"{c.logical_id} {c.what}" for c in lost),
                               "nothing was executed")
        if not self.ui.confirm(f"Execute the {purpose} change set of {plan.stack_name}?"):
            self._discard(plan, name, "UPDATE")
            raise RefusedError(f"{purpose} change set of {plan.stack_name} not executed",
                               "nothing of it ran; rerun when ready")
        self._execute(plan, name, "UPDATE", len(changes))

    def _reread(self, plan: StackPlan) -> DeployedStack:
        current = self.describe(plan)
        if current is None:
            raise AwsError(f"stack {plan.stack_name} disappeared", "rerun")
        current.template = self._template(plan)
        return current

    def _check_imported(self, plan: StackPlan, wanted: list[dict[str, Any]]) -> None:
        """The stack's resources are the existing ones: an endpoint that ignores
        ResourcesToImport (the local emulator) creates new ones instead."""
        listed = self._call(plan, "DescribeStackResources",
                            StackName=plan.stack_name)["StackResources"]
        physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in listed}
        wrong = sorted(e["LogicalResourceId"] for e in wanted
                       if physical.get(e["LogicalResourceId"])
                       not in e["ResourceIdentifier"].values())
        if wrong:
            raise AwsError(f"{plan.stack_name}: the endpoint did not import "
                           f"{', '.join(wrong)}; it created new resources instead",
                           "resource import needs AWS CloudFormation itself (the local "
                           "emulator does not support IMPORT change sets)",
                           code="ImportUnsupported")

    def _refuse_existing_accounts(self, plan: StackPlan, deployed: DeployedStack | None) -> None:
        """An account the stack would add whose email the organization already has (left by a
        rolled-back creation, or moved from another stack) cannot be created again."""
        before = (deployed.template or {}).get("Resources", {}) if deployed else {}
        added = {str(r["Properties"]["Email"]).lower(): logical
                 for logical, r in plan.resources().items()
                 if r.get("Type") == ACCOUNT_TYPE and logical not in before
                 and isinstance((r.get("Properties") or {}).get("Email"), str)}
        if not added:
            return
        existing = {str(a["Email"]).lower(): str(a["Id"]) for a in self.resolver.account_list()}
        clashes = sorted(f"{added[email]} ({email}, account {existing[email]})"
                         for email in added.keys() & existing.keys())
        if clashes:
            raise AwsError(f"{plan.stack_name} would create accounts that already exist in the "
                           f"organization: {', '.join(clashes)}",
                           "CloudFormation cannot create an account twice: import each into "
                           "the stack (a change set of type IMPORT, or the console's Import "
                           "resources into stack), then rerun", code="AccountExists")

    def _settled(self, plan: StackPlan, deployed: DeployedStack | None) -> DeployedStack | None:
        """Wait for an operation still running on the stack (say, from an interrupted run)."""
        if deployed is None or not _running(deployed.status):
            return deployed
        self.ui.note(f"{plan.stack_name} is {deployed.status}: waiting for it to finish")
        self._wait(plan, lambda: not _running(self._status(plan)))
        current = self.describe(plan)
        if current is not None and current.status not in RECREATE:
            current.template = self._template(plan)
        return current

    def _status(self, plan: StackPlan) -> str:
        current = self.describe(plan)
        return current.status if current else "DELETE_COMPLETE"

    def _unchanged(self, plan: StackPlan, deployed: DeployedStack,
                   parameters: dict[str, str]) -> bool:
        if deployed.status not in SETTLED_OK or deployed.template != plan.template:
            return False
        values = {p["ParameterKey"]: p for p in deployed.parameters}
        if any(values.get(k, {}).get("ParameterValue") != v for k, v in parameters.items()):
            return False
        behind_ssm = {str(p["ParameterValue"]): str(p["ResolvedValue"])
                      for p in deployed.parameters if "ResolvedValue" in p}
        return self._ssm_values(plan, list(behind_ssm)) == behind_ssm

    def _ssm_values(self, plan: StackPlan, names: list[str]) -> dict[str, str]:
        values: dict[str, str] = {}
        for start in range(0, len(names), 10):
            found = self.gateway.call("ssm", "GetParameters", region=plan.region,
                                      Names=names[start:start + 10])
            values.update({str(p["Name"]): str(p["Value"]) for p in found["Parameters"]})
        return values

    def _protect(self, plan: StackPlan, deployed: DeployedStack | None) -> None:
        if deployed is not None and deployed.termination_protection:
            return
        if self.options.dry_run:
            return
        self._call(plan, "UpdateTerminationProtection", StackName=plan.stack_name,
                   EnableTerminationProtection=True)

    def _delete(self, plan: StackPlan, deployed: DeployedStack, why: str = "") -> None:
        self.ui.warn(f"{plan.stack_name}: deleting the stack: {why}" if why else
                     f"{plan.stack_name} is {deployed.status}: deleting it to create it again")
        if deployed.termination_protection:
            self._call(plan, "UpdateTerminationProtection", StackName=plan.stack_name,
                       EnableTerminationProtection=False)
        self._call(plan, "DeleteStack", StackName=plan.stack_name)
        self._wait(plan, lambda: self._status(plan) in ("DELETE_COMPLETE", "DELETE_FAILED"))
        if self._status(plan) == "DELETE_FAILED":
            raise AwsError(f"stack {plan.stack_name} could not be deleted",
                           "see its events in the CloudFormation console, then rerun")

    # -- change sets ------------------------------------------------------------------------------

    def _through_change_set(self, plan: StackPlan, deployed: DeployedStack | None,
                            parameters: dict[str, str]) -> str:
        change_type = "CREATE" if deployed is None else "UPDATE"
        body = plan.body
        if self.options.dry_run and needs_upload(body):
            # Planning it would mean creating the bucket and uploading: no writes in a dry run.
            return (f"planned (dry run): {len(body.encode()):,} bytes, deployed from S3 "
                    f"(s3://{bucket_name(self.gateway.account_id(), plan.region)}/"
                    f"{plan.stack_name}.json)")
        if deployed is not None:
            self._drop_stale_change_sets(plan)
        name = _change_set_name(body, parameters)
        request: dict[str, Any] = {
            "StackName": plan.stack_name, "ChangeSetName": name,
            **self._source(plan, body), "ChangeSetType": change_type,
            "Description": f"lzgen deploy of {plan.name}",
            "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                           for k, v in sorted(parameters.items())],
        }
        if plan.capabilities:
            request["Capabilities"] = list(plan.capabilities)
        self._call(plan, "CreateChangeSet", **request)
        status, reason = self._wait_for_change_set(plan, name)
        if status == "FAILED":
            self._discard(plan, name, change_type)
            if any(text in reason for text in NO_CHANGES):
                self._protect(plan, deployed)
                return "unchanged"
            raise AwsError(f"change set for {plan.stack_name} failed: {reason}",
                           "fix the cause, then rerun", code="ChangeSetFailed")
        changes = self._changes(plan, name, deployed)
        self._show(plan, name, deployed, changes)
        self._refuse_destructive(plan, name, change_type, changes)
        if self.options.dry_run:
            self._discard(plan, name, change_type)
            return "planned (dry run)"
        if not self.ui.confirm(f"Execute the change set of {plan.stack_name}?"):
            self._discard(plan, name, change_type)
            raise RefusedError(f"change set of {plan.stack_name} not executed",
                               "nothing of it ran; rerun when ready")
        return self._execute(plan, name, change_type, len(changes))

    def _source(self, plan: StackPlan, body: str, suffix: str = "") -> dict[str, str]:
        """TemplateBody, or TemplateURL for a template over the inline limit (aws/templates)."""
        bucket_stack = plan.stack_name.removesuffix(plan.name) + BUCKET_STACK
        return self.templates.source(plan.stack_name + suffix, bucket_stack, body, plan.region)

    def _ensure_bucket_stack(self, stack_name: str, body: str, region: str) -> None:
        """The stack of lzgen's template bucket exists (created once, then left alone)."""
        plan = StackPlan(BUCKET_STACK, stack_name, "", region, json.loads(body))
        deployed = self.describe(plan)
        if deployed is not None and deployed.status in SETTLED_OK:
            return
        if deployed is not None and deployed.status in RECREATE:
            self._delete(plan, deployed)
        elif deployed is not None:
            raise AwsError(f"stack {stack_name} (lzgen's template bucket) is {deployed.status}",
                           "fix it in the CloudFormation console, then rerun")
        self.ui.note(f"creating {stack_name}: the S3 bucket for templates over 51,200 bytes")
        self._call(plan, "CreateStack", StackName=stack_name, TemplateBody=body,
                   EnableTerminationProtection=True)
        self._wait(plan, lambda: not _running(self._status(plan)))
        if self._status(plan) not in DONE_OK:
            raise AwsError(f"stack {stack_name} ended {self._status(plan)}: "
                           f"{self._failures(plan)}", "fix the cause, then rerun",
                           code="StackFailed")

    def _show(self, plan: StackPlan, name: str, deployed: DeployedStack | None,
              changes: list[ResourceChange]) -> None:
        from generator.diff.writers import text_lines

        old = (deployed.template or {}).get("Resources", {}) if deployed else {}
        self.ui.styled_lines(text_lines(as_diff(plan.stack_name, name, changes, old)))

    def _drop_stale_change_sets(self, plan: StackPlan) -> None:
        listed = self.gateway.pages("cloudformation", "ListChangeSets", "Summaries",
                                    region=plan.region, StackName=plan.stack_name)
        for summary in listed:
            if summary.get("StackName", plan.stack_name) == plan.stack_name and \
                    str(summary["ChangeSetName"]).startswith(CHANGE_SET_PREFIX):
                self._call(plan, "DeleteChangeSet", StackName=plan.stack_name,
                           ChangeSetName=summary["ChangeSetName"])

    def _wait_for_change_set(self, plan: StackPlan, name: str) -> tuple[str, str]:
        result: dict[str, str] = {}

        def created() -> bool:
            found = self._call(plan, "DescribeChangeSet", StackName=plan.stack_name,
                               ChangeSetName=name)
            result["status"] = str(found.get("Status", ""))
            result["reason"] = str(found.get("StatusReason") or "")
            return result["status"] in ("CREATE_COMPLETE", "FAILED")

        self._wait(plan, created)
        return result["status"], result["reason"]

    def _changes(self, plan: StackPlan, name: str,
                 deployed: DeployedStack | None) -> list[ResourceChange]:
        listed = self.gateway.pages("cloudformation", "DescribeChangeSet", "Changes",
                                    region=plan.region, StackName=plan.stack_name,
                                    ChangeSetName=name)
        changes = from_change_set(listed)
        old = (deployed.template or {}).get("Resources", {}) if deployed else {}
        return [_with_properties(c, old, plan.resources()) for c in changes]

    def _refuse_destructive(self, plan: StackPlan, name: str, change_type: str,
                            changes: list[ResourceChange]) -> None:
        leaving = {m.logical_id for m in self.moves if m.source == plan.name}
        bad = [c for c in destructive(changes)
               if not (c.action == "Remove" and c.logical_id in leaving)]
        if not bad:
            return
        listed = ", ".join(f"{c.logical_id} {c.what}" for c in bad)
        if self.options.allow_destructive:
            self.ui.warn(f"destructive changes allowed by --allow-destructive: {listed}")
            return
        self._discard(plan, name, change_type)
        raise RefusedError(f"change set of {plan.stack_name} would remove or replace: {listed}",
                           "nothing was executed; if this is intended, rerun with "
                           "--allow-destructive (accounts are kept in the organization, but "
                           "leave their stack)")

    def _discard(self, plan: StackPlan, name: str, change_type: str) -> None:
        self._call(plan, "DeleteChangeSet", StackName=plan.stack_name, ChangeSetName=name)
        if change_type == "CREATE":  # the stack it made waits in REVIEW_IN_PROGRESS
            self._call(plan, "DeleteStack", StackName=plan.stack_name)

    def _execute(self, plan: StackPlan, name: str, change_type: str, total: int) -> str:
        marker = self._newest_event(plan)
        self._call(plan, "ExecuteChangeSet", StackName=plan.stack_name, ChangeSetName=name)
        with self.ui.tracking(plan.stack_name, total) as tracker:
            status = self._follow(plan, marker, tracker)
            tracker.finish()
        if status not in DONE_OK:
            raise AwsError(f"stack {plan.stack_name} ended {status}: {self._failures(plan)}",
                           "fix the cause, then rerun: a stack whose creation rolled back is "
                           "deleted and created again", code="StackFailed")
        self._protect(plan, None)
        return "created" if change_type == "CREATE" else "updated"

    # -- waiting and events ----------------------------------------------------------------------

    def _wait(self, plan: StackPlan, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.options.timeout_seconds
        while not done():
            if time.monotonic() > deadline:
                raise AwsError(f"timed out waiting for stack {plan.stack_name}",
                               "it is still running in CloudFormation: rerun later, deploy "
                               "waits for it", code="Timeout")
            self.pause(self.options.poll_seconds)

    def _newest_event(self, plan: StackPlan) -> str:
        events = self._call(plan, "DescribeStackEvents", StackName=plan.stack_name)
        listed = events.get("StackEvents") or []
        return str(listed[0]["EventId"]) if listed else ""

    def _events_since(self, plan: StackPlan, marker: str) -> list[dict[str, Any]]:
        """Events newer than `marker`, oldest first."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"StackName": plan.stack_name}
        while True:
            page = self._call(plan, "DescribeStackEvents", **params)
            for event in page.get("StackEvents") or []:
                if event["EventId"] == marker:
                    return found[::-1]
                found.append(event)
            if not page.get("NextToken"):
                return found[::-1]
            params["NextToken"] = page["NextToken"]

    def _follow(self, plan: StackPlan, marker: str, tracker: Tracker) -> str:
        deadline = time.monotonic() + self.options.timeout_seconds
        while True:
            status = self._status(plan)
            events = self._events_since(plan, marker)
            for event in events:
                self._show_event(plan, event, tracker)
            if events:
                marker = str(events[-1]["EventId"])
            if not _running(status):
                return status
            if time.monotonic() > deadline:
                raise AwsError(f"timed out waiting for stack {plan.stack_name}",
                               "it is still running in CloudFormation: rerun later",
                               code="Timeout")
            self.pause(self.options.poll_seconds)

    @staticmethod
    def _show_event(plan: StackPlan, event: dict[str, Any], tracker: Tracker) -> None:
        logical = str(event.get("LogicalResourceId", ""))
        status = str(event.get("ResourceStatus", ""))
        tracker.event(logical, status, str(event.get("ResourceStatusReason") or ""))
        if logical != plan.stack_name and status.endswith(_RESOURCE_DONE):
            tracker.advance()

    def _failures(self, plan: StackPlan) -> str:
        events = self._call(plan, "DescribeStackEvents", StackName=plan.stack_name)
        failed = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
                  for e in events.get("StackEvents") or []
                  if str(e.get("ResourceStatus", "")).endswith("_FAILED")
                  and e.get("LogicalResourceId") != plan.stack_name]
        return "; ".join(failed[:5]) or "see the stack's events"


def _refers_to(value: Any, name: str) -> bool:
    if isinstance(value, dict):
        return value.get("Ref") == name or any(_refers_to(v, name) for v in value.values())
    if isinstance(value, list):
        return any(_refers_to(v, name) for v in value)
    return False


def _running(status: str) -> bool:
    return status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS"


def _change_set_name(body: str, parameters: dict[str, str]) -> str:
    digest = hashlib.sha256((body + json.dumps(parameters, sort_keys=True)).encode())
    return f"{CHANGE_SET_PREFIX}{digest.hexdigest()[:16]}"


def _with_properties(change: ResourceChange, old: dict[str, Any],
                     new: dict[str, Any]) -> ResourceChange:
    """Name the changed properties from the two templates when AWS gave no details."""
    if change.properties or change.action != "Modify":
        return change
    before = (old.get(change.logical_id) or {}).get("Properties") or {}
    after = (new.get(change.logical_id) or {}).get("Properties") or {}
    names = tuple(sorted(k for k in before.keys() | after.keys()
                         if before.get(k) != after.get(k)))
    return ResourceChange(change.logical_id, change.resource_type, change.action,
                          change.replacement, change.physical_id, names)
