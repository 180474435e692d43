"""Running a worker in production, against the fake, with the threaded and the asyncio workers alike.

Health transitions, an unknown action type stopping the worker, refusals told once, job_timeout,
several action types, telemetry (the SDK's in-memory exporters), the job context and the
credentials renewed before use from inside a handler.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from codepipeline_jobs import (
    ActionTypeId,
    ActionTypeNotFoundError,
    Artifact,
    ArtifactLocation,
    ArtifactLocationType,
    Job,
    JobStatus,
    S3ArtifactLocation,
    ThirdPartyJobDetails,
    aio,
)
from codepipeline_jobs import _health as health_module
from codepipeline_jobs import _job_context as job_context_module
from codepipeline_jobs._telemetry import API_CALL_DURATION, JOB_ID, JOB_SPAN, JOBS, OUTCOME, POLLS
from codepipeline_jobs.artifacts import download_artifact
from codepipeline_jobs.testing import FakeCodePipeline
from codepipeline_jobs.worker import Health, JobContext, JobWorker, Outcome, Success, current_job
from tests import otel
from tests.conftest import ACTION, PARTNER_ACTION
from tests.flavours import Flavour, WorkerLike, client_of, job_worker, partner_worker

if TYPE_CHECKING:
    from collections.abc import Callable

FAST: dict[str, Any] = {
    "poll_interval_min": 0.01,
    "poll_interval_max": 0.05,
    "retry_delay": 0.01,
    "retry_delay_max": 0.1,
    "drain_timeout": 10.0,
}
V2 = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="2")
DONE = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


@pytest.fixture
def fake(flavour: Flavour) -> FakeCodePipeline:
    """An empty fake; a test that takes it runs with both workers."""
    return FakeCodePipeline(seed=3)


def health_of(worker: WorkerLike) -> Health:
    """The health of a worker of either flavour."""
    inner: Any = getattr(worker, "worker", worker)
    snapshot: Health = inner.health()
    return snapshot


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for `condition`; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


class Running:
    """`run()` in a background thread; what it raised, if anything."""

    def __init__(self, worker: WorkerLike) -> None:
        self.worker = worker
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.worker.run()
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            self.error = exc

    def stop(self, timeout: float = 20.0) -> None:
        self.worker.stop()
        self.join(timeout)

    def join(self, timeout: float = 20.0) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "run() did not return"


def answer_polls_with(client: Any, code: str, times: int | None = None) -> list[int]:
    """Make `client`'s polls fail with the error `code` (`times` times, or always); the count so far."""
    count = [0]

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if times is not None and count[0] >= times:
            return None
        count[0] += 1
        error = {"Code": code, "Message": f"{code} for this request"}
        response = AWSResponse("https://codepipeline", 400, {}, None)  # type: ignore[arg-type]
        return response, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}

    for operation in ("PollForJobs", "PollForThirdPartyJobs"):
        client.meta.events.register(f"before-call.codepipeline.{operation}", refuse)
    return count


# --- health ------------------------------------------------------------------------------------


def test_health_from_before_run_to_after_it(fake: FakeCodePipeline) -> None:
    """Not live before run(); live and ready once a poll succeeded; in_flight counts jobs; not live after."""
    release = threading.Event()
    started = threading.Event()

    def handler(job: Job) -> Outcome:
        started.set()
        release.wait(10)
        return Success()

    worker = job_worker(client_of(fake), ACTION, handler, max_workers=2, **FAST)
    assert health_of(worker) == Health()
    before = datetime.datetime.now(datetime.timezone.utc)
    runner = Running(worker)
    try:
        wait_until(lambda: health_of(worker).ready)
        health = health_of(worker)
        assert health.live
        assert health.last_successful_poll is not None
        assert health.last_successful_poll.tzinfo is not None
        assert health.last_successful_poll >= before
        assert health.consecutive_poll_failures == 0
        fake.add_job(ACTION)
        assert started.wait(10)
        assert health_of(worker).in_flight == 1
        release.set()
        wait_until(lambda: health_of(worker).in_flight == 0)
    finally:
        release.set()
        runner.stop()
    after = health_of(worker)
    assert (after.live, after.ready) == (False, False)


