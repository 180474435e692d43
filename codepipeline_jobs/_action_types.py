"""Registering custom action types: the request of a definition, and how two definitions differ.

The decisions of `ensure_custom_action_type` live here, free of I/O, so the
synchronous and the asynchronous calls share them: which request registers a
declared type (`create_params`), whether a registered type is the declared one
(`differences`), and what to do about it (`settle`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._convert import unstructure
from ._errors import ActionTypeConflictError, ValidationError
from ._values import ActionOwner

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from ._action_type_models import (
        ActionConfigurationProperty,
        ActionType,
        ActionTypeSettings,
        ArtifactDetails,
        Tag,
    )
    from ._models import ActionTypeId

__all__ = [
    "create_params",
    "describe",
    "differences",
    "find",
    "params_of",
    "plain",
    "settle",
    "validate_custom_action_type_owner",
]


def plain(value: object) -> object:
    """A value set's member as its plain string (what the wire carries); anything else unchanged."""
    return str.__str__(value) if isinstance(value, str) else value


def describe(action_type_id: ActionTypeId) -> str:
    """``Category/Provider/Version``: how the console and the CLI name a custom action type."""
    return f"{action_type_id.category!s}/{action_type_id.provider}/{action_type_id.version}"


def create_params(
    category: str,
    provider: str,
    version: str,
    *,
    input_artifact_details: ArtifactDetails,
    output_artifact_details: ArtifactDetails,
    settings: ActionTypeSettings | None = None,
    configuration_properties: Sequence[ActionConfigurationProperty] = (),
    tags: Sequence[Tag] = (),
) -> dict[str, Any]:
    """The CreateCustomActionType request, in wire form, absent members left out."""
    params: dict[str, Any] = {
        "category": plain(category),
        "provider": provider,
        "version": version,
        "inputArtifactDetails": unstructure(input_artifact_details),
        "outputArtifactDetails": unstructure(output_artifact_details),
    }
    written_settings = unstructure(settings)
    if written_settings:
        params["settings"] = written_settings
    if configuration_properties:
        params["configurationProperties"] = [unstructure(p) for p in configuration_properties]
    if tags:
        params["tags"] = [unstructure(tag) for tag in tags]
    return params


def validate_custom_action_type_owner(action_type: ActionType) -> None:
    """Refuse an action type whose owner is not ``Custom``: the only kind a worker registers.

    Raises:
        ValidationError: The owner is another one; nothing was sent.
    """
    owner = action_type.id.owner
    if owner != ActionOwner.CUSTOM:
        raise ValidationError(
            "actionType.id.owner",
            f"CreateCustomActionType registers only owner 'Custom', got {plain(owner)!r}",
        )


def params_of(action_type: ActionType, tags: Sequence[Tag] = ()) -> dict[str, Any]:
    """The CreateCustomActionType request that registers `action_type` (owner ``Custom``).

    Raises:
        ValidationError: The owner is not ``Custom``.
    """
    validate_custom_action_type_owner(action_type)
    return create_params(
        action_type.id.category,
        action_type.id.provider,
        action_type.id.version,
        input_artifact_details=action_type.input_artifact_details,
        output_artifact_details=action_type.output_artifact_details,
        settings=action_type.settings,
        configuration_properties=action_type.action_configuration_properties,
        tags=tags,
    )


def _same_id(left: ActionTypeId, right: ActionTypeId) -> bool:
    return (
        str(left.category) == str(right.category)
        and str(left.owner) == str(right.owner)
        and left.provider == right.provider
        and left.version == right.version
    )


def find(action_types: Iterable[ActionType], action_type_id: ActionTypeId) -> ActionType | None:
    """The action type of `action_types` with this id, if any."""
    return next((t for t in action_types if _same_id(t.id, action_type_id)), None)


def _comparable_property(prop: Mapping[str, Any]) -> dict[str, Any]:
    # An absent ``queryable`` means not queryable: the service may leave it out.
    return {**prop, "queryable": bool(prop.get("queryable", False))}


_COMPARED_MEMBERS = (
    ("inputArtifactDetails", "input_artifact_details"),
    ("outputArtifactDetails", "output_artifact_details"),
    ("settings", "settings"),
)


def differences(declared: ActionType, registered: ActionType) -> tuple[str, ...]:
    """The members in which a registered action type differs from the declared one.

    Each is named in the API's wire names: ``"settings.entityUrlTemplate"``,
    ``"inputArtifactDetails.maximumCount"``, ``"configurationProperties[Target].secret"``,
    ``"configurationProperties[Target]"`` for a property only one of them has,
    ``"configurationProperties (order)"`` when only their order differs.
    """
    found: list[str] = []
    for member, name in _COMPARED_MEMBERS:
        left: dict[str, Any] = unstructure(getattr(declared, name)) or {}
        right: dict[str, Any] = unstructure(getattr(registered, name)) or {}
        found.extend(
            f"{member}.{key}" for key in sorted({*left, *right}) if left.get(key) != right.get(key)
        )
    ours = {
        p.name: _comparable_property(unstructure(p)) for p in declared.action_configuration_properties
    }
    theirs = {
        p.name: _comparable_property(unstructure(p)) for p in registered.action_configuration_properties
    }
    for name in [*ours, *(n for n in theirs if n not in ours)]:
        if name not in ours or name not in theirs:
            found.append(f"configurationProperties[{name}]")
            continue
        left, right = ours[name], theirs[name]
        found.extend(
            f"configurationProperties[{name}].{key}"
            for key in sorted({*left, *right})
            if left.get(key) != right.get(key)
        )
    if not found and list(ours) != list(theirs):
        found.append("configurationProperties (order)")
    return tuple(found)


def settle(declared: ActionType, registered: ActionType | None) -> bool:
    """Whether the declared type must be created: True when absent, False when registered alike.

    Raises:
        ActionTypeConflictError: It is registered with another definition.
    """
    if registered is None:
        return True
    found = differences(declared, registered)
    if found:
        raise ActionTypeConflictError(describe(declared.id), found)
    return False
