"""The one converter between the wire format and the models.

The wire format is what boto3 returns and accepts: dictionaries with the API's
camelCase member names, lists, strings, integers and `datetime` timestamps.
`structure` reads it into the frozen models of `codepipeline_jobs`;
`unstructure` writes a model back.

Reading is tolerant: unknown keys are ignored, JSON ``null`` stands for an
absent member (real Lambda events carry both), unknown enum values come back
unchanged. It is also exact: a value of the wrong type is an error, never
coerced, and every error is a `MalformedResponseError` naming the path of the
bad value in the API's own names - never a raw `KeyError` or a cattrs
exception group.

Writing omits absent members (``None`` and empty collections), so the result
can be passed straight to a boto3 call.
"""

from __future__ import annotations

import datetime as _dt
import functools
import threading
import typing
from collections.abc import Mapping, Sequence
from types import UnionType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from ._errors import MalformedResponseError, with_article
from ._fastread import Compiler
from ._models import FrozenMap
from ._values import ValueSet

if TYPE_CHECKING:
    from collections.abc import Callable

    import cattrs

__all__ = [
    "configure_converter",
    "converter",
    "make_converter",
    "structure",
    "structure_reply",
    "unstructure",
    "wire_name",
]

T = TypeVar("T")

#: Member names that do not follow the snake_case -> camelCase rule. None so far;
#: this is the one place to add one.
_IRREGULAR_NAMES: dict[str, str] = {}


def wire_name(field_name: str) -> str:
    """The API's member name for a model field name: ``artifact_credentials`` -> ``artifactCredentials``."""
    irregular = _IRREGULAR_NAMES.get(field_name)
    if irregular is not None:
        return irregular
    head, *rest = field_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class _Problem(Exception):
    """A value that cannot be read; its message never carries the value itself."""


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


# --- hooks ----------------------------------------------------------------------------------


def _structure_str(value: object, _: object) -> str:
    if isinstance(value, str):
        return value
    raise _Problem(f"expected a string, got {_type_name(value)}")


def _structure_int(value: object, _: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Problem(f"expected an integer, got {_type_name(value)}")


def _structure_bool(value: object, _: object) -> bool:
    # cattrs' default is bool(value), which reads the string "false" as True.
    if isinstance(value, bool):
        return value
    raise _Problem(f"expected a boolean, got {_type_name(value)}")


def _structure_datetime(value: object, _: object) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    raise _Problem(f"expected a timestamp, got {_type_name(value)}")


def _structure_value_set(value: object, cls: type[ValueSet]) -> ValueSet:
    if isinstance(value, str):
        known = cls._value2member_map_.get(value)  # the fast path of cls(value)
        return known if known is not None else cls(value)  # type: ignore[return-value]
    raise _Problem(f"expected a string, got {_type_name(value)}")


def _is_tuple_of(type_: Any) -> bool:
    return typing.get_origin(type_) in (tuple, Sequence) and typing.get_args(type_)[-1:] != ((),)


def _is_str_map(type_: Any) -> bool:
    return typing.get_origin(type_) in (Mapping, FrozenMap, dict) or type_ is FrozenMap


# --- the fast path ----------------------------------------------------------------------------
#
# `_fastread` generates one plain function per type that reads well-formed data the way the
# hooks below do. A hook that a generated reader reproduces exactly carries `_FAST_MARK`; a
# converter's hook for a model is marked - and then tries the generated reader first - only if
# the hooks of all its fields are marked too. A converter customised with hooks of its own
# therefore reads through them, never around them.

_FAST = Compiler(wire_name)

_FAST_MARK = "_codepipeline_jobs_fast"

_Hook = TypeVar("_Hook", bound="Callable[..., Any]")


def _fast(hook: _Hook) -> _Hook:
    """Mark `hook` as one the generated readers reproduce."""
    hook.__dict__[_FAST_MARK] = True
    return hook


def _is_fast(hook: object) -> bool:
    return getattr(hook, _FAST_MARK, False) is True


for _hook in (_structure_str, _structure_int, _structure_bool, _structure_datetime, _structure_value_set):
    _fast(_hook)


def _make_tuple_structure(type_: Any, conv: cattrs.Converter) -> Any:
    item_type = typing.get_args(type_)[0]
    handler = conv.get_structure_hook(item_type)

    def structure_tuple(value: object, _: object) -> tuple[Any, ...]:
        if value is None:
            return ()
        if not isinstance(value, (list, tuple)):
            raise _Problem(f"expected a list, got {_type_name(value)}")
        if not conv.detailed_validation:
            return tuple([handler(item, item_type) for item in value])  # pyright: ignore[reportUnknownVariableType]
        from cattrs.errors import IterableValidationError, IterableValidationNote  # noqa: PLC0415

        items: list[Any] = []
        for index, item in enumerate(cast("Sequence[Any]", value)):
            try:
                items.append(handler(item, item_type))
            except Exception as exc:  # noqa: BLE001 - re-raised with its index
                note = IterableValidationNote(f"Structuring {type_} @ index {index}", index, item_type)
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
                raise IterableValidationError("While structuring a list", [exc], type_) from None
        return tuple(items)

    if not conv.detailed_validation and _is_fast(handler) and _FAST.reader(type_) is not None:
        _fast(structure_tuple)
    return structure_tuple


def _is_optional(type_: Any) -> bool:
    args = typing.get_args(type_)
    return len(args) == 2 and type(None) in args and typing.get_origin(type_) in (typing.Union, UnionType)


def _make_optional_structure(type_: Any, conv: cattrs.Converter) -> Any:
    # cattrs dispatches the inner type on every call; resolving it once is ~2x faster.
    inner_type = next(arg for arg in typing.get_args(type_) if arg is not type(None))
    inner = conv.get_structure_hook(inner_type)

    def structure_optional(value: object, _: object) -> Any:
        return None if value is None else inner(value, inner_type)

    if _is_fast(inner) and _FAST.reader(type_) is not None:
        _fast(structure_optional)
    return structure_optional


@_fast
def _structure_str_map(value: object, _: object) -> FrozenMap[str]:
    if value is None:
        return FrozenMap()
    if not isinstance(value, Mapping):
        raise _Problem(f"expected an object, got {_type_name(value)}")
    items: dict[str, str] = {}
    pairs: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]
    for key, item in pairs.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise _Problem(
                f"expected an object of strings, got {with_article(_type_name(item))} value"
                f" under {with_article(_type_name(key))} key"
            )
        items[key] = item
    return FrozenMap(items)


