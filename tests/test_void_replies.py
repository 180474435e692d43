"""Reports answered with a body that is not JSON: an error, never a silent success.

The four report operations have no output, so botocore never reads their reply's body. These
tests send every report through a real boto3 or aiobotocore client (the `flavour` fixture runs
each test with both APIs) whose ``before-send`` handler answers with raw bytes, so botocore's own
endpoint, parser and event system run.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    FailureDetails,
    FailureType,
    Job,
    JobStatus,
    MalformedResponseError,
    ThirdPartyJobDetails,
)
from codepipeline_jobs import _void_replies as void_replies
from codepipeline_jobs.testing import FakeCodePipeline, Faults
from codepipeline_jobs.worker import Failure, Outcome, Success
from tests import flavours
from tests.conftest import ACTION, JOB_ID, PARTNER_ACTION
from tests.flavours import Flavour, client_of, job_worker, partner_worker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.flavours import WorkerLike

TOKEN = "client-token-1"
FAILURE = FailureDetails(type=FailureType.JOB_FAILED, message="it broke")

HTML = b"<html><head><title>502 Bad Gateway</title></head><body>proxy</body></html>"

#: Each void operation, sent through the active flavour's API.
VOID_CALLS: dict[str, Callable[[Any], None]] = {
    "PutJobSuccessResult": lambda client: flavours.put_job_success_result(client, JOB_ID),
    "PutJobFailureResult": lambda client: flavours.put_job_failure_result(client, JOB_ID, FAILURE),
    "PutThirdPartyJobSuccessResult": lambda client: flavours.put_third_party_job_success_result(
        client, JOB_ID, TOKEN
    ),
    "PutThirdPartyJobFailureResult": lambda client: flavours.put_third_party_job_failure_result(
        client, JOB_ID, TOKEN, FAILURE
    ),
}

#: Bodies a void operation may be answered with: nothing, or a JSON object (known or not).
FINE_BODIES = [b"", b"  \r\n", b"{}", b'{"unknownMember": [1, 2]}', b' { "a" : null } \n']

#: Bodies that did not come from the service.
GARBAGE_BODIES = [
    HTML,
    b"<?xml version='1.0'?><Error/>",
    b"OK",
    b"[]",
    b"null",
    b'"done"',
    b"1",
    b"{",
    b'{"a": 1} trailing',
    b"\xff\xfe\xfa not utf-8",
    b"[" * 100_000,
]


class _Raw:
    """The raw-response object botocore (``stream``) and aiobotocore (``read``) read a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    async def read(self) -> bytes:
        return self._body


def _response_class(client: Any) -> type[AWSResponse]:
    if any(cls.__module__.startswith("aiobotocore") for cls in type(client).__mro__):
        from aiobotocore.awsrequest import AioAWSResponse

        aio_class: type[AWSResponse] = AioAWSResponse
        return aio_class
    return AWSResponse


