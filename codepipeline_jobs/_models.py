"""The API's shapes as frozen attrs classes: a job and what reports it.

This room holds what every runtime needs, a Lambda function's first invocation
included: `Job` and the shapes inside it, the details a result reports
(`CurrentRevision`, `ExecutionDetails`, `FailureDetails`), `FrozenMap` and the
methods every model shares. The shapes only some calls return live next door,
so that a cold start does not pay for creating their classes:
`codepipeline_jobs._job_detail_models` (GetJobDetails and partner jobs),
`codepipeline_jobs._execution_models` (GetPipelineExecution) and
`codepipeline_jobs._action_type_models` (custom action types).

Every class is named after its shape in the CodePipeline API and every field
after its member, snake_cased: ``JobData.artifactCredentials`` is
`JobData.artifact_credentials`. Nothing is renamed and nothing is flattened, so
a reader of the AWS documentation finds each field by rule.

The classes know nothing of the wire format: the camelCase dictionaries boto3
speaks are read and written by the converter in `codepipeline_jobs.converter`.

A field typed with a value set takes its member or the plain string the AWS
documentation writes: ``ActionTypeId(category="Build", owner="Custom", ...)``
type-checks (the converters below are typed with the value set's `Literal`
alias, and mypy's attrs plugin and pyright read ``__init__`` from them) and is
equal to the one built from `ActionCategory.BUILD`; the field always holds the
value set's member.

Secrets are kept out of ``repr()``: the secret key and session token of
`AWSSessionCredentials`, and the values of an `ActionConfiguration` (the API
reference warns they may hold secrets). `attrs.asdict`, `unstructure` and
pickle still carry them, as they must.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime  # noqa: TC003 - attrs resolves field types at runtime
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

import attrs

from ._errors import MASK, type_description
from ._values import (
    ActionCategory,
    ActionCategoryName,
    ActionOwner,
    ActionOwnerName,
    ArtifactLocationType,
    ArtifactLocationTypeName,
    EncryptionKeyType,
    EncryptionKeyTypeName,
    FailureType,
    FailureTypeName,
    mark_read_converters,
    to_value_set,
)

if TYPE_CHECKING:
    from ._job_detail_models import JobDetails, ThirdPartyJobDetails

__all__ = [
    "AWSSessionCredentials",
    "ActionConfiguration",
    "ActionContext",
    "ActionTypeId",
    "Artifact",
    "ArtifactLocation",
    "CurrentRevision",
    "EncryptionKey",
    "ExecutionDetails",
    "FailureDetails",
    "FrozenMap",
    "Job",
    "JobData",
    "PipelineContext",
    "S3ArtifactLocation",
    "StageContext",
    "job_models",
    "model_methods",
]

_V = TypeVar("_V")
_T = TypeVar("_T")
_C = TypeVar("_C", bound=type)


class FrozenMap(Mapping[str, _V]):
    """An immutable, hashable, picklable mapping: the runtime type of map members.

    Replies are read into `FrozenMap` so that a model's configuration cannot be
    changed behind its back. It compares equal to any mapping with the same
    items, ``dict`` included.

    Its ``repr()`` (and so ``str()``, ``format()`` and f-strings) shows the keys
    and masks the values: the only map a reply carries is an action's
    configuration, whose values the API reference warns may be secret. A map
    built with ``secret=False`` (output variables, say) shows its values.

    Example:
        ```python
        FrozenMap({"ApiKey": "k-8f2c41d9e07b"})  # FrozenMap({'ApiKey': '***'})
        FrozenMap({"imageTag": "1.4.2"}, secret=False)  # FrozenMap({'imageTag': '1.4.2'}, secret=False)
        ```
    """

    __slots__ = ("_data", "_hash", "_secret")

    _data: dict[str, _V]
    _hash: int | None
    _secret: bool

    def __init__(self, items: Mapping[str, _V] | None = None, *, secret: bool = True) -> None:
        self._data = dict(items) if items else {}
        self._hash = None
        self._secret = secret

    def __getitem__(self, key: str) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    # The Mapping mixins go through __getitem__ and build views; the dict does it directly.
    def __contains__(self, key: object) -> bool:
        return key in self._data

    @overload
    def get(self, key: str, /) -> _V | None: ...
    @overload
    def get(self, key: str, default: _V | _T, /) -> _V | _T: ...
    def get(self, key: str, default: object = None, /) -> object:
        """The value of `key`, or `default` when there is none."""
        return self._data.get(key, default)

    def __eq__(self, other: object) -> bool:
        kind: type[Any] = type(other)
        if kind is FrozenMap:
            return self._data == cast("FrozenMap[Any]", other)._data
        if kind is dict:
            return self._data == other
        if not isinstance(other, Mapping):
            return NotImplemented
        items: Mapping[Any, Any] = other  # pyright: ignore[reportUnknownVariableType]
        return self._data == dict(items.items())

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        if self._secret:
            return f"{type(self).__name__}({_masked_values(self._data)})"
        return f"{type(self).__name__}({self._data!r}, secret=False)"

    def __format__(self, spec: str) -> str:
        # object.__format__ would do this too; written out so that no subclass or mixin
        # can make format() and f-strings show the values.
        return format(repr(self), spec)

    def __reduce__(self) -> tuple[Callable[..., FrozenMap[_V]], tuple[Any, ...]]:
        if self._secret:
            return (type(self), (self._data,))
        return (_revealed_map, (type(self), self._data))

    @property
    def secret(self) -> bool:
        """Whether ``repr()`` masks the values (the default)."""
        return self._secret


def _revealed_map(cls: type[FrozenMap[_V]], data: dict[str, _V]) -> FrozenMap[_V]:
    """Unpickles a map built with ``secret=False``."""
    return cls(data, secret=False)


def _masked_values(value: Mapping[str, object]) -> str:
    """A map's repr with its keys shown and its values masked."""
    return "{" + ", ".join(f"{key!r}: {MASK!r}" for key in value) + "}"


