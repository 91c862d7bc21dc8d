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
  now a known account is found by a dictionary lookup.
* Which service a request is for: moto listed its own package folder, with a ``stat`` of each
  entry, for every request (``moto.backends.list_of_moto_modules``); the folder does not
  change while the emulator runs, so it is listed once.
"""

from __future__ import annotations

import functools
from typing import Any

from moto import backends
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


def _known_first(create: Any) -> Any:
    @functools.wraps(create)
    def wrapper(self: BackendDict[Any], account_id: str) -> None:
        # An account in the dictionary was added by `create`, which also registered the
        # dictionary for moto's reset.
        if dict.__contains__(self, account_id):
            return
        create(self, account_id)

    return wrapper


def install() -> None:
    """Idempotent."""
    if _ORIGINALS:
        return
    _ORIGINALS.update(get_account_id_from=iam_models.get_account_id_from,
                      create_backend=BackendDict._create_account_specific_backend,
                      modules=backends.list_of_moto_modules)
    modules = tuple(_ORIGINALS["modules"]())
    backends.list_of_moto_modules = lambda: modules
    iam_models.get_account_id_from = account_of_access_key
    BackendDict._create_account_specific_backend = _known_first(  # type: ignore[method-assign]
        _ORIGINALS["create_backend"])
