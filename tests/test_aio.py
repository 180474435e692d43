"""What only the asyncio API has: coroutine handlers, task concurrency, cancellation, the optional extra.

The behaviour both APIs share is tested once, for both, through the `flavour` fixture
(test_calls, test_third_party, test_worker).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import subprocess
import sys
import textwrap
import threading
from typing import TYPE_CHECKING, Any

import pytest

import codepipeline_jobs
from codepipeline_jobs import FailureType, Job, JobStatus, aio
from codepipeline_jobs.testing import FakeCodePipeline, Faults
from tests.conftest import ACTION, PARTNER_ACTION, sigterm_once_started

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from types_aiobotocore_codepipeline import CodePipelineClient

pytest.importorskip("aiobotocore", reason="needs the aio extra (aiobotocore)")

FAST: dict[str, Any] = {
    "poll_interval_min": 0.01,
    "poll_interval_max": 0.05,
    "retry_delay": 0.01,
    "retry_delay_max": 0.1,
    "drain_timeout": 10.0,
    "handle_signals": False,
}


def run_with_client(
    fake: FakeCodePipeline, scenario: Callable[[CodePipelineClient], Awaitable[None]]
) -> None:
    """Run `scenario` with an aiobotocore client served by `fake`, in a new event loop."""

    async def main() -> None:
        async with fake.aio_client() as client:
            await scenario(client)

    asyncio.run(main())


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for `condition` without blocking the loop; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.005)


# --- the API mirrors the synchronous one ---------------------------------------------------------


def test_every_call_has_a_coroutine_twin_with_the_same_parameters() -> None:
    """Each synchronous call has an `aio` coroutine with the same parameters, defaults and result."""
    sync_calls = [name for name in codepipeline_jobs.__all__ if inspect.isfunction(
        getattr(codepipeline_jobs, name)
    ) and name.startswith(("poll_", "get_", "put_", "acknowledge_"))]
    assert len(sync_calls) == 11
    for name in sync_calls:
        sync, coroutine = getattr(codepipeline_jobs, name), getattr(aio, name)
        assert inspect.iscoroutinefunction(coroutine), name
        sync_signature, async_signature = inspect.signature(sync), inspect.signature(coroutine)
        assert list(sync_signature.parameters) == list(async_signature.parameters), name
        for parameter in sync_signature.parameters.values():
            twin = async_signature.parameters[parameter.name]
            assert (twin.kind, twin.default) == (parameter.kind, parameter.default), (name, parameter)
            if parameter.name != "client":
                assert twin.annotation == parameter.annotation, (name, parameter)
        assert async_signature.return_annotation == sync_signature.return_annotation, name
        assert coroutine.__doc__, name


def test_a_request_that_breaks_a_rule_is_never_sent() -> None:
    """Validation runs before the await: nothing reaches the fake."""
    fake = FakeCodePipeline()

    async def scenario(client: CodePipelineClient) -> None:
        with pytest.raises(codepipeline_jobs.NotCustomActionError):
            await aio.poll_for_jobs(client, PARTNER_ACTION)
        with pytest.raises(codepipeline_jobs.ValidationError, match="maxBatchSize"):
            await aio.poll_for_jobs(client, ACTION, max_batch_size=0)

    run_with_client(fake, scenario)
    assert fake.calls == []


# --- the asyncio worker ---------------------------------------------------------------------------


def test_coroutine_handlers_run_concurrently_up_to_the_limit() -> None:
    """12 jobs, max_concurrency=4: four handlers at a time, all in the event loop's thread."""
    fake = FakeCodePipeline(faults=Faults(latency=0.001))
    for _ in range(12):
        fake.add_job(ACTION)
    running = peak = 0
    threads: set[int] = set()

    async def handler(job: Job) -> aio.Outcome:
        nonlocal running, peak
        threads.add(threading.get_ident())
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.03)
        running -= 1
        return aio.Success(output_variables={"job": job.id[:8]})

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncJobWorker(client, ACTION, handler, max_concurrency=4, **FAST)
        task = asyncio.create_task(worker.run())
        await until(lambda: worker.stats.succeeded == 12)
        worker.stop()
        await task
        assert worker.stats == aio.WorkerStats(received=12, succeeded=12)

    run_with_client(fake, scenario)
    assert peak == 4
    assert threads == {threading.main_thread().ident}
    assert all(job.status == JobStatus.SUCCEEDED for job in fake.jobs())