def test_failing_polls_make_the_worker_unready_until_one_succeeds(fake: FakeCodePipeline) -> None:
    """Throttled polls: live, not ready, failures counted; the next good poll makes it ready again."""
    client = client_of(fake)
    answer_polls_with(client, "ThrottlingException", times=3)
    worker = job_worker(client, ACTION, lambda job: None, **FAST)
    runner = Running(worker)
    seen: list[Health] = []

    def ready_again() -> bool:
        seen.append(health_of(worker))
        return seen[-1].ready

    try:
        wait_until(ready_again)
    finally:
        runner.stop()
    assert any(h.live and not h.ready and h.consecutive_poll_failures >= 1 for h in seen)
    assert worker.stats.poll_errors == 3


def test_an_access_denied_poll_is_logged_once_and_keeps_the_worker_unready(
    fake: FakeCodePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """A refusal is not an error storm: one ERROR line however many polls; readiness false; live."""
    client = client_of(fake)
    count = answer_polls_with(client, "AccessDeniedException")
    worker = job_worker(client, ACTION, lambda job: None, **FAST)
    with caplog.at_level(logging.DEBUG, logger="codepipeline_jobs"):
        runner = Running(worker)
        try:
            wait_until(lambda: count[0] >= 5)
            health = health_of(worker)
            assert health.live
            assert not health.ready
            assert health.problem == "AccessDeniedException"
        finally:
            runner.stop()
    assert runner.error is None
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and "refused" in r.getMessage()]
    assert len(errors) == 1
    assert "IAM" in errors[0].getMessage()


# --- an action type that does not exist ---------------------------------------------------------


