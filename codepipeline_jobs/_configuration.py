"""Typed action configuration, and the declared custom action that ties it to its action type.

A configuration class is an attrs class whose fields are declared with
`config_property`: each field is one configuration property of the action
type. `configuration_properties` derives the properties to register from it,
and `read_configuration` reads a job's configuration (strings, as CodePipeline
sends them) into an instance. `CustomAction` holds the action type's id, its
artifact counts and settings and the configuration class: one declaration for
registering the type, polling for its jobs and reading their configuration.

Example:
    ```python
    @config_class
    class DeployConfig:
        target: str = config_property("Target", key=True, queryable=True)
        retries: int = config_property("Retries", default=3)
        token: str = config_property("Token", secret=True)
    ```
"""

from __future__ import annotations

import json
import sys
import typing
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import attrs

from ._action_type_models import (
    ActionConfigurationProperty,
    ActionConfigurationPropertyType,
    ActionType,
    ActionTypeSettings,
    ArtifactDetails,
)
from ._convert import unstructure
from ._errors import MASK, InvalidConfigurationError, ValidationError
from ._models import ActionTypeId
from ._rules import validate_configuration_properties
from ._values import ActionCategory, ActionOwner, to_value_set

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ._job_detail_models import JobDetails, ThirdPartyJobDetails
    from ._models import Job
    from ._values import ActionCategoryName

if sys.version_info >= (3, 11):  # pragma: no cover - depends on the interpreter
    from typing import dataclass_transform
elif TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import dataclass_transform
else:  # pragma: no cover - Python 3.10 at run time: the marker only matters to type checkers

    def dataclass_transform(**_: object) -> Callable[[_T], _T]:
        return lambda decorated: decorated

__all__ = [
    "CustomAction",
    "config_class",
    "config_property",
    "configuration_properties",
    "read_configuration",
    "read_user_parameters",
]

_T = TypeVar("_T")
_C = TypeVar("_C")
_Cls = TypeVar("_Cls", bound=type)

#: The key of a field's `_Declared` in its attrs metadata.
_METADATA_KEY = "codepipeline_jobs.config_property"

_TYPES: dict[Any, ActionConfigurationPropertyType] = {
    str: ActionConfigurationPropertyType.STRING,
    int: ActionConfigurationPropertyType.NUMBER,
    bool: ActionConfigurationPropertyType.BOOLEAN,
}


@attrs.frozen
class _Declared:
    """What `config_property` was told about a field."""

    name: str
    key: bool
    secret: bool
    queryable: bool
    description: str | None


def _masked_repr(_: object) -> str:
    return repr(MASK)


@overload
def config_property(
    name: str,
    *,
    key: bool = False,
    secret: bool = False,
    queryable: bool = False,
    description: str | None = None,
) -> Any: ...
@overload
def config_property(
    name: str,
    *,
    key: bool = False,
    secret: bool = False,
    queryable: bool = False,
    description: str | None = None,
    default: _T,
) -> _T: ...
def config_property(
    name: str,
    *,
    key: bool = False,
    secret: bool = False,
    queryable: bool = False,
    description: str | None = None,
    default: object = attrs.NOTHING,
) -> Any:
    """Declare a field of a configuration class as one configuration property of the action.

    A field without a `default` is a required property. The field's annotation
    gives the property's type: ``str`` is ``String``, ``int`` is ``Number``,
    ``bool`` is ``Boolean``.

    Args:
        name: The property's name in the pipeline, e.g. ``"ProjectName"`` (1-50 characters).
        key: Whether the property is part of what identifies the action's resource.
        secret: Whether the value is hidden from the pipeline's users; it is also
            kept out of the class's ``repr()`` and out of failure messages.
        queryable: Whether workers may poll for jobs by its value
            (``query_param``); at most one property is, and it must be required
            and not secret.
        description: What the property is for, shown in the console (1-160 characters).
        default: The value when an action does not set the property; makes it optional.

    Returns:
        An attrs field (typed as the field's own type, for type checkers).

    Example:
        ```python
        @config_class
        class BuildConfig:
            project: str = config_property("ProjectName", key=True, queryable=True)
            verbose: bool = config_property("Verbose", default=False)
        ```
    """
    declared = _Declared(name=name, key=key, secret=secret, queryable=queryable, description=description)
    return attrs.field(
        default=default,
        repr=_masked_repr if secret else True,
        metadata={_METADATA_KEY: declared},
    )


