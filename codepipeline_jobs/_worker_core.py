"""What the threaded and the asyncio workers decide alike, with no I/O of its own.

Both runtimes poll, claim, handle and report in the same steps (written once,
in `_lifecycle`); they differ only in how they wait (threads or tasks). The
decisions those steps take - which outcome is reported and how, what an error
during a claim or a report means, what gets counted and logged - live here, so
the two workers (and the Lambda decorator, through `prepare_report`) cannot
drift apart.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeAlias, TypeVar

import attrs

from ._calls import Calls
from ._errors import InvalidConfigurationError, ValidationError
from ._models import ActionConfiguration, ActionTypeId, FailureDetails, Job
from ._outcomes import Continuation, Failure, Outcome, Success
from ._redact import MAX_MESSAGE_LENGTH, describe_exception, job_secrets, scrub
from ._values import FailureType, JobStatus
from ._worker_retry import Backoff, error_code, is_retryable, was_retried

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, MutableMapping

    from ._calls import Call
    from ._job_detail_models import ThirdPartyJobData, ThirdPartyJobDetails
    from ._models import JobData

__all__ = [
    "STOPPED_MESSAGE",
    "TIMED_OUT_MESSAGE",
    "Claimed",
    "Counts",
    "JobLog",
    "Options",
    "ReportKind",
    "Skip",
    "Slots",
    "WorkerStats",
    "check_worker_arguments",
    "checked_token",
    "claim_failed",
    "exception_message",
    "failure_call",
    "failure_from_exception",
    "failure_type_of",
    "job_log",
    "log_poll_failure",
    "nonce_of",
    "prepare_report",
    "report_call",
    "report_failed",
    "retry_logger",
    "started_message",
    "status_is_ours",
    "stopped_message",
    "token_lookup_failed",
]

logger = logging.getLogger("codepipeline_jobs.worker")

#: Errors of AcknowledgeJob / GetThirdPartyJobDetails that mean "another worker got it".
_LOST_RACE = frozenset({
    "InvalidNonceException", "JobNotFoundException", "InvalidJobException", "InvalidJobStateException",
})

_J = TypeVar("_J", bound="Job | ThirdPartyJobDetails")

ReportKind: TypeAlias = Literal["succeeded", "failed", "continued"]
"""What a report says, named as the `WorkerStats` counter it lands in."""

#: The failure a job still running at the drain deadline (or a second signal) is reported with.
STOPPED_MESSAGE = "the worker stopped before the job finished"
#: The failure a job whose handler is still running at its ``job_timeout`` is reported with.
TIMED_OUT_MESSAGE = "the handler did not finish within the worker's job_timeout of {:g} s"
_CANNOT_REPORT = "the job handler returned an outcome that cannot be reported"


@attrs.frozen(kw_only=True)
class WorkerStats:
    """A snapshot of what a worker did since it was created.

    Each job polled ends in exactly one of `succeeded`, `failed`, `continued`,
    `skipped` or `errors`, so once every job received has ended (when `run`
    or `run_once` returned, say) ``received == succeeded + failed + continued +
    skipped + errors``. A job the worker claimed ends in `succeeded`, `failed`
    or `continued` when its one report landed, in `errors` when it could not.
    """

    received: int = 0
    """Jobs handed to this worker by its polls."""
    succeeded: int = 0
    """Jobs reported as succeeded (`Success` or ``None``)."""
    failed: int = 0
    """Jobs reported as failed (a `Failure`, or an exception in the handler)."""
    continued: int = 0
    """Jobs reported with a continuation token (`Continuation`)."""
    skipped: int = 0
    """Jobs another worker claimed first, or left unclaimed because the worker was stopping."""
    errors: int = 0
    """Jobs that could not be claimed or reported because of an error (see the log)."""
    poll_errors: int = 0
    """Polls that failed (throttled beyond botocore's retries, network down, ...)."""


class Counts:
    """The counters behind `WorkerStats`, safe to bump from any thread."""

    def __init__(self) -> None:
        self._counts = dict.fromkeys(attrs.fields_dict(WorkerStats), 0)
        self._lock = threading.Lock()

    def add(self, name: str, by: int = 1) -> None:
        """Add `by` to the counter `name`."""
        with self._lock:
            self._counts[name] += by

    def snapshot(self) -> WorkerStats:
        """A consistent copy of every counter."""
        with self._lock:
            return WorkerStats(**self._counts)


@attrs.frozen(kw_only=True)
class Options:
    """The tuning every worker takes, checked once.

    Raises:
        ValueError: An option is out of range.
    """

    max_workers: int
    poll_interval_min: float
    poll_interval_max: float
    drain_timeout: float
    report_retries: int
    retry_delay: float
    retry_delay_max: float
    job_timeout: float | None = None
    concurrency_option: str = "max_workers"

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_workers, bool) or self.max_workers < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
            message = f"{self.concurrency_option} must be an integer >= 1, got {self.max_workers!r}"
            raise ValueError(message)
        if not 0 < self.poll_interval_min <= self.poll_interval_max:
            message = "poll intervals must satisfy 0 < poll_interval_min <= poll_interval_max"
            raise ValueError(message)
        if (
            self.drain_timeout < 0 or self.report_retries < 0 or self.retry_delay < 0
            or self.retry_delay_max < self.retry_delay
        ):
            message = "drain_timeout, report_retries and retry delays must be >= 0 (delay <= delay max)"
            raise ValueError(message)
        if self.job_timeout is not None and (
            isinstance(self.job_timeout, bool) or not self.job_timeout > 0  # pyright: ignore[reportUnnecessaryIsInstance]
        ):
            message = f"job_timeout must be a number of seconds > 0 (or None), got {self.job_timeout!r}"
            raise ValueError(message)

    def idle_backoff(self) -> Backoff:
        """The delays between polls while no job comes."""
        return Backoff(self.poll_interval_min, self.poll_interval_max, spread_floor=0.5)

    def retry_backoff(self) -> Backoff:
        """The delays between retries of an acknowledge, a read or a report."""
        return Backoff(self.retry_delay, self.retry_delay_max)


