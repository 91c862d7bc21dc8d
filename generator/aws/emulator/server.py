"""A restartable moto server with a request gate in front of it.

moto keeps all emulated state in module-level backends of *this* process, so stopping the HTTP
server loses nothing: ``stop()`` then ``start()`` (same port) brings back the same organization,
stacks and parameters.  That is what makes "the emulator went away half way through a deploy,
the rerun converges" testable.

The gate sees every request before moto does.  It logs the API operation, and it can trip the
server after a number of mutating requests (``fail_after``): the request that trips it is
answered ``503`` without being processed and the server is stopped, so every later request
fails with a connection error (or a ``503`` on a kept-alive connection) until ``start()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from . import compute_optimizer
from .calls import ApiCall
from .security import EXTRA_APPS

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_UNAVAILABLE_BODY = b""  # botocore turns an empty 5xx into ClientError "503"


def _service_from_auth(environ: dict[str, Any]) -> str:
    # "AWS4-HMAC-SHA256 Credential=KEY/20240101/us-east-1/organizations/aws4_request, ..."
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    scope = auth.partition("Credential=")[2].split(",")[0].split("/")
    return scope[3] if len(scope) > 3 else "unknown"


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = BytesIO(body)
    return body


def operation_from_environ(environ: dict[str, Any]) -> ApiCall:
    """The API operation of a request: JSON (X-Amz-Target), query (Action) or REST."""
    service = _service_from_auth(environ)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return ApiCall(service, str(target).rsplit(".", 1)[-1])
    query = parse_qs(str(environ.get("QUERY_STRING", "")))
    if "Action" not in query and "x-www-form-urlencoded" in str(environ.get("CONTENT_TYPE", "")):
        query = parse_qs(_read_body(environ).decode("utf-8", "replace"))
    if "Action" in query:
        return ApiCall(service, query["Action"][0])
    method = str(environ.get("REQUEST_METHOD", "GET"))
    operation = "Get" if method in ("GET", "HEAD", "OPTIONS") else method.title()
    return ApiCall(service, f"{operation} {environ.get('PATH_INFO', '/')}")


@dataclass
class RequestGate:
    """Logs API requests and refuses them while the emulator is down or once tripped."""

    app: WsgiApp | None = None
    on_trip: Callable[[int], None] = lambda epoch: None
    calls: list[ApiCall] = field(default_factory=list)
    down: bool = False
    epoch: int = 0
    _allowed_mutations: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_after(self, mutating_calls: int | None) -> None:
        with self._lock:
            self._allowed_mutations = mutating_calls

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._allowed_mutations = None

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        assert self.app is not None
        if str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
            return self.app(environ, start_response)
        call = operation_from_environ(environ)
        if not self._admit(call):
            start_response(
                "503 Service Unavailable",
                [("Content-Type", "text/plain"), ("Connection", "close")],
            )
            return [_UNAVAILABLE_BODY]
        extra = EXTRA_APPS.get(call.service)  # services moto does not have at all
        if extra is not None:
            return extra(environ, start_response)
        if call.service == compute_optimizer.SERVICE:  # moto has no Compute Optimizer
            return compute_optimizer.answer(environ, _read_body(environ), start_response)
        return self.app(environ, start_response)

    def _admit(self, call: ApiCall) -> bool:
        with self._lock:
            if self.down:
                return False
            if call.mutating and self._allowed_mutations is not None:
                if self._allowed_mutations == 0:
                    self._allowed_mutations = None
                    self.down = True
                    trip = threading.Thread(target=self.on_trip, args=(self.epoch,), daemon=True)
                    trip.start()
                    return False
                self._allowed_mutations -= 1
            self.calls.append(call)
            return True


class RestartableMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer that keeps its port across stop()/start(), with the request gate.

    ``_server_entry`` mirrors moto's own, wrapping moto's WSGI app in the gate; ``start`` adds
    a timeout and reports bind errors instead of waiting forever for the server thread.
    """

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(ip_address=ip_address, port=port, verbose=False)
        self.gate = RequestGate(on_trip=self._stop_tripped)
        self._running = False
        self._startup_error: Exception | None = None
        self._transition = threading.RLock()

    def _server_entry(self) -> None:
        self.gate.app = DomainDispatcherApplication(create_backend_app)
        try:
            self._server = make_server(
                self._ip_address,
                self._port,
                self.gate,
                True,
                request_handler=MotoRequestHandler,
            )
        except Exception as error:
            self._startup_error = error
            self._server_ready_event.set()
            return
        self._server_ready_event.set()
        self._server.serve_forever()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def start(self, timeout: float = 10.0) -> None:
        with self._transition:
            if self._running and not self.gate.down:
                return
            self._stop_locked()
            self._startup_error = None
            self._server_ready_event.clear()
            self._thread = threading.Thread(target=self._server_entry, daemon=True)
            self._thread.start()
            if not self._server_ready_event.wait(timeout) or self._startup_error is not None:
                raise RuntimeError(
                    f"moto server did not start on {self._ip_address}:{self._port}"
                ) from self._startup_error
            self._port = self.get_host_and_port()[1]
            self.gate.epoch += 1
            self.gate.down = False
            self._running = True

    def stop(self) -> None:
        with self._transition:
            self._stop_locked()

    def _stop_tripped(self, epoch: int) -> None:
        with self._transition:
            if epoch == self.gate.epoch:
                self._stop_locked()

    def _stop_locked(self) -> None:
        self.gate.down = True
        if not self._running:
            return
        super().stop()  # shutdown(); serve_forever() then closes the listening socket
        self._running = False
