"""`job_handler` reports exactly once, whatever the function returns or raises, and leaks no secret.

Hypothesis draws what the function does (returns a valid outcome, an invalid one, something
that is not an outcome at all, a `Failure` with a plain-string type; raises an `Exception`
built from the job's secrets; raises each kind of `BaseException`), how it is invoked (with a
Lambda context, so in a watched thread, or without), and configuration values full of awkward
characters (quotes, backslashes, newlines, braces, ``%``, non-ASCII). For each case: exactly one
Put*Result reaches the fake and lands on the job, the report says the right thing, nothing on
stderr, and no secret in any form (raw, repr-, JSON-, ASCII-, URL-encoded) in any log record
(ours and botocore's, at DEBUG), in the failure message or in a re-raised exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ExecutionDetails,
    FailureType,
    Job,
    JobStatus,
    acknowledge_job,
    aws_lambda,
    poll_for_jobs,
)
from codepipeline_jobs.aws_lambda import Continuation, Failure, Success, UserParametersError, job_handler
from codepipeline_jobs.testing import FakeCodePipeline
from tests.test_aws_lambda import FakeContext, lambda_event

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_codepipeline import CodePipelineClient

LAMBDA_ACTION = ActionTypeId(
    category=ActionCategory.INVOKE, owner=ActionOwner.CUSTOM, provider="Lambda", version="1"
)
REPORTS = ("PutJobSuccessResult", "PutJobFailureResult")
AWKWARD = ['"', "'", "\\", "\n", "\r", "\t", "{", "}", "[", "%", "+", "&", "=", " ", "/", "é", "ß", "€", "😀"]

def secret_values() -> st.SearchStrategy[str]:
    """Configuration values a person may set: awkward characters between two markers.

    The markers make each value distinctive, so finding it in a log means it leaked.
    """
    body = st.lists(
        st.one_of(st.sampled_from(AWKWARD), st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))),
        min_size=2,
        max_size=24,
    ).map("".join)
    return body.map(lambda text: f"Zq7{text}9xK")

#: How a report that could not be sent as it was begins (shared by every runtime).
CANNOT_REPORT = "the job handler returned an outcome that cannot be reported"


class Secrets:
    """The secrets of one job: its configuration values and its artifact credentials."""

    def __init__(self, password: str, token: str, event: dict[str, Any]) -> None:
        creds = event["CodePipeline.job"]["data"]["artifactCredentials"]
        self.password = password
        self.token = token
        self.secret_key: str = creds["secretAccessKey"]
        self.session_token: str = creds["sessionToken"]
        self.access_key_id: str = creds["accessKeyId"]
        self.configuration: dict[str, str] = event["CodePipeline.job"]["data"]["actionConfiguration"][
            "configuration"
        ]

    def forms(self) -> set[str]:
        """Every secret in every form it could take in a message."""
        found: set[str] = set()
        for secret in (self.password, self.token, self.secret_key, self.session_token, self.access_key_id):
            found |= {
                secret,
                repr(secret)[1:-1],
                ascii(secret)[1:-1],
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1],
                quote(secret, safe=""),
                quote_plus(secret, safe=""),
            }
        return found

    def leaked(self, text: str) -> list[str]:
        """The forms of secrets found in `text`."""
        return sorted(form for form in self.forms() if form in text)


class Broken(Exception):
    """An exception whose text cannot be read."""

    def __str__(self) -> str:
        message = "no text for you"
        raise RuntimeError(message)


class UserBase(BaseException):
    """A user's own BaseException subclass."""


def _chained(s: Secrets) -> BaseException:
    try:
        raise KeyError(s.password)
    except KeyError as inner:
        outer = RuntimeError("the deployment failed")
        outer.__cause__ = inner
        return outer


