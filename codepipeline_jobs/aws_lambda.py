"""Lambda invoke actions: the typed `Job` from the event, and a decorator that always reports.

CodePipeline invokes a Lambda function with an event of the form
``{"CodePipeline.job": {"id": ..., "accountId": ..., "data": {...}}}``. The
function must report the job's result itself (PutJobSuccessResult or
PutJobFailureResult); one that returns without reporting leaves the action
hanging until it times out.

`job_from_event` reads the event into the same `Job` a custom-action worker
polls, and `job_handler` wraps a function ``func(job, context) -> Outcome``
so that exactly one report is always sent: the function's `Success`,
`Continuation` or `Failure`, a failure describing an exception it raised, or
a failure shortly before the Lambda times out.

Nothing here logs the event, the artifact credentials or the action's
configuration values: log records carry the job id only.

Importing this module is cheap (a Lambda cold start pays for it): the models,
the converter and boto3 clients are loaded when first needed.

Example:
    ```python
    # illustrative
    from codepipeline_jobs.aws_lambda import Continuation, Success, job_handler, json_user_parameters


    @job_handler
    def handler(job, context):
        params = json_user_parameters(job)
        ...
        return Success(output_variables={"deployed": params["service"]})
    ```
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from ._errors import CodePipelineJobsError, MalformedResponseError

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient

    from ._calls import Call
    from ._models import FailureDetails, Job
    from ._outcomes import Continuation, Failure, Outcome, Success

__all__ = [
    "DEFAULT_SAFETY_MARGIN_MS",
    "EVENT_KEY",
    "Continuation",
    "Failure",
    "Success",
    "UserParametersError",
    "job_from_event",
    "job_handler",
    "json_user_parameters",
    "user_parameters",
]

logger = logging.getLogger("codepipeline_jobs.aws_lambda")

EVENT_KEY = "CodePipeline.job"
"""The one member of a CodePipeline Lambda invoke event."""

DEFAULT_SAFETY_MARGIN_MS = 1000
"""How long before the Lambda's timeout a still-running function is reported as failed, in ms."""

#: The configuration property that carries the action's user parameters.
_USER_PARAMETERS = "UserParameters"

#: Shorter strings are not masked: they would mask unrelated text (as in `job_secrets`).
_MIN_SECRET_LENGTH = 4

#: The longest the decorator waits before it reads the remaining time again, in seconds.
_WATCH_INTERVAL_S = 1.0

C = TypeVar("C")

