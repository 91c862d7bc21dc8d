"""Patches to moto's CloudFormation engine, where its semantics differ from real CloudFormation
in ways an end-to-end deploy test would trip over.  ``apply()`` is idempotent.

What changes (moto 5.2.5):

* Updates (``ResourceMap.update``: UpdateStack, ExecuteChangeSet of CREATE and UPDATE change
  sets).  moto deleted removed resources *first* (even ``DeletionPolicy: Retain`` ones), created
  added ones ignoring ``DependsOn``, updated modified ones in arbitrary order, and never
  re-evaluated a resource whose template text was unchanged but whose ``Ref``/``GetAtt`` target
  was replaced or whose SSM-typed parameter now resolves differently.  Now: add/update in
  dependency order, propagate replaced physical ids and changed resolved parameter values to
  dependants, then a cleanup phase (removed resources in reverse dependency order honouring
  ``Retain``/``RetainExceptOnCreate``, then the old physical resources of replacements).
  Cleanup failures do not fail the update (CloudFormation only reports them); they are logged
  and kept in ``ResourceMap.cleanup_failures``.
* Failures.  moto turned a failing resource into an API error of CreateStack/UpdateStack/
  ExecuteChangeSet and left the stack half-done in ``CREATE_IN_PROGRESS``/``REVIEW_IN_PROGRESS``.
  Now the call succeeds and, as in CloudFormation, the resource gets a ``CREATE_FAILED``/
  ``UPDATE_FAILED`` event with the error as reason and the stack rolls back: ``ROLLBACK_COMPLETE``
  (created resources deleted; ``Retain`` kept) or ``UPDATE_ROLLBACK_COMPLETE`` (added and
  replacement resources deleted, replaced ones restored, in-place changes re-applied from the
  old template); ``ROLLBACK_FAILED``/``UPDATE_ROLLBACK_FAILED`` if that fails too.  Template
  and parameter validation errors are still returned by the API call, as in AWS.
* SSM parameter types.  A missing parameter gave an HTML 500; now ``ValidationError: Unable to
  fetch parameters [...]``, raised already by CreateChangeSet (moto resolved only on execute;
  a failed CREATE change set leaves no ``REVIEW_IN_PROGRESS`` stack).  DescribeStacks showed
  the resolved value as ``ParameterValue``; now the name, with the value in ``ResolvedValue``.
* DescribeChangeSet.  Only resources whose template text changed were listed, without
  ``Replacement``/``PhysicalResourceId``.  Now ``Modify`` changes carry ``Replacement``
  (``True``/``False`` from the type's create-only properties; ``Conditional`` when it depends on
  a value known only at execution, or for types whose create-only properties are unknown) and
  resources that reference a replaced or added resource are listed as ``Modify`` too.
* Outputs and exports.  moto never evaluated them for stacks made by a CREATE change set, never
  refreshed them (nor the exports) after ExecuteChangeSet or UpdateStack, and evaluating the
  Outputs of a rolled-back or deleted stack re-created its resources.  Now they are refreshed
  after every operation and shown only in ``*_COMPLETE`` states (not ``ROLLBACK_COMPLETE``).
* DescribeStackResources/ListStackResources *created* any missing resource while listing
  (moto's lazy resource map); now they list the resources that exist.
* DeleteStack.  A resource that could not be deleted made moto drop the stack and return a
  500; now the stack stays in ``DELETE_FAILED`` (reason in its events) and can be deleted again.
* Resource events.  moto recorded events for the stack only; now every resource created or
  updated gets its ``CREATE_IN_PROGRESS``/``CREATE_COMPLETE`` (or ``UPDATE_...``) events.
* Termination protection.  moto had no UpdateTerminationProtection; now it sets the flag that
  DescribeStacks shows, and DeleteStack refuses a protected stack (``ValidationError``).
* Template parsing.  moto parsed every template with PyYAML's pure-Python loader, JSON ones
  included: some 70 ms per StackSet instance (each instance is a stack with its own copy of
  the template) and seconds per change set of a large account stack.  Now a template that is
  JSON is read with ``json`` (a JSON text means the same in YAML); others still go through
  moto's loader.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.ssm.models import ssm_backends

logger = logging.getLogger(__name__)

RETAIN_POLICIES = frozenset({"Retain", "RetainExceptOnCreate"})

_SUB_REFERENCE = re.compile(r"\$\{([^!}][^}]*)\}")
_state = threading.local()
_ORIGINALS: dict[str, Any] = {}


# ---------------------------------------------------------------------------------------------
# Deferred cleanup of replaced physical resources


@contextmanager
def collecting_cleanups() -> Iterator[list[Callable[[], None]]]:
    """Within this block ``defer_cleanup`` queues instead of running (per thread)."""
    previous: list[Callable[[], None]] | None = getattr(_state, "cleanups", None)
    queue: list[Callable[[], None]] = []
    _state.cleanups = queue
    try:
        yield queue
    finally:
        _state.cleanups = previous


def defer_cleanup(action: Callable[[], None]) -> None:
    """Run ``action`` in the cleanup phase of the current stack update (now, if none)."""
    queue: list[Callable[[], None]] | None = getattr(_state, "cleanups", None)
    if queue is None:
        action()
    else:
        queue.append(action)


def is_retained(policy: object) -> bool:
    return policy in RETAIN_POLICIES


# ---------------------------------------------------------------------------------------------
# Template dependency analysis


def references(node: Any) -> set[str]:
    """Names referenced through Ref, Fn::GetAtt and Fn::Sub anywhere below ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                template = value[0] if isinstance(value, list) else value
                if isinstance(template, str):
                    found.update(m.split(".")[0] for m in _SUB_REFERENCE.findall(template))
                found |= references(value[1] if isinstance(value, list) else None)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def dependencies(resources: dict[str, Any], name: str) -> set[str]:
    resource = resources[name]
    depends_on = resource.get("DependsOn", [])
    declared = {depends_on} if isinstance(depends_on, str) else set(depends_on)
    return (references(resource) | declared) & resources.keys() - {name}


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Resource names, each after everything it depends on (template order otherwise)."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        for dependency in sorted(dependencies(resources, name)):
            visit(dependency)
        visiting.discard(name)
        ordered.append(name)

    for name in resources:
        visit(name)
    return ordered


