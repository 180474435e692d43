"""The life of one job, from the poll to its one report, written once and with no I/O in it.

`Lifecycle.flow` is a generator per polled job. It yields the effects it needs
and is sent their results, the way httpx's ``Auth.auth_flow`` is driven by both
of its clients:

- `Send` a `Call`: the driver sends it and sends back the reply's result, or
  throws the exception into the flow;
- `Sleep` between retries;
- `LookUpToken` of a partner job's client id, and `Handle` (run the user's
  handler): user code, so the driver always sends an `Answer` (what it
  returned or raised, whatever it raised), never throws;
- `Release` the job's slot once its handler is done (the report goes on);
- `StopWorker`: a handler raised ``SystemExit`` or ``KeyboardInterrupt``
  (yielded before its report, so that no new job is claimed meanwhile).

The threaded and the asyncio workers each have a short driver that performs
those effects (directly, or awaited); everything else - the order of the
steps, the exactly-once rules, retries and backoff, what is counted and
logged, the failure report of last resort - is here, once.

The exactly-once rules:

- A job is claimed (acknowledged with its nonce and found ``InProgress``)
  before its handler runs; one that is not ours ends counted as ``skipped`` or
  ``errors`` without a report.
- A claimed job gets exactly one report, whatever the handler returned or
  raised and whatever went wrong while building the report (`prepare_report`
  never raises; the flow has a last resort for its own bugs). A report that
  still cannot land is logged with the job id and counted as ``errors``.
- A job still in its handler when the worker stops waiting (`Answer.stopped`)
  is reported as failed (`STOPPED_MESSAGE`); its handler's late result is
  dropped by the driver.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Any, TypeAlias

from ._calls import Calls
from ._health import Health, HealthState
from ._job_context import JobContext, renewer
from ._models import Job
from ._outcomes import Failure
from ._poll_targets import Rotation, poll_targets
from ._redact import describe_exception, job_secrets
from ._telemetry import JobTelemetry, Telemetry, telemetry
from ._worker_core import (
    STOPPED_MESSAGE,
    TIMED_OUT_MESSAGE,
    Claimed,
    Counts,
    Options,
    Skip,
    Slots,
    check_worker_arguments,
    checked_token,
    claim_failed,
    failure_call,
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
from ._worker_retry import error_code, next_delay

if TYPE_CHECKING:
    import signal
    from collections.abc import Callable, Generator, Mapping

    from ._calls import Call
    from ._job_detail_models import ThirdPartyJob, ThirdPartyJobDetails
    from ._models import ActionTypeId
    from ._poll_targets import ActionTypes, QueryParams
    from ._values import JobStatus
    from ._worker_core import JobLog, ReportKind, WorkerStats

__all__ = [
    "REPORT_GRACE",
    "STOPPED",
    "Answer",
    "Effect",
    "Flow",
    "Handle",
    "InFlight",
    "Lifecycle",
    "LookUpToken",
    "Polled",
    "Release",
    "Send",
    "Sleep",
    "StopWorker",
    "_WorkerBase",
    "advance",
    "call_user",
    "log_late_result",
    "log_stop_waiting",
    "log_stopped",
    "poll_call",
    "polled_job_id",
]

logger = logging.getLogger("codepipeline_jobs.worker")

#: How long a stopping worker waits, once it stopped waiting for the handlers, for the failure
#: reports of the jobs still in them and for the reports under way: until they land or their
#: retries run out (a third signal stops waiting for them).
REPORT_GRACE = math.inf

Polled: TypeAlias = "Job | ThirdPartyJob"


class Send:
    """Effect: send `call` (a partner job's calls carry its client token already)."""

    __slots__ = ("call",)

    def __init__(self, call: Call[Any]) -> None:
        self.call = call


class Sleep:
    """Effect: wait `seconds` before trying again."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Handle:
    """Effect: run the handler on `job`; answered with an `Answer`.

    `client_token` is a partner job's (for the handler's `JobContext`); `telemetry` is the
    job's, whose handler span the driver makes current while the handler runs.
    """

    __slots__ = ("client_token", "job", "telemetry")

    def __init__(
        self, job: Job | ThirdPartyJobDetails, client_token: str | None = None,
        telemetry: JobTelemetry | None = None,
    ) -> None:
        self.job = job
        self.client_token = client_token
        self.telemetry = telemetry if telemetry is not None else JobTelemetry()


class LookUpToken:
    """Effect: look up the client token of `client_id`; answered with an `Answer`."""

    __slots__ = ("client_id",)

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id


class Release:
    """Effect: the handler is done; free the job's slot (its report goes on)."""

    __slots__ = ()