def test_an_unknown_action_type_stops_run_with_an_error_naming_it(
    fake: FakeCodePipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ActionTypeNotFoundException from every poll: a few tries, then run() raises ActionTypeNotFoundError."""
    monkeypatch.setattr(health_module, "NOT_FOUND_ATTEMPTS", 3)
    client = client_of(fake)
    count = answer_polls_with(client, "ActionTypeNotFoundException")
    worker = job_worker(client, ACTION, lambda job: None, **FAST)
    runner = Running(worker)
    runner.join()
    assert isinstance(runner.error, ActionTypeNotFoundError)
    assert runner.error.action_type == "Build/Custom/MyBuilder/1"
    assert count[0] == 3
    assert not health_of(worker).live


def test_a_type_that_appears_within_the_budget_is_worked_on(fake: FakeCodePipeline) -> None:
    """Not found twice (a type just created), then found: the worker goes on and works the job."""
    client = client_of(fake)
    answer_polls_with(client, "ActionTypeNotFoundException", times=2)
    job_id = fake.add_job(ACTION)
    worker = job_worker(client, ACTION, lambda job: None, **FAST)
    runner = Running(worker)
    try:
        wait_until(lambda: fake.job(job_id).status == JobStatus.SUCCEEDED)
    finally:
        runner.stop()
    assert runner.error is None


# --- job_timeout -------------------------------------------------------------------------------


def test_a_handler_past_its_job_timeout_gets_its_job_failed_and_its_late_result_discarded(
    fake: FakeCodePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """The failure report says job_timeout; the late Success is logged and never sent."""
    job_id = fake.add_job(ACTION)
    finished = threading.Event()

    def slow(job: Job) -> Outcome:
        time.sleep(1.0)
        finished.set()
        return Success()

    worker = job_worker(client_of(fake), ACTION, slow, job_timeout=0.2, **FAST)
    with caplog.at_level(logging.INFO, logger="codepipeline_jobs"):
        started = time.monotonic()
        assert worker.run_once() == 1
        assert time.monotonic() - started < 0.9  # reported at the deadline, not when the handler ended
        [report] = fake.job(job_id).reports
        assert report.kind == "failure"
        assert report.failure_details is not None
        assert "job_timeout of 0.2 s" in report.failure_details.message
        assert finished.wait(5)
        wait_until(lambda: "result is discarded" in caplog.text)
    assert len(fake.job(job_id).reports) == 1
    assert worker.stats.failed == 1
    assert fake.calls.count("PutJobSuccessResult") == 0


def test_a_handler_within_its_job_timeout_is_reported_as_usual(fake: FakeCodePipeline) -> None:
    """job_timeout does not touch a job whose handler ends in time; current_job() tells the time left."""
    job_id = fake.add_job(ACTION)
    left: list[float | None] = []

    def handler(job: Job) -> Outcome:
        left.append(current_job().time_left())
        return Success()

    worker = job_worker(client_of(fake), ACTION, handler, job_timeout=30, **FAST)
    assert worker.run_once() == 1
    assert fake.job(job_id).status == JobStatus.SUCCEEDED
    assert left[0] is not None
    assert 25 < left[0] <= 30


def test_an_asyncio_handler_past_its_job_timeout_is_cancelled() -> None:
    """The asyncio worker cancels a coroutine handler at its deadline; the job is reported failed."""
    pytest.importorskip("aiobotocore", reason="needs the aio extra (aiobotocore)")
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION)
    cancelled = asyncio.Event()

    async def hangs(job: Job) -> Outcome:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return Success()

    async def main() -> None:
        async with fake.aio_client() as client:
            worker = aio.AsyncJobWorker(client, ACTION, hangs, job_timeout=0.2, **FAST)
            assert await asyncio.wait_for(worker.run_once(), 10) == 1

    asyncio.run(main())
    assert cancelled.is_set()
    [report] = fake.job(job_id).reports
    assert report.kind == "failure"
    assert report.failure_details is not None
    assert "job_timeout" in report.failure_details.message


@pytest.mark.parametrize("bad", [0, -1, True, float("nan")])
def test_job_timeout_must_be_a_positive_number(bad: float) -> None:
    """A job_timeout that cannot be a deadline is refused at construction."""
    with pytest.raises(ValueError, match="job_timeout"):
        JobWorker(FakeCodePipeline().client(), ACTION, lambda job: None, job_timeout=bad)


# --- several action types ------------------------------------------------------------------------


def test_several_action_types_share_the_worker_and_are_polled_in_turn(fake: FakeCodePipeline) -> None:
    """Jobs of v1 and v2 queued: one worker of both works all of them, alternating between the types."""
    ids = {fake.add_job(ACTION): "1" for _ in range(4)} | {fake.add_job(V2): "2" for _ in range(4)}
    order: list[str] = []
    lock = threading.Lock()

    def handler(job: Job) -> Outcome:
        assert job.data.action_type_id is not None
        with lock:
            order.append(job.data.action_type_id.version)
        return Success()

    worker = job_worker(client_of(fake), [ACTION, V2], handler, max_workers=1, **FAST)
    runner = Running(worker)
    try:
        wait_until(lambda: all(fake.job(job_id).status in DONE for job_id in ids))
    finally:
        runner.stop()
    assert sorted(order) == ["1"] * 4 + ["2"] * 4
    assert order[:4].count("1") == 2  # in turn: neither type waits for the other to run dry


def test_each_action_type_may_have_its_own_query_param(fake: FakeCodePipeline) -> None:
    """query_param keyed by type: v1 jobs only for Env=prod, every v2 job."""
    prod = fake.add_job(ACTION, configuration={"Env": "prod"})
    test = fake.add_job(ACTION, configuration={"Env": "test"})
    other = fake.add_job(V2, configuration={"Env": "test"})
    worker = job_worker(client_of(fake), [ACTION, V2], lambda job: None,
                        query_param={ACTION: {"Env": "prod"}}, **FAST)
    runner = Running(worker)
    try:
        wait_until(lambda: fake.job(prod).status in DONE and fake.job(other).status in DONE)
    finally:
        runner.stop()
    assert fake.job(test).status == JobStatus.QUEUED


def test_a_list_of_action_types_is_checked(fake: FakeCodePipeline) -> None:
    """Empty, repeated, not an ActionTypeId, a query for a type not worked for: refused, named."""
    client = client_of(fake)
    with pytest.raises(ValueError, match="at least one"):
        JobWorker(client, [], lambda job: None)
    with pytest.raises(ValueError, match="twice"):
        JobWorker(client, [ACTION, ACTION], lambda job: None)
    with pytest.raises(TypeError, match=r"action_type_id\[1\]"):
        JobWorker(client, [ACTION, "Build/Custom/MyBuilder/2"], lambda job: None)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="does not work for"):
        JobWorker(client, [ACTION], lambda job: None, query_param={V2: {"Env": "prod"}})


def test_an_idle_worker_of_two_types_polls_each_and_backs_off_per_round(fake: FakeCodePipeline) -> None:
    """Idle: both types are polled, and the backoff grows per round (not per poll)."""
    worker = job_worker(client_of(fake), [ACTION, V2], lambda job: None,
                        poll_interval_min=0.05, poll_interval_max=0.2, drain_timeout=1)
    runner = Running(worker)
    time.sleep(1.0)
    runner.stop()
    polls = fake.calls.count("PollForJobs")
    assert 4 <= polls <= 40


# --- telemetry ---------------------------------------------------------------------------------


def test_each_job_is_one_span_with_its_steps_and_the_metrics_count_it(fake: FakeCodePipeline) -> None:
    """With an SDK configured: a span per job (claim, handler, report), outcome, API latency; no secret."""
    otel.install()
    ati = ActionTypeId(category="Build", owner="Custom", provider=f"Traced{id(fake)}", version="1")
    secret = "config-secret-9f8e7d"
    ok = fake.add_job(ati, configuration={"Token": secret}, pipeline_name="web", stage_name="Build",
                      action_name="Compile")
    bad = fake.add_job(ati)

    def handler(job: Job) -> Outcome:
        if job.id == bad:
            raise RuntimeError(f"broken with {secret}")
        return Success()

    worker = job_worker(client_of(fake), ati, handler, max_workers=2, **FAST)
    assert worker.run_once() == 2
    spans = [span for span in otel.spans() if dict(span.attributes or {}).get(JOB_ID) in (ok, bad)]
    roots = {dict(span.attributes or {})[JOB_ID]: span for span in spans if span.name == JOB_SPAN}
    assert set(roots) == {ok, bad}
    attributes = dict(roots[ok].attributes or {})
    assert attributes[OUTCOME] == "succeeded"
    assert attributes["codepipeline.pipeline.name"] == "web"
    assert attributes["codepipeline.stage.name"] == "Build"
    assert attributes["codepipeline.action.name"] == "Compile"
    assert attributes["codepipeline.action_type.provider"] == ati.provider
    assert dict(roots[bad].attributes or {})[OUTCOME] == "failed"
    children = sorted(span.name for span in spans if span.parent is not None
                      and span.parent.span_id == roots[ok].context.span_id)
    assert children == [f"{JOB_SPAN}.claim", f"{JOB_SPAN}.handler", f"{JOB_SPAN}.report"]
    outcomes = {a[OUTCOME]: p.value for a, p in otel.metric_points(JOBS)
                if a.get("codepipeline.action_type.provider") == ati.provider}
    assert outcomes == {"succeeded": 1, "failed": 1}
    methods = {a["rpc.method"] for a, _ in otel.metric_points(API_CALL_DURATION)}
    assert {"PollForJobs", "AcknowledgeJob", "PutJobSuccessResult", "PutJobFailureResult"} <= methods
    assert any(a.get("codepipeline.poll.result") == "jobs" for a, _ in otel.metric_points(POLLS))
    recorded = "\n".join(repr(dict(span.attributes or {})) + repr(span.events) for span in otel.spans())
    assert secret not in recorded


# --- the job context and credentials -------------------------------------------------------------


def test_the_handler_reaches_its_job_context(
    fake: FakeCodePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """current_job(): the job, the worker's client, a logger whose records carry the job's fields."""
    job_id = fake.add_job(ACTION, pipeline_name="web", stage_name="Deploy", action_name="Ship")
    client = client_of(fake)
    seen: list[JobContext] = []

    def handler(job: Job) -> Outcome:
        context = current_job()
        seen.append(context)
        context.logger.info("deploying")
        return Success()

    worker = job_worker(client, ACTION, handler, **FAST)
    with caplog.at_level(logging.INFO, logger="codepipeline_jobs"):
        assert worker.run_once() == 1
    [context] = seen
    assert context.job_id == job_id
    assert context.client is client
    assert context.time_left() is None
    [record] = [r for r in caplog.records if r.getMessage().endswith("deploying")]
    fields: Any = record
    assert fields.job_id == job_id
    assert fields.pipeline == "web"
    assert fields.stage == "Deploy"
    assert fields.action == "Ship"
    assert fields.pipeline_execution_id == fake.job(job_id).pipeline_execution_id
    assert fields.action_execution_id is None or isinstance(fields.action_execution_id, str)
    with pytest.raises(LookupError):
        current_job()


def test_credentials_are_renewed_before_use_from_inside_a_handler(
    fake: FakeCodePipeline, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """No codepipeline_client= in the handler: old credentials are renewed through the worker's client."""
    monkeypatch.setattr(job_context_module, "RENEW_CREDENTIALS_AFTER", 0.0)  # every use: "too old"
    bucket = "codepipeline-us-east-1-123456789012"
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="p/src/1", Body=b"source")
        location = S3ArtifactLocation(bucket_name=bucket, object_key="p/src/1")
        artifact = Artifact(name="src", location=ArtifactLocation(type=ArtifactLocationType.S3,
                                                                  s3_location=location))
        job_id = fake.add_job(ACTION, input_artifacts=[artifact])
        got: list[bytes] = []

        def handler(job: Job) -> Outcome:
            path = download_artifact(job, "src", tmp_path / "src")
            got.append(path.read_bytes())
            return Success()

        worker = job_worker(client_of(fake), ACTION, handler, **FAST)
        assert worker.run_once() == 1
    assert got == [b"source"]
    assert fake.job(job_id).status == JobStatus.SUCCEEDED
    assert fake.calls.count("GetJobDetails") == 1


