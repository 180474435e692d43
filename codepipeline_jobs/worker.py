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
- An exception in the handler becomes a ``JobFailed`` report (exception type
  and message, secrets masked, cut to the API's limit); the worker goes on.
- Reports are retried with backoff through throttling storms and dropped
  connections, beyond botocore's own attempts. An
  ``InvalidJobStateException`` after a retried report means an earlier
  attempt landed: it is logged, never turned into a failure report. No job is
  reported twice and no handler runs twice for one job.
- `JobWorker.stop` (or SIGTERM/SIGINT when `JobWorker.run` runs in the main
  thread) drains: no more polls, in-flight jobs finish within
  ``drain_timeout``, jobs not yet acknowledged are left for other workers.

Log records go to the ``codepipeline_jobs.worker`` logger and carry the job
id, pipeline, stage and action (also as the record attributes ``job_id``,
``pipeline``, ``stage`` and ``action``).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeAlias, TypeVar

from botocore.exceptions import ClientError

from ._calls import (
    acknowledge_job,
    acknowledge_third_party_job,
    get_third_party_job_details,
    poll_for_jobs,
    poll_for_third_party_jobs,
    run,
)
from ._models import Job, ThirdPartyJob, ThirdPartyJobDetails
from ._outcomes import Continuation, Failure, Outcome, Success
from ._redact import describe_exception, job_secrets
from ._rules import validate_custom_owner, validate_query_param, validate_third_party_owner
from ._worker_core import (
    Claimed,
    Counts,
    JobLog,
    Options,
    Skip,
    Slots,
    WorkerStats,
    checked_token,
    claim_failed,
    failure_from_exception,
    job_log,
    log_poll_failure,
    nonce_of,
    prepare_report,
    report_failed,
    retry_logger,
    started_message,
    status_is_ours,
    stopped_message,
    token_lookup_failed,
)
from ._worker_retry import retry

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping
    from types import FrameType

    from mypy_boto3_codepipeline import CodePipelineClient

    from ._models import ActionTypeId
    from ._values import JobStatus

__all__ = [
    "Continuation",
    "Failure",
    "Handler",
    "JobWorker",
    "Outcome",
    "PartnerHandler",
    "Success",
    "ThirdPartyJobWorker",
    "WorkerStats",
]

logger = logging.getLogger("codepipeline_jobs.worker")

Handler: TypeAlias = Callable[[Job], Outcome]
"""A custom action's job handler: takes a polled `Job`, returns an `Outcome` (or raises)."""
PartnerHandler: TypeAlias = Callable[[ThirdPartyJobDetails], Outcome]
"""A partner action's job handler: takes the job's `ThirdPartyJobDetails`, returns an `Outcome`."""

_P = TypeVar("_P", bound="Job | ThirdPartyJob")
_J = TypeVar("_J", bound="Job | ThirdPartyJobDetails")
_T = TypeVar("_T")


class _Engine(ABC, Generic[_P, _J]):
    """The polling loop, capacity, claiming, handling, reporting and draining both workers share."""

    def __init__(
        self,
        client: CodePipelineClient,
        action_type_id: ActionTypeId,
        handler: Callable[[_J], Outcome],
        *,
        max_workers: int,
        poll_interval_min: float,
        poll_interval_max: float,
        drain_timeout: float,
        report_retries: int,
        retry_delay: float,
        retry_delay_max: float,
        handle_signals: bool,
    ) -> None:
        self.options = Options(
            max_workers=max_workers, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
        )
        self.client = client
        self.action_type_id = action_type_id
        self.handler = handler
        self.max_workers = max_workers
        self.poll_interval_min = poll_interval_min
        self.poll_interval_max = poll_interval_max
        self.drain_timeout = drain_timeout
        self.report_retries = report_retries
        self.retry_delay = retry_delay
        self.retry_delay_max = retry_delay_max
        self.handle_signals = handle_signals
        self._stopping = threading.Event()
        self._abandon = threading.Event()
        self._capacity = threading.Condition()  # an RLock: stop() may run in a signal handler
        # A job holds a slot while it is claimed and handled; its report goes on in the same
        # thread after the slot is freed, so the next poll overlaps the report. `run` waits for
        # every job in `_in_flight` (reports included) when draining.
        self._in_flight: dict[str, threading.Thread] = {}
        self._slots = Slots(max_workers, self.options.idle_backoff())
        self._poll_error: Exception | None = None  # a ValidationError: the poll can never work
        self._counts = Counts()
        self._running = threading.Lock()

    # --- what differs between custom and partner jobs ---------------------------------------

    @abstractmethod
    def _poll(self, max_batch_size: int) -> list[_P]:
        """Poll for at most `max_batch_size` jobs."""

    @abstractmethod
    def _job_id(self, item: _P) -> str:
        """The id of a polled job."""

    @abstractmethod
    def _claim(self, item: _P, log: JobLog) -> Claimed[_J]:
        """Acknowledge a polled job; raise `Skip` when it is not ours."""

    # --- public API ---------------------------------------------------------------------------

    @property
    def stats(self) -> WorkerStats:
        """What the worker did so far (a consistent snapshot)."""
        return self._counts.snapshot()

    @property
    def stopping(self) -> bool:
        """Whether `stop` was called (a stopped worker stays stopped)."""
        return self._stopping.is_set()

    def stop(self) -> None:
        """Stop polling; `run` returns once in-flight jobs finish or `drain_timeout` passes.

        Thread-safe, and safe to call from a signal handler or before `run`.
        Jobs polled but not yet acknowledged are left for other workers.
        """
        self._stopping.set()
        with self._capacity:
            self._capacity.notify_all()

    def run(self) -> None:
        """Poll and work until `stop` is called, then drain.

        When called in the main thread (and ``handle_signals`` is true), the
        first SIGTERM or SIGINT calls `stop`; a second one gives up waiting
        for in-flight jobs.

        Raises:
            RuntimeError: The worker is already running.
            ValidationError: The poll request breaks a rule (nothing was sent).
        """
        if not self._running.acquire(blocking=False):
            message = "this worker is already running"
            raise RuntimeError(message)
        try:
            with self._signals_stop_me():
                logger.info("%s", started_message(self.action_type_id, self.max_workers, "thread(s)"))
                try:
                    self._loop()
                finally:
                    self._drain()
        finally:
            self._running.release()

    def run_once(self) -> int:
        """Poll once for as many jobs as there are threads and work the batch to its end.

        Returns:
            The number of jobs the poll returned (0 when there were none, or
            when the worker was stopped), all of them dealt with.

        Raises:
            ValidationError: The poll request breaks a rule (nothing was sent).
            botocore.exceptions.ClientError: The poll failed.
        """
        if self._stopping.is_set():
            return 0
        with self._capacity:  # reserved, so that a running run() cannot overfill the slots
            free = self._slots.reserve_free()
        if free < 1:
            return 0
        try:
            batch = self._poll(free)
        except BaseException:
            with self._capacity:
                self._slots.release(free)
                self._capacity.notify_all()
            raise
        self._counts.add("received", len(batch))
        with self._capacity:
            self._slots.release(free)
            threads = [self._start(item) for item in batch]
            self._capacity.notify_all()
        for thread in threads:
            thread.join()
        return len(batch)

    # --- the loop -----------------------------------------------------------------------------

    def _loop(self) -> None:
        # Polls run in their own short-lived threads, so that a slot freed while a poll is in
        # flight is filled by another poll at once instead of waiting for the first one. Slots
        # asked for by polls in flight are reserved: jobs held + reserved never exceed max_workers.
        with self._capacity:
            while not self._stopping.is_set():
                size, wait = self._slots.next_poll(time.monotonic())
                if not size:
                    self._capacity.wait(wait)
                    continue
                threading.Thread(
                    target=self._poll_batch, args=(size,), name="codepipeline-poll", daemon=True
                ).start()
        if self._poll_error is not None:
            raise self._poll_error

    def _poll_batch(self, size: int) -> None:
        try:
            batch = self._poll(size)
        except Exception as exc:  # noqa: BLE001 - keep polling through outages
            with self._capacity:
                delay = self._slots.poll_failed(size, exc, time.monotonic())
                self._capacity.notify_all()
                if delay is None:  # our request is wrong: it will never work
                    self._poll_error = exc
                    self.stop()
                    return
            log_poll_failure(exc, delay, self._counts)
            return
        self._counts.add("received", len(batch))
        with self._capacity:
            self._slots.polled(size, len(batch), time.monotonic())
            for item in batch:
                self._start(item)
            self._capacity.notify_all()

    def _start(self, item: _P) -> threading.Thread:
        job_id = self._job_id(item)
        thread = threading.Thread(
            target=self._process, args=(item,), name=f"codepipeline-job-{job_id[:8]}", daemon=True
        )
        with self._capacity:
            self._in_flight[job_id] = thread
            self._slots.holding.add(job_id)
        thread.start()
        return thread

    def _drain(self) -> None:
        deadline = time.monotonic() + self.drain_timeout
        with self._capacity:
            if self._in_flight:
                logger.info("stopping: waiting for %d job(s) in flight", len(self._in_flight))
            while (self._in_flight or self._slots.reserved) and not self._abandon.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._capacity.wait(min(remaining, 0.5))
            left = sorted(self._in_flight)
        if left:
            logger.warning(
                "stopped with %d job(s) still running (drain deadline of %.0f s passed or second "
                "signal): %s", len(left), self.drain_timeout, ", ".join(left),
            )
        else:
            logger.info("%s", stopped_message(self.stats))

    @contextlib.contextmanager
    def _signals_stop_me(self) -> Generator[None]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            yield
            return

        def on_signal(signum: int, _: FrameType | None) -> None:
            name = signal.Signals(signum).name
            if self._stopping.is_set():
                logger.warning("%s again: no longer waiting for in-flight jobs", name)
                self._abandon.set()
                with self._capacity:
                    self._capacity.notify_all()
            else:
                logger.info("%s: stopping after in-flight jobs (send it again to stop at once)", name)
                self.stop()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # --- one job ------------------------------------------------------------------------------

    def _process(self, item: _P) -> None:
        job_id = self._job_id(item)
        log = job_log(job_id, item.data if isinstance(item, Job) else None)
        try:
            if self._stopping.is_set():
                log.info("not acknowledged: the worker is stopping; left for another worker")
                self._counts.add("skipped")
                return
            try:
                claimed = self._claim(item, log)
            except Skip:
                return
            log = job_log(job_id, claimed.job.data)
            outcome = self._handle(claimed, log)
            self._release_slot(job_id)
            self._report(claimed, outcome, log)
        except Exception as exc:  # noqa: BLE001 - one job's trouble must not kill the worker
            self._counts.add("errors")
            log.error("unexpected error: %s", describe_exception(exc))  # no traceback: it may carry secrets
        finally:
            with self._capacity:
                self._in_flight.pop(job_id, None)
                self._slots.holding.discard(job_id)
                self._capacity.notify_all()

    def _release_slot(self, job_id: str) -> None:
        with self._capacity:
            self._slots.holding.discard(job_id)
            self._capacity.notify_all()

    def _handle(self, claimed: Claimed[_J], log: JobLog) -> Outcome:
        log.info("started")
        try:
            return self.handler(claimed.job)
        except Exception as exc:  # noqa: BLE001 - a handler's exception is a failed job
            return failure_from_exception(claimed, exc, log)

    def _report(self, claimed: Claimed[_J], outcome: Outcome, log: JobLog) -> None:
        call, kind = prepare_report(claimed, outcome, log, self.client.meta.service_model)
        secrets = claimed.secrets()
        attempts = 0

        def send() -> None:
            nonlocal attempts
            attempts += 1
            run(self.client, call)

        try:
            retry(send, retries=self.report_retries, backoff=self.options.retry_backoff(),
                  on_retry=retry_logger(log, "report", secrets, self.report_retries))
        except Exception as exc:  # noqa: BLE001 - logged and counted; the worker goes on
            report_failed(exc, attempts=attempts, kind=kind, log=log, secrets=secrets, counts=self._counts)
            return
        log.info("%s", kind)
        self._counts.add(kind)

    # --- helpers for subclasses ---------------------------------------------------------------

    def _retrying(self, operation: Callable[[], _T], log: JobLog, what: str, secrets: list[str]) -> _T:
        """Run a claim step with the worker's retries; a `ClientError` becomes a counted `Skip`."""
        try:
            return retry(operation, retries=self.report_retries, backoff=self.options.retry_backoff(),
                         on_retry=retry_logger(log, what, secrets, self.report_retries))
        except ClientError as exc:
            raise claim_failed(exc, log, what, secrets, self._counts) from exc

    def _acknowledge(self, log: JobLog, ack: Callable[[], JobStatus], secrets: list[str]) -> None:
        """Acknowledge; raise `Skip` unless the job is now ours and in progress."""
        if not status_is_ours(self._retrying(ack, log, "acknowledge", secrets), log, self._counts):
            raise Skip


class JobWorker(_Engine[Job, Job]):
    """Runs a handler on the jobs of a custom action type, on a pool of threads.

    Args:
        client: A boto3 CodePipeline client (boto3 clients are thread-safe).
        action_type_id: The custom action type to work for (owner ``Custom``).
        handler: Called once per claimed job, in a worker thread; returns
            `Success`, `Continuation`, `Failure` or ``None`` (success), or raises
            (a ``JobFailed`` report).
        query_param: At most one queryable configuration property and the
            value jobs must have, to split one action type among worker fleets.
        max_workers: Threads, hence the most jobs worked on at once.
        poll_interval_min: The first delay after an empty poll, in seconds.
        poll_interval_max: The longest delay between polls when idle, in seconds.
        drain_timeout: How long `run` waits for in-flight jobs after `stop`, in seconds.
        report_retries: How many more times to try an acknowledge or a report
            that failed with throttling, a 5xx or a dropped connection (on top
            of botocore's own attempts).
        retry_delay: The ceiling of the first delay between those retries, in seconds.
        retry_delay_max: The highest ceiling of those delays, in seconds.
        handle_signals: Let SIGTERM and SIGINT stop `run` when it runs in the main thread.

    Raises:
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
        action_type_id: ActionTypeId,
        handler: Handler,
        *,
        query_param: Mapping[str, str] | None = None,
        max_workers: int = 4,
        poll_interval_min: float = 1.0,
        poll_interval_max: float = 20.0,
        drain_timeout: float = 60.0,
        report_retries: int = 8,
        retry_delay: float = 0.5,
        retry_delay_max: float = 20.0,
        handle_signals: bool = True,
    ) -> None:
        validate_custom_owner(action_type_id)
        validate_query_param(query_param)
        super().__init__(
            client, action_type_id, handler,
            max_workers=max_workers, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )
        self.query_param = dict(query_param) if query_param is not None else None

    def _poll(self, max_batch_size: int) -> list[Job]:
        return poll_for_jobs(
            self.client, self.action_type_id, max_batch_size=max_batch_size, query_param=self.query_param
        )

    def _job_id(self, item: Job) -> str:
        return item.id

    def _claim(self, item: Job, log: JobLog) -> Claimed[Job]:
        nonce = nonce_of(item.nonce, "the poll reply", log, self._counts)
        self._acknowledge(log, lambda: acknowledge_job(self.client, item.id, nonce), job_secrets(item))
        return Claimed(item)


class ThirdPartyJobWorker(_Engine[ThirdPartyJob, ThirdPartyJobDetails]):
    """Runs a handler on the jobs of a partner (``ThirdParty``) action type.

    For each polled job the worker looks up the client token of the job's
    client id, reads the job's details with it, acknowledges, runs the handler
    and reports, each call carrying the token. Everything else - capacity,
    backoff, retries, draining, counters - is as for `JobWorker`.

    Args:
        client: A boto3 CodePipeline client.
        action_type_id: The partner action type to work for (owner ``ThirdParty``).
        handler: Called once per claimed job with its `ThirdPartyJobDetails`.
        client_token_for: Maps a job's ``clientId`` to its client token (e.g.
            from your store of partner connections). Exceptions it raises are
            logged (without the token) and the job is left alone.
        max_workers: See `JobWorker`.
        poll_interval_min: See `JobWorker`.
        poll_interval_max: See `JobWorker`.
        drain_timeout: See `JobWorker`.
        report_retries: See `JobWorker`.
        retry_delay: See `JobWorker`.
        retry_delay_max: See `JobWorker`.
        handle_signals: See `JobWorker`.

    Raises:
        NotThirdPartyActionError: The action type's owner is not ``ThirdParty``.
        ValueError: An option is out of range.
    """

    def __init__(
        self,
        client: CodePipelineClient,
        action_type_id: ActionTypeId,
        handler: PartnerHandler,
        client_token_for: Callable[[str], str],
        *,
        max_workers: int = 4,
        poll_interval_min: float = 1.0,
        poll_interval_max: float = 20.0,
        drain_timeout: float = 60.0,
        report_retries: int = 8,
        retry_delay: float = 0.5,
        retry_delay_max: float = 20.0,
        handle_signals: bool = True,
    ) -> None:
        validate_third_party_owner(action_type_id)
        super().__init__(
            client, action_type_id, handler,
            max_workers=max_workers, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )
        self.client_token_for = client_token_for

    def _poll(self, max_batch_size: int) -> list[ThirdPartyJob]:
        return poll_for_third_party_jobs(self.client, self.action_type_id, max_batch_size=max_batch_size)

    def _job_id(self, item: ThirdPartyJob) -> str:
        return item.job_id

    def _claim(self, item: ThirdPartyJob, log: JobLog) -> Claimed[ThirdPartyJobDetails]:
        try:
            token = self.client_token_for(item.client_id)
        except Exception as exc:  # the user's lookup failed: log, leave the job
            raise token_lookup_failed(exc, item.client_id, log, self._counts) from exc
        token = checked_token(token, item.client_id, log, self._counts)
        details = self._retrying(
            lambda: get_third_party_job_details(self.client, item.job_id, token),
            log, "reading the job", [token],
        )
        log = job_log(item.job_id, details.data)
        nonce = nonce_of(details.nonce, "the job's details", log, self._counts)
        self._acknowledge(
            log, lambda: acknowledge_third_party_job(self.client, item.job_id, nonce, token),
            Claimed(details, token).secrets(),
        )
        return Claimed(details, token)
