"""The calls: requests sent, replies read, garbage replies and service errors."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from codepipeline_jobs import (
    ActionOwner,
    ArtifactLocationType,
    CurrentRevision,
    ExecutionDetails,
    ExecutionMode,
    FailureDetails,
    FailureType,
    Job,
    JobDetails,
    JobStatus,
    MalformedResponseError,
    PipelineExecution,
    PipelineExecutionStatus,
    ThirdPartyJob,
    ThirdPartyJobDetails,
    TriggerType,
)
from tests.conftest import ACTION, EXECUTION_ID, JOB_ID, PARTNER_ACTION, RawReply, json_reply
from tests.flavours import (
    Flavour,
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

if TYPE_CHECKING:
    from botocore.stub import Stubber
    from mypy_boto3_codepipeline import CodePipelineClient

ACTION_WIRE = {"category": "Build", "owner": "Custom", "provider": "MyBuilder", "version": "1"}
PARTNER_WIRE = {"category": "Test", "owner": "ThirdParty", "provider": "Partner", "version": "2"}
CREATED = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)

JOB_DATA: dict[str, Any] = {
    "actionTypeId": ACTION_WIRE,
    "actionConfiguration": {"configuration": {"Project": "demo"}},
    "pipelineContext": {
        "pipelineName": "pipe",
        "stage": {"name": "Build"},
        "action": {"name": "Compile", "actionExecutionId": "a-1"},
        "pipelineArn": "arn:aws:codepipeline:eu-west-1:123456789012:pipe",
        "pipelineExecutionId": EXECUTION_ID,
    },
    "inputArtifacts": [
        {
            "name": "src",
            "revision": "abc",
            "location": {
                "type": "S3",
                "s3Location": {"bucketName": "bucket", "objectKey": "pipe/src/key.zip"},
            },
        }
    ],
    "outputArtifacts": [],
    "artifactCredentials": {"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "SK", "sessionToken": "ST"},
    "encryptionKey": {"id": "arn:aws:kms:eu-west-1:123456789012:key/k", "type": "KMS"},
}



@pytest.fixture
def client(flavour: Flavour) -> Any:
    """Every test here that takes a client runs against the synchronous API and against `aio`."""
    return flavour.client()


# --- each call: the request sent and the reply read -----------------------------------------


def test_poll_for_jobs(client: CodePipelineClient, stubber: Stubber) -> None:
    """PollForJobs sends the action type, batch size and query param, and reads Jobs."""
    stubber.add_response(
        "poll_for_jobs",
        {"jobs": [{"id": JOB_ID, "nonce": "n1", "accountId": "123456789012", "data": JOB_DATA}]},
        {"actionTypeId": ACTION_WIRE, "maxBatchSize": 5, "queryParam": {"Project": "demo"}},
    )
    jobs = poll_for_jobs(client, ACTION, max_batch_size=5, query_param={"Project": "demo"})
    assert isinstance(jobs, list)
    [job] = jobs
    assert isinstance(job, Job)
    assert (job.id, job.nonce, job.account_id) == (JOB_ID, "n1", "123456789012")
    assert job.data.action_type_id == ACTION
    assert job.data.action_type_id is not None
    assert job.data.action_type_id.owner is ActionOwner.CUSTOM
    artifact = job.data.input_artifacts[0]
    assert artifact.location is not None
    assert artifact.location.type is ArtifactLocationType.S3
    assert artifact.location.s3_location is not None
    assert artifact.location.s3_location.object_key == "pipe/src/key.zip"
    assert job.data.pipeline_context is not None
    assert job.data.pipeline_context.pipeline_execution_id == EXECUTION_ID
    assert job.data.artifact_credentials is not None
    assert job.data.artifact_credentials.session_token == "ST"


def test_poll_for_jobs_minimal(client: CodePipelineClient, stubber: Stubber) -> None:
    """Without options only the action type is sent; no jobs is an empty list."""
    stubber.add_response("poll_for_jobs", {"jobs": []}, {"actionTypeId": ACTION_WIRE})
    assert poll_for_jobs(client, ACTION) == []


def test_acknowledge_job(client: CodePipelineClient, stubber: Stubber) -> None:
    """AcknowledgeJob sends id and nonce and returns the JobStatus."""
    stubber.add_response("acknowledge_job", {"status": "InProgress"}, {"jobId": JOB_ID, "nonce": "n1"})
    status = acknowledge_job(client, JOB_ID, "n1")
    assert status is JobStatus.IN_PROGRESS


def test_get_job_details(client: CodePipelineClient, stubber: Stubber) -> None:
    """GetJobDetails sends the id and reads JobDetails."""
    stubber.add_response(
        "get_job_details",
        {"jobDetails": {"id": JOB_ID, "accountId": "123456789012", "data": JOB_DATA}},
        {"jobId": JOB_ID},
    )
    details = get_job_details(client, JOB_ID)
    assert isinstance(details, JobDetails)
    assert details.id == JOB_ID
    assert details.data.encryption_key is not None
    assert details.data.encryption_key.id.endswith("key/k")


def test_put_job_success_result(client: CodePipelineClient, stubber: Stubber) -> None:
    """PutJobSuccessResult sends every option in wire form and returns None."""
    stubber.add_response(
        "put_job_success_result",
        {},
        {
            "jobId": JOB_ID,
            "currentRevision": {
                "revision": "r1",
                "changeIdentifier": "c1",
                "created": CREATED,
                "revisionSummary": "fix",
            },
            "executionDetails": {"summary": "done", "externalExecutionId": "ext-1", "percentComplete": 100},
            "outputVariables": {"imageTag": "1.4.2"},
        },
    )
    put_job_success_result(
        client,
        JOB_ID,
        current_revision=CurrentRevision(
            revision="r1", change_identifier="c1", created=CREATED, revision_summary="fix"
        ),
        execution_details=ExecutionDetails(
            summary="done", external_execution_id="ext-1", percent_complete=100
        ),
        output_variables={"imageTag": "1.4.2"},
    )


def test_put_job_success_result_continuation(client: CodePipelineClient, stubber: Stubber) -> None:
    """A continuation sends the token and progress only."""
    stubber.add_response(
        "put_job_success_result",
        {},
        {"jobId": JOB_ID, "continuationToken": "step-2", "executionDetails": {"percentComplete": 40}},
    )
    put_job_success_result(
        client, JOB_ID, continuation_token="step-2", execution_details=ExecutionDetails(percent_complete=40)
    )


def test_put_job_failure_result(client: CodePipelineClient, stubber: Stubber) -> None:
    """PutJobFailureResult sends the failure details in wire form."""
    stubber.add_response(
        "put_job_failure_result",
        {},
        {
            "jobId": JOB_ID,
            "failureDetails": {
                "type": "ConfigurationError",
                "message": "bad config",
                "externalExecutionId": "ext-1",
            },
        },
    )
    details = FailureDetails(
        type=FailureType.CONFIGURATION_ERROR, message="bad config", external_execution_id="ext-1"
    )
    put_job_failure_result(client, JOB_ID, details)


PIPELINE_EXECUTION: dict[str, Any] = {
    "pipelineName": "pipe",
    "pipelineVersion": 3,
    "pipelineExecutionId": EXECUTION_ID,
    "status": "Succeeded",
    "statusSummary": "ok",
    "artifactRevisions": [
        {
            "name": "src",
            "revisionId": "abc",
            "revisionChangeIdentifier": "etag",
            "revisionSummary": "msg",
            "created": CREATED,
            "revisionUrl": "https://x",
        }
    ],
    "variables": [{"name": "v", "resolvedValue": "1"}],
    "trigger": {"triggerType": "WebhookV2", "triggerDetail": "push"},
    "executionMode": "QUEUED",
    "executionType": "ROLLBACK",
    "rollbackMetadata": {"rollbackTargetPipelineExecutionId": EXECUTION_ID},
}


def test_get_pipeline_execution(client: CodePipelineClient, stubber: Stubber) -> None:
    """GetPipelineExecution reads every member botocore returns today."""
    stubber.add_response(
        "get_pipeline_execution",
        {"pipelineExecution": PIPELINE_EXECUTION},
        {"pipelineName": "pipe", "pipelineExecutionId": EXECUTION_ID},
    )
    execution = get_pipeline_execution(client, "pipe", EXECUTION_ID)
    assert isinstance(execution, PipelineExecution)
    assert execution.status is PipelineExecutionStatus.SUCCEEDED
    assert execution.pipeline_version == 3
    assert execution.artifact_revisions[0].created == CREATED
    assert execution.variables[0].resolved_value == "1"
    assert execution.trigger is not None
    assert execution.trigger.trigger_type is TriggerType.WEBHOOK_V2
    assert execution.execution_mode is ExecutionMode.QUEUED
    assert execution.execution_type == "ROLLBACK"
    assert execution.rollback_metadata is not None
    assert execution.rollback_metadata.rollback_target_pipeline_execution_id == EXECUTION_ID


def test_poll_for_third_party_jobs(client: CodePipelineClient, stubber: Stubber) -> None:
    """PollForThirdPartyJobs sends the partner action type and reads ids."""
    stubber.add_response(
        "poll_for_third_party_jobs",
        {"jobs": [{"clientId": EXECUTION_ID, "jobId": JOB_ID}]},
        {"actionTypeId": PARTNER_WIRE, "maxBatchSize": 2},
    )
    jobs = poll_for_third_party_jobs(client, PARTNER_ACTION, max_batch_size=2)
    assert jobs == [ThirdPartyJob(client_id=EXECUTION_ID, job_id=JOB_ID)]


def test_get_third_party_job_details(client: CodePipelineClient, stubber: Stubber) -> None:
    """GetThirdPartyJobDetails sends id and client token and reads the details."""
    stubber.add_response(
        "get_third_party_job_details",
        {"jobDetails": {"id": "pj-1", "nonce": "n2", "data": {**JOB_DATA, "actionTypeId": PARTNER_WIRE}}},
        {"jobId": "pj-1", "clientToken": "tok"},
    )
    details = get_third_party_job_details(client, "pj-1", "tok")
    assert isinstance(details, ThirdPartyJobDetails)
    assert (details.id, details.nonce) == ("pj-1", "n2")
    assert details.data.action_type_id == PARTNER_ACTION


def test_acknowledge_third_party_job(client: CodePipelineClient, stubber: Stubber) -> None:
    """AcknowledgeThirdPartyJob sends id, nonce and client token and returns the status."""
    stubber.add_response(
        "acknowledge_third_party_job",
        {"status": "InProgress"},
        {"jobId": "pj-1", "nonce": "n2", "clientToken": "tok"},
    )
    assert acknowledge_third_party_job(client, "pj-1", "n2", "tok") is JobStatus.IN_PROGRESS


def test_put_third_party_job_success_result(client: CodePipelineClient, stubber: Stubber) -> None:
    """PutThirdPartyJobSuccessResult sends the token and options."""
    stubber.add_response(
        "put_third_party_job_success_result",
        {},
        {
            "jobId": "pj-1",
            "clientToken": "tok",
            "currentRevision": {"revision": "r", "changeIdentifier": "c"},
            "continuationToken": "next",
            "executionDetails": {"summary": "half"},
        },
    )
    put_third_party_job_success_result(
        client,
        "pj-1",
        "tok",
        current_revision=CurrentRevision(revision="r", change_identifier="c"),
        continuation_token="next",
        execution_details=ExecutionDetails(summary="half"),
    )


def test_put_third_party_job_failure_result(client: CodePipelineClient, stubber: Stubber) -> None:
    """PutThirdPartyJobFailureResult sends the token and failure details."""
    stubber.add_response(
        "put_third_party_job_failure_result",
        {},
        {"jobId": "pj-1", "clientToken": "tok", "failureDetails": {"type": "JobFailed", "message": "m"}},
    )
    put_third_party_job_failure_result(
        client, "pj-1", "tok", FailureDetails(type=FailureType.JOB_FAILED, message="m")
    )


# --- statuses ------------------------------------------------------------------------------


AckCall = Callable[["CodePipelineClient"], JobStatus]
ACKS: list[AckCall] = [
    lambda c: acknowledge_job(c, JOB_ID, "n"),
    lambda c: acknowledge_third_party_job(c, "pj-1", "n", "tok"),
]


@pytest.mark.parametrize("ack", ACKS, ids=["custom", "third-party"])
def test_acknowledge_without_status_is_malformed(
    client: CodePipelineClient, raw_reply: RawReply, ack: AckCall
) -> None:
    """A reply without status is an error, never taken as acknowledged."""
    raw_reply(b"{}", 200)
    with pytest.raises(MalformedResponseError) as caught:
        ack(client)
    assert caught.value.path == "status"


@pytest.mark.parametrize("ack", ACKS, ids=["custom", "third-party"])
def test_acknowledge_unknown_status_is_returned(
    client: CodePipelineClient, raw_reply: RawReply, ack: AckCall
) -> None:
    """A status this release does not know comes back unchanged."""
    raw_reply(json_reply({"status": "Hibernating"}), 200)
    status = ack(client)
    assert status == "Hibernating"
    assert not status.is_known


# --- garbage replies ------------------------------------------------------------------------

ReadCall = Callable[["CodePipelineClient"], object]
READS: list[tuple[str, ReadCall]] = [
    ("poll_for_jobs", lambda c: poll_for_jobs(c, ACTION)),
    ("acknowledge_job", lambda c: acknowledge_job(c, JOB_ID, "n")),
    ("get_job_details", lambda c: get_job_details(c, JOB_ID)),
    ("get_pipeline_execution", lambda c: get_pipeline_execution(c, "pipe", EXECUTION_ID)),
    ("poll_for_third_party_jobs", lambda c: poll_for_third_party_jobs(c, PARTNER_ACTION)),
    ("get_third_party_job_details", lambda c: get_third_party_job_details(c, "pj-1", "tok")),
    ("acknowledge_third_party_job", lambda c: acknowledge_third_party_job(c, "pj-1", "n", "tok")),
]
GARBAGE: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    ("truncated", b'{"jobs": [{"id": "11111111-'),
    ("jobs oops", b'{"jobs": "oops"}'),
    ("not utf-8", b'{"jobs": "\xff\xfe\xfa"}'),
    ("json list", b"[1, 2]"),
    ("json null", b"null"),
    ("json string", b'"hello"'),
    ("wrong members", b'{"jobs": [1], "jobDetails": "x", "pipelineExecution": [], "status": 5}'),
]


@pytest.mark.parametrize("body", [g[1] for g in GARBAGE], ids=[g[0] for g in GARBAGE])
@pytest.mark.parametrize("read", [r[1] for r in READS], ids=[r[0] for r in READS])
def test_garbage_reply_is_malformed(
    client: CodePipelineClient, raw_reply: RawReply, read: ReadCall, body: bytes
) -> None:
    """Any garbage 200 reply ends in MalformedResponseError, never a crash from inside botocore."""
    sent = raw_reply(body, 200)
    with pytest.raises(MalformedResponseError):
        read(client)
    assert len(sent) == 1


def test_jobs_oops_is_malformed_not_attribute_error(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """botocore's AttributeError on {"jobs": "oops"} becomes a library error that keeps the cause."""
    raw_reply(b'{"jobs": "oops"}', 200)
    with pytest.raises(MalformedResponseError, match="PollForJobs reply could not be parsed") as caught:
        poll_for_jobs(client, ACTION)
    assert isinstance(caught.value.__cause__, AttributeError)


