"""Lambda invoke actions on the fake: lambda_event, its round trips, and serve_new_clients()."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import sys
import textwrap
import threading
import time
from typing import TYPE_CHECKING, Any

import attrs
import boto3
import boto3.session
import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.client import BaseClient
from hypothesis import given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    Artifact,
    EncryptionKey,
    EncryptionKeyType,
    FailureType,
    Job,
    JobStatus,
    PipelineExecutionStatus,
    acknowledge_job,
    aws_lambda,
    get_pipeline_execution,
    poll_for_jobs,
)
from codepipeline_jobs.aws_lambda import Continuation, Failure, Success, job_from_event, job_handler
from codepipeline_jobs.testing import LAMBDA_INVOKE, FakeCodePipeline
from tests.conftest import ACTION, PARTNER_ACTION, RawReply, json_reply
from tests.strategies import models

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mypy_boto3_codepipeline import CodePipelineClient

SECRET_PARAMETERS = '{"password": "hunter2-db-password-value"}'


@pytest.fixture(autouse=True)
def _fresh_container() -> Iterator[None]:
    """No CodePipeline client of job_handler is kept from one test to the next."""
    aws_lambda._container_client.cache_clear()
    yield
    aws_lambda._container_client.cache_clear()


def lambda_job(fake: FakeCodePipeline, **kwargs: Any) -> str:
    """A Lambda invoke job of function `deploy`."""
    kwargs.setdefault("configuration", {"FunctionName": "deploy", "UserParameters": "staging"})
    return fake.add_job(LAMBDA_INVOKE, **kwargs)


def expected_job(fake: FakeCodePipeline, job_id: str) -> Job:
    """What job_from_event must read from the job's event: the fake's data minus what events lack."""
    data = fake.job(job_id).data
    return Job(
        id=job_id,
        account_id=fake.account_id,
        data=attrs.evolve(data, action_type_id=None, pipeline_context=None),
    )


# --- the event --------------------------------------------------------------------------------------


def test_the_event_has_the_shape_of_a_real_one(fake_codepipeline: FakeCodePipeline) -> None:
    """Configuration, artifacts with a null revision, credentials with expirationTime in ms; no nonce."""
    source = Artifact(name="src", location=None)
    job_id = lambda_job(fake_codepipeline, input_artifacts=[source])
    before_ms = time.time() * 1000
    event = fake_codepipeline.lambda_event(job_id)
    assert json.loads(json.dumps(event)) == event  # plain JSON, as Lambda delivers it
    assert list(event) == ["CodePipeline.job"]
    member = event["CodePipeline.job"]
    assert set(member) == {"id", "accountId", "data"}
    assert member["id"] == job_id
    assert member["accountId"] == "123456789012"
    data = member["data"]
    assert set(data) == {"actionConfiguration", "inputArtifacts", "outputArtifacts", "artifactCredentials"}
    assert data["actionConfiguration"] == {
        "configuration": {"FunctionName": "deploy", "UserParameters": "staging"}
    }
    assert data["inputArtifacts"] == [{"name": "src", "revision": None}]
    assert data["outputArtifacts"] == []
    credentials = data["artifactCredentials"]
    assert set(credentials) == {"accessKeyId", "secretAccessKey", "sessionToken", "expirationTime"}
    assert credentials["expirationTime"] > before_ms
    assert credentials["accessKeyId"].startswith("ASIA")


def test_token_and_key_are_in_the_event_when_the_job_has_them(fake_codepipeline: FakeCodePipeline) -> None:
    """continuationToken and encryptionKey appear exactly when set, as in real events."""
    key = EncryptionKey(id="arn:aws:kms:us-east-1:123456789012:alias/artifacts", type=EncryptionKeyType.KMS)
    job_id = lambda_job(fake_codepipeline, continuation_token="d-ABCDEF123", encryption_key=key)
    data = fake_codepipeline.lambda_event(job_id)["CodePipeline.job"]["data"]
    assert data["continuationToken"] == "d-ABCDEF123"
    assert data["encryptionKey"] == {"id": key.id, "type": "KMS"}


def test_every_event_has_fresh_credentials(fake_codepipeline: FakeCodePipeline) -> None:
    """Each invoke issues new credentials, and the job's snapshot has the last ones."""
    job_id = lambda_job(fake_codepipeline)
    first = job_from_event(fake_codepipeline.lambda_event(job_id))
    second = job_from_event(fake_codepipeline.lambda_event(job_id))
    assert first.data.artifact_credentials != second.data.artifact_credentials
    assert fake_codepipeline.job(job_id).data.artifact_credentials == second.data.artifact_credentials
    assert fake_codepipeline.calls == []  # an invoke is not a request to the service