# ---------------------------------------------------------------------------------------------
# ResourceMap.update


def _physical_id(resource: Any) -> Any:
    return getattr(resource, "physical_resource_id", resource)


def _condition_false(resource_map: Any, resource_json: dict[str, Any]) -> bool:
    condition = resource_json.get("Condition")
    return bool(condition) and not resource_map.lazy_condition_map[condition]


def _update_one(resource_map: Any, name: str, resource_json: dict[str, Any]) -> bool:
    """Update (or create, if it never existed) one resource; True if its identity changed."""
    before = resource_map._parsed_resources.get(name)
    if before is None:
        return resource_map[name] is not None
    after = parsing.parse_and_update_resource(
        name,
        resource_json,
        resource_map,
        account_id=resource_map._account_id,
        region_name=resource_map._region_name,
    )
    if after is None:
        return False
    resource_map._parsed_resources[name] = after
    return after is not before or _physical_id(after) != _physical_id(before)


def _delete_quietly(resource_map: Any, name: str, resource: Any, resource_json: Any) -> None:
    try:
        resource_map._delete_resource(resource, resource_json)
    except Exception as error:  # CloudFormation only reports cleanup failures as events
        logger.warning("cleanup of %s failed: %s", name, error)
        resource_map.cleanup_failures.append((name, error))


class UpdateRolledBack(Exception):
    """A resource failed during an update; the update was rolled back (see ``__cause__``)."""


class RollbackFailed(Exception):
    """A resource failed during an update and rolling back failed as well."""


def _load_template(self: Any, template: dict[str, Any], parameters: dict[str, Any]) -> None:
    slots = template.get("Parameters") or {}
    self._template = template
    # A stack made by a CREATE change set starts with an empty template but the change set's
    # parameters: moto's load_parameters fails on values the template does not declare.
    self.input_parameters = {k: v for k, v in parameters.items() if k in slots}
    self.load_mapping()
    self.load_parameters()
    self.load_conditions()
    self._resource_json_map = template.get("Resources", {})


