"""Run a job handler against CodePipeline, safely, on many threads and many machines.

Write one function that takes a job and returns what happened; a worker polls
CodePipeline for jobs of your action type, claims each one, runs your function
and reports the outcome::

    def build(job: Job) -> Outcome:
        ...
        return Success(output_variables={"imageTag": "1.4.2"})

    JobWorker(client, action_type_id, build, max_workers=8).run()

What the worker guarantees:

- It asks for at most as many jobs as it has free threads, polls again at
  once after a non-empty batch, and backs off with jitter when idle.
- It acknowledges a job with its nonce before any work, and works on it only
  when CodePipeline answers ``InProgress``. A job another worker claimed first
  is skipped quietly: CodePipeline is the queue, and many workers on many
  machines can share one action type.
- Every claimed job gets exactly one report. An exception in the handler -
  any exception, ``BaseException`` included - becomes a ``JobFailed`` report
  (exception type and message, secrets masked, cut to the API's limit); so
  does a result that cannot be reported as it is (``None`` is a success). The
  worker goes on, except after ``SystemExit`` or ``KeyboardInterrupt``: the
  job is reported, then the worker stops as on a signal.
- Reports are retried with backoff through throttling storms and dropped
  connections, beyond botocore's own attempts. An
  ``InvalidJobStateException`` after a retried report means an earlier
  attempt landed: it is logged, never turned into a failure report. No job is
  reported twice and no handler runs twice for one job.
- `JobWorker.stop` (or SIGTERM/SIGINT when `JobWorker.run` runs in the main
  thread) drains: no more polls, in-flight jobs finish within
  ``drain_timeout``, jobs not yet acknowledged are left for other workers.
  A job still in its handler at the deadline (or at a second signal) is
  reported as failed ("the worker stopped before the job finished"), so that
  nothing is left ``InProgress``; its handler's late result is discarded.

Log records go to the ``codepipeline_jobs.worker`` logger and carry the job
id, pipeline, stage and action (also as the record attributes ``job_id``,
``pipeline``, ``stage`` and ``action``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from ._calls import run as run_call
from ._health import Health
from ._job_context import JobContext, current_job, job_context
from ._job_detail_models import ThirdPartyJob, ThirdPartyJobDetails
from ._lifecycle import (
    REPORT_GRACE,
    Answer,
    Handle,
    InFlight,
    LookUpToken,
    Release,
    Send,
    Sleep,
    _WorkerBase,
    advance,
    call_user,
    log_late_result,
    log_stopped,
)
from ._models import Job
from ._outcomes import Continuation, Failure, Outcome, Success
from ._redact import describe_exception
from ._worker_core import WorkerStats

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping, Sequence
    from types import FrameType

    from mypy_boto3_codepipeline import CodePipelineClient
    from typing_extensions import TypedDict, TypeVar, Unpack

    from ._configuration import CustomAction
    from ._health_server import HealthServer
    from ._models import ActionTypeId

    _C = TypeVar("_C")

    class _JobWorkerOptions(TypedDict, total=False):
        max_workers: int
        poll_interval_min: float
        poll_interval_max: float
        drain_timeout: float
        report_retries: int
        retry_delay: float
        retry_delay_max: float
        handle_signals: bool

__all__ = [
    "Continuation",
    "Failure",
    "Handler",
    "Health",
    "HealthServer",
    "JobContext",
    "JobWorker",
    "Outcome",
    "PartnerHandler",
    "Success",
    "ThirdPartyJobWorker",
    "WorkerStats",
    "current_job",
]

logger = logging.getLogger("codepipeline_jobs.worker")

Handler: TypeAlias = Callable[[Job], Outcome]
"""A custom action's job handler: takes a polled `Job`, returns an `Outcome` (or raises)."""
PartnerHandler: TypeAlias = Callable[[ThirdPartyJobDetails], Outcome]
"""A partner action's job handler: takes the job's `ThirdPartyJobDetails`, returns an `Outcome`."""


