"""The object the ``emulator`` fixture returns."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterable
from typing import Any

import boto3
from botocore.config import Config

from generator.aws.emulator import eventbridge, models
from generator.aws.emulator.calls import ApiCall
from generator.aws.emulator.server import RestartableMotoServer

MANAGEMENT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
FAKE_KEY = "testing"


class Emulator:
    """Handle on the session's moto server for one test.

    State lives in this process's moto backends, so ``stop()``/``start()`` keep every
    organization, stack and parameter: the server just stops answering (connection refused)
    in between.  ``fail_after(n)`` stops it by itself after ``n`` more mutating requests.
    While stopped, botocore retries before giving up (seconds of backoff in its default retry
    modes); set ``AWS_MAX_ATTEMPTS=1`` or ``Config(retries={"total_max_attempts": 1})`` to fail
    fast.  Everything runs in this process: moto's in-process ``mock_aws`` shares (and resets)
    the same backends, and the engine patches of ``engine.py`` apply to it as well.
    """

    account_id = MANAGEMENT_ACCOUNT_ID
    region = DEFAULT_REGION

    def __init__(self, server: RestartableMotoServer) -> None:
        self._server = server
        self._session = boto3.session.Session(
            aws_access_key_id=FAKE_KEY,
            aws_secret_access_key=FAKE_KEY,
            region_name=DEFAULT_REGION,
        )

    @property
    def endpoint_url(self) -> str:
        return self._server.endpoint_url

    def client(
        self, service: str, region: str = DEFAULT_REGION, *, config: Config | None = None
    ) -> Any:
        return self._session.client(
            service, region_name=region, endpoint_url=self.endpoint_url, config=config
        )

    def member_client(
        self,
        account_id: str,
        service: str,
        region: str = DEFAULT_REGION,
        *,
        role_name: str = "OrganizationAccountAccessRole",
    ) -> Any:
        """A client acting in a member account, through an assumed role (as AWS would)."""
        credentials = self.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}", RoleSessionName="lzgen-test"
        )["Credentials"]
        return boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        ).client(service, endpoint_url=self.endpoint_url)

    def create_organization(
        self,
        *,
        policy_types: Iterable[str] = ("SERVICE_CONTROL_POLICY",),
        trusted_services: Iterable[str] = (models.STACKSETS_PRINCIPAL,),
    ) -> str:
        """Create an ALL-features organization the way a landing zone expects it; the root id.

        As in AWS, attaching a policy needs its type enabled on the root and service-managed
        stack sets need trusted access; pass empty iterables to leave them off.
        """
        organizations = self.client("organizations")
        organizations.create_organization(FeatureSet="ALL")
        root_id: str = organizations.list_roots()["Roots"][0]["Id"]
        for policy_type in policy_types:
            organizations.enable_policy_type(RootId=root_id, PolicyType=policy_type)
        for principal in trusted_services:
            if principal == models.STACKSETS_PRINCIPAL:
                # StackSets get trusted access through CloudFormation's own API (as in AWS).
                self.client("cloudformation").activate_organizations_access()
            else:
                organizations.enable_aws_service_access(ServicePrincipal=principal)
        return root_id

    # -- acting as the root user -----------------------------------------------------------

    def root_api_call(self, account_id: str, region: str, event_name: str = "RunInstances",
                      event_source: str = "ec2.amazonaws.com", *,
                      read_only: bool = False) -> list[eventbridge.Delivery]:
        """The root user of `account_id` calls an API in `region`: CloudTrail's event goes on
        that account's default bus there; what EventBridge delivered (eventbridge.py)."""
        return eventbridge.put_aws_event(eventbridge.root_api_call(
            account_id, region, event_name, event_source, read_only=read_only))

    def root_console_sign_in(self, account_id: str) -> list[eventbridge.Delivery]:
        """The root user of `account_id` signs in to the console (recorded in us-east-1)."""
        return eventbridge.put_aws_event(eventbridge.root_console_sign_in(account_id))

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server.running and not self._server.gate.down

    def stop(self) -> None:
        self._server.stop()

    def start(self) -> None:
        self._server.start()

    def fail_after(self, mutating_calls: int) -> None:
        """Let ``mutating_calls`` more mutating requests through, then stop the emulator.

        The request that trips it is answered 503 without being processed.
        """
        self._server.gate.fail_after(mutating_calls)

    @property
    def requests(self) -> list[ApiCall]:
        """Every API request the server accepted since the test started (any client)."""
        return list(self._server.gate.calls)

    def reset(self) -> None:
        """Forget all emulated state (and the request log); restart the server if stopped."""
        self._server.start()
        self._server.gate.reset()
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        models.reset_state()