configurations = st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=20), max_size=3).map(
    lambda values: {**values, "FunctionName": "f"}
)


@settings(max_examples=60, deadline=None)
@given(
    configuration=configurations,
    inputs=st.lists(models(Artifact), max_size=3),
    outputs=st.lists(models(Artifact), max_size=2),
    key=st.none() | models(EncryptionKey),
    token=st.none() | st.text(min_size=1, max_size=30),
)
def test_job_from_event_reads_back_the_fakes_job(
    configuration: dict[str, str],
    inputs: list[Artifact],
    outputs: list[Artifact],
    key: EncryptionKey | None,
    token: str | None,
) -> None:
    """Through JSON, job_from_event(lambda_event(id)) is the fake's job minus action type and context."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(
        LAMBDA_INVOKE,
        configuration=configuration,
        input_artifacts=inputs,
        output_artifacts=outputs,
        encryption_key=key,
        continuation_token=token,
    )
    event = json.loads(json.dumps(fake.lambda_event(job_id)))
    job = job_from_event(event)
    assert job == expected_job(fake, job_id)
    assert job.nonce is None
    assert job.data.input_artifacts == tuple(inputs)
    assert job.data.continuation_token == token


# --- Lambda invoke jobs and their reports -----------------------------------------------------------


def test_the_invoke_starts_the_job_and_the_report_lands_on_it(fake_codepipeline: FakeCodePipeline) -> None:
    """Queued -> InProgress at the invoke, no acknowledge; the decorator's report completes it."""
    job_id = lambda_job(fake_codepipeline)
    assert fake_codepipeline.job(job_id).status == JobStatus.QUEUED

    @job_handler(client=fake_codepipeline.client())
    def handler(job: Job, context: object) -> Success:
        assert fake_codepipeline.job(job.id).status == JobStatus.IN_PROGRESS
        assert job.data.action_configuration is not None
        configuration = job.data.action_configuration.configuration
        return Success(output_variables={"stage": configuration["UserParameters"]})

    handler(fake_codepipeline.lambda_event(job_id), None)
    job = fake_codepipeline.job(job_id)
    assert job.history == ("Queued", "InProgress", "Succeeded")
    assert job.reports[0].output_variables == {"stage": "staging"}
    assert fake_codepipeline.calls == ["PutJobSuccessResult"]


def test_a_continuation_chain_of_invokes(fake_codepipeline: FakeCodePipeline) -> None:
    """A continuation queues a Lambda follow-up carrying the token; its invoke finishes the execution."""
    job_id = lambda_job(fake_codepipeline)
    client = fake_codepipeline.client()
    tokens: list[str | None] = []

    @job_handler(client=client)
    def handler(job: Job, context: object) -> Success | Continuation:
        tokens.append(job.data.continuation_token)
        if job.data.continuation_token is None:
            return Continuation("deploy-42")
        return Success()

    handler(fake_codepipeline.lambda_event(job_id), None)
    first = fake_codepipeline.job(job_id)
    assert first.status == JobStatus.SUCCEEDED
    assert first.follow_up_job_id is not None
    follow_up = fake_codepipeline.job(first.follow_up_job_id)
    assert follow_up.status == JobStatus.QUEUED
    assert follow_up.action_type_id == LAMBDA_INVOKE
    execution = get_pipeline_execution(client, "my-pipeline", first.pipeline_execution_id)
    assert execution.status == PipelineExecutionStatus.IN_PROGRESS

    event = fake_codepipeline.lambda_event(first.follow_up_job_id)
    assert event["CodePipeline.job"]["data"]["continuationToken"] == "deploy-42"
    assert job_from_event(event) == expected_job(fake_codepipeline, first.follow_up_job_id)
    handler(event, None)
    assert tokens == [None, "deploy-42"]
    assert fake_codepipeline.job(first.follow_up_job_id).status == JobStatus.SUCCEEDED
    execution = get_pipeline_execution(client, "my-pipeline", first.pipeline_execution_id)
    assert execution.status == PipelineExecutionStatus.SUCCEEDED


