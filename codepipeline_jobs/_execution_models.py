"""A pipeline execution, as GetPipelineExecution returns it, and the value sets only it uses.

Apart from `codepipeline_jobs._models` (and the value sets from
`codepipeline_jobs._values`) so that a cold start that only reads a job does not
create these classes; the same rules hold (named after the API's shapes,
frozen, value-set fields take the member or its plain string).
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - attrs resolves field types at runtime
from typing import Literal, TypeAlias

import attrs

from ._models import model_methods
from ._values import ValueSet, mark_read_converters, to_value_set

__all__ = [
    "ArtifactRevision",
    "ExecutionMode",
    "ExecutionModeName",
    "ExecutionTrigger",
    "ExecutionType",
    "ExecutionTypeName",
    "PipelineExecution",
    "PipelineExecutionStatus",
    "PipelineExecutionStatusName",
    "PipelineRollbackMetadata",
    "ResolvedPipelineVariable",
    "TriggerType",
    "TriggerTypeName",
]


# --- the value sets of an execution ------------------------------------------------------


PipelineExecutionStatusName: TypeAlias = Literal[
    "Cancelled",
    "InProgress",
    "Stopped",
    "Stopping",
    "Succeeded",
    "Superseded",
    "Failed",
]
"""The known values of `PipelineExecutionStatus` as plain strings, as the AWS documentation writes them.

A parameter annotated ``PipelineExecutionStatus | PipelineExecutionStatusName`` takes a member or one of these
strings, as the fields of the models do."""


class PipelineExecutionStatus(ValueSet):
    """The status of a pipeline execution (``PipelineExecutionStatus`` in the API)."""

    CANCELLED = "Cancelled"
    IN_PROGRESS = "InProgress"
    STOPPED = "Stopped"
    STOPPING = "Stopping"
    SUCCEEDED = "Succeeded"
    SUPERSEDED = "Superseded"
    FAILED = "Failed"


TriggerTypeName: TypeAlias = Literal[
    "CreatePipeline",
    "StartPipelineExecution",
    "PollForSourceChanges",
    "Webhook",
    "CloudWatchEvent",
    "PutActionRevision",
    "WebhookV2",
    "ManualRollback",
    "AutomatedRollback",
]
"""The known values of `TriggerType` as plain strings, as the AWS documentation writes them.

A parameter annotated ``TriggerType | TriggerTypeName`` takes a member or one of these
strings, as the fields of the models do."""


class TriggerType(ValueSet):
    """What started a pipeline execution (``TriggerType`` in the API)."""

    CREATE_PIPELINE = "CreatePipeline"
    START_PIPELINE_EXECUTION = "StartPipelineExecution"
    POLL_FOR_SOURCE_CHANGES = "PollForSourceChanges"
    WEBHOOK = "Webhook"
    CLOUD_WATCH_EVENT = "CloudWatchEvent"
    PUT_ACTION_REVISION = "PutActionRevision"
    WEBHOOK_V2 = "WebhookV2"
    MANUAL_ROLLBACK = "ManualRollback"
    AUTOMATED_ROLLBACK = "AutomatedRollback"


ExecutionModeName: TypeAlias = Literal["QUEUED", "SUPERSEDED", "PARALLEL"]
"""The known values of `ExecutionMode` as plain strings, as the AWS documentation writes them.

A parameter annotated ``ExecutionMode | ExecutionModeName`` takes a member or one of these
strings, as the fields of the models do."""


class ExecutionMode(ValueSet):
    """How a pipeline runs concurrent executions (``ExecutionMode`` in the API)."""

    QUEUED = "QUEUED"
    SUPERSEDED = "SUPERSEDED"
    PARALLEL = "PARALLEL"


ExecutionTypeName: TypeAlias = Literal["STANDARD", "ROLLBACK"]
"""The known values of `ExecutionType` as plain strings, as the AWS documentation writes them.

A parameter annotated ``ExecutionType | ExecutionTypeName`` takes a member or one of these
strings, as the fields of the models do."""


class ExecutionType(ValueSet):
    """Whether an execution is a normal run or a rollback (``ExecutionType`` in the API)."""

    STANDARD = "STANDARD"
    ROLLBACK = "ROLLBACK"


# --- the models --------------------------------------------------------------------------


def _trigger_type(value: TriggerType | TriggerTypeName | None) -> TriggerType | None:
    return None if value is None else to_value_set(TriggerType, value, "ExecutionTrigger.trigger_type")


def _execution_status(
    value: PipelineExecutionStatus | PipelineExecutionStatusName | None,
) -> PipelineExecutionStatus | None:
    if value is None:
        return None
    return to_value_set(PipelineExecutionStatus, value, "PipelineExecution.status")


def _execution_mode(value: ExecutionMode | ExecutionModeName | None) -> ExecutionMode | None:
    return None if value is None else to_value_set(ExecutionMode, value, "PipelineExecution.execution_mode")


def _execution_type(value: ExecutionType | ExecutionTypeName | None) -> ExecutionType | None:
    return None if value is None else to_value_set(ExecutionType, value, "PipelineExecution.execution_type")


mark_read_converters(_trigger_type, _execution_status, _execution_mode, _execution_type)


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ArtifactRevision:
    """The revision of one artifact in a pipeline execution."""

    name: str | None = None
    """The artifact's name."""
    revision_id: str | None = None
    """The revision id (a commit id, an S3 version id, ...)."""
    revision_change_identifier: str | None = None
    """An additional identifier of the revision (e.g. an S3 ETag)."""
    revision_summary: str | None = None
    """A summary, such as a commit message."""
    created: datetime | None = None
    """When the revision was created."""
    revision_url: str | None = None
    """A link to the revision in its source system."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ResolvedPipelineVariable:
    """A pipeline-level variable and the value it resolved to in an execution."""

    name: str | None = None
    """The variable's name."""
    resolved_value: str | None = None
    """Its value in this execution."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ExecutionTrigger:
    """What started a pipeline execution."""

    trigger_type: TriggerType | None = attrs.field(default=None, converter=_trigger_type)
    """The kind of trigger."""
    trigger_detail: str | None = None
    """Details, such as the user or the webhook that started it."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class PipelineRollbackMetadata:
    """For a rollback execution: the execution it rolled back to."""

    rollback_target_pipeline_execution_id: str | None = None
    """The execution that was the rollback target."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class PipelineExecution:
    """A pipeline execution, from GetPipelineExecution."""

    pipeline_name: str | None = None
    """The pipeline's name."""
    pipeline_version: int | None = None
    """The version of the pipeline structure the execution runs."""
    pipeline_execution_id: str | None = None
    """The execution's id."""
    status: PipelineExecutionStatus | None = attrs.field(default=None, converter=_execution_status)
    """Where the execution stands."""
    status_summary: str | None = None
    """A summary of the status, e.g. why it failed or stopped."""
    artifact_revisions: tuple[ArtifactRevision, ...] = ()
    """The revisions of the source artifacts the execution runs on."""
    variables: tuple[ResolvedPipelineVariable, ...] = ()
    """Pipeline-level variables and their values."""
    trigger: ExecutionTrigger | None = None
    """What started the execution."""
    execution_mode: ExecutionMode | None = attrs.field(default=None, converter=_execution_mode)
    """The pipeline's execution mode."""
    execution_type: ExecutionType | None = attrs.field(default=None, converter=_execution_type)
    """A normal execution or a rollback."""
    rollback_metadata: PipelineRollbackMetadata | None = None
    """For a rollback: what it rolled back to."""