class Slots:
    """A worker's capacity and poll pacing: what to poll for, when, and what a poll's end means.

    A job holds a slot from the moment it is handed to the worker until it is handled (its
    report may go on after); a poll in flight reserves the slots it asked for, so that held +
    reserved never exceeds `size`. An empty poll or a failed one backs off with jitter; a
    non-empty one lets the next poll go at once. Not thread-safe: the threaded worker calls it
    under its lock, the asyncio worker from its loop.
    """

    def __init__(self, size: int, idle: Backoff) -> None:
        self.size = size
        self.idle = idle
        self.holding: set[str] = set()
        self.reserved = 0
        self.idle_until = 0.0

    @property
    def free(self) -> int:
        """Slots neither held by a job nor reserved by a poll in flight."""
        return self.size - len(self.holding) - self.reserved

    def next_poll(self, now: float) -> tuple[int, float]:
        """``(size, 0)`` with `size` slots reserved when a poll is due; else ``(0, seconds to wait)``.

        The wait is at most half a second, so that a missed wake-up costs little.
        """
        free = self.free
        if free < 1:
            return 0, 0.5
        wait = self.idle_until - now
        if wait > 0:
            return 0, min(wait, 0.5)
        self.reserved += free
        return free, 0.0

    def reserve_free(self) -> int:
        """Reserve every free slot for a poll the caller makes itself (`run_once`); how many."""
        free = max(self.free, 0)
        self.reserved += free
        return free

    def release(self, size: int) -> None:
        """Give back `size` slots reserved with `reserve_free`."""
        self.reserved -= size

    def polled(self, size: int, received: int, now: float, *, round_done: bool = True) -> None:
        """A poll for `size` slots returned `received` jobs (which the caller then holds).

        An empty poll backs off only when `round_done`: every action type of the worker was
        polled empty in turn (a worker of several types polls the next one at once).
        """
        self.reserved -= size
        if not received and not round_done:
            return
        if received:
            self.idle.reset()
            self.idle_until = 0.0
        else:
            self.idle_until = now + self.idle.next()

    def poll_failed(self, size: int, exc: Exception, now: float) -> float | None:
        """A poll for `size` slots raised `exc`: the delay before the next one.

        ``None`` when the request itself breaks a rule (`ValidationError`): it will never work,
        and the worker must stop.
        """
        self.reserved -= size
        if isinstance(exc, ValidationError):
            return None
        delay = self.idle.next()
        self.idle_until = now + delay
        return delay


def log_poll_failure(exc: Exception, delay: float, counts: Counts) -> None:
    """Count and log a failed poll: a warning when it may pass (throttling, 5xx), else an error."""
    counts.add("poll_errors")
    level = logging.WARNING if is_retryable(exc) else logging.ERROR
    logger.log(level, "poll failed (%s); next poll in %.1f s", describe_exception(exc), delay)