def test_a_raising_function_fails_the_job_without_its_secrets(fake_codepipeline: FakeCodePipeline) -> None:
    """The decorator's failure report lands on the job; the user parameters' secret is masked."""
    configuration = {"FunctionName": "f", "UserParameters": SECRET_PARAMETERS}
    job_id = lambda_job(fake_codepipeline, configuration=configuration)

    @job_handler(client=fake_codepipeline.client())
    def handler(job: Job, context: object) -> Success:
        raise RuntimeError(f"cannot log in with {SECRET_PARAMETERS}")

    handler(fake_codepipeline.lambda_event(job_id), None)
    [report] = fake_codepipeline.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.JOB_FAILED
    assert "hunter2-db-password-value" not in report.failure_details.message
    assert fake_codepipeline.job(job_id).status == JobStatus.FAILED


def test_a_repeated_invoke_is_not_reported_twice(fake_codepipeline: FakeCodePipeline) -> None:
    """An event for a job already reported (Lambda's retry) meets InvalidJobStateException, taken quietly."""
    job_id = lambda_job(fake_codepipeline)

    @job_handler(client=fake_codepipeline.client())
    def handler(job: Job, context: object) -> Failure:
        return Failure("no")

    handler(fake_codepipeline.lambda_event(job_id), None)
    handler(fake_codepipeline.lambda_event(job_id), None)  # no exception
    job = fake_codepipeline.job(job_id)
    assert len(job.reports) == 1
    assert fake_codepipeline.calls == ["PutJobFailureResult", "PutJobFailureResult"]


def test_a_custom_job_is_invoked_once_acknowledged(fake_codepipeline: FakeCodePipeline) -> None:
    """A custom job's event round-trips too, after poll and acknowledge; before, a clear error."""
    invoke = attrs.evolve(LAMBDA_INVOKE, owner=ActionOwner.CUSTOM)
    job_id = fake_codepipeline.add_job(invoke, configuration={"FunctionName": "f"})
    with pytest.raises(ValueError, match=r"Queued: a Custom job must be polled and acknowledged.*LAMBDA_INV"):
        fake_codepipeline.lambda_event(job_id)
    client = fake_codepipeline.client()
    [polled] = poll_for_jobs(client, invoke)
    acknowledge_job(client, polled.id, polled.nonce or "")
    event = fake_codepipeline.lambda_event(job_id)
    assert job_from_event(event) == expected_job(fake_codepipeline, job_id)

    @job_handler(client=client)
    def handler(job: Job, context: object) -> None:
        return None

    handler(event, None)
    assert fake_codepipeline.job(job_id).history == ("Queued", "Dispatched", "InProgress", "Succeeded")


def test_lambda_jobs_are_never_polled(fake_codepipeline: FakeCodePipeline) -> None:
    """A custom action of the same category and provider never gets the Lambda job."""
    lambda_job(fake_codepipeline)
    custom = attrs.evolve(LAMBDA_INVOKE, owner=ActionOwner.CUSTOM)
    assert poll_for_jobs(fake_codepipeline.client(), custom) == []


def test_lambda_jobs_time_out() -> None:
    """A Lambda job not reported within job_timeout is TimedOut, and its report is refused."""
    now = [0.0]
    fake = FakeCodePipeline(job_timeout=60.0, clock=lambda: now[0])
    job_id = lambda_job(fake)
    event = fake.lambda_event(job_id)
    now[0] = 61.0

    @job_handler(client=fake.client())
    def handler(job: Job, context: object) -> None:
        return None

    handler(event, None)
    assert fake.job(job_id).status == JobStatus.TIMED_OUT
    assert fake.job(job_id).reports == ()