class StopWorker:
    """Effect: stop the worker as a signal does (`reason` says why)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


Effect: TypeAlias = "Send | Sleep | Handle | LookUpToken | Release | StopWorker"
Flow: TypeAlias = "Generator[Effect, Any, None]"


class Answer:
    """What user code did: returned `value`, raised `error`, or was `stopped` before it finished.

    A stopped handler's job is reported as failed with `message` (`STOPPED_MESSAGE` by default).
    """

    __slots__ = ("error", "message", "stopped", "value")

    def __init__(
        self, value: object = None, error: BaseException | None = None, *, stopped: bool = False,
        message: str = STOPPED_MESSAGE,
    ) -> None:
        self.value = value
        self.error = error
        self.stopped = stopped
        self.message = message


#: An `Answer` for a handler the worker stopped waiting for.
STOPPED = Answer(stopped=True)


def timed_out(job_timeout: float) -> Answer:
    """The `Answer` for a handler still running at its ``job_timeout``."""
    return Answer(stopped=True, message=TIMED_OUT_MESSAGE.format(job_timeout))


def polled_job_id(item: Polled) -> str:
    """The id of a polled job, custom or partner."""
    return item.id if isinstance(item, Job) else item.job_id


def poll_call(
    action_type_id: ActionTypeId, max_batch_size: int, query_param: Mapping[str, str] | None, *,
    partner: bool,
) -> Call[Any]:
    """The poll for at most `max_batch_size` jobs of `action_type_id` (`Job` or `ThirdPartyJob` list)."""
    if partner:
        return Calls.poll_for_third_party_jobs(action_type_id, max_batch_size=max_batch_size)
    return Calls.poll_for_jobs(action_type_id, max_batch_size=max_batch_size, query_param=query_param)


class _Recorded(Counts):
    """A job's view of the worker's counters: forwards every count, remembers how the job ended."""

    def __init__(self, counts: Counts) -> None:  # the worker's counters hold the counts
        self.counts = counts
        self.outcome: str | None = None

    def add(self, name: str, by: int = 1) -> None:
        """Count `name` in the worker's counters; it is how this job ended."""
        self.outcome = name
        self.counts.add(name, by)

    def snapshot(self) -> WorkerStats:
        """The worker's counters."""
        return self.counts.snapshot()