class JobLog(logging.LoggerAdapter):  # type: ignore[type-arg]  # generic only in typeshed
    """Prefixes messages with the job; adds ``job_id``, ``pipeline``, ``stage``, ``action``, ...

    The record attributes ``pipeline_execution_id`` and ``action_execution_id`` are set too
    (``None`` when the job does not say), for structured (JSON) logs.
    """

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        extra: Mapping[str, object] = self.extra or {}
        kwargs["extra"] = {**extra, **kwargs.get("extra", {})}
        where = "/".join(str(extra[key]) for key in ("pipeline", "stage", "action") if extra.get(key))
        prefix = f"job {extra.get('job_id')}" + (f" ({where})" if where else "")
        return f"{prefix}: {msg}", kwargs


def job_log(job_id: str, data: JobData | ThirdPartyJobData | None = None) -> JobLog:
    """The logger for one job, naming its pipeline, stage and action when known."""
    context = data.pipeline_context if data is not None else None
    extra = {
        "job_id": job_id,
        "pipeline": context.pipeline_name if context else None,
        "stage": context.stage.name if context and context.stage else None,
        "action": context.action.name if context and context.action else None,
        "pipeline_execution_id": context.pipeline_execution_id if context else None,
        "action_execution_id": context.action.action_execution_id if context and context.action else None,
    }
    return JobLog(logger, extra)


@attrs.frozen
class Claimed(Generic[_J]):
    """A job this worker acknowledged and now owns."""

    job: _J
    client_token: str | None = attrs.field(default=None, repr=False)
    #: The configuration properties declared secret (`CustomAction`); ``None``: treat every one so.
    secret_properties: frozenset[str] | None = attrs.field(default=None, repr=False)

    def secrets(self) -> list[str]:
        """What must never show up in a log line about this job."""
        job: Any = self.job
        if self.secret_properties is not None:
            job = only_secret_configuration(job, self.secret_properties)
        return [*job_secrets(job), *([self.client_token] if self.client_token else [])]


def only_secret_configuration(job: _J, secret_properties: frozenset[str]) -> _J:
    """The job with only the values of its secret configuration properties (to mask those only)."""
    data: Any = getattr(job, "data", None)
    configuration = data.action_configuration if data is not None else None
    if configuration is None:
        return job
    kept = {k: v for k, v in configuration.configuration.items() if k in secret_properties}
    evolved: _J = attrs.evolve(
        job, data=attrs.evolve(data, action_configuration=ActionConfiguration(configuration=kept))
    )
    return evolved


class Skip(Exception):
    """The job is not ours to work on: already counted and logged."""


def started_message(action_type_id: ActionTypeId, concurrency: int, unit: str) -> str:
    """The log line of a worker starting."""
    a = action_type_id
    return f"worker started: {a.category}/{a.owner}/{a.provider} version {a.version}, {concurrency} {unit}"


def stopped_message(stats: WorkerStats) -> str:
    """The log line of a worker that stopped with nothing left in flight."""
    s = stats
    return (
        f"worker stopped: {s.succeeded} succeeded, {s.failed} failed, {s.continued} continued, "
        f"{s.skipped} skipped, {s.errors} error(s)"
    )


def retry_logger(
    log: JobLog, what: str, secrets: list[str], retries: int
) -> Callable[[BaseException, int, float], None]:
    """The ``on_retry`` callback that logs each retry of `what`, secrets masked."""
    def on_retry(exc: BaseException, attempt: int, delay: float) -> None:
        log.warning("%s failed (%s); retry %d of %d in %.2f s", what,
                    scrub(describe_exception(exc), secrets), attempt, retries, delay)
    return on_retry


def status_is_ours(status: JobStatus, log: JobLog, counts: Counts) -> bool:
    """Whether an acknowledged job is ours to work on (``InProgress``); log and count it if not."""
    if status == JobStatus.IN_PROGRESS:
        return True
    log.info("skipped: acknowledged, but its status is %s", status)
    counts.add("skipped")
    return False


def claim_failed(exc: Exception, log: JobLog, what: str, secrets: list[str], counts: Counts) -> Skip:
    """Log and count an error while claiming a job; the `Skip` to raise from it.

    Losing the race to another worker is normal and logged at INFO level;
    anything else is an error.
    """
    code = error_code(exc)
    if code in _LOST_RACE:
        log.info("skipped: another worker claimed it first (%s)", code)
        counts.add("skipped")
    else:
        log.error("%s failed: %s", what, scrub(describe_exception(exc), secrets))
        counts.add("errors")
    return Skip()


