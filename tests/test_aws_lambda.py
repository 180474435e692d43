"""Lambda invoke actions: events become jobs, and a decorated handler reports exactly once."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    CodePipelineJobsError,
    ExecutionDetails,
    FailureType,
    Job,
    JobStatus,
    MalformedResponseError,
    S3ArtifactLocation,
    ValidationError,
    acknowledge_job,
    aws_lambda,
    poll_for_jobs,
    put_job_success_result,
    unstructure,
)
from codepipeline_jobs.aws_lambda import (
    Continuation,
    Failure,
    Success,
    UserParametersError,
    job_from_event,
    job_handler,
    json_user_parameters,
    user_parameters,
)
from codepipeline_jobs.testing import FakeCodePipeline

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_codepipeline import CodePipelineClient

    from codepipeline_jobs._outcomes import Outcome

EVENTS = Path(__file__).parent / "events"
FIXTURES = sorted(EVENTS.glob("lambda_invoke_*.json"))
LAMBDA_ACTION = ActionTypeId(
    category=ActionCategory.INVOKE, owner=ActionOwner.CUSTOM, provider="Lambda", version="1"
)
SECRET_CONFIG = "hunter2-db-password-value"
EXPIRATION_MS = 1_712_345_678_000

#: How a report that could not be sent as it was begins (shared by every runtime).
CANNOT_REPORT = "the job handler returned an outcome that cannot be reported"


def load(name: str) -> dict[str, Any]:
    """A fixture event by file name."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def lambda_event(job: Job) -> dict[str, Any]:
    """The event CodePipeline would invoke a function with for `job`, quirks included."""
    data: dict[str, Any] = unstructure(job.data)
    for member in ("actionTypeId", "pipelineContext"):
        data.pop(member, None)
    for member in ("inputArtifacts", "outputArtifacts"):
        data.setdefault(member, [])
        for artifact in data[member]:
            artifact.setdefault("revision", None)
    data["artifactCredentials"]["expirationTime"] = EXPIRATION_MS
    return {"CodePipeline.job": {"id": job.id, "accountId": job.account_id, "data": data}}


def invoke_event(client: CodePipelineClient) -> dict[str, Any]:
    """Do what CodePipeline does before invoking the function: take the queued job, in progress."""
    [job] = poll_for_jobs(client, LAMBDA_ACTION)
    assert acknowledge_job(client, job.id, job.nonce or "") == JobStatus.IN_PROGRESS
    return lambda_event(job)


class FakeContext:
    """A Lambda context whose remaining time runs down with the real clock."""

    def __init__(self, remaining_ms: float) -> None:
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the fake Lambda would be killed."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@pytest.fixture(autouse=True)
def _fresh_container() -> Iterator[None]:
    """Each test starts in a new "container": no cached CodePipeline client."""
    aws_lambda._container_client.cache_clear()
    yield
    aws_lambda._container_client.cache_clear()


@pytest.fixture
def fake() -> FakeCodePipeline:
    """A fake CodePipeline."""
    return FakeCodePipeline()


@pytest.fixture
def fake_client(fake: FakeCodePipeline) -> CodePipelineClient:
    """A real boto3 client answered by the fake."""
    return fake.client()


# --- events -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_fixtures_parse(path: Path) -> None:
    """Every documented event shape reads into a Job without nonce, action type or pipeline context."""
    event = json.loads(path.read_text(encoding="utf-8"))
    job = job_from_event(event)
    assert job.id == event["CodePipeline.job"]["id"]
    assert job.account_id == event["CodePipeline.job"]["accountId"]
    assert job.nonce is None
    assert job.data.action_type_id is None
    assert job.data.pipeline_context is None
    assert job.data.artifact_credentials is not None
    configuration = job.data.action_configuration
    assert configuration is not None
    assert "FunctionName" in configuration.configuration