#: What the function raises, built from the job's secrets: (name, factory, is a BaseException only).
RAISES: list[tuple[str, Callable[[Secrets], BaseException]]] = [
    ("runtime-raw", lambda s: RuntimeError(f"could not log in with {s.password} / {s.secret_key}")),
    ("key-error-repr", lambda s: KeyError(s.password)),
    ("json-config", lambda s: ValueError(json.dumps(s.configuration))),
    ("json-config-ascii", lambda s: ValueError(json.dumps(s.configuration, ensure_ascii=True))),
    ("url-encoded", lambda s: OSError(
        f"GET https://h/x?X-Amz-Security-Token={quote_plus(s.session_token)}&p={quote(s.password, safe='')}"
    )),
    ("repr-of-list", lambda s: TypeError(repr([s.password, s.token]))),
    ("ascii", lambda s: UnicodeError(ascii(s.token))),
    ("chained", _chained),
    ("user-parameters", lambda s: UserParametersError("UserParameters is missing 'stage'")),
    ("broken-str", lambda s: Broken()),
    ("empty", lambda s: RuntimeError()),
    ("system-exit-0", lambda s: SystemExit(0)),
    ("system-exit-3", lambda s: SystemExit(3)),
    ("system-exit-text", lambda s: SystemExit(f"stopping: {s.password}")),
    ("keyboard-interrupt", lambda s: KeyboardInterrupt(s.token)),
    ("generator-exit", lambda s: GeneratorExit(s.password)),
    ("user-base-exception", lambda s: UserBase(f"custom {s.token}")),
    ("cancelled", lambda s: asyncio.CancelledError(s.password)),
]

def untyped(value: object) -> Any:
    """`value` hidden from the type checkers: what an untyped caller passes, right or wrong."""
    return value


#: Outcomes, by what the decorator should make of them; each built when the function returns it
#: (building a wrong one may raise, once value sets check their values: that is a raise).
VALID: list[tuple[str, Callable[[], object]]] = [
    ("none", lambda: None),
    ("success", Success),
    ("variables", lambda: Success(output_variables={"version": "1.4.2"})),
    ("details", lambda: Success(execution_details=ExecutionDetails(summary="done", percent_complete=100))),
    ("continuation", lambda: Continuation("deploy-42", ExecutionDetails(percent_complete=50))),
    ("failure", lambda: Failure("3 of 120 tests failed")),
    ("configuration-error", lambda: Failure(
        "bad configuration", FailureType.CONFIGURATION_ERROR, external_execution_id="run-7"
    )),
]
INVALID: list[tuple[str, Callable[[], object]]] = [
    ("bad-variable-name", lambda: Success(output_variables={"bad key!": "v"})),
    ("variables-over-quota", lambda: Success(output_variables={"k": "v" * 130_000})),
    ("empty-message", lambda: Failure("")),
    ("long-message", lambda: Failure("m" * 5001)),
    ("empty-token", lambda: Continuation("")),
    ("long-token", lambda: Continuation("t" * 2049)),
]
WRONG_TYPES: list[tuple[str, Callable[[], object]]] = [
    ("int", lambda: 42),
    ("dict", lambda: {"status": "Succeeded"}),
    ("str", lambda: "Success"),
    ("list", lambda: [Success()]),
    ("object", object),
    ("bool", lambda: True),
    ("class", lambda: Success),
]
PLAIN_STRINGS: list[tuple[str, Callable[[], object]]] = [
    ("configuration-error", lambda: Failure("bad config", untyped("ConfigurationError"))),
    ("permission-error", lambda: Failure("no access", untyped("PermissionError"))),
    ("job-failed", lambda: Failure("it broke", untyped("JobFailed"))),
    ("unknown-type", lambda: Failure("who knows", untyped("Bogus"))),
    ("int-type", lambda: Failure("not a string", untyped(42))),
    ("str-details", lambda: Success(execution_details=untyped("50%"))),
    ("int-token", lambda: Continuation(untyped(123))),
]
RETURNS = [
    ("return", f"{case}:{name}", build)
    for case, outcomes in (
        ("valid", VALID), ("invalid", INVALID), ("wrong-type", WRONG_TYPES), ("plain-string", PLAIN_STRINGS)
    )
    for name, build in outcomes
]

