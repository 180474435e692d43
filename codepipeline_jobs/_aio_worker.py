"""The asyncio job workers: `JobWorker`'s guarantees, with tasks instead of threads.

Every step of a job and every decision (what an outcome is reported as, what an
error while claiming or reporting means, what is counted and logged) comes from
`_lifecycle` and `_worker_core`, the very code the threaded workers run; this
module only schedules, drains and awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from ._aio_calls import run as run_call
from ._aio_signals import signals_stop
from ._job_context import job_context
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
from ._outcomes import Outcome  # the handler aliases use it at run time
from ._redact import describe_exception

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from types_aiobotocore_codepipeline import CodePipelineClient
    from typing_extensions import TypedDict, TypeVar, Unpack

    from ._configuration import CustomAction
    from ._models import ActionTypeId

    _C = TypeVar("_C")

    class _AsyncJobWorkerOptions(TypedDict, total=False):
        max_concurrency: int
        poll_interval_min: float
        poll_interval_max: float
        drain_timeout: float
        report_retries: int
        retry_delay: float
        retry_delay_max: float
        handle_signals: bool

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


def _is_coroutine_function(function: object) -> bool:
    """A coroutine function, or an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)  # noqa: B004 - the method itself is what is asked about
    )


def _resolve(future: asyncio.Future[Answer], answer: Answer, late: Callable[[Answer], None] | None) -> None:
    if not future.done():
        future.set_result(answer)
    elif late is not None:  # the awaiting task was cancelled: the worker stopped waiting
        late(answer)


def _late(job: InFlight, answer: Answer) -> None:
    log_late_result(job.job_id, answer, job.stop_answer.message)


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _uncancel() -> None:
    """Take back a cancellation this task has dealt with (Python 3.11+ counts them)."""
    task: Any = asyncio.current_task()
    if task is not None and hasattr(task, "uncancel"):
        task.uncancel()


