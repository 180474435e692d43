"""The converter's generated half: specialised code that reads and writes the models.

This room holds the code generator and the functions it makes; the rules they
follow, and the cattrs converter that states them, live in
`codepipeline_jobs._convert`, which runs these functions first (the only fast
path) and hands whatever they refuse to its converter.

For each model class, and each type the converter is asked to read, the
source of one plain function is generated on first use and compiled once.
A reader looks up exactly the wire keys of its class, checks each value's
type, reads nested objects by calling their own readers, and fills the
frozen instance's slots directly, without the keyword-argument call to
attrs' ``__init__`` and its per-field ``object.__setattr__``. A writer does
the reverse for requests.

The generated code knows only the happy path and raises on anything unusual:
a missing required key, a value of an unexpected type (even a ``str``
subclass), a mapping that is not a ``dict``. `codepipeline_jobs._convert`
then reads the same data again through its cattrs converter, which is the
reference: it accepts what it accepts and names the path of
what it rejects. A generated function must therefore give the same result
as the converter whenever it returns; the tests compare the two over every
model (hypothesis).

This module does not import cattrs: a cold start that only reads well-formed
data never pays for it.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import itertools
import sys
import threading
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MemberDescriptorType, UnionType
from typing import Any

import attrs

from ._models import FrozenMap
from ._values import ValueSet, is_read_converter

__all__ = ["Compiler", "Generated", "Mismatch", "is_optional", "optional_arg"]

#: A generated reader (wire -> model) or writer (model -> wire).
Function = Callable[[Any], Any]


class Mismatch(Exception):
    """The data is not on the generated code's happy path; read it the slow way."""


_MISSING = object()
#: `attrs.Factory`, typed for isinstance (attrs types it as the function it pretends to be).
_FACTORY: Any = attrs.Factory
_NONE_TYPE = type(None)


def _value_set(value: object, cls: type[ValueSet]) -> ValueSet:
    """An unknown (or not exactly `str`) value of a value set, as the converter reads it."""
    if not isinstance(value, str):
        raise Mismatch
    return cls(value)


def _str_map(value: object) -> FrozenMap[str]:
    """A map of strings, as the converter reads it (``None`` is empty)."""
    if value is None:
        return FrozenMap()
    if value.__class__ is not dict:
        raise Mismatch
    items: dict[Any, Any] = value  # pyright: ignore[reportAssignmentType]
    for key, item in items.items():
        if key.__class__ is not str or item.__class__ is not str:
            raise Mismatch
    return FrozenMap(items)


def optional_arg(type_: Any) -> Any:
    """``X`` for ``X | None`` (or ``Optional[X]``), else `_MISSING` (the converter's test too)."""
    if typing.get_origin(type_) not in (typing.Union, UnionType):
        return _MISSING
    args = typing.get_args(type_)
    if len(args) != 2 or _NONE_TYPE not in args:
        return _MISSING
    return args[0] if args[1] is _NONE_TYPE else args[1]


def is_optional(type_: Any) -> bool:
    """Whether `type_` is ``X | None`` (or ``Optional[X]``)."""
    return optional_arg(type_) is not _MISSING


def _tuple_item(type_: Any) -> Any:
    """``X`` for ``tuple[X, ...]`` (or ``Sequence[X]`` when reading), else `_MISSING`."""
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return _MISSING


def _is_str_map(type_: Any) -> bool:
    if type_ is FrozenMap:
        return True
    return typing.get_origin(type_) in (Mapping, FrozenMap, dict) and typing.get_args(type_) in (
        (str, str),
        (str,),
    )


#: Evaluated annotations, by module and text: the models repeat a handful of them.
_ANNOTATIONS: dict[tuple[str, str], Any] = {}


def _field_types(cls: type[Any]) -> dict[str, Any]:
    """The type of each field of `cls`, its string annotations evaluated.

    What `attrs.resolve_types` finds, at a fraction of the cost: `typing.get_type_hints`
    evaluates every annotation of every class of the MRO anew, and a cold start pays
    for it. Here each annotation text is evaluated once per module, in the namespace
    of the class that declares it.
    """
    modules: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        for name in inspect.get_annotations(klass):
            modules[name] = klass.__module__
    types: dict[str, Any] = {}
    for field in attrs.fields(cls):
        type_ = field.type
        if isinstance(type_, str):
            key = (modules[field.name], type_)
            if key not in _ANNOTATIONS:
                namespace = vars(sys.modules[key[0]])
                _ANNOTATIONS[key] = eval(type_, namespace)  # noqa: S307 - what get_type_hints does
            type_ = _ANNOTATIONS[key]
        types[field.name] = type_
    return types


