"""The job context: current_job() outside and inside, and artifact credentials renewed before they expire."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, cast

import boto3
import boto3.session
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from codepipeline_jobs import (
    Artifact,
    ArtifactLocation,
    ArtifactLocationType,
    Job,
    JobData,
    S3ArtifactLocation,
    acknowledge_job,
    poll_for_jobs,
)
from codepipeline_jobs._job_context import (
    RENEW_CREDENTIALS_AFTER,
    JobContext,
    current_job,
    job_context,
    renewer,
)
from codepipeline_jobs.artifacts import ArtifactCredentialsError, download_artifact, upload_artifact
from codepipeline_jobs.testing import FakeCodePipeline
from tests.conftest import ACTION

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from botocore.awsrequest import AWSPreparedRequest

BUCKET = "codepipeline-us-east-1-123456789012"
_KEY_ID = re.compile(r"Credential=([A-Z0-9]+)/")


class Clock:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class SentKeys:
    """The access key id of every S3 request a session's clients send."""

    def __init__(self, session: boto3.session.Session) -> None:
        self.keys: list[str] = []
        session.events.register("before-send.s3", cast("Any", self))

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> None:
        value: Any = request.headers.get("Authorization", "")
        match = _KEY_ID.search(value.decode("latin-1") if isinstance(value, bytes) else str(value))
        if match:
            self.keys.append(match.group(1))


class RefuseFirst:
    """Answers the first S3 call of a session with ExpiredToken (as S3 does for old credentials)."""

    def __init__(self, session: boto3.session.Session) -> None:
        self.calls = 0
        session.events.register_first("before-call.s3", cast("Any", self))

    def __call__(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.calls += 1
        if self.calls > 1:
            return None
        response = AWSResponse("https://s3", 400, {}, None)  # type: ignore[arg-type]
        return response, {"Error": {"Code": "ExpiredToken", "Message": "expired"}, "ResponseMetadata": {}}


def in_bucket(name: str, key: str) -> Artifact:
    """An artifact in the moto bucket."""
    location = S3ArtifactLocation(bucket_name=BUCKET, object_key=key)
    return Artifact(name=name, location=ArtifactLocation(type=ArtifactLocationType.S3, s3_location=location))


@pytest.fixture
def claimed() -> Iterator[tuple[FakeCodePipeline, Any, Job]]:
    """Inside mock_aws: a bucket with the input artifact, and a job polled and acknowledged from the fake."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="p/src/1", Body=b"source")
        fake = FakeCodePipeline()
        fake.add_job(ACTION, input_artifacts=[in_bucket("src", "p/src/1")],
                     output_artifacts=[in_bucket("out", "p/out/1")])
        client = fake.client()
        [job] = poll_for_jobs(client, ACTION)
        acknowledge_job(client, job.id, job.nonce or "")
        yield fake, client, job


def test_outside_a_handler_there_is_no_current_job() -> None:
    """current_job() says where it works."""
    with pytest.raises(LookupError, match="inside a job handler"):
        current_job()


def test_the_context_is_current_inside_the_block_only() -> None:
    """job_context() sets it for the block; the time left counts down to 0; no token in the repr."""
    clock = Clock()
    job = Job(id="job-1", nonce="n", data=JobData())
    context = JobContext(job, client=None, logger=logging.getLogger("t"), client_token="tok-secret",
                         deadline=clock.now + 30, clock=clock)
    with job_context(context):
        assert current_job() is context
        assert current_job().time_left() == 30
        clock.now += 45
        assert current_job().time_left() == 0
    with pytest.raises(LookupError):
        current_job()
    assert "tok-secret" not in repr(context)
    assert JobContext(job, client=None, logger=logging.getLogger("t")).time_left() is None


def test_old_credentials_are_renewed_before_use(
    claimed: tuple[FakeCodePipeline, Any, Job], tmp_path: Path
) -> None:
    """Young credentials are used as they are; once older than the threshold, GetJobDetails first."""
    fake, client, job = claimed
    clock = Clock()
    session = boto3.session.Session()
    sent = SentKeys(session)
    context = JobContext(job, client=client, logger=logging.getLogger("t"), renew=renewer(client, job),
                         clock=clock)
    original = job.data.artifact_credentials
    assert original is not None
    with job_context(context):
        download_artifact(job, "src", tmp_path / "a", session=session)
        assert "GetJobDetails" not in fake.calls
        before, sent.keys = sent.keys, []
        clock.now += RENEW_CREDENTIALS_AFTER + 1
        download_artifact(job, "src", tmp_path / "b", session=session)
        assert fake.calls.count("GetJobDetails") == 1
        upload_artifact(job, "out", b"built", session=session)  # still fresh: no second renewal
        assert fake.calls.count("GetJobDetails") == 1
    fresh = context.job.data.artifact_credentials
    assert fresh is not None
    assert fresh.access_key_id != original.access_key_id
    assert isinstance(context.job, Job)
    assert context.job.nonce == job.nonce  # the nonce of the job the handler holds
    assert set(before) == {original.access_key_id}
    assert set(sent.keys) == {fresh.access_key_id}
    assert (tmp_path / "b").read_bytes() == b"source"


def test_refused_credentials_are_renewed_through_the_context(
    claimed: tuple[FakeCodePipeline, Any, Job], tmp_path: Path
) -> None:
    """Without codepipeline_client=, S3 refusing the credentials renews them through the worker's client."""
    fake, client, job = claimed
    session = boto3.session.Session()
    RefuseFirst(session)
    context = JobContext(job, client=client, logger=logging.getLogger("t"), renew=renewer(client, job))
    with job_context(context):
        path = download_artifact(job, "src", tmp_path / "a", session=session)
    assert path.read_bytes() == b"source"
    assert fake.calls.count("GetJobDetails") == 1


def test_a_context_of_another_job_is_not_used(
    claimed: tuple[FakeCodePipeline, Any, Job], tmp_path: Path
) -> None:
    """A helper called for another job than the handler's does not touch the handler's context."""
    fake, client, job = claimed
    session = boto3.session.Session()
    RefuseFirst(session)
    other = Job(id="another-job", nonce="n", data=JobData())
    clock = Clock()
    context = JobContext(other, client=client, logger=logging.getLogger("t"), renew=renewer(client, other),
                         clock=clock)
    clock.now += RENEW_CREDENTIALS_AFTER * 2
    with job_context(context), pytest.raises(ArtifactCredentialsError, match="codepipeline_client="):
        download_artifact(job, "src", tmp_path / "a", session=session)
    assert "GetJobDetails" not in fake.calls