def test_mistakes_get_clear_errors(fake_codepipeline: FakeCodePipeline) -> None:
    """No FunctionName, an AWS action that is not Lambda, a partner job, an unknown id."""
    with pytest.raises(ValueError, match=r"configuration=\{'FunctionName'"):
        fake_codepipeline.add_job(LAMBDA_INVOKE, configuration={"UserParameters": "x"})
    with pytest.raises(ValueError, match="owner 'AWS' with provider 'CodeBuild'"):
        fake_codepipeline.add_job(
            attrs.evolve(LAMBDA_INVOKE, category=ActionCategory.BUILD, provider="CodeBuild")
        )
    partner_id = fake_codepipeline.add_job(PARTNER_ACTION)
    with pytest.raises(ValueError, match="partner"):
        fake_codepipeline.lambda_event(partner_id)
    with pytest.raises(KeyError):
        fake_codepipeline.lambda_event("11111111-2222-4333-8444-555555555555")


def test_the_lambda_action_type_is_codepipelines() -> None:
    """LAMBDA_INVOKE is category Invoke, owner AWS, provider Lambda, version 1."""
    assert ActionTypeId(
        category=ActionCategory.INVOKE, owner=ActionOwner.AWS, provider="Lambda", version="1"
    ) == LAMBDA_INVOKE


# --- serve_new_clients ----------------------------------------------------------------------------


def test_clients_of_every_kind_created_inside_are_served(fake_codepipeline: FakeCodePipeline) -> None:
    """The default session, a new boto3 session, a botocore session and another thread: all the fake's."""
    created: list[Any] = []
    with fake_codepipeline.serve_new_clients():
        created.append(boto3.client("codepipeline"))
        created.append(boto3.session.Session().client("codepipeline"))
        created.append(botocore.session.get_session().create_client("codepipeline"))
        thread = threading.Thread(target=lambda: created.append(boto3.client("codepipeline")))
        thread.start()
        thread.join(10)
    for client in created:  # and they stay served after the block
        assert poll_for_jobs(client, ACTION) == []
    assert fake_codepipeline.calls == ["PollForJobs"] * 4


def test_aiobotocore_clients_created_inside_are_served(fake_codepipeline: FakeCodePipeline) -> None:
    """An aiobotocore client opened inside the block is served with aiobotocore's responses."""
    session_module: Any = pytest.importorskip("aiobotocore.session")

    async def scenario() -> None:
        with fake_codepipeline.serve_new_clients():
            async with session_module.get_session().create_client("codepipeline") as client:
                assert (await client.poll_for_jobs(actionTypeId=WIRE_ACTION))["jobs"] == []

    asyncio.run(scenario())
    assert fake_codepipeline.calls == ["PollForJobs"]


WIRE_ACTION = {"category": "Build", "owner": "Custom", "provider": ACTION.provider, "version": "1"}


def test_clients_created_before_or_after_are_not_touched(
    fake_codepipeline: FakeCodePipeline, client: CodePipelineClient, raw_reply: RawReply
) -> None:
    """A client made before the block keeps its own replies; after the block, new clients are not served."""
    sent = raw_reply(json_reply({"jobs": []}), 200)
    original_init = BaseClient.__init__
    with fake_codepipeline.serve_new_clients():
        assert BaseClient.__init__ is not original_init
        poll_for_jobs(client, ACTION)
        boto3.client("s3")  # other services are left alone
    assert BaseClient.__init__ is original_init
    assert len(sent) == 1
    assert fake_codepipeline.calls == []
    later: CodePipelineClient = boto3.client("codepipeline")
    later.meta.events.register("before-send.codepipeline", answer_no_jobs)  # type: ignore[arg-type]
    assert poll_for_jobs(later, ACTION) == []
    assert fake_codepipeline.calls == []


