"""The one place where lzgen talks to AWS: sessions, clients, retries and error translation.

Everything else receives a `Gateway` and calls `call`/`pages`; tests hand it an emulator
endpoint. No other module of lzgen imports boto3 or botocore (a test checks).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

from generator import __version__
from generator.errors import AwsError, UsageError

DEFAULT_MAX_ATTEMPTS = 10
RERUN = "fix the cause and run `lzgen deploy` again: it continues where it stopped"
_PERMISSIONS = ("the deploying identity lacks this permission: give its role the policy in "
                "output/deployer-policy.json")
_HINTS = {
    "AccessDenied": _PERMISSIONS,
    "AccessDeniedException": _PERMISSIONS,
    "UnauthorizedOperation": _PERMISSIONS,
    "ExpiredToken": "the session's credentials expired: sign in again, then rerun",
    "ExpiredTokenException": "the session's credentials expired: sign in again, then rerun",
    "RequestExpired": "the session's credentials expired: sign in again, then rerun",
    "InvalidClientTokenId": "the credentials are not valid: check --profile and AWS_* variables",
    "UnrecognizedClientException": "the credentials are not valid: check --profile and AWS_* "
                                   "variables",
    "SignatureDoesNotMatch": "the secret key does not match: check --profile and AWS_* "
                             "variables",
    "AWSOrganizationsNotInUseException": "this account has no organization yet: run the "
                                         "deploy from the account that is to manage it",
    "AccessDeniedForDependencyException": "Organizations needs iam:CreateServiceLinkedRole "
                                          "for this: see output/deployer-policy.json",
}
_THROTTLED = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException",
                        "RequestLimitExceeded", "RequestThrottled", "SlowDown"})

Hook = Callable[..., Any]


def _hint(code: str) -> str:
    if code in _THROTTLED:
        return f"AWS kept throttling the calls after every retry: wait a minute, then {RERUN}"
    return _HINTS.get(code, RERUN)


def _max_attempts_from_environment() -> int:
    text = os.environ.get("AWS_MAX_ATTEMPTS") or str(DEFAULT_MAX_ATTEMPTS)
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"AWS_MAX_ATTEMPTS={text!r} is not a positive whole number",
                         "unset it, or set it to the number of attempts per call, e.g. 10")
    return int(text)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


# botocore waits 60 s for an answer. AWS answers StackSet and change-set calls at once and
# works on in the background; the local emulator does the work inside the request (all of a
# StackSet's instances, at 5,000 accounts minutes of it), and a client that gave up would send
# the call again while the first one still runs.
AWS_READ_TIMEOUT = 60
EMULATOR_READ_TIMEOUT = 3600
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def read_timeout(endpoint_url: str | None) -> int:
    from urllib.parse import urlparse

    host = urlparse(endpoint_url).hostname if endpoint_url else None
    return EMULATOR_READ_TIMEOUT if host in _LOOPBACK else AWS_READ_TIMEOUT


class Gateway:
    """boto3 clients for one set of credentials, with adaptive retries, cached per region.

    `region` is where calls go that belong to no stack (Organizations, STS, IAM, Account);
    `endpoint_url` sends every call to one endpoint (a local emulator); `max_attempts`
    (default: AWS_MAX_ATTEMPTS, else 10) counts the first try and the retries.
    """

    def __init__(self, *, profile: str | None = None, region: str | None = None,
                 endpoint_url: str | None = None, max_attempts: int | None = None,
                 credentials: tuple[str, ...] | None = None) -> None:
        # (key, secret) or (key, secret, session token)
        keys = dict(zip(("aws_access_key_id", "aws_secret_access_key", "aws_session_token"),
                        credentials, strict=False)) if credentials else {}
        try:
            self._session = boto3.session.Session(profile_name=profile, region_name=region,
                                                  **keys)
        except ProfileNotFound as error:
            raise UsageError(f"AWS profile {profile!r} is not configured",
                             "list profiles with `aws configure list-profiles`") from error
        self.region = region or self._session.region_name or "us-east-1"
        self.endpoint_url = endpoint_url
        if max_attempts is None:  # botocore's own variable, which an explicit Config overrides
            max_attempts = _max_attempts_from_environment()
        self.max_attempts = max_attempts
        self._assumed: dict[str, Gateway] = {}
        self._config = Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            user_agent_extra=f"lzgen/{__version__}",
            read_timeout=read_timeout(endpoint_url),
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._hooks: list[tuple[str, Hook]] = []
        # Stacks deploy from several threads: sessions are not thread safe, clients once made
        # are (boto3 guide, "Session", multithreading:
        # https://boto3.amazonaws.com/v1/documentation/api/latest/guide/session.html).
        self._lock = threading.Lock()

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        with self._lock:
            return self._client(service, key)

    def _client(self, service: str, key: tuple[str, str]) -> Any:
        if key not in self._clients:
            try:
                client = self._session.client(service, region_name=key[1],
                                              endpoint_url=self.endpoint_url,
                                              config=self._config)
            except (NoRegionError, BotoCoreError) as error:
                raise AwsError(f"cannot set up an AWS client for {service}: {error}",
                               "pass --region, or set AWS_REGION") from error
            for event, hook in self._hooks:
                client.meta.events.register(event, hook)
            self._clients[key] = client
        return self._clients[key]

    def register(self, event: str, hook: Hook) -> None:
        """Register a botocore event hook on every client, present and future (tests inject
        throttling with `before-send` hooks)."""
        self._hooks.append((event, hook))
        for client in self._clients.values():
            client.meta.events.register(event, hook)

    def call(self, service: str, operation: str, *, region: str | None = None,
             **params: Any) -> dict[str, Any]:
        """One API call by its AWS name (`ListRoots`); AWS errors become `AwsError`."""
        method = getattr(self.client(service, region), xform_name(operation))
        try:
            response: dict[str, Any] = method(**params)
        except ClientError as error:
            code = error_code(error)
            message = error.response.get("Error", {}).get("Message", "") or str(error)
            raise AwsError(f"{service} {operation}: {code}: {message}", _hint(code),
                           code=code) from error
        except NoCredentialsError as error:
            raise AwsError("no AWS credentials found",
                           "pass --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID; or try "
                           "`lzgen deploy --local` against a local emulator",
                           code="NoCredentials") from error
        except EndpointConnectionError as error:
            raise AwsError(f"cannot reach AWS at {error.kwargs.get('endpoint_url', '?')}",
                           f"check the network or --endpoint-url, then {RERUN}",
                           code="EndpointConnectionError") from error
        except (BotoCoreError, ResponseParserError) as error:
            raise AwsError(f"{service} {operation}: {error}", RERUN,
                           code=type(error).__name__) from error
        return response

    def pages(self, service: str, operation: str, key: str, *, region: str | None = None,
              **params: Any) -> list[Any]:
        """Every item under `key` of every page of a call paginated with NextToken."""
        items: list[Any] = []
        while True:
            page = self.call(service, operation, region=region, **params)
            items.extend(page.get(key) or [])
            if not page.get("NextToken"):
                return items
            params = {**params, "NextToken": page["NextToken"]}

    def account_id(self) -> str:
        return str(self.call("sts", "GetCallerIdentity")["Account"])


    def assume_role(self, role_arn: str, *, keep: bool = True) -> Gateway:
        """A gateway acting as `role_arn` through STS AssumeRole (same endpoint, region,
        retries and hooks), once per role and gateway. The credentials last an hour, STS's
        default: a deploy's steps in other accounts run well within it. `keep=False`: not kept
        for later (a look into each of thousands of accounts, made once each)."""
        with self._lock:
            found_gateway = self._assumed.get(role_arn)
        if found_gateway is not None:
            return found_gateway
        found = self.call("sts", "AssumeRole", RoleArn=role_arn,
                          RoleSessionName="lzgen-deploy")["Credentials"]
        other = Gateway(region=self.region, endpoint_url=self.endpoint_url,
                        max_attempts=self.max_attempts,
                        credentials=(str(found["AccessKeyId"]), str(found["SecretAccessKey"]),
                                     str(found["SessionToken"])))
        for event, hook in self._hooks:
            other.register(event, hook)
        if keep:
            with self._lock:
                self._assumed[role_arn] = other
        return other

    def partition(self) -> str:
        """aws, aws-cn, aws-us-gov: from the caller's ARN."""
        return str(self.call("sts", "GetCallerIdentity")["Arn"]).split(":")[1]
