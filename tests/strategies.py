"""Hypothesis strategies derived from botocore's CodePipeline service model.

`wire` generates the dictionaries botocore could return for an output shape:
required members always present, string lengths, patterns and enums honoured
(plus enum values this release does not know), lists, maps and timezone-aware
timestamps. `models` generates model instances from the models' own type hints,
their value-set fields given members and plain strings alike (`value_set_values`).

Helpers walk a document together with its shape: `normalise` drops empty
collections, `with_nulls` spells absent members as JSON ``null``, `with_unknown_keys`
adds members the model lacks, and `members` lists every member present with
its wire path, for mutation tests.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, cast

import attrs
import botocore.session
from hypothesis import strategies as st

from codepipeline_jobs import (
    FrozenMap,
    ValueSet,
    _action_type_models,
    _execution_models,
    _job_detail_models,
    _models,
)
from codepipeline_jobs._convert import wire_name

__all__ = [
    "Shape",
    "aware_datetimes",
    "members",
    "model_class",
    "models",
    "normalise",
    "output_shape",
    "required_members",
    "service_model",
    "value_set_values",
    "wire",
    "with_nulls",
    "with_unknown_keys",
]

# botocore's model objects are untyped.
Shape = Any

#: Longest string generated for a member without a tighter maximum (keeps examples fast).
_LONGEST = 24


@functools.cache
def service_model() -> Any:
    """The CodePipeline model botocore ships."""
    return botocore.session.get_session().get_service_model("codepipeline")


def output_shape(operation: str, member: str) -> Shape:
    """The shape of one member of an operation's output, e.g. ``("PollForJobs", "jobs")``."""
    return service_model().operation_model(operation).output_shape.members[member]


#: The modules that hold the API's shapes (the models), the job's first.
MODEL_MODULES = (_models, _job_detail_models, _execution_models, _action_type_models)
#: Every model class: the attrs classes those modules export.
MODEL_CLASSES: list[type[Any]] = [
    cls
    for module in MODEL_MODULES
    for name in module.__all__
    if isinstance(cls := getattr(module, name), type) and attrs.has(cls)
]
_MODELS_BY_NAME = {cls.__name__: cls for cls in MODEL_CLASSES}


def model_class(shape: Shape) -> type[Any] | None:
    """The model class named after a structure shape, if there is one."""
    return _MODELS_BY_NAME.get(shape.name)


def required_members(shape: Shape) -> frozenset[str]:
    """Members a structure must carry: botocore's required ones and our non-optional fields."""
    required = set(shape.required_members)
    cls = model_class(shape)
    if cls is not None:
        required |= {wire_name(f.name) for f in attrs.fields(cls) if f.default is attrs.NOTHING}
    return frozenset(required)


def aware_datetimes() -> st.SearchStrategy[dt.datetime]:
    """Timezone-aware timestamps, as botocore returns them."""
    zones = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30))])
    return st.datetimes(
        min_value=dt.datetime(1971, 1, 1),  # noqa: DTZ001 - bounds of a tz-aware strategy are naive
        max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=zones,
    )


def _unknown_enum_values(known: list[str]) -> st.SearchStrategy[str]:
    return st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12).filter(
        lambda value: value not in known
    )


def _string(shape: Shape) -> st.SearchStrategy[str]:
    meta = shape.metadata
    if shape.enum:
        known: list[str] = list(shape.enum)
        return st.one_of(st.sampled_from(known), _unknown_enum_values(known))
    low = meta.get("min", 0)
    high = min(meta.get("max", _LONGEST), _LONGEST)
    pattern: str | None = meta.get("pattern")
    if pattern is None:
        return st.text(min_size=low, max_size=high)
    one_class = re.fullmatch(r"(\[[^\]]+\])\+", pattern)
    if one_class is not None:  # e.g. [0-9A-Za-z_-]+ : characters of the class, within the lengths
        alphabet = st.from_regex(one_class.group(1), fullmatch=True)
        return st.text(alphabet, min_size=max(low, 1), max_size=high)
    # Fixed-form patterns (UUIDs, account ids, ARNs) carry no length limits of their own.
    return st.from_regex(pattern, fullmatch=True)