class _Engine(_WorkerBase):
    """Threads for the job lifecycle of `_lifecycle`: polling, capacity, draining, signals."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Threads, hence the most jobs worked on at once.
        self.max_workers: int = self.options.max_workers
        self._capacity = threading.Condition()  # an RLock: stop() may run in a signal handler

    def _wake_from_anywhere(self) -> None:
        with self._capacity:
            self._capacity.notify_all()

    # --- public API ---------------------------------------------------------------------------

    def run(self) -> None:
        """Poll and work until `stop` is called, then drain.

        When called in the main thread (and ``handle_signals`` is true), the
        first SIGTERM or SIGINT calls `stop`; a second one stops waiting for
        the handlers still running (their jobs are reported as failed); a
        third one stops waiting for those reports.

        Raises:
            RuntimeError: The worker is already running.
            ValidationError: The poll request breaks a rule (nothing was sent).
        """
        self._begin_run("thread(s)")
        try:
            with self._signals_stop_me():
                try:
                    self._loop()
                finally:
                    self._drain()
        finally:
            self._end_run()

    def run_once(self) -> int:
        """Poll once for as many jobs as there are threads and work the batch to its end.

        With several action types, each call polls the next one in turn.

        Returns:
            The number of jobs the poll returned (0 when there were none, or
            when the worker was stopped), all of them dealt with.

        Raises:
            ValidationError: The poll request breaks a rule (nothing was sent).
            botocore.exceptions.ClientError: The poll failed.
        """
        with self._capacity:  # reserved, so that a running run() cannot overfill the slots
            free = 0 if self._stopping else self._slots.reserve_free()
            index = self._rotation.next()
        if free < 1:
            return 0
        try:
            batch = self._poll(free, index)
        except BaseException:
            with self._capacity:
                self._slots.release(free)
                self._capacity.notify_all()
            raise
        with self._capacity:
            jobs = self._polled(free, batch, time.monotonic(), index)
            for job in jobs:
                self._start(job)
            ids = [job.job_id for job in jobs]
            # every job of the batch to its end (a job timed out goes on in another thread)
            self._wait_while(lambda: any(job_id in self._in_flight for job_id in ids), math.inf,
                             lambda: False)
        return len(batch)

    # --- the loop -----------------------------------------------------------------------------

    def _poll(self, size: int, index: int = 0) -> list[Job] | list[ThirdPartyJob]:
        call = self._poll_call(size, index)
        started = time.perf_counter()
        try:
            jobs: list[Job] | list[ThirdPartyJob] = run_call(self.client, call)
        except Exception as exc:
            self._api_call_done(call, started, exc)
            raise
        self._api_call_done(call, started)
        return jobs

    def _loop(self) -> None:
        # Polls run in their own short-lived threads, so that a slot freed while a poll is in
        # flight is filled by another poll at once instead of waiting for the first one. Slots
        # asked for by polls in flight are reserved: jobs held + reserved never exceed max_workers.
        with self._capacity:
            while not self._stopping:
                now = time.monotonic()
                soonest = self._take_over_expired(now)
                size, wait = self._slots.next_poll(now)
                if not size:
                    self._capacity.wait(min(wait, soonest))
                    continue
                threading.Thread(
                    target=self._poll_batch, args=(size, self._rotation.next()), name="codepipeline-poll",
                    daemon=True,
                ).start()
        if self._poll_error is not None:
            raise self._poll_error

    def _poll_batch(self, size: int, index: int) -> None:
        try:
            batch = self._poll(size, index)
        except Exception as exc:  # noqa: BLE001 - keep polling through outages
            with self._capacity:
                self._poll_failed(size, exc, time.monotonic(), index)
                self._capacity.notify_all()
            return
        with self._capacity:
            for job in self._polled(size, batch, time.monotonic(), index):
                self._start(job)
            self._capacity.notify_all()

    def _take_over_expired(self, now: float) -> float:
        """Report the jobs past their job_timeout (caller holds ``_capacity``); seconds to the next."""
        expired, soonest = self._expired(now)
        for job in expired:  # the handler's thread goes on; its result is discarded (`_handle`)
            self._start(job, job.stop_answer)
        return soonest

    def _start(self, job: InFlight, reply: Any = None) -> threading.Thread:
        """Drive `job` in a thread of its own (the caller holds ``_capacity``)."""
        self._in_flight[job.job_id] = job
        thread = threading.Thread(
            target=self._drive, args=(job, reply), name=f"codepipeline-job-{job.job_id[:8]}", daemon=True
        )
        thread.start()
        return thread

    def _drain(self) -> None:
        self._stopping = True  # however the loop ended (a KeyboardInterrupt, say): no more claims
        deadline = time.monotonic() + self.options.drain_timeout
        with self._capacity:
            if self._in_flight:
                logger.info("stopping: waiting for %d job(s) in flight", len(self._in_flight))
            self._wait_while(lambda: bool(self._in_flight or self._slots.reserved), deadline,
                             lambda: self._abandon)
            # A thread cannot be killed: the handler goes on, its result is discarded when it
            # comes (`_handle`), and the job's flow goes on in a new thread, which reports it.
            for job in self._stop_waiting():
                self._start(job, job.stop_answer)
            self._wait_while(lambda: bool(self._owing()), REPORT_GRACE, lambda: self._give_up)
            left = self._owing()
        log_stopped(left, self.stats)

    def _wait_while(self, busy: Callable[[], bool], deadline: float, interrupted: Callable[[], bool]) -> None:
        """Wait (holding ``_capacity``) while `busy`, until `deadline` or `interrupted`."""
        while busy() and not interrupted():
            now = time.monotonic()
            soonest = self._take_over_expired(now)
            remaining = deadline - now
            if remaining <= 0:
                return
            self._capacity.wait(min(remaining, 0.5, soonest))

    @contextlib.contextmanager
    def _signals_stop_me(self) -> Generator[None]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(signum: int, _: FrameType | None) -> None:
            self.on_signal(signal.Signals(signum))

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # --- one job: the driver of its lifecycle ---------------------------------------------------

    def _drive(self, job: InFlight, reply: Any = None) -> None:
        """Perform the effects of a job's flow until it ends, or until another thread takes it over."""
        error: BaseException | None = None
        try:
            while (effect := advance(job.flow, reply, error)) is not None:
                reply, error = None, None
                if isinstance(effect, Send):
                    started = time.perf_counter()
                    try:
                        reply = run_call(self.client, effect.call)
                    except Exception as exc:  # noqa: BLE001 - the flow decides what it means
                        error = exc
                    self._api_call_done(effect.call, started, error)
                elif isinstance(effect, Handle):
                    reply = self._handle(job, effect)
                    if reply is None:
                        return  # stopped while in the handler: `_drain` took the job over
                elif isinstance(effect, Release):
                    with self._capacity:
                        self._slots.holding.discard(job.job_id)
                        self._capacity.notify_all()
                elif isinstance(effect, Sleep):
                    time.sleep(effect.seconds)
                elif isinstance(effect, LookUpToken):
                    job.looking_up = True
                    reply = call_user(self._token_for, effect.client_id)
                    job.looking_up = False
                else:
                    logger.warning("%s: stopping the worker, as on a signal", effect.reason)
                    self.stop()
        except BaseException as exc:  # noqa: BLE001 - never a thread's death: a bug, logged
            logger.error("job %s: unexpected error: %s", job.job_id, describe_exception(exc))
        with self._capacity:
            self._in_flight.pop(job.job_id, None)
            self._slots.holding.discard(job.job_id)
            self._capacity.notify_all()

    def _token_for(self, client_id: str) -> object:
        lookup: Any = self.client_token_for
        return lookup(client_id)

    def _handle(self, job: InFlight, effect: Handle) -> Answer | None:
        """Run the handler in its job's context; ``None`` when the worker stopped waiting for it meanwhile."""
        with job.lock:
            stopped = job.stopped
            job.handling = not stopped
        if stopped:
            return job.stop_answer
        with job_context(self._job_context(job, effect)), effect.telemetry.current():
            answer = call_user(self.handler, effect.job)
        with job.lock:
            job.handling = False
            taken_over = job.stopped
        if taken_over:
            log_late_result(job.job_id, answer, job.stop_answer.message)
            return None
        return answer


