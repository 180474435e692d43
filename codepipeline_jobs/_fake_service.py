"""The state of the fake CodePipeline: jobs, executions, partner clients and the operations.

Private to `codepipeline_jobs.testing`, which owns the lock: every method of
`JobBook` expects its caller to hold it. Operations take a request's
parameters in the form boto3 takes them, already checked against the
service's rules, and return the reply document or raise `ServiceError`.
"""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs

from ._convert import structure, unstructure
from ._execution_models import PipelineExecutionStatus
from ._fake_action_types import ActionTypeBook, Strictness
from ._fake_wire import ServiceError
from ._models import (
    ActionConfiguration,
    ActionContext,
    ActionTypeId,
    Artifact,
    AWSSessionCredentials,
    CurrentRevision,
    EncryptionKey,
    ExecutionDetails,
    FailureDetails,
    FrozenMap,
    JobData,
    PipelineContext,
    StageContext,
)
from ._values import ActionCategory, ActionOwner, JobStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = ["LAMBDA_INVOKE", "OPERATIONS", "FakeJob", "FakeReport", "JobBook", "is_lambda_invoke"]

_T = TypeVar("_T")
_OPEN = frozenset({JobStatus.QUEUED, JobStatus.DISPATCHED, JobStatus.IN_PROGRESS})
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

LAMBDA_INVOKE = ActionTypeId(
    category=ActionCategory.INVOKE, owner=ActionOwner.AWS, provider="Lambda", version="1"
)
"""The action type of a Lambda invoke action: category ``Invoke``, owner ``AWS``, provider ``Lambda``."""

#: How long the artifact credentials of a Lambda event are said to last, in ms (an hour,
#: as the ``expirationTime`` of real events; the service documents no lifetime).
_EVENT_CREDENTIALS_LIFETIME_MS = 3_600_000

#: The configuration property every Lambda invoke action has.
_FUNCTION_NAME = "FunctionName"

#: The operations the fake serves, and the `JobBook` method serving each.
OPERATIONS: Mapping[str, str] = {
    "PollForJobs": "poll_for_jobs",
    "PollForThirdPartyJobs": "poll_for_third_party_jobs",
    "AcknowledgeJob": "acknowledge_job",
    "AcknowledgeThirdPartyJob": "acknowledge_third_party_job",
    "GetJobDetails": "get_job_details",
    "GetThirdPartyJobDetails": "get_third_party_job_details",
    "PutJobSuccessResult": "put_job_success_result",
    "PutJobFailureResult": "put_job_failure_result",
    "PutThirdPartyJobSuccessResult": "put_third_party_job_success_result",
    "PutThirdPartyJobFailureResult": "put_third_party_job_failure_result",
    "GetPipelineExecution": "get_pipeline_execution",
    "CreateCustomActionType": "create_custom_action_type",
    "DeleteCustomActionType": "delete_custom_action_type",
    "ListActionTypes": "list_action_types",
}


@attrs.frozen(kw_only=True)
class FakeReport:
    """A result a worker reported for a job, as the fake received it."""

    kind: Literal["success", "failure"]
    """Which result it was."""
    current_revision: CurrentRevision | None = None
    """The revision of a success result."""
    execution_details: ExecutionDetails | None = None
    """The execution details of a success result."""
    output_variables: Mapping[str, str] = attrs.field(factory=lambda: FrozenMap(secret=False))
    """The output variables of a final success result."""
    continuation_token: str | None = None
    """The continuation token of a success result that continues the work."""
    failure_details: FailureDetails | None = None
    """The details of a failure result."""


@attrs.frozen(kw_only=True)
class FakeJob:
    """A snapshot of a job in the fake: what it is, where it stands and what was reported."""

    id: str
    """The job's id."""
    action_type_id: ActionTypeId
    """Its action type."""
    status: JobStatus
    """Its status now."""
    nonce: str
    """The nonce the job is acknowledged with."""
    data: JobData
    """Its data, with the artifact credentials issued last (their secrets stay out of ``repr()``)."""
    client_id: str | None
    """The partner client id, for a partner (``ThirdParty``) job."""
    reports: tuple[FakeReport, ...]
    """The results reported for it, in order (at most one is ever accepted)."""
    history: tuple[JobStatus, ...]
    """Every status it went through, in order, starting with ``Queued``."""
    follow_up_job_id: str | None
    """The job queued by a continuation reported for it."""
    pipeline_execution_id: str
    """The pipeline execution it belongs to."""