def test_job_with_missing_id_in_reply(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """A job without id in a real reply is named by its path."""
    raw_reply(json_reply({"jobs": [{"id": JOB_ID, "data": {}}, {"nonce": "1", "data": {}}]}), 200)
    with pytest.raises(MalformedResponseError) as caught:
        poll_for_jobs(client, ACTION)
    assert caught.value.path == "jobs[1].id"


def test_deep_wrong_type_in_reply(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """A wrong type deep in a real reply, on which botocore's parser itself crashes, is a library error."""
    good = {"id": JOB_ID, "data": {}}
    bad = {"id": JOB_ID, "data": {"inputArtifacts": [{"location": "oops"}]}}
    raw_reply(json_reply({"jobs": [good, good, bad]}), 200)
    with pytest.raises(MalformedResponseError, match="PollForJobs reply could not be parsed"):
        poll_for_jobs(client, ACTION)


# --- service errors -------------------------------------------------------------------------


def test_service_error_propagates(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """A modelled service error is botocore's ClientError, catchable by its client exception class."""
    raw_reply(json_reply({"__type": "JobNotFoundException", "message": "no such job"}), 400)
    with pytest.raises(client.exceptions.JobNotFoundException) as caught:
        get_job_details(client, JOB_ID)
    assert isinstance(caught.value, ClientError)
    assert caught.value.response["Error"]["Code"] == "JobNotFoundException"


def test_service_error_with_stubber(client: CodePipelineClient, stubber: Stubber) -> None:
    """A stubbed client error passes through unchanged."""
    stubber.add_client_error(
        "acknowledge_job",
        service_error_code="InvalidNonceException",
        http_status_code=400,
        expected_params={"jobId": JOB_ID, "nonce": "n"},
    )
    with pytest.raises(client.exceptions.InvalidNonceException):
        acknowledge_job(client, JOB_ID, "n")


def test_html_error_is_client_error(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """An error status with an HTML body is still a ClientError, as botocore reports it."""
    raw_reply(b"<html>Service Unavailable</html>", 400)
    with pytest.raises(ClientError):
        get_job_details(client, JOB_ID)


# --- end to end against moto ----------------------------------------------------------------


def test_get_pipeline_execution_against_moto() -> None:
    """A pipeline created and started in moto is read back through botocore's real parser."""
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(
            RoleName="pipeline-role",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "codepipeline.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="artifact-bucket")
        client = boto3.client("codepipeline", region_name="us-east-1")
        client.create_pipeline(
            pipeline={
                "name": "demo-pipeline",
                "roleArn": role["Arn"],
                "artifactStore": {"type": "S3", "location": "artifact-bucket"},
                "stages": [
                    {
                        "name": "Source",
                        "actions": [
                            {
                                "name": "Source",
                                "actionTypeId": {
                                    "category": "Source",
                                    "owner": "AWS",
                                    "provider": "S3",
                                    "version": "1",
                                },
                                "configuration": {"S3Bucket": "artifact-bucket", "S3ObjectKey": "src.zip"},
                                "outputArtifacts": [{"name": "src"}],
                            }
                        ],
                    },
                    {
                        "name": "Build",
                        "actions": [
                            {
                                "name": "Build",
                                "actionTypeId": {
                                    "category": "Build",
                                    "owner": "Custom",
                                    "provider": "MyBuilder",
                                    "version": "1",
                                },
                                "inputArtifacts": [{"name": "src"}],
                            }
                        ],
                    },
                ],
            }
        )
        execution_id = client.start_pipeline_execution(name="demo-pipeline")["pipelineExecutionId"]
        execution = get_pipeline_execution(client, "demo-pipeline", execution_id)
    assert isinstance(execution, PipelineExecution)
    assert execution.pipeline_name == "demo-pipeline"
    assert execution.pipeline_execution_id == execution_id
    assert execution.pipeline_version == 1
    assert isinstance(execution.status, PipelineExecutionStatus)
