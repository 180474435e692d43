"""The asyncio job workers: `JobWorker`'s guarantees, with tasks instead of threads.

Every decision (what an outcome is reported as, what an error while claiming
or reporting means, what is counted and logged) comes from `_worker_core`, the
very code the threaded workers run; only the waiting is asyncio's.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from botocore.exceptions import ClientError

from ._aio_calls import (
    acknowledge_job,
    acknowledge_third_party_job,
    get_third_party_job_details,
    poll_for_jobs,
    poll_for_third_party_jobs,
    run,
)
from ._aio_signals import signals_stop
from ._models import Job, ThirdPartyJob, ThirdPartyJobDetails
from ._outcomes import Outcome  # the handler aliases use it at run time
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
from ._worker_retry import retry_async

if TYPE_CHECKING:
    import signal
    from collections.abc import Mapping

    from types_aiobotocore_codepipeline import CodePipelineClient

    from ._models import ActionTypeId
    from ._values import JobStatus

__all__ = [
    "AsyncHandler",
    "AsyncJobWorker",
    "AsyncPartnerHandler",
    "AsyncThirdPartyJobWorker",
]

logger = logging.getLogger("codepipeline_jobs.worker")

AsyncHandler: TypeAlias = Callable[[Job], Awaitable[Outcome] | Outcome]
"""A custom action's job handler for `AsyncJobWorker`: a coroutine function, or a plain function
(run in a thread of the worker's own pool, so it cannot block the event loop)."""
AsyncPartnerHandler: TypeAlias = Callable[[ThirdPartyJobDetails], Awaitable[Outcome] | Outcome]
"""A partner action's job handler for `AsyncThirdPartyJobWorker`: async or plain, as `AsyncHandler`."""

_P = TypeVar("_P", bound="Job | ThirdPartyJob")
_J = TypeVar("_J", bound="Job | ThirdPartyJobDetails")
_T = TypeVar("_T")
_A = TypeVar("_A")


def _is_coroutine_function(function: object) -> bool:
    """A coroutine function, or an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - the method itself is what is asked about
    )


def _resolve(future: asyncio.Future[Any], result: object, error: BaseException | None) -> None:
    if future.done():  # the awaiting task was cancelled
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _AsyncEngine(ABC, Generic[_P, _J]):
    """The polling loop, concurrency limit, claiming, handling, reporting and draining, on asyncio."""

    def __init__(
        self,
        client: CodePipelineClient,
        action_type_id: ActionTypeId,
        handler: Callable[[_J], Awaitable[Outcome] | Outcome],
        *,
        max_concurrency: int,
        poll_interval_min: float,
        poll_interval_max: float,
        drain_timeout: float,
        report_retries: int,
        retry_delay: float,
        retry_delay_max: float,
        handle_signals: bool,
    ) -> None:
        self.options = Options(
            max_workers=max_concurrency, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            concurrency_option="max_concurrency",
        )
        self.client = client
        self.action_type_id = action_type_id
        self.handler = handler
        self.max_concurrency = max_concurrency
        self.handle_signals = handle_signals
        self._stopping = False
        self._abandon = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future[None]] = set()
        # A job holds a slot while it is claimed and handled; its report goes on in the same task
        # after the slot is freed, so the next poll overlaps the report. Draining waits for every
        # task in `_in_flight` (reports included) and every poll in `_polls`.
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._polls: set[asyncio.Task[None]] = set()
        self._slots = Slots(max_concurrency, self.options.idle_backoff())
        self._poll_error: Exception | None = None  # a ValidationError: the poll can never work
        self._counts = Counts()
        self._running = threading.Lock()

    # --- what differs between custom and partner jobs ---------------------------------------

    @abstractmethod
    async def _poll(self, max_batch_size: int) -> list[_P]:
        """Poll for at most `max_batch_size` jobs."""

    @abstractmethod
    def _job_id(self, item: _P) -> str:
        """The id of a polled job."""

    @abstractmethod
    async def _claim(self, item: _P, log: JobLog) -> Claimed[_J]:
        """Acknowledge a polled job; raise `Skip` when it is not ours."""

    # --- public API ---------------------------------------------------------------------------

    @property
    def stats(self) -> WorkerStats:
        """What the worker did so far (a consistent snapshot)."""
        return self._counts.snapshot()

    @property
    def stopping(self) -> bool:
        """Whether `stop` was called (a stopped worker stays stopped)."""
        return self._stopping

    def stop(self) -> None:
        """Stop polling; `run` returns once in-flight jobs finish or ``drain_timeout`` passes.

        A plain method, safe to call from the event loop, from another thread
        or before `run`. Jobs polled but not yet acknowledged are left for
        other workers.
        """
        self._stopping = True
        self._wake_from_anywhere()

    async def run(self) -> None:
        """Poll and work until `stop` is called (or the task is cancelled), then drain.

        When the event loop runs in the main thread (and ``handle_signals`` is
        true), the first SIGTERM or SIGINT calls `stop`; a second one gives up
        waiting for in-flight jobs (their tasks go on while the loop runs).
        Cancelling the task that awaits `run` drains too; cancelling it again
        while it drains cancels the jobs in flight.

        Raises:
            RuntimeError: The worker is already running.
            ValidationError: The poll request breaks a rule (nothing was sent).
        """
        if not self._running.acquire(blocking=False):
            message = "this worker is already running"
            raise RuntimeError(message)
        try:
            self._bind()
            signals = (
                signals_stop(self, asyncio.get_running_loop()) if self.handle_signals
                else contextlib.nullcontext()
            )
            with signals:
                logger.info("%s", started_message(self.action_type_id, self.max_concurrency, "task(s)"))
                try:
                    await self._poll_until_stopped()
                except asyncio.CancelledError:
                    self.stop()
                    raise
                finally:
                    await self._drain()
        finally:
            self._running.release()

    async def run_once(self) -> int:
        """Poll once for as many jobs as there are free slots and work the batch to its end.

        Returns:
            The number of jobs the poll returned (0 when there were none, or
            when the worker was stopped), all of them dealt with.

        Raises:
            ValidationError: The poll request breaks a rule (nothing was sent).
            botocore.exceptions.ClientError: The poll failed.
        """
        if self._stopping:
            return 0
        self._bind()
        free = self._slots.reserve_free()  # reserved, so that a running run() cannot overfill
        if free < 1:
            return 0
        try:
            batch = await self._poll(free)
        finally:
            self._slots.release(free)
            self._wake()
        self._counts.add("received", len(batch))
        await asyncio.gather(*(self._start(item) for item in batch))
        return len(batch)

    # --- the loop -----------------------------------------------------------------------------

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop

    def _wake(self) -> None:
        for waiter in self._waiters:
            _settle(waiter)

    def _wake_from_anywhere(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed in between
            loop.call_soon_threadsafe(self._wake)

    async def _wait(self, timeout: float) -> None:
        """Sleep until something changes (a slot freed, a poll done, `stop`) or `timeout` passes.

        A future per wait, not ``asyncio.wait_for`` on an event: before Python 3.12 that can
        swallow a cancellation arriving as the event is set, and `run` must always see it.
        Nothing is missed between checking the state and waiting: both happen in one step of
        the loop, and every change wakes the waiters from the loop.
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(max(timeout, 0.0), _settle, waiter)
        self._waiters.add(waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiters.discard(waiter)

    async def _poll_until_stopped(self) -> None:
        # Polls run as their own tasks, so that a slot freed while a poll is in flight is filled
        # by another poll at once. Slots asked for by polls in flight are reserved: jobs held +
        # reserved never exceed max_concurrency.
        loop = asyncio.get_running_loop()
        while not self._stopping:
            size, wait = self._slots.next_poll(loop.time())
            if not size:
                await self._wait(wait)
                continue
            task = asyncio.create_task(self._poll_batch(size), name="codepipeline-poll")
            self._polls.add(task)
            task.add_done_callback(self._polls.discard)
        if self._poll_error is not None:
            raise self._poll_error

    async def _poll_batch(self, size: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            batch = await self._poll(size)
        except Exception as exc:  # noqa: BLE001 - keep polling through outages
            delay = self._slots.poll_failed(size, exc, loop.time())
            self._wake()
            if delay is None:  # our request is wrong: it will never work
                self._poll_error = exc
                self.stop()
                return
            log_poll_failure(exc, delay, self._counts)
            return
        self._counts.add("received", len(batch))
        self._slots.polled(size, len(batch), loop.time())
        for item in batch:
            self._start(item)
        self._wake()

    def _start(self, item: _P) -> asyncio.Task[None]:
        job_id = self._job_id(item)
        self._slots.holding.add(job_id)  # before the task: an eager task may end in create_task
        task = asyncio.create_task(self._process(item), name=f"codepipeline-job-{job_id[:8]}")
        if not task.done():
            self._in_flight[job_id] = task
        return task

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.drain_timeout
        if self._in_flight:
            logger.info("stopping: waiting for %d job(s) in flight", len(self._in_flight))
        try:
            while (self._in_flight or self._slots.reserved) and not self._abandon:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await self._wait(min(remaining, 0.5))
        except asyncio.CancelledError:  # cancelled again while draining: stop at once
            self._abandon = True
            await self._cancel_in_flight()
            raise
        left = sorted(self._in_flight)
        if left:
            # As the threaded worker leaves its threads: the tasks go on while the loop runs.
            logger.warning(
                "stopped with %d job(s) still running (drain deadline of %.0f s passed or second "
                "signal): %s", len(left), self.options.drain_timeout, ", ".join(left),
            )
        else:
            logger.info("%s", stopped_message(self.stats))

    async def _cancel_in_flight(self) -> None:
        tasks = [*self._in_flight.values(), *self._polls]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def on_signal(self, sig: signal.Signals) -> None:
        """What SIGTERM or SIGINT does while `run` runs: stop, or at the second, stop waiting."""
        if self._stopping:
            logger.warning("%s again: no longer waiting for in-flight jobs", sig.name)
            self._abandon = True
            self._wake()
        else:
            logger.info("%s: stopping after in-flight jobs (send it again to stop at once)", sig.name)
            self.stop()

    # --- one job ------------------------------------------------------------------------------

    async def _process(self, item: _P) -> None:
        job_id = self._job_id(item)
        log = job_log(job_id, item.data if isinstance(item, Job) else None)
        try:
            if self._stopping:
                log.info("not acknowledged: the worker is stopping; left for another worker")
                self._counts.add("skipped")
                return
            try:
                claimed = await self._claim(item, log)
            except Skip:
                return
            log = job_log(job_id, claimed.job.data)
            outcome = await self._handle(claimed, log)
            self._slots.holding.discard(job_id)
            self._wake()
            await self._report(claimed, outcome, log)
        except Exception as exc:  # noqa: BLE001 - one job's trouble must not kill the worker
            self._counts.add("errors")
            log.error("unexpected error: %s", describe_exception(exc))  # no traceback: it may carry secrets
        finally:
            self._in_flight.pop(job_id, None)
            self._slots.holding.discard(job_id)
            self._wake()

    async def _handle(self, claimed: Claimed[_J], log: JobLog) -> Outcome:
        log.info("started")
        handler: Callable[[_J], Any] = self.handler
        try:
            if _is_coroutine_function(handler):
                result: Any = await handler(claimed.job)
            else:
                result = await self._in_thread(handler, claimed.job)
            if inspect.isawaitable(result):  # a plain function that returned a coroutine
                result = await result
        except Exception as exc:  # noqa: BLE001 - a handler's exception is a failed job
            return failure_from_exception(claimed, exc, log)
        outcome: Outcome = result
        return outcome

    async def _in_thread(self, function: Callable[[_A], _T], argument: _A) -> _T:
        """Run a plain function in a daemon thread of its own, context variables and all.

        A daemon thread, as the threaded worker's: a handler still hanging when `run` gives up
        at its drain deadline does not keep the process alive. The slots bound how many run.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()
        context = contextvars.copy_context()

        def deliver(result: _T | None, error: BaseException | None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
                loop.call_soon_threadsafe(_resolve, future, result, error)

        def target() -> None:
            try:
                result = context.run(function, argument)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
                error = exc if isinstance(exc, Exception) else RuntimeError(
                    f"the handler raised {type(exc).__name__}"
                )
                deliver(None, error)
            else:
                deliver(result, None)

        threading.Thread(target=target, name="codepipeline-handler", daemon=True).start()
        return await future

    async def _report(self, claimed: Claimed[_J], outcome: Outcome, log: JobLog) -> None:
        call, kind = prepare_report(claimed, outcome, log, self.client.meta.service_model)
        secrets = claimed.secrets()
        attempts = 0

        async def send() -> None:
            nonlocal attempts
            attempts += 1
            await run(self.client, call)

        try:
            await retry_async(send, retries=self.options.report_retries,
                              backoff=self.options.retry_backoff(),
                              on_retry=retry_logger(log, "report", secrets, self.options.report_retries))
        except Exception as exc:  # noqa: BLE001 - logged and counted; the worker goes on
            report_failed(exc, attempts=attempts, kind=kind, log=log, secrets=secrets, counts=self._counts)
            return
        log.info("%s", kind)
        self._counts.add(kind)

    # --- helpers for subclasses ---------------------------------------------------------------

    async def _retrying(
        self, operation: Callable[[], Awaitable[_T]], log: JobLog, what: str, secrets: list[str]
    ) -> _T:
        """Run a claim step with the worker's retries; a `ClientError` becomes a counted `Skip`."""
        retries = self.options.report_retries
        try:
            return await retry_async(operation, retries=retries, backoff=self.options.retry_backoff(),
                                     on_retry=retry_logger(log, what, secrets, retries))
        except ClientError as exc:
            raise claim_failed(exc, log, what, secrets, self._counts) from exc

    async def _acknowledge(
        self, log: JobLog, ack: Callable[[], Awaitable[JobStatus]], secrets: list[str]
    ) -> None:
        """Acknowledge; raise `Skip` unless the job is now ours and in progress."""
        if not status_is_ours(await self._retrying(ack, log, "acknowledge", secrets), log, self._counts):
            raise Skip


class AsyncJobWorker(_AsyncEngine[Job, Job]):
    """Runs a handler on the jobs of a custom action type, as asyncio tasks.

    The same guarantees as `codepipeline_jobs.worker.JobWorker` (batches sized
    to free capacity, acknowledge-then-work, retried reports, exactly-once
    reporting, drain on stop), with tasks instead of threads: at most
    `max_concurrency` jobs are claimed and handled at once.

    Args:
        client: An aiobotocore CodePipeline client, open for as long as the worker runs.
        action_type_id: The custom action type to work for (owner ``Custom``).
        handler: Called once per claimed job: a coroutine function, awaited in
            the worker's task, or a plain function, run in a thread of the
            worker's own pool (``max_concurrency`` threads) so it cannot block
            the event loop. Returns `Success`, `Continuation`, `Failure` or
            ``None`` (success), or raises (a ``JobFailed`` report).
        query_param: At most one queryable configuration property and the value jobs must have.
        max_concurrency: The most jobs claimed and handled at once.
        poll_interval_min: The first delay after an empty poll, in seconds.
        poll_interval_max: The longest delay between polls when idle, in seconds.
        drain_timeout: How long `run` waits for in-flight jobs after `stop`, in
            seconds; jobs still running then go on as tasks while the loop runs.
        report_retries: How many more times to try an acknowledge or a report
            that failed with throttling, a 5xx or a dropped connection.
        retry_delay: The ceiling of the first delay between those retries, in seconds.
        retry_delay_max: The highest ceiling of those delays, in seconds.
        handle_signals: Let SIGTERM and SIGINT stop `run` when the loop runs in the main thread.

    Raises:
        NotCustomActionError: The action type's owner is not ``Custom``.
        ValidationError: `query_param` breaks the API's rules.
        ValueError: An option is out of range.

    Example:
        ```python
        # illustrative
        async def build(job: Job) -> Outcome:
            await run_the_build(job)
            return Success(output_variables={"imageTag": "1.4.2"})

        async with session.create_client("codepipeline") as client:
            await AsyncJobWorker(client, action_type_id, build, max_concurrency=50).run()
        ```
    """

    def __init__(
        self,
        client: CodePipelineClient,
        action_type_id: ActionTypeId,
        handler: AsyncHandler,
        *,
        query_param: Mapping[str, str] | None = None,
        max_concurrency: int = 16,
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
            max_concurrency=max_concurrency, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )
        self.query_param = dict(query_param) if query_param is not None else None

    async def _poll(self, max_batch_size: int) -> list[Job]:
        return await poll_for_jobs(
            self.client, self.action_type_id, max_batch_size=max_batch_size, query_param=self.query_param
        )

    def _job_id(self, item: Job) -> str:
        return item.id

    async def _claim(self, item: Job, log: JobLog) -> Claimed[Job]:
        nonce = nonce_of(item.nonce, "the poll reply", log, self._counts)
        await self._acknowledge(
            log, lambda: acknowledge_job(self.client, item.id, nonce), job_secrets(item)
        )
        return Claimed(item)


class AsyncThirdPartyJobWorker(_AsyncEngine[ThirdPartyJob, ThirdPartyJobDetails]):
    """Runs a handler on the jobs of a partner (``ThirdParty``) action type, as asyncio tasks.

    The asyncio form of `codepipeline_jobs.worker.ThirdPartyJobWorker`: each
    job's client token is looked up, the job's details read and the job
    acknowledged with it, and every call carries it.

    Args:
        client: An aiobotocore CodePipeline client.
        action_type_id: The partner action type to work for (owner ``ThirdParty``).
        handler: Called once per claimed job with its `ThirdPartyJobDetails`; async or plain,
            as for `AsyncJobWorker`.
        client_token_for: Maps a job's ``clientId`` to its client token; a plain
            function or a coroutine function. Exceptions it raises are logged
            (without their text) and the job is left alone.
        max_concurrency: See `AsyncJobWorker`.
        poll_interval_min: See `AsyncJobWorker`.
        poll_interval_max: See `AsyncJobWorker`.
        drain_timeout: See `AsyncJobWorker`.
        report_retries: See `AsyncJobWorker`.
        retry_delay: See `AsyncJobWorker`.
        retry_delay_max: See `AsyncJobWorker`.
        handle_signals: See `AsyncJobWorker`.

    Raises:
        NotThirdPartyActionError: The action type's owner is not ``ThirdParty``.
        ValueError: An option is out of range.
    """

    def __init__(
        self,
        client: CodePipelineClient,
        action_type_id: ActionTypeId,
        handler: AsyncPartnerHandler,
        client_token_for: Callable[[str], Awaitable[str] | str],
        *,
        max_concurrency: int = 16,
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
            max_concurrency=max_concurrency, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )
        self.client_token_for = client_token_for

    async def _poll(self, max_batch_size: int) -> list[ThirdPartyJob]:
        return await poll_for_third_party_jobs(
            self.client, self.action_type_id, max_batch_size=max_batch_size
        )

    def _job_id(self, item: ThirdPartyJob) -> str:
        return item.job_id

    async def _claim(self, item: ThirdPartyJob, log: JobLog) -> Claimed[ThirdPartyJobDetails]:
        lookup = self.client_token_for
        try:
            found = (
                lookup(item.client_id) if _is_coroutine_function(lookup)
                else await self._in_thread(lookup, item.client_id)  # it may well do I/O
            )
            token: str = await found if inspect.isawaitable(found) else found
        except Exception as exc:  # the user's lookup failed: log, leave the job
            raise token_lookup_failed(exc, item.client_id, log, self._counts) from exc
        token = checked_token(token, item.client_id, log, self._counts)
        details = await self._retrying(
            lambda: get_third_party_job_details(self.client, item.job_id, token),
            log, "reading the job", [token],
        )
        log = job_log(item.job_id, details.data)
        nonce = nonce_of(details.nonce, "the job's details", log, self._counts)
        await self._acknowledge(
            log, lambda: acknowledge_third_party_job(self.client, item.job_id, nonce, token),
            Claimed(details, token).secrets(),
        )
        return Claimed(details, token)