def _renames(cls: type[Any]) -> dict[str, Any]:
    from cattrs.gen import override  # noqa: PLC0415 - cattrs loads with the first converter

    return {a.name: override(rename=wire_name(a.name)) for a in attrs.fields(cls)}


def _make_attrs_structure(cls: type[Any], conv: cattrs.Converter) -> Any:
    from cattrs.gen import make_dict_structure_fn  # noqa: PLC0415

    inner = make_dict_structure_fn(
        cls, conv, **_renames(cls)
    )

    def structure_object(value: Any, _: object) -> Any:
        if value.__class__ is not dict and not isinstance(value, Mapping):
            raise _Problem(f"expected an object, got {_type_name(value)}")
        return inner(value, cls)  # pyright: ignore[reportUnknownArgumentType]

    fast = None if conv.detailed_validation else _FAST.reader(cls)
    if fast is None or not all(_is_fast(conv.get_structure_hook(a.type)) for a in attrs.fields(cls)):
        return structure_object

    def structure_object_fast(value: Any, _: object) -> Any:
        try:
            return fast(value)
        except Exception:  # noqa: BLE001 - the slow path reads it, or names what is wrong
            return structure_object(value, _)

    return _fast(structure_object_fast)


def _make_attrs_unstructure(cls: type[Any], conv: cattrs.Converter) -> Any:
    from cattrs.gen import make_dict_unstructure_fn  # noqa: PLC0415

    return make_dict_unstructure_fn(
        cls, conv, _cattrs_omit_if_default=True, **_renames(cls)
    )


def configure_converter(conv: cattrs.Converter) -> None:
    """Teach a converter the wire format of the CodePipeline API.

    This is how `converter` is configured; use it to build a converter of your
    own that reads and writes this library's models, or extends them.
    """
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(_dt.datetime, _structure_datetime)
    conv.register_unstructure_hook(_dt.datetime, lambda value: value)
    # Value sets are str subclasses: registered by class, so the most specific hook wins.
    conv.register_structure_hook(ValueSet, _structure_value_set)
    # The plain string, whatever str (sub)class holds it.
    conv.register_unstructure_hook(ValueSet, str.__str__)
    conv.register_structure_hook_factory(_is_tuple_of, _make_tuple_structure)
    conv.register_structure_hook_factory(_is_optional, _make_optional_structure)
    conv.register_structure_hook_func(_is_str_map, _structure_str_map)
    conv.register_unstructure_hook_func(_is_str_map, dict)
    conv.register_unstructure_hook(FrozenMap, dict)
    conv.register_structure_hook_factory(attrs.has, _make_attrs_structure)
    conv.register_unstructure_hook_factory(attrs.has, _make_attrs_unstructure)