Journal = list[tuple[str, str, Any]]


def _apply_changes(
    self: Any, diff: dict[str, list[str]], changed: set[str], journal: Journal
) -> list[str]:
    """Add and update in dependency order; the names of resources to remove afterwards."""
    resources: dict[str, Any] = self._resource_json_map
    removed = list(diff["Remove"])
    for name in dependency_order(resources):
        resource_json = resources[name]
        if _condition_false(self, resource_json):
            if name in self._parsed_resources:
                removed.append(name)
            continue
        if name in diff["Add"]:
            journal.append(("add", name, None))
            self[name]
            changed.add(name)
        elif name in diff["Modify"] or references(resource_json) & changed:
            journal.append(("modify", name, self._parsed_resources.get(name)))
            if _update_one(self, name, resource_json):
                changed.add(name)
    return removed


def _roll_back(
    self: Any,
    journal: Journal,
    new: tuple[dict[str, Any], dict[str, Any]],
    old_template: dict[str, Any],
    old_parameters: dict[str, Any],
) -> None:
    """Undo ``journal``: put replaced resources back, re-apply old properties in place (so
    dependants return to the old resources), then delete what the update created (resolving
    its properties with the new template's parameters, which the old template may lack)."""
    new_template, new_parameters = new
    new_resources: dict[str, Any] = new_template["Resources"]
    _load_template(self, old_template, old_parameters)
    old_resources: dict[str, Any] = self._resource_json_map
    parsed: dict[str, Any] = self._parsed_resources
    created: list[tuple[str, Any]] = []
    for kind, name, before in journal:
        current = parsed.get(name)
        if kind == "add" or (current is not before and _create_only_known(new_resources, name)):
            if current is not None and current is not before:
                created.append((name, current))
            if before is None:
                parsed.pop(name, None)
            else:
                parsed[name] = before
    recreated = {name for name, _ in created}
    for kind, name, _ in reversed(journal):
        if kind == "modify" and name not in recreated and name in old_resources:
            _update_one(self, name, old_resources[name])
    if created:
        _load_template(self, new_template, new_parameters)
        try:
            for name, resource in reversed(created):
                _discard_created(self, resource, new_resources[name])
        finally:
            _load_template(self, old_template, old_parameters)


def _discard_created(self: Any, resource: Any, resource_json: dict[str, Any]) -> None:
    """Roll back a creation: ``Retain`` keeps the resource, ``RetainExceptOnCreate`` does not."""
    policy = resource_json.get("DeletionPolicy")
    if policy == "Retain":
        return
    if policy == "RetainExceptOnCreate":
        resource_json = {k: v for k, v in resource_json.items() if k != "DeletionPolicy"}
    self._delete_resource(resource, resource_json)


def _create_only_known(resources: dict[str, Any], name: str) -> bool:
    """Replacements of the harness's models keep the old resource until cleanup."""
    model = parsing.get_model_map().get(str(resources[name].get("Type")))
    return hasattr(model, "CREATE_ONLY")


def faithful_update(
    self: Any, template: dict[str, Any], parameters: dict[str, Any] | None = None
) -> None:
    old_template: dict[str, Any] = self._template
    old_parameters = dict(self.input_parameters)
    old_resources: dict[str, Any] = self._resource_json_map
    old_resolved = dict(self.resolved_parameters)
    diff = self.build_resource_diff(template, parameters)
    try:
        _load_template(self, template, parameters or self.input_parameters)
    except Exception:
        _load_template(self, old_template, old_parameters)
        raise
    self.cleanup_failures = []
    changed = {k for k, v in self.resolved_parameters.items() if old_resolved.get(k) != v}
    journal: Journal = []
    try:
        with collecting_cleanups() as cleanups:
            removed = _apply_changes(self, diff, changed, journal)
    except Exception as error:
        try:
            _roll_back(self, journal, (template, parameters or old_parameters), old_template,
                       old_parameters)
        except Exception as rollback_error:
            raise RollbackFailed(str(rollback_error)) from error
        raise UpdateRolledBack(str(error)) from error

    old_resources = {**template["Resources"], **old_resources}
    for name in reversed(dependency_order({n: old_resources[n] for n in removed})):
        resource = self._parsed_resources.pop(name, None)
        if resource is not None and not is_retained(old_resources[name].get("DeletionPolicy")):
            _delete_quietly(self, name, resource, old_resources[name])
    for cleanup in reversed(cleanups):  # dependants' old resources first
        try:
            cleanup()
        except Exception as error:
            logger.warning("cleanup of a replaced resource failed: %s", error)
            self.cleanup_failures.append(("<replaced>", error))