BEHAVIOURS = st.one_of(
    st.sampled_from(RETURNS),
    st.sampled_from([("raise", name, factory) for name, factory in RAISES]),
)


class Records(logging.Handler):
    """Every log record, formatted with its traceback, at DEBUG level and up."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@contextlib.contextmanager
def everything_logged() -> Iterator[Records]:
    """Capture every record (botocore's DEBUG bodies included) on the root logger."""
    root = logging.getLogger()
    records = Records()
    level = root.level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(records)
        root.setLevel(level)


class World:
    """One fake CodePipeline and client for all the examples of a test."""

    def __init__(self) -> None:
        self.fake = FakeCodePipeline()
        self.client: CodePipelineClient = self.fake.client()

    def invoke_event(self, configuration: dict[str, str]) -> tuple[str, dict[str, Any]]:
        """Queue a job, take it as CodePipeline does before invoking the function, build its event."""
        job_id = self.fake.add_job(LAMBDA_ACTION, configuration=configuration)
        [job] = poll_for_jobs(self.client, LAMBDA_ACTION)
        assert job.id == job_id
        assert acknowledge_job(self.client, job.id, job.nonce or "") == JobStatus.IN_PROGRESS
        return job_id, lambda_event(job)


def check_raised(exc: BaseException, report: Any) -> None:
    """The one report of a function that raised `exc`: a failure naming it."""
    assert report.kind == "failure"
    details = report.failure_details
    assert details is not None
    configuration_error = isinstance(exc, UserParametersError)
    expected = FailureType.CONFIGURATION_ERROR if configuration_error else FailureType.JOB_FAILED
    assert details.type == expected
    assert details.message.startswith(type(exc).__name__)


def check_returned(case: str, outcome: object, report: Any) -> None:
    """The one report of a function that returned `outcome`."""
    details = report.failure_details
    if case.startswith("valid:"):
        if isinstance(outcome, Failure):
            assert report.kind == "failure"
            assert details == outcome.details()
        elif isinstance(outcome, Continuation):
            assert (report.kind, report.continuation_token) == ("success", outcome.continuation_token)
        else:
            assert (report.kind, report.continuation_token) == ("success", None)
        return
    assert report.kind == "failure"
    assert details is not None
    normalised = isinstance(outcome, Failure) and details.message == outcome.message
    if case.startswith("plain-string:") and normalised:
        # A plain-string type made a FailureType when the outcome was built: reported as it is.
        assert isinstance(outcome, Failure)
        assert details.type == FailureType(str(outcome.type))
        return
    assert details.type == FailureType.JOB_FAILED
    assert details.message.startswith(f"{CANNOT_REPORT}: "), details.message


def check_report(kind: str, case: str, what: Any, report: Any, secrets: Secrets) -> None:
    """The one report says what the function did."""
    if kind == "raise":
        check_raised(what(secrets), report)
        return
    try:
        outcome = what()
    except Exception as refused:  # noqa: BLE001 - an outcome refused when built: the function raised
        check_raised(refused, report)
        return
    check_returned(case, outcome, report)


def run_case(
    world: World, behaviour: tuple[str, str, Any], context_kind: str, password: str, token: str
) -> None:
    """Invoke a decorated function once and check everything about what followed."""
    kind, case, what = behaviour
    configuration = {
        "FunctionName": "deploy",
        "Password": password,
        "UserParameters": json.dumps({"token": token, "stage": "prod"}),
    }
    job_id, event = world.invoke_event(configuration)
    secrets = Secrets(password, token, event)

    @job_handler(client=world.client)
    def handler(job: Job, context: object) -> Any:
        if kind == "raise":
            raise what(secrets)
        return what()

    context = FakeContext(60_000) if context_kind == "lambda-context" else None
    calls_before = len(world.fake.calls)
    stderr = io.StringIO()
    raised: BaseException | None = None
    with everything_logged() as records, contextlib.redirect_stderr(stderr):
        try:
            assert handler(event, context) is None
        except (SystemExit, KeyboardInterrupt) as exc:
            raised = exc
    reports = [call for call in world.fake.calls[calls_before:] if call in REPORTS]
    assert len(reports) == 1, reports
    [report] = world.fake.job(job_id).reports
    check_report(kind, case, what, report, secrets)

    passed_on = isinstance(what(secrets), (SystemExit, KeyboardInterrupt)) if kind == "raise" else False
    assert (raised is not None) == passed_on
    texts = {
        "log": "\n".join(records.lines),
        "stderr": stderr.getvalue(),
        "failure message": report.failure_details.message if report.failure_details else "",
        "raised": f"{raised!s} {raised!r}" if raised is not None else "",
    }
    for where, text in texts.items():
        assert not secrets.leaked(text), f"a secret leaked into the {where}: {secrets.leaked(text)}"
    assert texts["stderr"] == ""
    if kind == "raise":
        assert f"job {job_id}: the function raised" in texts["log"]
        assert "Traceback (most recent call last)" in texts["log"]
    assert any(job_id in line for line in records.lines)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    behaviour=BEHAVIOURS,
    context_kind=st.sampled_from(["no-context", "lambda-context"]),
    password=secret_values(),
    token=secret_values(),
)
def test_exactly_one_report_and_no_secret_whatever_the_function_does(
    behaviour: tuple[str, str, Any], context_kind: str, password: str, token: str
) -> None:
    """Every (behaviour x invocation x configuration) case: one report, the right one, nothing leaked."""
    run_case(World(), behaviour, context_kind, password, token)