def make_converter(*, detailed_validation: bool = False) -> cattrs.Converter:
    """A new converter configured like `converter`.

    Args:
        detailed_validation: Collect where each error happened (slower). `structure`
            reads with a fast converter and, only when that fails, reads the same
            data again with a detailed one to name the path of the bad value.
    """
    import cattrs  # noqa: PLC0415 - loaded with the first converter, not with the package

    conv = cattrs.Converter(detailed_validation=detailed_validation)
    configure_converter(conv)
    return conv


converter: cattrs.Converter
"""The converter every call of this library uses.

It is built on first use (reading well-formed replies does not need it), and
it is always the same object.
"""

_built: list[cattrs.Converter] = []
_build_lock = threading.Lock()


def _converter() -> cattrs.Converter:
    """`converter`, built on first use."""
    if not _built:
        with _build_lock:
            if not _built:
                _built.append(make_converter())
    return _built[0]


def __getattr__(name: str) -> Any:
    if name == "converter":
        conv = _converter()
        globals()["converter"] = conv
        return conv
    message = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(message)


@functools.cache
def _locating_converter() -> cattrs.Converter:
    """The same configuration with detailed validation: used only to explain a failure."""
    return make_converter(detailed_validation=True)


# --- errors with paths ----------------------------------------------------------------------


def _locate(exc: BaseException, path: str) -> tuple[str, str]:
    """Follow the first error down a cattrs exception tree, collecting the wire path."""
    from cattrs.errors import (  # noqa: PLC0415
        AttributeValidationNote,
        ClassValidationError,
        IterableValidationError,
        IterableValidationNote,
    )

    while isinstance(exc, (ClassValidationError, IterableValidationError)):
        sub: BaseException = cast("Sequence[BaseException]", exc.exceptions)[0]
        for note in getattr(sub, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                path = f"{path}.{wire_name(note.name)}" if path else wire_name(note.name)
            elif isinstance(note, IterableValidationNote):
                path = f"{path}[{note.index}]"
        exc = sub
    if isinstance(exc, KeyError):
        return path, "required member is missing"
    if isinstance(exc, _Problem):
        return path, str(exc)
    return path, f"cannot be read ({type(exc).__name__})"


def _fast_reader(cls: Any) -> Callable[[Any], Any] | None:
    """The generated reader `converter` would use for `cls`, if any."""
    try:
        if _built and not _is_fast(_built[0].get_structure_hook(cls)):
            return None  # `converter` was given hooks of its own: read through them
        return _FAST.reader(cls)
    except Exception:  # noqa: BLE001 - `converter.structure` raises it again, with a path
        return None


def structure(data: Any, cls: type[T], *, path: str = "") -> T:
    """Read wire-format data (as boto3 returns it) into a model.

    Args:
        data: A dictionary with the API's camelCase member names.
        cls: The model class to read it as, e.g. `Job`, or ``tuple[Job, ...]``.
        path: Where `data` sits in a larger reply, used as the prefix of error
            paths (e.g. ``"jobs"``).

    Returns:
        The model.

    Raises:
        MalformedResponseError: `data` does not have the shape of `cls`; the
            error names the path of the first bad value.

    Example:
        ```python
        job = structure({"id": "...", "data": {}}, Job)
        ```
    """
    read = _fast_reader(cls)
    if read is not None:
        try:
            return cast("T", read(data))
        except Exception:  # noqa: BLE001, S110 - read again below, the slow way
            pass
    try:
        return _converter().structure(data, cls)
    except Exception:  # noqa: BLE001, S110 - every failure becomes one error with a path, below
        pass
    try:
        _locating_converter().structure(data, cls)
    except Exception as exc:  # noqa: BLE001
        where, problem = _locate(exc, path)
        raise MalformedResponseError(where, problem) from None
    # The fast converter failed where the detailed one did not: still an error, located at `path`.
    raise MalformedResponseError(path, "cannot be read")


def structure_reply(reply: Mapping[str, Any], member: str, cls: type[T]) -> T:
    """Read one required member of a boto3 reply, e.g. ``jobs`` of PollForJobs.

    Raises:
        MalformedResponseError: The member is missing or has the wrong shape.
    """
    if member not in reply:
        raise MalformedResponseError(member, "required member is missing from the reply")
    return structure(reply[member], cls, path=member)


def unstructure(obj: Any) -> Any:
    """Write a model as wire-format data, ready for a boto3 call.

    Absent members (``None``, empty collections) are left out; timestamps stay
    `datetime`; value sets become plain strings.
    """
    if obj is None:
        return None
    if not _built:  # `converter` is as configured here: its generated writer does the same
        write = _FAST.writer(obj.__class__)
        if write is not None:
            try:
                return write(obj)
            except Exception:  # noqa: BLE001, S110 - written the slow way below
                pass
    return _converter().unstructure(obj)
