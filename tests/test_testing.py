"""The fake CodePipeline job service: state machine, partner jobs, faults and rule parity."""

from __future__ import annotations

import datetime as _dt
import threading
import time
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import botocore.exceptions
import pytest
from botocore.retries.standard import ExponentialBackoff

from codepipeline_jobs import (
    Artifact,
    CurrentRevision,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    JobStatus,
    MalformedResponseError,
    PipelineExecutionStatus,
    ThirdPartyJob,
    ValidationError,
    acknowledge_job,
    acknowledge_third_party_job,
    get_job_details,
    get_pipeline_execution,
    get_third_party_job_details,
    poll_for_jobs,
    poll_for_third_party_jobs,
    put_job_failure_result,
    put_job_success_result,
    put_third_party_job_failure_result,
    put_third_party_job_success_result,
)
from codepipeline_jobs._rules import validate_request
from codepipeline_jobs.testing import FakeCodePipeline, Faults
from tests.conftest import ACTION, PARTNER_ACTION

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_codepipeline import CodePipelineClient

JOIN_TIMEOUT = 10.0


@pytest.fixture(autouse=True)
def _no_retry_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore retries without sleeping, so fault tests stay fast."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


@pytest.fixture
def fake() -> FakeCodePipeline:
    """A fake with no faults."""
    return FakeCodePipeline()


@pytest.fixture
def fake_client(fake: FakeCodePipeline) -> CodePipelineClient:
    """A real boto3 client served by `fake`, with botocore's standard retries (3 attempts).

    Pinned: botocore's default retry mode changed from legacy (5 attempts) to standard in 1.44.
    """
    return fake.client(config=botocore.config.Config(retries={"mode": "standard"}))


def claim(client: CodePipelineClient) -> str:
    """Poll one job of ACTION and acknowledge it; return its id."""
    [job] = poll_for_jobs(client, ACTION)
    assert job.nonce is not None
    assert acknowledge_job(client, job.id, job.nonce) == JobStatus.IN_PROGRESS
    return job.id