def answer_with(
    client: Any, body: bytes, *, status: int = 200, content_type: str = "text/html", first: bool = False
) -> list[AWSPreparedRequest]:
    """Make `client` answer every request with `body` (``first``: before any other handler)."""
    sent: list[AWSPreparedRequest] = []
    response_class = _response_class(client)

    def reply(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        sent.append(request)
        headers = HTTPHeaders()
        headers["Content-Type"] = content_type
        return response_class(request.url, status, headers, _Raw(body))

    register = client.meta.events.register_first if first else client.meta.events.register
    register("before-send.codepipeline", reply)
    return sent


# --- the calls ------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", list(VOID_CALLS))
def test_an_html_200_to_a_report_raises(flavour: Flavour, operation: str) -> None:
    """A proxy's HTML page with status 200 is MalformedResponseError, not a landed report."""
    client = flavour.client()
    sent = answer_with(client, HTML)
    with pytest.raises(MalformedResponseError) as caught:
        VOID_CALLS[operation](client)
    assert len(sent) == 1
    message = str(caught.value)
    assert operation in message
    assert "neither empty nor a JSON object" in message
    assert "text/html" in message
    assert "502 Bad Gateway" not in message  # the body itself is never quoted


@pytest.mark.parametrize("body", GARBAGE_BODIES, ids=lambda body: repr(body[:12]))
def test_any_body_that_is_not_a_json_object_raises(flavour: Flavour, body: bytes) -> None:
    """Not JSON, JSON that is not an object, not UTF-8, absurdly nested: all refused."""
    client = flavour.client()
    answer_with(client, body, content_type="application/x-amz-json-1.1")
    with pytest.raises(MalformedResponseError):
        VOID_CALLS["PutJobSuccessResult"](client)


@pytest.mark.parametrize("operation", list(VOID_CALLS))
@pytest.mark.parametrize("body", FINE_BODIES, ids=repr)
def test_an_empty_body_or_a_json_object_is_fine(flavour: Flavour, operation: str, body: bytes) -> None:
    """What the service sends (an empty body or ``{}``), and objects with unknown members, pass."""
    client = flavour.client()
    sent = answer_with(client, body, content_type="application/x-amz-json-1.1")
    VOID_CALLS[operation](client)
    assert len(sent) == 1


@pytest.mark.parametrize("status", [400, 500, 503])
def test_error_replies_stay_botocores(flavour: Flavour, status: int) -> None:
    """An HTML error page with a 4xx/5xx status is still botocore's ClientError, as before."""
    from botocore.exceptions import ClientError

    client = flavour.client(config=_one_attempt())
    answer_with(client, HTML, status=status)
    with pytest.raises(ClientError):
        VOID_CALLS["PutJobSuccessResult"](client)


def test_replies_that_are_read_are_not_checked_by_the_hook(flavour: Flavour) -> None:
    """Operations with output are read as before: an HTML body there is malformed by the reader."""
    client = flavour.client()
    answer_with(client, HTML)
    with pytest.raises(MalformedResponseError, match="status"):
        flavours.acknowledge_job(client, JOB_ID, "1")
    with pytest.raises(MalformedResponseError, match="jobDetails"):
        flavours.get_job_details(client, JOB_ID)


def test_the_hook_is_registered_once_per_client(flavour: Flavour, monkeypatch: pytest.MonkeyPatch) -> None:
    """However many calls go through one client, each reply is checked exactly once."""
    checked: list[str] = []
    original = void_replies.check_body

    def counting(operation: str, body: bytes, content_type: str = "") -> None:
        checked.append(operation)
        original(operation, body, content_type)

    monkeypatch.setattr(void_replies, "check_body", counting)
    client = flavour.client()
    answer_with(client, b"{}", content_type="application/x-amz-json-1.1")
    for _ in range(3):
        VOID_CALLS["PutJobSuccessResult"](client)
        VOID_CALLS["PutJobFailureResult"](client)
    void_replies.install(client)  # again, by hand
    VOID_CALLS["PutJobSuccessResult"](client)
    assert checked == ["PutJobSuccessResult", "PutJobFailureResult"] * 3 + ["PutJobSuccessResult"]


def test_a_stubbed_reply_is_left_alone() -> None:
    """botocore's Stubber supplies replies without a raw body: the hook lets them through."""
    import boto3

    from codepipeline_jobs import put_job_success_result

    client = boto3.client("codepipeline", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("put_job_success_result", {}, {"jobId": JOB_ID})
        stub.add_response("put_job_success_result", {}, {"jobId": JOB_ID})
        put_job_success_result(client, JOB_ID)
        put_job_success_result(client, JOB_ID)
        stub.assert_no_pending_responses()


def test_a_malformed_reply_from_the_fake_raises_and_nothing_landed(flavour: Flavour) -> None:
    """With the hook, the fake's ``malformed`` fault on a report is an error; the job stays InProgress."""
    fake = FakeCodePipeline(seed=2)
    job_id = fake.add_job(ACTION)
    client = client_of(fake)
    [job] = flavours.poll_for_jobs(client, ACTION)
    assert flavours.acknowledge_job(client, job.id, job.nonce or "") == JobStatus.IN_PROGRESS
    fake.inject_fault("PutJobSuccessResult", "malformed")
    with pytest.raises(MalformedResponseError, match="PutJobSuccessResult"):
        flavours.put_job_success_result(client, job_id)
    assert fake.job(job_id).status == JobStatus.IN_PROGRESS
    flavours.put_job_success_result(client, job_id)  # the retry lands
    assert fake.job(job_id).status == JobStatus.SUCCEEDED
    assert len(fake.job(job_id).reports) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(
    st.binary(max_size=40),
    st.text(max_size=20).map(str.encode),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3).map(lambda d: repr(d).encode()),
    st.sampled_from(FINE_BODIES + GARBAGE_BODIES[:-1]),
))
def test_property_raises_exactly_when_the_body_is_not_blank_or_an_object(body: bytes) -> None:
    """For any body: the report returns iff the body is blank or parses as a JSON object."""
    import json

    import boto3

    from codepipeline_jobs import put_job_success_result

    try:
        expected_fine = not body.strip() or isinstance(json.loads(body), dict)
    except ValueError:
        expected_fine = False
    client = boto3.client("codepipeline", region_name="us-east-1")
    answer_with(client, body)
    if expected_fine:
        put_job_success_result(client, JOB_ID)
    else:
        with pytest.raises(MalformedResponseError):
            put_job_success_result(client, JOB_ID)


# --- the workers ----------------------------------------------------------------------------