def _slot_setters(cls: type[Any]) -> dict[str, Callable[[Any, Any], None]] | None:  # noqa: PLR0911 - one reason per return
    """The slot setters of a plain slotted attrs class, or None when it is not one.

    Plain means: instances hold nothing but the fields, in slots; ``__init__``
    is attrs' own and does nothing else (no validators, hooks, converters other
    than the value-set ones, which convert a `str` exactly as `_emit_read` reads
    it). Filling the slots of ``object.__new__(cls)`` then builds the same instance.
    """
    if not attrs.has(cls) or cls.__new__ is not object.__new__:
        return None
    init = cls.__dict__.get("__init__")
    code = getattr(init, "__code__", None)
    if code is None or not code.co_filename.startswith("<attrs generated"):
        return None
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    fields = attrs.fields(cls)
    if any(
        not a.init
        or a.validator is not None
        or (a.converter is not None and not is_read_converter(a.converter))
        for a in fields
    ):
        return None
    slots: dict[str, Any] = {}
    for klass in cls.__mro__[:-1]:
        declared = klass.__dict__.get("__slots__")
        if declared is None:
            return None  # instances have a __dict__
        for name in (declared,) if isinstance(declared, str) else declared:
            if name == "__weakref__":
                continue
            descriptor = klass.__dict__.get(name)
            if type(descriptor) is not MemberDescriptorType:
                return None
            slots.setdefault(name, descriptor)
    if set(slots) != {a.name for a in fields}:
        return None
    return {name: slots[name].__set__ for name in (a.name for a in fields)}


#: The names every generated function may use (a frozen module imports or binds them alike).
_BUILTIN_NAMES: dict[str, Any] = {"Mismatch": Mismatch, "_MISSING": _MISSING, "_new": object.__new__}


#: How a frozen module rebuilds a value: ``(root, tail)`` is the source text of `root`
#: imported by its name, then `tail` (``(Job, ".id.__set__")``); a ``None`` root means `tail`
#: alone (another generated function's name, ``object.__new__``).
Binding = tuple[Any, str]


class Generated:
    """The source of one generated function, as `Compiler.freeze` writes it into a module.

    A plain class, not an attrs one: this module is imported on a cold start, and
    creating an attrs class costs more than everything else here.

    Attributes:
        name: The function's name, unique among the functions of one `Compiler`.
        text: Its ``def`` statement.
        bindings: How a frozen module rebuilds the value of each global name it uses
            (but the builtin ones).
    """

    __slots__ = ("bindings", "name", "text")

    def __init__(self, name: str, text: str, bindings: dict[str, Binding]) -> None:
        self.name = name
        self.text = text
        self.bindings = bindings


def _importable(value: Any) -> tuple[str, tuple[str, str] | None]:
    """An expression for a module-level class or function, and the import it needs."""
    module, name = value.__module__, value.__qualname__
    if module == "builtins":
        return name, None
    if "." in name or getattr(sys.modules.get(module), name, None) is not value:
        message = f"{value!r} cannot be imported by name"
        raise TypeError(message)
    return name, (module, name)


class _Source:
    """The source of one generated function and the names it refers to.

    Each name is bound to a value for compiling now and to an expression that
    rebuilds the value, for `freeze` to write the same function into a module.
    Names are numbered by the `Compiler`, so the names of all its functions differ.
    """

    def __init__(self, numbers: Iterator[int]) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = dict(_BUILTIN_NAMES)
        self.bindings: dict[str, Binding] = {}
        self.inlining: set[type[Any]] = set()
        self._named: dict[tuple[int, str], str] = {}
        self._numbers = numbers

    def name(self, value: Any, prefix: str, binding: Binding | None = None) -> str:
        """A global name of the generated function bound to `value` (one per value and prefix).

        `binding` says how a frozen module rebuilds `value`; by default `value` is a
        class or function imported by its name. Nothing is checked here: only
        `Compiler.freeze` needs the binding to hold.
        """
        key = (id(value), prefix)  # `value` stays alive in `names` while the key is used
        name = self._named.get(key)
        if name is None:
            name = self._named[key] = f"{prefix}{next(self._numbers)}"
            self.names[name] = value
            self.bindings[name] = (value, "") if binding is None else binding
        return name

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def compile(self, name: str, argument: str, result: str) -> tuple[Function, Generated]:
        body = "\n".join(self.lines)
        text = f"def {name}({argument}):\n{body}\n    return {result}\n"
        namespace = dict(self.names)
        exec(compile(text, f"<codepipeline_jobs generated {name}>", "exec"), namespace)  # noqa: S102 - our own generated code
        function: Function = namespace[name]
        return function, Generated(name, text, dict(self.bindings))