@pytest.mark.parametrize(
    "behaviour", [("raise", name, factory) for name, factory in RAISES], ids=lambda b: b[1]
)
@pytest.mark.parametrize("context_kind", ["no-context", "lambda-context"])
def test_every_raise_kind_once(behaviour: tuple[str, str, Any], context_kind: str) -> None:
    """Each kind of exception, in both invocation modes, at least once whatever hypothesis draws."""
    run_case(World(), behaviour, context_kind, "Zq7pa'ss\"wo\nrd\\9xK", "Zq7tok{en}%2B é9xK")


@pytest.mark.parametrize("behaviour", RETURNS, ids=lambda b: b[1])
def test_every_outcome_once(behaviour: tuple[str, str, Any]) -> None:
    """Each outcome, at least once whatever hypothesis draws."""
    run_case(World(), behaviour, "no-context", "Zq7pa'ss\"wo\nrd\\9xK", "Zq7tok{en}%2B é9xK")


def test_system_exit_keeps_its_code_and_masks_its_text() -> None:
    """SystemExit is reported, then raised again: an int code kept, a text code masked."""
    world = World()
    for code in (0, 3, None):
        job_id, event = world.invoke_event({"FunctionName": "f", "Password": "Zq7hunter2-pass9xK"})

        @job_handler(client=world.client)
        def exits(job: Job, context: object, code: int | None = code) -> None:
            sys.exit(code)

        with pytest.raises(SystemExit) as info:
            exits(event, None)
        assert info.value.code == code
        assert [r.kind for r in world.fake.job(job_id).reports] == ["failure"]
    job_id, event = world.invoke_event({"FunctionName": "f", "Password": "Zq7hunter2-pass9xK"})

    @job_handler(client=world.client)
    def exits_with_text(job: Job, context: object) -> None:
        sys.exit("giving up: the password Zq7hunter2-pass9xK was refused")

    with pytest.raises(SystemExit) as info:
        exits_with_text(event, FakeContext(10_000))
    assert info.value.code == "giving up: the password *** was refused"
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    [report] = world.fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.message == "SystemExit: giving up: the password *** was refused"


