"""The workers' OpenTelemetry traces and metrics, through the global providers; nothing without the API.

When ``opentelemetry-api`` is importable (the ``otel`` extra), `telemetry()`
gives the workers a tracer and a meter from OpenTelemetry's *global* tracer
and meter providers: no-ops until the application configures an SDK, as with
OpenTelemetry's own instrumentation libraries. Without the API nothing is
imported (not even at the first worker: the import is tried once, lazily) and
every call here is an empty method.

What is emitted (names in OpenTelemetry's semantic-convention style):

- a span ``codepipeline.job`` per polled job, with the child spans
  ``codepipeline.job.claim``, ``codepipeline.job.handler`` and
  ``codepipeline.job.report``; attributes `JOB_ID`, the pipeline, stage and
  action names and execution ids, the action type's four fields and `OUTCOME`
  (``error.type`` and an error status when the job failed);
- metrics: `JOBS` by outcome, `HANDLER_DURATION`, `API_CALL_DURATION` (with
  ``error.type`` when a call failed) and `API_CALL_ERRORS` by operation,
  `IN_FLIGHT` jobs (observed when metrics are collected: no cost per job), and
  `POLLS` by result (``jobs``, ``empty``, ``error``).

Never an attribute from a job's configuration, its artifacts or credentials,
a client token or an exception's message: names, ids and error types only.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from typing import TYPE_CHECKING, Any, cast

from . import __version__

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Iterator

    from ._job_detail_models import ThirdPartyJobDetails
    from ._models import ActionTypeId, Job

__all__ = [
    "API_CALL_DURATION",
    "API_CALL_ERRORS",
    "HANDLER_DURATION",
    "INSTRUMENTATION_SCOPE",
    "IN_FLIGHT",
    "JOBS",
    "JOB_ID",
    "JOB_SPAN",
    "OUTCOME",
    "POLLS",
    "JobTelemetry",
    "Telemetry",
    "telemetry",
]

#: The instrumentation scope (tracer and meter name).
INSTRUMENTATION_SCOPE = "codepipeline_jobs"
#: The span of one job.
JOB_SPAN = "codepipeline.job"
JOB_ID = "codepipeline.job.id"
OUTCOME = "codepipeline.job.outcome"
#: Counter of jobs by `OUTCOME` (``succeeded``, ``failed``, ``continued``, ``skipped``, ``errors``).
JOBS = "codepipeline.worker.jobs"
#: Histogram of handler durations, in seconds.
HANDLER_DURATION = "codepipeline.worker.handler.duration"
#: Histogram of CodePipeline API call durations, in seconds, by ``rpc.method``.
API_CALL_DURATION = "codepipeline.worker.api_call.duration"
#: Counter of CodePipeline API calls that failed, by ``rpc.method`` and ``error.type``.
API_CALL_ERRORS = "codepipeline.worker.api_call.errors"
#: Up-down counter of the jobs a worker holds.
IN_FLIGHT = "codepipeline.worker.jobs.in_flight"
#: Counter of polls by ``codepipeline.poll.result``.
POLLS = "codepipeline.worker.polls"


def _error_type(error: BaseException) -> str:
    """An error's code (a ``ClientError``'s) or its type name: never its message."""
    response: Any = getattr(error, "response", None)
    if isinstance(response, dict):
        code: Any = cast("dict[str, Any]", response).get("Error", {}).get("Code")
        if isinstance(code, str) and code:
            return code
    return type(error).__qualname__


class JobTelemetry:
    """What one job emits; this base emits nothing (the API is absent or telemetry unused)."""

    __slots__ = ()

    def claimed(self, job: Job | ThirdPartyJobDetails) -> None:
        """The job is ours: name its pipeline, stage and action."""

    def handler_started(self) -> None:
        """Its handler starts."""

    def handler_ended(self, error: BaseException | None = None, *, stopped: bool = False) -> None:
        """Its handler returned, raised `error`, or was `stopped` waiting for (deadline, drain)."""

    def report_started(self, kind: str) -> None:
        """Its report (``succeeded``, ``failed`` or ``continued``) is being sent."""

    def report_ended(self, error: BaseException | None = None) -> None:
        """Its report landed, or could not (`error`)."""

    def end(self, outcome: str, error: BaseException | None = None) -> None:
        """The job ended as `outcome` (a `WorkerStats` counter name)."""

    @contextlib.contextmanager
    def current(self) -> Generator[None]:
        """Make the handler's span the current one (so the handler's own spans nest under it)."""
        yield


class Telemetry:
    """What a worker emits; this base emits nothing. `telemetry()` picks the implementation."""

    __slots__ = ()

    #: Whether anything is emitted at all.
    enabled = False

    def job(self, job_id: str, action_type_id: ActionTypeId | None) -> JobTelemetry:  # noqa: ARG002 - a no-op
        """The telemetry of one polled job (its span starts now)."""
        return _NO_JOB

    def poll(
        self, action_type_id: ActionTypeId | None, received: int | None, error: BaseException | None = None
    ) -> None:
        """A poll returned `received` jobs, or failed with `error`."""

    def api_call(self, operation: str, seconds: float, error: BaseException | None = None) -> None:
        """A CodePipeline call took `seconds` and succeeded, or failed with `error`."""

    def track_in_flight(self, count: Callable[[], int], action_type_ids: tuple[ActionTypeId, ...]) -> None:
        """Observe `count` (a worker's bound method: its jobs in flight) whenever metrics are collected.

        Read at collection time, not counted per job: it costs a job nothing. Held weakly, so a
        worker that is gone is no longer observed.
        """


_NO_JOB = JobTelemetry()
_NONE = Telemetry()
_chosen: Telemetry | None = None


def telemetry() -> Telemetry:
    """The workers' telemetry: OpenTelemetry's global providers when the API is importable."""
    global _chosen  # noqa: PLW0603 - the import is tried once per process
    if _chosen is None:
        try:
            from opentelemetry import metrics, trace  # noqa: PLC0415 - optional, and lazy
        except ImportError:
            _chosen = _NONE
        else:
            _chosen = _OpenTelemetry(trace, metrics)
    return _chosen


def _action_attributes(a: ActionTypeId | None) -> dict[str, str]:
    if a is None:
        return {}
    return {
        "codepipeline.action_type.category": str(a.category),
        "codepipeline.action_type.owner": str(a.owner),
        "codepipeline.action_type.provider": a.provider,
        "codepipeline.action_type.version": a.version,
    }


class _OpenTelemetry(Telemetry):
    __slots__ = ("api_duration", "api_errors", "handler_duration", "in_flight_jobs", "jobs", "polls",
                 "sources", "trace", "tracer")

    enabled = True

    def __init__(self, trace: Any, metrics: Any) -> None:
        self.trace = trace
        self.tracer = trace.get_tracer(INSTRUMENTATION_SCOPE, __version__)
        meter = metrics.get_meter(INSTRUMENTATION_SCOPE, __version__)
        self.jobs = meter.create_counter(JOBS, unit="{job}", description="Jobs ended, by outcome")
        self.handler_duration = meter.create_histogram(
            HANDLER_DURATION, unit="s", description="How long job handlers ran")
        self.api_duration = meter.create_histogram(
            API_CALL_DURATION, unit="s", description="How long CodePipeline API calls took")
        self.api_errors = meter.create_counter(
            API_CALL_ERRORS, unit="{error}", description="CodePipeline API calls that failed")
        self.sources: list[tuple[weakref.WeakMethod[Callable[[], int]], dict[str, str]]] = []
        self.in_flight_jobs = meter.create_observable_up_down_counter(
            IN_FLIGHT, callbacks=[self._observe], unit="{job}", description="Jobs the workers hold")
        self.polls = meter.create_counter(POLLS, unit="{poll}", description="Polls, by result")

    def job(self, job_id: str, action_type_id: ActionTypeId | None) -> JobTelemetry:
        return _OpenTelemetryJob(self, job_id, action_type_id)

    def poll(
        self, action_type_id: ActionTypeId | None, received: int | None, error: BaseException | None = None
    ) -> None:
        result = "error" if error is not None else ("jobs" if received else "empty")
        attributes = {**_action_attributes(action_type_id), "codepipeline.poll.result": result}
        if error is not None:
            attributes["error.type"] = _error_type(error)
        self.polls.add(1, attributes)

    def api_call(self, operation: str, seconds: float, error: BaseException | None = None) -> None:
        attributes = {"rpc.system": "aws-api", "rpc.service": "CodePipeline", "rpc.method": operation}
        if error is not None:
            attributes["error.type"] = _error_type(error)
            self.api_errors.add(1, attributes)
        self.api_duration.record(seconds, attributes)

    def track_in_flight(self, count: Callable[[], int], action_type_ids: tuple[ActionTypeId, ...]) -> None:
        # a worker of one type is counted under it; a worker of several, under none
        attributes = _action_attributes(action_type_ids[0]) if len(action_type_ids) == 1 else {}
        self.sources.append((weakref.WeakMethod(count), attributes))

    def _observe(self, _: Any) -> Iterator[Any]:
        from opentelemetry.metrics import Observation  # noqa: PLC0415 - imported with the API already

        totals: dict[tuple[tuple[str, str], ...], int] = {}
        alive: list[tuple[weakref.WeakMethod[Callable[[], int]], dict[str, str]]] = []
        for method, attributes in list(self.sources):
            count = method()
            if count is None:
                continue
            alive.append((method, attributes))
            key = tuple(sorted(attributes.items()))
            totals[key] = totals.get(key, 0) + count()
        self.sources[:] = alive
        for key, total in totals.items():
            yield Observation(total, dict(key))


class _OpenTelemetryJob(JobTelemetry):
    """One job's spans (when a tracer provider is configured) and metrics."""

    __slots__ = ("_action", "_attributes", "_handler", "_handler_started", "_otel", "_report", "_span",
                 "_step")

    def __init__(self, otel: _OpenTelemetry, job_id: str, action_type_id: ActionTypeId | None) -> None:
        self._otel = otel
        self._action = _action_attributes(action_type_id)
        self._attributes: dict[str, str] = {JOB_ID: job_id, **self._action}
        trace = otel.trace
        self._span: Any = None
        self._step: Any = None
        # No SDK configured (the API's proxy provider): no span at all, only the metrics.
        if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            self._span = otel.tracer.start_span(JOB_SPAN, kind=trace.SpanKind.CONSUMER,
                                                attributes=self._attributes)
            self._step = self._child("codepipeline.job.claim")
        self._handler: Any = None
        self._handler_started: float | None = None
        self._report: Any = None

    def _child(self, name: str) -> Any:
        if self._span is None:
            return None
        context = self._otel.trace.set_span_in_context(self._span)
        return self._otel.tracer.start_span(name, context=context,
                                             attributes={JOB_ID: self._attributes[JOB_ID]})

    def _error_status(self, span: Any) -> None:
        trace = self._otel.trace
        span.set_status(trace.Status(trace.StatusCode.ERROR))

    def claimed(self, job: Job | ThirdPartyJobDetails) -> None:
        if self._span is None:
            return
        context = job.data.pipeline_context
        named = {
            "codepipeline.pipeline.name": context.pipeline_name if context else None,
            "codepipeline.pipeline.execution_id": context.pipeline_execution_id if context else None,
            "codepipeline.stage.name": context.stage.name if context and context.stage else None,
            "codepipeline.action.name": context.action.name if context and context.action else None,
            "codepipeline.action.execution_id": (
                context.action.action_execution_id if context and context.action else None),
        }
        found = {key: value for key, value in named.items() if value}
        self._attributes.update(found)
        self._span.set_attributes(found)
        self._close_claim()

    def _close_claim(self, error: BaseException | None = None) -> None:
        if self._step is not None:
            if error is not None:
                self._step.set_attribute("error.type", _error_type(error))
            self._step.end()
            self._step = None

    def handler_started(self) -> None:
        self._close_claim()
        self._handler = self._child("codepipeline.job.handler")
        self._handler_started = time.perf_counter()

    def handler_ended(self, error: BaseException | None = None, *, stopped: bool = False) -> None:
        if self._handler_started is None:
            return
        seconds = time.perf_counter() - self._handler_started
        self._handler_started = None
        attributes = dict(self._action)
        if error is not None or stopped:
            kind = "stopped" if stopped else _error_type(error)  # type: ignore[arg-type]  # one is set
            attributes["error.type"] = kind
            if self._handler is not None:
                self._handler.set_attribute("error.type", kind)
                self._error_status(self._handler)
        if self._handler is not None:
            self._handler.end()
            self._handler = None
        self._otel.handler_duration.record(seconds, attributes)

    def report_started(self, kind: str) -> None:
        self._report = self._child("codepipeline.job.report")
        if self._report is not None:
            self._report.set_attribute(OUTCOME, kind)

    def report_ended(self, error: BaseException | None = None) -> None:
        if self._report is None:
            return
        if error is not None:
            self._report.set_attribute("error.type", _error_type(error))
        self._report.end()
        self._report = None

    def end(self, outcome: str, error: BaseException | None = None) -> None:
        self._otel.jobs.add(1, {**self._action, OUTCOME: outcome})
        if self._span is None:
            return
        self._close_claim(error)
        self.report_ended(error)
        if self._handler is not None:
            self._handler.end()
            self._handler = None
        self._span.set_attribute(OUTCOME, outcome)
        if outcome in ("failed", "errors"):
            if error is not None:
                self._span.set_attribute("error.type", _error_type(error))
            self._error_status(self._span)
        self._span.end()

    @contextlib.contextmanager
    def current(self) -> Generator[None]:
        span = self._handler if self._handler is not None else self._span
        if span is None:
            yield
            return
        with self._otel.trace.use_span(span, end_on_exit=False):
            yield