def failure_from_exception(claimed: Claimed[Any], exc: BaseException, log: JobLog) -> Failure:
    """The `Failure` a handler's exception is reported as; logged with its traceback, secrets masked.

    An `InvalidConfigurationError` is a ``ConfigurationError`` failure, any other a ``JobFailed`` one.

    Any exception counts, `BaseException` included (``SystemExit``, ``KeyboardInterrupt``,
    ``GeneratorExit``, ``asyncio.CancelledError`` raised by the handler itself, ...).
    """
    secrets = claimed.secrets()
    try:
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except Exception:  # noqa: BLE001 - a broken exception must not stop its report
        trace = f"{type(exc).__name__} (its traceback could not be formatted)"
    log.error("handler raised %s; reporting a failure\n%s", type(exc).__name__,
              scrub(trace, secrets).rstrip())
    return Failure(exception_message(exc, secrets), failure_type_of(exc))


def failure_type_of(exc: BaseException) -> FailureType:
    """The failure type a handler's exception is reported with, by every runtime.

    An `InvalidConfigurationError` (the job's configuration does not fit the declared
    class: the pipeline's to fix) is ``ConfigurationError``; any other ``JobFailed``.
    """
    if isinstance(exc, InvalidConfigurationError):
        return FailureType.CONFIGURATION_ERROR
    return FailureType.JOB_FAILED


def exception_message(exc: BaseException, secrets: Iterable[str], limit: int = MAX_MESSAGE_LENGTH) -> str:
    """``"Type: text"`` of `exc`, every secret masked, cut to `limit` characters."""
    message = scrub(describe_exception(exc, limit=1 << 30), secrets)
    if len(message) > limit:
        marker = " ... [cut to fit the API's limit]"
        message = message[: limit - len(marker)] + marker
    return message


def _kind(outcome: Outcome) -> ReportKind:
    if isinstance(outcome, Failure):
        return "failed"
    if isinstance(outcome, Continuation):
        return "continued"
    return "succeeded"


def failure_call(job_id: str, message: str, client_token: str | None = None) -> Call[None]:
    """The call that reports a ``JobFailed`` failure with `message` (built from known-good parts)."""
    details = FailureDetails(type=FailureType.JOB_FAILED, message=message)
    if client_token is not None:
        return Calls.put_third_party_job_failure_result(job_id, client_token, details)
    return Calls.put_job_failure_result(job_id, details)


def report_call(job_id: str, outcome: Outcome, *, client_token: str | None = None) -> Call[None]:
    """The call that reports `outcome` for a job (a partner job when `client_token` is given).

    Raises:
        TypeError: `outcome` is not an outcome.
    """
    if outcome is None:
        outcome = Success()
    if isinstance(outcome, Failure):
        if client_token is not None:
            return Calls.put_third_party_job_failure_result(
                job_id, client_token, outcome.details()
            )
        return Calls.put_job_failure_result(job_id, outcome.details())
    if isinstance(outcome, Continuation):
        token, details, revision, variables = (
            outcome.continuation_token, outcome.execution_details, None, None
        )
    elif isinstance(outcome, Success):  # pyright: ignore[reportUnnecessaryIsInstance]
        token, details, revision, variables = (
            None, outcome.execution_details, outcome.current_revision, outcome.output_variables
        )
    else:  # a handler typed loosely can still return anything
        message = (  # type: ignore[unreachable]
            "a job handler must return Success, Continuation, Failure or None, "
            f"not {type(outcome).__name__}"
        )
        raise TypeError(message)
    if client_token is not None:
        if variables:
            # Partner actions have no output variables in the API.
            message = "output_variables are not supported for partner (third-party) jobs"
            raise TypeError(message)
        return Calls.put_third_party_job_success_result(
            job_id, client_token,
            current_revision=revision, continuation_token=token, execution_details=details,
        )
    return Calls.put_job_success_result(
        job_id,
        current_revision=revision,
        continuation_token=token,
        execution_details=details,
        output_variables=variables,
    )