def _label(type_: Any) -> str | None:
    """The part of a generated function's name that says what it reads or writes, if any."""
    for inner, suffix in ((_tuple_item(type_), "tuple"), (optional_arg(type_), "or_None")):
        if inner is not _MISSING:
            label = _label(inner)
            return None if label is None else f"{label}_{suffix}"
    # After the generic aliases: on Python 3.10, ``tuple[Job, ...]`` is an instance of `type`.
    if isinstance(type_, type) and typing.get_origin(type_) is None:
        return type_.__name__
    return None


def _expression(binding: Binding, imports: set[tuple[str, str]]) -> str:
    """The source text of a binding, its import added to `imports`."""
    root, tail = binding
    if root is None:
        return tail
    expression, needed = _importable(root)
    if needed is not None:
        imports.add(needed)
    return expression + tail


def _type_expression(type_: Any, imports: set[tuple[str, str]]) -> str:
    """Source text that rebuilds a type a frozen module holds a reader of."""
    item = _tuple_item(type_)
    if item is not _MISSING:
        return f"tuple[{_type_expression(item, imports)}, ...]"
    return _expression((type_, ""), imports)


def _default_name(source: _Source, cls: type[Any], field: str, default: Any) -> str:
    """The name bound to a field's default value, or to its factory for an `attrs.Factory`."""
    if isinstance(default, _FACTORY):
        factory: Any = default
        return source.name(factory.factory, "_factory", (cls, f".__attrs_attrs__.{field}.default.factory"))
    return source.name(default, "_default", (cls, f".__attrs_attrs__.{field}.default"))


def _default_text(default: Any) -> str:
    if default is attrs.NOTHING:
        return "required"
    if isinstance(default, _FACTORY):
        factory: Any = default
        return f"factory {factory.factory.__qualname__} takes_self={factory.takes_self}"
    return f"default {default!r}"


def _callable_text(function: Any) -> str:
    if function is None:
        return "-"
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"


def shape_of(cls: type[Any], wire_name: Callable[[str], str]) -> tuple[tuple[str, ...], ...]:
    """All a generated reader or writer of `cls` assumes of it, as text.

    For each field: its name, its wire name, its type as the class annotates it
    (``"str | None"``, not the field's ``type``, which `attrs.resolve_types` and
    cattrs replace in place), its default, converter and validator, and whether
    ``__init__`` takes it; then the class's own ``__init__`` hooks. A frozen
    function is used only while its classes have exactly the shape it was made for.
    """
    annotations: dict[str, Any] = {}
    for klass in reversed(cls.__mro__[:-1]):  # a class's own, as inspect.get_annotations reads them
        annotations.update(vars(klass).get("__annotations__", {}))
    fields = tuple(
        (
            a.name,
            wire_name(a.name),
            str(annotations.get(a.name, a.type)),
            _default_text(a.default),
            f"converter {_callable_text(a.converter)}",
            f"validator {_callable_text(a.validator)}",
            f"init={a.init}",
        )
        for a in attrs.fields(cls)
    )
    hooks = tuple(name for name in ("__attrs_pre_init__", "__attrs_post_init__") if hasattr(cls, name))
    return (*fields, ("hooks", *hooks))


