"""Thin functions over the job-worker calls of a boto3 CodePipeline client.

Each call goes the same way: build the request in wire form from typed
arguments, check it against every rule of the operation (nothing is sent if
one is broken), send it through the client, and read the reply into models.

Each operation is described once, as a `Call`: its name, its parameters and
how its reply is read. The synchronous functions here and the coroutines of
`codepipeline_jobs.aio` run the same `Call` objects, so the two can never
drift apart.

Errors from the service propagate as botocore's ``ClientError``, unchanged.
A reply botocore cannot parse, or whose shape is wrong, becomes a
`MalformedResponseError`.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._action_type_models import ActionType
from ._action_types import create_params, find, params_of, plain, settle
from ._convert import structure_reply, unstructure
from ._errors import MalformedResponseError, type_description, with_article
from ._execution_models import PipelineExecution
from ._job_detail_models import JobDetails, ThirdPartyJob, ThirdPartyJobDetails
from ._models import ActionTypeId, CurrentRevision, ExecutionDetails, FailureDetails, Job
from ._rules import validate_request
from ._values import JobStatus
from ._void_replies import install as install_void_reply_check

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from mypy_boto3_codepipeline import CodePipelineClient

    from ._action_type_models import ActionConfigurationProperty, ActionTypeSettings, ArtifactDetails, Tag
    from ._configuration import CustomAction
    from ._values import ActionCategory, ActionCategoryName, ActionOwner, ActionOwnerName

__all__ = [
    "PARSER_CRASHES",
    "Call",
    "Calls",
    "acknowledge_job",
    "acknowledge_third_party_job",
    "check_client",
    "check_next_token",
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

logger = logging.getLogger("codepipeline_jobs")

R = TypeVar("R")

#: Exceptions botocore's parser lets escape on a garbage reply (an HTML body,
#: ``{"jobs": "oops"}``, bytes that are not UTF-8, ...).
PARSER_CRASHES = (AttributeError, TypeError, ValueError, KeyError, IndexError)


class Call(Generic[R]):
    """One operation, ready to send: its name, wire parameters and reply reader.

    Attributes:
        operation: The API's operation name, e.g. ``"PollForJobs"``.
        method: The client method that sends it, e.g. ``"poll_for_jobs"``.
        params: The request in wire form, absent members left out.
        read: Reads the reply into the call's result.
    """

    __slots__ = ("method", "note", "operation", "params", "read")

    def __init__(
        self,
        operation: str,
        method: str,
        params: dict[str, Any],
        read: Callable[[Mapping[str, Any]], R],
        note: Callable[[R], None] | None = None,
    ) -> None:
        self.operation = operation
        self.method = method
        self.params = params
        self.read = read
        self.note = note

    def __repr__(self) -> str:
        # Parameters are left out: they may hold client tokens.
        return f"Call({self.operation!r}, params={sorted(self.params)!r})"

    def validate(self, service_model: Any = None) -> None:
        """Check the request against every rule of the operation; raise `ValidationError`."""
        validate_request(self.operation, self.params, service_model=service_model)

    def finish(self, reply: Mapping[str, Any]) -> R:
        """Read `reply` into the call's result, and log what happened (at DEBUG level)."""
        result = self.read(reply)
        if self.note is not None:
            self.note(result)
        return result

    def parse_failure(self, exc: Exception) -> MalformedResponseError:
        """The error for a reply botocore could not parse."""
        return MalformedResponseError(
            "", f"the {self.operation} reply could not be parsed ({type(exc).__name__})"
        )


def _model(value: object, cls: type[Any], parameter: str, *, optional: bool = False) -> None:
    """Refuse an argument that is not an instance of the model `cls`, naming the parameter.

    Raises:
        TypeError: `value` is not a `cls` (nor ``None``, when `optional`).
    """
    if isinstance(value, cls) or (optional and value is None):
        return
    message = f"{parameter} must be {with_article(cls.__name__)}, got {type_description(value)}"
    if cls is ActionTypeId and isinstance(value, (str, dict)):
        message += (
            ' (e.g. ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1"))'
        )
    raise TypeError(message)


def _params(**members: Any) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value is not None}


def _ignore_reply(_: Mapping[str, Any]) -> None:
    return None


