"""Request rules, checked before anything is sent.

botocore checks only required members, types, unknown parameters and minimums
before it sends a request; a value that breaks a maximum length, a pattern or
an enum is sent and refused by the service. Here every rule is checked locally
first, so a request that would fail never leaves the process and the error
names the parameter and the rule.

Most rules are read from botocore's own service model (lengths, patterns,
enums, ranges, map sizes), so they follow the model botocore ships. The few
the model does not carry are written once below, each with its source:
the owner PollForJobs accepts, output variables only on a final result, the
output-variable size quota, and integers that are not booleans.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from ._errors import (
    NotCustomActionError,
    NotThirdPartyActionError,
    OutputVariablesTooLargeError,
    ValidationError,
    counted,
    type_description,
    with_article,
)
from ._values import ActionOwner

if TYPE_CHECKING:
    from ._models import ActionTypeId

# botocore's model classes are untyped (their stubs leave most members unknown):
# shapes and models are handled as Any at this boundary, and nowhere else.
Shape = Any
ServiceModel = Any

__all__ = [
    "OUTPUT_VARIABLES_MAX_BYTES",
    "default_service_model",
    "validate_configuration_properties",
    "validate_custom_action_type",
    "validate_custom_owner",
    "validate_query_param",
    "validate_request",
    "validate_third_party_owner",
]

#: All output variables of one action together, in bytes (CodePipeline user guide quotas).
OUTPUT_VARIABLES_MAX_BYTES = 122_880

# Values of these shapes are identifiers, not secrets: an error may quote them.
_QUOTABLE_SHAPES = frozenset({
    "AccountId",
    "ActionCategory",
    "ActionConfigurationKey",
    "ActionOwner",
    "ActionProvider",
    "ClientId",
    "FailureType",
    "JobId",
    "MaxBatchSize",
    "OutputVariablesKey",
    "Percentage",
    "PipelineExecutionId",
    "PipelineName",
    "ThirdPartyJobId",
    "Version",
})
_QUOTE_LIMIT = 80


@functools.cache
def default_service_model() -> ServiceModel:
    """The CodePipeline model botocore ships, loaded once, when first needed."""
    import botocore.loaders  # noqa: PLC0415 - deferred: loading the model costs ~25 ms
    import botocore.model  # noqa: PLC0415

    loader: Any = botocore.loaders.create_loader()
    return botocore.model.ServiceModel(
        loader.load_service_model("codepipeline", "service-2"), "codepipeline"
    )


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _describe(shape: Shape, value: object) -> str:
    """What was found: the value itself for identifiers, its size or type otherwise."""
    if isinstance(value, str):
        if shape.name in _QUOTABLE_SHAPES and len(value) <= _QUOTE_LIMIT:
            return repr(str.__str__(value))  # a value set's member quoted as its plain string
        return with_article(f"{len(value)}-character string") if value else "an empty string"
    if isinstance(value, int) and not isinstance(value, bool) and shape.name in _QUOTABLE_SHAPES:
        return repr(value)
    return type_description(value)


def _check(shape: Shape, value: object, path: str) -> None:  # noqa: PLR0912 - one branch per shape kind
    """Check one value against its shape in the model, recursively."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        _check_structure(shape, value, path)
    elif kind == "string":
        _check_string(shape, value, path)
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(path, f"must be an integer, got {_describe(shape, value)}")
        if "min" in meta and value < meta["min"]:
            raise ValidationError(path, f"must be at least {meta['min']}, got {value}")
        if "max" in meta and value > meta["max"]:
            raise ValidationError(path, f"must be at most {meta['max']}, got {value}")
    elif kind == "timestamp":
        if not isinstance(value, _dt.datetime):
            raise ValidationError(path, f"must be a datetime, got {_describe(shape, value)}")
    elif kind == "list":
        if not isinstance(value, (list, tuple)):
            raise ValidationError(path, f"must be a list, got {_describe(shape, value)}")
        if "max" in meta and len(value) > meta["max"]:  # pyright: ignore[reportUnknownArgumentType]
            raise ValidationError(
                path, f"must have at most {meta['max']} items, got {len(value)}"  # pyright: ignore[reportUnknownArgumentType]
            )
        for index, item in enumerate(cast("Sequence[Any]", value)):
            _check(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        _check_map(shape, value, path)
    elif kind == "boolean" and not isinstance(value, bool):
        raise ValidationError(path, f"must be a bool, got {_describe(shape, value)}")


def _check_structure(shape: Shape, value: object, path: str) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError(path or shape.name, f"must be an object, got {_describe(shape, value)}")
    value = cast("Mapping[str, Any]", value)
    members: dict[str, Shape] = shape.members
    prefix = f"{path}." if path else ""
    for name in shape.required_members:
        if value.get(name) is None:
            raise ValidationError(prefix + name, "is required")
    for name, item in value.items():
        member = members.get(name)
        if member is None:
            raise ValidationError(prefix + str(name), "is not a parameter of this operation")
        if item is not None:
            _check(member, item, prefix + name)


def _check_string(shape: Shape, value: object, path: str) -> None:
    if not isinstance(value, str):
        raise ValidationError(path, f"must be a string, got {_describe(shape, value)}")
    meta = shape.metadata
    if "min" in meta and len(value) < meta["min"]:
        raise ValidationError(
            path,
            f"must be at least {counted(meta['min'], 'character')}, got {_describe(shape, value)}",
        )
    if "max" in meta and len(value) > meta["max"]:
        raise ValidationError(
            path,
            f"must be at most {counted(meta['max'], 'character')}, got {_describe(shape, value)}",
        )
    if "pattern" in meta and not _pattern(meta["pattern"]).fullmatch(value):
        raise ValidationError(
            path, f"must match {meta['pattern']}, got {_describe(shape, value)}"
        )
    enum = shape.enum
    if enum and value not in enum:
        raise ValidationError(
            path, f"must be one of {', '.join(enum)}, got {_describe(shape, value)}"
        )


def _check_map(shape: Shape, value: object, path: str) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError(path, f"must be a mapping, got {_describe(shape, value)}")
    pairs: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
    meta = shape.metadata
    if "min" in meta and len(pairs) < meta["min"]:
        raise ValidationError(
            path, f"must have at least {counted(meta['min'], 'entry', 'entries')}, got {len(pairs)}"
        )
    if "max" in meta and len(pairs) > meta["max"]:
        raise ValidationError(
            path, f"must have at most {counted(meta['max'], 'entry', 'entries')}, got {len(pairs)}"
        )
    key_shape: Shape = shape.key
    value_shape: Shape = shape.value
    for key, item in pairs.items():
        _check(key_shape, key, f"{path} key")
        quotable = key_shape.name in _QUOTABLE_SHAPES
        _check(value_shape, item, f"{path}[{key!r}]" if quotable else f"{path} value")


def _check_output_variables(params: Mapping[str, Any]) -> None:
    variables = params.get("outputVariables")
    if not variables:
        return
    if params.get("continuationToken") is not None:
        raise ValidationError(
            "outputVariables",
            "are only allowed on a final result, not with a continuationToken",
        )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in variables.items())
    if size > OUTPUT_VARIABLES_MAX_BYTES:
        raise OutputVariablesTooLargeError(
            "outputVariables",
            f"must total at most {OUTPUT_VARIABLES_MAX_BYTES} bytes, got {size}",
        )