class JobWorker(_Engine):
    """Runs a handler on the jobs of a custom action type, on a pool of threads.

    Args:
        client: A boto3 CodePipeline client (boto3 clients are thread-safe).
        action_type_id: The custom action type to work for (owner ``Custom``), or
            a list of them (polled in turn, sharing the threads: e.g. two versions
            while a fleet moves from one to the other).
        handler: Called once per claimed job, in a worker thread; returns
            `Success`, `Continuation`, `Failure` or ``None`` (success), or raises
            (a ``JobFailed`` report). Whatever it returns or raises, the job
            gets exactly one report.
        query_param: At most one queryable configuration property and the
            value jobs must have, to split one action type among worker fleets;
            with several action types, for all of them, or a mapping from
            action type to its own (``None`` or absent: no query for that type).
        max_workers: Threads, hence the most jobs worked on at once.
        poll_interval_min: The first delay after an empty poll, in seconds.
        poll_interval_max: The longest delay between polls when idle, in seconds.
        drain_timeout: How long `run` waits for in-flight jobs after `stop`, in
            seconds; the jobs still in their handlers then are reported as failed.
        job_timeout: The most seconds a handler may run (none by default). A
            job whose handler is still running then is reported as failed
            ("the handler did not finish within the worker's job_timeout of N
            s"); the handler's late result is discarded and logged (a thread
            cannot be stopped: it runs on). `current_job` tells the handler the
            time it has left.
        report_retries: How many more times to try an acknowledge or a report
            that failed with throttling, a 5xx or a dropped connection (on top
            of botocore's own attempts).
        retry_delay: The ceiling of the first delay between those retries, in seconds.
        retry_delay_max: The highest ceiling of those delays, in seconds.
        handle_signals: Let SIGTERM and SIGINT stop `run` when it runs in the main thread.

    Raises:
        TypeError: `action_type_id` is not an `ActionTypeId`, or `handler` is
            not callable.
        NotCustomActionError: The action type's owner is not ``Custom``.
        ValidationError: `query_param` breaks the API's rules.
        ValueError: An option is out of range.

    Example:
        ```python
        # illustrative
        def build(job: Job) -> Outcome:
            if job.data.continuation_token is None:
                return Continuation(start_build(job))
            return Success() if build_done(job.data.continuation_token) else Continuation(
                job.data.continuation_token
            )

        JobWorker(boto3.client("codepipeline"), action_type_id, build, max_workers=8).run()
        ```
    """

    def __init__(
        self,
        client: CodePipelineClient,
        action_type_id: ActionTypeId | Sequence[ActionTypeId],
        handler: Handler,
        *,
        query_param: Mapping[str, str] | Mapping[ActionTypeId, Mapping[str, str] | None] | None = None,
        max_workers: int = 4,
        poll_interval_min: float = 1.0,
        poll_interval_max: float = 20.0,
        drain_timeout: float = 60.0,
        job_timeout: float | None = None,
        report_retries: int = 8,
        retry_delay: float = 0.5,
        retry_delay_max: float = 20.0,
        handle_signals: bool = True,
    ) -> None:
        super().__init__(
            client, action_type_id, handler, query_param=query_param,
            max_workers=max_workers, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout, job_timeout=job_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )

    @classmethod
    def for_action(
        cls,
        client: CodePipelineClient,
        action: CustomAction[_C],
        handler: Callable[[Job, _C], Outcome],
        *,
        query_param: Mapping[str, str] | None = None,
        **options: Unpack[_JobWorkerOptions],
    ) -> JobWorker:
        """A worker for a declared `CustomAction`, whose handler gets the job's typed configuration.

        It polls for ``action.action_type_id``; each job's configuration is read into
        ``action.configuration`` (`read_configuration`) and handed to `handler` with
        the job. A configuration that does not fit is reported as a
        ``ConfigurationError`` failure without calling `handler`. Only the values of
        the properties declared ``secret=True`` are masked in failure messages and
        logs (the job's credentials always are).

        Args:
            client: A boto3 CodePipeline client.
            action: The declared action.
            handler: Called with the job and its configuration, as `JobWorker`'s handler.
            query_param: The queryable property and the value jobs must have; its
                key must be the action's queryable property.
            **options: `JobWorker`'s other options (``max_workers``, ...).

        Raises:
            ValidationError: `query_param` names a property that is not the
                action's queryable one, or the action breaks a rule; nothing was polled.

        Example:
            ```python
            def deploy(job: Job, config: DeployConfig) -> Outcome:
                return Success(output_variables={"target": config.target})

            JobWorker.for_action(client, DEPLOY, deploy, query_param={"Target": "prod"}).run()
            ```
        """
        action.check_query_param(query_param)
        worker = cls(client, action.action_type_id, action.handler(handler), query_param=query_param,
                     **options)
        worker._lifecycle.secret_properties = action.secret_properties
        return worker