FAST: dict[str, Any] = {
    "poll_interval_min": 0.005,
    "poll_interval_max": 0.02,
    "retry_delay": 0.002,
    "retry_delay_max": 0.02,
    "report_retries": 40,  # 41 malformed replies in a row at a rate of 0.5: never
    "drain_timeout": 10.0,
}


def _one_attempt() -> Any:
    import botocore.config

    return botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})


def _run_until_done(worker: WorkerLike, fake: FakeCodePipeline, timeout: float = 40.0) -> None:
    """Run `worker` until every job of `fake` is Succeeded or Failed (or `timeout` passes)."""
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            stats = worker.stats
            done = all(job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) for job in fake.jobs())
            if done and stats.received == stats.succeeded + stats.failed + stats.errors + stats.skipped:
                break
            time.sleep(0.01)
    finally:
        worker.stop()
        thread.join(20)
    assert not thread.is_alive()


def _assert_truthful(worker: WorkerLike, fake: FakeCodePipeline) -> None:
    statuses = collections.Counter(job.status for job in fake.jobs())
    assert set(statuses) <= {JobStatus.SUCCEEDED, JobStatus.FAILED}, statuses
    for job in fake.jobs():
        assert len(job.reports) == 1, job.history
    stats = worker.stats
    assert stats.succeeded == statuses[JobStatus.SUCCEEDED]
    assert stats.failed == statuses[JobStatus.FAILED]
    assert stats.errors == 0
    assert stats.received == stats.succeeded + stats.failed + stats.skipped


def _number(job: Job) -> int:
    configuration = job.data.action_configuration
    return int(configuration.configuration["N"]) if configuration is not None else 0


@pytest.mark.parametrize("seed", [1, 7])
def test_worker_under_half_malformed_replies_reports_every_job_once(flavour: Flavour, seed: int) -> None:
    """Faults(malformed_rate=0.5): every job reported exactly once, and the stats tell the truth."""
    fake = FakeCodePipeline(seed=seed)
    for n in range(24):
        fake.add_job(ACTION, configuration={"N": str(n)})
    fake.faults = Faults(malformed_rate=0.5)

    def handler(job: Job) -> Outcome:
        return Failure("every third job fails") if _number(job) % 3 == 0 else Success()

    worker = job_worker(client_of(fake), ACTION, handler, max_workers=4, **FAST)
    _run_until_done(worker, fake)
    _assert_truthful(worker, fake)
    assert fake.calls.count("PutJobSuccessResult") > worker.stats.succeeded  # some were refused
    assert worker.stats.failed == 8


def test_partner_worker_under_half_malformed_replies(flavour: Flavour) -> None:
    """The same for partner jobs: PutThirdPartyJob*Result answered with HTML is retried."""
    fake = FakeCodePipeline(seed=3)
    for _ in range(12):
        fake.add_job(PARTNER_ACTION)
    fake.faults = Faults(malformed_rate=0.5)
    seen: list[str] = []

    def handler(details: ThirdPartyJobDetails) -> Outcome:
        seen.append(details.id)
        return Failure("odd one out") if len(seen) % 4 == 0 else Success()

    worker = partner_worker(
        client_of(fake), PARTNER_ACTION, handler, fake.client_token, max_workers=3, **FAST
    )
    _run_until_done(worker, fake)
    _assert_truthful(worker, fake)
    assert fake.calls.count("PutThirdPartyJobSuccessResult") > worker.stats.succeeded


def test_a_report_that_landed_behind_an_html_reply_counts_once(flavour: Flavour) -> None:
    """A proxy forwards the report but answers HTML: the retry meets InvalidJobStateException,
    which means the first attempt landed - counted as a success, reported once, no error."""
    fake = FakeCodePipeline(seed=4)
    job_id = fake.add_job(ACTION)
    client = client_of(fake)
    # Registered first, this answer wins, but the fake's handler still runs and applies the report.
    proxied: list[AWSPreparedRequest] = []
    response_class = _response_class(client)

    def html_once(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
        if proxied:
            return None
        proxied.append(request)
        headers = HTTPHeaders()
        headers["Content-Type"] = "text/html"
        return response_class(request.url, 200, headers, _Raw(HTML))

    client.meta.events.register_first("before-send.codepipeline.PutJobSuccessResult", html_once)
    worker = job_worker(client, ACTION, lambda _: Success(), max_workers=1, **FAST)
    _run_until_done(worker, fake)
    assert len(proxied) == 1
    assert fake.calls.count("PutJobSuccessResult") == 2
    assert fake.job(job_id).status == JobStatus.SUCCEEDED
    assert len(fake.job(job_id).reports) == 1
    assert worker.stats.succeeded == 1
    assert worker.stats.errors == 0