class Compiler:
    """Generates, compiles and remembers the readers and writers of types.

    Args:
        wire_name: The wire member name of a model field name.
    """

    def __init__(self, wire_name: Callable[[str], str], frozen: Any = None) -> None:
        self._wire_name = wire_name
        self._readers: dict[Any, Function | None] = {}
        self._writers: dict[Any, Function | None] = {}
        self._lock = threading.RLock()
        self._reading: set[Any] = set()
        self._writing: set[Any] = set()
        self._numbers = itertools.count(1)
        #: The source of each function this compiler made, by the function's id, in order.
        self._sources: dict[int, Generated] = {}
        self._function_names: set[str] = set()
        shapes: Any = getattr(frozen, "SHAPES", None)
        readers: Any = getattr(frozen, "READERS", None)
        writers: Any = getattr(frozen, "WRITERS", None)
        tables_read = all(isinstance(table, dict) for table in (shapes, readers, writers))
        if tables_read and all(shape_of(cls, wire_name) == shape for cls, shape in shapes.items()):
            self._readers.update(readers)
            self._writers.update(writers)

    def freeze(self, readers: Sequence[Any], writers: Sequence[type[Any]], docstring: str) -> str:
        """The source of a module holding the readers of `readers` and the writers of `writers`.

        The module holds the very functions this compiler makes (and those they call),
        each name they use bound by import: given to a `Compiler` as `frozen`, it spares
        a process their generation and compilation. Its ``SHAPES`` record what the
        functions assume of each model class (`shape_of`); a compiler uses the module
        only while every class still has that shape.

        Raises:
            TypeError: A type has no generated function, or one cannot be frozen.
        """
        made = [(t, self.reader(t)) for t in readers], [(c, self.writer(c)) for c in writers]
        for table in made:
            for type_, function in table:
                if function is None:
                    message = f"{type_!r} has no generated function"
                    raise TypeError(message)
        sources = list(self._sources.values())
        imports: set[tuple[str, str]] = {(__name__, "Mismatch"), (__name__, "_MISSING")}
        bindings = [
            [f"{name} = {_expression(binding, imports)}" for name, binding in generated.bindings.items()]
            for generated in sources
        ]
        keys = [[_type_expression(type_, imports) for type_, _ in table] for table in made]
        models = sorted(
            (name, shape_of(value, self._wire_name))
            for module, name in imports
            if isinstance(value := getattr(sys.modules[module], name), type) and attrs.has(value)
        )
        lines = [f'"""{docstring}"""', "", "from __future__ import annotations", ""]
        lines += [
            f"from {module} import {', '.join(sorted(n for m, n in imports if m == module))}"
            for module in sorted({module for module, _ in imports})
        ]
        lines += ["", "_new = object.__new__"]
        for generated, assignments in zip(sources, bindings, strict=True):
            lines += ["", *assignments, "", "", generated.text.rstrip("\n")]
        lines += ["", ""]
        for title, table, table_keys in (("READERS", made[0], keys[0]), ("WRITERS", made[1], keys[1])):
            lines.append(f"{title} = {{")
            lines += [
                f"    {key}: {self._function_name(function)},"  # type: ignore[arg-type]  # checked above
                for key, (_, function) in zip(table_keys, table, strict=True)
            ]
            lines.append("}")
        lines += ["SHAPES = {", *(f"    {name}: {shape!r}," for name, shape in models), "}", ""]
        return "\n".join(lines)

    def _compiled(self, source: _Source, name: str, argument: str, result: str) -> Function:
        # Names are unique among this compiler's functions (a frozen module holds them side by
        # side): a user's class named like one of ours gets a number.
        unique = name
        while unique in self._function_names:
            unique = f"{name}_{next(self._numbers)}"
        function, generated = source.compile(unique, argument, result)
        self._sources[id(function)] = generated
        self._function_names.add(unique)
        return function

    def _function_name(self, function: Function) -> str:
        """The name under which `freeze` writes a function this compiler made (or was given frozen)."""
        generated = self._sources.get(id(function))
        return function.__name__ if generated is None else generated.name

    def _generate(
        self,
        made: dict[Any, Function | None],
        making: set[Any],
        key: Any,
        make: Callable[[Any], Function | None],
    ) -> Function | None:
        """`make(key)` once, under the lock; None for a recursive model or code that cannot be made."""
        with self._lock:
            if key not in made:
                if key in making:  # a recursive model: not generated
                    return None
                making.add(key)
                try:
                    function = make(key)
                except Exception:  # noqa: BLE001 - unresolvable annotations and the like
                    function = None
                finally:
                    making.discard(key)
                made[key] = function
            return made[key]

    # --- reading ----------------------------------------------------------------------------

    def reader(self, type_: Any) -> Function | None:
        """The generated reader of `type_`, or None when it has none (read it the slow way)."""
        try:
            return self._readers[type_]
        except KeyError:
            pass
        except TypeError:  # unhashable: not a type we generate code for
            return None
        return self._generate(self._readers, self._reading, type_, self._make_reader)

    def _make_reader(self, type_: Any) -> Function | None:
        source = _Source(self._numbers)
        if not self._emit_read(source, type_, "value", 1, 0):
            return None
        label = _label(type_)
        return self._compiled(source, f"read_{label or f'value{next(self._numbers)}'}", "value", "value")

    def _emit_read(self, source: _Source, type_: Any, var: str, indent: int, level: int) -> bool:  # noqa: PLR0911 - one case per kind of type
        """Emit lines that replace `var` (wire data) with its value read as `type_`."""
        add = source.add
        # Only exact classes pass: anything else (a str subclass, say) takes the slow path.
        exact = self._exact_class(source, type_)
        if exact is not None:
            add(indent, f"if {var}.__class__ is not {exact}: raise Mismatch")
            return True
        optional = optional_arg(type_)
        exact = None if optional is _MISSING else self._exact_class(source, optional)
        if exact is not None:
            add(indent, f"if {var} is not None and {var}.__class__ is not {exact}: raise Mismatch")
            return True
        if isinstance(type_, type) and issubclass(type_, ValueSet):
            members = source.name(
                type_._value2member_map_, "_members", (type_, "._value2member_map_")
            )
            cls = source.name(type_, "_values")
            slow = source.name(_value_set, "_value_set")
            add(indent, f"_known = {members}.get({var}) if {var}.__class__ is str else None")
            add(indent, f"{var} = _known if _known is not None else {slow}({var}, {cls})")
            return True
        if _is_str_map(type_):
            add(indent, f"{var} = {source.name(_str_map, '_str_map')}({var})")
            return True
        inner = optional_arg(type_)
        if inner is not _MISSING:
            add(indent, f"if {var} is not None:")
            return self._emit_read(source, inner, var, indent + 1, level)
        item = _tuple_item(type_)
        if item is _MISSING and typing.get_origin(type_) is Sequence:
            item = typing.get_args(type_)[0]
        if item is not _MISSING:
            item_reader = self.reader(item)
            if item_reader is None:
                return False
            name = source.name(item_reader, "_read", (None, self._function_name(item_reader)))
            add(indent, f"if {var} is None:")
            add(indent + 1, f"{var} = ()")
            add(indent, f"elif {var}.__class__ is list or {var}.__class__ is tuple:")
            add(indent + 1, f"{var} = tuple([{name}(_item) for _item in {var}])")
            add(indent, "else:")
            add(indent + 1, "raise Mismatch")
            return True
        if isinstance(type_, type) and attrs.has(type_):
            return self._emit_object(source, type_, var, indent, level + 1)
        return False

    @staticmethod
    def _exact_class(source: _Source, type_: Any) -> str | None:
        """The name of the one class a leaf type's wire values have, or None when not a leaf."""
        if type_ is str or type_ is int or type_ is bool:
            return type_.__name__
        if type_ is _dt.datetime:
            return source.name(_dt.datetime, "_datetime")
        return None

    def _emit_object(self, source: _Source, cls: type[Any], var: str, indent: int, level: int) -> bool:
        """Emit lines that replace `var` (a wire object) with an instance of `cls`, inline.

        Nested objects are built inline too (a function call costs about as much as
        filling two slots); the names of each nesting `level` are its own.
        """
        if cls in source.inlining:  # a recursive model: not generated
            return False
        setters = _slot_setters(cls)
        if setters is None:
            return False
        types = _field_types(cls)
        source.inlining.add(cls)
        add = source.add
        instance, value = f"instance{level}", f"value{level}"
        add(indent, f"if {var}.__class__ is not dict:")
        add(indent + 1, "raise Mismatch")
        add(indent, f"{instance} = _new({source.name(cls, '_cls')})")
        for field in attrs.fields(cls):
            key = self._wire_name(field.name)
            default: Any = field.default
            inner = indent
            if default is attrs.NOTHING:
                add(indent, f"{value} = {var}[{key!r}]")
            elif (default is None and optional_arg(types[field.name]) is not _MISSING) or (
                default == () and _tuple_item(types[field.name]) is not _MISSING
            ):
                # A missing member and a null one read alike: as the default.
                add(indent, f"{value} = {var}.get({key!r})")
            else:
                add(indent, f"{value} = {var}.get({key!r}, _MISSING)")
                add(indent, f"if {value} is _MISSING:")
                if isinstance(default, _FACTORY):
                    factory: Any = default
                    if factory.takes_self:
                        return False
                    made = _default_name(source, cls, field.name, factory)
                    add(indent + 1, f"{value} = {made}()")
                else:
                    add(indent + 1, f"{value} = {_default_name(source, cls, field.name, default)}")
                add(indent, "else:")
                inner = indent + 1
            if not self._emit_read(source, types[field.name], value, inner, level):
                return False
            setter = source.name(setters[field.name], "_set", (cls, f".{field.name}.__set__"))
            add(indent, f"{setter}({instance}, {value})")
        add(indent, f"{var} = {instance}")
        source.inlining.discard(cls)
        return True

    # --- writing ----------------------------------------------------------------------------

    def writer(self, cls: type[Any]) -> Function | None:
        """The generated writer of instances of exactly `cls`, or None when it has none."""
        try:
            return self._writers[cls]
        except KeyError:
            pass
        return self._generate(self._writers, self._writing, cls, self._make_class_writer)

    def _emit_write(self, source: _Source, type_: Any, var: str, indent: int) -> bool:  # noqa: PLR0911 - one case per kind of type
        """Emit lines that replace `var` (a model value of `type_`) with its wire form."""
        add = source.add
        if type_ in (str, int, bool, _dt.datetime):
            add(indent, f"if {var}.__class__ is not {source.name(type_, '_type')}:")
            add(indent + 1, "raise Mismatch")
            return True
        if isinstance(type_, type) and issubclass(type_, ValueSet):
            add(indent, f"if {var}.__class__ is not {source.name(type_, '_type')}:")
            add(indent + 1, "raise Mismatch")
            add(indent, f"{var} = {var}._value_")
            return True
        if _is_str_map(type_):
            add(indent, f"if {var}.__class__ is {source.name(FrozenMap, '_FrozenMap')}:")
            add(indent + 1, f"{var} = dict({var}._data)")
            add(indent, f"elif {var}.__class__ is dict:")
            add(indent + 1, f"{var} = dict({var})")
            add(indent, "else:")
            add(indent + 1, "raise Mismatch")
            return True
        inner = optional_arg(type_)
        if inner is not _MISSING:
            add(indent, f"if {var} is not None:")
            return self._emit_write(source, inner, var, indent + 1)
        item = _tuple_item(type_)
        if item is not _MISSING:
            if not (isinstance(item, type) and attrs.has(item)):
                return False
            item_writer = self.writer(item)
            if item_writer is None:
                return False
            add(indent, f"if {var}.__class__ is not tuple:")
            add(indent + 1, "raise Mismatch")
            name = source.name(item_writer, "_write", (None, self._function_name(item_writer)))
            add(indent, f"{var} = [{name}(_item) for _item in {var}]")
            return True
        if isinstance(type_, type) and attrs.has(type_):
            class_writer = self.writer(type_)
            if class_writer is None:
                return False
            name = source.name(class_writer, "_write", (None, self._function_name(class_writer)))
            add(indent, f"{var} = {name}({var})")
            return True
        return False

    def _make_class_writer(self, cls: type[Any]) -> Function | None:
        if not attrs.has(cls) or "__slots__" not in cls.__dict__:
            return None
        types = _field_types(cls)
        source = _Source(self._numbers)
        add = source.add
        add(1, f"if instance.__class__ is not {source.name(cls, '_cls')}:")
        add(2, "raise Mismatch")
        add(1, "wire = {}")
        for field in attrs.fields(cls):
            key = self._wire_name(field.name)
            add(1, f"value = instance.{field.name}")
            default: Any = field.default
            indent = 1
            # Members equal to their default are left out, as in the converter (omit_if_default).
            if default is None:
                add(1, "if value is not None:")
                indent = 2
            elif isinstance(default, _FACTORY):
                if default.takes_self:
                    return None
                add(1, f"if value != {_default_name(source, cls, field.name, default)}():")
                indent = 2
            elif default is not attrs.NOTHING:
                add(1, f"if value != {_default_name(source, cls, field.name, default)}:")
                indent = 2
            if not self._emit_write(source, types[field.name], "value", indent):
                return None
            add(indent, f"wire[{key!r}] = value")
        return self._compiled(source, f"write_{cls.__name__}", "instance", "wire")