def error_code(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    """The service's error code of a ClientError."""
    return str(exc.value.response["Error"]["Code"])


# --- the state machine ----------------------------------------------------------------------


def test_success_walks_the_whole_state_machine(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Queued -> Dispatched -> InProgress -> Succeeded, with the report recorded."""
    job_id = fake.add_job(ACTION)
    assert fake.job(job_id).status == JobStatus.QUEUED
    [job] = poll_for_jobs(fake_client, ACTION)
    assert job.id == job_id
    assert job.nonce == fake.job(job_id).nonce
    assert fake.job(job_id).status == JobStatus.DISPATCHED
    assert acknowledge_job(fake_client, job_id, job.nonce or "") == JobStatus.IN_PROGRESS
    revision = CurrentRevision(
        revision="r1", change_identifier="c1", created=_dt.datetime(2024, 5, 1, tzinfo=_dt.timezone.utc)
    )
    put_job_success_result(
        fake_client,
        job_id,
        current_revision=revision,
        execution_details=ExecutionDetails(summary="done", percent_complete=100),
        output_variables={"tag": "1.2.3"},
    )
    snapshot = fake.job(job_id)
    assert snapshot.history == ("Queued", "Dispatched", "InProgress", "Succeeded")
    [report] = snapshot.reports
    assert report.kind == "success"
    assert report.current_revision == revision
    assert report.execution_details == ExecutionDetails(summary="done", percent_complete=100)
    assert report.output_variables == {"tag": "1.2.3"}
    assert fake.calls == ["PollForJobs", "AcknowledgeJob", "PutJobSuccessResult"]


def test_failure_is_recorded(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A failure result moves the job to Failed and keeps its details."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    details = FailureDetails(type=FailureType.CONFIGURATION_ERROR, message="bad", external_execution_id="x")
    put_job_failure_result(fake_client, job_id, details)
    snapshot = fake.job(job_id)
    assert snapshot.status == JobStatus.FAILED
    assert snapshot.reports[0].kind == "failure"
    assert snapshot.reports[0].failure_details == details


def test_dispatched_job_is_not_handed_out_again(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A polled job is never returned by a later poll."""
    fake.add_job(ACTION)
    assert len(poll_for_jobs(fake_client, ACTION)) == 1
    assert poll_for_jobs(fake_client, ACTION) == []


def test_wrong_nonce_is_refused(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """AcknowledgeJob with another nonce is InvalidNonceException; the job stays Dispatched."""
    job_id = fake.add_job(ACTION)
    poll_for_jobs(fake_client, ACTION)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        acknowledge_job(fake_client, job_id, "not-the-nonce")
    assert error_code(caught) == "InvalidNonceException"
    assert isinstance(caught.value, fake_client.exceptions.InvalidNonceException)
    assert fake.job(job_id).status == JobStatus.DISPATCHED


def test_second_acknowledge_by_same_caller_is_in_progress(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Acknowledging again (a retry) returns InProgress and changes nothing."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    assert acknowledge_job(fake_client, job_id, fake.job(job_id).nonce) == JobStatus.IN_PROGRESS
    assert fake.job(job_id).history.count(JobStatus.IN_PROGRESS) == 1


def test_acknowledge_by_another_client_loses(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Once one worker holds a job, another worker's acknowledge is InvalidNonceException."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    with pytest.raises(fake_client.exceptions.InvalidNonceException):
        acknowledge_job(fake.client(), job_id, fake.job(job_id).nonce)


def test_report_needs_an_acknowledged_job(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A report on a job that is not InProgress is InvalidJobStateException."""
    job_id = fake.add_job(ACTION)
    poll_for_jobs(fake_client, ACTION)
    with pytest.raises(fake_client.exceptions.InvalidJobStateException):
        put_job_success_result(fake_client, job_id)
    assert fake.job(job_id).reports == ()


def test_second_report_is_refused(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Only the first report lands; a second one is InvalidJobStateException."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    put_job_success_result(fake_client, job_id)
    with pytest.raises(fake_client.exceptions.InvalidJobStateException):
        put_job_failure_result(fake_client, job_id, FailureDetails(type=FailureType.JOB_FAILED, message="x"))
    assert fake.job(job_id).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize(
    "call",
    [
        lambda c, j: acknowledge_job(c, j, "1"),
        get_job_details,
        put_job_success_result,
        lambda c, j: put_job_failure_result(c, j, FailureDetails(type=FailureType.JOB_FAILED, message="x")),
    ],
    ids=["acknowledge", "details", "success", "failure"],
)
def test_unknown_job_is_not_found(
    fake_client: CodePipelineClient, call: Callable[[CodePipelineClient, str], object]
) -> None:
    """Every job call on an id the fake does not know is JobNotFoundException."""
    with pytest.raises(fake_client.exceptions.JobNotFoundException):
        call(fake_client, "11111111-2222-4333-8444-555555555555")


def test_thirty_two_threads_race_one_winner(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """32 threads acknowledging one job with its nonce: exactly one wins, 31 get InvalidNonceException."""
    job_id = fake.add_job(ACTION)
    poll_for_jobs(fake_client, ACTION)
    nonce = fake.job(job_id).nonce
    barrier = threading.Barrier(32, timeout=JOIN_TIMEOUT)
    results: list[str] = []
    results_lock = threading.Lock()

    def race() -> None:
        barrier.wait()
        try:
            outcome = str(acknowledge_job(fake_client, job_id, nonce))
        except fake_client.exceptions.InvalidNonceException:
            outcome = "InvalidNonceException"
        with results_lock:
            results.append(outcome)

    threads = [threading.Thread(target=race) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert sorted(results) == ["InProgress"] + ["InvalidNonceException"] * 31
    assert fake.job(job_id).history == ("Queued", "Dispatched", "InProgress")


def test_many_clients_and_threads_share_one_fake(fake: FakeCodePipeline) -> None:
    """Eight workers with their own clients each finish jobs; every job is reported exactly once."""
    for _ in range(40):
        fake.add_job(ACTION)

    def work() -> None:
        client = fake.client()
        for _ in range(100):
            jobs = poll_for_jobs(client, ACTION, max_batch_size=3)
            if not jobs:
                return
            for job in jobs:
                acknowledge_job(client, job.id, job.nonce or "")
                put_job_success_result(client, job.id)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    jobs = fake.jobs()
    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED] * 40
    assert all(len(job.reports) == 1 for job in jobs)


# --- continuation, output variables ---------------------------------------------------------


def test_continuation_queues_a_follow_up_job(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A success with a continuation token completes the job and queues one carrying the token."""
    first_id = fake.add_job(ACTION, configuration={"Target": "prod"}, pipeline_name="pipe")
    claim(fake_client)
    put_job_success_result(fake_client, first_id, continuation_token="build-42")
    first = fake.job(first_id)
    assert first.status == JobStatus.SUCCEEDED
    assert first.follow_up_job_id is not None
    follow_up = fake.job(first.follow_up_job_id)
    assert follow_up.status == JobStatus.QUEUED
    assert follow_up.pipeline_execution_id == first.pipeline_execution_id
    [job] = poll_for_jobs(fake_client, ACTION)
    assert job.id == follow_up.id
    assert job.data.continuation_token == "build-42"
    assert job.data.action_configuration is not None
    assert job.data.action_configuration.configuration == {"Target": "prod"}
    assert job.data.pipeline_context is not None
    assert job.data.pipeline_context.pipeline_name == "pipe"


def test_output_variables_only_on_a_final_result(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Output variables with a continuation token are a ValidationException; the job stays InProgress."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    with pytest.raises(fake_client.exceptions.ValidationException):
        fake_client.put_job_success_result(jobId=job_id, continuationToken="t", outputVariables={"a": "b"})
    assert fake.job(job_id).status == JobStatus.IN_PROGRESS


def test_output_variables_over_quota(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Output variables over 122,880 bytes are OutputVariablesSizeExceededException."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    variables = {f"v{i}": "x" * 1000 for i in range(123)}
    with pytest.raises(fake_client.exceptions.OutputVariablesSizeExceededException):
        fake_client.put_job_success_result(jobId=job_id, outputVariables=variables)
    assert fake.job(job_id).status == JobStatus.IN_PROGRESS


# --- timeout ----------------------------------------------------------------------------------


def test_job_times_out() -> None:
    """A job not reported within job_timeout is TimedOut; a late report is InvalidJobStateException."""
    now = [0.0]
    fake = FakeCodePipeline(job_timeout=60, clock=lambda: now[0])
    client = fake.client()
    job_id = fake.add_job(ACTION)
    waiting_id = fake.add_job(ACTION)
    claim(client)
    now[0] = 59.0
    assert fake.job(job_id).status == JobStatus.IN_PROGRESS
    now[0] = 60.0
    assert fake.job(job_id).status == JobStatus.TIMED_OUT
    assert fake.job(job_id).history[-1] == JobStatus.TIMED_OUT
    assert poll_for_jobs(client, ACTION) == []
    assert fake.job(waiting_id).status == JobStatus.TIMED_OUT
    with pytest.raises(client.exceptions.InvalidJobStateException):
        put_job_success_result(client, job_id)


# --- polling ----------------------------------------------------------------------------------


def test_poll_filters_by_action_type(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A poll returns only jobs of the polled action type."""
    other = ACTION.__class__(category=ACTION.category, owner=ACTION.owner, provider="Other", version="1")
    other_id = fake.add_job(other)
    fake.add_job(ACTION)
    [job] = poll_for_jobs(fake_client, other)
    assert job.id == other_id
    assert job.data.action_type_id == other


def test_poll_filters_by_query_param(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """queryParam returns only jobs whose configuration has that value."""
    fake.add_job(ACTION, configuration={"Env": "dev"})
    prod_id = fake.add_job(ACTION, configuration={"Env": "prod"})
    fake.add_job(ACTION)
    jobs = poll_for_jobs(fake_client, ACTION, max_batch_size=10, query_param={"Env": "prod"})
    assert [job.id for job in jobs] == [prod_id]


def test_poll_honours_max_batch_size(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """At most maxBatchSize jobs come back, oldest first; without it, one."""
    ids = [fake.add_job(ACTION) for _ in range(5)]
    assert [job.id for job in poll_for_jobs(fake_client, ACTION, max_batch_size=2)] == ids[:2]
    assert [job.id for job in poll_for_jobs(fake_client, ACTION)] == ids[2:3]
    assert [job.id for job in poll_for_jobs(fake_client, ACTION, max_batch_size=10)] == ids[3:]


def test_job_data_is_served(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A polled job carries its artifacts, pipeline context, account and credentials."""
    artifact = Artifact(name="src", revision="abc")
    fake.add_job(ACTION, input_artifacts=[artifact], pipeline_name="pipe", stage_name="S", action_name="A")
    [job] = poll_for_jobs(fake_client, ACTION)
    assert job.account_id == "123456789012"
    assert job.data.input_artifacts == (artifact,)
    context = job.data.pipeline_context
    assert context is not None
    assert context.pipeline_arn == "arn:aws:codepipeline:us-east-1:123456789012:pipe"
    assert context.stage is not None
    assert context.stage.name == "S"
    assert job.data.artifact_credentials is not None
    assert job.data.artifact_credentials.access_key_id.startswith("ASIA")


def test_job_details_have_fresh_credentials(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Each GetJobDetails issues new artifact credentials; the snapshot holds the latest."""
    job_id = fake.add_job(ACTION)
    first = get_job_details(fake_client, job_id).data.artifact_credentials
    second = get_job_details(fake_client, job_id).data.artifact_credentials
    assert first is not None
    assert second is not None
    assert first.secret_access_key != second.secret_access_key
    assert fake.job(job_id).data.artifact_credentials == second


# --- pipeline executions ------------------------------------------------------------------------


def test_pipeline_execution_follows_its_jobs(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """The execution of a job is InProgress while it runs and Failed once it failed."""
    job_id = fake.add_job(ACTION, pipeline_name="pipe", input_artifacts=[Artifact(name="src", revision="r9")])
    execution_id = fake.job(job_id).pipeline_execution_id
    execution = get_pipeline_execution(fake_client, "pipe", execution_id)
    assert execution.status == PipelineExecutionStatus.IN_PROGRESS
    assert execution.pipeline_name == "pipe"
    assert [(r.name, r.revision_id) for r in execution.artifact_revisions] == [("src", "r9")]
    claim(fake_client)
    put_job_failure_result(fake_client, job_id, FailureDetails(type=FailureType.JOB_FAILED, message="x"))
    assert get_pipeline_execution(fake_client, "pipe", execution_id).status == PipelineExecutionStatus.FAILED


def test_pipeline_execution_succeeds(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """An execution whose jobs all succeeded is Succeeded."""
    job_id = fake.add_job(ACTION)
    claim(fake_client)
    put_job_success_result(fake_client, job_id)
    execution = get_pipeline_execution(fake_client, "my-pipeline", fake.job(job_id).pipeline_execution_id)
    assert execution.status == PipelineExecutionStatus.SUCCEEDED


def test_pipeline_and_execution_not_found(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """An unknown pipeline and an unknown execution get their own errors."""
    fake.add_job(ACTION, pipeline_name="pipe")
    missing = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
    with pytest.raises(fake_client.exceptions.PipelineNotFoundException):
        get_pipeline_execution(fake_client, "nope", missing)
    with pytest.raises(fake_client.exceptions.PipelineExecutionNotFoundException):
        get_pipeline_execution(fake_client, "pipe", missing)


# --- partner jobs -------------------------------------------------------------------------------


def test_third_party_flow_with_client_token(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Poll gives {clientId, jobId}; details, acknowledge and the report need the client token."""
    job_id = fake.add_job(PARTNER_ACTION, configuration={"Key": "v"})
    client_id = fake.job(job_id).client_id
    assert client_id is not None
    token = fake.client_token(client_id)
    assert poll_for_third_party_jobs(fake_client, PARTNER_ACTION) == [
        ThirdPartyJob(client_id=client_id, job_id=job_id)
    ]
    details = get_third_party_job_details(fake_client, job_id, token)
    assert details.nonce == fake.job(job_id).nonce
    assert details.data.pipeline_context is not None
    assert details.data.pipeline_context.pipeline_arn is None
    assert details.data.pipeline_context.pipeline_execution_id is None
    assert (
        acknowledge_third_party_job(fake_client, job_id, details.nonce or "", token) == JobStatus.IN_PROGRESS
    )
    put_third_party_job_success_result(fake_client, job_id, token, continuation_token="more")
    follow_up_id = fake.job(job_id).follow_up_job_id
    assert follow_up_id is not None
    assert fake.job(follow_up_id).client_id == client_id
    [follow_up] = poll_for_third_party_jobs(fake_client, PARTNER_ACTION)
    nonce = get_third_party_job_details(fake_client, follow_up.job_id, token).nonce or ""
    acknowledge_third_party_job(fake_client, follow_up.job_id, nonce, token)
    put_third_party_job_failure_result(
        fake_client, follow_up.job_id, token, FailureDetails(type=FailureType.JOB_FAILED, message="no")
    )
    assert fake.job(follow_up_id).history == ("Queued", "Dispatched", "InProgress", "Failed")


@pytest.mark.parametrize(
    "call",
    [
        lambda c, j: get_third_party_job_details(c, j, "wrong-token"),
        lambda c, j: acknowledge_third_party_job(c, j, "1", "wrong-token"),
        lambda c, j: put_third_party_job_success_result(c, j, "wrong-token"),
        lambda c, j: put_third_party_job_failure_result(
            c, j, "wrong-token", FailureDetails(type=FailureType.JOB_FAILED, message="x")
        ),
    ],
    ids=["details", "acknowledge", "success", "failure"],
)
def test_wrong_client_token_is_refused(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, call: Callable[[CodePipelineClient, str], object]
) -> None:
    """Every partner call with another client token is InvalidClientTokenException."""
    job_id = fake.add_job(PARTNER_ACTION)
    with pytest.raises(fake_client.exceptions.InvalidClientTokenException):
        call(fake_client, job_id)


def test_custom_and_partner_jobs_do_not_mix(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Partner jobs are unknown to the custom calls, and custom jobs invalid for the partner calls."""
    partner_id = fake.add_job(PARTNER_ACTION)
    custom_id = fake.add_job(ACTION)
    with pytest.raises(fake_client.exceptions.JobNotFoundException):
        get_job_details(fake_client, partner_id)
    with pytest.raises(fake_client.exceptions.InvalidJobException):
        get_third_party_job_details(fake_client, custom_id, "token")


def test_partner_jobs_of_one_pipeline_share_a_client_id(fake: FakeCodePipeline) -> None:
    """Partner jobs of one action in one pipeline share a client id; other pipelines get another."""
    first = fake.job(fake.add_job(PARTNER_ACTION)).client_id
    second = fake.job(fake.add_job(PARTNER_ACTION)).client_id
    other = fake.job(fake.add_job(PARTNER_ACTION, pipeline_name="other")).client_id
    assert first == second
    assert other not in (None, first)


# --- faults -------------------------------------------------------------------------------------


def test_throttling_is_retried_then_raised(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Always throttled: botocore tries 3 times, then raises ThrottlingException; nothing is applied."""
    job_id = fake.add_job(ACTION)
    fake.faults = Faults(throttle_rate=1.0)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        poll_for_jobs(fake_client, ACTION)
    assert error_code(caught) == "ThrottlingException"
    assert fake.calls == ["PollForJobs"] * 3
    assert fake.job(job_id).status == JobStatus.QUEUED


def test_throttled_once_then_served(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """One throttle is absorbed by botocore's retry; the caller sees the jobs."""
    fake.add_job(ACTION)
    fake.inject_fault("PollForJobs", "throttle")
    assert len(poll_for_jobs(fake_client, ACTION)) == 1
    assert fake.calls == ["PollForJobs", "PollForJobs"]


def test_lost_reply_on_report_meets_invalid_job_state(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """The report lands, its reply is lost, and botocore's retry gets InvalidJobStateException."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    fake.inject_fault("PutJobSuccessResult", "lost_reply")
    with pytest.raises(fake_client.exceptions.InvalidJobStateException):
        put_job_success_result(fake_client, job_id)
    assert fake.job(job_id).status == JobStatus.SUCCEEDED
    assert len(fake.job(job_id).reports) == 1
    assert fake.calls[-2:] == ["PutJobSuccessResult", "PutJobSuccessResult"]


def test_lost_reply_on_acknowledge_is_retried_to_in_progress(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A lost acknowledge reply is retried by the same caller and still returns InProgress."""
    job_id = fake.add_job(ACTION)
    poll_for_jobs(fake_client, ACTION)
    fake.inject_fault("AcknowledgeJob", "lost_reply")
    assert acknowledge_job(fake_client, job_id, fake.job(job_id).nonce) == JobStatus.IN_PROGRESS


def test_lost_replies_every_time_raise_connection_closed(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """With every reply lost, botocore gives up with ConnectionClosedError after its attempts."""
    job_id = fake.add_job(ACTION)
    fake.faults = Faults(lost_reply_rate=1.0)
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        get_job_details(fake_client, job_id)
    assert fake.calls == ["GetJobDetails"] * 3


def test_malformed_reply_is_not_applied(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A 200 with an HTML body reaches the caller as MalformedResponseError; the poll did not happen."""
    job_id = fake.add_job(ACTION)
    fake.faults = Faults(malformed_rate=1.0)
    with pytest.raises(MalformedResponseError):
        poll_for_jobs(fake_client, ACTION)
    assert fake.job(job_id).status == JobStatus.QUEUED
    fake.faults = Faults()
    assert len(poll_for_jobs(fake_client, ACTION)) == 1


def test_latency_delays_every_request(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """Latency makes each request take at least that long."""
    fake.faults = Faults(latency=0.05)
    start = time.monotonic()
    poll_for_jobs(fake_client, ACTION)
    poll_for_jobs(fake_client, ACTION)
    assert time.monotonic() - start >= 0.1


def test_faults_are_reproducible() -> None:
    """Two fakes with one seed inject the same faults into the same requests."""

    def outcomes(seed: int) -> list[str]:
        fake = FakeCodePipeline(seed=seed, faults=Faults(throttle_rate=0.3, malformed_rate=0.3))
        one_attempt = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
        client = fake.client(config=one_attempt)
        seen: list[str] = []
        for _ in range(30):
            try:
                poll_for_jobs(client, ACTION)
                seen.append("ok")
            except MalformedResponseError:
                seen.append("malformed")
            except botocore.exceptions.ClientError:
                seen.append("throttled")
        return seen

    first = outcomes(3)
    assert first == outcomes(3)
    assert {"ok", "malformed", "throttled"} <= set(first)
    assert first != outcomes(4)


def test_ids_are_reproducible() -> None:
    """One seed gives the same job ids and nonces."""
    first, second = FakeCodePipeline(seed=1), FakeCodePipeline(seed=1)
    assert first.add_job(ACTION) == second.add_job(ACTION)
    assert first.jobs()[0].nonce == second.jobs()[0].nonce


@pytest.mark.parametrize(
    "kwargs",
    [{"throttle_rate": 1.5}, {"lost_reply_rate": -0.1}, {"malformed_rate": 2.0}, {"latency": -1.0}],
)
def test_faults_must_be_sensible(kwargs: dict[str, float]) -> None:
    """Rates outside 0..1 and negative latency are refused."""
    with pytest.raises(ValueError, match="must be"):
        Faults(**kwargs)


def test_inject_fault_names_a_known_fault(fake: FakeCodePipeline) -> None:
    """inject_fault refuses a fault it does not know."""
    with pytest.raises(ValueError, match="fault must be"):
        fake.inject_fault("PollForJobs", "explode")  # type: ignore[arg-type]


# --- validation parity ----------------------------------------------------------------------------

# Requests botocore sends as they are (it checks only required members, types and minimums),
# which the service - and therefore the fake - refuses.
INVALID_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "PutJobFailureResult",
        "put_job_failure_result",
        {
            "jobId": "11111111-2222-4333-8444-555555555555",
            "failureDetails": {"type": "JobFailed", "message": "x" * 5001},
        },
    ),
    (
        "PutJobFailureResult",
        "put_job_failure_result",
        {
            "jobId": "11111111-2222-4333-8444-555555555555",
            "failureDetails": {"type": "Oops", "message": "x"},
        },
    ),
    ("AcknowledgeJob", "acknowledge_job", {"jobId": "NOT-A-UUID", "nonce": "1"}),
    (
        "AcknowledgeJob",
        "acknowledge_job",
        {"jobId": "11111111-2222-4333-8444-555555555555", "nonce": "n" * 51},
    ),
    (
        "PollForJobs",
        "poll_for_jobs",
        {
            "actionTypeId": {
                "category": "Build",
                "owner": "Custom",
                "provider": "My Builder",
                "version": "1",
            },
        },
    ),
    (
        "PollForJobs",
        "poll_for_jobs",
        {
            "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "P", "version": "1"},
            "queryParam": {"a": "1", "b": "2"},
        },
    ),
    (
        "PollForJobs",
        "poll_for_jobs",
        {"actionTypeId": {"category": "Build", "owner": "ThirdParty", "provider": "P", "version": "1"}},
    ),
    (
        "PutJobSuccessResult",
        "put_job_success_result",
        {
            "jobId": "11111111-2222-4333-8444-555555555555",
            "currentRevision": {"revision": "r" * 1501, "changeIdentifier": "c"},
        },
    ),
    (
        "GetPipelineExecution",
        "get_pipeline_execution",
        {"pipelineName": "bad name!", "pipelineExecutionId": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"},
    ),
    (
        "GetThirdPartyJobDetails",
        "get_third_party_job_details",
        {"jobId": "j", "clientToken": "t" * 257},
    ),
]


@pytest.mark.parametrize(("operation", "method", "params"), INVALID_REQUESTS)
def test_validation_parity_with_the_core(
    fake_client: CodePipelineClient, operation: str, method: str, params: dict[str, Any]
) -> None:
    """A raw request the core's rules refuse gets ValidationException from the fake, with the same words."""
    with pytest.raises(ValidationError) as rule:
        validate_request(operation, params)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        getattr(fake_client, method)(**params)
    assert error_code(caught) == "ValidationException"
    assert caught.value.response["Error"]["Message"] == str(rule.value)


def test_valid_timestamps_pass_validation(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """A revision's created timestamp arrives on the wire as epoch seconds and is read back as a datetime."""
    fake.add_job(ACTION)
    job_id = claim(fake_client)
    created = _dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=_dt.timezone.utc)
    fake_client.put_job_success_result(
        jobId=job_id, currentRevision={"revision": "r", "changeIdentifier": "c", "created": created}
    )
    revision = fake.job(job_id).reports[0].current_revision
    assert revision is not None
    assert revision.created == created


# --- wiring and secrets ---------------------------------------------------------------------------


def test_attach_an_existing_client(fake: FakeCodePipeline) -> None:
    """attach wires a client made elsewhere; attaching twice serves each request once."""
    client = boto3.client("codepipeline", region_name="eu-west-1")
    fake.add_job(ACTION)
    fake.attach(client)
    fake.attach(client)
    assert len(poll_for_jobs(client, ACTION)) == 1
    assert fake.calls == ["PollForJobs"]


def test_attach_refuses_other_services(fake: FakeCodePipeline) -> None:
    """Only a CodePipeline client can be attached."""
    with pytest.raises(ValueError, match="CodePipeline"):
        fake.attach(boto3.client("s3", region_name="us-east-1"))


def test_operations_it_does_not_serve_fail(fake_client: CodePipelineClient) -> None:
    """An operation the fake does not serve is an error reply, never a network call."""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        fake_client.list_pipelines()
    assert error_code(caught) == "UnknownOperationException"


def test_add_job_refuses_aws_owned_actions(fake: FakeCodePipeline) -> None:
    """AWS-owned actions have no jobs a worker could poll."""
    aws_action = ACTION.__class__(category=ACTION.category, owner="AWS", provider="CodeBuild", version="1")
    with pytest.raises(ValueError, match="Custom and ThirdParty"):
        fake.add_job(aws_action)


def test_reprs_carry_no_secrets(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """The fake's reprs never show credentials, configuration values or client tokens."""
    job_id = fake.add_job(ACTION, configuration={"ApiKey": "super-secret-value"})
    partner_id = fake.add_job(PARTNER_ACTION)
    details = get_job_details(fake_client, job_id)
    credentials = details.data.artifact_credentials
    assert credentials is not None
    client_id = fake.job(partner_id).client_id
    assert client_id is not None
    text = repr(fake) + repr(fake.jobs()) + repr(fake.job(job_id))
    secrets = [
        "super-secret-value",
        credentials.secret_access_key,
        credentials.session_token,
        credentials.access_key_id,
        fake.client_token(client_id),
    ]
    assert [secret for secret in secrets if secret in text] == []
