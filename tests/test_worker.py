"""The workers against the fake CodePipeline (and botocore's Stubber).

Every test that takes the `fake`, `client` or `flavour` fixture runs twice: with the threaded
`JobWorker`/`ThirdPartyJobWorker` and with the asyncio `AsyncJobWorker`/`AsyncThirdPartyJobWorker`.
"""

from __future__ import annotations

import collections
import collections.abc
import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

import codepipeline_jobs
from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ExecutionDetails,
    FailureType,
    Job,
    JobStatus,
    NotCustomActionError,
    NotThirdPartyActionError,
    ThirdPartyJobDetails,
)
from codepipeline_jobs._worker_retry import Backoff
from codepipeline_jobs.testing import FakeCodePipeline, Faults
from codepipeline_jobs.worker import (
    Continuation,
    Failure,
    Outcome,
    Success,
    WorkerStats,
)
from tests.conftest import ACTION, JOB_ID, PARTNER_ACTION, sigterm_once_started
from tests.flavours import FLAVOURS, Flavour, WorkerLike, client_of, job_worker, partner_worker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_codepipeline import CodePipelineClient

#: Short delays, so that the tests wait for the work and not for backoffs.
FAST: dict[str, Any] = {
    "poll_interval_min": 0.01,
    "poll_interval_max": 0.05,
    "retry_delay": 0.01,
    "retry_delay_max": 0.1,
    "drain_timeout": 10.0,
}
DONE = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


@pytest.fixture
def fake(flavour: Flavour) -> FakeCodePipeline:
    """An empty fake CodePipeline; a test that takes it runs with the threaded and the asyncio workers."""
    return FakeCodePipeline(seed=5)


@pytest.fixture
def client(flavour: Flavour) -> Any:
    """A client of the flavour under test (the tests that take one run with both workers)."""
    return flavour.client()


class Running:
    """A worker running `run()` in a background thread."""

    def __init__(self, worker: WorkerLike) -> None:
        self.worker = worker
        self.thread = threading.Thread(target=worker.run, daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 20.0) -> None:
        self.worker.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "run() did not return"


@pytest.fixture
def running() -> Iterator[Callable[[WorkerLike], Running]]:
    """Start workers in background threads; stop every one of them at the end of the test."""
    started: list[Running] = []

    def start(worker: WorkerLike) -> Running:
        started.append(Running(worker))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for `condition`, polling; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def settled(worker: WorkerLike) -> bool:
    """Whether every job the worker received has ended one way or another."""
    s = worker.stats
    return s.received == s.succeeded + s.failed + s.continued + s.skipped + s.errors


# --- the core guarantees --------------------------------------------------------------------


def test_exactly_once_with_three_workers_under_throttling_and_lost_replies(flavour: Flavour) -> None:
    """3 workers x 4 threads, 30% throttling, 10% lost replies: one report and one handler run per job."""
    fake = FakeCodePipeline(seed=11)
    job_ids = [fake.add_job(ACTION, configuration={"N": str(n)}) for n in range(130)]
    fake.faults = Faults(throttle_rate=0.3, lost_reply_rate=0.1)
    runs: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()

    def handler(job: Job) -> Outcome:
        with lock:
            runs[job.id] += 1
        time.sleep(0.002)
        n = int(job.data.action_configuration.configuration["N"]) if job.data.action_configuration else 0
        return Failure(f"job {n} fails") if n % 7 == 0 else Success()

    workers = [job_worker(client_of(fake), ACTION, handler, max_workers=4, **FAST) for _ in range(3)]
    threads = [Running(worker) for worker in workers]
    try:
        wait_until(lambda: not any(
            job.status in (JobStatus.QUEUED, JobStatus.IN_PROGRESS) for job in fake.jobs()
        ) and all(settled(worker) for worker in workers), timeout=50)
    finally:
        for each in threads:
            each.stop()

    reported = 0
    for job in fake.jobs():
        if job.reports:
            reported += 1
            assert len(job.reports) == 1, job.history
            assert runs[job.id] == 1
            assert job.status in DONE
            assert job.reports[0].kind == ("success" if job.status == JobStatus.SUCCEEDED else "failure")
        else:
            # Handed out by a poll whose reply was lost: never acknowledged, never worked on,
            # left to CodePipeline's timeout.
            assert job.history == (JobStatus.QUEUED, JobStatus.DISPATCHED)
            assert runs[job.id] == 0
    assert reported >= 100
    assert set(runs) <= set(job_ids)
    totals = [sum(getattr(w.stats, name) for w in workers) for name in ("succeeded", "failed", "errors")]
    assert totals[0] + totals[1] == reported
    assert totals[2] == 0