def answer_no_jobs(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
    """A before-send handler: an empty poll reply, from outside the fake."""
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.1"
    return AWSResponse(request.url, 200, headers, _Body(json_reply({"jobs": []})))


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def test_blocks_nest_and_an_error_restores_botocore(fake_codepipeline: FakeCodePipeline) -> None:
    """The innermost fake gets the new clients; an exception in the block still ends the patch."""
    inner = FakeCodePipeline()
    original_init = BaseClient.__init__
    with fake_codepipeline.serve_new_clients():
        with inner.serve_new_clients():
            poll_for_jobs(boto3.client("codepipeline"), ACTION)
        poll_for_jobs(boto3.client("codepipeline"), ACTION)
        with pytest.raises(RuntimeError), inner.serve_new_clients():
            raise RuntimeError
        assert BaseClient.__init__ is not original_init
    assert BaseClient.__init__ is original_init
    assert inner.calls == ["PollForJobs"]
    assert fake_codepipeline.calls == ["PollForJobs"]


def test_the_lambda_container_client_is_made_inside_and_dropped_after(
    fake_codepipeline: FakeCodePipeline,
) -> None:
    """job_handler's kept client is dropped, so its report reaches the fake; none is kept after."""
    stale = aws_lambda._default_client()  # as an earlier test or invoke would have left it
    job_id = lambda_job(fake_codepipeline)
    handler = job_handler(lambda job, context: Success())
    with fake_codepipeline.serve_new_clients():
        handler(fake_codepipeline.lambda_event(job_id), None)
        assert aws_lambda._default_client() is not stale
    assert aws_lambda._container_client.cache_info().currsize == 0
    assert fake_codepipeline.job(job_id).status == JobStatus.SUCCEEDED


MODULE = """
    import boto3

    from codepipeline_jobs.aws_lambda import Continuation, Success, job_handler, json_user_parameters


    def deploy(job, context):
        service = json_user_parameters(job)["service"]
        if job.data.continuation_token is None:
            return Continuation("deploying:" + service)
        return Success(output_variables={"service": service})


    handler = job_handler(deploy)

    CLIENT = boto3.client("codepipeline")  # made at import
    handler_with_client = job_handler(client=CLIENT)(deploy)
"""


def test_a_module_level_handler_is_tested_unchanged(
    fake_codepipeline: FakeCodePipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module written as deployed, imported and invoked inside the block, reports to the fake."""
    (tmp_path / "deploy_module.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "deploy_module", raising=False)
    parameters = {"FunctionName": "deploy", "UserParameters": '{"service": "web"}'}
    first_id = lambda_job(fake_codepipeline, configuration=parameters)
    second_id = lambda_job(fake_codepipeline, configuration=parameters)
    with fake_codepipeline.serve_new_clients():
        import deploy_module  # type: ignore[import-not-found]

        deploy_module.handler(fake_codepipeline.lambda_event(first_id), None)
        follow_up_id = fake_codepipeline.job(first_id).follow_up_job_id
        assert follow_up_id is not None
        deploy_module.handler(fake_codepipeline.lambda_event(follow_up_id), None)
        deploy_module.handler_with_client(fake_codepipeline.lambda_event(second_id), None)
    monkeypatch.delitem(sys.modules, "deploy_module")

    assert fake_codepipeline.job(first_id).reports[0].continuation_token == "deploying:web"
    assert fake_codepipeline.job(follow_up_id).reports[0].output_variables == {"service": "web"}
    assert fake_codepipeline.job(second_id).reports[0].continuation_token == "deploying:web"
    assert fake_codepipeline.calls == ["PutJobSuccessResult"] * 3


@pytest.mark.parametrize("method", ["lambda_event", "serve_new_clients"])
def test_the_docstring_examples_run(method: str) -> None:
    """The examples in the docstrings of lambda_event and serve_new_clients run as shown."""
    docstring = inspect.getdoc(getattr(FakeCodePipeline, method)) or ""
    [example] = re.findall(r"```python\n(.*?)```", docstring, re.DOTALL)
    exec(textwrap.dedent(example), {"FakeCodePipeline": FakeCodePipeline})  # the documented promise
