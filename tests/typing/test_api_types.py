"""A consumer of the public API: every return type, field and value set, pinned with assert_type.

mypy --strict and pyright (strict) check this module; pytest runs it against a stubbed client,
so the types asserted here are also the types returned at run time.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
import cattrs
from botocore.stub import Stubber

import codepipeline_jobs as cj
from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    Artifact,
    AWSSessionCredentials,
    FailureDetails,
    FailureType,
    Job,
    JobData,
    JobDetails,
    JobStatus,
    PipelineExecution,
    PipelineExecutionStatus,
    ThirdPartyJob,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
    TriggerType,
)

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient

JOB_ID = "11111111-2222-4333-8444-555555555555"
EXECUTION_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
CUSTOM = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1")
PARTNER = ActionTypeId(category=ActionCategory.TEST, owner=ActionOwner.THIRD_PARTY, provider="P", version="1")
FAILURE = FailureDetails(type=FailureType.JOB_FAILED, message="m")


def use_every_call(client: CodePipelineClient) -> None:
    """Each of the eleven calls, with the type it returns."""
    jobs = cj.poll_for_jobs(client, CUSTOM, max_batch_size=1, query_param={"k": "v"})
    assert_type(jobs, list[Job])
    assert_type(cj.acknowledge_job(client, JOB_ID, "n"), JobStatus)
    assert_type(cj.get_job_details(client, JOB_ID), JobDetails)
    assert_type(cj.put_job_success_result(client, JOB_ID, output_variables={"a": "b"}), None)
    assert_type(cj.put_job_failure_result(client, JOB_ID, FAILURE), None)
    assert_type(cj.get_pipeline_execution(client, "pipe", EXECUTION_ID), PipelineExecution)
    assert_type(cj.poll_for_third_party_jobs(client, PARTNER, max_batch_size=1), list[ThirdPartyJob])
    assert_type(cj.get_third_party_job_details(client, "pj", "tok"), ThirdPartyJobDetails)
    assert_type(cj.acknowledge_third_party_job(client, "pj", "n", "tok"), JobStatus)
    assert_type(cj.put_third_party_job_success_result(client, "pj", "tok", continuation_token="c"), None)
    assert_type(cj.put_third_party_job_failure_result(client, "pj", "tok", FAILURE), None)


def read_a_job(job: Job) -> None:
    """Model fields keep their precise types."""
    assert_type(job.id, str)
    assert_type(job.nonce, str | None)
    assert_type(job.data, JobData)
    assert_type(job.data.input_artifacts, tuple[Artifact, ...])
    assert_type(job.data.artifact_credentials, AWSSessionCredentials | None)
    if job.data.action_type_id is not None:
        assert_type(job.data.action_type_id.category, ActionCategory)
        assert_type(job.data.action_type_id.owner, ActionOwner)
    if job.data.action_configuration is not None:
        assert_type(job.data.action_configuration.configuration, Mapping[str, str])
    for artifact in job.data.output_artifacts:
        if artifact.location is not None and artifact.location.s3_location is not None:
            assert_type(artifact.location.s3_location.bucket_name, str)
    if job.data.artifact_credentials is not None:
        assert_type(job.data.artifact_credentials.session_token, str)
        assert_type(job.data.artifact_credentials.expiration_time, int | None)


def read_partner_details(details: ThirdPartyJobDetails) -> None:
    """Partner job details have their own data class."""
    assert_type(details.data, ThirdPartyJobData)
    assert_type(details.nonce, str | None)
    assert_type(details.data.continuation_token, str | None)


def read_an_execution(execution: PipelineExecution) -> None:
    """Execution fields, value sets and timestamps keep their types."""
    assert_type(execution.status, PipelineExecutionStatus | None)
    assert_type(execution.pipeline_version, int | None)
    if execution.trigger is not None:
        assert_type(execution.trigger.trigger_type, TriggerType | None)
    for revision in execution.artifact_revisions:
        assert_type(revision.created, dt.datetime | None)


def use_value_sets_and_converter() -> None:
    """Value sets are str enums; the converter functions are generic in the class."""
    status = JobStatus("Paused")
    assert_type(status, JobStatus)
    assert_type(status.is_known, bool)
    plain: str = status.value
    assert plain == "Paused"
    text: str = FailureType.JOB_FAILED
    assert text == "JobFailed"
    assert_type(cj.structure({"id": JOB_ID, "data": {}}, Job), Job)
    assert_type(cj.structure([], tuple[Job, ...]), tuple[Job, ...])
    assert_type(cj.unstructure(CUSTOM), Any)
    assert_type(cj.converter, cattrs.Converter)
    assert_type(
        FailureDetails.from_exception(ValueError("x"), type=FailureType.CONFIGURATION_ERROR), FailureDetails
    )
    assert_type(cj.install_log_redaction(), cj.SecretsFilter)
    errors: Sequence[type[cj.CodePipelineJobsError]] = (
        cj.ValidationError,
        cj.NotCustomActionError,
        cj.NotThirdPartyActionError,
        cj.MalformedResponseError,
    )
    assert len(errors) == 4


def test_types_at_run_time() -> None:
    """The calls return what their annotations say, against a stubbed client."""
    # boto3-stubs types every service's overload; those not installed are unknown to pyright.
    client: CodePipelineClient = boto3.client(  # pyright: ignore[reportUnknownMemberType]
        "codepipeline", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    job: dict[str, Any] = {
        "id": JOB_ID,
        "nonce": "n",
        "data": {"inputArtifacts": [], "actionConfiguration": {"configuration": {"k": "v"}}},
    }
    with Stubber(client) as stub:
        stub.add_response("poll_for_jobs", {"jobs": [job]})
        stub.add_response("acknowledge_job", {"status": "InProgress"})
        stub.add_response("get_job_details", {"jobDetails": {"id": JOB_ID, "data": {}}})
        stub.add_response("put_job_success_result", {})
        stub.add_response("put_job_failure_result", {})
        stub.add_response("get_pipeline_execution", {"pipelineExecution": {"status": "Succeeded"}})
        stub.add_response("poll_for_third_party_jobs", {"jobs": [{"clientId": JOB_ID, "jobId": JOB_ID}]})
        stub.add_response("get_third_party_job_details", {"jobDetails": {"id": "pj", "data": {}}})
        stub.add_response("acknowledge_third_party_job", {"status": "InProgress"})
        stub.add_response("put_third_party_job_success_result", {})
        stub.add_response("put_third_party_job_failure_result", {})
        use_every_call(client)
        stub.assert_no_pending_responses()
    read_a_job(cj.structure(job, Job))
    read_partner_details(cj.structure({"id": "pj", "data": {}}, ThirdPartyJobDetails))
    read_an_execution(
        cj.structure(
            {"artifactRevisions": [{"created": dt.datetime.now(dt.timezone.utc)}]}, PipelineExecution
        )
    )
    use_value_sets_and_converter()