def _owner_of(action_type_id: ActionTypeId | Mapping[str, Any]) -> object:
    if isinstance(action_type_id, Mapping):
        owner: object = action_type_id.get("owner")
    else:
        owner = action_type_id.owner
    # A member of ActionOwner is quoted as its plain string, like the wire form.
    return str.__str__(owner) if isinstance(owner, str) else owner


def validate_custom_owner(action_type_id: ActionTypeId | Mapping[str, Any]) -> None:
    """Check that an action type is a custom action, the only kind PollForJobs serves.

    Args:
        action_type_id: An `ActionTypeId` or its wire form.

    Raises:
        NotCustomActionError: Its owner is not ``Custom``.
    """
    owner = _owner_of(action_type_id)
    if owner != ActionOwner.CUSTOM:
        raise NotCustomActionError(
            "actionTypeId.owner",
            f"PollForJobs serves only owner 'Custom', got {owner!r}"
            + (" (use poll_for_third_party_jobs)" if owner == ActionOwner.THIRD_PARTY else ""),
        )


def validate_third_party_owner(action_type_id: ActionTypeId | Mapping[str, Any]) -> None:
    """Check that an action type is a partner action, the only kind PollForThirdPartyJobs serves.

    Raises:
        NotThirdPartyActionError: Its owner is not ``ThirdParty``.
    """
    owner = _owner_of(action_type_id)
    if owner != ActionOwner.THIRD_PARTY:
        raise NotThirdPartyActionError(
            "actionTypeId.owner",
            f"PollForThirdPartyJobs serves only owner 'ThirdParty', got {owner!r}"
            + (" (use poll_for_jobs)" if owner == ActionOwner.CUSTOM else ""),
        )


