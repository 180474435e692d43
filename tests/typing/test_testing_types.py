"""A user's tests of a Lambda function and a worker with the plugin's fixtures, pinned with assert_type.

mypy --strict and pyright (strict) check this module as a user's test module would be
checked; pytest runs it, so the types asserted are the types returned.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import boto3

from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId, Job, JobStatus, poll_for_jobs
from codepipeline_jobs.aws_lambda import Success, job_from_event, job_handler
from codepipeline_jobs.testing import LAMBDA_INVOKE, FakeCodePipeline, FakeJob

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient


CUSTOM = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1")


def succeed(job: Job, context: object) -> Success:
    """The function under test."""
    return Success(output_variables={"id": job.id[:8]})


handler = job_handler(succeed)


def test_a_lambda_function_against_the_fake(fake_codepipeline: FakeCodePipeline) -> None:
    """lambda_event is a plain dict; serve_new_clients is a plain context manager."""
    job_id = fake_codepipeline.add_job(LAMBDA_INVOKE, configuration={"FunctionName": "f"})
    event = fake_codepipeline.lambda_event(job_id)
    assert_type(event, dict[str, Any])
    assert_type(job_from_event(event), Job)
    with fake_codepipeline.serve_new_clients():
        handler(event, None)
    snapshot = fake_codepipeline.job(job_id)
    assert_type(snapshot, FakeJob)
    assert snapshot.status == JobStatus.SUCCEEDED


def test_the_client_fixture(codepipeline_client: CodePipelineClient, fake_aws_env: None) -> None:
    """The client fixture is boto3's CodePipeline client; new sessions find the fake region."""
    assert poll_for_jobs(codepipeline_client, CUSTOM) == []
    assert boto3.session.Session().region_name == "us-east-1"
