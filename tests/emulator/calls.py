"""Counting the AWS API calls that boto3 clients make.

Two ways to hook in:

* ``CallCounter.attach(session)`` registers a botocore ``before-call`` handler on one session.
  Clients must be created from that session *after* attaching (botocore copies the session's
  event emitter into each client when the client is created).
* ``CallCounter.patch_all_clients(monkeypatch)`` wraps ``BaseClient._make_api_call`` so every
  boto3/botocore client in the process is counted, however and whenever it was created.  This
  is what the ``call_counter`` fixture uses, because code under test builds its own sessions.

A call is counted once per API call, not per retry attempt.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.client import BaseClient

from generator.aws.emulator.calls import READ_ONLY_PREFIXES, ApiCall, is_mutating

__all__ = ["READ_ONLY_PREFIXES", "ApiCall", "CallCounter", "is_mutating"]


class _Patcher(Protocol):
    def setattr(self, target: Any, name: str, value: Any) -> None: ...


class _EventSource(Protocol):
    def register(self, event_name: str, handler: Any) -> None: ...


@dataclass
class CallCounter:
    calls: list[ApiCall] = field(default_factory=list)

    def record(self, service: str, operation: str) -> None:
        self.calls.append(ApiCall(service, operation))

    def attach(self, session: Any) -> None:
        """Count calls of clients later created from ``session`` (boto3 or botocore)."""
        events: _EventSource = getattr(session, "events", session)
        events.register("before-call", self._before_call)

    def _before_call(self, model: Any, **_: Any) -> None:
        self.record(model.service_model.service_name, model.name)

    def patch_all_clients(self, monkeypatch: _Patcher) -> None:
        """Count every client call in the process until ``monkeypatch`` is undone."""
        original = BaseClient._make_api_call
        counter = self

        def counting_make_api_call(
            client: BaseClient, operation_name: str, api_params: dict[str, Any]
        ) -> Any:
            counter.record(client.meta.service_model.service_name, operation_name)
            return original(client, operation_name, api_params)

        monkeypatch.setattr(BaseClient, "_make_api_call", counting_make_api_call)

    @property
    def mutating(self) -> list[ApiCall]:
        return [call for call in self.calls if call.mutating]

    def count(
        self,
        operation: str | None = None,
        *,
        service: str | None = None,
        mutating_only: bool = True,
    ) -> int:
        return sum(
            1
            for call in self.calls
            if (not mutating_only or call.mutating)
            and (operation is None or call.operation == operation)
            and (service is None or call.service == service)
        )

    def by_operation(self, *, mutating_only: bool = True) -> Counter[str]:
        calls: Iterable[ApiCall] = self.mutating if mutating_only else self.calls
        return Counter(str(call) for call in calls)

    def reset(self) -> None:
        self.calls.clear()