# ---------------------------------------------------------------------------------------------
# SSM parameter types


def parse_ssm_parameter(self: Any, value: str, value_type: str) -> Any:
    parameter = ssm_backends[self._account_id][self._region_name].get_parameter(value)
    if parameter is None:
        raise ValidationError(
            message=f"Unable to fetch parameters [{value}] from parameter store for this account."
        )
    if "List" in value_type:
        return parameter.value.split(",")
    return parameter.value


def parameter_list(self: Any) -> list[dict[str, Any]]:
    resource_map = self.resource_map
    slots: dict[str, Any] = resource_map._template.get("Parameters", {}) or {}
    result = []
    for key, value in resource_map.resolved_parameters.items():
        if key not in slots:  # left from an earlier template: AWS lists the template's own
            continue
        slot = slots[key]
        entry: dict[str, Any] = {"ParameterKey": key, "ParameterValue": value}
        if str(slot.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
            entry["ParameterValue"] = resource_map.input_parameters.get(key, slot.get("Default"))
            entry["ResolvedValue"] = ",".join(value) if isinstance(value, list) else value
        elif key in resource_map.no_echo_parameter_keys:
            entry["ParameterValue"] = "****"
        result.append(entry)
    return result


# ---------------------------------------------------------------------------------------------
# Change sets: Replacement, PhysicalResourceId and dependants of replaced resources

KNOWN_CREATE_ONLY: dict[str, tuple[str, ...]] = {"AWS::SSM::Parameter": ("Name",)}


def _create_only(resource_type: str) -> tuple[str, ...] | None:
    model = parsing.get_model_map().get(resource_type)
    create_only: tuple[str, ...] | None = getattr(model, "CREATE_ONLY", None)
    return create_only if create_only is not None else KNOWN_CREATE_ONLY.get(resource_type)


def replacement(old: dict[str, Any], new: dict[str, Any], volatile: set[str]) -> str:
    """ResourceChange.Replacement: True, False or Conditional (unknown or decided at run time)."""
    create_only = _create_only(str(new.get("Type")))
    if create_only is None:
        return "Conditional"
    old_properties = old.get("Properties") or {}
    new_properties = new.get("Properties") or {}
    for key in create_only:
        dynamic = bool(references(new_properties.get(key)) & volatile)
        if dynamic:
            return "Conditional"
        if old_properties.get(key) != new_properties.get(key):
            return "True"
    return "False"


def _resolve_ssm_parameters(
    resource_map: Any, template: dict[str, Any], parameters: dict[str, Any]
) -> None:
    for key, slot in (template.get("Parameters") or {}).items():
        value_type = str(slot.get("Type", ""))
        name = parameters.get(key, slot.get("Default"))
        if value_type.startswith("AWS::SSM::Parameter::") and name:
            parse_ssm_parameter(resource_map, name, value_type)


def change_set_diff(self: Any) -> list[Any]:
    resource_map = self.stack.resource_map
    _resolve_ssm_parameters(resource_map, self.template_dict or {}, self.parameters or {})
    changes: list[Any] = _ORIGINALS["diff"](self)
    old: dict[str, Any] = resource_map._resource_json_map
    new: dict[str, Any] = (self.template_dict or {}).get("Resources") or {}
    by_name = {change.logical_resource_id: change for change in changes}
    volatile = {change.logical_resource_id for change in changes if change.action == "Add"}
    for name in dependency_order(new):
        change = by_name.get(name)
        if change is None and name in old and references(new[name]) & volatile:
            change = cfn_models.Change("Modify", name, new[name]["Type"])
            changes.append(change)
        if change is None or change.action != "Modify":
            continue
        change.replacement = replacement(old.get(name, {}), new[name], volatile)
        if change.replacement != "False":
            volatile.add(name)
    for change in changes:
        parsed = resource_map._parsed_resources.get(change.logical_resource_id)
        if change.action != "Add" and parsed is not None:
            change.physical_resource_id = _physical_id(parsed)
    return changes


# ---------------------------------------------------------------------------------------------
# Failures: rollback and stack status instead of an API error


def _finish(stack: Any, status: str, reason: str | None = None) -> None:
    stack.status = status
    stack._add_stack_event(status, resource_status_reason=reason)


def _resource_event(resource_map: Any, logical_id: str, resource_json: dict[str, Any],
                    status: str, physical_id: str = "") -> None:
    """A resource's event on its stack, as CloudFormation records one per resource."""
    stack_id = getattr(resource_map, "stack_id", None)
    account_id = getattr(resource_map, "_account_id", None)
    region_name = getattr(resource_map, "_region_name", None)
    if not (stack_id and account_id and region_name):
        return
    stack = cfn_models.cloudformation_backends[account_id][region_name].stacks.get(stack_id)
    if stack is None:  # the hidden stack of a StackSet instance
        return
    stack.events.append(cfn_models.Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=physical_id,
        resource_type=str(resource_json.get("Type", "")),
        resource_status=status,
        resource_status_reason=None,
        resource_properties=None,
    ))


