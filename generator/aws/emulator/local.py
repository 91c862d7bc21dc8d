"""Running the emulator from the command line: `lzgen emulator` and `lzgen deploy --local`."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from generator.errors import UsageError

FAKE_CREDENTIALS = ("testing", "testing")
DEFAULT_PORT = 5000


def quiet_unsupported_types() -> None:
    """moto warns about every resource type its CloudFormation does not create (Config rules,
    trails, bucket policies, ...): stacks still complete, so the warnings are noise here."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("moto").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Tried to parse AWS::", category=UserWarning)


@contextmanager
def running_emulator(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """A moto server with lzgen's CloudFormation models; yields its endpoint URL."""
    try:
        from generator.aws.emulator import models
        from generator.aws.emulator.server import RestartableMotoServer
    except ImportError as error:
        raise UsageError("the local emulator needs moto, an optional dependency",
                         "install it with: pip install 'lzgen[local]'") from error
    models.install()
    quiet_unsupported_types()
    server = RestartableMotoServer(ip_address=host, port=port)
    try:
        server.start()
    except RuntimeError as error:
        raise UsageError(f"cannot start the emulator on {host}:{port}: {error.__cause__}",
                         "choose another port with --port") from error
    try:
        yield server.endpoint_url
    finally:
        server.stop()