class Lifecycle:
    """The steps every job of one worker goes through; `flow` makes the generator of one job.

    Args:
        options: The worker's tuning (retries and their delays).
        counts: The worker's counters.
        service_model: What reports are checked against (the client's model).
        stopping: Whether the worker is stopping (jobs are then left unclaimed).
        telemetry: What the jobs emit (nothing by default).
    """

    def __init__(
        self, options: Options, counts: Counts, service_model: Any, stopping: Callable[[], bool],
        telemetry: Telemetry | None = None,
    ) -> None:
        self.options = options
        self.counts = counts
        self.service_model = service_model
        self.stopping = stopping
        #: The configuration properties declared secret, when the worker serves a `CustomAction`:
        #: only their values are masked. ``None``: every configuration value is.
        self.secret_properties: frozenset[str] | None = None
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        self.recorder = JobTelemetry()

    def flow(self, item: Polled, action_type_id: ActionTypeId | None = None) -> Flow:
        """The life of the polled job `item` (of `action_type_id`), told to the telemetry as it goes."""
        if action_type_id is None and isinstance(item, Job):
            action_type_id = item.data.action_type_id
        recorder = self.telemetry.job(polled_job_id(item), action_type_id)
        job = copy.copy(self)  # this job's view: its counters tell its telemetry how it ended
        job.counts = recorded = _Recorded(self.counts)
        job.recorder = recorder
        try:
            yield from job._flow(item)
        finally:
            recorder.end(recorded.outcome or "errors")

    def _flow(self, item: Polled) -> Flow:
        """The life of the polled job `item`: claim, handle, report; every end counted once."""
        job_id = polled_job_id(item)
        log = job_log(job_id, item.data if isinstance(item, Job) else None)
        try:
            self._leave_if_stopping(log)
            if isinstance(item, Job):
                claimed: Claimed[Any] = yield from self._claim_custom(item, log)
            else:
                claimed = yield from self._claim_partner(item, log)
        except Skip:  # counted and logged already
            return
        except Exception as exc:  # noqa: BLE001 - unclaimed: nothing to report, the worker goes on
            claim_failed(exc, log, "claiming the job", [], self.counts)
            return
        yield from self._work(claimed)

    # --- claiming -----------------------------------------------------------------------------

    def _claim_custom(self, job: Job, log: JobLog) -> Generator[Effect, Any, Claimed[Job]]:
        nonce = nonce_of(job.nonce, "the poll reply", log, self.counts)
        status = yield from self._claim_step(Calls.acknowledge_job(job.id, nonce), log, "acknowledge",
                                             job_secrets(job))
        self._check_ours(status, log)
        return Claimed(job, secret_properties=self.secret_properties)

    def _claim_partner(
        self, item: ThirdPartyJob, log: JobLog
    ) -> Generator[Effect, Any, Claimed[ThirdPartyJobDetails]]:
        answer: Answer = yield LookUpToken(item.client_id)
        if answer.error is not None:
            stop = _stop_reason(answer.error, "the client token lookup")
            token_lookup_failed(answer.error, item.client_id, log, self.counts)
            if stop:
                yield StopWorker(stop)
            raise Skip
        token = checked_token(answer.value, item.client_id, log, self.counts)
        self._leave_if_stopping(log)  # the lookup may have taken long
        details: ThirdPartyJobDetails = yield from self._claim_step(
            Calls.get_third_party_job_details(item.job_id, token), log, "reading the job", [token]
        )
        log = job_log(item.job_id, details.data)
        nonce = nonce_of(details.nonce, "the job's details", log, self.counts)
        self._leave_if_stopping(log)
        claimed = Claimed(details, token, secret_properties=self.secret_properties)
        status = yield from self._claim_step(
            Calls.acknowledge_third_party_job(item.job_id, nonce, token), log, "acknowledge",
            claimed.secrets(),
        )
        self._check_ours(status, log)
        return claimed

    def _claim_step(
        self, call: Call[Any], log: JobLog, what: str, secrets: list[str]
    ) -> Generator[Effect, Any, Any]:
        """Send a claim step with retries; any error becomes a counted `Skip`."""
        try:
            return (yield from self._attempts(call, log, what, secrets))
        except Exception as exc:
            raise claim_failed(exc, log, what, secrets, self.counts) from exc

    def _leave_if_stopping(self, log: JobLog) -> None:
        """A stopping worker claims nothing more: the job is left for another worker (`Skip`)."""
        if self.stopping():
            log.info("not acknowledged: the worker is stopping; left for another worker")
            self.counts.add("skipped")
            raise Skip

    def _check_ours(self, status: JobStatus, log: JobLog) -> None:
        if not status_is_ours(status, log, self.counts):
            raise Skip

    # --- working and reporting ----------------------------------------------------------------

    def _work(self, claimed: Claimed[Any]) -> Flow:
        """Handle a claimed job and send its one report."""
        job = claimed.job
        log = job_log(job.id, job.data)
        secrets = claimed.secrets()
        self.recorder.claimed(job)
        log.info("started")
        self.recorder.handler_started()
        answer: Answer = yield Handle(job, claimed.client_token, self.recorder)
        self.recorder.handler_ended(answer.error, stopped=answer.stopped)
        if answer.error is not None and (stop := _stop_reason(answer.error, "the handler")):
            yield StopWorker(stop)  # no new jobs from now on; this one is still reported
        yield Release()
        try:
            call, kind = self._report_of(answer, claimed, log)
        except Exception as exc:  # noqa: BLE001 - our own code broke: the job still gets a report
            log.error("could not prepare the report (%s); reporting a failure", type(exc).__name__)
            call, kind = failure_call(job.id, "the worker could not report the job's outcome",
                                      claimed.client_token), "failed"
        yield from self._report(call, kind, log, secrets)

    def _report_of(self, answer: Answer, claimed: Claimed[Any], log: JobLog) -> tuple[Call[None], ReportKind]:
        outcome: object
        if answer.stopped:
            log.warning("%s; reporting a failure", answer.message)
            outcome = Failure(answer.message)
        elif answer.error is not None:
            outcome = failure_from_exception(claimed, answer.error, log)
        else:
            outcome = answer.value
        return prepare_report(
            claimed.job.id, outcome, secrets=claimed.secrets(), client_token=claimed.client_token,
            service_model=self.service_model, log=log,
        )

    def _report(self, call: Call[None], kind: ReportKind, log: JobLog, secrets: list[str]) -> Flow:
        attempts = 0

        def counted() -> None:
            nonlocal attempts
            attempts += 1

        self.recorder.report_started(kind)
        try:
            yield from self._attempts(call, log, "report", secrets, counted)
        except Exception as exc:  # noqa: BLE001 - logged and counted; the worker goes on
            self.recorder.report_ended(exc)
            report_failed(exc, attempts=attempts, kind=kind, log=log, secrets=secrets, counts=self.counts)
            return
        self.recorder.report_ended()
        log.info("%s", kind)
        self.counts.add(kind)

    def _attempts(
        self, call: Call[Any], log: JobLog, what: str, secrets: list[str],
        on_attempt: Callable[[], None] | None = None,
    ) -> Generator[Effect, Any, Any]:
        """Send `call`, again after a jittered delay while it fails with a retryable error."""
        retries = self.options.report_retries
        backoff = self.options.retry_backoff()
        attempt = 0
        while True:
            if on_attempt is not None:
                on_attempt()
            try:
                return (yield Send(call))
            except Exception as exc:
                attempt += 1
                delay = next_delay(exc, attempt, retries, backoff)
                if delay is None:
                    raise
                retry_logger(log, what, secrets, retries)(exc, attempt, delay)
            yield Sleep(delay)