_EMPTY_MAP: FrozenMap[str] = FrozenMap()


def _masked(value: object) -> str:
    return repr(MASK) if value is not None else "None"


def _masked_access_key(value: str) -> str:
    # The key id names the credential but grants nothing by itself; its prefix
    # (ASIA... for temporary keys) helps debugging, the rest is masked.
    return repr(value[:4] + MASK)


# --- the methods every model shares -----------------------------------------------------------

_repr_state = threading.local()


def model_methods(cls: _C) -> _C:
    """Give a model the ``__repr__``, ``__eq__`` and ``__hash__`` attrs would write for it.

    The models are declared ``attrs.frozen(kw_only=True, repr=False, eq=False)`` and
    get these three from here instead: attrs compiles them from generated source,
    class by class, which is about half of what importing the models costs (a
    Lambda cold start pays it). They behave as attrs' own: the repr shows the
    fields attrs would show, through their ``repr=`` functions (so secrets stay
    masked), and says ``...`` for an object already being shown; instances are
    equal when they are of the same class with equal fields, and hash alike then.
    """
    fields = attrs.fields(cls)
    if any(a.eq_key is not None or a.hash is not None or not a.eq for a in fields):
        message = f"{cls.__name__}: field-level eq or hash settings need attrs' own methods"
        raise TypeError(message)
    names = tuple(a.name for a in fields)
    key: Callable[[Any], Any] = operator.attrgetter(*names) if names else lambda _: ()
    shown = tuple((a.name, a.repr if callable(a.repr) else repr) for a in fields if a.repr)
    salt = hash(f"codepipeline_jobs model {cls.__module__}.{cls.__qualname__}")

    def __repr__(self: object) -> str:  # noqa: N807 - a method, attached below
        showing: set[int] | None = getattr(_repr_state, "showing", None)
        if showing is None:
            showing = set()
            _repr_state.showing = showing
        if id(self) in showing:
            return "..."
        showing.add(id(self))
        try:
            members = ", ".join([f"{name}={show(getattr(self, name))}" for name, show in shown])
            return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({members})"
        finally:
            showing.discard(id(self))

    def __eq__(self: object, other: object) -> bool:  # noqa: N807
        if other.__class__ is not self.__class__:
            return NotImplemented
        equal: bool = key(self) == key(other)
        return equal

    def __hash__(self: object) -> int:  # noqa: N807
        return hash((salt, key(self)))

    for method in (__repr__, __eq__, __hash__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        method.__module__ = cls.__module__
        setattr(cls, method.__name__, method)
    props: Any = cls.__dict__.get("__attrs_props__")  # attrs >= 25.4 records what it added
    if props is not None:
        props.added_repr = props.added_eq = True
        props.hashability = props.Hashability.HASHABLE
    return cls


# --- fields typed with a value set ----------------------------------------------------------
#
# Each converts what its field is given with `to_value_set`: a member stays, any `str` becomes
# the value set's member (an unknown one too, as reading a reply does), anything else is a
# TypeError naming the field. The parameter types are what type checkers take for ``__init__``.


def _category(value: ActionCategory | ActionCategoryName) -> ActionCategory:
    return to_value_set(ActionCategory, value, "ActionTypeId.category")


def _owner(value: ActionOwner | ActionOwnerName) -> ActionOwner:
    return to_value_set(ActionOwner, value, "ActionTypeId.owner")


def _artifact_location_type(
    value: ArtifactLocationType | ArtifactLocationTypeName | None,
) -> ArtifactLocationType | None:
    return None if value is None else to_value_set(ArtifactLocationType, value, "ArtifactLocation.type")


def _encryption_key_type(value: EncryptionKeyType | EncryptionKeyTypeName) -> EncryptionKeyType:
    return to_value_set(EncryptionKeyType, value, "EncryptionKey.type")


def _failure_type(value: FailureType | FailureTypeName) -> FailureType:
    return to_value_set(FailureType, value, "FailureDetails.type")


def _frozen_map(value: object, field: str) -> FrozenMap[str]:
    # Any mapping is kept as a FrozenMap, as a reply's is: it cannot change behind the
    # model's back, and its own repr masks the values (a dict's would not).
    if value.__class__ is FrozenMap and cast("FrozenMap[str]", value).secret:
        return cast("FrozenMap[str]", value)
    if isinstance(value, Mapping):  # a FrozenMap built with secret=False is masked too
        return FrozenMap(cast("Mapping[str, str]", value))
    message = f"{field} must be a mapping, got {type_description(value)}"
    raise TypeError(message)


def _configuration_map(value: Mapping[str, str]) -> Mapping[str, str]:
    return _frozen_map(value, "ActionConfiguration.configuration")


mark_read_converters(
    _configuration_map,
    _category,
    _owner,
    _artifact_location_type,
    _encryption_key_type,
    _failure_type,
)


# --- identifying an action ------------------------------------------------------------------


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ActionTypeId:
    """Identifies an action type: the four values a job worker polls for.

    `category` and `owner` take the plain strings of the AWS documentation or
    the members of `ActionCategory` and `ActionOwner`, alike.

    Example:
        ```python
        ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")
        ```
    """

    category: ActionCategory = attrs.field(converter=_category)
    """The kind of action: ``Build``, ``Test``, ``Deploy``, ..."""
    owner: ActionOwner = attrs.field(converter=_owner)
    """``Custom`` for custom actions, ``ThirdParty`` for partner actions, ``AWS`` for AWS's own."""
    provider: str
    """The provider name registered for the action type (1-35 of ``[0-9A-Za-z_-]``)."""
    version: str
    """The version of the action type (1-9 of ``[0-9A-Za-z_-]``)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ActionConfiguration:
    """The configuration an action was given in the pipeline.

    The values are masked in ``repr()``: the API reference warns that they
    include the action's secret configuration properties.
    """

    configuration: Mapping[str, str] = attrs.field(
        factory=lambda: _EMPTY_MAP, converter=_configuration_map, repr=_masked_values
    )
    """Configuration property names and their values."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class StageContext:
    """The stage of the pipeline a job belongs to."""

    name: str | None = None
    """The stage's name."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ActionContext:
    """The action of the pipeline a job belongs to."""

    name: str | None = None
    """The action's name."""
    action_execution_id: str | None = None
    """The id of this execution of the action."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class PipelineContext:
    """Where in which pipeline a job comes from.

    Filled for custom action jobs; partner (third-party) jobs carry only part
    of it, and Lambda invoke events none.
    """

    pipeline_name: str | None = None
    """The pipeline's name."""
    stage: StageContext | None = None
    """The stage the action is in."""
    action: ActionContext | None = None
    """The action the job runs."""
    pipeline_arn: str | None = None
    """The pipeline's ARN; its region is the region of the artifact bucket."""
    pipeline_execution_id: str | None = None
    """The pipeline execution the job is part of."""


# --- artifacts and credentials --------------------------------------------------------------


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class S3ArtifactLocation:
    """Where an artifact lives in Amazon S3."""

    bucket_name: str
    """The artifact bucket."""
    object_key: str
    """The object's key (URL-encoded in some Lambda events)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ArtifactLocation:
    """Where an artifact is stored."""

    type: ArtifactLocationType | None = attrs.field(default=None, converter=_artifact_location_type)
    """The kind of store; ``S3`` is the only one today."""
    s3_location: S3ArtifactLocation | None = None
    """The S3 bucket and key, when `type` is ``S3``."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Artifact:
    """An input or output artifact of a job."""

    name: str | None = None
    """The artifact's name, as declared in the pipeline."""
    revision: str | None = None
    """The revision of the artifact's source, when known."""
    location: ArtifactLocation | None = None
    """Where the artifact is stored."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class AWSSessionCredentials:
    """Temporary credentials of the action's role, scoped to the artifact bucket.

    Only a prefix of the access key id shows in ``repr()``; the secret key and
    the session token never do.
    """

    access_key_id: str = attrs.field(repr=_masked_access_key)
    """The access key id."""
    secret_access_key: str = attrs.field(repr=_masked)
    """The secret access key. Secret."""
    session_token: str = attrs.field(repr=_masked)
    """The session token. Secret."""
    expiration_time: int | None = None
    """When the credentials expire, in epoch milliseconds.

    Not part of the API model: Lambda invoke events carry it, API replies do not.
    """


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class EncryptionKey:
    """The key that encrypts the pipeline's artifacts.

    Output artifacts must be uploaded with SSE-KMS under this key.
    """

    id: str
    """A KMS key id, key ARN or alias ARN."""
    type: EncryptionKeyType = attrs.field(converter=_encryption_key_type)
    """The kind of key; ``KMS`` is the only one today."""


# --- jobs -----------------------------------------------------------------------------------


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class _JobDataMembers:
    """The members `JobData` and `ThirdPartyJobData` share (the API defines both alike)."""

    action_type_id: ActionTypeId | None = None
    """The action type of the job (absent in Lambda invoke events)."""
    action_configuration: ActionConfiguration | None = None
    """The action's configuration; its values may be secrets."""
    pipeline_context: PipelineContext | None = None
    """The pipeline, stage and action the job belongs to."""
    input_artifacts: tuple[Artifact, ...] = ()
    """The artifacts the action reads."""
    output_artifacts: tuple[Artifact, ...] = ()
    """The artifacts the action must write."""
    artifact_credentials: AWSSessionCredentials | None = None
    """Credentials for the artifact bucket. Secret."""
    continuation_token: str | None = None
    """Set when this job continues an earlier one that reported a continuation."""
    encryption_key: EncryptionKey | None = None
    """The key output artifacts must be encrypted with, if any."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class JobData(_JobDataMembers):
    """What a custom action job is about (``JobData`` in the API)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Job:
    """A job handed out by PollForJobs.

    Acknowledge it with its `nonce` (`acknowledge_job`) before doing the work.
    """

    id: str
    """The job's id (a lowercase UUID for custom action jobs)."""
    data: JobData
    """What the job is about."""
    nonce: str | None = None
    """The value to pass to `acknowledge_job` (absent in Lambda invoke events)."""
    account_id: str | None = None
    """The AWS account the pipeline belongs to."""


# --- results --------------------------------------------------------------------------------


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class CurrentRevision:
    """The revision a source action produced, reported with a success result."""

    revision: str
    """The revision id (1-1500 characters)."""
    change_identifier: str
    """The change identifier (1-100 characters)."""
    created: datetime | None = None
    """When the revision was created."""
    revision_summary: str | None = None
    """A summary of the revision (1-2048 characters)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ExecutionDetails:
    """Progress details a worker reports with a result."""

    summary: str | None = None
    """A summary shown in the console (1-2048 characters)."""
    external_execution_id: str | None = None
    """The id of the work in the worker's own system (1-1500 characters)."""
    percent_complete: int | None = None
    """How far the work is, 0-100."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class FailureDetails:
    """Why a job failed, reported with a failure result.

    Build one from an exception with `FailureDetails.from_exception`.

    Example:
        ```python
        FailureDetails(type="ConfigurationError", message="the action needs a ProjectName")
        ```
    """

    type: FailureType = attrs.field(converter=_failure_type)
    """The kind of failure: ``"JobFailed"``, ``"ConfigurationError"``, ..."""
    message: str
    """What went wrong (1-5000 characters)."""
    external_execution_id: str | None = None
    """The id of the work in the worker's own system (1-1500 characters)."""

    @classmethod
    def from_exception(
        cls,
        exc: BaseException,
        *,
        type: FailureType | FailureTypeName = FailureType.JOB_FAILED,
        job: Job | JobDetails | ThirdPartyJobDetails | None = None,
        external_execution_id: str | None = None,
    ) -> FailureDetails:
        """Describe an exception as a failure, safe to send to CodePipeline.

        The message is the exception's type and text (``"KeyError: 'x'"``).
        Values that look like credentials are masked, and so is every secret of
        `job` when given (its credentials and action configuration values). A
        message over the API's 5,000-character limit is cut, with a visible
        marker saying how much was left out.

        Args:
            exc: The exception to describe.
            type: The kind of failure to report: a `FailureType` or its string value
                (``"ConfigurationError"``).
            job: The job the exception happened in, whose secrets are masked.
            external_execution_id: The id of the work in your own system.

        Returns:
            Failure details that pass the API's rules.

        Example:
            ```python
            try:
                build(job)
            except Exception as exc:
                put_job_failure_result(client, job.id, FailureDetails.from_exception(exc, job=job))
            ```
        """
        from ._redact import describe_exception  # noqa: PLC0415 - lazy (redaction): only for a failure

        return cls(
            type=type,
            message=describe_exception(exc, job=job),
            external_execution_id=external_execution_id,
        )


def job_models() -> tuple[type[Any], ...]:
    """Every public model class of this module, in the order they are defined.

    The converter's frozen code covers exactly these (`codepipeline_jobs._convert`).
    """
    return tuple(
        value
        for name, value in globals().items()
        if isinstance(value, type) and attrs.has(value) and value.__module__ == __name__
        and not name.startswith("_")
    )
