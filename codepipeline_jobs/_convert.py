"""The converter between the wire format and the models: one way in, one way out.

The wire format is what boto3 returns and accepts: dictionaries with the API's
camelCase member names, lists, strings, integers and `datetime` timestamps.
`structure` reads it into the frozen models of `codepipeline_jobs`;
`unstructure` writes a model back. This room holds the rules of that format
(member names, tolerance, errors) and the cattrs converter that states them;
its other half, `codepipeline_jobs._convert_generated`, holds code generated
from the same rules for the data real replies carry.

The path, the same at every moment of a process's life:

- **In**: `structure` runs the generated reader of the type. Data it does not
  expect (a missing member, a wrong type, a ``str`` subclass, a mapping that
  is not a ``dict``) it hands, whole, to `converter` - the reference - which
  reads it exactly as the generated code would have, or raises; that error
  becomes one `MalformedResponseError` naming the path of the bad value.
- **Out**: `unstructure` runs the generated writer of the model's class; a
  value it does not expect (a ``str`` subclass in a ``str`` field, say) is
  written by `converter` instead, with the same result.

The generated code of the job's models - the readers of `Job` and of a
PollForJobs reply's jobs, the writers of every class in
`codepipeline_jobs._models` - is generated ahead of time into
`codepipeline_jobs._convert_frozen` (``python -m codepipeline_jobs._convert``
writes it; a test fails while it is not what the generator makes now), so a
cold start neither generates nor compiles it. Any other type's code is
generated on first use, by the same generator.

A type with no generated code (a recursive model, a field converter of a
user's own) is read and written by `converter` alone. Nothing else decides:
no flag, no state that the first malformed reply changes. The tests check
that both halves read and write every model alike.

Reading is tolerant: unknown keys are ignored, JSON ``null`` stands for an
absent member (real Lambda events carry both), unknown enum values come back
unchanged. It is also exact: a value of the wrong type is an error, never
coerced, and every error is a `MalformedResponseError` naming the path of the
bad value in the API's own names - never a raw `KeyError` or a cattrs
exception group.

Writing omits absent members (``None`` and empty collections), so the result
can be passed straight to a boto3 call.

cattrs is imported with `converter`, on first use: a process that only reads
well-formed data and writes models never loads it (a Lambda cold start).
"""

from __future__ import annotations

import datetime as _dt
import threading
import typing
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from ._convert_generated import Compiler, is_optional, optional_arg
from ._errors import MalformedResponseError, with_article
from ._models import FrozenMap, Job, job_models
from ._values import ValueSet

if TYPE_CHECKING:
    from types import ModuleType

    import cattrs

_frozen: ModuleType | None
try:
    from . import _convert_frozen as _frozen
except Exception:  # noqa: BLE001 - stale after a model changed (a test says so): the code is generated instead
    _frozen = None

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
        from cattrs.errors import IterableValidationError, IterableValidationNote  # noqa: PLC0415 - lazy (cattrs)

        items: list[Any] = []
        for index, item in enumerate(cast("Sequence[Any]", value)):
            try:
                items.append(handler(item, item_type))
            except Exception as exc:  # noqa: BLE001 - re-raised with its index
                note = IterableValidationNote(f"Structuring {type_} @ index {index}", index, item_type)
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined]
                raise IterableValidationError("While structuring a list", [exc], type_) from None
        return tuple(items)

    return structure_tuple


def _make_optional_structure(type_: Any, conv: cattrs.Converter) -> Any:
    # cattrs dispatches the inner type on every call; resolving it once is ~2x faster.
    inner_type = optional_arg(type_)
    inner = conv.get_structure_hook(inner_type)

    def structure_optional(value: object, _: object) -> Any:
        return None if value is None else inner(value, inner_type)

    return structure_optional


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
    from cattrs.gen import override  # noqa: PLC0415 - lazy (cattrs)

    return {a.name: override(rename=wire_name(a.name)) for a in attrs.fields(cls)}


