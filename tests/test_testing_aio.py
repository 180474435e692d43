"""The fake serves aiobotocore clients too (skipped where aiobotocore is not installed)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from codepipeline_jobs.testing import FakeCodePipeline, Faults
from tests.conftest import ACTION

WIRE_ACTION = {"category": "Build", "owner": "Custom", "provider": ACTION.provider, "version": "1"}


def test_aiobotocore_client_is_served() -> None:
    """Polls, acknowledges, races between tasks, lost replies and validation work over aiobotocore."""
    session_module: Any = pytest.importorskip("aiobotocore.session")

    async def scenario() -> None:
        fake = FakeCodePipeline(faults=Faults(latency=0.001))
        job_id = fake.add_job(ACTION)
        session = session_module.get_session()
        async with session.create_client(
            "codepipeline", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
        ) as client:
            fake.attach(client)
            [job] = (await client.poll_for_jobs(actionTypeId=WIRE_ACTION))["jobs"]
            acknowledged = await client.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
            assert acknowledged["status"] == "InProgress"
            with pytest.raises(client.exceptions.InvalidNonceException):
                await asyncio.create_task(client.acknowledge_job(jobId=job["id"], nonce=job["nonce"]))
            fake.inject_fault("PutJobSuccessResult", "lost_reply")
            with pytest.raises(client.exceptions.InvalidJobStateException):
                await client.put_job_success_result(jobId=job["id"])
            with pytest.raises(client.exceptions.ValidationException):
                await client.put_job_failure_result(
                    jobId=job["id"], failureDetails={"type": "JobFailed", "message": "x" * 5001}
                )
        assert fake.job(job_id).status == "Succeeded"
        assert len(fake.job(job_id).reports) == 1

    asyncio.run(scenario())