_JOBS = tuple[Job, ...]
_THIRD_PARTY_JOBS = tuple[ThirdPartyJob, ...]


def _read_jobs(reply: Mapping[str, Any]) -> list[Job]:
    return list(structure_reply(reply, "jobs", _JOBS))


def _read_third_party_jobs(reply: Mapping[str, Any]) -> list[ThirdPartyJob]:
    return list(structure_reply(reply, "jobs", _THIRD_PARTY_JOBS))


def _read_status(reply: Mapping[str, Any]) -> JobStatus:
    return structure_reply(reply, "status", JobStatus)


def _read_job_details(reply: Mapping[str, Any]) -> JobDetails:
    return structure_reply(reply, "jobDetails", JobDetails)


def _read_third_party_job_details(reply: Mapping[str, Any]) -> ThirdPartyJobDetails:
    return structure_reply(reply, "jobDetails", ThirdPartyJobDetails)


def _read_pipeline_execution(reply: Mapping[str, Any]) -> PipelineExecution:
    return structure_reply(reply, "pipelineExecution", PipelineExecution)


def _read_action_type(reply: Mapping[str, Any]) -> ActionType:
    return structure_reply(reply, "actionType", ActionType)


_ACTION_TYPES = tuple[ActionType, ...]


def _read_action_type_page(reply: Mapping[str, Any]) -> tuple[list[ActionType], str | None]:
    action_types = list(structure_reply(reply, "actionTypes", _ACTION_TYPES))
    token = reply.get("nextToken")
    if token is not None and not isinstance(token, str):
        raise MalformedResponseError("nextToken", "expected a string")
    return action_types, token or None