def test_handler_exception_is_reported_as_a_failure_and_the_worker_goes_on(
    fake: FakeCodePipeline, running: Callable[[WorkerLike], Running], caplog: pytest.LogCaptureFixture
) -> None:
    """An exception becomes a JobFailed report with type and message, secrets masked."""
    bad = fake.add_job(ACTION, configuration={"Password": "s3cr3t-pa55"})
    good = fake.add_job(ACTION)

    def handler(job: Job) -> Outcome:
        if job.id == bad:
            message = "cannot log in with s3cr3t-pa55"
            raise RuntimeError(message)
        return None

    worker = job_worker(client_of(fake), ACTION, handler, max_workers=1, **FAST)
    with caplog.at_level(logging.INFO, logger="codepipeline_jobs"):
        runner = running(worker)
        wait_until(lambda: fake.job(good).status in DONE and settled(worker))
        runner.stop()
    [report] = fake.job(bad).reports
    assert report.kind == "failure"
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.JOB_FAILED
    assert report.failure_details.message == "RuntimeError: cannot log in with ***"
    assert fake.job(good).status == JobStatus.SUCCEEDED
    assert worker.stats == WorkerStats(received=2, succeeded=1, failed=1)
    assert "s3cr3t-pa55" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_one_handler_drives_a_job_through_three_steps(
    fake: FakeCodePipeline, running: Callable[[WorkerLike], Running]
) -> None:
    """Continuations come back with the token; the last step reports output variables."""
    first = fake.add_job(ACTION)
    seen: list[str | None] = []

    def handler(job: Job) -> Outcome:
        token = job.data.continuation_token
        seen.append(token)
        if token is None:
            return Continuation("step-1", ExecutionDetails(percent_complete=33))
        if token == "step-1":
            return Continuation("step-2", ExecutionDetails(percent_complete=66))
        return Success(output_variables={"result": "done"})

    worker = job_worker(client_of(fake), ACTION, handler, max_workers=2, **FAST)
    runner = running(worker)
    wait_until(lambda: worker.stats.succeeded == 1)
    runner.stop()
    assert seen == [None, "step-1", "step-2"]
    chain = [fake.job(first)]
    while chain[-1].follow_up_job_id is not None:
        chain.append(fake.job(chain[-1].follow_up_job_id))
    assert [job.reports[0].continuation_token for job in chain] == ["step-1", "step-2", None]
    assert chain[-1].reports[0].output_variables == {"result": "done"}
    assert worker.stats == WorkerStats(received=3, succeeded=1, continued=2)


def test_stop_drains_in_flight_jobs_and_leaves_the_queue_alone(fake: FakeCodePipeline) -> None:
    """After stop(), the job in flight finishes and is reported; queued jobs are not polled."""
    first, second = fake.add_job(ACTION), fake.add_job(ACTION)
    started, release = threading.Event(), threading.Event()

    def handler(job: Job) -> Outcome:
        started.set()
        release.wait(10)
        return Success()

    worker = job_worker(client_of(fake), ACTION, handler, max_workers=1, **FAST)
    runner = Running(worker)
    assert started.wait(10)
    worker.stop()
    time.sleep(0.1)
    assert runner.thread.is_alive(), "run() must wait for the job in flight"
    release.set()
    runner.thread.join(10)
    assert not runner.thread.is_alive()
    assert fake.job(first).status == JobStatus.SUCCEEDED
    assert fake.job(second).status == JobStatus.QUEUED
    assert worker.stats == WorkerStats(received=1, succeeded=1)


