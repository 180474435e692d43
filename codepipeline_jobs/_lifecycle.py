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

import logging
import math
import threading
from typing import TYPE_CHECKING, Any, TypeAlias

from ._calls import requests
from ._models import Job, ThirdPartyJob
from ._outcomes import Failure
from ._redact import job_secrets
from ._rules import validate_custom_owner, validate_query_param, validate_third_party_owner
from ._worker_core import (
    STOPPED_MESSAGE,
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
from ._worker_retry import next_delay

if TYPE_CHECKING:
    import signal
    from collections.abc import Callable, Generator, Mapping

    from ._calls import Call
    from ._models import ActionTypeId, ThirdPartyJobDetails
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
    """Effect: run the handler on `job`; answered with an `Answer`."""

    __slots__ = ("job",)

    def __init__(self, job: Job | ThirdPartyJobDetails) -> None:
        self.job = job


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
    """What user code did: returned `value`, raised `error`, or was `stopped` before it finished."""

    __slots__ = ("error", "stopped", "value")

    def __init__(
        self, value: object = None, error: BaseException | None = None, *, stopped: bool = False
    ) -> None:
        self.value = value
        self.error = error
        self.stopped = stopped


#: An `Answer` for a handler the worker stopped waiting for.
STOPPED = Answer(stopped=True)


def polled_job_id(item: Polled) -> str:
    """The id of a polled job, custom or partner."""
    return item.id if isinstance(item, Job) else item.job_id


def poll_call(
    action_type_id: ActionTypeId, max_batch_size: int, query_param: Mapping[str, str] | None, *,
    partner: bool,
) -> Call[Any]:
    """The poll for at most `max_batch_size` jobs of `action_type_id` (`Job` or `ThirdPartyJob` list)."""
    if partner:
        return requests.poll_for_third_party_jobs(action_type_id, max_batch_size=max_batch_size)
    return requests.poll_for_jobs(action_type_id, max_batch_size=max_batch_size, query_param=query_param)


class Lifecycle:
    """The steps every job of one worker goes through; `flow` makes the generator of one job.

    Args:
        options: The worker's tuning (retries and their delays).
        counts: The worker's counters.
        service_model: What reports are checked against (the client's model).
        stopping: Whether the worker is stopping (jobs are then left unclaimed).
    """

    def __init__(
        self, options: Options, counts: Counts, service_model: Any, stopping: Callable[[], bool]
    ) -> None:
        self.options = options
        self.counts = counts
        self.service_model = service_model
        self.stopping = stopping

    def flow(self, item: Polled) -> Flow:
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
        status = yield from self._claim_step(requests.acknowledge_job(job.id, nonce), log, "acknowledge",
                                             job_secrets(job))
        self._check_ours(status, log)
        return Claimed(job)

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
            requests.get_third_party_job_details(item.job_id, token), log, "reading the job", [token]
        )
        log = job_log(item.job_id, details.data)
        nonce = nonce_of(details.nonce, "the job's details", log, self.counts)
        self._leave_if_stopping(log)
        claimed = Claimed(details, token)
        status = yield from self._claim_step(
            requests.acknowledge_third_party_job(item.job_id, nonce, token), log, "acknowledge",
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
        log.info("started")
        answer: Answer = yield Handle(job)
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
            log.warning("%s; reporting a failure", STOPPED_MESSAGE)
            outcome = Failure(STOPPED_MESSAGE)
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

        try:
            yield from self._attempts(call, log, "report", secrets, counted)
        except Exception as exc:  # noqa: BLE001 - logged and counted; the worker goes on
            report_failed(exc, attempts=attempts, kind=kind, log=log, secrets=secrets, counts=self.counts)
            return
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

    A driver sets `handling` while the handler runs; the worker sets `stopped` when it stops
    waiting for the job (drain deadline, second signal). ``lock`` guards both for the threaded
    worker (the asyncio worker touches them from its loop only); ``task`` is the asyncio task.
    """

    __slots__ = ("flow", "handling", "job_id", "lock", "looking_up", "stopped", "task")

    def __init__(self, job_id: str, flow: Flow) -> None:
        self.job_id = job_id
        self.flow = flow
        self.handling = False
        #: In the user's token lookup: not claimed yet, so not waited for once the drain ends.
        self.looking_up = False
        self.stopped = False
        self.lock = threading.Lock()
        self.task: Any = None


def call_user(function: Callable[[Any], Any], argument: object) -> Answer:
    """Run user code; what it returned or raised (any `BaseException`), never raising."""
    try:
        return Answer(function(argument))
    except BaseException as exc:  # noqa: BLE001 - user code: every exception is the job's business
        return Answer(error=exc)


def log_late_result(job_id: str, answer: Answer) -> None:
    """Log a handler that finished after the worker stopped waiting: its result is discarded."""
    what = (
        f"raised {type(answer.error).__name__}" if answer.error is not None
        else f"returned {type(answer.value).__name__}"
    )
    job_log(job_id).warning(
        "the handler %s after the worker had stopped waiting for it; the result is discarded "
        "(the job was reported as failed: %s)", what, STOPPED_MESSAGE,
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
        TypeError: `action_type_id` is not an `ActionTypeId`, or the handler
            (or the token lookup) cannot be called.
        NotCustomActionError: A custom worker's action type is not owned by ``Custom``.
        NotThirdPartyActionError: A partner worker's action type is not owned by ``ThirdParty``.
        ValidationError: `query_param` breaks the API's rules.
        ValueError: An option is out of range.
    """

    def __init__(
        self,
        client: Any,
        action_type_id: ActionTypeId,
        handler: Callable[[Any], Any],
        *,
        partner: bool = False,
        query_param: Mapping[str, str] | None = None,
        client_token_for: Callable[[str], Any] | None = None,
        handle_signals: bool = True,
        **tuning: Any,
    ) -> None:
        check_worker_arguments(action_type_id, handler, client_token_for if partner else callable)
        if partner:
            validate_third_party_owner(action_type_id)
        else:
            validate_custom_owner(action_type_id)
            validate_query_param(query_param)
        #: The worker's tuning, checked.
        self.options = Options(**tuning)
        #: The client the worker calls CodePipeline with.
        self.client = client
        #: The action type the worker works for.
        self.action_type_id = action_type_id
        #: What is run once per claimed job.
        self.handler = handler
        #: A partner worker's lookup of client tokens (``None`` for a custom action worker).
        self.client_token_for = client_token_for
        #: The queryable configuration property jobs must have, if any.
        self.query_param = dict(query_param) if query_param is not None else None
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
        meta: Any = getattr(client, "meta", None)
        # Reports are checked against the client's own model (botocore's when it has none).
        self._lifecycle = Lifecycle(
            self.options, self._counts, getattr(meta, "service_model", None), lambda: self._stopping
        )

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
        """Take the worker for `run`; log that it started."""
        if not self._running.acquire(blocking=False):
            message = "this worker is already running"
            raise RuntimeError(message)
        logger.info("%s", started_message(self.action_type_id, self.options.max_workers, unit))

    def _poll_call(self, size: int) -> Call[Any]:
        """The poll for at most `size` jobs."""
        return poll_call(self.action_type_id, size, self.query_param, partner=self._partner)

    def _polled(self, size: int, batch: list[Any], now: float) -> list[InFlight]:
        """A poll for `size` slots returned `batch`: count it and make its jobs (to start now)."""
        self._counts.add("received", len(batch))
        self._slots.polled(size, len(batch), now)
        return [self._job(item) for item in batch]

    def _job(self, item: Polled) -> InFlight:
        """A polled job, holding a slot, about to start."""
        job = InFlight(polled_job_id(item), self._lifecycle.flow(item))
        self._slots.holding.add(job.job_id)
        return job

    def _poll_failed(self, size: int, exc: Exception, now: float) -> None:
        """A poll raised `exc`: back off and log, or stop when the request can never work."""
        delay = self._slots.poll_failed(size, exc, now)
        if delay is None:  # our request is wrong: it will never work
            self._poll_error = exc
            self.stop()
        else:
            log_poll_failure(exc, delay, self._counts)

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