class Calls:
    """Builders of every `Call`, shared by the synchronous and the async API: ``Calls.poll_for_jobs(...)``."""

    @staticmethod
    def poll_for_jobs(
        action_type_id: ActionTypeId,
        *,
        max_batch_size: int | None = None,
        query_param: Mapping[str, str] | None = None,
    ) -> Call[list[Job]]:
        """PollForJobs."""
        _model(action_type_id, ActionTypeId, "action_type_id")
        params = _params(
            actionTypeId=unstructure(action_type_id),
            maxBatchSize=max_batch_size,
            queryParam=dict(query_param) if query_param is not None else None,
        )
        provider = action_type_id.provider
        return Call("PollForJobs", "poll_for_jobs", params, _read_jobs, lambda jobs: logger.debug(
            "polled %d job(s) for %s", len(jobs), provider
        ))

    @staticmethod
    def get_pipeline_execution(
        pipeline_name: str, pipeline_execution_id: str
    ) -> Call[PipelineExecution]:
        """GetPipelineExecution."""
        params = _params(pipelineName=pipeline_name, pipelineExecutionId=pipeline_execution_id)
        return Call(
            "GetPipelineExecution", "get_pipeline_execution", params, _read_pipeline_execution
        )

    @staticmethod
    def put_job_success_result(
        job_id: str,
        *,
        current_revision: CurrentRevision | None = None,
        continuation_token: str | None = None,
        execution_details: ExecutionDetails | None = None,
        output_variables: Mapping[str, str] | None = None,
    ) -> Call[None]:
        """PutJobSuccessResult."""
        _model(current_revision, CurrentRevision, "current_revision", optional=True)
        _model(execution_details, ExecutionDetails, "execution_details", optional=True)
        params = _params(
            jobId=job_id,
            currentRevision=unstructure(current_revision),
            continuationToken=continuation_token,
            executionDetails=unstructure(execution_details),
            outputVariables=dict(output_variables) if output_variables is not None else None,
        )
        return Call("PutJobSuccessResult", "put_job_success_result", params, _ignore_reply,
                    lambda _: logger.debug("reported success of job %s", job_id))

    @staticmethod
    def put_third_party_job_success_result(
        job_id: str,
        client_token: str,
        *,
        current_revision: CurrentRevision | None = None,
        continuation_token: str | None = None,
        execution_details: ExecutionDetails | None = None,
    ) -> Call[None]:
        """PutThirdPartyJobSuccessResult."""
        _model(current_revision, CurrentRevision, "current_revision", optional=True)
        _model(execution_details, ExecutionDetails, "execution_details", optional=True)
        params = _params(
            jobId=job_id,
            clientToken=client_token,
            currentRevision=unstructure(current_revision),
            continuationToken=continuation_token,
            executionDetails=unstructure(execution_details),
        )
        return Call(
            "PutThirdPartyJobSuccessResult",
            "put_third_party_job_success_result",
            params,
            _ignore_reply,
            lambda _: logger.debug("reported success of partner job %s", job_id),
        )

    @staticmethod
    def acknowledge_job(job_id: str, nonce: str) -> Call[JobStatus]:
        """AcknowledgeJob."""
        params = _params(jobId=job_id, nonce=nonce)
        return Call("AcknowledgeJob", "acknowledge_job", params, _read_status,
                    lambda status: logger.debug("acknowledged job %s: %s", job_id, status))

    @staticmethod
    def get_job_details(job_id: str) -> Call[JobDetails]:
        """GetJobDetails."""
        return Call("GetJobDetails", "get_job_details", _params(jobId=job_id), _read_job_details)

    @staticmethod
    def put_job_failure_result(job_id: str, failure_details: FailureDetails) -> Call[None]:
        """PutJobFailureResult."""
        _model(failure_details, FailureDetails, "failure_details")
        params = _params(jobId=job_id, failureDetails=unstructure(failure_details))
        return Call("PutJobFailureResult", "put_job_failure_result", params, _ignore_reply,
                    lambda _: logger.debug("reported failure of job %s: %s", job_id, failure_details.type))

    @staticmethod
    def poll_for_third_party_jobs(
        action_type_id: ActionTypeId, *, max_batch_size: int | None = None
    ) -> Call[list[ThirdPartyJob]]:
        """PollForThirdPartyJobs."""
        _model(action_type_id, ActionTypeId, "action_type_id")
        params = _params(actionTypeId=unstructure(action_type_id), maxBatchSize=max_batch_size)
        provider = action_type_id.provider
        return Call(
            "PollForThirdPartyJobs", "poll_for_third_party_jobs", params, _read_third_party_jobs,
            lambda jobs: logger.debug("polled %d partner job(s) for %s", len(jobs), provider),
        )

    @staticmethod
    def acknowledge_third_party_job(job_id: str, nonce: str, client_token: str) -> Call[JobStatus]:
        """AcknowledgeThirdPartyJob."""
        params = _params(jobId=job_id, nonce=nonce, clientToken=client_token)
        return Call(
            "AcknowledgeThirdPartyJob", "acknowledge_third_party_job", params, _read_status,
            lambda status: logger.debug("acknowledged partner job %s: %s", job_id, status),
        )

    @staticmethod
    def get_third_party_job_details(job_id: str, client_token: str) -> Call[ThirdPartyJobDetails]:
        """GetThirdPartyJobDetails."""
        params = _params(jobId=job_id, clientToken=client_token)
        return Call(
            "GetThirdPartyJobDetails",
            "get_third_party_job_details",
            params,
            _read_third_party_job_details,
        )

    @staticmethod
    def put_third_party_job_failure_result(
        job_id: str, client_token: str, failure_details: FailureDetails
    ) -> Call[None]:
        """PutThirdPartyJobFailureResult."""
        _model(failure_details, FailureDetails, "failure_details")
        params = _params(
            jobId=job_id, clientToken=client_token, failureDetails=unstructure(failure_details)
        )
        return Call(
            "PutThirdPartyJobFailureResult",
            "put_third_party_job_failure_result",
            params,
            _ignore_reply,
            lambda _: logger.debug(
                "reported failure of partner job %s: %s", job_id, failure_details.type
            ),
        )

    # --- action types ---------------------------------------------------------------------

    @staticmethod
    def create_custom_action_type(params: dict[str, Any]) -> Call[ActionType]:
        """CreateCustomActionType, from the request `_action_types.create_params` builds."""
        name = f"{params.get('category')}/{params.get('provider')}/{params.get('version')}"
        return Call(
            "CreateCustomActionType", "create_custom_action_type", params, _read_action_type,
            lambda _: logger.info("registered custom action type %s", name),
        )

    @staticmethod
    def delete_custom_action_type(category: str, provider: str, version: str) -> Call[None]:
        """DeleteCustomActionType."""
        params = _params(
            category=plain(category),
            provider=provider,
            version=version,
        )
        return Call(
            "DeleteCustomActionType", "delete_custom_action_type", params, _ignore_reply,
            lambda _: logger.info("deleted custom action type %s/%s/%s", category, provider, version),
        )

    @staticmethod
    def list_action_types(
        *,
        action_owner_filter: str | None = None,
        region_filter: str | None = None,
        next_token: str | None = None,
    ) -> Call[tuple[list[ActionType], str | None]]:
        """ListActionTypes, one page: the action types and the token of the next page."""
        params = _params(
            actionOwnerFilter=plain(action_owner_filter),
            regionFilter=region_filter,
            nextToken=next_token,
        )
        return Call("ListActionTypes", "list_action_types", params, _read_action_type_page)