def test_documented_example_event() -> None:
    """The user guide's example: JSON null revision, expirationTime in epoch ms, a plain UserParameters."""
    job = job_from_event(load("lambda_invoke_basic.json"))
    assert job.id == "11111111-abcd-1111-abcd-111111abcdef"
    [artifact] = job.data.input_artifacts
    assert artifact.revision is None
    assert artifact.location is not None
    assert artifact.location.s3_location == S3ArtifactLocation(
        bucket_name="codepipeline-us-east-2-1234567890", object_key="CodePipelineDemoApplication.zip"
    )
    assert job.data.output_artifacts == ()
    assert job.data.artifact_credentials is not None
    assert job.data.artifact_credentials.expiration_time == 1575493418000
    assert user_parameters(job) == "some-input-such-as-a-URL"
    assert job.data.continuation_token is None
    assert job.data.encryption_key is None


def test_json_parameters_and_encryption_key() -> None:
    """JSON user parameters are decoded; the KMS key and URL-encoded keys come through as sent."""
    job = job_from_event(load("lambda_invoke_json_parameters.json"))
    assert json_user_parameters(job) == {"service": "checkout", "replicas": 3, "dryRun": False}
    assert job.data.encryption_key is not None
    assert job.data.encryption_key.id.startswith("arn:aws:kms:eu-west-1:")
    location = job.data.input_artifacts[0].location
    assert location is not None
    assert location.s3_location is not None
    assert location.s3_location.object_key == "my-pipeline/BuildOutpu/Ab3dE+f%2Bg.zip"


def test_continuation_event_without_user_parameters() -> None:
    """A continuation event carries its token; absent UserParameters read as None."""
    job = job_from_event(load("lambda_invoke_continuation.json"))
    assert job.data.continuation_token == "d-ABCDEF123"
    assert user_parameters(job) is None
    assert json_user_parameters(job) is None


def test_nulls_unknown_members_and_non_uuid_ids_are_accepted() -> None:
    """Null optional members read as absent, unknown members are ignored, the id is taken as it is."""
    job = job_from_event(load("lambda_invoke_nulls.json"))
    assert job.id == "local-test-job-1"
    assert job.data.output_artifacts == ()
    assert job.data.continuation_token is None
    assert job.data.encryption_key is None
    assert job.data.artifact_credentials is not None
    assert job.data.artifact_credentials.expiration_time is None


def test_fixtures_agree_with_powertools() -> None:
    """An independent reader of the same events (Powertools) sees the same id and parameters."""
    powertools = pytest.importorskip("aws_lambda_powertools.utilities.data_classes")
    for path in FIXTURES:
        event = json.loads(path.read_text(encoding="utf-8"))
        theirs = powertools.CodePipelineJobEvent(event)
        ours = job_from_event(event)
        assert theirs.get_id == ours.id
        assert theirs.user_parameters == user_parameters(ours)
        assert theirs.data.continuation_token == ours.data.continuation_token


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (None, "expected a CodePipeline Lambda invoke event .* got null"),
        ([1, 2], "got a list"),
        ({"Records": []}, "'CodePipeline.job' member"),
        ({"CodePipeline.job": "oops"}, r"^CodePipeline\.job: expected an object, got str$"),
        ({"CodePipeline.job": {"data": {}}}, r"^CodePipeline\.job\.id: required member is missing$"),
        ({"CodePipeline.job": {"id": "x"}}, r"^CodePipeline\.job\.data: required member is missing$"),
    ],
)
def test_malformed_events_say_what_was_expected(event: object, expected: str) -> None:
    """Anything but a CodePipeline invoke event raises MalformedResponseError saying what was expected."""
    with pytest.raises(MalformedResponseError, match=expected):
        job_from_event(event)


def test_malformed_member_error_names_the_path_not_the_value() -> None:
    """A bad member deep in the event is named by its path; secrets nearby never reach the message."""
    event = load("lambda_invoke_basic.json")
    event["CodePipeline.job"]["data"]["inputArtifacts"][0]["location"] = "oops"
    event["CodePipeline.job"]["data"]["artifactCredentials"]["secretAccessKey"] = 42
    with pytest.raises(MalformedResponseError) as info:
        job_from_event(event)
    assert info.value.path in {
        "CodePipeline.job.data.inputArtifacts[0].location",
        "CodePipeline.job.data.artifactCredentials.secretAccessKey",
    }
    assert "oops" not in str(info.value)
    assert "ASIAIOSFODNN7EXAMPLE" not in str(info.value)