def _stop_reason(error: BaseException, where: str) -> str | None:
    """Why the worker must stop after `error` from user code: ``SystemExit`` and ``KeyboardInterrupt``."""
    if isinstance(error, (SystemExit, KeyboardInterrupt)):
        return f"{where} raised {type(error).__name__}"
    return None


class InFlight:
    """One job a worker is working on: its flow, whether its handler runs, whether it was stopped.

    A driver sets `handling` while the handler runs (and its `deadline`, on the monotonic
    clock, with ``job_timeout``); the worker sets `stopped` when it stops waiting for the job
    (drain deadline, second signal, job_timeout), with the `stop_answer` its flow then gets.
    ``lock`` guards those for the threaded worker (the asyncio worker touches them from its loop
    only); ``task`` is the asyncio task.
    """

    __slots__ = ("deadline", "flow", "handling", "job_id", "lock", "looking_up", "stop_answer", "stopped",
                 "task")

    def __init__(self, job_id: str, flow: Flow) -> None:
        self.job_id = job_id
        self.flow = flow
        self.handling = False
        #: In the user's token lookup: not claimed yet, so not waited for once the drain ends.
        self.looking_up = False
        self.stopped = False
        self.stop_answer = STOPPED
        self.deadline: float | None = None
        self.lock = threading.Lock()
        self.task: Any = None