@functools.cache
def _is_async_client_type(client_type: type) -> bool | None:
    """True for aiobotocore clients, False for boto3 ones, None for anything else (test doubles)."""
    from botocore.client import BaseClient  # noqa: PLC0415 - lazy (boto3): loaded with any client already

    if not issubclass(client_type, BaseClient):
        return None
    return any(cls.__module__.startswith("aiobotocore") for cls in client_type.__mro__)


def check_client(client: object, *, asynchronous: bool) -> None:
    """Refuse an aiobotocore client in the synchronous API, and a boto3 client in the async one.

    Checked before anything is sent: a boto3 client handed to a coroutine would send its
    request (and take jobs off the queue) before the mistake showed. Clients that are neither
    (test doubles) pass, but for what ``session.create_client(...)`` returns before
    ``async with`` has entered it.

    Raises:
        TypeError: The client belongs to the other API, or is a client not yet entered.
    """
    kind = _is_async_client_type(type(client))  # type: ignore[arg-type]  # classes are hashable
    if kind is None and hasattr(client, "__aenter__") and not hasattr(client, "meta"):
        message = (
            "the client is a context manager that has not been entered: "
            "use `async with session.create_client('codepipeline') as client:` and pass `client`"
        )
        raise TypeError(message)
    if kind is None or kind == asynchronous:
        return
    message = (
        "codepipeline_jobs.aio needs an aiobotocore client, not a boto3 one" if asynchronous
        else "an aiobotocore client needs codepipeline_jobs.aio, not the synchronous API"
    )
    raise TypeError(message)


def run(client: CodePipelineClient, call: Call[R]) -> R:
    """Validate `call`, send it through `client` and read the reply."""
    check_client(client, asynchronous=False)
    call.validate(client.meta.service_model)
    install_void_reply_check(client)  # a report answered by a proxy's HTML page is not a success
    try:
        reply = getattr(client, call.method)(**call.params)
    except PARSER_CRASHES as exc:
        raise call.parse_failure(exc) from exc
    return call.finish(reply)


# --- the public functions -------------------------------------------------------------------


def poll_for_jobs(
    client: CodePipelineClient,
    action_type_id: ActionTypeId,
    *,
    max_batch_size: int | None = None,
    query_param: Mapping[str, str] | None = None,
) -> list[Job]:
    """Ask CodePipeline for queued jobs of a custom action type (PollForJobs).

    Args:
        client: A boto3 CodePipeline client.
        action_type_id: The custom action type to poll for; its owner must be ``Custom``.
        max_batch_size: The most jobs to return (an integer >= 1).
        query_param: At most one configuration property and value the jobs
            must match (the property must be queryable).

    Returns:
        The jobs, possibly none. Acknowledge each with `acknowledge_job` before working on it.

    Raises:
        TypeError: `action_type_id` is not an `ActionTypeId`; nothing was sent.
        NotCustomActionError: The owner is not ``Custom``; nothing was sent.
        ValidationError: Another parameter breaks a rule; nothing was sent.
        MalformedResponseError: The reply could not be read.
        botocore.exceptions.ClientError: The service refused the request.

    Example:
        ```python
        jobs = poll_for_jobs(client, action_type_id, max_batch_size=5)
        ```
    """
    return run(client, Calls.poll_for_jobs(
        action_type_id, max_batch_size=max_batch_size, query_param=query_param
    ))


