"""The telemetry layer on its own: spans and metrics in the SDK's in-memory exporters; none without it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from botocore.exceptions import ClientError

from codepipeline_jobs import (
    ActionContext,
    ActionTypeId,
    AWSSessionCredentials,
    Job,
    JobData,
    PipelineContext,
    StageContext,
)
from codepipeline_jobs import _telemetry as telemetry_module
from codepipeline_jobs._telemetry import (
    API_CALL_DURATION,
    API_CALL_ERRORS,
    HANDLER_DURATION,
    IN_FLIGHT,
    JOB_ID,
    JOB_SPAN,
    JOBS,
    OUTCOME,
    POLLS,
    telemetry,
)
from tests import otel

SECRET_VALUES = [
    "config-secret-value-123", "AKIAJOBSECRETKEY0001", "job-secret-access-key", "session-token-xyz",
]


def action(provider: str) -> ActionTypeId:
    """A custom action type of its own, so that a test's metric points are told apart."""
    return ActionTypeId(category="Build", owner="Custom", provider=provider, version="1")


def a_job(job_id: str = "11111111-2222-4333-8444-555555555555") -> Job:
    """A job carrying secrets: a configuration value and artifact credentials."""
    return Job(
        id=job_id,
        nonce="nonce-1",
        data=JobData(
            action_configuration={"configuration": {"ApiKey": SECRET_VALUES[0]}},  # type: ignore[arg-type]
            artifact_credentials=AWSSessionCredentials(
                access_key_id=SECRET_VALUES[1], secret_access_key=SECRET_VALUES[2],
                session_token=SECRET_VALUES[3],
            ),
            pipeline_context=PipelineContext(
                pipeline_name="my-pipeline", pipeline_execution_id="exec-1",
                stage=StageContext(name="Build"),
                action=ActionContext(name="Compile", action_execution_id="action-exec-1"),
            ),
        ),
    )


@pytest.fixture(autouse=True)
def _sdk() -> None:
    otel.install()


def everything_recorded() -> str:
    """Every attribute of every span and metric point, as one string to search for secrets."""
    parts = [repr(dict(span.attributes or {})) + span.name for span in otel.spans()]
    for name in (JOBS, HANDLER_DURATION, API_CALL_DURATION, API_CALL_ERRORS, IN_FLIGHT, POLLS):
        parts.extend(repr(attributes) for attributes, _ in otel.metric_points(name))
    return "\n".join(parts)


def test_one_job_is_one_span_with_claim_handler_and_report_children() -> None:
    """A job's span names its pipeline, stage, action, type and outcome; its steps are its children."""
    ati = action("SpanBuilder")
    job = a_job()
    recorder = telemetry().job(job.id, ati)
    recorder.claimed(job)
    recorder.handler_started()
    recorder.handler_ended()
    recorder.report_started("succeeded")
    recorder.report_ended()
    recorder.end("succeeded")
    spans = {span.name: span for span in otel.spans()}
    assert set(spans) == {JOB_SPAN, f"{JOB_SPAN}.claim", f"{JOB_SPAN}.handler", f"{JOB_SPAN}.report"}
    root = spans[JOB_SPAN]
    for child in ("claim", "handler", "report"):
        parent = spans[f"{JOB_SPAN}.{child}"].parent
        assert parent is not None
        assert parent.span_id == root.context.span_id
    attributes = dict(root.attributes or {})
    assert attributes[JOB_ID] == job.id
    assert attributes["codepipeline.pipeline.name"] == "my-pipeline"
    assert attributes["codepipeline.pipeline.execution_id"] == "exec-1"
    assert attributes["codepipeline.stage.name"] == "Build"
    assert attributes["codepipeline.action.name"] == "Compile"
    assert attributes["codepipeline.action.execution_id"] == "action-exec-1"
    assert attributes["codepipeline.action_type.provider"] == "SpanBuilder"
    assert attributes[OUTCOME] == "succeeded"
    points = [point for attrs, point in otel.metric_points(JOBS)
              if attrs.get("codepipeline.action_type.provider") == "SpanBuilder"]
    assert [(point.value) for point in points] == [1]
    durations = [point for attrs, point in otel.metric_points(HANDLER_DURATION)
                 if attrs.get("codepipeline.action_type.provider") == "SpanBuilder"]
    assert durations[0].count == 1
    assert not any(secret in everything_recorded() for secret in SECRET_VALUES)


def test_a_failed_handler_marks_the_span_as_an_error_with_its_type_only() -> None:
    """error.type is the exception's type name; its message (which may hold a secret) is nowhere."""
    ati = action("FailingBuilder")
    job = a_job()
    recorder = telemetry().job(job.id, ati)
    recorder.claimed(job)
    recorder.handler_started()
    recorder.handler_ended(RuntimeError(f"cannot use {SECRET_VALUES[0]}"))
    recorder.report_started("failed")
    recorder.report_ended()
    recorder.end("failed")
    spans = {span.name: span for span in otel.spans()}
    handler = spans[f"{JOB_SPAN}.handler"]
    assert dict(handler.attributes or {})["error.type"] == "RuntimeError"
    assert not handler.status.is_ok
    assert not spans[JOB_SPAN].status.is_ok
    assert SECRET_VALUES[0] not in everything_recorded()


