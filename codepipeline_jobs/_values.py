"""Open value sets: enums that accept values this release does not know yet.

AWS keeps adding values to its enums (ActionCategory gained ``Compute``,
PipelineExecutionStatus gained ``Cancelled``, ...). A reply carrying a value
we have never seen must not crash a worker, so every value set here is a
`str` enum whose unknown values come back unchanged: ``ActionCategory("Quantum")``
is an `ActionCategory` equal to the string ``"Quantum"``, with
`ValueSet.is_known` false.

Next to each value set, a `Literal` alias names its known values as plain strings
(`ActionCategoryName` is ``Literal["Source", "Build", ...]``): the models' fields
accept a member or one of those strings, so ``category="Build"``, as the AWS
documentation writes it, type-checks and ``category="Bogus"`` does not. Use the
aliases in your own annotations, as mypy-boto3's ``literals`` are used.

This room holds the machinery (`ValueSet`, `to_value_set`) and the value sets a
job and its report use. A value set only other shapes use lives with them, so a
cold start does not create it: `PipelineExecutionStatus`, `TriggerType`,
`ExecutionMode` and `ExecutionType` in `codepipeline_jobs._execution_models`,
`ActionConfigurationPropertyType` in `codepipeline_jobs._action_type_models`.
"""

from __future__ import annotations

import enum
import threading
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

from ._errors import type_description, with_article

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "ActionCategory",
    "ActionCategoryName",
    "ActionOwner",
    "ActionOwnerName",
    "ArtifactLocationType",
    "ArtifactLocationTypeName",
    "EncryptionKeyType",
    "EncryptionKeyTypeName",
    "FailureType",
    "FailureTypeName",
    "JobStatus",
    "JobStatusName",
    "ValueSet",
    "is_read_converter",
    "mark_read_converters",
    "to_value_set",
]

_pseudo_lock = threading.Lock()
_V = TypeVar("_V", bound="ValueSet")


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
        # The plain string: a str subclass (another value set's member, say) is not kept.
        plain = str.__str__(value)
        with _pseudo_lock:
            known = cls._value2member_map_.get(plain)
            if known is not None:
                return known
            member = str.__new__(cls, plain)
            member._name_ = plain
            member._value_ = plain
            cls._value2member_map_[plain] = member
            return member

    @property
    def is_known(self) -> bool:
        """Whether this value was known to this release of the library."""
        # By identity: a pseudo-member whose value spells a member's *name*
        # (``ActionCategory("BUILD")``) is not the known member ``BUILD``.
        return type(self).__members__.get(self._name_) is self


ActionCategoryName: TypeAlias = Literal["Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute"]
"""The known values of `ActionCategory` as plain strings, as the AWS documentation writes them.

A parameter annotated ``ActionCategory | ActionCategoryName`` takes a member or one of these
strings, as the fields of the models do."""


class ActionCategory(ValueSet):
    """The category of an action type (``ActionCategory`` in the API)."""

    SOURCE = "Source"
    BUILD = "Build"
    DEPLOY = "Deploy"
    TEST = "Test"
    INVOKE = "Invoke"
    APPROVAL = "Approval"
    COMPUTE = "Compute"


ActionOwnerName: TypeAlias = Literal["AWS", "ThirdParty", "Custom"]
"""The known values of `ActionOwner` as plain strings, as the AWS documentation writes them.

A parameter annotated ``ActionOwner | ActionOwnerName`` takes a member or one of these
strings, as the fields of the models do."""


class ActionOwner(ValueSet):
    """Who created an action type (``ActionOwner`` in the API)."""

    AWS = "AWS"
    THIRD_PARTY = "ThirdParty"
    CUSTOM = "Custom"


ArtifactLocationTypeName: TypeAlias = Literal["S3"]
"""The known values of `ArtifactLocationType` as plain strings, as the AWS documentation writes them.

A parameter annotated ``ArtifactLocationType | ArtifactLocationTypeName`` takes a member or one of these
strings, as the fields of the models do."""


class ArtifactLocationType(ValueSet):
    """Where an artifact is stored (``ArtifactLocationType`` in the API)."""

    S3 = "S3"


EncryptionKeyTypeName: TypeAlias = Literal["KMS"]
"""The known values of `EncryptionKeyType` as plain strings, as the AWS documentation writes them.

A parameter annotated ``EncryptionKeyType | EncryptionKeyTypeName`` takes a member or one of these
strings, as the fields of the models do."""


class EncryptionKeyType(ValueSet):
    """The kind of key that encrypts artifacts (``EncryptionKeyType`` in the API)."""

    KMS = "KMS"


JobStatusName: TypeAlias = Literal[
    "Created",
    "Queued",
    "Dispatched",
    "InProgress",
    "TimedOut",
    "Succeeded",
    "Failed",
]
"""The known values of `JobStatus` as plain strings, as the AWS documentation writes them.

A parameter annotated ``JobStatus | JobStatusName`` takes a member or one of these
strings, as the fields of the models do."""


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


FailureTypeName: TypeAlias = Literal[
    "JobFailed",
    "ConfigurationError",
    "PermissionError",
    "RevisionOutOfSync",
    "RevisionUnavailable",
    "SystemUnavailable",
]
"""The known values of `FailureType` as plain strings, as the AWS documentation writes them.

A parameter annotated ``FailureType | FailureTypeName`` takes a member or one of these
strings, as the fields of the models do."""


class FailureType(ValueSet):
    """Why a job failed (``FailureType`` in the API)."""

    JOB_FAILED = "JobFailed"
    CONFIGURATION_ERROR = "ConfigurationError"
    PERMISSION_ERROR = "PermissionError"
    REVISION_OUT_OF_SYNC = "RevisionOutOfSync"
    REVISION_UNAVAILABLE = "RevisionUnavailable"
    SYSTEM_UNAVAILABLE = "SystemUnavailable"


# --- fields typed with a value set ----------------------------------------------------------


def to_value_set(cls: type[_V], value: object, field: str) -> _V:
    """`value` as a value of `cls`: a member as it is, any `str` looked up (known or not).

    What the converter of a model field typed with `cls` does; for a `str` it gives
    exactly what reading the field from a reply gives, so a reply's new values stay
    readable. Whether an unknown value may be *sent* is for the request rules to say.

    Args:
        cls: The value set.
        value: What the field was given.
        field: The field, as the error names it (``"ActionTypeId.category"``).

    Raises:
        TypeError: `value` is not a `str`.
    """
    if type(value) is cls:  # the common case, first
        return value
    if isinstance(value, str):
        known = cls._value2member_map_.get(value)
        return known if known is not None else cls(value)  # type: ignore[return-value]
    example = next(iter(cls)).value
    message = (
        f"{field} must be {with_article(cls.__name__)} or its string value such as {example!r}, "
        f"got {type_description(value)}"
    )
    raise TypeError(message)


_CONVERTERS: set[Callable[[Any], Any]] = set()


def mark_read_converters(*converters: Callable[[Any], Any]) -> None:
    """Record field converters that do nothing the generated readers do not do themselves.

    The generated readers of `codepipeline_jobs._convert_generated` fill an instance's slots
    without calling ``__init__``; they may do so for a class whose converters are all
    marked here: `to_value_set` (or ``None`` passed through), since they read value sets
    exactly as it converts them, and the models' map fields' conversion to `FrozenMap`,
    which they read maps into.
    """
    _CONVERTERS.update(converters)


def is_read_converter(converter: object) -> bool:
    """Whether `converter` was marked with `mark_read_converters`."""
    try:
        return converter in _CONVERTERS
    except TypeError:  # unhashable: not one of ours
        return False
