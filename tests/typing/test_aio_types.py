"""A consumer of `codepipeline_jobs.aio`: awaited results, workers and handlers, pinned with assert_type.

mypy --strict and pyright (strict) check this module against types-aiobotocore-codepipeline's
client; pytest runs it against the fake, so the types asserted are the types returned.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import pytest

from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    Job,
    JobDetails,
    JobStatus,
    PipelineExecution,
    ThirdPartyJob,
    ThirdPartyJobDetails,
    aio,
)
from codepipeline_jobs.testing import FakeCodePipeline

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

if TYPE_CHECKING:
    from types_aiobotocore_codepipeline import CodePipelineClient

CUSTOM = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1")
PARTNER = ActionTypeId(category=ActionCategory.TEST, owner=ActionOwner.THIRD_PARTY, provider="P", version="1")


async def handler(job: Job) -> aio.Outcome:
    """A coroutine handler."""
    await asyncio.sleep(0)
    return aio.Success(output_variables={"id": job.id})


def plain_handler(job: ThirdPartyJobDetails) -> aio.Outcome:
    """A plain handler."""
    return aio.Failure("no") if job.data.continuation_token else None


async def use_the_api(client: CodePipelineClient, fake: FakeCodePipeline) -> None:
    """Every awaited call and both workers, with the types they give."""
    jobs = await aio.poll_for_jobs(client, CUSTOM, max_batch_size=1)
    assert_type(jobs, list[Job])
    [job] = jobs
    assert_type(await aio.acknowledge_job(client, job.id, job.nonce or ""), JobStatus)
    assert_type(await aio.get_job_details(client, job.id), JobDetails)
    context = job.data.pipeline_context
    assert context is not None
    assert context.pipeline_name is not None
    assert context.pipeline_execution_id is not None
    execution = await aio.get_pipeline_execution(client, context.pipeline_name, context.pipeline_execution_id)
    assert_type(execution, PipelineExecution)
    assert_type(await aio.put_job_success_result(client, job.id), None)
    partner_jobs = await aio.poll_for_third_party_jobs(client, PARTNER)
    assert_type(partner_jobs, list[ThirdPartyJob])
    worker = aio.AsyncJobWorker(client, CUSTOM, handler, max_concurrency=2, handle_signals=False)
    assert_type(await worker.run_once(), int)
    assert_type(worker.stats, aio.WorkerStats)
    partner = aio.AsyncThirdPartyJobWorker(
        client, PARTNER, plain_handler, fake.client_token, handle_signals=False
    )
    assert_type(await partner.run_once(), int)


def test_the_asserted_types_hold_at_run_time() -> None:
    """The consumer above runs against the fake."""
    pytest.importorskip("aiobotocore", reason="needs the aio extra (aiobotocore)")
    fake = FakeCodePipeline()
    fake.add_job(CUSTOM)
    fake.add_job(CUSTOM)
    fake.add_job(PARTNER)

    async def main() -> None:
        async with fake.aio_client() as client:
            await use_the_api(client, fake)

    asyncio.run(main())
    assert [job.status for job in fake.jobs()] == [JobStatus.SUCCEEDED] * 2 + [JobStatus.DISPATCHED]
