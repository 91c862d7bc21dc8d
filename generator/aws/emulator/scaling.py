"""Where moto's cost grows with the number of accounts it has seen, on every request: made
constant here, so that a deploy of thousands of accounts takes time in proportion to its work.
Nothing that the emulator answers changes.

* Which account a request is for: moto looks the caller's access key up in every account's IAM
  backend, in every partition, creating the backends of the partitions an account never used
  as it goes (``moto.iam.models.get_account_id_from``). With an IAM role in each of 1,000
  member accounts, every request walked some 5,000 backends. Now only the backends that exist
  are asked: one that does not exist holds no access key.
* Finding an account's backend of a service: moto copied the list of every account it knows
  before checking whether the account was new (``BackendDict._create_account_specific_backend``);
  now a known account is found by a dictionary lookup (and the dictionary's registration for
  moto's reset, by identity).
* Finding a StackSet's instance by account and region: moto walked the StackSet's list of
  instances (``StackInstances.get_instance``), and does so for each instance it creates and each
  DescribeStackInstance; the list now keeps an index, dropped whenever the list changes.
  DescribeStackInstance of an instance that does not exist answers
  StackInstanceNotFoundException, as AWS does, where moto failed.
* Which service a request is for: moto listed its own package folder, with a ``stat`` of each
  entry, for every request (``moto.backends.list_of_moto_modules``); the folder does not
  change while the emulator runs, so it is listed once.
"""

from __future__ import annotations

import functools
from typing import Any

from moto import backends
from moto.cloudformation.exceptions import StackInstanceNotFound
from moto.cloudformation.models import CloudFormationBackend, StackInstance, StackInstances
from moto.core.base_backend import BackendDict
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam import models as iam_models

_ORIGINALS: dict[str, Any] = {}


def account_of_access_key(access_key: str) -> str:
    for account_id, account in list(iam_models.iam_backends.items()):
        for backend in list(dict.values(account)):  # the partitions it has, none created
            if access_key in backend.access_keys:
                return str(account_id)
    return DEFAULT_ACCOUNT_ID


class IndexedInstances(list[StackInstance]):
    """A StackSet's instances, with a lookup by (account, region) built on first use and
    forgotten by every change to the list (moto appends, extends and removes)."""

    _index: dict[tuple[str, str], StackInstance] | None = None
    _version = 0  # changes with the list: an index built across a change is not kept

    def find(self, account: str, region: str) -> StackInstance | None:
        index = self._index
        if index is None:
            version, index = self._version, {}
            for instance in list(self):  # the first of equals wins, as in moto's walk
                index.setdefault((instance.account_id, instance.region_name), instance)
            if version == self._version:
                self._index = index
        return index.get((account, region))

    def _changed(self) -> None:
        self._version += 1
        self._index = None


def _forgetting(name: str) -> Any:
    method = getattr(list, name)

    def changed(self: IndexedInstances, *args: Any) -> Any:
        # Dropped after the change too: an index that another thread built in between, from
        # the list as it was, must not stay.
        self._changed()
        result = method(self, *args)
        self._changed()
        return self if name == "__iadd__" else result

    return changed


for _name in ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
              "__iadd__", "__setitem__", "__delitem__"):
    setattr(IndexedInstances, _name, _forgetting(_name))


def _indexed_init(init: Any) -> Any:
    @functools.wraps(init)
    def wrapper(self: StackInstances, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.stack_instances = IndexedInstances(self.stack_instances)

    return wrapper


def get_instance(self: StackInstances, account: str, region: str) -> StackInstance | None:
    instances = self.stack_instances
    if isinstance(instances, IndexedInstances):
        return instances.find(account, region)
    found: StackInstance | None = _ORIGINALS["get_instance"](self, account, region)
    return found


def describe_stack_instance(self: CloudFormationBackend, stack_set_name: str, account_id: str,
                            region: str) -> dict[str, Any]:
    """moto failed with an HTTP 500 for an instance that does not exist (yet: auto-deployment
    creates it after the account); AWS answers StackInstanceNotFoundException:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackInstance.html"""
    instance = self.describe_stack_set(stack_set_name).instances.get_instance(account_id, region)
    if instance is None:
        raise StackInstanceNotFound()
    found: dict[str, Any] = instance.to_dict()
    return found


def _known_first(create: Any) -> Any:
    @functools.wraps(create)
    def wrapper(self: BackendDict[Any], account_id: str) -> None:
        # Known, and registered for moto's reset (a reset can leave a backend that another
        # backend's reset created, unregistered: `create` registers it again, as here).
        if dict.__contains__(self, account_id) and any(
                known is self for known in BackendDict._instances):  # type: ignore[misc]
            return
        create(self, account_id)

    return wrapper


def install() -> None:
    """Idempotent."""
    if _ORIGINALS:
        return
    _ORIGINALS.update(get_account_id_from=iam_models.get_account_id_from,
                      create_backend=BackendDict._create_account_specific_backend,
                      modules=backends.list_of_moto_modules,
                      instances_init=StackInstances.__init__,
                      get_instance=StackInstances.get_instance)
    modules = tuple(_ORIGINALS["modules"]())
    backends.list_of_moto_modules = lambda: modules
    StackInstances.__init__ = _indexed_init(_ORIGINALS["instances_init"])  # type: ignore[method-assign]
    StackInstances.get_instance = get_instance  # type: ignore[assignment]
    CloudFormationBackend.describe_stack_instance = describe_stack_instance  # type: ignore[method-assign]
    iam_models.get_account_id_from = account_of_access_key
    BackendDict._create_account_specific_backend = _known_first(  # type: ignore[method-assign]
        _ORIGINALS["create_backend"])