def test_invalid_json_user_parameters() -> None:
    """Invalid JSON raises UserParametersError (a ValueError) naming UserParameters, not quoting it."""
    event = load("lambda_invoke_basic.json")
    event["CodePipeline.job"]["data"]["actionConfiguration"]["configuration"]["UserParameters"] = (
        '{"password": "' + SECRET_CONFIG + '",'
    )
    job = job_from_event(event)
    with pytest.raises(UserParametersError, match=r"^UserParameters is not valid JSON: ") as info:
        json_user_parameters(job)
    assert isinstance(info.value, ValueError)
    assert SECRET_CONFIG not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


# --- the decorator, end to end through the fake ----------------------------------------------


def test_success_is_reported_exactly_once(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A decorated handler's Success lands as one PutJobSuccessResult with its output variables."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f", "UserParameters": '{"n": 2}'})
    seen: list[Job] = []

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        seen.append(job)
        return Success(output_variables={"double": str(2 * json_user_parameters(job)["n"])})

    assert handler(invoke_event(fake_client), FakeContext(10_000)) is None
    assert [job.id for job in seen] == [job_id]
    fake_job = fake.job(job_id)
    assert fake_job.status == JobStatus.SUCCEEDED
    [report] = fake_job.reports
    assert report.kind == "success"
    assert dict(report.output_variables) == {"double": "4"}
    assert fake.calls.count("PutJobSuccessResult") == 1
    assert "PutJobFailureResult" not in fake.calls


def test_bare_decorator_and_none_means_success(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """``@job_handler`` without options reports a handler returning None as a success."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    aws_lambda._container_client.cache_clear()
    container = aws_lambda._default_client()
    fake.attach(container)

    @job_handler
    def handler(job: Job, context: object) -> None:
        """Do nothing, successfully."""

    handler(invoke_event(fake_client), None)
    assert handler.__name__ == "handler"
    assert handler.__doc__ == "Do nothing, successfully."
    assert [report.kind for report in fake.job(job_id).reports] == ["success"]


def test_continuation_reinvokes_with_the_token(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A Continuation completes this job; the follow-up job's event carries the token to the handler."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    tokens: list[str | None] = []

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        tokens.append(job.data.continuation_token)
        if job.data.continuation_token is None:
            return Continuation("deploy-42", ExecutionDetails(percent_complete=50))
        return Success()

    handler(invoke_event(fake_client), FakeContext(10_000))
    first = fake.job(job_id)
    assert [(r.kind, r.continuation_token) for r in first.reports] == [("success", "deploy-42")]
    assert first.follow_up_job_id is not None
    handler(invoke_event(fake_client), FakeContext(10_000))
    assert tokens == [None, "deploy-42"]
    follow_up = fake.job(first.follow_up_job_id)
    assert [(r.kind, r.continuation_token) for r in follow_up.reports] == [("success", None)]


def test_failure_outcome_is_reported(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A Failure is reported with its message, type and external id."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        return Failure("3 of 120 tests failed", external_execution_id="run-7")

    handler(invoke_event(fake_client), FakeContext(10_000))
    [report] = fake.job(job_id).reports
    assert report.kind == "failure"
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.JOB_FAILED
    assert report.failure_details.message == "3 of 120 tests failed"
    assert report.failure_details.external_execution_id == "run-7"


def test_exception_becomes_one_scrubbed_failure_report(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """An exception is reported as a failure (secrets masked) and swallowed, so Lambda does not retry."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f", "Password": SECRET_CONFIG})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        creds = job.data.artifact_credentials
        assert creds is not None
        msg = f"could not log in with {SECRET_CONFIG} and {creds.secret_access_key}"
        raise RuntimeError(msg)

    event = invoke_event(fake_client)
    secret_key = event["CodePipeline.job"]["data"]["artifactCredentials"]["secretAccessKey"]
    handler(event, FakeContext(10_000))
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    message = report.failure_details.message
    assert message.startswith("RuntimeError: could not log in with ***")
    assert SECRET_CONFIG not in message
    assert secret_key not in message
    assert fake.job(job_id).status == JobStatus.FAILED