def validate_query_param(query_param: Mapping[str, str] | None) -> None:
    """Check a PollForJobs ``queryParam``: at most one entry, key 1-50, value 1-50 of ``[a-zA-Z0-9_-]``.

    Raises:
        ValidationError: The map breaks one of those rules.
    """
    if query_param is None:
        return
    shape = default_service_model().operation_model("PollForJobs").input_shape.members["queryParam"]
    _check(shape, query_param, "queryParam")


def validate_request(
    operation_name: str,
    params: Mapping[str, Any],
    *,
    service_model: ServiceModel | None = None,
) -> None:
    """Check a request's wire-format parameters against every rule of the operation.

    A poll (PollForJobs, PollForThirdPartyJobs) found to keep every rule is
    remembered, with the exact types of its values, for the model it was
    checked against: the same poll sent again is not checked again. Any other
    request, and any refused one, is checked in full every time.

    Args:
        operation_name: The API's operation name, e.g. ``"PutJobSuccessResult"``.
        params: The parameters as boto3 takes them (camelCase).
        service_model: The model to check against; by default the one botocore
            ships. Pass ``client.meta.service_model`` to avoid loading it again.

    Raises:
        ValidationError: A rule is broken; the error names the parameter.
    """
    model = service_model if service_model is not None else default_service_model()
    fingerprint = _fingerprint(params) if operation_name in _REPEATED else None
    known = None if fingerprint is None else _known_good(model)
    if known is None or fingerprint is None:
        _validate(model, operation_name, params)
        return
    key = (operation_name, fingerprint)
    if key not in known:
        _validate(model, operation_name, params)
        if len(known) >= _KNOWN_GOOD_MAX:
            known.clear()
        known.add(key)


def _validate(model: ServiceModel, operation_name: str, params: Mapping[str, Any]) -> None:
    """Every rule of the operation, checked in full."""
    operation: Any = model.operation_model(operation_name)
    _check(operation.input_shape, params, "")
    if operation_name == "PollForJobs":
        validate_custom_owner(params["actionTypeId"])
    elif operation_name == "PollForThirdPartyJobs":
        validate_third_party_owner(params["actionTypeId"])
    elif operation_name == "PutJobSuccessResult":
        _check_output_variables(params)
    elif operation_name == "CreateCustomActionType":
        validate_custom_action_type(params)


# --- polls known to keep every rule -------------------------------------------------------
#
# A worker sends the same poll again and again, and whether a request keeps the rules depends
# on nothing but the request and the model it is checked against (botocore's models do not
# change once loaded). So a poll that kept every rule is remembered per model, by its content
# with the exact type of every value: ``True`` is not ``1``, a `str` subclass is not a `str`, a
# dict subclass is not a dict. A request holding anything else (a list, a datetime, a mapping
# of its own) is not remembered, and neither is a refused one: both are checked in full, every
# time, and a refusal is raised afresh. Only polls are remembered: their requests repeat and
# hold no secret (a queryable property cannot be secret), where every other request names one
# job and may carry a client token.

#: The operations whose requests are remembered.
_REPEATED = frozenset({"PollForJobs", "PollForThirdPartyJobs"})
#: The most requests remembered per model (a worker polls a handful of action types).
_KNOWN_GOOD_MAX = 64
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})
#: A remembered poll: its operation and `_fingerprint`.
_Known = tuple[str, tuple[Any, ...]]
_known: weakref.WeakKeyDictionary[ServiceModel, set[_Known]] = weakref.WeakKeyDictionary()


#: How deep a remembered poll's dicts go: a poll's deepest member (``queryParam``'s values) is
#: at the second level; anything deeper is checked in full (and refused there, with its path).
_FINGERPRINT_DEPTH = 3


def _fingerprint(request: object, depth: int = 0) -> tuple[Any, ...] | None:
    """The content of a request made of dicts, strings, integers and booleans, types included.

    ``None`` when the request holds anything else, nests deeper than a poll does,
    or is not a `dict` itself: it is then never remembered.
    """
    if type(request) is not dict or depth >= _FINGERPRINT_DEPTH:
        return None
    parts: list[tuple[str, type[object], object]] = []
    for name, value in cast("dict[object, object]", request).items():
        if type(name) is not str:
            return None
        kind = type(value)
        if kind is dict:
            inner = _fingerprint(value, depth + 1)
            if inner is None:
                return None
            parts.append((name, kind, inner))
        elif kind in _PLAIN_TYPES:
            parts.append((name, kind, value))
        else:
            return None
    return tuple(parts)