@dataclass_transform(
    kw_only_default=True, frozen_default=True, field_specifiers=(config_property, attrs.field)
)
def config_class(cls: _Cls) -> _Cls:
    """Make a class a configuration class: frozen, keyword-only attrs, fields from `config_property`.

    The same as ``@attrs.frozen(kw_only=True)``, with the typing that lets mypy
    and pyright see which properties are required: a field without a default
    is a required ``__init__`` argument for both. (A class decorated with attrs
    directly works at runtime too, but type checkers then take every
    `config_property` field for one with a default.)

    Example:
        ```python
        @config_class
        class DeployConfig:
            target: str = config_property("Target", key=True)
        ```
    """
    made: _Cls = attrs.frozen(kw_only=True)(cls)
    return made


# --- deriving the properties ----------------------------------------------------------------


def _declared_fields(cls: type[Any]) -> list[tuple[attrs.Attribute[Any], _Declared, Any]]:
    if not attrs.has(cls):
        msg = f"a configuration class must be an attrs class, got {cls!r}"
        raise TypeError(msg)
    hints = typing.get_type_hints(cls)
    found: list[tuple[attrs.Attribute[Any], _Declared, Any]] = []
    for field in attrs.fields(cls):
        declared = field.metadata.get(_METADATA_KEY)
        if not isinstance(declared, _Declared):
            msg = f"{cls.__name__}.{field.name} is not declared with config_property"
            raise TypeError(msg)
        annotation = hints.get(field.name, field.type)
        if annotation not in _TYPES:
            msg = (
                f"{cls.__name__}.{field.name}: a configuration property is a str, int or bool, "
                f"got {getattr(annotation, '__name__', annotation)!r}"
            )
            raise TypeError(msg)
        found.append((field, declared, annotation))
    return found


def configuration_properties(cls: type[Any]) -> tuple[ActionConfigurationProperty, ...]:
    """The configuration properties a configuration class declares, checked against the API's rules.

    Args:
        cls: An attrs class whose fields are declared with `config_property`.

    Returns:
        One `ActionConfigurationProperty` per field, in field order.

    Raises:
        TypeError: `cls` is not an attrs class, a field is not declared with
            `config_property`, or its type is not ``str``, ``int`` or ``bool``.
        ValidationError: The properties break a rule of CreateCustomActionType
            (at most 10, unique names of 1-50 characters, descriptions of 1-160,
            at most one queryable property, which is required and not secret).
    """
    properties = tuple(
        ActionConfigurationProperty(
            name=declared.name,
            required=field.default is attrs.NOTHING,
            key=declared.key,
            secret=declared.secret,
            queryable=declared.queryable or None,
            description=declared.description,
            type=_TYPES[annotation],
        )
        for field, declared, annotation in _declared_fields(cls)
    )
    validate_configuration_properties([unstructure(p) for p in properties])
    return properties


def secret_properties(cls: type[Any]) -> frozenset[str]:
    """The names of the properties of a configuration class declared ``secret=True``."""
    return frozenset(declared.name for _, declared, _ in _declared_fields(cls) if declared.secret)


# --- reading a job's configuration ------------------------------------------------------------

_TRUE = "true"
_FALSE = "false"
#: What a value of each type must be, as an error says it.
_EXPECTED: dict[Any, str] = {
    str: "must be a string",
    int: "must be a whole number",
    bool: 'must be "true" or "false"',
}