def call_user(function: Callable[[Any], Any], argument: object) -> Answer:
    """Run user code; what it returned or raised (any `BaseException`), never raising."""
    try:
        return Answer(function(argument))
    except BaseException as exc:  # noqa: BLE001 - user code: every exception is the job's business
        return Answer(error=exc)


def log_late_result(job_id: str, answer: Answer, message: str = STOPPED_MESSAGE) -> None:
    """Log a handler that finished after the worker stopped waiting: its result is discarded."""
    what = (
        f"raised {type(answer.error).__name__}" if answer.error is not None
        else f"returned {type(answer.value).__name__}"
    )
    job_log(job_id).warning(
        "the handler %s after the worker had stopped waiting for it; the result is discarded "
        "(the job was reported as failed: %s)", what, message,
    )


def log_stop_waiting(left: list[str], drain_timeout: float, *, abandoned: bool) -> None:
    """Log that the worker stops waiting for the jobs `left` (their handlers still running)."""
    why = "stopping at once (second signal)" if abandoned else f"drain deadline of {drain_timeout:g} s passed"
    logger.warning("%s with %d job(s) still running; reporting them as failed: %s",
                   why, len(left), ", ".join(left))


def log_stopped(left: list[str], stats: WorkerStats) -> None:
    """The last log line of `run`: the counters, or the jobs whose report had not landed yet."""
    if left:
        logger.error("stopped with %d job(s) whose report had not landed (third signal): %s",
                     len(left), ", ".join(left))
    else:
        logger.info("%s", stopped_message(stats))


