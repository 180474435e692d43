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
configuration values: log records carry the job id, what was reported and,
for a function that raised, its traceback with every credential and
configuration value masked (in the forms a message quotes them: raw,
repr-, JSON- and URL-encoded).

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
import importlib
import json
import logging
import os
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from ._errors import CodePipelineJobsError, MalformedResponseError

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient

    from ._calls import Call
    from ._models import Job
    from ._outcomes import Continuation, Failure, Outcome, Success

__all__ = [
    "DEFAULT_SAFETY_MARGIN_MS",
    "EVENT_KEY",
    "Continuation",
    "Failure",
    "MissingRegionError",
    "Outcome",
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

#: The longest the decorator waits before it reads the remaining time again, in seconds.
_WATCH_INTERVAL_S = 1.0

C = TypeVar("C")

# Outcomes are re-exported lazily (PEP 562) so that importing this module does not
# import the models and the converter until a handler first needs them.
_LAZY = {
    "Continuation": "._outcomes", "Failure": "._outcomes", "Outcome": "._outcomes", "Success": "._outcomes",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        message = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(message)
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
    from ._convert import structure  # noqa: PLC0415 - lazy (first job): the models layer, ~24 ms
    from ._models import Job  # noqa: PLC0415 - lazy (first job)

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


class MissingRegionError(CodePipelineJobsError):
    """No AWS region is configured for the CodePipeline client the decorator reports through.

    Lambda always sets ``AWS_REGION``; a local run (a test, a script) may not.
    Raised by the handler before the function runs, since nothing it did could
    be reported. Set ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``, or a region in
    the AWS config file), or pass ``job_handler(client=...)``.
    """


_NO_REGION = (
    "no AWS region to report the job to CodePipeline in: set AWS_REGION "
    "(Lambda sets it; for a local run e.g. AWS_REGION=eu-west-1), or pass job_handler(client=...)"
)


@functools.cache
def _container_client(region: str | None) -> CodePipelineClient:
    """The CodePipeline client of this Lambda container, created on first use."""
    import boto3  # noqa: PLC0415 - lazy (boto3): ~160 ms, only at the first client
    from botocore.exceptions import NoRegionError  # noqa: PLC0415 - lazy (boto3)

    from ._redact import install_log_redaction  # noqa: PLC0415 - lazy (first job)

    # Typed as Any: boto3-stubs' overloads of client() cover every service, pyright sees them
    # as unknown.
    session: Any = boto3
    try:
        client: CodePipelineClient = session.client("codepipeline", region_name=region)
    except NoRegionError:
        raise MissingRegionError(_NO_REGION) from None
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
    try:
        value: object = clock()
    except Exception:  # noqa: BLE001 - a broken clock is no clock; the job is still reported
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _call(
    func: Callable[[Job, C], Outcome], job: Job, context: C, margin_ms: int
) -> Outcome | BaseException | _TimedOut:
    """Run the function; its outcome, the exception it raised, or `_TIMED_OUT`. Never raises.

    With a Lambda context, the function runs in a worker thread while this
    thread watches the remaining time. After a timeout the worker's result is
    never looked at again, so a late result cannot be reported twice.
    """
    try:
        remaining_ms = _remaining_ms(context)
        if remaining_ms is None:
            try:
                return func(job, context)
            except BaseException as exc:  # noqa: BLE001 - every exception is reported
                return exc
        return _watched(func, job, context, margin_ms, remaining_ms)
    except Exception as exc:  # noqa: BLE001 - our own machinery failed (no thread, ...): report it
        return exc


def _watched(
    func: Callable[[Job, C], Outcome], job: Job, context: C, margin_ms: int, remaining_ms: float
) -> Outcome | BaseException | _TimedOut:
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


def _secret_forms(job: Job) -> list[str]:
    """The job's secrets (the strings inside JSON ``UserParameters`` included).

    `scrub` masks each in every form it takes in messages (repr-, JSON-, URL-,
    unicode-escaped), so the raw values are all it needs.
    """
    from ._redact import job_secrets  # noqa: PLC0415 - lazy (first job)

    return job_secrets(job)


def _masked(text: str, secrets: list[str]) -> str:
    from ._redact import scrub  # noqa: PLC0415 - lazy (first job)

    return scrub(text, secrets)


def _log_traceback(job: Job, exc: BaseException, secrets: list[str]) -> None:
    """Log the masked traceback of what the function raised."""
    try:
        trace = "".join(traceback.format_exception(exc)).rstrip()
    except Exception:  # noqa: BLE001 - a traceback that cannot be formatted must not stop the report
        trace = f"{type(exc).__name__} (the traceback could not be formatted)"
    logger.error(
        "job %s: the function raised %s; reporting a failure\n%s",
        job.id, type(exc).__name__, _masked(trace, secrets),
    )


class _JobPrefix(logging.LoggerAdapter):  # type: ignore[type-arg]  # generic only in typeshed
    """Prefixes a message with ``job ID:``, as every line of the decorator is."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"job {(self.extra or {}).get('job_id')}: {msg}", kwargs


def _prepare_report(
    job: Job, result: Outcome | BaseException | _TimedOut, margin_ms: int, service_model: Any
) -> tuple[Call[None], str]:
    """The one call that reports `result`, and a word for the log; whatever `result` is.

    The decorator prepares its report with the workers' own `prepare_report`, so
    the three runtimes agree on what every outcome becomes: an outcome its
    report; anything that cannot be reported (not an outcome, a value the API
    refuses, any error of our own) a failure saying why, masked. What only a
    Lambda function has is decided here first: an exception (any
    `BaseException`) is a failure with its masked text, its masked traceback
    logged (``ConfigurationError`` for `UserParametersError` and `InvalidConfigurationError`); a timeout a
    "timed out" failure. Raises only if even a failure report cannot be built
    (logged with the job id first).
    """
    from ._outcomes import Failure  # noqa: PLC0415 - lazy (first job)
    from ._values import FailureType  # noqa: PLC0415 - lazy (first job)
    from ._worker_core import exception_message, failure_type_of, prepare_report  # noqa: PLC0415 - lazy (first job)

    secrets = _secret_forms(job)
    outcome: object = result
    word: str | None = None
    try:
        if isinstance(result, _TimedOut):
            outcome = Failure(
                f"timed out: the function was still running {margin_ms} ms before the Lambda "
                "timeout, so the job was reported as failed"
            )
            word = "timeout"
        elif isinstance(result, BaseException):
            _log_traceback(job, result, secrets)
            kind = (
                FailureType.CONFIGURATION_ERROR if isinstance(result, UserParametersError)
                else failure_type_of(result)  # InvalidConfigurationError too, as in the workers
            )
            outcome = Failure(exception_message(result, secrets), kind)
        call, reported = prepare_report(
            job.id, outcome, secrets=secrets, service_model=service_model,
            log=_JobPrefix(logger, {"job_id": job.id}),
        )
    except Exception as exc:
        logger.error("job %s: not even a failure report could be prepared: %s", job.id, type(exc).__name__)
        raise
    return call, word or _WORDS[reported]


#: The word each kind of report has in the decorator's log lines.
_WORDS = {"succeeded": "success", "failed": "failure", "continued": "continuation"}


def _is_invalid_job_state(exc: Exception) -> bool:
    from botocore.exceptions import ClientError  # noqa: PLC0415 - lazy (boto3)

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == (
        "InvalidJobStateException"
    )


def _check_reportable(job: Job, service_model: Any) -> None:
    """Raise `ValidationError` now, before the function runs, if no report could name this job."""
    from ._worker_core import failure_call  # noqa: PLC0415 - lazy (first job)

    failure_call(job.id, "check").validate(service_model)


def _pass_on(result: Outcome | BaseException | _TimedOut, secrets: list[str]) -> None:
    """Raise `SystemExit` / `KeyboardInterrupt` again once reported: the process was asked to stop.

    A fresh exception of the same kind, so that nothing the function put in it
    reaches stderr unmasked: the exit code is kept, a text exit message masked.
    Every other exception stays reported and swallowed.
    """
    if isinstance(result, SystemExit):
        code = result.code
        kept = code if code is None or isinstance(code, int) else _masked(str(code), secrets)
        raise SystemExit(kept) from None
    if isinstance(result, KeyboardInterrupt):
        raise KeyboardInterrupt from None


def _handle(
    func: Callable[[Job, C], Outcome],
    event: object,
    context: C,
    client: CodePipelineClient | None,
    margin_ms: int,
) -> None:
    job = job_from_event(event)
    if client is None:
        client = _default_client()
    service_model = client.meta.service_model
    _check_reportable(job, service_model)
    result = _call(func, job, context, margin_ms)
    call, kind = _prepare_report(job, result, margin_ms, service_model)
    from ._calls import run  # noqa: PLC0415 - lazy (first job)

    try:
        run(client, call)
    except Exception as exc:
        if _is_invalid_job_state(exc):
            # The job no longer takes a report: reported already (a lost reply that
            # botocore retried, or the function reported itself). Raising would only
            # make Lambda run the function again.
            logger.warning("job %s: not reported (%s): the job was already reported", job.id, kind)
        else:
            from ._redact import describe_exception  # noqa: PLC0415 - lazy (first job)

            logger.error(
                "job %s: reporting %s failed: %s",
                job.id, kind, _masked(describe_exception(exc, job=job), _secret_forms(job)),
            )
            # Not chained to what the function raised: its text may hold a secret, and
            # its masked traceback is in the log already.
            raise exc from None
    else:
        logger.info("job %s: reported %s", job.id, kind)
    _pass_on(result, _secret_forms(job))


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
    exactly one report, whatever `func` returns or raises:

    - `Success` (or ``None``) -> PutJobSuccessResult;
    - `Continuation` -> PutJobSuccessResult with the token: CodePipeline invokes
      the function again with a job whose ``data.continuation_token`` is set;
    - `Failure` -> PutJobFailureResult;
    - an exception (any `BaseException`) -> PutJobFailureResult with the
      exception's type and text, credentials and configuration values masked,
      cut to the API's limit (`UserParametersError` is reported as
      ``ConfigurationError``); its traceback, masked the same way, is logged
      at ERROR level. The exception is not re-raised, so Lambda does not run
      the function again - except `SystemExit` and `KeyboardInterrupt`, which
      ask the process to stop: reported first, then raised again (a fresh one
      of the same kind: the exit code kept, a text exit message masked);
    - anything that cannot be reported as it is (not an outcome at all, a value
      the API refuses such as output variables over the quota, a failure type
      that is not a `FailureType`) -> PutJobFailureResult saying why
      (``"the job handler returned an outcome that cannot be reported: ..."``);
    - still running `safety_margin_ms` before the Lambda's timeout ->
      PutJobFailureResult ("timed out ..."). The function runs in a worker
      thread for this; its late result is never reported.

    If the report itself fails (throttled beyond botocore's retries, the job
    id refused, ...), the error is logged with the job id and raised (not
    chained to what the function raised, whose text may hold a secret) so the
    invocation fails and Lambda's retry can try again.
    ``InvalidJobStateException`` is not raised: the job was already reported.

    Reports go through `client`, or else a CodePipeline client created once per
    Lambda container, on first use, in the region of ``AWS_REGION`` (or
    ``AWS_DEFAULT_REGION``, or the AWS config file); creating it also installs
    `install_log_redaction`.

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
        MissingRegionError: (from the handler, before `func` runs) no client
            was given and no AWS region is configured.
        ValidationError: (from the handler, before `func` runs) the job id is
            one the API refuses, so no report could name the job.

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
