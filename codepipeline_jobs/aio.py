"""The asyncio API: every job-worker call as a coroutine, and asyncio job workers.

Install the extra for aiobotocore and its client types:
``pip install "codepipeline-jobs[aio]"``. Everything here takes an
aiobotocore CodePipeline client and shares the synchronous API's models,
converter and request rules: the same call builds the same request, checks
the same rules before anything is sent, and reads the reply into the same
models.

The artifact helpers (`download_artifact`, `extract_artifact`,
`read_artifact_file`, `upload_artifact`) are coroutines too: the synchronous
helpers of `codepipeline_jobs.artifacts`, with the same arguments, run in a
worker thread so that they never block the event loop. They are loaded on
first use (they bring boto3's transfer manager with them).

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

import typing as _typing

from ._aio_calls import (
    acknowledge_job,
    acknowledge_third_party_job,
    create_custom_action_type,
    delete_custom_action_type,
    ensure_custom_action_type,
    get_job_details,
    get_pipeline_execution,
    get_third_party_job_details,
    list_action_types,
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

if _typing.TYPE_CHECKING:
    from ._aio_artifacts import download_artifact, extract_artifact, read_artifact_file, upload_artifact

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
    "create_custom_action_type",
    "delete_custom_action_type",
    "download_artifact",
    "ensure_custom_action_type",
    "extract_artifact",
    "get_job_details",
    "get_pipeline_execution",
    "get_third_party_job_details",
    "list_action_types",
    "poll_for_jobs",
    "poll_for_third_party_jobs",
    "put_job_failure_result",
    "put_job_success_result",
    "put_third_party_job_failure_result",
    "put_third_party_job_success_result",
    "read_artifact_file",
    "upload_artifact",
]

# The artifact coroutines are loaded on first use (PEP 562): they import boto3 and its
# transfer manager (~200 ms), which a service using only the calls never needs.
_LAZY = frozenset({"download_artifact", "extract_artifact", "read_artifact_file", "upload_artifact"})


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        message = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(message)
    from . import _aio_artifacts  # noqa: PLC0415 - only when an artifact coroutine is first used

    value: object = getattr(_aio_artifacts, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