def test_nothing_unmasked_reaches_stderr_without_logging_configured(tmp_path: Any) -> None:
    """In a fresh interpreter with no logging set up: a raising function prints nothing at all;
    a KeyboardInterrupt's traceback and a SystemExit's message, printed by Python, are masked."""
    script = textwrap.dedent(
        """
        import sys
        from codepipeline_jobs import (
            ActionCategory, ActionOwner, ActionTypeId, acknowledge_job, poll_for_jobs,
        )
        from codepipeline_jobs.aws_lambda import job_handler
        from codepipeline_jobs.testing import FakeCodePipeline
        from tests.test_aws_lambda import lambda_event

        action = ActionTypeId(
            category=ActionCategory.INVOKE, owner=ActionOwner.CUSTOM, provider="Lambda", version="1"
        )
        fake = FakeCodePipeline()
        client = fake.client()
        SECRET = "Zq7hunter2-pass9xK"

        def event():
            fake.add_job(action, configuration={"FunctionName": "f", "Password": SECRET})
            [job] = poll_for_jobs(client, action)
            acknowledge_job(client, job.id, job.nonce or "")
            return lambda_event(job)

        @job_handler(client=client)
        def fails(job, context):
            raise KeyError(SECRET)

        @job_handler(client=client)
        def interrupted(job, context):
            raise KeyboardInterrupt(SECRET)

        @job_handler(client=client)
        def exits(job, context):
            sys.exit("stopping: " + SECRET)

        fails(event(), None)
        print("reported", [r.kind for j in fake.jobs() for r in j.reports], flush=True)
        WHICH(event(), None)
        """
    )
    results = {}
    for which in ("interrupted", "exits"):
        results[which] = subprocess.run(
            [sys.executable, "-c", script.replace("WHICH", which)],
            capture_output=True, text=True, timeout=120, check=False,
        )
    interrupted, exits = results["interrupted"], results["exits"]
    assert interrupted.stdout == exits.stdout == "reported ['failure']\n"
    for result in (interrupted, exits):
        assert "Zq7hunter2-pass9xK" not in result.stderr
    assert interrupted.returncode != 0
    assert interrupted.stderr.rstrip().endswith("KeyboardInterrupt")
    assert "Traceback" in interrupted.stderr
    assert exits.returncode == 1
    assert exits.stderr == "stopping: ***\n"


def test_report_that_fails_to_land_is_logged_with_the_job_id(caplog: pytest.LogCaptureFixture) -> None:
    """A report still refused after botocore's retries is logged (job id, masked) and raised."""
    world = World()
    job_id, event = world.invoke_event({"FunctionName": "f", "Password": "Zq7hunter2-pass9xK"})
    world.fake.inject_fault("PutJobFailureResult", "throttle", times=100)

    @job_handler(client=world.client)
    def fails(job: Job, context: object) -> None:
        message = "refused: Zq7hunter2-pass9xK"
        raise RuntimeError(message)

    started = time.monotonic()
    errors_only = caplog.at_level(logging.ERROR, logger="codepipeline_jobs.aws_lambda")
    with errors_only, pytest.raises(Exception) as info:  # noqa: PT011 - botocore's throttling error
        fails(event, None)
    assert time.monotonic() - started < 60
    assert "Throttling" in type(info.value).__name__ + str(info.value)
    assert f"job {job_id}: reporting failure failed" in caplog.text
    assert "Zq7hunter2-pass9xK" not in caplog.text
    assert world.fake.job(job_id).reports == ()
    assert world.fake.job(job_id).status == JobStatus.IN_PROGRESS


def test_the_report_preparation_is_one_private_function() -> None:
    """The preparation to be swapped for the shared one: `_prepare_report(job, result, margin_ms, model)`."""
    job = aws_lambda.job_from_event(
        {"CodePipeline.job": {"id": "11111111-2222-4333-8444-555555555555", "data": {}}}
    )
    model = World().client.meta.service_model
    call, kind = aws_lambda._prepare_report(job, Failure("x", untyped("Bogus")), 1000, model)
    assert (call.operation, kind) == ("PutJobFailureResult", "failure")
    call, kind = aws_lambda._prepare_report(job, Success(), 1000, model)
    assert (call.operation, kind) == ("PutJobSuccessResult", "success")
    call, kind = aws_lambda._prepare_report(job, aws_lambda._TIMED_OUT, 1000, model)
    assert (call.operation, kind) == ("PutJobFailureResult", "timeout")
