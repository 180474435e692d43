"""The job-worker calls as coroutines over an aiobotocore CodePipeline client.

Every coroutine builds the very `Call` its synchronous twin in `_calls` builds
(`Calls`), so validation, the wire form of the request and the reading of
the reply are the same code; only the sending is awaited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from ._action_types import create_params, find, params_of, settle
from ._calls import PARSER_CRASHES, Calls, check_client, check_next_token
from ._configuration import CustomAction
from ._void_replies import install as install_void_reply_check

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from types_aiobotocore_codepipeline import CodePipelineClient

    from ._action_type_models import (
        ActionConfigurationProperty,
        ActionType,
        ActionTypeSettings,
        ArtifactDetails,
        Tag,
    )
    from ._calls import Call
    from ._execution_models import PipelineExecution
    from ._job_detail_models import JobDetails, ThirdPartyJob, ThirdPartyJobDetails
    from ._models import ActionTypeId, CurrentRevision, ExecutionDetails, FailureDetails, Job
    from ._values import ActionCategory, ActionCategoryName, ActionOwner, ActionOwnerName, JobStatus

__all__ = [
    "acknowledge_job",
    "acknowledge_third_party_job",
    "create_custom_action_type",
    "delete_custom_action_type",
    "ensure_custom_action_type",
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
    "run",
]

R = TypeVar("R")


async def run(client: CodePipelineClient, call: Call[R]) -> R:
    """Validate `call`, send it through the aiobotocore `client` and read the reply."""
    check_client(client, asynchronous=True)
    call.validate(client.meta.service_model)
    install_void_reply_check(client)
    method: Any = getattr(client, call.method)
    try:
        reply = await method(**call.params)
    except PARSER_CRASHES as exc:
        raise call.parse_failure(exc) from exc
    return call.finish(reply)


async def poll_for_jobs(
    client: CodePipelineClient,
    action_type_id: ActionTypeId,
    *,
    max_batch_size: int | None = None,
    query_param: Mapping[str, str] | None = None,
) -> list[Job]:
    """Ask CodePipeline for queued jobs of a custom action type (PollForJobs).

    The coroutine form of `codepipeline_jobs.poll_for_jobs`: same arguments
    (an aiobotocore client), same rules, same result and errors.

    Example:
        ```python
        jobs = await aio.poll_for_jobs(client, action_type_id, max_batch_size=5)
        ```
    """
    return await run(client, Calls.poll_for_jobs(
        action_type_id, max_batch_size=max_batch_size, query_param=query_param
    ))


async def get_pipeline_execution(
    client: CodePipelineClient, pipeline_name: str, pipeline_execution_id: str
) -> PipelineExecution:
    """Read a pipeline execution.

    The coroutine form of `codepipeline_jobs.get_pipeline_execution`.
    """
    return await run(client, Calls.get_pipeline_execution(pipeline_name, pipeline_execution_id))


async def put_job_success_result(
    client: CodePipelineClient,
    job_id: str,
    *,
    current_revision: CurrentRevision | None = None,
    continuation_token: str | None = None,
    execution_details: ExecutionDetails | None = None,
    output_variables: Mapping[str, str] | None = None,
) -> None:
    """Report that a custom action job succeeded.

    The coroutine form of `codepipeline_jobs.put_job_success_result`.
    """
    await run(client, Calls.put_job_success_result(
        job_id,
        current_revision=current_revision,
        continuation_token=continuation_token,
        execution_details=execution_details,
        output_variables=output_variables,
    ))


async def put_third_party_job_success_result(
    client: CodePipelineClient,
    job_id: str,
    client_token: str,
    *,
    current_revision: CurrentRevision | None = None,
    continuation_token: str | None = None,
    execution_details: ExecutionDetails | None = None,
) -> None:
    """Report that a partner job succeeded.

    The coroutine form of `codepipeline_jobs.put_third_party_job_success_result`.
    """
    await run(client, Calls.put_third_party_job_success_result(
        job_id,
        client_token,
        current_revision=current_revision,
        continuation_token=continuation_token,
        execution_details=execution_details,
    ))


async def acknowledge_job(client: CodePipelineClient, job_id: str, nonce: str) -> JobStatus:
    """Claim a polled job with its nonce.

    The coroutine form of `codepipeline_jobs.acknowledge_job`.
    """
    return await run(client, Calls.acknowledge_job(job_id, nonce))


async def get_job_details(client: CodePipelineClient, job_id: str) -> JobDetails:
    """Read a job again, with fresh credentials.

    The coroutine form of `codepipeline_jobs.get_job_details`.
    """
    return await run(client, Calls.get_job_details(job_id))


async def put_job_failure_result(
    client: CodePipelineClient, job_id: str, failure_details: FailureDetails
) -> None:
    """Report that a custom action job failed.

    The coroutine form of `codepipeline_jobs.put_job_failure_result`.
    """
    await run(client, Calls.put_job_failure_result(job_id, failure_details))


async def poll_for_third_party_jobs(
    client: CodePipelineClient, action_type_id: ActionTypeId, *, max_batch_size: int | None = None
) -> list[ThirdPartyJob]:
    """Ask for queued partner jobs.

    The coroutine form of `codepipeline_jobs.poll_for_third_party_jobs`.
    """
    return await run(client, Calls.poll_for_third_party_jobs(
        action_type_id, max_batch_size=max_batch_size
    ))


async def acknowledge_third_party_job(
    client: CodePipelineClient, job_id: str, nonce: str, client_token: str
) -> JobStatus:
    """Claim a partner job.

    The coroutine form of `codepipeline_jobs.acknowledge_third_party_job`.
    """
    return await run(client, Calls.acknowledge_third_party_job(job_id, nonce, client_token))


async def get_third_party_job_details(
    client: CodePipelineClient, job_id: str, client_token: str
) -> ThirdPartyJobDetails:
    """Read a partner job.

    The coroutine form of `codepipeline_jobs.get_third_party_job_details`.
    """
    return await run(client, Calls.get_third_party_job_details(job_id, client_token))


async def put_third_party_job_failure_result(
    client: CodePipelineClient, job_id: str, client_token: str, failure_details: FailureDetails
) -> None:
    """Report that a partner job failed.

    The coroutine form of `codepipeline_jobs.put_third_party_job_failure_result`.
    """
    await run(
        client, Calls.put_third_party_job_failure_result(job_id, client_token, failure_details)
    )



# --- action types ---------------------------------------------------------------------------


async def create_custom_action_type(
    client: CodePipelineClient,
    category: ActionCategory | ActionCategoryName,
    provider: str,
    version: str,
    *,
    input_artifact_details: ArtifactDetails,
    output_artifact_details: ArtifactDetails,
    settings: ActionTypeSettings | None = None,
    configuration_properties: Sequence[ActionConfigurationProperty] = (),
    tags: Sequence[Tag] = (),
) -> ActionType:
    """Register a custom action type.

    The coroutine form of `codepipeline_jobs.create_custom_action_type`.
    """
    params = create_params(
        category,
        provider,
        version,
        input_artifact_details=input_artifact_details,
        output_artifact_details=output_artifact_details,
        settings=settings,
        configuration_properties=configuration_properties,
        tags=tags,
    )
    return await run(client, Calls.create_custom_action_type(params))


async def delete_custom_action_type(
    client: CodePipelineClient, category: ActionCategory | ActionCategoryName, provider: str, version: str
) -> None:
    """Delete a custom action type.

    The coroutine form of `codepipeline_jobs.delete_custom_action_type`.
    """
    await run(client, Calls.delete_custom_action_type(category, provider, version))


async def list_action_types(
    client: CodePipelineClient,
    *,
    action_owner_filter: ActionOwner | ActionOwnerName | None = None,
    region_filter: str | None = None,
) -> list[ActionType]:
    """Every action type, all pages read.

    The coroutine form of `codepipeline_jobs.list_action_types`.
    """
    found: list[ActionType] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        page, token = await run(client, Calls.list_action_types(
            action_owner_filter=action_owner_filter, region_filter=region_filter, next_token=token
        ))
        found.extend(page)
        if token is None:
            return found
        check_next_token(token, seen)


async def ensure_custom_action_type(
    client: CodePipelineClient,
    action_type: ActionType | CustomAction[Any],
    *,
    tags: Sequence[Tag] = (),
) -> ActionType:
    """Register a custom action type unless it is registered already.

    The coroutine form of `codepipeline_jobs.ensure_custom_action_type`.
    """
    if isinstance(action_type, CustomAction):
        action_type = action_type.action_type
    create = Calls.create_custom_action_type(params_of(action_type, tags))
    create.validate(client.meta.service_model)
    listed = await list_action_types(client, action_owner_filter=action_type.id.owner)
    registered = find(listed, action_type.id)
    if not settle(action_type, registered):
        assert registered is not None
        return registered
    return await run(client, create)
