"""Shared fixtures: boto3 clients that can never reach the network."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.stub import Stubber

from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId
from tests.flavours import FLAVOURS, Flavour, activated, flavour_named

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient

JOB_ID = "11111111-2222-4333-8444-555555555555"
EXECUTION_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
ACTION = ActionTypeId(
    category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="MyBuilder", version="1"
)
PARTNER_ACTION = ActionTypeId(
    category=ActionCategory.TEST, owner=ActionOwner.THIRD_PARTY, provider="Partner", version="2"
)


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so no test can reach or sign for a real account."""
    for name in (
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def client() -> CodePipelineClient:
    """A real boto3 CodePipeline client (nothing is sent unless a test stubs or fakes replies)."""
    return boto3.client("codepipeline", region_name="us-east-1")


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> Iterator[Flavour]:
    """The synchronous API, then `codepipeline_jobs.aio`: a test asking for it runs against both.

    The calls and workers of `tests.flavours` go to this flavour for the test's duration.
    """
    with flavour_named(request.param) as chosen, activated(chosen):
        yield chosen


@pytest.fixture
def stubber(client: CodePipelineClient) -> Iterator[Stubber]:
    """botocore's Stubber on `client`; asserts every queued reply was used."""
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def sigterm_once_started(script: str, *, starts: int = 1, timeout: float = 20) -> tuple[str, str]:
    """Run `script` in a new Python; after it printed "started" `starts` times, send it SIGTERM.

    Returns its stdout and stderr once it exited, after checking that it exited with 0.
    """
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env,
    ) as process:
        assert process.stdout is not None
        for _ in range(starts):
            assert process.stdout.readline().strip() == "started"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return out, err


RawReply = Callable[[bytes, int], list[AWSPreparedRequest]]


@pytest.fixture
def raw_reply(client: CodePipelineClient) -> RawReply:
    """Make `client` answer every request with the given raw bytes (botocore's real parser runs).

    Returns the list the sent requests are recorded in.
    """
    assert client.meta.service_model.resolved_protocol == "json"

    def install(body: bytes, status: int = 200) -> list[AWSPreparedRequest]:
        sent: list[AWSPreparedRequest] = []

        def reply(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
            sent.append(request)
            headers = HTTPHeaders()
            headers["Content-Type"] = "application/x-amz-json-1.1"
            headers["x-amzn-RequestId"] = "r-1"
            return response_class(request.url, status, headers, _Raw(body))

        response_class: type[AWSResponse] = AWSResponse
        if any(cls.__module__.startswith("aiobotocore") for cls in type(client).__mro__):
            from aiobotocore.awsrequest import AioAWSResponse

            response_class = AioAWSResponse

        client.meta.events.register("before-send.codepipeline", reply)  # type: ignore[arg-type]
        return sent

    return install


def json_reply(document: object) -> bytes:
    """A JSON reply body."""
    return json.dumps(document, default=str).encode()


class _Raw:
    """The minimal raw-response object AWSResponse reads its body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    async def read(self) -> bytes:
        return self._body


@pytest.fixture
def sent_spy(client: CodePipelineClient) -> list[AWSPreparedRequest]:
    """Records any request that reaches the wire; tests assert it stays empty."""
    sent: list[AWSPreparedRequest] = []

    def spy(request: AWSPreparedRequest, **_: Any) -> None:
        sent.append(request)
        msg = "a request was sent"
        raise AssertionError(msg)

    client.meta.events.register("before-send.codepipeline", spy)
    return sent
