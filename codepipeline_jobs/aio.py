"""The asyncio API: every job-worker call as a coroutine, and asyncio job workers.

Install the extra for aiobotocore and its client types:
``pip install "codepipeline-jobs[aio]"``. Everything here takes an
aiobotocore CodePipeline client and shares the synchronous API's models,
converter and request rules: the same call builds the same request, checks
the same rules before anything is sent, and reads the reply into the same
models.

Example:
    ```python
    # illustrative: needs AWS credentials and a custom action type
    from aiobotocore.session import get_session
    from codepipeline_jobs import aio

    async def main() -> None:
        async with get_session().create_client("codepipeline") as client:
            for job in await aio.poll_for_jobs(client, action_type_id, max_batch_size=5):
                if await aio.acknowledge_job(client, job.id, job.nonce or "") == "InProgress":
                    await aio.put_job_success_result(client, job.id)
    ```
"""

from __future__ import annotations

from ._aio_calls import (
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
from ._aio_worker import AsyncHandler, AsyncJobWorker, AsyncPartnerHandler, AsyncThirdPartyJobWorker
from ._outcomes import Continuation, Failure, Outcome, Success
from ._worker_core import WorkerStats

__all__ = [
    "AsyncHandler",
    "AsyncJobWorker",
    "AsyncPartnerHandler",
    "AsyncThirdPartyJobWorker",
    "Continuation",
    "Failure",
    "Outcome",
    "Success",
    "WorkerStats",
    "acknowledge_job",
    "acknowledge_third_party_job",
    "get_job_details",
    "get_pipeline_execution",
    "get_third_party_job_details",
    "poll_for_jobs",
    "poll_for_third_party_jobs",
    "put_job_failure_result",
    "put_job_success_result",
    "put_third_party_job_failure_result",
    "put_third_party_job_success_result",
]