def test_plain_handlers_run_in_the_workers_threads_with_the_callers_context() -> None:
    """A plain function never blocks the loop: it runs in a worker thread, context variables copied."""
    fake = FakeCodePipeline()
    fake.add_job(ACTION)
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")
    seen: list[tuple[str, str]] = []

    def handler(job: Job) -> aio.Outcome:
        seen.append((threading.current_thread().name, request_id.get()))
        return None

    async def scenario(client: CodePipelineClient) -> None:
        request_id.set("r-42")
        worker = aio.AsyncJobWorker(client, ACTION, handler, **FAST)
        assert await worker.run_once() == 1

    run_with_client(fake, scenario)
    [(thread_name, value)] = seen
    assert thread_name.startswith("codepipeline-handler")
    assert value == "r-42"


def test_a_coroutine_handler_that_raises_fails_its_job_with_secrets_masked() -> None:
    """An exception from an awaited handler is a JobFailed report, configuration values masked."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION, configuration={"Password": "pa55-w0rd-xyz"})

    async def handler(job: Job) -> aio.Outcome:
        await asyncio.sleep(0)
        message = "login refused for pa55-w0rd-xyz"
        raise PermissionError(message)

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncJobWorker(client, ACTION, handler, **FAST)
        await worker.run_once()
        assert worker.stats == aio.WorkerStats(received=1, failed=1)

    run_with_client(fake, scenario)
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.JOB_FAILED
    assert report.failure_details.message == "PermissionError: login refused for ***"


def test_partner_worker_takes_an_async_token_lookup() -> None:
    """client_token_for may be a coroutine function; the job is read, claimed and reported with it."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(PARTNER_ACTION)

    async def lookup(client_id: str) -> str:
        await asyncio.sleep(0)
        return fake.client_token(client_id)

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncThirdPartyJobWorker(
            client, PARTNER_ACTION, lambda job: aio.Failure("nope"), lookup, **FAST
        )
        assert await worker.run_once() == 1
        assert worker.stats == aio.WorkerStats(received=1, failed=1)

    run_with_client(fake, scenario)
    assert fake.job(job_id).status == JobStatus.FAILED


def test_cancelling_run_drains_the_jobs_in_flight() -> None:
    """Cancelling the task that awaits run() stops polling and lets the job in flight report."""
    fake = FakeCodePipeline()
    first, second = fake.add_job(ACTION), fake.add_job(ACTION)
    started = asyncio.Event()

    async def handler(job: Job) -> aio.Outcome:
        started.set()
        await asyncio.sleep(0.1)
        return None

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncJobWorker(client, ACTION, handler, max_concurrency=1, **FAST)
        task = asyncio.create_task(worker.run())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert worker.stopping
        assert worker.stats == aio.WorkerStats(received=1, succeeded=1)

    run_with_client(fake, scenario)
    assert fake.job(first).status == JobStatus.SUCCEEDED
    assert fake.job(second).status == JobStatus.QUEUED


def test_stop_from_another_thread_wakes_an_idle_worker() -> None:
    """stop() is thread-safe: called from a plain thread it ends run() without waiting for the backoff."""
    fake = FakeCodePipeline()

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncJobWorker(
            client, ACTION, lambda job: None, **{**FAST, "poll_interval_min": 30, "poll_interval_max": 30}
        )
        task = asyncio.create_task(worker.run())
        await until(lambda: "PollForJobs" in fake.calls)
        loop = asyncio.get_running_loop()
        began = loop.time()
        threading.Timer(0.05, worker.stop).start()
        await asyncio.wait_for(task, 5)
        assert loop.time() - began < 5

    run_with_client(fake, scenario)


def test_options_are_checked() -> None:
    """Out-of-range options are refused with the option's name."""
    fake = FakeCodePipeline()
    client: Any = object()
    with pytest.raises(ValueError, match="max_concurrency"):
        aio.AsyncJobWorker(client, ACTION, lambda job: None, max_concurrency=0)
    with pytest.raises(ValueError, match="poll intervals"):
        aio.AsyncJobWorker(client, ACTION, lambda job: None, poll_interval_min=2, poll_interval_max=1)
    with pytest.raises(codepipeline_jobs.NotThirdPartyActionError):
        aio.AsyncThirdPartyJobWorker(client, ACTION, lambda job: None, fake.client_token)


# --- the optional extra ------------------------------------------------------------------------------


def test_everything_imports_without_aiobotocore() -> None:
    """With aiobotocore missing, the package, `aio` and the fake import, and the sync API works."""
    code = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("aiobotocore", "types_aiobotocore_codepipeline"):
                    raise ImportError(f"blocked: {name}")
        sys.meta_path.insert(0, Block())
        import codepipeline_jobs, codepipeline_jobs.aio, codepipeline_jobs.testing, codepipeline_jobs.worker
        from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId, poll_for_jobs
        fake = codepipeline_jobs.testing.FakeCodePipeline()
        action = ActionTypeId(
            category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1"
        )
        fake.add_job(action)
        print(len(poll_for_jobs(fake.client(), action)), "aiobotocore" in sys.modules)
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "False"]