def test_user_parameters_error_is_a_configuration_error(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Invalid JSON UserParameters read inside a handler fail the job as ConfigurationError."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f", "UserParameters": "{nope"})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        json_user_parameters(job)
        return Success()

    handler(invoke_event(fake_client), FakeContext(10_000))
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.CONFIGURATION_ERROR
    assert "UserParameters is not valid JSON" in report.failure_details.message


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (42, "TypeError: a job handler must return Success, Continuation, Failure or None, not int"),
        ({"status": "Succeeded"}, "TypeError: a job handler must return Success, Continuation, Failure"),
        (Success(output_variables={"bad key!": "v"}), "ValidationError: outputVariables key"),
        (Failure(""), "ValidationError: failureDetails.message"),
        (Continuation(""), "ValidationError: continuationToken"),
    ],
    ids=["not-an-outcome", "a-dict", "bad-variable-name", "empty-failure-message", "empty-token"],
)
def test_unreportable_results_fail_the_job(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, result: object, expected: str
) -> None:
    """A result the API would refuse fails the job with a message saying why, instead of hanging it."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Any:
        return result

    handler(invoke_event(fake_client), FakeContext(10_000))
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.JOB_FAILED
    assert report.failure_details.message.startswith(f"{CANNOT_REPORT}: {expected}")


def test_any_error_while_preparing_the_report_becomes_a_failure_report(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error of our own while turning the outcome into a call: one failure report saying why, masked."""
    from codepipeline_jobs import _worker_core

    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f", "Password": SECRET_CONFIG})

    def broken_report_call(*_: object, **__: object) -> None:
        raise KeyError(SECRET_CONFIG)

    monkeypatch.setattr(_worker_core, "report_call", broken_report_call)

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        return Success()

    handler(invoke_event(fake_client), None)
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.message == f"{CANNOT_REPORT}: KeyError: '***'"


def test_a_failure_report_that_cannot_even_be_built_is_logged_and_raised(
    fake: FakeCodePipeline,
    fake_client: CodePipelineClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """When not even the fallback failure can be prepared, the job id is logged and the error raised."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    event = invoke_event(fake_client)

    from codepipeline_jobs import _worker_core

    working = _worker_core.failure_call

    def broken(job_id: str, message: str, client_token: str | None = None) -> object:
        if message.startswith("the job handler returned an outcome that cannot be reported"):
            problem = "no failure call today"
            raise RuntimeError(problem)
        return working(job_id, message, client_token)

    monkeypatch.setattr(_worker_core, "failure_call", broken)

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Any:
        return 42

    with caplog.at_level(logging.ERROR, logger="codepipeline_jobs.aws_lambda"), pytest.raises(RuntimeError):
        handler(event, None)
    assert f"job {job_id}: not even a failure report could be prepared: RuntimeError" in caplog.text
    assert fake.job(job_id).reports == ()


def test_reporting_failure_is_raised(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, caplog: pytest.LogCaptureFixture
) -> None:
    """When the report itself fails, the error is raised and logged with the job id; not chained.

    The function's exception is not its cause: its text may hold a secret (its masked
    traceback is in the log), and a chained traceback would print it unmasked.
    """
    fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    event = invoke_event(fake_client)
    event["CodePipeline.job"]["id"] = "99999999-9999-4999-8999-999999999999"  # unknown to the fake
    original = RuntimeError("boom")

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        raise original

    with caplog.at_level(logging.ERROR, logger="codepipeline_jobs.aws_lambda"), pytest.raises(
        ClientError, match="JobNotFoundException"
    ) as info:
        handler(event, FakeContext(10_000))
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    job_id = event["CodePipeline.job"]["id"]
    assert f"job {job_id}: reporting failure failed: JobNotFoundException" in caplog.text
    assert f"job {job_id}: the function raised RuntimeError" in caplog.text


def test_unreportable_job_id_is_raised_without_sending(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A job id the API would refuse (not a lowercase UUID): ValidationError; nothing runs or is sent."""
    event = load("lambda_invoke_nulls.json")

    ran: list[str] = []

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        ran.append(job.id)
        return Success()

    with pytest.raises(ValidationError, match="jobId"):
        handler(event, FakeContext(10_000))
    assert fake.calls == []
    assert ran == []  # nothing it did could have been reported: it does not run