def _convert(value: str, annotation: Any, name: str) -> object:
    if annotation is bool:
        lowered = value.strip().lower()
        if lowered == _TRUE:
            return True
        if lowered == _FALSE:
            return False
        raise InvalidConfigurationError(name, _EXPECTED[bool])
    if annotation is int:
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 4300:
            raise InvalidConfigurationError(name, _EXPECTED[int])
        return int(text)
    return value


def _read(values: Mapping[str, object], cls: type[_C], *, source: str) -> _C:
    arguments: dict[str, object] = {}
    for field, declared, annotation in _declared_fields(cls):
        raw = values.get(declared.name)
        if raw is None:
            if field.default is attrs.NOTHING:
                raise InvalidConfigurationError(declared.name, f"is required{source}")
            continue
        if annotation is not str and isinstance(raw, annotation) and not (
            annotation is int and isinstance(raw, bool)
        ):
            arguments[field.name] = raw  # JSON user parameters carry numbers and booleans as such
            continue
        if not isinstance(raw, str):
            raise InvalidConfigurationError(declared.name, _EXPECTED[annotation])
        arguments[field.name] = _convert(raw, annotation, declared.name)
    return cls(**arguments)


def read_configuration(job: Job | JobDetails | ThirdPartyJobDetails, cls: type[_C]) -> _C:
    """Read a job's action configuration into a configuration class.

    Values arrive as strings, whatever the property's type: ``Number``
    properties are read as whole numbers (``"42"``), ``Boolean`` ones from
    ``"true"`` or ``"false"`` (any case); properties the action does not set
    take their defaults.

    Args:
        job: A custom or partner job (``job.data.action_configuration``).
        cls: The configuration class, its fields declared with `config_property`.

    Returns:
        An instance of `cls`.

    Raises:
        InvalidConfigurationError: A required property is missing or a value
            does not convert; the message names the property, never the value.
        TypeError: `cls` is not a configuration class.

    Example:
        ```python
        config = read_configuration(job, DeployConfig)
        deploy(config.target)
        ```
    """
    configuration = job.data.action_configuration
    values: Mapping[str, str] = configuration.configuration if configuration is not None else {}
    return _read(values, cls, source="")


def read_user_parameters(job: Job, cls: type[_C]) -> _C:
    """Read a Lambda invoke action's ``UserParameters`` (a JSON object) into a configuration class.

    The JSON object's keys are the properties' names; values may be JSON
    strings (converted as `read_configuration` converts them) or JSON numbers
    and booleans.

    Raises:
        InvalidConfigurationError: ``UserParameters`` is missing or not a JSON
            object, a required property is missing or a value does not convert;
            the message never carries the value.

    Example:
        ```python
        @job_handler
        def handler(job: Job) -> Outcome:
            params = read_user_parameters(job, DeployConfig)
            ...
        ```
    """
    configuration = job.data.action_configuration
    text = configuration.configuration.get("UserParameters") if configuration is not None else None
    if text is None:
        # Every property has a default: a function without user parameters still runs.
        return _read({}, cls, source=" (the action has no UserParameters)")
    try:
        values: object = json.loads(text)
    except ValueError:
        raise InvalidConfigurationError("UserParameters", "must be a JSON object") from None
    if not isinstance(values, dict):
        raise InvalidConfigurationError("UserParameters", "must be a JSON object")
    object_values: dict[str, object] = typing.cast("dict[str, object]", values)
    return _read(object_values, cls, source=" in UserParameters")


# --- the declared action ------------------------------------------------------------------


def _category(value: ActionCategory | ActionCategoryName) -> ActionCategory:
    return to_value_set(ActionCategory, value, "CustomAction.category")


_NO_ARTIFACTS = ArtifactDetails(minimum_count=0, maximum_count=0)