def prepare_report(
    job_id: str,
    outcome: object,
    *,
    secrets: Iterable[str] = (),
    client_token: str | None = None,
    service_model: Any = None,
    log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
) -> tuple[Call[None], ReportKind]:
    """The one call that reports what a handler did, checked, and the counter it lands in.

    Every runtime reports through this function, so they all agree.

    Args:
        job_id: The job's id.
        outcome: What the handler returned (`Success`, `Continuation`,
            `Failure` or ``None``) - or anything else it returned - or the
            exception it raised (any `BaseException`).
        secrets: Values to mask in every message (see `job_secrets`; add the
            client token of a partner job).
        client_token: The partner job's client token: the report is then a
            third-party one.
        service_model: The model to check the request against
            (``client.meta.service_model``); botocore's own by default.
        log: Where to log an outcome that cannot be reported; the worker's
            logger by default.

    Returns:
        The report's `Call` and ``"succeeded"``, ``"failed"`` or ``"continued"``.
        An exception becomes a ``JobFailed`` failure with its type and text,
        secrets masked. Anything that cannot be reported as it is (not an
        outcome, a value of the wrong type, a request rule broken - whatever
        goes wrong while building or checking the report) becomes a
        ``JobFailed`` failure saying why. This function does not raise.
    """
    masked = [*secrets, *([client_token] if client_token else [])]
    try:
        if isinstance(outcome, BaseException):
            outcome = Failure(exception_message(outcome, masked))
        call = report_call(job_id, outcome, client_token=client_token)  # type: ignore[arg-type]  # checked inside
        call.validate(service_model)
        return call, _kind(outcome)  # type: ignore[arg-type]  # an outcome, or report_call raised
    except Exception as exc:  # noqa: BLE001 - whatever broke, the job still gets a report
        reason = exception_message(exc, masked, limit=MAX_MESSAGE_LENGTH - len(_CANNOT_REPORT) - 2)
        (log or logger).error("the handler's outcome cannot be reported (%s); reporting a failure", reason)
        return failure_call(job_id, f"{_CANNOT_REPORT}: {reason}", client_token), "failed"


def report_failed(
    exc: Exception, *, attempts: int, kind: ReportKind, log: JobLog, secrets: list[str], counts: Counts
) -> None:
    """Log and count a report that did not land after `attempts` attempts.

    ``InvalidJobStateException`` after a retried attempt means an earlier
    attempt landed and its reply was lost: the job is reported, and counted
    as `kind`. Anything else is an error.
    """
    if error_code(exc) != "InvalidJobStateException":
        log.error("could not report %s after %d attempt(s): %s", kind, attempts,
                  scrub(describe_exception(exc), secrets))
        counts.add("errors")
    elif attempts > 1 or was_retried(exc):
        log.info("%s (already reported: an earlier attempt landed, its reply was lost)", kind)
        counts.add(kind)
    else:
        log.error("report refused: the job is no longer in progress (timed out, or reported elsewhere)")
        counts.add("errors")


def token_lookup_failed(exc: BaseException, client_id: str, log: JobLog, counts: Counts) -> Skip:
    """Log (without the exception's text, which may hold the token) and count a failed lookup."""
    log.error("no client token for client id %s: %s", client_id, type(exc).__name__)
    counts.add("errors")
    return Skip()


def checked_token(token: object, client_id: str, log: JobLog, counts: Counts) -> str:
    """`token`, unless it is empty or not a string: then log, count and raise `Skip`."""
    if not isinstance(token, str) or not token:
        log.error("no client token for client id %s (got %s)", client_id, _a(token) if token else "none")
        counts.add("errors")
        raise Skip
    return token


def nonce_of(nonce: str | None, where: str, log: JobLog, counts: Counts) -> str:
    """The nonce to acknowledge with; log, count and `Skip` when `where` carries none."""
    if nonce is None:
        log.error("cannot acknowledge: %s carries no nonce", where)
        counts.add("errors")
        raise Skip
    return nonce


def check_worker_arguments(
    action_type_id: object, handler: object, client_token_for: object = callable
) -> None:
    """Refuse, at construction, what no worker can work with.

    Raises:
        TypeError: `action_type_id` is not an `ActionTypeId`, or `handler` (or
            `client_token_for`) cannot be called.
    """
    if not isinstance(action_type_id, ActionTypeId):
        message = (
            f"action_type_id must be an ActionTypeId, not {_a(action_type_id)}: "
            "ActionTypeId(category=..., owner=..., provider=..., version=...)"
        )
        raise TypeError(message)
    for name, value in (("handler", handler), ("client_token_for", client_token_for)):
        if not callable(value):
            message = f"{name} must be a function (or another callable), not {_a(value)}"
            raise TypeError(message)


def _a(value: object) -> str:
    """``"a str"``, ``"an int"``: a value's type with its article."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"