def get_pipeline_execution(
    client: CodePipelineClient, pipeline_name: str, pipeline_execution_id: str
) -> PipelineExecution:
    """Read a pipeline execution: its status, source revisions, trigger and variables.

    Args:
        client: A boto3 CodePipeline client.
        pipeline_name: The pipeline's name.
        pipeline_execution_id: The execution's id (a lowercase UUID), e.g.
            ``job.data.pipeline_context.pipeline_execution_id``.

    Raises:
        ValidationError: A parameter breaks a rule; nothing was sent.
        MalformedResponseError: The reply could not be read.
        botocore.exceptions.ClientError: The service refused the request
            (e.g. ``PipelineExecutionNotFoundException``).
    """
    return run(client, Calls.get_pipeline_execution(pipeline_name, pipeline_execution_id))


def put_job_success_result(
    client: CodePipelineClient,
    job_id: str,
    *,
    current_revision: CurrentRevision | None = None,
    continuation_token: str | None = None,
    execution_details: ExecutionDetails | None = None,
    output_variables: Mapping[str, str] | None = None,
) -> None:
    """Report that a custom action job succeeded (PutJobSuccessResult).

    With a `continuation_token` the job completes and CodePipeline creates a
    new job carrying the token: how a long-running action reports progress.

    Args:
        client: A boto3 CodePipeline client.
        job_id: The job's id.
        current_revision: The revision a source action produced.
        continuation_token: Continue the action in a new job with this token.
        execution_details: A summary, an external id and percent complete.
        output_variables: Variables for later actions; only on a final result
            (without `continuation_token`), at most 122,880 bytes together.

    Raises:
        TypeError: `current_revision` or `execution_details` is not of its model class;
            nothing was sent.
        ValidationError: A parameter breaks a rule; nothing was sent.
        botocore.exceptions.ClientError: The service refused the report
            (e.g. ``InvalidJobStateException`` when the job was already reported).
    """
    run(client, Calls.put_job_success_result(
        job_id,
        current_revision=current_revision,
        continuation_token=continuation_token,
        execution_details=execution_details,
        output_variables=output_variables,
    ))


def put_third_party_job_success_result(
    client: CodePipelineClient,
    job_id: str,
    client_token: str,
    *,
    current_revision: CurrentRevision | None = None,
    continuation_token: str | None = None,
    execution_details: ExecutionDetails | None = None,
) -> None:
    """Report that a partner action job succeeded (PutThirdPartyJobSuccessResult).

    Args:
        client: A boto3 CodePipeline client.
        job_id: The job's id.
        client_token: The client token that belongs to the job's client id.
        current_revision: The revision a source action produced.
        continuation_token: Continue the action in a new job with this token.
        execution_details: A summary, an external id and percent complete.

    Raises:
        TypeError: `current_revision` or `execution_details` is not of its model class;
            nothing was sent.
        ValidationError: A parameter breaks a rule; nothing was sent.
        botocore.exceptions.ClientError: The service refused the report.
    """
    run(client, Calls.put_third_party_job_success_result(
        job_id,
        client_token,
        current_revision=current_revision,
        continuation_token=continuation_token,
        execution_details=execution_details,
    ))


def acknowledge_job(client: CodePipelineClient, job_id: str, nonce: str) -> JobStatus:
    """Claim a polled job with its nonce (AcknowledgeJob).

    Work on the job only when the status returned is `JobStatus.IN_PROGRESS`.
    When several workers race for one job, one wins; the others get a
    ``ClientError`` (``InvalidNonceException`` or ``JobNotFoundException``).

    Args:
        client: A boto3 CodePipeline client.
        job_id: The job's id.
        nonce: The job's `Job.nonce`.

    Returns:
        The job's status; an unknown status comes back unchanged.

    Raises:
        ValidationError: A parameter breaks a rule; nothing was sent.
        MalformedResponseError: The reply carries no status.
        botocore.exceptions.ClientError: The service refused the request.
    """
    return run(client, Calls.acknowledge_job(job_id, nonce))