def test_drain_deadline_reports_the_jobs_still_running_as_failed(
    fake: FakeCodePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """At the drain deadline a hanging job is reported as failed, run() returns, the late result dropped."""
    job_id = fake.add_job(ACTION)
    started, release, returned = threading.Event(), threading.Event(), threading.Event()

    def handler(job: Job) -> Outcome:
        started.set()
        release.wait(10)
        returned.set()
        return Success()

    worker = job_worker(client_of(fake), ACTION, handler, max_workers=1, **{**FAST, "drain_timeout": 0.2})
    runner = Running(worker)
    assert started.wait(10)
    began = time.monotonic()
    with caplog.at_level(logging.INFO, logger="codepipeline_jobs"):
        runner.stop()
        assert time.monotonic() - began < 2
        job = fake.job(job_id)
        assert job.status == JobStatus.FAILED
        [report] = job.reports
        assert report.failure_details is not None
        assert report.failure_details.message == "the worker stopped before the job finished"
        assert worker.stats == WorkerStats(received=1, failed=1)
        release.set()
        assert returned.wait(10)
        wait_until(lambda: "discarded" in caplog.text)
    assert job_id in caplog.text
    time.sleep(0.05)
    assert [r.kind for r in fake.job(job_id).reports] == ["failure"]
    assert fake.calls.count("PutJobSuccessResult") == 0
    assert worker.stats == WorkerStats(received=1, failed=1)


def test_jobs_polled_after_stop_are_not_acknowledged(fake: FakeCodePipeline) -> None:
    """A stopped worker acknowledges nothing: run_once() does not even poll."""
    fake.add_job(ACTION)
    worker = job_worker(client_of(fake), ACTION, lambda job: None, **FAST)
    worker.stop()
    assert worker.run_once() == 0
    assert fake.calls == []


SIGTERM_SCRIPT = """
import json, sys, time
from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId
from codepipeline_jobs.testing import FakeCodePipeline
from codepipeline_jobs.worker import JobWorker, Success

action = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1")
fake = FakeCodePipeline()
first, second = fake.add_job(action), fake.add_job(action)

def handler(job):
    print("started", flush=True)
    time.sleep(0.5)
    return Success()

{run}
print(json.dumps([fake.job(first).status.value, fake.job(second).status.value]), flush=True)
"""


RUN_SYNC = """
from codepipeline_jobs.worker import JobWorker
JobWorker(fake.client(), action, handler, max_workers=1, poll_interval_min=0.01,
          poll_interval_max=0.05).run()
"""
RUN_ASYNC = """
import asyncio
from codepipeline_jobs.aio import AsyncJobWorker

async def main():
    async with fake.aio_client() as client:
        await AsyncJobWorker(client, action, handler, max_concurrency=1, poll_interval_min=0.01,
                             poll_interval_max=0.05).run()

asyncio.run(main())
"""


@pytest.mark.parametrize("flavour_name", FLAVOURS)
def test_sigterm_drains_and_exits_cleanly(flavour_name: str) -> None:
    """SIGTERM to a process running run() in its main thread: the in-flight job is reported, exit 0."""
    script = SIGTERM_SCRIPT.replace("{run}", RUN_ASYNC if flavour_name == "async" else RUN_SYNC)
    out, _ = sigterm_once_started(script)
    assert json.loads(out) == ["Succeeded", "Queued"]


def test_batches_never_exceed_free_threads(
    fake: FakeCodePipeline, running: Callable[[WorkerLike], Running]
) -> None:
    """maxBatchSize is the number of free threads; no poll happens while all threads are busy."""
    for _ in range(10):
        fake.add_job(ACTION)
    busy = 0
    lock = threading.Lock()
    polls: list[tuple[int, int]] = []
    client = client_of(fake)

    def spy(params: dict[str, Any], **_: Any) -> None:
        with lock:
            polls.append((params["maxBatchSize"], busy))

    client.meta.events.register("provide-client-params.codepipeline.PollForJobs", spy)

    def handler(job: Job) -> Outcome:
        nonlocal busy
        with lock:
            busy += 1
        time.sleep(0.03)
        with lock:
            busy -= 1
        return None

    worker = job_worker(client, ACTION, handler, max_workers=3, **FAST)
    runner = running(worker)
    wait_until(lambda: worker.stats.succeeded == 10)
    runner.stop()
    assert polls[0] == (3, 0)
    assert all(size >= 1 and size + in_use <= 3 for size, in_use in polls), polls
    assert max(size for size, _ in polls) == 3


def test_repolls_at_once_after_a_non_empty_batch(fake: FakeCodePipeline) -> None:
    """A full batch is followed by another poll without waiting the idle interval."""
    for _ in range(6):
        fake.add_job(ACTION)
    worker = job_worker(
        client_of(fake), ACTION, lambda job: None, max_workers=2,
        **{**FAST, "poll_interval_min": 30.0, "poll_interval_max": 30.0},
    )
    runner = Running(worker)
    wait_until(lambda: worker.stats.succeeded == 6, timeout=5)
    runner.stop()


def test_idle_backoff_grows_with_jitter_up_to_the_ceiling() -> None:
    """Idle delays keep at least half their ceiling, double, and stop at the maximum."""
    backoff = Backoff(0.1, 1.0, spread_floor=0.5)
    delays = [backoff.next() for _ in range(8)]
    ceilings = [min(1.0, 0.1 * 2**n) for n in range(8)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    backoff.reset()
    assert backoff.next() <= 0.1


def test_run_once_handles_one_batch(fake: FakeCodePipeline) -> None:
    """run_once() polls for as many jobs as threads and returns when they are reported."""
    for _ in range(3):
        fake.add_job(ACTION)
    worker = job_worker(client_of(fake), ACTION, lambda job: Success(), max_workers=2, **FAST)
    assert worker.run_once() == 2
    assert [job.status for job in fake.jobs()] == [JobStatus.SUCCEEDED] * 2 + [JobStatus.QUEUED]
    assert worker.run_once() == 1
    assert worker.run_once() == 0


# --- reports ---------------------------------------------------------------------------------


def test_lost_report_reply_is_already_reported_not_a_failure(fake: FakeCodePipeline) -> None:
    """InvalidJobStateException after botocore retried a report whose reply was lost: counted, not flipped."""
    job_id = fake.add_job(ACTION)
    fake.inject_fault("PutJobSuccessResult", "lost_reply")
    worker = job_worker(client_of(fake), ACTION, lambda job: Success(), **FAST)
    assert worker.run_once() == 1
    job = fake.job(job_id)
    assert [report.kind for report in job.reports] == ["success"]
    assert fake.calls.count("PutJobSuccessResult") == 2
    assert "PutJobFailureResult" not in fake.calls
    assert worker.stats == WorkerStats(received=1, succeeded=1)


def test_reports_are_retried_beyond_botocore(fake: FakeCodePipeline) -> None:
    """A report throttled more often than botocore retries still lands, once."""
    job_id = fake.add_job(ACTION)
    fake.inject_fault("PutJobFailureResult", "throttle", times=4)
    client = client_of(fake, config=_one_attempt())
    worker = job_worker(client, ACTION, lambda job: Failure("no"), report_retries=5, **FAST)
    assert worker.run_once() == 1
    assert [report.kind for report in fake.job(job_id).reports] == ["failure"]
    assert fake.calls.count("PutJobFailureResult") == 5
    assert worker.stats == WorkerStats(received=1, failed=1)


def test_report_gives_up_after_its_retries(fake: FakeCodePipeline) -> None:
    """When the retries run out, the job counts as an error and nothing else is sent."""
    fake.add_job(ACTION)
    fake.inject_fault("PutJobSuccessResult", "throttle", times=10)
    worker = job_worker(client_of(fake, config=_one_attempt()), ACTION, lambda job: None,
                       report_retries=2, **FAST)
    assert worker.run_once() == 1
    assert fake.calls.count("PutJobSuccessResult") == 3
    assert "PutJobFailureResult" not in fake.calls
    assert worker.stats == WorkerStats(received=1, errors=1)


def test_invalid_state_on_a_first_report_is_an_error_not_a_failure_report(
    client: CodePipelineClient,
) -> None:
    """A report refused at its first attempt (the job timed out) is logged as an error, nothing more."""
    with Stubber(client) as stub:
        stub.add_response("poll_for_jobs", {"jobs": [{"id": JOB_ID, "nonce": "7", "data": {}}]})
        stub.add_response("acknowledge_job", {"status": "InProgress"})
        stub.add_client_error("put_job_success_result", "InvalidJobStateException", "job timed out")
        worker = job_worker(client, ACTION, lambda job: None, **FAST)
        assert worker.run_once() == 1
        stub.assert_no_pending_responses()
    assert worker.stats == WorkerStats(received=1, errors=1)


def test_an_outcome_that_cannot_be_reported_becomes_a_failure(fake: FakeCodePipeline) -> None:
    """An outcome breaking a request rule is reported as a failure saying why."""
    job_id = fake.add_job(ACTION)
    worker = job_worker(
        client_of(fake), ACTION, lambda job: Success(output_variables={"bad key!": "x"}), **FAST
    )
    worker.run_once()
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert "outputVariables" in report.failure_details.message
    assert worker.stats == WorkerStats(received=1, failed=1)


def test_a_handler_returning_garbage_fails_the_job(fake: FakeCodePipeline) -> None:
    """A handler returning something that is not an outcome fails its job."""
    job_id = fake.add_job(ACTION)
    worker = job_worker(client_of(fake), ACTION, lambda job: "ok", **FAST)
    worker.run_once()
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert "str" in report.failure_details.message


# --- claiming -----------------------------------------------------------------------------------


def test_lost_race_is_skipped_quietly(client: CodePipelineClient, caplog: pytest.LogCaptureFixture) -> None:
    """InvalidNonceException on acknowledge: no handler, no report, counted as skipped, no warning."""
    ran: list[str] = []
    with Stubber(client) as stub:
        stub.add_response("poll_for_jobs", {"jobs": [{"id": JOB_ID, "nonce": "7", "data": {}}]})
        stub.add_client_error("acknowledge_job", "InvalidNonceException", "taken")
        worker = job_worker(client, ACTION, lambda job: ran.append(job.id), **FAST)
        with caplog.at_level(logging.INFO, logger="codepipeline_jobs"):
            assert worker.run_once() == 1
        stub.assert_no_pending_responses()
    assert ran == []
    assert worker.stats == WorkerStats(received=1, skipped=1)
    assert all(record.levelno < logging.WARNING for record in caplog.records)


def test_only_in_progress_jobs_are_worked_on(client: CodePipelineClient) -> None:
    """An acknowledge that answers another status means: not ours, hands off."""
    with Stubber(client) as stub:
        stub.add_response("poll_for_jobs", {"jobs": [{"id": JOB_ID, "nonce": "7", "data": {}}]})
        stub.add_response("acknowledge_job", {"status": "TimedOut"})
        worker = job_worker(client, ACTION, lambda job: None, **FAST)
        assert worker.run_once() == 1
        stub.assert_no_pending_responses()
    assert worker.stats == WorkerStats(received=1, skipped=1)


def test_two_workers_racing_for_one_job_run_it_once(fake: FakeCodePipeline) -> None:
    """Many workers polling one action type: each job runs once."""
    job_ids = [fake.add_job(ACTION) for _ in range(20)]
    runs: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()

    def handler(job: Job) -> Outcome:
        with lock:
            runs[job.id] += 1
        return None

    workers = [job_worker(client_of(fake), ACTION, handler, max_workers=3, **FAST) for _ in range(2)]
    threads = [Running(worker) for worker in workers]
    wait_until(lambda: sum(w.stats.succeeded for w in workers) == 20)
    for each in threads:
        each.stop()
    assert runs == dict.fromkeys(job_ids, 1)


# --- partner jobs -----------------------------------------------------------------------------


def test_partner_worker_uses_the_client_token_all_the_way(fake: FakeCodePipeline) -> None:
    """Poll, details with the token, acknowledge, handler, report: the partner job succeeds."""
    job_id = fake.add_job(PARTNER_ACTION, configuration={"Key": "partner-secret"})
    seen: list[ThirdPartyJobDetails] = []

    def handler(job: ThirdPartyJobDetails) -> Outcome:
        seen.append(job)
        return Continuation("more") if job.data.continuation_token is None else Success()

    worker = partner_worker(client_of(fake), PARTNER_ACTION, handler, fake.client_token, **FAST)
    assert worker.run_once() == 1
    assert worker.run_once() == 1
    assert seen[0].id == job_id
    follow_up = fake.job(job_id).follow_up_job_id
    assert follow_up is not None
    assert fake.job(follow_up).status == JobStatus.SUCCEEDED
    assert fake.calls[:4] == [
        "PollForThirdPartyJobs", "GetThirdPartyJobDetails", "AcknowledgeThirdPartyJob",
        "PutThirdPartyJobSuccessResult",
    ]
    assert worker.stats == WorkerStats(received=2, succeeded=1, continued=1)


def test_partner_worker_leaves_a_job_it_has_no_token_for(
    fake: FakeCodePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """A token lookup that fails, or a wrong token, leaves the job alone and never logs a token."""
    job_id = fake.add_job(PARTNER_ACTION)
    other = fake.add_job(PARTNER_ACTION, pipeline_name="other")

    def lookup(client_id: str) -> str:
        if client_id == fake.job(job_id).client_id:
            raise KeyError(client_id)
        return "wrong-token-" + "x" * 20

    worker = partner_worker(client_of(fake), PARTNER_ACTION, lambda job: None, lookup,
                                 max_workers=2, **FAST)
    with caplog.at_level(logging.INFO, logger="codepipeline_jobs"):
        assert worker.run_once() == 2
    assert worker.stats == WorkerStats(received=2, errors=2)
    assert fake.job(job_id).status == JobStatus.DISPATCHED
    assert fake.job(other).status == JobStatus.DISPATCHED
    assert "wrong-token" not in caplog.text


# --- construction, logging, reentrancy ----------------------------------------------------------


def test_workers_check_the_action_owner(flavour: Flavour) -> None:
    """JobWorker takes Custom actions only, ThirdPartyJobWorker ThirdParty ones only."""
    fake = FakeCodePipeline()
    with pytest.raises(NotCustomActionError):
        job_worker(client_of(fake), PARTNER_ACTION, lambda job: None)
    with pytest.raises(NotThirdPartyActionError):
        partner_worker(client_of(fake), ACTION, lambda job: None, fake.client_token)
    with pytest.raises(ValueError, match=r"max_workers|max_concurrency"):
        job_worker(client_of(fake), ACTION, lambda job: None, max_workers=0)


def test_query_param_selects_jobs(fake: FakeCodePipeline) -> None:
    """A worker with a query parameter only gets the jobs whose configuration matches."""
    mine = fake.add_job(ACTION, configuration={"Fleet": "gpu"})
    theirs = fake.add_job(ACTION, configuration={"Fleet": "cpu"})
    worker = job_worker(client_of(fake), ACTION, lambda job: None, query_param={"Fleet": "gpu"}, **FAST)
    assert worker.run_once() == 1
    assert fake.job(mine).status == JobStatus.SUCCEEDED
    assert fake.job(theirs).status == JobStatus.QUEUED


def test_log_records_carry_the_job_and_no_secrets(
    fake: FakeCodePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """Every job log record names the job, pipeline, stage and action; configuration values never show."""
    fake.add_job(ACTION, configuration={"Token": "tok-123456"}, pipeline_name="web", stage_name="Test",
                 action_name="Integration")
    worker = job_worker(client_of(fake), ACTION, lambda job: Failure("bad tok-123456"), **FAST)
    with caplog.at_level(logging.DEBUG, logger="codepipeline_jobs"):
        worker.run_once()
    job_records = [r for r in caplog.records if hasattr(r, "job_id")]
    assert job_records
    assert all(
        (r.__dict__["pipeline"], r.__dict__["stage"], r.__dict__["action"]) == ("web", "Test", "Integration")
        for r in job_records
    )
    assert "web/Test/Integration" in job_records[-1].getMessage()


def test_run_refuses_to_run_twice_at_once(fake: FakeCodePipeline) -> None:
    """A second run() of a running worker raises instead of doubling the loop."""
    worker = job_worker(client_of(fake), ACTION, lambda job: None, **FAST)
    runner = Running(worker)
    wait_until(lambda: "PollForJobs" in fake.calls)
    with pytest.raises(RuntimeError, match="already running"):
        worker.run()
    runner.stop()


def test_poll_errors_are_counted_and_the_worker_keeps_polling(fake: FakeCodePipeline) -> None:
    """A poll that fails beyond botocore's retries is logged and counted; the next one works."""
    job_id = fake.add_job(ACTION)
    fake.inject_fault("PollForJobs", "throttle", times=2)
    worker = job_worker(client_of(fake, config=_one_attempt()), ACTION, lambda job: None, **FAST)
    runner = Running(worker)
    wait_until(lambda: fake.job(job_id).status == JobStatus.SUCCEEDED)
    runner.stop()
    assert worker.stats.poll_errors == 2


def _one_attempt() -> Any:
    """A client config without botocore retries, so that the worker's own retries are visible."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "total_max_attempts": 1})


def test_other_categories_work_too(flavour: Flavour) -> None:
    """Any category of custom action can be worked (here Deploy, with a different provider)."""
    fake = FakeCodePipeline()
    action = ActionTypeId(
        category=ActionCategory.DEPLOY, owner=ActionOwner.CUSTOM, provider="Deployer", version="7"
    )
    fake.add_job(action)
    fake.add_job(ACTION)
    worker = job_worker(client_of(fake), action, lambda job: None, **FAST)
    assert worker.run_once() == 1


def test_a_poll_that_breaks_a_rule_stops_run(fake: FakeCodePipeline) -> None:
    """A poll request that can never be valid makes run() raise instead of polling forever."""
    action = ActionTypeId(
        category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="x" * 40, version="1"
    )
    worker = job_worker(client_of(fake), action, lambda job: None, handle_signals=False, **FAST)
    with pytest.raises(ValueError, match="provider"):
        worker.run()
    assert fake.calls == []


def test_run_once_beside_a_running_worker_never_overfills_it(fake: FakeCodePipeline) -> None:
    """run_once() while run() holds every slot polls for nothing: held + reserved stay <= the limit."""
    for _ in range(4):
        fake.add_job(ACTION)
    started = threading.Semaphore(0)
    release = threading.Event()

    def handler(job: Job) -> Outcome:
        started.release()
        release.wait(10)
        return None

    worker = job_worker(client_of(fake), ACTION, handler, max_workers=2, **FAST)
    runner = Running(worker)
    assert started.acquire(timeout=10)
    assert started.acquire(timeout=10)
    assert worker.run_once() == 0
    release.set()
    wait_until(lambda: worker.stats.succeeded == 4)
    runner.stop()
    assert worker.stats == WorkerStats(received=4, succeeded=4)


def test_slots_reserved_by_run_once_are_not_polled_for_again() -> None:
    """The capacity both workers share: slots run_once() reserved are not free for run()'s polls."""
    from codepipeline_jobs._worker_core import Slots

    slots = Slots(2, Backoff(1.0, 1.0))
    assert slots.reserve_free() == 2
    assert slots.next_poll(now=0.0) == (0, 0.5)
    slots.release(2)
    assert slots.next_poll(now=0.0) == (2, 0.0)
    slots.polled(2, 0, now=0.0)  # an empty poll: back off
    size, wait = slots.next_poll(now=0.0)
    assert size == 0
    assert 0 < wait <= 0.5


# --- exactly one report, whatever the handler does (see also test_exactly_once) ----------------


def test_constructors_refuse_what_no_worker_can_work_with(flavour: Flavour) -> None:
    """A dict or a string for the action type, a handler that cannot be called: TypeError, named."""
    fake = FakeCodePipeline()
    client = client_of(fake)
    wire = {"category": "Build", "owner": "Custom", "provider": "MyBuilder", "version": "1"}
    with pytest.raises(TypeError, match=r"^action_type_id must be an ActionTypeId, not a dict"):
        job_worker(client, wire, lambda job: None)
    with pytest.raises(TypeError, match=r"^action_type_id must be an ActionTypeId, not a str"):
        partner_worker(client, "Build", lambda job: None, fake.client_token)
    with pytest.raises(TypeError, match=r"^handler must be a function \(or another callable\), not a str"):
        job_worker(client, ACTION, "not-callable")
    with pytest.raises(TypeError, match=r"^handler must be .*, not an int"):
        partner_worker(client, PARTNER_ACTION, 42, fake.client_token)
    with pytest.raises(TypeError, match=r"^client_token_for must be .*, not a dict"):
        partner_worker(client, PARTNER_ACTION, lambda job: None, {"client": "token"})
    with pytest.raises(TypeError, match=r"^client_token_for must be .*, not a NoneType"):
        partner_worker(client, PARTNER_ACTION, lambda job: None, None)
    assert fake.calls == []


@pytest.mark.parametrize("error", [SystemExit, KeyboardInterrupt])
def test_system_exit_in_a_handler_is_reported_then_stops_the_worker(
    fake: FakeCodePipeline, error: type[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    """SystemExit/KeyboardInterrupt: the job is reported as failed, then run() drains and returns."""
    first, second = fake.add_job(ACTION), fake.add_job(ACTION)
    hooked: list[object] = []
    previous, threading.excepthook = threading.excepthook, hooked.append

    def handler(job: Job) -> Outcome:
        raise error(f"{error.__name__} from the handler")

    try:
        worker = job_worker(client_of(fake), ACTION, handler, max_workers=1, **FAST)
        runner = Running(worker)
        runner.thread.join(20)  # no stop(): the handler's exception stops the worker
        assert not runner.thread.is_alive()
    finally:
        threading.excepthook = previous
    [report] = fake.job(first).reports
    assert report.failure_details is not None
    assert report.failure_details.message == f"{error.__name__}: {error.__name__} from the handler"
    assert fake.job(second).status == JobStatus.QUEUED
    assert worker.stopping
    assert worker.stats == WorkerStats(received=1, failed=1)
    assert hooked == []
    assert capsys.readouterr().err == ""


def test_a_report_that_cannot_be_prepared_for_any_reason_becomes_a_failure(
    fake: FakeCodePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """Not only TypeError/ValidationError: whatever breaks while preparing the report, the job fails."""
    job_id = fake.add_job(ACTION, configuration={"Token": "tok-123456789"})

    class Sneaky(collections.abc.Mapping[str, str]):
        """Output variables that break while they are read."""

        def __getitem__(self, key: str) -> str:
            raise KeyError(key)

        def __len__(self) -> int:
            return 1

        def __iter__(self) -> Iterator[str]:
            message = "tok-123456789 leaked"
            raise LookupError(message)

    worker = job_worker(client_of(fake), ACTION, lambda job: Success(output_variables=Sneaky()), **FAST)
    with caplog.at_level(logging.INFO, logger="codepipeline_jobs"):
        assert worker.run_once() == 1
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.message == (
        "the job handler returned an outcome that cannot be reported: LookupError: *** leaked"
    )
    assert worker.stats == WorkerStats(received=1, failed=1)
    assert "tok-123456789" not in caplog.text


SECOND_SIGNAL_SCRIPT = """
import json, logging, os, signal, sys, threading, time
from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId
from codepipeline_jobs.testing import FakeCodePipeline
from codepipeline_jobs.worker import Success

logging.basicConfig(level=logging.WARNING)
action = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1")
fake = FakeCodePipeline()
first, second = fake.add_job(action), fake.add_job(action)

def handler(job):
    print("started", flush=True)
    time.sleep(30)
    return Success()

{run}
job = fake.job(first)
print(json.dumps([job.status.value, job.reports[0].failure_details.message, fake.job(second).status.value]),
      flush=True)
"""

@pytest.mark.parametrize("flavour_name", FLAVOURS)
def test_a_second_signal_reports_the_jobs_in_flight_as_failed_then_exits(flavour_name: str) -> None:
    """SIGTERM, SIGTERM: no waiting for the hanging handler, but its job is reported as failed first."""
    import os
    import signal
    import subprocess
    import sys

    run = RUN_ASYNC if flavour_name == "async" else RUN_SYNC  # the same runs as for one SIGTERM
    script = SECOND_SIGNAL_SCRIPT.replace("{run}", run)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "started"
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert time.monotonic() - began < 10  # not the handler's 30 s, nor the 60 s drain timeout
    assert json.loads(out) == ["Failed", "the worker stopped before the job finished", "Queued"]
    assert "reporting them as failed" in err
    assert "Traceback" not in err


def test_the_lifecycle_is_effects_only_and_any_driver_can_run_it() -> None:
    """Driven by hand, with no client at all: claim, handle (KeyboardInterrupt), stop, release, report."""
    from codepipeline_jobs._lifecycle import Answer, Handle, Lifecycle, Release, Send, Sleep, StopWorker
    from codepipeline_jobs._worker_core import Counts, Options

    fake = FakeCodePipeline()
    fake.add_job(ACTION)
    [job] = codepipeline_jobs.poll_for_jobs(fake.client(), ACTION)
    options = Options(max_workers=1, poll_interval_min=1, poll_interval_max=1, drain_timeout=1,
                      report_retries=2, retry_delay=0.5, retry_delay_max=1)
    counts = Counts()
    flow = Lifecycle(options, counts, None, lambda: False).flow(job)
    effect = next(flow)
    assert isinstance(effect, Send)
    assert effect.call.operation == "AcknowledgeJob"
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "AcknowledgeJob")
    assert isinstance(flow.throw(throttled), Sleep)  # retried after a delay
    assert isinstance(next(flow), Send)
    assert isinstance(handle := flow.send(JobStatus.IN_PROGRESS), Handle)
    assert handle.job is job
    assert isinstance(flow.send(Answer(error=KeyboardInterrupt())), StopWorker)
    assert isinstance(next(flow), Release)
    report = next(flow)
    assert isinstance(report, Send)
    assert report.call.operation == "PutJobFailureResult"
    assert report.call.params["failureDetails"]["message"] == "KeyboardInterrupt"
    with pytest.raises(StopIteration):
        flow.send(None)
    assert counts.snapshot() == WorkerStats(failed=1)


def test_a_token_lookup_hanging_past_the_drain_deadline_leaves_its_job_unclaimed(
    fake: FakeCodePipeline,
) -> None:
    """run() does not wait for a lookup past the deadline; the job, never acknowledged, is left alone."""
    job_id = fake.add_job(PARTNER_ACTION)
    started, release = threading.Event(), threading.Event()

    def lookup(client_id: str) -> str:
        started.set()
        release.wait(10)
        return fake.client_token(client_id)

    worker = partner_worker(client_of(fake), PARTNER_ACTION, lambda job: None, lookup,
                            **{**FAST, "drain_timeout": 0.2})
    runner = Running(worker)
    assert started.wait(10)
    began = time.monotonic()
    runner.stop()
    assert time.monotonic() - began < 3
    release.set()
    wait_until(lambda: settled(worker))
    assert fake.job(job_id).status == JobStatus.DISPATCHED
    assert "AcknowledgeThirdPartyJob" not in fake.calls
    assert worker.stats == WorkerStats(received=1, skipped=1)