def wire(shape: Shape) -> st.SearchStrategy[Any]:
    """Wire-format values botocore could return for `shape`."""
    kind = shape.type_name
    if kind == "structure":
        required = required_members(shape)
        return st.fixed_dictionaries(
            {name: wire(m) for name, m in shape.members.items() if name in required},
            optional={name: wire(m) for name, m in shape.members.items() if name not in required},
        )
    if kind == "list":
        return st.lists(wire(shape.member), max_size=3)
    if kind == "map":
        return st.dictionaries(wire(shape.key), wire(shape.value), max_size=3)
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long"):
        return st.integers(min_value=shape.metadata.get("min"), max_value=shape.metadata.get("max"))
    if kind == "timestamp":
        return aware_datetimes()
    if kind == "boolean":
        return st.booleans()
    msg = f"no strategy for {shape.name} ({kind})"
    raise NotImplementedError(msg)


def normalise(value: Any, shape: Shape) -> Any:
    """`value` without list and map members that are empty (absent and empty mean the same)."""
    kind = shape.type_name
    if kind == "structure":
        result: dict[str, Any] = {}
        for name, item in cast("Mapping[str, Any]", value).items():
            member = shape.members[name]
            if member.type_name in ("list", "map") and not item:
                continue
            result[name] = normalise(item, member)
        return result
    if kind == "list":
        return [normalise(item, shape.member) for item in value]
    return value


def with_nulls(value: Any, shape: Shape) -> Any:
    """`value` with every absent optional member spelled as JSON ``null``."""
    kind = shape.type_name
    if kind == "structure":
        required = required_members(shape)
        document = cast("Mapping[str, Any]", value)
        result = {name: None for name in shape.members if name not in required}
        result.update({name: with_nulls(item, shape.members[name]) for name, item in document.items()})
        return result
    if kind == "list":
        return [with_nulls(item, shape.member) for item in value]
    return value


def with_unknown_keys(value: Any, shape: Shape) -> Any:
    """`value` with a member the model does not know added to every object."""
    kind = shape.type_name
    if kind == "structure":
        document = cast("Mapping[str, Any]", value)
        result = {name: with_unknown_keys(item, shape.members[name]) for name, item in document.items()}
        result["futureMember"] = {"addedIn": "2031", "values": [1, None, True]}
        return result
    if kind == "list":
        return [with_unknown_keys(item, shape.member) for item in value]
    return value


def members(value: Any, shape: Shape, path: str = "") -> Iterator[tuple[tuple[Any, ...], str, Shape]]:
    """Every member present in `value`: its location (keys and indexes), its wire path and its shape.

    A map's entries are reported at the map's own path: errors inside a map name the map.
    """
    kind = shape.type_name
    if kind == "structure":
        for name, item in cast("Mapping[str, Any]", value).items():
            member = shape.members[name]
            where = f"{path}.{name}" if path else name
            yield (name,), where, member
            for location, inner, inner_shape in members(item, member, where):
                yield (name, *location), inner, inner_shape
    elif kind == "list":
        for index, item in enumerate(value):
            where = f"{path}[{index}]"
            yield (index,), where, shape.member
            for location, inner, inner_shape in members(item, shape.member, where):
                yield (index, *location), inner, inner_shape
    elif kind == "map":
        for key in value:
            yield (key,), path, shape.value


# --- models from their type hints -----------------------------------------------------------


def value_set_values(cls: type[ValueSet]) -> st.SearchStrategy[ValueSet | str]:
    """What a value-set field may be given: members, and plain strings as users write them.

    Known and unknown values alike, each as a member of `cls` or as the plain `str`
    (``"Build"`` as the AWS documentation writes it, ``"Quantum"`` as a later release might).
    """
    known = [member.value for member in cls]
    unknown = _unknown_enum_values(known)
    return st.one_of(
        st.sampled_from(list(cls)),
        st.sampled_from(known),
        unknown.map(cls),
        unknown,
    )


def _for_type(type_: Any) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_for_type(arg) for arg in args))
    if type_ is type(None):
        return st.none()
    if origin is tuple:
        return st.lists(_for_type(args[0]), max_size=3).map(tuple)
    if origin is not None and issubclass(origin, Mapping):
        return st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3).map(FrozenMap)
    if isinstance(type_, type) and issubclass(type_, ValueSet):
        return value_set_values(type_)
    if isinstance(type_, type) and attrs.has(type_):
        return models(type_)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: st.text(max_size=_LONGEST),
        bool: st.booleans(),
        int: st.integers(min_value=-(2**40), max_value=2**40),
        dt.datetime: aware_datetimes(),
    }
    return simple[type_]


def models(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Instances of a model class, every field generated from its type hint."""
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: _for_type(hints[f.name]) for f in attrs.fields(cls)})
