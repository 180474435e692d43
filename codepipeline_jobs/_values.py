"""Open value sets: enums that accept values this release does not know yet.

AWS keeps adding values to its enums (ActionCategory gained ``Compute``,
PipelineExecutionStatus gained ``Cancelled``, ...). A reply carrying a value
we have never seen must not crash a worker, so every value set here is a
`str` enum whose unknown values come back unchanged: ``ActionCategory("Quantum")``
is an `ActionCategory` equal to the string ``"Quantum"``, with
`ValueSet.is_known` false.
"""

from __future__ import annotations

import enum
import threading
from typing import Any

__all__ = [
    "ActionCategory",
    "ActionConfigurationPropertyType",
    "ActionOwner",
    "ArtifactLocationType",
    "EncryptionKeyType",
    "ExecutionMode",
    "ExecutionType",
    "FailureType",
    "JobStatus",
    "PipelineExecutionStatus",
    "TriggerType",
    "ValueSet",
]

_pseudo_lock = threading.Lock()


class ValueSet(str, enum.Enum):
    """Base of every value set: a `str` enum that tolerates unknown values.

    Members compare equal to their plain string values, format as those values,
    and hash like them, so ``job.data.action_type_id.category == "Build"`` holds
    and a member can be used wherever boto3 expects a string.

    Looking up an unknown value returns a new pseudo-member instead of raising
    `ValueError`; it is created once per value and reused.
    """

    __str__ = str.__str__
    __format__ = str.__format__  # type: ignore[assignment]

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        with _pseudo_lock:
            known = cls._value2member_map_.get(value)
            if known is not None:
                return known
            member = str.__new__(cls, value)
            member._name_ = value
            member._value_ = value
            cls._value2member_map_[value] = member
            return member

    @property
    def is_known(self) -> bool:
        """Whether this value was known to this release of the library."""
        # By identity: a pseudo-member whose value spells a member's *name*
        # (``ActionCategory("BUILD")``) is not the known member ``BUILD``.
        return type(self).__members__.get(self._name_) is self


class ActionCategory(ValueSet):
    """The category of an action type (``ActionCategory`` in the API)."""

    SOURCE = "Source"
    BUILD = "Build"
    DEPLOY = "Deploy"
    TEST = "Test"
    INVOKE = "Invoke"
    APPROVAL = "Approval"
    COMPUTE = "Compute"


class ActionOwner(ValueSet):
    """Who created an action type (``ActionOwner`` in the API)."""

    AWS = "AWS"
    THIRD_PARTY = "ThirdParty"
    CUSTOM = "Custom"


class ArtifactLocationType(ValueSet):
    """Where an artifact is stored (``ArtifactLocationType`` in the API)."""

    S3 = "S3"


class EncryptionKeyType(ValueSet):
    """The kind of key that encrypts artifacts (``EncryptionKeyType`` in the API)."""

    KMS = "KMS"


class PipelineExecutionStatus(ValueSet):
    """The status of a pipeline execution (``PipelineExecutionStatus`` in the API)."""

    CANCELLED = "Cancelled"
    IN_PROGRESS = "InProgress"
    STOPPED = "Stopped"
    STOPPING = "Stopping"
    SUCCEEDED = "Succeeded"
    SUPERSEDED = "Superseded"
    FAILED = "Failed"


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


class ExecutionMode(ValueSet):
    """How a pipeline runs concurrent executions (``ExecutionMode`` in the API)."""

    QUEUED = "QUEUED"
    SUPERSEDED = "SUPERSEDED"
    PARALLEL = "PARALLEL"


class ExecutionType(ValueSet):
    """Whether an execution is a normal run or a rollback (``ExecutionType`` in the API)."""

    STANDARD = "STANDARD"
    ROLLBACK = "ROLLBACK"


class JobStatus(ValueSet):
    """The status of a job (``JobStatus`` in the API).

    A worker may do the work of a job only once `acknowledge_job` returned
    `JobStatus.IN_PROGRESS`.
    """

    CREATED = "Created"
    QUEUED = "Queued"
    DISPATCHED = "Dispatched"
    IN_PROGRESS = "InProgress"
    TIMED_OUT = "TimedOut"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class FailureType(ValueSet):
    """Why a job failed (``FailureType`` in the API)."""

    JOB_FAILED = "JobFailed"
    CONFIGURATION_ERROR = "ConfigurationError"
    PERMISSION_ERROR = "PermissionError"
    REVISION_OUT_OF_SYNC = "RevisionOutOfSync"
    REVISION_UNAVAILABLE = "RevisionUnavailable"
    SYSTEM_UNAVAILABLE = "SystemUnavailable"


class ActionConfigurationPropertyType(ValueSet):
    """The type of a custom action's configuration property (``ActionConfigurationPropertyType`` in the API).

    Whatever the type, a job carries the property's value as a string;
    `read_configuration` converts ``Number`` and ``Boolean`` values.
    """

    STRING = "String"
    NUMBER = "Number"
    BOOLEAN = "Boolean"