# --- found in review: signals, threads, eager tasks, the wrong client ----------------------------

TWO_WORKERS_SCRIPT = """
import asyncio, json, os, signal, sys, time
from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId
from codepipeline_jobs.aio import AsyncJobWorker, Success
from codepipeline_jobs.testing import FakeCodePipeline

def action(name):
    return ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider=name, version="1")

fake = FakeCodePipeline()
first, second = fake.add_job(action("A")), fake.add_job(action("B"))
app_calls = []

async def handler(job):
    print("started", flush=True)
    await asyncio.sleep(0.3)
    return Success()

async def main():
    loop = asyncio.get_running_loop()
    before = signal.getsignal(signal.SIGINT)
    async with fake.aio_client() as client:
        workers = [AsyncJobWorker(client, action(name), handler, max_concurrency=1,
                                  poll_interval_min=0.01, poll_interval_max=0.05) for name in "AB"]
        await asyncio.gather(*(worker.run() for worker in workers))
    restored = (signal.getsignal(signal.SIGINT) == before
                and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
    print(json.dumps([fake.job(first).status.value, fake.job(second).status.value, restored]), flush=True)

asyncio.run(main())
"""


def test_one_sigterm_stops_every_worker_on_the_loop_and_signals_are_restored() -> None:
    """Two workers on one loop both drain on one SIGTERM; asyncio.run's SIGINT handler comes back."""
    out, _ = sigterm_once_started(TWO_WORKERS_SCRIPT, starts=2)
    assert json.loads(out) == ["Succeeded", "Succeeded", True]


HANGING_HANDLER_SCRIPT = """
import asyncio, logging, os, signal, threading, time
from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId
from codepipeline_jobs.aio import AsyncJobWorker
from codepipeline_jobs.testing import FakeCodePipeline

logging.basicConfig(level=logging.WARNING)
action = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1")
fake = FakeCodePipeline()
fake.add_job(action)

def handler(job):
    print("started", flush=True)
    time.sleep(30)

async def main():
    async with fake.aio_client() as client:
        await AsyncJobWorker(client, action, handler, drain_timeout=0.2,
                             poll_interval_min=0.01, poll_interval_max=0.05).run()

asyncio.run(main())
"""


def test_a_hanging_plain_handler_does_not_keep_the_process_alive() -> None:
    """After the drain deadline the process exits, as with the threaded worker's daemon threads."""
    _, err = sigterm_once_started(HANGING_HANDLER_SCRIPT, timeout=15)  # the handler sleeps 30 s
    assert "still running" in err


def test_a_plain_token_lookup_runs_off_the_loop() -> None:
    """A plain client_token_for (which may call a secrets store) runs in a thread, not in the loop."""
    fake = FakeCodePipeline()
    fake.add_job(PARTNER_ACTION)
    threads: list[str] = []

    def lookup(client_id: str) -> str:
        threads.append(threading.current_thread().name)
        return fake.client_token(client_id)

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncThirdPartyJobWorker(client, PARTNER_ACTION, lambda job: None, lookup, **FAST)
        assert await worker.run_once() == 1
        assert worker.stats == aio.WorkerStats(received=1, succeeded=1)

    run_with_client(fake, scenario)
    assert threads == ["codepipeline-handler"]


class _Ended(asyncio.Future[Any]):
    """A finished "task" (create_task names its tasks)."""

    def set_name(self, name: str) -> None:
        """Names are not kept."""


def _eager_factory(loop: asyncio.AbstractEventLoop, coroutine: Any, **_: Any) -> Any:
    """Python 3.12's eager_task_factory for what matters here: a coroutine ending in its first step.

    Such a task has ended before create_task returns. On 3.12+ the real factory is used.
    """
    try:
        coroutine.send(None)
    except StopIteration as stop:
        done = _Ended(loop=loop)
        done.set_result(stop.value)
        return done
    message = "this emulation only runs coroutines that end in their first step"
    raise AssertionError(message)