def _make_attrs_structure(cls: type[Any], conv: cattrs.Converter) -> Any:
    from cattrs.gen import make_dict_structure_fn  # noqa: PLC0415 - lazy (cattrs)

    inner = make_dict_structure_fn(
        cls, conv, **_renames(cls)
    )

    def structure_object(value: Any, _: object) -> Any:
        if value.__class__ is not dict and not isinstance(value, Mapping):
            raise _Problem(f"expected an object, got {_type_name(value)}")
        return inner(value, cls)  # pyright: ignore[reportUnknownArgumentType]

    return structure_object


def _make_attrs_unstructure(cls: type[Any], conv: cattrs.Converter) -> Any:
    from cattrs.gen import make_dict_unstructure_fn  # noqa: PLC0415 - lazy (cattrs)

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
    conv.register_structure_hook_factory(is_optional, _make_optional_structure)
    conv.register_structure_hook_func(_is_str_map, _structure_str_map)
    conv.register_unstructure_hook_func(_is_str_map, dict)
    conv.register_unstructure_hook(FrozenMap, dict)
    conv.register_structure_hook_factory(attrs.has, _make_attrs_structure)
    conv.register_unstructure_hook_factory(attrs.has, _make_attrs_unstructure)


def make_converter(*, detailed_validation: bool = True) -> cattrs.Converter:
    """A new converter configured like `converter`.

    Args:
        detailed_validation: Collect where each error happened, as `converter`
            does (cattrs' default); ``False`` is a little faster and raises
            cattrs' bare errors.
    """
    import cattrs  # noqa: PLC0415 - lazy (cattrs): ~11 ms with the converter; only off-path data needs it

    conv = cattrs.Converter(detailed_validation=detailed_validation)
    configure_converter(conv)
    return conv


converter: cattrs.Converter
"""The reference converter: the rules of the wire format, stated in cattrs.

`structure` and `unstructure` hand it whatever their generated code does not
expect, and it names the path of every error. It is built on first use
(reading well-formed replies does not need it) and is always the same object;
customise a converter of your own with `make_converter`, not this one.
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


#: What `codepipeline_jobs._convert_frozen` holds: the readers of the types every runtime reads
#: (a Lambda event's job, a PollForJobs reply's jobs), the writers of every class of
#: `codepipeline_jobs._models` (a test keeps the list whole).
FROZEN_READERS: tuple[Any, ...] = (Job, tuple[Job, ...])
FROZEN_WRITERS: tuple[type[Any], ...] = job_models()
_FROZEN_DOCSTRING = """The generated readers and writers of the job's models, ahead of time.

Written by ``python -m codepipeline_jobs._convert`` from `codepipeline_jobs._convert_generated`
(a test fails while this is not what it makes now): do not edit by hand.
"""


def frozen_source() -> str:
    """The source of `codepipeline_jobs._convert_frozen`, as the generator makes it now."""
    return Compiler(wire_name).freeze(FROZEN_READERS, FROZEN_WRITERS, _FROZEN_DOCSTRING)


#: The generated half: one reader per type and one writer per class, frozen or made on first use.
_GENERATED = Compiler(wire_name, frozen=_frozen)


# --- errors with paths ----------------------------------------------------------------------


def _locate(exc: BaseException, path: str) -> tuple[str, str]:
    """Follow the first error down a cattrs exception tree, collecting the wire path."""
    from cattrs.errors import (  # noqa: PLC0415 - lazy (cattrs)
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
    read = _GENERATED.reader(cls)
    if read is not None:
        try:
            return cast("T", read(data))
        except Exception:  # noqa: BLE001, S110 - off the generated path: the reference reads it below
            pass
    try:
        return _converter().structure(data, cls)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one error with a path
        where, problem = _locate(exc, path)
        raise MalformedResponseError(where, problem) from None


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
    write = _GENERATED.writer(obj.__class__)
    if write is not None:
        try:
            return write(obj)
        except Exception:  # noqa: BLE001, S110 - off the generated path: the reference writes it below
            pass
    return _converter().unstructure(obj)


if __name__ == "__main__":
    from pathlib import Path

    from codepipeline_jobs._convert import frozen_source as _source

    Path(__file__).with_name("_convert_frozen.py").write_text(_source(), encoding="utf-8")