@attrs.define(kw_only=True)
class _JobState:
    id: str
    action_type_id: ActionTypeId
    nonce: str
    data: JobData
    client_id: str | None
    pipeline_execution_id: str
    queued_at: float
    status: JobStatus = JobStatus.QUEUED
    history: list[JobStatus] = attrs.field(factory=lambda: [JobStatus.QUEUED])
    reports: list[FakeReport] = attrs.field(factory=list[FakeReport])
    follow_up_job_id: str | None = None
    acknowledged_by: object = None

    @property
    def partner(self) -> bool:
        return self.client_id is not None

    def move(self, status: JobStatus) -> None:
        self.status = status
        self.history.append(status)

    def snapshot(self) -> FakeJob:
        return FakeJob(
            id=self.id,
            action_type_id=self.action_type_id,
            status=self.status,
            nonce=self.nonce,
            data=self.data,
            client_id=self.client_id,
            reports=tuple(self.reports),
            history=tuple(self.history),
            follow_up_job_id=self.follow_up_job_id,
            pipeline_execution_id=self.pipeline_execution_id,
        )


@attrs.define(kw_only=True)
class _Execution:
    pipeline_name: str
    job_ids: list[str] = attrs.field(factory=list[str])


def is_lambda_invoke(action_type_id: ActionTypeId) -> bool:
    """Whether an action type is CodePipeline's own Lambda invoke action (`LAMBDA_INVOKE`, any version)."""
    return (
        action_type_id.category == ActionCategory.INVOKE
        and action_type_id.owner == ActionOwner.AWS
        and action_type_id.provider == LAMBDA_INVOKE.provider
    )


def _same_action(left: ActionTypeId, right: Mapping[str, Any]) -> bool:
    return (
        left.category == right.get("category")
        and left.owner == right.get("owner")
        and left.provider == right.get("provider")
        and left.version == right.get("version")
    )


def _optional(data: object, cls: type[_T]) -> _T | None:
    return None if data is None else structure(data, cls)