def test_no_slot_leaks_with_an_eager_task_factory() -> None:
    """Jobs that end before their first await (here: skipped, the worker stopping) free their slots."""
    fake = FakeCodePipeline()
    for _ in range(3):
        fake.add_job(ACTION)

    async def scenario(client: CodePipelineClient) -> None:
        factory: Any = getattr(asyncio, "eager_task_factory", _eager_factory)
        asyncio.get_running_loop().set_task_factory(factory)
        worker = aio.AsyncJobWorker(client, ACTION, lambda job: None, max_concurrency=3, **FAST)
        polled = await aio.poll_for_jobs(client, ACTION, max_batch_size=3)
        worker.stop()
        for job in polled:
            worker._start(worker._job(job))  # the moment a poll hands its jobs to a stopping worker
        assert worker._slots.free == 3
        assert worker._in_flight == {}
        assert worker.stats.skipped == 3

    run_with_client(fake, scenario)


def test_the_wrong_kind_of_client_is_refused_before_anything_is_sent() -> None:
    """A boto3 client in aio, or an aiobotocore client in the sync API: TypeError, nothing sent."""
    fake = FakeCodePipeline()
    fake.add_job(ACTION)
    sync_client = fake.client()

    async def scenario(client: CodePipelineClient) -> None:
        with pytest.raises(TypeError, match="aiobotocore client"):
            await aio.poll_for_jobs(sync_client, ACTION)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=r"codepipeline_jobs\.aio"):
            codepipeline_jobs.poll_for_jobs(client, ACTION)

    run_with_client(fake, scenario)
    assert fake.calls == []


# --- stopping leaves nothing InProgress -------------------------------------------------------------


def test_a_coroutine_handler_running_at_the_drain_deadline_is_cancelled_and_its_job_failed() -> None:
    """At the deadline the handler gets CancelledError; the job is reported as failed, run() returns."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION)
    seen: list[str] = []

    async def handler(job: Job) -> aio.Outcome:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return aio.Success()

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncJobWorker(client, ACTION, handler, **{**FAST, "drain_timeout": 0.1})
        task = asyncio.create_task(worker.run())
        await until(lambda: fake.job(job_id).status == JobStatus.IN_PROGRESS)
        worker.stop()
        await asyncio.wait_for(task, 5)
        assert worker.stats == aio.WorkerStats(received=1, failed=1)

    run_with_client(fake, scenario)
    assert seen == ["cancelled"]
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.message == "the worker stopped before the job finished"


def test_cancelling_run_twice_reports_the_jobs_in_flight_as_failed() -> None:
    """A second cancellation while draining stops waiting for handlers, but reports their jobs first."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION)

    async def handler(job: Job) -> aio.Outcome:
        await asyncio.sleep(30)
        return aio.Success()

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncJobWorker(client, ACTION, handler, **{**FAST, "drain_timeout": 60})
        task = asyncio.create_task(worker.run())
        await until(lambda: fake.job(job_id).status == JobStatus.IN_PROGRESS)
        task.cancel()
        await asyncio.sleep(0.05)  # draining now
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
        assert worker.stats == aio.WorkerStats(received=1, failed=1)

    run_with_client(fake, scenario)
    assert fake.job(job_id).status == JobStatus.FAILED


def test_a_cancelled_error_raised_by_the_handler_itself_fails_only_its_job() -> None:
    """CancelledError from user code is the handler's error: its job fails, the worker goes on."""
    fake = FakeCodePipeline()
    first, second = fake.add_job(ACTION), fake.add_job(ACTION)

    async def handler(job: Job) -> aio.Outcome:
        if job.id == first:
            raise asyncio.CancelledError
        return None

    async def scenario(client: CodePipelineClient) -> None:
        worker = aio.AsyncJobWorker(client, ACTION, handler, max_concurrency=2, **FAST)
        assert await worker.run_once() == 2
        assert not worker.stopping
        assert worker.stats == aio.WorkerStats(received=2, succeeded=1, failed=1)

    run_with_client(fake, scenario)
    [report] = fake.job(first).reports
    assert report.failure_details is not None
    assert report.failure_details.message == "CancelledError"
    assert fake.job(second).status == JobStatus.SUCCEEDED


def test_a_client_not_yet_entered_is_refused_with_the_fix() -> None:
    """``fake.aio_client()`` (or ``session.create_client(...)``) passed without ``async with``."""
    fake = FakeCodePipeline()
    not_entered: Any = fake.aio_client()
    with pytest.raises(TypeError, match=r"has not been entered: use `async with session\.create_client"):
        asyncio.run(aio.poll_for_jobs(not_entered, ACTION))
    worker = aio.AsyncJobWorker(not_entered, ACTION, _noop)
    with pytest.raises(TypeError, match="has not been entered"):
        asyncio.run(worker.run_once())
    assert fake.calls == []


async def _noop(job: Job) -> None:
    del job