def _known_good(model: ServiceModel) -> set[_Known] | None:
    """The polls known to keep every rule of `model` (``None``: a model that cannot be a key)."""
    try:
        known = _known.get(model)
        if known is None:
            known = _known.setdefault(model, set())
    except TypeError:  # not hashable, or not weak-referenceable: nothing is remembered for it
        return None
    return known


# --- custom action types ------------------------------------------------------------------
#
# Rules the model does not carry, from the CodePipeline user guide ("Create a custom action"
# and the CreateCustomActionType reference): property names are unique, at most one property
# is queryable and it is required and not secret, a minimum artifact count is not above the
# maximum, and a ``{Config:Name}`` in a URL template names a required, non-secret property.

_CONFIG_REFERENCE = re.compile(r"\{Config:([^}]*)\}")
_TEMPLATES = ("entityUrlTemplate", "executionUrlTemplate", "revisionUrlTemplate")


def _property_rules(properties: Sequence[Mapping[str, Any]], path: str) -> None:
    seen: set[str] = set()
    queryable: str | None = None
    for index, prop in enumerate(properties):
        where = f"{path}[{index}]"
        name = prop["name"]
        if name in seen:
            raise ValidationError(f"{where}.name", f"must be unique, {name!r} is declared twice")
        seen.add(name)
        if prop.get("queryable"):
            if queryable is not None:
                raise ValidationError(
                    f"{where}.queryable",
                    f"at most one property may be queryable, {queryable!r} already is",
                )
            queryable = name
            if not prop["required"]:
                raise ValidationError(f"{where}.required", "a queryable property must be required")
            if prop["secret"]:
                raise ValidationError(f"{where}.secret", "a queryable property must not be secret")


def _template_rules(
    settings: Mapping[str, Any], properties: Sequence[Mapping[str, Any]], path: str
) -> None:
    by_name = {prop["name"]: prop for prop in properties}
    for member in _TEMPLATES:
        template = settings.get(member)
        if template is None:
            continue
        for reference in _CONFIG_REFERENCE.findall(template):
            prop = by_name.get(reference)
            if prop is None:
                rule = f"{{Config:{reference[:50]}}} names no declared configuration property"
            elif not prop["required"] or prop["secret"]:
                rule = f"{{Config:{reference}}} must name a required, non-secret property"
            else:
                continue
            raise ValidationError(f"{path}.{member}", rule)


def validate_configuration_properties(
    properties: Sequence[Mapping[str, Any]], *, path: str = "configurationProperties"
) -> None:
    """Check a custom action type's configuration properties, in wire form.

    The model's rules (at most 10; name 1-50 characters; description 1-160;
    type ``String``, ``Number`` or ``Boolean``) and the user guide's: names
    unique, at most one queryable property, which is required and not secret.

    Raises:
        ValidationError: A rule is broken; the error names the property's member.
    """
    shape = default_service_model().operation_model("CreateCustomActionType").input_shape
    _check(shape.members["configurationProperties"], list(properties), path)
    _property_rules(properties, path)


def validate_custom_action_type(params: Mapping[str, Any]) -> None:
    """Check the rules of a CreateCustomActionType request that botocore's model does not carry.

    Property names unique; at most one queryable property, required and not
    secret; each artifact minimum at most its maximum; a ``{Config:Name}`` in a
    URL template names a declared, required, non-secret property. The model's
    own rules are checked by `validate_request`.

    Raises:
        ValidationError: A rule is broken; the error names the member.
    """
    properties: Sequence[Mapping[str, Any]] = params.get("configurationProperties") or ()
    _property_rules(properties, "configurationProperties")
    for member in ("inputArtifactDetails", "outputArtifactDetails"):
        details: Mapping[str, Any] = params[member]
        if details["minimumCount"] > details["maximumCount"]:
            raise ValidationError(
                f"{member}.minimumCount",
                f"must be at most maximumCount ({details['maximumCount']}), "
                f"got {details['minimumCount']}",
            )
    settings: Mapping[str, Any] | None = params.get("settings")
    if settings:
        _template_rules(settings, properties, "settings")