class ThirdPartyJobWorker(_Engine):
    """Runs a handler on the jobs of a partner (``ThirdParty``) action type.

    For each polled job the worker looks up the client token of the job's
    client id, reads the job's details with it, acknowledges, runs the handler
    and reports, each call carrying the token. Everything else - capacity,
    backoff, retries, draining, counters - is as for `JobWorker`.

    Args:
        client: A boto3 CodePipeline client.
        action_type_id: The partner action type to work for (owner ``ThirdParty``),
            or a list of them (polled in turn).
        handler: Called once per claimed job with its `ThirdPartyJobDetails`.
        client_token_for: Maps a job's ``clientId`` to its client token (e.g.
            from your store of partner connections). Exceptions it raises are
            logged (without the token) and the job is left alone.
        max_workers: See `JobWorker`.
        poll_interval_min: See `JobWorker`.
        poll_interval_max: See `JobWorker`.
        drain_timeout: See `JobWorker`.
        job_timeout: See `JobWorker`.
        report_retries: See `JobWorker`.
        retry_delay: See `JobWorker`.
        retry_delay_max: See `JobWorker`.
        handle_signals: See `JobWorker`.

    Raises:
        TypeError: `action_type_id` is not an `ActionTypeId`, or `handler` or
            `client_token_for` is not callable.
        NotThirdPartyActionError: The action type's owner is not ``ThirdParty``.
        ValueError: An option is out of range.
    """

    def __init__(
        self,
        client: CodePipelineClient,
        action_type_id: ActionTypeId | Sequence[ActionTypeId],
        handler: PartnerHandler,
        client_token_for: Callable[[str], str],
        *,
        max_workers: int = 4,
        poll_interval_min: float = 1.0,
        poll_interval_max: float = 20.0,
        drain_timeout: float = 60.0,
        job_timeout: float | None = None,
        report_retries: int = 8,
        retry_delay: float = 0.5,
        retry_delay_max: float = 20.0,
        handle_signals: bool = True,
    ) -> None:
        super().__init__(
            client, action_type_id, handler, partner=True, client_token_for=client_token_for,
            max_workers=max_workers, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout, job_timeout=job_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )


def __getattr__(name: str) -> object:
    """`HealthServer` on first use: http.server costs only the programs that serve health."""
    if name == "HealthServer":
        from ._health_server import HealthServer  # noqa: PLC0415 - lazy (health server): ~2 ms on import of codepipeline_jobs.worker

        return HealthServer
    message = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(message)