def _tag_failures(original: Callable[..., Any], verb: str) -> Callable[..., Any]:
    """Record the resource's IN_PROGRESS and COMPLETE events, and mark an exception with the
    (innermost) resource whose creation or update raised it."""

    def wrapper(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        resource_map = args[0] if args else kwargs.get("resources_map")
        _resource_event(resource_map, logical_id, resource_json, f"{verb}_IN_PROGRESS")
        try:
            created = original(logical_id, resource_json, *args, **kwargs)
        except Exception as error:
            if not hasattr(error, "lzgen_resource"):
                error.lzgen_resource = (logical_id, resource_json.get("Type"))  # type: ignore[attr-defined]
            raise
        if created is not None:
            _resource_event(resource_map, logical_id, resource_json, f"{verb}_COMPLETE",
                            str(_physical_id(created)))
        return created

    return wrapper


def _failed_resource(error: BaseException | None) -> tuple[str, str] | None:
    while error is not None:
        found: tuple[str, str] | None = getattr(error, "lzgen_resource", None)
        if found is not None:
            return found
        error = error.__cause__
    return None


def _record_failure(stack: Any, error: Exception, verb: str, prefix: str) -> None:
    """The resource's <VERB>_FAILED event and the stack's <PREFIX>ROLLBACK_IN_PROGRESS."""
    logger.warning("stack %s failed to %s, rolling back: %s", stack.name, verb, error)
    resource = _failed_resource(error)
    if resource is not None:
        event = cfn_models.Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=resource[0],
            physical_resource_id="",
            resource_type=resource[1],
            resource_status=f"{verb.upper()}_FAILED",
            resource_status_reason=str(error),
            resource_properties=None,
        )
        stack.events.append(event)
    names = resource[0] if resource is not None else ""
    reason = f"The following resource(s) failed to {verb}: [{names}]."
    _finish(stack, f"{prefix}ROLLBACK_IN_PROGRESS", reason)


def _roll_back_creation(stack: Any) -> None:
    try:
        stack.resource_map.delete()
    except Exception as rollback_error:
        _finish(stack, "ROLLBACK_FAILED", str(rollback_error))
    else:
        _finish(stack, "ROLLBACK_COMPLETE")


def create_resources(self: Any) -> None:
    try:
        _ORIGINALS["create_resources"](self)
    except Exception as error:
        _record_failure(self, error, "create", "")
        _roll_back_creation(self)


def _rolled_back_status(error: Exception, prefix: str) -> str:
    outcome = "COMPLETE" if isinstance(error, UpdateRolledBack) else "FAILED"
    return f"{prefix}ROLLBACK_{outcome}"