@attrs.frozen(kw_only=True)
class CustomAction(Generic[_C]):
    """A custom action, declared once: its action type, artifacts, settings and configuration class.

    Enough for registering the type (`ensure_custom_action_type`,
    ``codepipeline-jobs action-type register``), for its workers
    (`CustomAction.worker`, polling the right `ActionTypeId`, the typed
    configuration handed to the handler) and for the IAM policies
    (``codepipeline-jobs action-type policy``).

    Example:
        ```python
        DEPLOY = CustomAction(
            category="Deploy",
            provider="MyDeployer",
            version="1",
            configuration=DeployConfig,
            input_artifacts=ArtifactDetails(minimum_count=1, maximum_count=1),
        )
        ```
    """

    category: ActionCategory = attrs.field(converter=_category)
    """The action's category (``"Build"``, ``"Deploy"``, ...)."""
    provider: str
    """The provider name (1-35 of ``[0-9A-Za-z_-]``)."""
    version: str
    """The version (1-9 of ``[0-9A-Za-z_-]``); a changed definition needs a new one."""
    configuration: type[_C]
    """The configuration class, its fields declared with `config_property`."""
    input_artifacts: ArtifactDetails = _NO_ARTIFACTS
    """How many input artifacts the action takes (none by default)."""
    output_artifacts: ArtifactDetails = _NO_ARTIFACTS
    """How many output artifacts it produces (none by default)."""
    settings: ActionTypeSettings | None = None
    """Links the console shows."""

    @property
    def action_type_id(self) -> ActionTypeId:
        """The id workers poll for: owner ``Custom``."""
        return ActionTypeId(
            category=self.category, owner=ActionOwner.CUSTOM, provider=self.provider, version=self.version
        )

    @property
    def configuration_properties(self) -> tuple[ActionConfigurationProperty, ...]:
        """The properties derived from the configuration class (`configuration_properties`)."""
        return configuration_properties(self.configuration)

    @property
    def action_type(self) -> ActionType:
        """The action type to register."""
        return ActionType(
            id=self.action_type_id,
            input_artifact_details=self.input_artifacts,
            output_artifact_details=self.output_artifacts,
            settings=self.settings,
            action_configuration_properties=self.configuration_properties,
        )

    @property
    def queryable_property(self) -> str | None:
        """The name of the queryable property, if one is declared."""
        return next((p.name for p in self.configuration_properties if p.queryable), None)

    @property
    def secret_properties(self) -> frozenset[str]:
        """The names of the secret properties: the values redaction masks."""
        return secret_properties(self.configuration)

    def check_query_param(self, query_param: Mapping[str, str] | None) -> None:
        """Refuse a ``query_param`` whose key is not the action's queryable property.

        Raises:
            ValidationError: The key is another property, or none is queryable.
        """
        if not query_param:
            return
        queryable = self.queryable_property
        for key in query_param:
            if key != queryable:
                rule = (
                    f"{key[:50]!r} is not queryable; the queryable property is {queryable!r}"
                    if queryable is not None
                    else f"{key[:50]!r} is not queryable; {self.configuration.__name__} declares no "
                    "queryable property"
                )
                raise ValidationError("queryParam", rule)

    def read(self, job: Job | JobDetails | ThirdPartyJobDetails) -> _C:
        """The job's configuration, read into the configuration class (`read_configuration`)."""
        return read_configuration(job, self.configuration)

    def handler(self, function: Callable[[Job, _C], _T]) -> Callable[[Job], _T]:
        """Adapt a handler that takes the job and its typed configuration to a worker's handler.

        The configuration is read before `function` runs; an
        `InvalidConfigurationError` is reported as a ``ConfigurationError`` failure.

        Example:
            ```python
            def deploy(job: Job, config: DeployConfig) -> Outcome:
                return Success(output_variables={"target": config.target})

            worker = JobWorker(client, DEPLOY.action_type_id, DEPLOY.handler(deploy))
            ```
        """

        def handle(job: Job) -> _T:
            return function(job, self.read(job))

        handle.__name__ = getattr(function, "__name__", "handle")
        handle.__qualname__ = getattr(function, "__qualname__", "handle")
        handle.__doc__ = function.__doc__
        return handle
