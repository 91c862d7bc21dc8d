"""pytest fixtures for end-to-end tests against a local AWS emulator (moto server).

Fixtures:

* ``moto_server`` (session) -> ``RestartableMotoServer``: started once on 127.0.0.1, random port.
* ``moto_endpoint`` (session) -> ``str``: ``"http://127.0.0.1:PORT"``.
* ``emulator`` (function) -> ``Emulator``: server reset to empty, fake credentials/region and
  ``AWS_ENDPOINT_URL`` in the environment (so any boto3 client the code under test builds
  talks to the emulator), ``.client(service)``, ``.member_client(account, service)``,
  ``.create_organization()``, ``.stop()``/``.start()``/``.fail_after(n)``, ``.requests``.
* ``call_counter`` (function) -> ``CallCounter``: counts every boto3 client call in the process.

Loading this plugin registers the extra CloudFormation resource types (``models.install()``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import boto3
import pytest

from generator.aws.emulator import models
from generator.aws.emulator.server import RestartableMotoServer

from .calls import CallCounter
from .harness import DEFAULT_REGION, FAKE_KEY, Emulator

models.install()
logging.getLogger("werkzeug").setLevel(logging.WARNING)

_UNSET_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[RestartableMotoServer]:
    server = RestartableMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto_endpoint(moto_server: RestartableMotoServer) -> str:
    return moto_server.endpoint_url


@pytest.fixture
def emulator(moto_server: RestartableMotoServer, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    handle = Emulator(moto_server)
    handle.reset()
    return configure_environment(handle, monkeypatch)


def configure_environment(handle: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """Point every boto3 client the code under test builds at `handle`, with fake
    credentials (undone with `monkeypatch`)."""
    for name in _UNSET_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", DEFAULT_REGION)
    monkeypatch.setenv("AWS_REGION", DEFAULT_REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", handle.endpoint_url)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return handle


@pytest.fixture
def call_counter(monkeypatch: pytest.MonkeyPatch) -> CallCounter:
    counter = CallCounter()
    counter.patch_all_clients(monkeypatch)
    return counter