def test_a_partner_worker_of_two_types_renews_with_its_client_token(
    fake: FakeCodePipeline, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Partner jobs of two types: both worked; old credentials renewed with GetThirdPartyJobDetails."""
    monkeypatch.setattr(job_context_module, "RENEW_CREDENTIALS_AFTER", 0.0)
    partner_v3 = ActionTypeId(category="Test", owner="ThirdParty", provider="Partner", version="3")
    bucket = "codepipeline-us-east-1-123456789012"
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="p/src/1", Body=b"partner source")
        location = S3ArtifactLocation(bucket_name=bucket, object_key="p/src/1")
        artifact = Artifact(name="src", location=ArtifactLocation(type=ArtifactLocationType.S3,
                                                                  s3_location=location))
        first = fake.add_job(PARTNER_ACTION, input_artifacts=[artifact])
        second = fake.add_job(partner_v3, input_artifacts=[artifact])
        got: list[bytes] = []

        def handler(details: ThirdPartyJobDetails) -> Outcome:
            got.append(download_artifact(details, "src", tmp_path / details.id).read_bytes())
            return Success()

        worker = partner_worker(client_of(fake), [PARTNER_ACTION, partner_v3], handler, fake.client_token,
                                **FAST)
        runner = Running(worker)
        try:
            wait_until(lambda: fake.job(first).status in DONE and fake.job(second).status in DONE)
        finally:
            runner.stop()
    assert got == [b"partner source"] * 2
    assert fake.job(first).status == JobStatus.SUCCEEDED
    assert fake.job(second).status == JobStatus.SUCCEEDED
    # one read to claim each job, one more to renew its credentials before the download
    assert fake.calls.count("GetThirdPartyJobDetails") == 4