def get_job_details(client: CodePipelineClient, job_id: str) -> JobDetails:
    """Read a job again, with fresh artifact credentials (GetJobDetails).

    Raises:
        ValidationError: The job id is not a lowercase UUID; nothing was sent.
        MalformedResponseError: The reply could not be read.
        botocore.exceptions.ClientError: The service refused the request.
    """
    return run(client, Calls.get_job_details(job_id))


def put_job_failure_result(
    client: CodePipelineClient, job_id: str, failure_details: FailureDetails
) -> None:
    """Report that a custom action job failed (PutJobFailureResult).

    Args:
        client: A boto3 CodePipeline client.
        job_id: The job's id.
        failure_details: Why it failed; see `FailureDetails.from_exception`.

    Raises:
        TypeError: `failure_details` is not a `FailureDetails`; nothing was sent.
        ValidationError: A parameter breaks a rule (e.g. an empty message); nothing was sent.
        botocore.exceptions.ClientError: The service refused the report.
    """
    run(client, Calls.put_job_failure_result(job_id, failure_details))


def poll_for_third_party_jobs(
    client: CodePipelineClient, action_type_id: ActionTypeId, *, max_batch_size: int | None = None
) -> list[ThirdPartyJob]:
    """Ask CodePipeline for queued partner jobs (PollForThirdPartyJobs).

    Returns ids only; read each job with `get_third_party_job_details`.

    Raises:
        TypeError: `action_type_id` is not an `ActionTypeId`; nothing was sent.
        NotThirdPartyActionError: The owner is not ``ThirdParty``; nothing was sent.
        ValidationError: Another parameter breaks a rule; nothing was sent.
        MalformedResponseError: The reply could not be read.
        botocore.exceptions.ClientError: The service refused the request.
    """
    return run(client, Calls.poll_for_third_party_jobs(
        action_type_id, max_batch_size=max_batch_size
    ))


def acknowledge_third_party_job(
    client: CodePipelineClient, job_id: str, nonce: str, client_token: str
) -> JobStatus:
    """Claim a partner job with its nonce and client token (AcknowledgeThirdPartyJob).

    Raises:
        ValidationError: A parameter breaks a rule; nothing was sent.
        MalformedResponseError: The reply carries no status.
        botocore.exceptions.ClientError: The service refused the request.
    """
    return run(client, Calls.acknowledge_third_party_job(job_id, nonce, client_token))


def get_third_party_job_details(
    client: CodePipelineClient, job_id: str, client_token: str
) -> ThirdPartyJobDetails:
    """Read a partner job: its data, credentials and nonce (GetThirdPartyJobDetails).

    Raises:
        ValidationError: A parameter breaks a rule; nothing was sent.
        MalformedResponseError: The reply could not be read.
        botocore.exceptions.ClientError: The service refused the request.
    """
    return run(client, Calls.get_third_party_job_details(job_id, client_token))


def put_third_party_job_failure_result(
    client: CodePipelineClient, job_id: str, client_token: str, failure_details: FailureDetails
) -> None:
    """Report that a partner action job failed (PutThirdPartyJobFailureResult).

    Raises:
        TypeError: `failure_details` is not a `FailureDetails`; nothing was sent.
        ValidationError: A parameter breaks a rule; nothing was sent.
        botocore.exceptions.ClientError: The service refused the report.
    """
    run(client, Calls.put_third_party_job_failure_result(job_id, client_token, failure_details))



# --- action types ---------------------------------------------------------------------------