def test_a_job_lost_to_another_worker_ends_its_span_as_skipped() -> None:
    """No claim: the span ends with its claim child, outcome skipped, no pipeline attributes."""
    recorder = telemetry().job("lost-job", action("LosingBuilder"))
    recorder.end("skipped")
    names = sorted(span.name for span in otel.spans())
    assert names == [JOB_SPAN, f"{JOB_SPAN}.claim"]
    root = next(span for span in otel.spans() if span.name == JOB_SPAN)
    assert dict(root.attributes or {})[OUTCOME] == "skipped"


class Holding:
    """A stand-in for a worker holding `held` jobs."""

    def __init__(self, held: int) -> None:
        self.held = held

    def count(self) -> int:
        return self.held


def test_polls_api_calls_and_in_flight_are_counted() -> None:
    """Poll results by kind; API call latency by operation, with the error code when one failed."""
    ati = action("MetricBuilder")
    tel = telemetry()
    tel.poll(ati, 2)
    tel.poll(ati, 0)
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "x"}}, "PollForJobs")
    tel.poll(ati, None, throttled)
    tel.api_call("AcknowledgeJob", 0.01)
    tel.api_call("PutJobSuccessResult", 0.02,
                 ClientError({"Error": {"Code": "InternalError", "Message": SECRET_VALUES[0]}}, "P"))
    holding = Holding(2)
    tel.track_in_flight(holding.count, (ati,))
    polls = {attrs["codepipeline.poll.result"]: point.value for attrs, point in otel.metric_points(POLLS)
             if attrs.get("codepipeline.action_type.provider") == "MetricBuilder"}
    assert polls == {"jobs": 1, "empty": 1, "error": 1}
    errors = {attrs["rpc.method"]: attrs["error.type"] for attrs, _ in otel.metric_points(API_CALL_ERRORS)}
    assert errors["PutJobSuccessResult"] == "InternalError"
    methods = {attrs["rpc.method"] for attrs, _ in otel.metric_points(API_CALL_DURATION)}
    assert {"AcknowledgeJob", "PutJobSuccessResult"} <= methods
    held = [point.value for attrs, point in otel.metric_points(IN_FLIGHT)
            if attrs.get("codepipeline.action_type.provider") == "MetricBuilder"]
    assert held == [2]
    holding.held = 0
    assert [point.value for attrs, point in otel.metric_points(IN_FLIGHT)
            if attrs.get("codepipeline.action_type.provider") == "MetricBuilder"] == [0]
    del holding  # a worker that is gone is no longer observed
    assert not [point for attrs, point in otel.metric_points(IN_FLIGHT)
                if attrs.get("codepipeline.action_type.provider") == "MetricBuilder"]
    assert SECRET_VALUES[0] not in everything_recorded()


def test_the_handler_span_is_current_inside_the_handler() -> None:
    """Spans the handler starts itself nest under the job's handler span."""
    from opentelemetry import trace

    recorder = telemetry().job("nesting-job", action("NestingBuilder"))
    recorder.handler_started()
    with recorder.current(), trace.get_tracer("user").start_as_current_span("user.step"):
        pass
    recorder.handler_ended()
    recorder.end("succeeded")
    spans = {span.name: span for span in otel.spans()}
    parent = spans["user.step"].parent
    assert parent is not None
    assert parent.span_id == spans[f"{JOB_SPAN}.handler"].context.span_id


def test_without_the_api_nothing_is_imported_and_nothing_is_emitted() -> None:
    """With opentelemetry not importable, telemetry() is the no-op and the package imports without it."""
    script = textwrap.dedent("""
        import sys, importlib.abc
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "opentelemetry" or name.startswith("opentelemetry."):
                    raise ImportError("blocked")
                return None
        sys.meta_path.insert(0, Block())
        import codepipeline_jobs.worker, codepipeline_jobs.aio, codepipeline_jobs.artifacts
        from codepipeline_jobs._telemetry import telemetry, Telemetry
        chosen = telemetry()
        assert type(chosen) is Telemetry and not chosen.enabled, chosen
        chosen.job("j", None).end("succeeded")
        assert not [m for m in sys.modules if m.startswith("opentelemetry")]
        print("ok")
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_importing_the_workers_does_not_import_opentelemetry() -> None:
    """Even with the API installed, it is imported only when a worker first needs telemetry."""
    script = (
        "import sys, codepipeline_jobs.worker, codepipeline_jobs.aio, codepipeline_jobs.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_the_choice_is_made_once() -> None:
    """telemetry() returns the same object every time (the import is tried once)."""
    assert telemetry() is telemetry()
    assert telemetry_module.telemetry().enabled