class JobBook:
    """Every job, execution and partner client of one fake; not thread-safe by itself."""

    def __init__(
        self,
        *,
        region: str,
        account_id: str,
        seed: int,
        job_timeout: float | None,
        clock: Callable[[], float],
        strict_action_types: Strictness = None,
        action_types_page_size: int = 10,
    ) -> None:
        self.action_types = ActionTypeBook(strict=strict_action_types, page_size=action_types_page_size)
        self.region = region
        self.account_id = account_id
        self.job_timeout = job_timeout
        self._clock = clock
        self._random = random.Random(f"ids-{seed}")  # noqa: S311 - reproducible ids, not security
        self._jobs: dict[str, _JobState] = {}
        self._executions: dict[str, _Execution] = {}
        self._client_ids: dict[tuple[ActionTypeId, str], str] = {}
        self._client_tokens: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"JobBook(jobs={len(self._jobs)}, executions={len(self._executions)})"

    # --- what the test sets up and inspects ------------------------------------------------

    def add_job(
        self,
        action_type_id: ActionTypeId,
        *,
        configuration: Mapping[str, str] | None,
        input_artifacts: Sequence[Artifact],
        output_artifacts: Sequence[Artifact],
        encryption_key: EncryptionKey | None,
        pipeline_name: str,
        stage_name: str,
        action_name: str,
        continuation_token: str | None,
        pipeline_execution_id: str | None,
    ) -> str:
        """Queue a job; see `FakeCodePipeline.add_job`."""
        lambda_invoke = is_lambda_invoke(action_type_id)
        if action_type_id.owner not in (ActionOwner.CUSTOM, ActionOwner.THIRD_PARTY) and not lambda_invoke:
            msg = (
                "only Custom and ThirdParty actions and the Lambda invoke action (category Invoke, "
                f"owner AWS, provider Lambda) have jobs, not owner {str(action_type_id.owner)!r} "
                f"with provider {action_type_id.provider!r}"
            )
            raise ValueError(msg)
        if lambda_invoke and _FUNCTION_NAME not in (configuration or {}):
            msg = (
                "a Lambda invoke action names its function: pass "
                "configuration={'FunctionName': ...} (and 'UserParameters' if the function reads them)"
            )
            raise ValueError(msg)
        self.action_types.check_job(action_type_id, configuration or {})
        execution_id = pipeline_execution_id or self._new_id()
        partner = action_type_id.owner == ActionOwner.THIRD_PARTY
        client_id = self._client_id(action_type_id, pipeline_name) if partner else None
        context = PipelineContext(
            pipeline_name=pipeline_name,
            stage=StageContext(name=stage_name),
            action=ActionContext(name=action_name, action_execution_id=self._new_id()),
            pipeline_arn=(
                None if partner else f"arn:aws:codepipeline:{self.region}:{self.account_id}:{pipeline_name}"
            ),
            pipeline_execution_id=None if partner else execution_id,
        )
        data = JobData(
            action_type_id=action_type_id,
            action_configuration=ActionConfiguration(configuration=FrozenMap(configuration)),
            pipeline_context=context,
            input_artifacts=tuple(input_artifacts),
            output_artifacts=tuple(output_artifacts),
            continuation_token=continuation_token,
            encryption_key=encryption_key,
        )
        return self._queue(data, client_id, execution_id, pipeline_name)

    def client_token(self, client_id: str) -> str:
        """The client token of a partner client id (`KeyError` if unknown)."""
        return self._client_tokens[client_id]

    def lambda_event(self, job_id: str, now_ms: int) -> dict[str, Any]:
        """The event CodePipeline invokes a function with; see `FakeCodePipeline.lambda_event`."""
        self.expire()
        job = self._jobs[job_id]
        if job.partner:
            msg = f"job {job_id} is a partner (ThirdParty) job: partner jobs are polled, never sent to Lambda"
            raise ValueError(msg)
        if job.status in (JobStatus.QUEUED, JobStatus.DISPATCHED):
            if not is_lambda_invoke(job.action_type_id):
                msg = (
                    f"job {job_id} is {job.status.value}: a {job.action_type_id.owner!s} job must be "
                    "polled and acknowledged before a function works on it; add the job with "
                    "LAMBDA_INVOKE (from codepipeline_jobs.testing) to have the invoke start it"
                )
                raise ValueError(msg)
            # The invoke takes the place of poll and acknowledge: the function reports directly.
            job.move(JobStatus.IN_PROGRESS)
        credentials = self._new_credentials(expiration_time=now_ms + _EVENT_CREDENTIALS_LIFETIME_MS)
        job.data = attrs.evolve(job.data, artifact_credentials=credentials)
        data: dict[str, Any] = unstructure(job.data)
        data.pop("actionTypeId", None)
        data.pop("pipelineContext", None)
        data.setdefault("actionConfiguration", {"configuration": {}})
        for member in ("inputArtifacts", "outputArtifacts"):
            artifacts: list[dict[str, Any]] = data.setdefault(member, [])
            for artifact in artifacts:
                artifact.setdefault("revision", None)  # real events carry JSON null
        return {"CodePipeline.job": {"id": job.id, "accountId": self.account_id, "data": data}}

    def job(self, job_id: str) -> FakeJob:
        """A snapshot of one job (`KeyError` if unknown)."""
        self.expire()
        return self._jobs[job_id].snapshot()

    def jobs(self) -> list[FakeJob]:
        """Snapshots of every job, in the order they were queued."""
        self.expire()
        return [job.snapshot() for job in self._jobs.values()]

    def expire(self) -> None:
        """Time out every open job queued more than `job_timeout` seconds ago."""
        if self.job_timeout is None:
            return
        deadline = self._clock() - self.job_timeout
        for job in self._jobs.values():
            if job.status in _OPEN and job.queued_at <= deadline:
                job.move(JobStatus.TIMED_OUT)

    def serve(self, operation: str, params: dict[str, Any], caller: object) -> dict[str, Any]:
        """Apply one checked request and return its reply document.

        Raises:
            ServiceError: The service's answer is an error.
        """
        name = OPERATIONS.get(operation)
        if name is None:
            raise ServiceError("UnknownOperationException", f"the fake does not serve {operation}")
        self.expire()
        handler: Callable[[dict[str, Any], object], dict[str, Any]] = getattr(self, name)
        return handler(params, caller)

    def _queue(self, data: JobData, client_id: str | None, execution_id: str, pipeline_name: str) -> str:
        assert data.action_type_id is not None
        job = _JobState(
            id=self._new_id(),
            action_type_id=data.action_type_id,
            nonce=str(self._random.randrange(10**9)),
            data=data,
            client_id=client_id,
            pipeline_execution_id=execution_id,
            queued_at=self._clock(),
        )
        self._jobs[job.id] = job
        execution = self._executions.setdefault(execution_id, _Execution(pipeline_name=pipeline_name))
        execution.job_ids.append(job.id)
        return job.id

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _random_text(self, alphabet: str, length: int) -> str:
        return "".join(self._random.choice(alphabet) for _ in range(length))

    def _client_id(self, action_type_id: ActionTypeId, pipeline_name: str) -> str:
        key = (action_type_id, pipeline_name)
        client_id = self._client_ids.get(key)
        if client_id is None:
            client_id = self._client_ids[key] = self._new_id()
            self._client_tokens[client_id] = self._random_text(_B64, 64)
        return client_id

    def _new_credentials(self, expiration_time: int | None = None) -> AWSSessionCredentials:
        return AWSSessionCredentials(
            access_key_id="ASIA" + self._random_text(_ALNUM, 16),
            secret_access_key=self._random_text(_B64, 40),
            session_token="FwoG" + self._random_text(_B64, 120),
            expiration_time=expiration_time,
        )

    def _issue_data(self, job: _JobState) -> dict[str, Any]:
        """The job's data in wire form, with freshly issued artifact credentials."""
        credentials = self._new_credentials()
        job.data = attrs.evolve(job.data, artifact_credentials=credentials)
        data: dict[str, Any] = unstructure(job.data)
        return data

    # --- lookups shared by the operations -----------------------------------------------------

    def _custom_job(self, job_id: str) -> _JobState:
        job = self._jobs.get(job_id)
        if job is None or job.partner:
            raise ServiceError("JobNotFoundException", f"job {job_id} was not found")
        return job

    def _partner_job(self, params: Mapping[str, Any], *, details: bool = False) -> _JobState:
        job_id: str = params["jobId"]
        job = self._jobs.get(job_id)
        if job is None:
            raise ServiceError("JobNotFoundException", f"job {job_id[:80]} was not found")
        if not job.partner:
            code = "InvalidJobException" if details else "JobNotFoundException"
            raise ServiceError(code, f"job {job_id} is not a partner (third-party) job")
        assert job.client_id is not None
        if params["clientToken"] != self._client_tokens[job.client_id]:
            raise ServiceError(
                "InvalidClientTokenException",
                f"the client token is not the one of client id {job.client_id}",
            )
        return job

    def _poll(self, params: Mapping[str, Any], *, partner: bool) -> list[_JobState]:
        wanted: Mapping[str, Any] = params["actionTypeId"]
        query: Mapping[str, str] = params.get("queryParam") or {}
        limit: int = params.get("maxBatchSize") or 1
        found: list[_JobState] = []
        for job in self._jobs.values():
            if len(found) >= limit:
                break
            if job.status != JobStatus.QUEUED or job.partner != partner:
                continue
            if not _same_action(job.action_type_id, wanted):
                continue
            configuration = job.data.action_configuration
            values: Mapping[str, str] = (
                configuration.configuration if configuration is not None else {}
            )
            if any(values.get(key) != value for key, value in query.items()):
                continue
            job.move(JobStatus.DISPATCHED)
            found.append(job)
        return found

    def _acknowledge(self, job: _JobState, nonce: str, caller: object) -> dict[str, Any]:
        if nonce != job.nonce:
            raise ServiceError("InvalidNonceException", f"the nonce is not the one of job {job.id}")
        if job.status in (JobStatus.QUEUED, JobStatus.DISPATCHED):
            job.move(JobStatus.IN_PROGRESS)
            job.acknowledged_by = caller
        elif job.status == JobStatus.IN_PROGRESS and job.acknowledged_by != caller:
            raise ServiceError(
                "InvalidNonceException", f"job {job.id} was already acknowledged by another worker"
            )
        return {"status": job.status.value}

    def _report(self, job: _JobState, report: FakeReport) -> None:
        if job.status != JobStatus.IN_PROGRESS:
            raise ServiceError(
                "InvalidJobStateException",
                f"job {job.id} is {job.status.value}, not InProgress: it cannot take a result",
            )
        job.reports.append(report)
        job.move(JobStatus.SUCCEEDED if report.kind == "success" else JobStatus.FAILED)
        if report.continuation_token is not None:
            context = job.data.pipeline_context
            data = attrs.evolve(
                job.data,
                artifact_credentials=None,
                continuation_token=report.continuation_token,
                pipeline_context=attrs.evolve(
                    context,
                    action=ActionContext(
                        name=context.action.name if context.action else None,
                        action_execution_id=self._new_id(),
                    ),
                )
                if context is not None
                else None,
            )
            execution = self._executions[job.pipeline_execution_id]
            job.follow_up_job_id = self._queue(
                data, job.client_id, job.pipeline_execution_id, execution.pipeline_name
            )

    # --- the operations -------------------------------------------------------------------

    def poll_for_jobs(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        self.action_types.check_poll(params)
        jobs = self._poll(params, partner=False)
        return {
            "jobs": [
                {
                    "id": job.id,
                    "data": self._issue_data(job),
                    "nonce": job.nonce,
                    "accountId": self.account_id,
                }
                for job in jobs
            ]
        }

    def poll_for_third_party_jobs(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        jobs = self._poll(params, partner=True)
        return {"jobs": [{"clientId": job.client_id, "jobId": job.id} for job in jobs]}

    def acknowledge_job(self, params: dict[str, Any], caller: object) -> dict[str, Any]:
        return self._acknowledge(self._custom_job(params["jobId"]), params["nonce"], caller)

    def acknowledge_third_party_job(self, params: dict[str, Any], caller: object) -> dict[str, Any]:
        return self._acknowledge(self._partner_job(params), params["nonce"], caller)

    def get_job_details(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        job = self._custom_job(params["jobId"])
        details = {"id": job.id, "data": self._issue_data(job), "accountId": self.account_id}
        return {"jobDetails": details}

    def get_third_party_job_details(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        job = self._partner_job(params, details=True)
        return {"jobDetails": {"id": job.id, "data": self._issue_data(job), "nonce": job.nonce}}

    def _success(self, params: Mapping[str, Any]) -> FakeReport:
        return FakeReport(
            kind="success",
            current_revision=_optional(params.get("currentRevision"), CurrentRevision),
            execution_details=_optional(params.get("executionDetails"), ExecutionDetails),
            output_variables=FrozenMap(params.get("outputVariables"), secret=False),
            continuation_token=params.get("continuationToken"),
        )

    def _failure(self, params: Mapping[str, Any]) -> FakeReport:
        return FakeReport(
            kind="failure", failure_details=structure(params["failureDetails"], FailureDetails)
        )

    def put_job_success_result(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        self._report(self._custom_job(params["jobId"]), self._success(params))
        return {}

    def put_job_failure_result(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        self._report(self._custom_job(params["jobId"]), self._failure(params))
        return {}

    def put_third_party_job_success_result(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        self._report(self._partner_job(params), self._success(params))
        return {}

    def put_third_party_job_failure_result(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        self._report(self._partner_job(params), self._failure(params))
        return {}

    def get_pipeline_execution(self, params: dict[str, Any], _: object) -> dict[str, Any]:
        name: str = params["pipelineName"]
        execution_id: str = params["pipelineExecutionId"]
        if all(execution.pipeline_name != name for execution in self._executions.values()):
            raise ServiceError("PipelineNotFoundException", f"pipeline {name} was not found")
        execution = self._executions.get(execution_id)
        if execution is None or execution.pipeline_name != name:
            raise ServiceError(
                "PipelineExecutionNotFoundException",
                f"execution {execution_id} of pipeline {name} was not found",
            )
        jobs = [self._jobs[job_id] for job_id in execution.job_ids]
        statuses = {job.status for job in jobs}
        if statuses & {JobStatus.FAILED, JobStatus.TIMED_OUT}:
            status = PipelineExecutionStatus.FAILED
        elif statuses & _OPEN:
            status = PipelineExecutionStatus.IN_PROGRESS
        else:
            status = PipelineExecutionStatus.SUCCEEDED
        revisions = [
            {"name": artifact.name, "revisionId": artifact.revision}
            for artifact in jobs[0].data.input_artifacts
            if artifact.revision is not None
        ]
        return {
            "pipelineExecution": {
                "pipelineName": name,
                "pipelineVersion": 1,
                "pipelineExecutionId": execution_id,
                "status": status.value,
                "artifactRevisions": revisions,
            }
        }

    # --- custom action types (`ActionTypeBook`) -------------------------------------------

    def create_custom_action_type(self, params: dict[str, Any], caller: object) -> dict[str, Any]:
        return self.action_types.create_custom_action_type(params, caller)

    def delete_custom_action_type(self, params: dict[str, Any], caller: object) -> dict[str, Any]:
        return self.action_types.delete_custom_action_type(params, caller)

    def list_action_types(self, params: dict[str, Any], caller: object) -> dict[str, Any]:
        return self.action_types.list_action_types(params, caller)