def stack_update(self: Any, template: str, *args: Any, **kwargs: Any) -> None:
    previous = (self.template, self.template_dict)
    try:
        _ORIGINALS["stack_update"](self, template, *args, **kwargs)
    except (UpdateRolledBack, RollbackFailed) as error:
        self.template, self.template_dict = previous
        self.output_map = self._create_output_map()
        _record_failure(self, error, "update", "UPDATE_")
        _finish(self, _rolled_back_status(error, "UPDATE_"))


OUTPUT_STATES = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}
)


def stack_outputs(self: Any) -> list[dict[str, Any]] | None:
    """No Outputs while a stack is not in a complete state (evaluating them would make moto
    re-create deleted resources)."""
    if self.status not in OUTPUT_STATES:
        return None
    outputs: list[dict[str, Any]] | None = _ORIGINALS["outputs"].fget(self)
    return outputs


def stack_exports(self: Any) -> list[Any]:
    if self.status not in OUTPUT_STATES:
        return []
    exports: list[Any] = _ORIGINALS["exports"].fget(self)
    return exports


def refresh_outputs(backend: Any, stack: Any) -> None:
    """Re-evaluate a stack's Outputs and its exports from its (current) template."""
    if isinstance(stack.template, str):
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()
    for name, export in list(backend.exports.items()):
        if export.exporting_stack_id == stack.stack_id:
            del backend.exports[name]
    if stack.status not in OUTPUT_STATES:
        return
    for export in stack.exports:
        if export.name in backend.exports:
            logger.warning("export %s of %s is already exported", export.name, stack.name)
        else:
            backend.exports[export.name] = export


def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
    change_set = self.describe_change_set(change_set_name)
    stack = self.stacks[change_set.stack_id]
    creating = change_set.change_set_type == "CREATE"
    try:
        _ORIGINALS["execute_change_set"](self, change_set_name, stack_name)
    except (UpdateRolledBack, RollbackFailed) as error:
        change_set.execution_status = "EXECUTE_FAILED"
        prefix = "" if creating else "UPDATE_"
        _record_failure(stack, error, "create" if creating else "update", prefix)
        _finish(stack, _rolled_back_status(error, prefix))
    refresh_outputs(self, stack)


def create_stack(self: Any, *args: Any, **kwargs: Any) -> Any:
    """Exports are evaluated once the stack is complete (moto did it before creating the stack's
    resources, creating them out of order and outside the rollback handling)."""
    before = set(self.stacks)
    try:
        stack = _ORIGINALS["create_stack"](self, *args, **kwargs)
    except Exception as error:
        added = [self.stacks[stack_id] for stack_id in set(self.stacks) - before]
        if not added:
            raise
        stack = added[0]
        _record_failure(stack, error, "create", "")
        _roll_back_creation(stack)
    refresh_outputs(self, stack)
    return stack


def update_stack(self: Any, *args: Any, **kwargs: Any) -> Any:
    stack = _ORIGINALS["update_stack"](self, *args, **kwargs)
    refresh_outputs(self, stack)
    return stack


def create_change_set(self: Any, *args: Any, **kwargs: Any) -> Any:
    """A change set that fails validation leaves no REVIEW_IN_PROGRESS stack behind."""
    before = set(self.stacks)
    try:
        return _ORIGINALS["create_change_set"](self, *args, **kwargs)
    except Exception:
        for stack_id in set(self.stacks) - before:
            del self.stacks[stack_id]
        raise


def stack_resources(self: Any) -> list[Any]:
    """The resources that exist; moto's version *creates* missing ones while listing."""
    parsed: dict[str, Any] = self.resource_map._parsed_resources
    names = self.resource_map._resource_json_map
    return [parsed[name] for name in names if parsed.get(name) is not None]


# ---------------------------------------------------------------------------------------------
# DeleteStack