def test_already_reported_job_is_not_raised(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, caplog: pytest.LogCaptureFixture
) -> None:
    """InvalidJobStateException (already reported) is logged, not raised: a Lambda retry cannot help."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        put_job_success_result(fake_client, job.id)
        return Success()

    with caplog.at_level(logging.WARNING, logger="codepipeline_jobs.aws_lambda"):
        handler(invoke_event(fake_client), FakeContext(10_000))
    assert len(fake.job(job_id).reports) == 1
    assert "already reported" in caplog.text


def test_malformed_event_raises_and_reports_nothing(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Without a job id nothing can be reported: the handler raises MalformedResponseError, unsent."""
    called: list[bool] = []

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        called.append(True)
        return None

    with pytest.raises(MalformedResponseError, match=r"CodePipeline\.job"):
        handler({"detail-type": "Scheduled Event"}, FakeContext(10_000))
    assert called == []
    assert fake.calls == []


def test_keyboard_interrupt_is_reported_then_raised(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A BaseException that is not an Exception is reported as a failure, then passed on."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        handler(invoke_event(fake_client), None)
    assert [report.kind for report in fake.job(job_id).reports] == ["failure"]


def test_system_exit_is_reported_then_raised(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """sys.exit() in the function: reported as a failure, then raised again so the process stops."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        sys.exit(3)

    with pytest.raises(SystemExit) as info:
        handler(invoke_event(fake_client), FakeContext(10_000))
    assert info.value.code == 3
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.message == "SystemExit: 3"


class StopEverything(BaseException):
    """A user's own BaseException subclass."""


@pytest.mark.parametrize(
    "exc",
    [GeneratorExit("closing"), StopEverything("stop"), asyncio.CancelledError("cancelled by user code")],
    ids=["GeneratorExit", "user-BaseException", "CancelledError"],
)
def test_other_base_exceptions_are_reported_and_not_raised(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, exc: BaseException
) -> None:
    """GeneratorExit, a user's BaseException, CancelledError: one failure report; the handler returns."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        raise exc

    assert handler(invoke_event(fake_client), FakeContext(10_000)) is None
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.message.startswith(f"{type(exc).__name__}: ")


def test_failed_function_logs_its_masked_traceback(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The log has the whole traceback (frames, chained causes), credentials and configuration masked."""
    password = 'pa"ss\nw\u00f6rd\n{x}'
    job_id = fake.add_job(
        LAMBDA_ACTION,
        configuration={"FunctionName": "f", "UserParameters": json.dumps({"db": {"password": password}})},
    )

    def connect(job: Job) -> None:
        creds = job.data.artifact_credentials
        assert creds is not None
        try:
            raise KeyError(password)  # a repr of the value, quotes and backslashes escaped
        except KeyError as exc:
            message = f"login failed with {creds.secret_access_key}"
            raise ConnectionError(message) from exc

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        connect(job)
        return Success()

    event = invoke_event(fake_client)
    secret_key = event["CodePipeline.job"]["data"]["artifactCredentials"]["secretAccessKey"]
    with caplog.at_level(logging.ERROR, logger="codepipeline_jobs.aws_lambda"):
        handler(event, FakeContext(10_000))
    [record] = [r for r in caplog.records if "the function raised" in r.getMessage()]
    text = record.getMessage()
    assert text.startswith(f"job {job_id}: the function raised ConnectionError; reporting a failure\n")
    assert "Traceback (most recent call last)" in text
    assert "in connect" in text
    assert "The above exception was the direct cause of the following exception" in text
    assert "KeyError: '***'" in text
    assert "ConnectionError: login failed with ***" in text
    for secret in (password, repr(password)[1:-1], json.dumps(password)[1:-1], secret_key):
        assert secret not in text
    assert record.exc_info is None  # formatted and masked here, not left to a handler
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.message == "ConnectionError: login failed with ***"


def test_missing_region_is_a_one_line_error_before_the_function_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without a region anywhere, the handler raises MissingRegionError saying how to set one."""
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    empty = tmp_path / "config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    ran: list[str] = []

    @job_handler
    def handler(job: Job, context: object) -> Outcome:
        ran.append(job.id)
        return Success()

    with pytest.raises(aws_lambda.MissingRegionError) as info:
        handler(load("lambda_invoke_basic.json"), None)
    message = str(info.value)
    assert "\n" not in message
    assert "set AWS_REGION" in message
    assert "job_handler(client=...)" in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__  # no botocore NoRegionError traceback above it
    assert isinstance(info.value, CodePipelineJobsError)
    assert ran == []


def test_a_clock_that_raises_is_no_clock(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A context whose get_remaining_time_in_millis raises: the function runs inline and is reported."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})

    class BrokenContext:
        def get_remaining_time_in_millis(self) -> int:
            message = "no clock here"
            raise RuntimeError(message)

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        return Success()

    handler(invoke_event(fake_client), BrokenContext())
    assert [report.kind for report in fake.job(job_id).reports] == ["success"]


def test_invalid_safety_margin() -> None:
    """A negative or non-integer safety margin is refused when decorating."""
    with pytest.raises(ValueError, match="safety_margin_ms"):
        job_handler(safety_margin_ms=-1)
    with pytest.raises(ValueError, match="safety_margin_ms"):
        job_handler(safety_margin_ms=True)


# --- near the Lambda timeout -------------------------------------------------------------------


def test_near_timeout_reports_failure_once_and_ignores_the_late_result(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Still running at the safety margin: a "timed out" failure; the late Success is never reported."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    release = threading.Event()
    finished = threading.Event()

    @job_handler(client=fake_client, safety_margin_ms=200)
    def handler(job: Job, context: object) -> Outcome:
        try:
            release.wait(timeout=10)
            return Success()
        finally:
            finished.set()

    started = time.monotonic()
    handler(invoke_event(fake_client), FakeContext(350))
    elapsed = time.monotonic() - started
    assert elapsed < 2
    [report] = fake.job(job_id).reports
    assert report.kind == "failure"
    assert report.failure_details is not None
    assert report.failure_details.message.startswith("timed out: ")
    release.set()
    assert finished.wait(timeout=5)
    time.sleep(0.05)  # let the worker thread's return land, were anything to report it
    assert len(fake.job(job_id).reports) == 1
    assert fake.calls.count("PutJobFailureResult") == 1
    assert "PutJobSuccessResult" not in fake.calls


def test_fast_handler_with_context_reports_its_own_result(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A handler that finishes inside the budget has its result reported, not a timeout."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    threads: list[str] = []

    @job_handler(client=fake_client, safety_margin_ms=100)
    def handler(job: Job, context: object) -> Outcome:
        threads.append(threading.current_thread().name)
        return Success()

    handler(invoke_event(fake_client), FakeContext(5_000))
    assert [report.kind for report in fake.job(job_id).reports] == ["success"]
    assert threads == [f"job-{job_id}"]


def test_no_time_left_reports_timeout_at_once(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Invoked with less time than the margin, the job is reported as timed out straight away."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    release = threading.Event()

    @job_handler(client=fake_client, safety_margin_ms=1000)
    def handler(job: Job, context: object) -> Outcome:
        release.wait(timeout=5)
        return None

    try:
        handler(invoke_event(fake_client), FakeContext(500))
    finally:
        release.set()
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert "timed out" in report.failure_details.message


def test_context_without_a_usable_clock_runs_inline(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A context whose clock returns no number (a test mock) runs the function in the calling thread."""
    job_id = fake.add_job(LAMBDA_ACTION, configuration={"FunctionName": "f"})
    threads: list[threading.Thread] = []

    class MockContext:
        def get_remaining_time_in_millis(self) -> object:
            return object()

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        threads.append(threading.current_thread())
        return Success()

    handler(invoke_event(fake_client), MockContext())
    assert threads == [threading.current_thread()]
    assert [report.kind for report in fake.job(job_id).reports] == ["success"]


# --- secrets stay out of logs ------------------------------------------------------------------


def test_logs_carry_no_secret(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, nothing logged (ours or botocore's) carries credentials or configuration values."""
    job_id = fake.add_job(
        LAMBDA_ACTION,
        configuration={"FunctionName": "f", "UserParameters": json.dumps({"token": SECRET_CONFIG})},
    )

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        creds = job.data.artifact_credentials
        assert creds is not None
        msg = f"{SECRET_CONFIG} {creds.secret_access_key} {creds.session_token}"
        raise RuntimeError(msg)

    event = invoke_event(fake_client)
    creds = event["CodePipeline.job"]["data"]["artifactCredentials"]
    with caplog.at_level(logging.DEBUG):
        handler(event, FakeContext(10_000))
    text = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert job_id in caplog.text
    for secret in (SECRET_CONFIG, creds["secretAccessKey"], creds["sessionToken"], creds["accessKeyId"]):
        assert secret not in text


def test_reraised_errors_carry_no_secret(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """The error raised when reporting fails does not quote the event's secrets."""
    event = load("lambda_invoke_basic.json")
    event["CodePipeline.job"]["id"] = "99999999-9999-4999-8999-999999999999"
    creds = event["CodePipeline.job"]["data"]["artifactCredentials"]

    @job_handler(client=fake_client)
    def handler(job: Job, context: object) -> Outcome:
        raise RuntimeError(creds["secretAccessKey"])

    with pytest.raises(ClientError) as info:
        handler(event, FakeContext(10_000))
    for secret in (creds["secretAccessKey"], creds["sessionToken"], creds["accessKeyId"]):
        assert secret not in str(info.value)


# --- the container client, artifacts and import cost -----------------------------------------------


def test_container_client_is_created_once_in_the_lambda_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default client is made once per container, in AWS_REGION (then AWS_DEFAULT_REGION)."""
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    first = aws_lambda._default_client()
    assert first is aws_lambda._default_client()
    assert first.meta.region_name == "eu-west-1"
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert aws_lambda._default_client().meta.region_name == "ap-south-1"


def test_artifact_client_on_a_lambda_job_uses_the_environment_region(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Lambda job has no pipeline ARN: its artifact S3 client takes the region Lambda sets."""
    from codepipeline_jobs import artifacts

    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")  # Lambda sets both
    import boto3.session

    job = job_from_event(load("lambda_invoke_basic.json"))
    # A session made now, as in a fresh container (the module may share one made earlier).
    s3 = artifacts.artifact_s3_client(job, session=boto3.session.Session())
    assert s3.meta.region_name == "eu-central-1"
    assert getattr(s3.meta.config, "signature_version") == "s3v4"  # noqa: B009 - not in the stubs


def test_artifact_download_decodes_a_url_encoded_lambda_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An input artifact whose key arrives URL-encoded in the event is found under its decoded key."""
    import boto3
    import boto3.session
    import moto

    from codepipeline_jobs import artifacts

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    job = job_from_event(load("lambda_invoke_json_parameters.json"))
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-1")
        bucket = "codepipeline-eu-west-1-111122223333"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_object(Bucket=bucket, Key="my-pipeline/BuildOutpu/Ab3dE f+g.zip", Body=b"zip bytes")
        session = boto3.session.Session()  # made inside the mock, so moto serves it
        path = artifacts.download_artifact(job, "BuildOutput", tmp_path / "out.zip", session=session)
    assert path.read_bytes() == b"zip bytes"


def test_import_after_boto3_loads_no_models_or_converter() -> None:
    """Importing the module (a cold start) defers the models, the converter, cattrs and attrs."""
    code = (
        "import sys, boto3\n"
        "import codepipeline_jobs.aws_lambda\n"
        "heavy = {'cattrs', 'attrs', 'attr', 'codepipeline_jobs._models', 'codepipeline_jobs._convert',"
        " 'codepipeline_jobs._outcomes', 'mypy_boto3_codepipeline'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_outcomes_are_re_exported() -> None:
    """Success, Continuation, Failure and Outcome are the core's, importable from aws_lambda."""
    from codepipeline_jobs import _outcomes
    from codepipeline_jobs.aws_lambda import Outcome

    assert aws_lambda.Success is _outcomes.Success
    assert aws_lambda.Continuation is _outcomes.Continuation
    assert aws_lambda.Failure is _outcomes.Failure
    assert Outcome is _outcomes.Outcome
    assert {"Success", "Continuation", "Failure", "Outcome"} <= set(aws_lambda.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = aws_lambda.Nope