class _AsyncEngine(_WorkerBase):
    """Tasks for the job lifecycle of `_lifecycle`: polling, the concurrency limit, draining, signals."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, concurrency_option="max_concurrency", **kwargs)
        #: The most jobs claimed and handled at once.
        self.max_concurrency: int = self.options.max_workers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future[None]] = set()
        self._polls: set[asyncio.Task[None]] = set()  # draining waits for these too

    # --- public API ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll and work until `stop` is called (or the task is cancelled), then drain.

        When the event loop runs in the main thread (and ``handle_signals`` is
        true), the first SIGTERM or SIGINT calls `stop`; a second one stops
        waiting for the handlers still running (they are cancelled - a plain
        handler's thread goes on, its result discarded - and their jobs are
        reported as failed); a third one stops waiting for those reports.
        Cancelling the task that awaits `run` drains too; cancelling it again
        while it drains acts as the second signal.

        Raises:
            RuntimeError: The worker is already running.
            ValidationError: The poll request breaks a rule (nothing was sent).
        """
        self._begin_run("task(s)")
        try:
            self._loop = asyncio.get_running_loop()
            signals = signals_stop(self, self._loop) if self.handle_signals else contextlib.nullcontext()
            with signals:
                try:
                    await self._poll_until_stopped()
                except asyncio.CancelledError:
                    self.stop()
                    raise
                finally:
                    await self._drain()
        finally:
            self._end_run()

    async def run_once(self) -> int:
        """Poll once for as many jobs as there are free slots and work the batch to its end.

        With several action types, each call polls the next one in turn.

        Returns:
            The number of jobs the poll returned (0 when there were none, or
            when the worker was stopped), all of them dealt with.

        Raises:
            ValidationError: The poll request breaks a rule (nothing was sent).
            botocore.exceptions.ClientError: The poll failed.
        """
        self._loop = asyncio.get_running_loop()
        free = 0 if self._stopping else self._slots.reserve_free()  # so that run() cannot overfill
        index = self._rotation.next()
        if free < 1:
            return 0
        try:
            batch = await self._poll(free, index)
        except BaseException:
            self._slots.release(free)
            self._wake()
            raise
        tasks = [self._start(job) for job in self._polled(free, batch, self._loop.time(), index)]
        # every job of the batch to its end, job_timeout watched meanwhile
        await self._wait_while(lambda: not all(task.done() for task in tasks), math.inf, lambda: False)
        await asyncio.gather(*tasks)
        return len(batch)

    # --- the loop -----------------------------------------------------------------------------

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

    async def _wait_while(
        self, busy: Callable[[], bool], timeout: float, interrupted: Callable[[], bool]
    ) -> None:
        """Wait while `busy`, at most `timeout` seconds, or until `interrupted`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while busy() and not interrupted():
            soonest = self._cancel_expired()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await self._wait(min(remaining, 0.5, soonest))

    def _cancel_expired(self) -> float:
        """Cancel the handlers past their job_timeout (their jobs are reported as failed).

        Returns the seconds to the next deadline.
        """
        expired, soonest = self._expired(time.monotonic())
        for job in expired:  # a plain handler's thread goes on; its result is discarded
            job.task.cancel()
        return soonest

    async def _poll(self, size: int, index: int = 0) -> list[Job] | list[ThirdPartyJob]:
        call = self._poll_call(size, index)
        started = time.perf_counter()
        try:
            jobs: list[Job] | list[ThirdPartyJob] = await run_call(self.client, call)
        except Exception as exc:
            self._api_call_done(call, started, exc)
            raise
        self._api_call_done(call, started)
        return jobs

    async def _poll_until_stopped(self) -> None:
        # Polls run as their own tasks, so that a slot freed while a poll is in flight is filled
        # by another poll at once. Slots asked for by polls in flight are reserved: jobs held +
        # reserved never exceed max_concurrency.
        loop = asyncio.get_running_loop()
        while not self._stopping:
            soonest = self._cancel_expired()
            size, wait = self._slots.next_poll(loop.time())
            if not size:
                await self._wait(min(wait, soonest))
                continue
            poll = self._poll_batch(size, self._rotation.next())
            task = asyncio.create_task(poll, name="codepipeline-poll")
            self._polls.add(task)
            task.add_done_callback(self._polls.discard)
        if self._poll_error is not None:
            raise self._poll_error

    async def _poll_batch(self, size: int, index: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            batch = await self._poll(size, index)
        except Exception as exc:  # noqa: BLE001 - keep polling through outages
            self._poll_failed(size, exc, loop.time(), index)
        else:
            for job in self._polled(size, batch, loop.time(), index):
                self._start(job)
        self._wake()

    def _start(self, job: InFlight) -> asyncio.Task[None]:
        task = asyncio.create_task(self._drive(job), name=f"codepipeline-job-{job.job_id[:8]}")
        job.task = task
        if not task.done():  # an eager task may have ended in create_task
            self._in_flight[job.job_id] = job
        return task

    async def _drain(self) -> None:
        self._stopping = True  # however the loop ended: no more claims
        if self._in_flight:
            logger.info("stopping: waiting for %d job(s) in flight", len(self._in_flight))
        try:
            await self._wait_while(lambda: bool(self._in_flight or self._slots.reserved),
                                   self.options.drain_timeout, lambda: self._abandon)
            await self._stop_handlers()
        except asyncio.CancelledError:  # cancelled again while draining: stop now, as a second signal
            self._abandon = True
            with contextlib.suppress(asyncio.CancelledError):  # a third time: stop waiting at all
                await self._stop_handlers()
            raise
        finally:
            log_stopped(self._owing(), self.stats)

    async def _stop_handlers(self) -> None:
        """Stop waiting for the jobs in flight: cancel their handlers, wait for their failure reports."""
        for job in self._stop_waiting():
            job.task.cancel()  # a plain handler's thread goes on; its result is discarded
        await self._wait_while(lambda: bool(self._owing()), REPORT_GRACE, lambda: self._give_up)

    # --- one job: the driver of its lifecycle ---------------------------------------------------

    async def _drive(self, job: InFlight) -> None:
        """Perform the effects of a job's flow until it ends."""
        reply: Any = None
        error: BaseException | None = None
        try:
            while (effect := advance(job.flow, reply, error)) is not None:
                reply, error = None, None
                if isinstance(effect, Send):
                    started = time.perf_counter()
                    try:
                        reply = await run_call(self.client, effect.call)
                    except Exception as exc:  # noqa: BLE001 - the flow decides what it means
                        error = exc
                    self._api_call_done(effect.call, started, error)
                elif isinstance(effect, Handle):
                    reply = await self._handle(job, effect)
                elif isinstance(effect, Release):
                    self._slots.holding.discard(job.job_id)
                    self._wake()
                elif isinstance(effect, Sleep):
                    await asyncio.sleep(effect.seconds)
                elif isinstance(effect, LookUpToken):
                    job.looking_up = True
                    reply = await self._user_code(self.client_token_for, effect.client_id)
                    job.looking_up = False
                else:
                    logger.warning("%s: stopping the worker, as on a signal", effect.reason)
                    self.stop()
        except Exception as exc:  # noqa: BLE001 - a bug: logged, the worker goes on
            logger.error("job %s: unexpected error: %s", job.job_id, describe_exception(exc))
        finally:
            self._in_flight.pop(job.job_id, None)
            self._slots.holding.discard(job.job_id)
            self._wake()

    async def _handle(self, job: InFlight, effect: Handle) -> Answer:
        """Run the handler in its job's context; the job's stop answer when the worker stopped waiting.

        The worker cancels a handler it stops waiting for (drain deadline, second signal, job_timeout).
        """
        stopped = job.stopped
        if stopped:
            return job.stop_answer
        job.handling = True
        try:
            with job_context(self._job_context(job, effect, self._loop)), effect.telemetry.current():
                answer = await self._user_code(self.handler, effect.job, job)
        finally:
            job.handling = False
        if job.stopped and not answer.stopped:  # it returned even so: too late
            log_late_result(job.job_id, answer, job.stop_answer.message)
            answer = job.stop_answer
        return answer

    async def _user_code(self, function: Any, argument: object, job: InFlight | None = None) -> Answer:
        """Await a coroutine function, or run a plain one in a thread; what it returned or raised.

        A cancellation while `job`'s handler runs, after the worker stopped waiting for it, is
        the worker's doing: the answer is `STOPPED`. Any other ``CancelledError`` (raised by the
        handler itself, say) is the handler's error.
        """
        late = None if job is None else functools.partial(_late, job)
        try:
            if _is_coroutine_function(function):
                answer = Answer(await function(argument))
            else:
                answer = await self._in_thread(function, argument, late)
            if answer.error is None and inspect.isawaitable(answer.value):  # a plain function's coroutine
                answer = Answer(await answer.value)
        except asyncio.CancelledError as exc:
            if job is None or not job.stopped:
                return Answer(error=exc)
            _uncancel()
            return job.stop_answer
        except BaseException as exc:  # noqa: BLE001 - user code: every exception is the job's business
            return Answer(error=exc)
        return answer

    async def _in_thread(
        self, function: Callable[[Any], Any], argument: object, late: Callable[[Answer], None] | None
    ) -> Answer:
        """Run a plain function in a daemon thread of its own, context variables and all.

        A daemon thread, as the threaded worker's: a handler still hanging when `run` gives up
        does not keep the process alive. The slots bound how many run. What it returns after
        the awaiting task stopped waiting goes to `late`.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Answer] = loop.create_future()
        context = contextvars.copy_context()

        def target() -> None:
            answer = context.run(call_user, function, argument)
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
                loop.call_soon_threadsafe(_resolve, future, answer, late)

        threading.Thread(target=target, name="codepipeline-handler", daemon=True).start()
        return await future


class AsyncJobWorker(_AsyncEngine):
    """Runs a handler on the jobs of a custom action type, as asyncio tasks.

    The same guarantees as `codepipeline_jobs.worker.JobWorker` (batches sized
    to free capacity, acknowledge-then-work, retried reports, exactly-once
    reporting, drain on stop), with tasks instead of threads: at most
    `max_concurrency` jobs are claimed and handled at once.

    Args:
        client: An aiobotocore CodePipeline client, open for as long as the worker runs.
        action_type_id: The custom action type to work for (owner ``Custom``), or a
            list of them (polled in turn, sharing the concurrency).
        handler: Called once per claimed job: a coroutine function, awaited in
            the worker's task, or a plain function, run in a thread of the
            worker's own pool (``max_concurrency`` threads) so it cannot block
            the event loop. Returns `Success`, `Continuation`, `Failure` or
            ``None`` (success), or raises (a ``JobFailed`` report).
        query_param: At most one queryable configuration property and the value jobs must have
            (for every action type, or a mapping from action type to its own).
        max_concurrency: The most jobs claimed and handled at once.
        poll_interval_min: The first delay after an empty poll, in seconds.
        poll_interval_max: The longest delay between polls when idle, in seconds.
        drain_timeout: How long `run` waits for in-flight jobs after `stop`, in
            seconds; the handlers still running then are cancelled (a plain
            handler's thread goes on, its result discarded) and their jobs
            reported as failed.
        job_timeout: The most seconds a handler may run (none by default): a
            handler still running then is cancelled (a plain handler's thread
            goes on, its result discarded and logged) and its job reported as
            failed, saying so. `current_job` tells the handler the time it has left.
        report_retries: How many more times to try an acknowledge or a report
            that failed with throttling, a 5xx or a dropped connection.
        retry_delay: The ceiling of the first delay between those retries, in seconds.
        retry_delay_max: The highest ceiling of those delays, in seconds.
        handle_signals: Let SIGTERM and SIGINT stop `run` when the loop runs in the main thread.

    Raises:
        TypeError: `action_type_id` is not an `ActionTypeId`, or `handler` is
            not callable.
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
        action_type_id: ActionTypeId | Sequence[ActionTypeId],
        handler: AsyncHandler,
        *,
        query_param: Mapping[str, str] | Mapping[ActionTypeId, Mapping[str, str] | None] | None = None,
        max_concurrency: int = 16,
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
            max_workers=max_concurrency, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout, job_timeout=job_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )

    @classmethod
    def for_action(
        cls,
        client: CodePipelineClient,
        action: CustomAction[_C],
        handler: Callable[[Job, _C], Awaitable[Outcome] | Outcome],
        *,
        query_param: Mapping[str, str] | None = None,
        **options: Unpack[_AsyncJobWorkerOptions],
    ) -> AsyncJobWorker:
        """A worker for a declared `CustomAction`, whose handler gets the job's typed configuration.

        The asyncio form of `JobWorker.for_action`: `handler` is a coroutine function
        (or a plain function, run in a thread) taking the job and its configuration.

        Raises:
            ValidationError: `query_param` names a property that is not the
                action's queryable one; nothing was polled.
        """
        action.check_query_param(query_param)
        adapted: AsyncHandler
        if _is_coroutine_function(handler):

            async def handle(job: Job) -> Outcome:
                result: Any = handler(job, action.read(job))
                outcome: Outcome = await result
                return outcome

            adapted = handle
        else:
            adapted = action.handler(handler)
        worker = cls(client, action.action_type_id, adapted, query_param=query_param, **options)
        worker._lifecycle.secret_properties = action.secret_properties
        return worker