def create_custom_action_type(
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
    """Register a custom action type (CreateCustomActionType); its owner is ``Custom``.

    Every rule is checked before sending: the model's limits (provider 1-35 and
    version 1-9 of ``[0-9A-Za-z_-]``, at most 10 properties, names 1-50,
    descriptions 1-160, artifact counts 0-5, URLs 1-2048, tag keys 1-128 and
    values 0-256) and the user guide's (unique names, at most one queryable
    property, which is required and not secret, minimum <= maximum, and a
    ``{Config:Name}`` in a template naming a required, non-secret property).

    Prefer `ensure_custom_action_type` in a deploy step: it creates the type only
    when it is absent.

    Args:
        client: A boto3 CodePipeline client.
        category: The action's category (``Build``, ``Deploy``, ...).
        provider: The provider name.
        version: The version; a deleted type is restored only by re-creating it
            with the identical definition, so a changed definition needs a new version.
        input_artifact_details: How many input artifacts the action takes.
        output_artifact_details: How many output artifacts it produces.
        settings: Links the console shows.
        configuration_properties: The action's configuration properties.
        tags: Tags of the action type.

    Returns:
        The registered action type.

    Raises:
        ValidationError: A rule is broken; the error names the member, nothing was sent.
        botocore.exceptions.ClientError: The service refused the request
            (e.g. ``LimitExceededException`` past 50 custom types in a Region).

    Example:
        ```python
        create_custom_action_type(
            client, "Build", "MyBuilder", "1",
            input_artifact_details=ArtifactDetails(minimum_count=1, maximum_count=1),
            output_artifact_details=ArtifactDetails(minimum_count=0, maximum_count=1),
        )
        ```
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
    return run(client, Calls.create_custom_action_type(params))


def delete_custom_action_type(
    client: CodePipelineClient, category: ActionCategory | ActionCategoryName, provider: str, version: str
) -> None:
    """Delete a custom action type (DeleteCustomActionType).

    Workers polling for it fail from then on. It can be restored only by
    creating it again with the identical definition.

    Raises:
        ValidationError: A parameter breaks a rule; nothing was sent.
        botocore.exceptions.ClientError: The service refused the request.
    """
    run(client, Calls.delete_custom_action_type(category, provider, version))


def check_next_token(token: str, seen: set[str]) -> None:
    """Refuse a ``nextToken`` handed out before: reading on would never end.

    Raises:
        MalformedResponseError: The service sent the same token twice.
    """
    if token in seen:
        raise MalformedResponseError("nextToken", "the same token came back twice; the pages never end")
    seen.add(token)


def list_action_types(
    client: CodePipelineClient,
    *,
    action_owner_filter: ActionOwner | ActionOwnerName | None = None,
    region_filter: str | None = None,
) -> list[ActionType]:
    """Every action type of the account and Region, all pages read (ListActionTypes).

    Args:
        client: A boto3 CodePipeline client.
        action_owner_filter: Only the types of this owner (``Custom``, ``ThirdParty``, ``AWS``).
        region_filter: Only the types of this Region (4-30 characters).

    Raises:
        ValidationError: A parameter breaks a rule; nothing was sent.
        MalformedResponseError: A reply could not be read.
        botocore.exceptions.ClientError: The service refused a request.
    """
    found: list[ActionType] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        page, token = run(client, Calls.list_action_types(
            action_owner_filter=action_owner_filter, region_filter=region_filter, next_token=token
        ))
        found.extend(page)
        if token is None:
            return found
        check_next_token(token, seen)


def ensure_custom_action_type(
    client: CodePipelineClient,
    action_type: ActionType | CustomAction[Any],
    *,
    tags: Sequence[Tag] = (),
) -> ActionType:
    """Register a custom action type unless it is registered already: the deploy step's call.

    The declared type is checked against every rule first (nothing is sent if
    one is broken), then looked up with ListActionTypes: absent, it is created;
    registered with the same definition, nothing else is sent; registered with
    another definition, nothing is created and `ActionTypeConflictError` names
    each differing member. Tags are applied only when the type is created.

    Args:
        client: A boto3 CodePipeline client.
        action_type: The declared type (a `CustomAction`, or an `ActionType` whose
            owner is ``Custom``).
        tags: Tags for the type, when it is created.

    Returns:
        The action type as registered.

    Raises:
        ValidationError: The owner is not ``Custom``, or a rule is broken; nothing was sent.
        ActionTypeConflictError: It is registered with another definition.
        botocore.exceptions.ClientError: The service refused a request.
    """
    from ._configuration import CustomAction  # noqa: PLC0415 - lazy (action types)

    if isinstance(action_type, CustomAction):
        action_type = action_type.action_type
    create = Calls.create_custom_action_type(params_of(action_type, tags))
    create.validate(client.meta.service_model)
    registered = find(list_action_types(client, action_owner_filter=action_type.id.owner), action_type.id)
    if not settle(action_type, registered):
        assert registered is not None
        return registered
    return run(client, create)