# Outcomes are re-exported lazily (PEP 562) so that importing this module does not
# import the models and the converter until a handler first needs them.
_LAZY = {"Continuation": "._outcomes", "Failure": "._outcomes", "Success": "._outcomes"}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        message = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(message)
    import importlib  # noqa: PLC0415 - only when a name is first touched

    value = getattr(importlib.import_module(module_name, __package__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class UserParametersError(CodePipelineJobsError, ValueError):
    """The action's ``UserParameters`` is not what the function expects (e.g. not valid JSON).

    Raised inside a `job_handler` function, it is reported as a failure of type
    ``ConfigurationError``. Its message never quotes the parameters themselves:
    they are part of the action's configuration, which may hold secrets.
    """


# --- reading the event ----------------------------------------------------------------------


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def job_from_event(event: object) -> Job:
    """Read a CodePipeline Lambda invoke event into a `Job`.

    Real events differ from the API's ``Job``: they have no ``nonce``, no
    ``actionTypeId`` and no ``pipelineContext``, carry JSON ``null`` for absent
    values and keys the API lacks (``artifactCredentials.expirationTime``,
    epoch milliseconds). All of that is accepted; the job id is taken as it is.

    Args:
        event: The event the Lambda function was invoked with.

    Returns:
        The job, with `Job.nonce` ``None`` and `JobData.pipeline_context` ``None``.

    Raises:
        MalformedResponseError: `event` is not a CodePipeline invoke event, or
            a member has the wrong shape; the error names where (e.g.
            ``CodePipeline.job.data.inputArtifacts[0].location``) but never
            quotes a value.

    Example:
        ```python
        from codepipeline_jobs.aws_lambda import job_from_event

        job = job_from_event({"CodePipeline.job": {"id": "11111111-abcd-1111-abcd-111111abcdef", "data": {}}})
        assert job.data.input_artifacts == ()
        ```
    """
    if not isinstance(event, Mapping):
        raise MalformedResponseError(
            "",
            f"expected a CodePipeline Lambda invoke event (an object with a {EVENT_KEY!r} member), "
            f"got {_kind(event)}",
        )
    members: Mapping[str, Any] = event  # pyright: ignore[reportUnknownVariableType]
    if EVENT_KEY not in members:
        raise MalformedResponseError(
            "",
            f"expected a CodePipeline Lambda invoke event (an object with a {EVENT_KEY!r} member), "
            f"got an object without it",
        )
    from ._convert import structure  # noqa: PLC0415 - deferred: keeps the import cheap
    from ._models import Job  # noqa: PLC0415

    return structure(members[EVENT_KEY], Job, path=EVENT_KEY)


def user_parameters(job: Job) -> str | None:
    """The action's ``UserParameters``: a free string set in the pipeline, or ``None``.

    Example:
        ```python
        from codepipeline_jobs.aws_lambda import job_from_event, user_parameters

        job = job_from_event({"CodePipeline.job": {"id": "11111111-abcd-1111-abcd-111111abcdef", "data": {
            "actionConfiguration": {"configuration": {"FunctionName": "f", "UserParameters": "staging"}}}}})
        assert user_parameters(job) == "staging"
        ```
    """
    configuration = job.data.action_configuration
    if configuration is None:
        return None
    return configuration.configuration.get(_USER_PARAMETERS)


def json_user_parameters(job: Job) -> Any:
    """The action's ``UserParameters`` read as JSON, or ``None`` when the action has none.

    Raises:
        UserParametersError: The parameters are not valid JSON. The message
            says where the JSON breaks but does not quote it. Raised inside a
            `job_handler` function, it is reported as a ``ConfigurationError``.

    Example:
        ```python
        from codepipeline_jobs.aws_lambda import job_from_event, json_user_parameters

        job = job_from_event({"CodePipeline.job": {"id": "11111111-abcd-1111-abcd-111111abcdef", "data": {
            "actionConfiguration": {"configuration": {"UserParameters": '{"stage": "prod"}'}}}}})
        assert json_user_parameters(job) == {"stage": "prod"}
        ```
    """
    text = user_parameters(job)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        message = (
            f"{_USER_PARAMETERS} is not valid JSON: {exc.msg} "
            f"(line {exc.lineno}, column {exc.colno} of {len(text)} characters)"
        )
        raise UserParametersError(message) from None


# --- reporting ------------------------------------------------------------------------------


@functools.cache
def _container_client(region: str | None) -> CodePipelineClient:
    """The CodePipeline client of this Lambda container, created on first use."""
    import importlib  # noqa: PLC0415

    from ._redact import install_log_redaction  # noqa: PLC0415

    # Deferred: a cold start pays for boto3 only when a job is reported. Typed as Any:
    # boto3-stubs' overloads of client() cover every service, pyright sees them as unknown.
    boto3: Any = importlib.import_module("boto3")
    client: CodePipelineClient = boto3.client("codepipeline", region_name=region)
    install_log_redaction()
    return client


def _default_client() -> CodePipelineClient:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return _container_client(region)


class _TimedOut:
    """The function was still running when the safety margin was reached."""


_TIMED_OUT = _TimedOut()


def _remaining_ms(context: object) -> float | None:
    """The context's remaining time, or ``None`` when it has no usable clock (no context, a mock)."""
    clock: object = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(clock):
        return None
    value: object = clock()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _call(
    func: Callable[[Job, C], Outcome], job: Job, context: C, margin_ms: int
) -> Outcome | BaseException | _TimedOut:
    """Run the function; its outcome, the exception it raised, or `_TIMED_OUT`.

    With a Lambda context, the function runs in a worker thread while this
    thread watches the remaining time. After a timeout the worker's result is
    never looked at again, so a late result cannot be reported twice.
    """
    remaining_ms = _remaining_ms(context)
    if remaining_ms is None:
        try:
            return func(job, context)
        except BaseException as exc:  # noqa: BLE001 - every exception is reported
            return exc

    box: list[Outcome | BaseException] = []
    done = threading.Event()

    def work() -> None:
        try:
            box.append(func(job, context))
        except BaseException as exc:  # noqa: BLE001 - handed to the watching thread
            box.append(exc)
        finally:
            done.set()

    worker = threading.Thread(
        target=contextvars.copy_context().run, args=(work,), name=f"job-{job.id[:40]}", daemon=True
    )
    worker.start()
    while True:
        budget_ms = remaining_ms - margin_ms
        if budget_ms <= 0:
            return _TIMED_OUT
        if done.wait(min(budget_ms / 1000, _WATCH_INTERVAL_S)):
            return box[0]
        # Read the clock again; a clock that stops working ends the watch at the margin.
        remaining_ms = _remaining_ms(context) or 0.0


def _failure_call(job: Job, details: FailureDetails) -> Call[None]:
    from ._calls import requests  # noqa: PLC0415

    return requests.put_job_failure_result(job.id, details)


def _exception_details(exc: BaseException, job: Job, *, configuration_error: bool = False) -> FailureDetails:
    """`FailureDetails.from_exception`, with the fields of JSON user parameters masked as well."""
    from ._models import FailureDetails  # noqa: PLC0415
    from ._values import FailureType  # noqa: PLC0415

    kind = FailureType.CONFIGURATION_ERROR if configuration_error else FailureType.JOB_FAILED
    # `job_secrets` covers the strings inside JSON UserParameters too.
    return FailureDetails.from_exception(exc, type=kind, job=job)


def _report_call(
    job: Job, result: Outcome | BaseException | _TimedOut, margin_ms: int, client: CodePipelineClient
) -> tuple[Call[None], str]:
    """The one call that reports `result`, and a word for the log."""
    from ._errors import ValidationError  # noqa: PLC0415
    from ._models import FailureDetails  # noqa: PLC0415
    from ._outcomes import Continuation, Failure, report_call  # noqa: PLC0415
    from ._values import FailureType  # noqa: PLC0415

    if isinstance(result, _TimedOut):
        message = (
            f"timed out: the function was still running {margin_ms} ms before the Lambda "
            "timeout, so the job was reported as failed"
        )
        return _failure_call(job, FailureDetails(type=FailureType.JOB_FAILED, message=message)), "timeout"
    if isinstance(result, BaseException):
        logger.warning("job %s: the function raised %s", job.id, type(result).__name__)
        details = _exception_details(
            result, job, configuration_error=isinstance(result, UserParametersError)
        )
        return _failure_call(job, details), "failure"
    try:
        call = report_call(job.id, result)
        call.validate(client.meta.service_model)
    except (TypeError, ValidationError) as exc:
        # The function returned something that cannot be reported as it is (not an
        # outcome, or a value the API refuses): the job fails and says why.
        logger.warning("job %s: the function's result cannot be reported: %s", job.id, type(exc).__name__)
        return _failure_call(job, _exception_details(exc, job)), "failure"
    kind = (
        "failure" if isinstance(result, Failure)
        else "continuation" if isinstance(result, Continuation)
        else "success"
    )
    return call, kind


def _is_invalid_job_state(exc: Exception) -> bool:
    from botocore.exceptions import ClientError  # noqa: PLC0415 - loaded by boto3 already

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == (
        "InvalidJobStateException"
    )


def _handle(
    func: Callable[[Job, C], Outcome],
    event: object,
    context: C,
    client: CodePipelineClient | None,
    margin_ms: int,
) -> None:
    job = job_from_event(event)
    result = _call(func, job, context, margin_ms)
    if client is None:
        client = _default_client()
    from ._calls import run  # noqa: PLC0415

    call, kind = _report_call(job, result, margin_ms, client)
    try:
        run(client, call)
    except Exception as exc:
        if _is_invalid_job_state(exc):
            # The job no longer takes a report: reported already (a lost reply that
            # botocore retried, or the function reported itself). Raising would only
            # make Lambda run the function again.
            logger.warning("job %s: not reported (%s): the job was already reported", job.id, kind)
            return
        logger.error("job %s: reporting %s failed: %s", job.id, kind, type(exc).__name__)
        if isinstance(result, BaseException):
            raise exc from result
        raise
    logger.info("job %s: reported %s", job.id, kind)
    if isinstance(result, BaseException) and not isinstance(result, Exception):
        raise result  # KeyboardInterrupt, SystemExit: reported, then passed on


@overload
def job_handler(func: Callable[[Job, C], Outcome], /) -> Callable[[Any, C], None]: ...


@overload
def job_handler(
    *, client: CodePipelineClient | None = None, safety_margin_ms: int = DEFAULT_SAFETY_MARGIN_MS
) -> Callable[[Callable[[Job, C], Outcome]], Callable[[Any, C], None]]: ...


def job_handler(
    func: Callable[[Job, C], Outcome] | None = None,
    /,
    *,
    client: CodePipelineClient | None = None,
    safety_margin_ms: int = DEFAULT_SAFETY_MARGIN_MS,
) -> Callable[[Any, C], None] | Callable[[Callable[[Job, C], Outcome]], Callable[[Any, C], None]]:
    """Turn ``func(job, context) -> Outcome`` into a Lambda handler that always reports.

    The handler reads the event with `job_from_event`, calls `func` and sends
    exactly one report:

    - `Success` (or ``None``) -> PutJobSuccessResult;
    - `Continuation` -> PutJobSuccessResult with the token: CodePipeline invokes
      the function again with a job whose ``data.continuation_token`` is set;
    - `Failure` -> PutJobFailureResult;
    - an exception -> PutJobFailureResult with the exception's type and text,
      credentials and configuration values masked, cut to the API's limit
      (`UserParametersError` is reported as ``ConfigurationError``). The
      exception is not re-raised, so Lambda does not run the function again;
    - a result the API would refuse (e.g. output variables over the quota) ->
      PutJobFailureResult saying why;
    - still running `safety_margin_ms` before the Lambda's timeout ->
      PutJobFailureResult ("timed out ..."). The function runs in a worker
      thread for this; its late result is never reported.

    If the report itself fails (throttled beyond botocore's retries, the job
    id refused, ...), the error is raised so the invocation fails and Lambda's
    retry can try again. ``InvalidJobStateException`` is not raised: the job
    was already reported.

    Reports go through `client`, or else a CodePipeline client created once per
    Lambda container, on first use, in the region of ``AWS_REGION`` (or
    ``AWS_DEFAULT_REGION``); creating it also installs `install_log_redaction`.

    Args:
        func: The function to wrap; use ``@job_handler`` bare or with options.
        client: The boto3 CodePipeline client to report through.
        safety_margin_ms: How long before the Lambda's timeout to give up on
            `func` and report a failure; the Lambda's timeout must be longer.

    Returns:
        The Lambda handler ``handler(event, context) -> None`` (or, called
        with options only, a decorator that makes one).

    Raises:
        MalformedResponseError: (from the handler) the event is not a
            CodePipeline invoke event; no report is possible without a job id.

    Example:
        ```python
        # illustrative
        @job_handler(safety_margin_ms=3000)
        def handler(job: Job, context: LambdaContext) -> Outcome:
            if job.data.continuation_token is None:
                return Continuation(start_deployment(job))
            if not deployment_done(job.data.continuation_token):
                return Continuation(job.data.continuation_token)
            return Success()
        ```
    """
    margin = cast("object", safety_margin_ms)  # checked: callers may not be type-checked
    if isinstance(margin, bool) or not isinstance(margin, int) or margin < 0:
        message = f"safety_margin_ms must be an integer >= 0, got {margin!r}"
        raise ValueError(message)

    def decorate(function: Callable[[Job, C], Outcome]) -> Callable[[Any, C], None]:
        @functools.wraps(function)
        def handler(event: Any, context: C) -> None:
            _handle(function, event, context, client, safety_margin_ms)

        return handler

    if func is not None:
        return decorate(func)
    return decorate