class AsyncThirdPartyJobWorker(_AsyncEngine):
    """Runs a handler on the jobs of a partner (``ThirdParty``) action type, as asyncio tasks.

    The asyncio form of `codepipeline_jobs.worker.ThirdPartyJobWorker`: each
    job's client token is looked up, the job's details read and the job
    acknowledged with it, and every call carries it.

    Args:
        client: An aiobotocore CodePipeline client.
        action_type_id: The partner action type to work for (owner ``ThirdParty``), or a list of them.
        handler: Called once per claimed job with its `ThirdPartyJobDetails`; async or plain,
            as for `AsyncJobWorker`.
        client_token_for: Maps a job's ``clientId`` to its client token; a plain
            function or a coroutine function. Exceptions it raises are logged
            (without their text) and the job is left alone.
        max_concurrency: See `AsyncJobWorker`.
        poll_interval_min: See `AsyncJobWorker`.
        poll_interval_max: See `AsyncJobWorker`.
        drain_timeout: See `AsyncJobWorker`.
        job_timeout: See `AsyncJobWorker`.
        report_retries: See `AsyncJobWorker`.
        retry_delay: See `AsyncJobWorker`.
        retry_delay_max: See `AsyncJobWorker`.
        handle_signals: See `AsyncJobWorker`.

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
        handler: AsyncPartnerHandler,
        client_token_for: Callable[[str], Awaitable[str] | str],
        *,
        max_concurrency: int = 16,
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
            max_workers=max_concurrency, poll_interval_min=poll_interval_min,
            poll_interval_max=poll_interval_max, drain_timeout=drain_timeout, job_timeout=job_timeout,
            report_retries=report_retries, retry_delay=retry_delay, retry_delay_max=retry_delay_max,
            handle_signals=handle_signals,
        )
