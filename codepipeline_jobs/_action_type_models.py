"""A custom action type and its parts, as CreateCustomActionType and ListActionTypes use them.

Apart from `codepipeline_jobs._models` (and its one value set,
`ActionConfigurationPropertyType`, from `codepipeline_jobs._values`) so that a job
worker's or a Lambda function's cold start does not create these classes; the
same rules hold (named after the API's shapes, frozen, value-set fields take the
member or its plain string).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from ._models import ActionTypeId, model_methods
from ._values import ValueSet, mark_read_converters, to_value_set

__all__ = [
    "ActionConfigurationProperty",
    "ActionConfigurationPropertyType",
    "ActionConfigurationPropertyTypeName",
    "ActionType",
    "ActionTypeSettings",
    "ArtifactDetails",
    "Tag",
]


# --- the value set of a property's type --------------------------------------------------


ActionConfigurationPropertyTypeName: TypeAlias = Literal["String", "Number", "Boolean"]
"""The known values of `ActionConfigurationPropertyType` as plain strings, as the AWS docs write them.

A parameter annotated ``ActionConfigurationPropertyType | ActionConfigurationPropertyTypeName``
takes a member or one of these strings, as the fields of the models do."""


class ActionConfigurationPropertyType(ValueSet):
    """The type of a custom action's configuration property (``ActionConfigurationPropertyType`` in the API).

    Whatever the type, a job carries the property's value as a string;
    `read_configuration` converts ``Number`` and ``Boolean`` values.
    """

    STRING = "String"
    NUMBER = "Number"
    BOOLEAN = "Boolean"


# --- the models --------------------------------------------------------------------------


def _property_type(
    value: ActionConfigurationPropertyType | ActionConfigurationPropertyTypeName | None,
) -> ActionConfigurationPropertyType | None:
    if value is None:
        return None
    return to_value_set(ActionConfigurationPropertyType, value, "ActionConfigurationProperty.type")


mark_read_converters(_property_type)


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ArtifactDetails:
    """How many artifacts of one kind (input or output) an action type takes.

    Example:
        ```python
        ArtifactDetails(minimum_count=1, maximum_count=1)
        ```
    """

    minimum_count: int
    """The fewest artifacts an action of the type takes (0-5)."""
    maximum_count: int
    """The most artifacts an action of the type takes (0-5, at least `minimum_count`)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ActionTypeSettings:
    """Links the console shows for an action type and its executions.

    The templates may name a configuration property as ``{Config:Name}``
    (required and not secret), and `execution_url_template` may use
    ``{ExternalExecutionId}``.
    """

    third_party_configuration_url: str | None = None
    """Where a user configures the action in the provider's system (1-2048 characters)."""
    entity_url_template: str | None = None
    """A link to the provider's resource, e.g. a build project (1-2048 characters)."""
    execution_url_template: str | None = None
    """A link to one execution in the provider's system (1-2048 characters)."""
    revision_url_template: str | None = None
    """A link to a revision's page in the provider's system (1-2048 characters)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ActionConfigurationProperty:
    """One configuration property of a custom action type.

    Example:
        ```python
        ActionConfigurationProperty(name="ProjectName", required=True, key=True, secret=False)
        ```
    """

    name: str
    """The property's name (1-50 characters), the key of its value in a job's configuration."""
    required: bool
    """Whether every action of the type must set it."""
    key: bool
    """Whether the property is part of what identifies the action's resource."""
    secret: bool
    """Whether its value is hidden from users of the pipeline (not from the job worker)."""
    queryable: bool | None = None
    """Whether PollForJobs can filter on it (``queryParam``); at most one property is."""
    description: str | None = None
    """What the property is for, shown in the console (1-160 characters)."""
    type: ActionConfigurationPropertyType | None = attrs.field(
        default=None, converter=_property_type
    )
    """``"String"``, ``"Number"`` or ``"Boolean"``; jobs carry every value as a string."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class ActionType:
    """An action type, as CreateCustomActionType and ListActionTypes return it."""

    id: ActionTypeId
    """The category, owner, provider and version that identify it."""
    input_artifact_details: ArtifactDetails
    """How many input artifacts an action of the type takes."""
    output_artifact_details: ArtifactDetails
    """How many output artifacts an action of the type produces."""
    settings: ActionTypeSettings | None = None
    """Links the console shows for the type."""
    action_configuration_properties: tuple[ActionConfigurationProperty, ...] = ()
    """The configuration properties an action of the type has (at most 10)."""


@model_methods
@attrs.frozen(kw_only=True, repr=False, eq=False)
class Tag:
    """A tag of an AWS resource, such as a custom action type."""

    key: str
    """The tag's key (1-128 characters)."""
    value: str
    """The tag's value (0-256 characters)."""
