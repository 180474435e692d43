"""The smallest end-to-end checks of the call layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from codepipeline_jobs import JobStatus, MalformedResponseError, acknowledge_job, poll_for_jobs
from tests.conftest import ACTION, JOB_ID, RawReply, json_reply

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient


def test_poll_reads_a_raw_reply(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """A PollForJobs reply parsed by botocore's real parser becomes typed jobs."""
    sent = raw_reply(json_reply({"jobs": [{"id": JOB_ID, "nonce": "1", "data": {}}]}), 200)
    jobs = poll_for_jobs(client, ACTION, max_batch_size=1)
    assert [job.id for job in jobs] == [JOB_ID]
    assert len(sent) == 1
    assert sent[0].headers["X-Amz-Target"] == b"CodePipeline_20150709.PollForJobs"


def test_acknowledge_without_status_is_malformed(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """An AcknowledgeJob reply with no status is never taken as acknowledged."""
    raw_reply(b"{}", 200)
    with pytest.raises(MalformedResponseError, match="status"):
        acknowledge_job(client, JOB_ID, "1")


def test_acknowledge_unknown_status_comes_back(client: CodePipelineClient, raw_reply: RawReply) -> None:
    """A status this release does not know is returned unchanged."""
    raw_reply(json_reply({"status": "Paused"}), 200)
    status = acknowledge_job(client, JOB_ID, "1")
    assert status == "Paused"
    assert isinstance(status, JobStatus)
    assert not status.is_known