class _WorkerBase:
    """What every worker is made of, whatever its runtime.

    Its checked arguments and tuning, counters, capacity, the lifecycle of its
    jobs, and what stopping means.

    Raises:
        TypeError: `action_type_id` is neither an `ActionTypeId` nor a list of
            them, or the handler (or the token lookup) cannot be called.
        NotCustomActionError: A custom worker's action type is not owned by ``Custom``.
        NotThirdPartyActionError: A partner worker's action type is not owned by ``ThirdParty``.
        ValidationError: `query_param` breaks the API's rules.
        ValueError: An option is out of range, or the list of action types is empty or
            names one twice.
    """

    def __init__(
        self,
        client: Any,
        action_type_id: ActionTypes,
        handler: Callable[[Any], Any],
        *,
        partner: bool = False,
        query_param: QueryParams = None,
        client_token_for: Callable[[str], Any] | None = None,
        handle_signals: bool = True,
        **tuning: Any,
    ) -> None:
        targets = poll_targets(action_type_id, query_param, partner=partner)
        check_worker_arguments(targets[0].action_type_id, handler,
                               client_token_for if partner else callable)
        #: The worker's tuning, checked.
        self.options = Options(**tuning)
        #: The client the worker calls CodePipeline with.
        self.client = client
        #: The action types the worker works for (polled in turn), with their query parameters.
        self.targets = targets
        #: The action types the worker works for, in the order given.
        self.action_type_ids = tuple(target.action_type_id for target in targets)
        #: The (first) action type the worker works for.
        self.action_type_id = targets[0].action_type_id
        #: What is run once per claimed job.
        self.handler = handler
        #: A partner worker's lookup of client tokens (``None`` for a custom action worker).
        self.client_token_for = client_token_for
        #: The queryable configuration property jobs of the (first) action type must have, if any.
        self.query_param = targets[0].query_param
        #: Whether SIGTERM and SIGINT stop `run` when it runs in the main thread.
        self.handle_signals = handle_signals
        self._partner = partner
        self._counts = Counts()
        self._slots = Slots(self.options.max_workers, self.options.idle_backoff())
        self._stopping = False
        self._abandon = False  # stop waiting: report the jobs in their handlers as failed now
        self._give_up = False  # stop waiting even for those reports
        self._poll_error: Exception | None = None  # a ValidationError: the poll can never work
        self._running = threading.Lock()
        # The jobs being worked on, by id (the runtime's lock or loop guards it). A job holds a
        # slot while it is claimed and handled; its report goes on after the slot is freed, so
        # the next poll overlaps the report. Draining waits for every job here, reports included.
        self._in_flight: dict[str, InFlight] = {}
        self._rotation = Rotation(len(targets))
        self._health = HealthState(self.action_type_ids)
        self._telemetry = telemetry()
        self._telemetry.track_in_flight(self._in_flight_count, self.action_type_ids)
        meta: Any = getattr(client, "meta", None)
        # Reports are checked against the client's own model (botocore's when it has none).
        self._lifecycle = Lifecycle(
            self.options, self._counts, getattr(meta, "service_model", None), lambda: self._stopping,
            self._telemetry,
        )

    def _in_flight_count(self) -> int:
        return len(self._in_flight)

    def health(self) -> Health:
        """The worker's health now: live, ready, the last successful poll, failures, jobs in flight.

        Thread-safe: read it from a health server's thread, say. Live from the start of
        `run` until it returns; ready while the last poll succeeded (and the worker is not
        stopping).
        """
        return self._health.snapshot(in_flight=len(self._in_flight))

    @property
    def stats(self) -> WorkerStats:
        """What the worker did so far (a consistent snapshot)."""
        return self._counts.snapshot()

    @property
    def stopping(self) -> bool:
        """Whether `stop` was called (a stopped worker stays stopped)."""
        return self._stopping

    def stop(self) -> None:
        """Stop polling; `run` returns once in-flight jobs are reported or the drain deadline passes.

        Thread-safe, and safe to call from a signal handler or before `run`.
        Jobs polled but not yet acknowledged are left for other workers.
        """
        self._stopping = True
        self._health.stopping()
        self._wake_from_anywhere()

    def on_signal(self, sig: signal.Signals) -> None:
        """What SIGTERM or SIGINT does while `run` runs.

        The first one stops the worker (drain). The second one stops waiting for
        the handlers: the jobs still in theirs are reported as failed at once. A
        third one stops waiting for those reports too.
        """
        if not self._stopping:
            logger.info("%s: stopping after in-flight jobs (send it again to stop at once)", sig.name)
            self.stop()
            return
        if not self._abandon:
            logger.warning("%s again: reporting the jobs still running as failed, then stopping", sig.name)
            self._abandon = True
        else:
            logger.warning("%s again: no longer waiting for the last reports", sig.name)
            self._give_up = True
        self._wake_from_anywhere()

    def _wake_from_anywhere(self) -> None:
        """Wake the loop and the drain from any thread (or a signal handler)."""
        raise NotImplementedError

    # --- what both runtimes do alike ------------------------------------------------------------

    def _begin_run(self, unit: str) -> None:
        """Take the worker for `run`; log that it started; live from now on."""
        if not self._running.acquire(blocking=False):
            message = "this worker is already running"
            raise RuntimeError(message)
        for ati in self.action_type_ids:
            logger.info("%s", started_message(ati, self.options.max_workers, unit))
        self._health.started()

    def _end_run(self) -> None:
        """`run` returns: no longer live; the worker can run again."""
        self._health.stopped()
        self._running.release()

    def _poll_call(self, size: int, index: int = 0) -> Call[Any]:
        """The poll for at most `size` jobs of the action type `index`."""
        target = self.targets[index]
        return poll_call(target.action_type_id, size, target.query_param, partner=self._partner)

    def _polled(self, size: int, batch: list[Any], now: float, index: int = 0) -> list[InFlight]:
        """A poll of the type `index` for `size` slots returned `batch`: count it, make its jobs."""
        self._counts.add("received", len(batch))
        self._slots.polled(size, len(batch), now, round_done=self._rotation.polled(len(batch)))
        self._telemetry.poll(self.action_type_ids[index], len(batch))
        if self._health.poll_succeeded(index):
            logger.info("polls succeed again: the worker is ready")
        return [self._job(item, index) for item in batch]

    def _job(self, item: Polled, index: int = 0) -> InFlight:
        """A polled job, holding a slot, about to start."""
        job = InFlight(polled_job_id(item), self._lifecycle.flow(item, self.action_type_ids[index]))
        self._slots.holding.add(job.job_id)
        return job

    def _poll_failed(self, size: int, exc: Exception, now: float, index: int = 0) -> None:
        """A poll raised `exc`: back off and log (a refusal once), or stop when it can never work."""
        delay = self._slots.poll_failed(size, exc, now)
        self._telemetry.poll(self.action_type_ids[index], None, exc)
        if delay is None:  # our request is wrong: it will never work
            self._poll_error = exc
            self.stop()
            return
        verdict = self._health.poll_failed(exc, index)
        if verdict == "stop":
            self._counts.add("poll_errors")
            self._poll_error = self._health.stop_error
            logger.error("%s; stopping", self._poll_error)
            self.stop()
        elif verdict == "refused":
            self._counts.add("poll_errors")
            logger.error(
                "poll refused (%s): not ready until a poll succeeds; check the worker's IAM "
                "permissions (codepipeline:PollForJobs, AcknowledgeJob, PutJob*Result) and "
                "credentials; polling on (this is logged once)", describe_exception(exc),
            )
        elif verdict == "refused_again":
            self._counts.add("poll_errors")
            logger.debug("poll refused again (%s); next poll in %.1f s", error_code(exc), delay)
        else:
            log_poll_failure(exc, delay, self._counts)

    def _api_call_done(self, call: Call[Any], started: float, error: BaseException | None = None) -> None:
        """Tell the telemetry that `call`, sent at `started` (``time.perf_counter``), ended."""
        if self._telemetry.enabled:
            self._telemetry.api_call(call.operation, time.perf_counter() - started, error)

    def _job_context(self, job: InFlight, effect: Handle, loop: Any = None) -> JobContext:
        """The `JobContext` a handler runs in (see `current_job`); starts its `job_timeout`."""
        target = effect.job
        timeout = self.options.job_timeout
        deadline = time.monotonic() + timeout if timeout is not None else None
        with job.lock:
            job.deadline = deadline
        return JobContext(
            target, client=self.client, logger=job_log(target.id, target.data),
            client_token=effect.client_token, deadline=deadline,
            renew=renewer(self.client, target, effect.client_token, loop),
        )

    def _expired(self, now: float) -> tuple[list[InFlight], float]:
        """The jobs whose handlers ran past their `job_timeout` (taken over); seconds to the next deadline.

        Each is marked stopped with a timed-out answer: its flow reports it as failed, and its
        handler's late result is discarded.
        """
        timeout = self.options.job_timeout
        if timeout is None:
            return [], math.inf
        expired: list[InFlight] = []
        soonest = math.inf
        for job in list(self._in_flight.values()):
            with job.lock:
                if job.deadline is None or job.stopped or not job.handling:
                    continue
                if job.deadline > now:
                    soonest = min(soonest, job.deadline - now)
                    continue
                job.stopped = True
                job.stop_answer = timed_out(timeout)
            job_log(job.job_id).warning(
                "the handler is still running after job_timeout (%g s); reporting the job as failed",
                timeout,
            )
            expired.append(job)
        return expired, soonest

    def _owing(self) -> list[str]:
        """The jobs in flight that may still be claimed or owe a report (not stuck in a lookup)."""
        return sorted(job.job_id for job in list(self._in_flight.values()) if not job.looking_up)

    def _stop_waiting(self) -> list[InFlight]:
        """Stop waiting for the jobs in flight; those in their handlers now (to be taken over)."""
        in_flight = self._in_flight
        left = sorted(in_flight)
        if left:
            log_stop_waiting(left, self.options.drain_timeout, abandoned=self._abandon)
        taken: list[InFlight] = []
        for job in list(in_flight.values()):
            with job.lock:
                if not job.stopped and job.handling:
                    taken.append(job)
                job.stopped = True
        return taken


def advance(flow: Flow, reply: object, error: BaseException | None) -> Effect | None:
    """Resume `flow` with the reply to its last effect (or the error it raised); its next effect.

    ``None`` when the flow has ended.
    """
    try:
        return flow.send(reply) if error is None else flow.throw(error)
    except StopIteration:
        return None
