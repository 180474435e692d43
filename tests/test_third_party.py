"""The partner (third-party) job flow: poll -> details with client token -> acknowledge -> result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from codepipeline_jobs import (
    ExecutionDetails,
    FailureDetails,
    FailureType,
    JobStatus,
    NotThirdPartyActionError,
)
from tests.conftest import ACTION, PARTNER_ACTION
from tests.flavours import (
    Flavour,
    acknowledge_third_party_job,
    get_third_party_job_details,
    poll_for_third_party_jobs,
    put_third_party_job_failure_result,
    put_third_party_job_success_result,
)

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.stub import Stubber
    from mypy_boto3_codepipeline import CodePipelineClient

CLIENT_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"
PARTNER_JOB_ID = "9d8c7b6a-5f4e-4d3c-8b2a-190817263544"
TOKENS = {CLIENT_ID: "partner-client-token-123"}
PARTNER_WIRE = {"category": "Test", "owner": "ThirdParty", "provider": "Partner", "version": "2"}
DETAILS: dict[str, Any] = {
    "id": PARTNER_JOB_ID,
    "nonce": "nonce-7",
    "data": {
        "actionTypeId": PARTNER_WIRE,
        "actionConfiguration": {"configuration": {"ApiKey": "partner-api-key"}},
        "pipelineContext": {"pipelineName": "pipe", "stage": {"name": "Test"}, "action": {"name": "Scan"}},
        "inputArtifacts": [
            {"name": "src", "location": {"type": "S3", "s3Location": {"bucketName": "b", "objectKey": "k"}}}
        ],
        "artifactCredentials": {"accessKeyId": "ASIAX", "secretAccessKey": "sk", "sessionToken": "st"},
    },
}



@pytest.fixture
def client(flavour: Flavour) -> Any:
    """Every test here that takes a client runs against the synchronous API and against `aio`."""
    return flavour.client()


def _queue_start(stubber: Stubber) -> None:
    token = TOKENS[CLIENT_ID]
    stubber.add_response(
        "poll_for_third_party_jobs",
        {"jobs": [{"clientId": CLIENT_ID, "jobId": PARTNER_JOB_ID}]},
        {"actionTypeId": PARTNER_WIRE, "maxBatchSize": 1},
    )
    stubber.add_response(
        "get_third_party_job_details",
        {"jobDetails": DETAILS},
        {"jobId": PARTNER_JOB_ID, "clientToken": token},
    )
    stubber.add_response(
        "acknowledge_third_party_job",
        {"status": "InProgress"},
        {"jobId": PARTNER_JOB_ID, "nonce": "nonce-7", "clientToken": token},
    )


def _start(client: CodePipelineClient) -> tuple[str, str]:
    """Poll, read details with the client's token, acknowledge; return (job id, token)."""
    [job] = poll_for_third_party_jobs(client, PARTNER_ACTION, max_batch_size=1)
    token = TOKENS[job.client_id]
    details = get_third_party_job_details(client, job.job_id, token)
    assert details.id == job.job_id
    assert details.nonce is not None
    assert details.data.action_configuration is not None
    assert details.data.action_configuration.configuration["ApiKey"] == "partner-api-key"
    assert details.data.pipeline_context is not None
    assert details.data.pipeline_context.pipeline_execution_id is None
    status = acknowledge_third_party_job(client, details.id, details.nonce, token)
    assert status is JobStatus.IN_PROGRESS
    return details.id, token


def test_flow_to_success(client: CodePipelineClient, stubber: Stubber) -> None:
    """A partner job is polled, read, acknowledged and reported successful, each call with the token."""
    _queue_start(stubber)
    stubber.add_response(
        "put_third_party_job_success_result",
        {},
        {
            "jobId": PARTNER_JOB_ID,
            "clientToken": TOKENS[CLIENT_ID],
            "executionDetails": {"summary": "scanned", "percentComplete": 100},
        },
    )
    job_id, token = _start(client)
    put_third_party_job_success_result(
        client, job_id, token, execution_details=ExecutionDetails(summary="scanned", percent_complete=100)
    )


def test_flow_to_failure(client: CodePipelineClient, stubber: Stubber) -> None:
    """A partner job that fails is reported with its failure details and the token."""
    _queue_start(stubber)
    stubber.add_response(
        "put_third_party_job_failure_result",
        {},
        {
            "jobId": PARTNER_JOB_ID,
            "clientToken": TOKENS[CLIENT_ID],
            "failureDetails": {"type": "JobFailed", "message": "RuntimeError: scanner down"},
        },
    )
    job_id, token = _start(client)
    put_third_party_job_failure_result(
        client, job_id, token, FailureDetails.from_exception(RuntimeError("scanner down"))
    )


def test_flow_with_continuation(client: CodePipelineClient, stubber: Stubber) -> None:
    """A long partner job reports a continuation token with its progress."""
    _queue_start(stubber)
    stubber.add_response(
        "put_third_party_job_success_result",
        {},
        {
            "jobId": PARTNER_JOB_ID,
            "clientToken": TOKENS[CLIENT_ID],
            "continuationToken": "scan-2",
            "executionDetails": {"percentComplete": 50},
        },
    )
    job_id, token = _start(client)
    put_third_party_job_success_result(
        client,
        job_id,
        token,
        continuation_token="scan-2",
        execution_details=ExecutionDetails(percent_complete=50),
    )


def test_lost_race_is_a_client_error(client: CodePipelineClient, stubber: Stubber) -> None:
    """A worker that loses the acknowledge race gets the service's error unchanged."""
    stubber.add_client_error(
        "acknowledge_third_party_job",
        service_error_code="InvalidClientTokenException",
        expected_params={"jobId": PARTNER_JOB_ID, "nonce": "n", "clientToken": "wrong"},
    )
    with pytest.raises(client.exceptions.InvalidClientTokenException):
        acknowledge_third_party_job(client, PARTNER_JOB_ID, "n", "wrong")


def test_custom_action_refused(client: CodePipelineClient, sent_spy: list[AWSPreparedRequest]) -> None:
    """Polling partner jobs for a custom action type fails before sending."""
    with pytest.raises(NotThirdPartyActionError):
        poll_for_third_party_jobs(client, ACTION)
    assert sent_spy == []


def test_failure_type_is_sent_as_string(client: CodePipelineClient, stubber: Stubber) -> None:
    """Every known failure type goes out as its plain wire string."""
    for failure_type in FailureType:
        stubber.add_response(
            "put_third_party_job_failure_result",
            {},
            {
                "jobId": "pj",
                "clientToken": "t",
                "failureDetails": {"type": failure_type.value, "message": "m"},
            },
        )
        put_third_party_job_failure_result(client, "pj", "t", FailureDetails(type=failure_type, message="m"))