def delete_stack(self: Any, name_or_stack_id: str) -> None:
    stack = next(
        (s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None
    )
    if stack is not None and stack.enable_termination_protection:
        raise ValidationError(
            message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is "
            "enabled"
        )
    try:
        _ORIGINALS["delete_stack"](self, name_or_stack_id)
    except Exception as error:
        if stack is None:
            raise
        logger.warning("deleting stack %s failed: %s", stack.name, error)
        self.stacks[stack.stack_id] = stack
        self.deleted_stacks.pop(stack.stack_id, None)
        stack.status = "DELETE_FAILED"
        stack._add_stack_event("DELETE_FAILED", resource_status_reason=str(error))


# ---------------------------------------------------------------------------------------------
# UpdateTerminationProtection


def update_termination_protection(self: Any) -> ActionResult:
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection")
    return ActionResult({"StackId": stack.stack_id})


# ---------------------------------------------------------------------------------------------
# Template parsing


def parse_template(template: str) -> dict[str, Any]:
    if isinstance(template, str) and template.lstrip().startswith("{"):
        try:
            parsed: dict[str, Any] = json.loads(template)
            return parsed
        except ValueError:
            pass  # YAML in flow style, say: moto's loader reads it
    found: dict[str, Any] = _ORIGINALS["parse_template"](template)
    return found


def change_set_parse_template(self: Any) -> None:
    self.template_dict = parse_template(self.template)


# ---------------------------------------------------------------------------------------------


def apply() -> None:
    if _ORIGINALS:
        return
    resource_map = parsing.ResourceMap
    backend = cfn_models.CloudFormationBackend
    _ORIGINALS.update(
        update=resource_map.update,
        parse_ssm_parameter=resource_map.parse_ssm_parameter,
        parameter_list=cfn_models.Stack.parameter_list,
        delete_stack=backend.delete_stack,
        diff=cfn_models.ChangeSet.diff,
        create_resources=cfn_models.Stack.create_resources,
        stack_update=cfn_models.Stack.update,
        execute_change_set=backend.execute_change_set,
        update_stack=backend.update_stack,
        create_stack=backend.create_stack,
        outputs=cfn_models.Stack.outputs,
        exports=cfn_models.Stack.exports,
        create_change_set=backend.create_change_set,
        stack_resources=cfn_models.Stack.stack_resources,
        parse_and_create_resource=parsing.parse_and_create_resource,
        parse_and_update_resource=parsing.parse_and_update_resource,
        parse_template=cfn_models.Stack.parse_template,
    )
    cfn_models.Stack.parse_template = staticmethod(parse_template)  # type: ignore[method-assign]
    cfn_models.ChangeSet._parse_template = change_set_parse_template  # type: ignore[method-assign]
    parsing.parse_and_create_resource = _tag_failures(
        _ORIGINALS["parse_and_create_resource"], "CREATE"
    )
    parsing.parse_and_update_resource = _tag_failures(
        _ORIGINALS["parse_and_update_resource"], "UPDATE"
    )
    cfn_models.Stack.stack_resources = property(stack_resources)  # type: ignore[assignment,method-assign]
    cfn_models.ChangeSet.diff = change_set_diff  # type: ignore[method-assign]
    cfn_models.Stack.create_resources = create_resources  # type: ignore[method-assign]
    cfn_models.Stack.update = stack_update  # type: ignore[method-assign]
    backend.execute_change_set = execute_change_set  # type: ignore[method-assign]
    backend.update_stack = update_stack  # type: ignore[method-assign]
    backend.create_stack = create_stack  # type: ignore[method-assign]
    cfn_models.Stack.outputs = property(stack_outputs)  # type: ignore[assignment,method-assign]
    cfn_models.Stack.exports = property(stack_exports)  # type: ignore[assignment,method-assign]
    backend.create_change_set = create_change_set  # type: ignore[method-assign]
    resource_map.update = faithful_update  # type: ignore[method-assign]
    resource_map.parse_ssm_parameter = parse_ssm_parameter  # type: ignore[method-assign]
    cfn_models.Stack.parameter_list = property(parameter_list)  # type: ignore[assignment,method-assign]
    backend.delete_stack = delete_stack  # type: ignore[method-assign]
    CloudFormationResponse.update_termination_protection = update_termination_protection  # type: ignore[attr-defined]
