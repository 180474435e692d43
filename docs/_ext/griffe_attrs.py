"""A griffe extension for the API reference of codepipeline-jobs (used by mkdocs.yml only).

Three things the static analysis cannot know by itself:

1. attrs classes have an ``__init__`` that attrs writes at import time. Griffe
   sees the fields (and their attribute docstrings) but no signature, so this
   extension builds ``__init__`` from ``attrs.fields()`` of the imported class:
   the same names, order, keyword-only flags and defaults Python will accept.
   The annotations stay the ones written in the source, so they cross-link;
   a field with a converter takes what the converter's parameter takes (a value
   set's member or its plain string, ``ActionCategory | ActionCategoryName``),
   as the type checkers read it.
2. Module-level constants are documented Sphinx-style, with ``#:`` comment
   lines right above them; griffe reads only string literals, so those
   comments become the attribute's docstring here.
3. Our docstrings name other public objects in single backticks (`Job`,
   `FailureDetails.from_exception`, `nonce` for a sibling field). Each one
   that resolves to an object the reference renders becomes a link; anything
   else (parameters, private helpers, plain code) stays inline code.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any, cast

import attrs
import griffe

__all__ = ["AttrsFields"]

_PACKAGE = "codepipeline_jobs"
# griffe's enum members are typed as their str values; name them once, as the enum type.
_KEYWORD_ONLY = cast("griffe.ParameterKind", griffe.ParameterKind.keyword_only)
_POSITIONAL_OR_KEYWORD = cast("griffe.ParameterKind", griffe.ParameterKind.positional_or_keyword)
_BACKTICKED = re.compile(r"(?<![`\[\w])`([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)`(?![`\]\w])")
_FENCE = re.compile(r"(^[ \t]*```)", re.MULTILINE)


def _runtime_object(obj: griffe.Object) -> Any:
    target: Any = importlib.import_module(obj.module.path)
    for part in obj.path[len(obj.module.path) + 1 :].split("."):
        target = getattr(target, part)
    return target


def _default(field: attrs.Attribute[Any], static: griffe.Object | griffe.Alias | None) -> str | griffe.Expr:
    if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
        factory: Any = field.default
        return repr(factory.factory())
    value = getattr(static, "value", None)
    if isinstance(value, griffe.ExprCall) and str(value.function).endswith("field"):
        for argument in value.arguments:
            if isinstance(argument, griffe.ExprKeyword) and argument.name == "default":
                return argument.value
    elif value is not None:
        return value  # type: ignore[no-any-return]
    return repr(field.default)


def _converter_annotation(cls: griffe.Class, field: attrs.Attribute[Any]) -> str | griffe.Expr | None:
    """The annotation of the first parameter of a field's converter, a function of the class's module."""
    name = getattr(field.converter, "__name__", None)
    converter = cls.module.members.get(name) if isinstance(name, str) else None
    if not isinstance(converter, griffe.Function) or not converter.parameters:
        return None
    return converter.parameters[0].annotation


def _add_attrs_init(cls: griffe.Class) -> None:
    if "__init__" in cls.members:
        return
    try:
        runtime = _runtime_object(cls)
    except Exception:  # noqa: BLE001 - a module that fails to import just gets no signature
        return
    if not isinstance(runtime, type) or not attrs.has(runtime):
        return
    parameters = [griffe.Parameter("self", kind=_POSITIONAL_OR_KEYWORD)]
    for field in attrs.fields(runtime):
        if not field.init:
            continue
        static = cls.all_members.get(field.name)
        if isinstance(static, griffe.Attribute):
            # "class-attribute"/"instance-attribute" say nothing true about an attrs field.
            static.labels -= {"class-attribute", "instance-attribute"}
        parameters.append(
            griffe.Parameter(
                field.alias or field.name,
                annotation=_converter_annotation(cls, field) or getattr(static, "annotation", None),
                kind=_KEYWORD_ONLY if field.kw_only else _POSITIONAL_OR_KEYWORD,
                default=None if field.default is attrs.NOTHING else _default(field, static),
                docstring=getattr(static, "docstring", None),
            )
        )
    init = griffe.Function(
        "__init__",
        lineno=0,
        endlineno=0,
        parent=cls,
        parameters=griffe.Parameters(*parameters),
        returns="None",
    )
    cls.set_member("__init__", init)
    frozen = any(str(decorator.value).split("(")[0].endswith("frozen") for decorator in cls.decorators)
    cls.labels.add("frozen attrs class" if frozen else "attrs class")


def _walk(obj: griffe.Module | griffe.Class, seen: set[str]) -> list[griffe.Object]:
    if obj.path in seen:
        return []
    seen.add(obj.path)
    found: list[griffe.Object] = [obj]
    for member in list(obj.members.values()):
        if member.is_alias:
            continue
        if isinstance(member, (griffe.Module, griffe.Class)):
            found += _walk(member, seen)
        elif isinstance(member, griffe.Object):
            found.append(member)
    return found


class AttrsFields(griffe.Extension):
    """Synthesize attrs ``__init__`` signatures and link backticked names in docstrings."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Process the whole package once it is loaded."""
        del kwargs
        if pkg.path != _PACKAGE:
            return
        objects = _walk(pkg, set())
        for obj in objects:
            if isinstance(obj, griffe.Class):
                _add_attrs_init(obj)
        for obj in objects:
            if isinstance(obj.parent, griffe.Class) and obj.name.startswith("_") and obj.name != "__init__":
                # Dunders (`__str__` of every enum, `__slots__`, ...) are Python's protocol, not
                # our API; griffe counts them public and an alias cannot be told otherwise.
                obj.parent.del_member(obj.name)
        for obj in objects:
            if isinstance(obj, griffe.Class):
                # A private base (`_JobDataMembers`) is an implementation detail: its
                # members are shown on the public class, its name is not.
                _hide_private_bases(obj)
        for obj in objects:
            if isinstance(obj, griffe.Attribute) and obj.docstring is None:
                _read_comment_docstring(obj)
        public = _public_paths(pkg)
        for obj in objects:
            if obj.docstring is not None:
                obj.docstring.value = _link_names(obj, obj.docstring.value, pkg, public)


def _is_private(base: str | griffe.Expr) -> bool:
    return str(base).rsplit(".", 1)[-1].startswith("_")


def _hide_private_bases(cls: griffe.Class) -> None:
    """Show the members a class inherits from a private base as its own, and drop the base."""
    if not any(_is_private(base) for base in cls.bases):
        return
    inherited = cls.inherited_members
    for name, member in inherited.items():
        if _is_private(member.target_path.rsplit(".", 2)[-2]) and name not in cls.members:
            cls.set_member(name, member)
    cls.bases = [base for base in cls.bases if not _is_private(base)]


def _read_comment_docstring(attr: griffe.Attribute) -> None:
    """Make the ``#:`` comment lines right above an attribute its docstring."""
    filepath = attr.filepath
    if not isinstance(filepath, Path) or filepath not in attr.lines_collection:
        return
    lines = attr.lines_collection[filepath]
    if not lines or not attr.lineno:
        return
    comment: list[str] = []
    index = attr.lineno - 2  # the line above, 0-based
    while index >= 0 and lines[index].lstrip().startswith("#:"):
        comment.insert(0, lines[index].lstrip()[2:].strip())
        index -= 1
    if comment:
        attr.docstring = griffe.Docstring(
            "\n".join(comment), lineno=index + 2, endlineno=attr.lineno - 1, parent=attr
        )


def _public_paths(pkg: griffe.Module) -> dict[str, str]:
    """Map each short public name, and each public module name, to the path it is rendered at."""
    public: dict[str, str] = {}
    modules = [_PACKAGE] + [
        f"{_PACKAGE}.{name}"
        for name, member in pkg.members.items()
        if not name.startswith("_") and isinstance(member, griffe.Module)
    ]
    for module_path in modules:
        try:
            names: list[str] = list(importlib.import_module(module_path).__all__)
        except Exception:  # noqa: BLE001, S112 - a module that fails to import links nothing
            continue
        public[module_path] = module_path
        for name in names:
            public.setdefault(name, f"{module_path}.{name}")
            public[f"{module_path}.{name}"] = f"{module_path}.{name}"
    return public


def _resolve(text: str, scope: griffe.Object, pkg: griffe.Module, public: dict[str, str]) -> str | None:
    parts = text.split(".")
    for cut in range(len(parts), 0, -1):
        head = ".".join(parts[:cut])
        if head in public:
            path, rest = public[head], parts[cut:]
            break
    else:
        # A sibling member: `nonce` in the docstring of a class or of one of its fields.
        owner = scope if isinstance(scope, griffe.Class) else scope.parent
        if not isinstance(owner, griffe.Class) or parts[0] not in owner.all_members:
            return None
        owner_public = next((p for p in public.values() if _target_path(p, pkg) == owner.path), None)
        if owner_public is None:
            return None
        path, rest = f"{owner_public}.{parts[0]}", parts[1:]
    try:
        target: griffe.Object | griffe.Alias = pkg.modules_collection[path]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    for part in rest:
        try:
            target = target.all_members[part]
        except (KeyError, AttributeError, griffe.AliasResolutionError):
            return None
        path = f"{path}.{part}"
    return path


def _target_path(public_path: str, pkg: griffe.Module) -> str | None:
    try:
        obj = pkg.modules_collection[public_path]
        return obj.final_target.path if obj.is_alias else obj.path  # type: ignore[no-any-return]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _link_names(scope: griffe.Object, text: str, pkg: griffe.Module, public: dict[str, str]) -> str:
    # Split on fence lines (kept): pieces alternate prose, fence, code, fence, prose, ...
    pieces = _FENCE.split(text)
    for index in range(0, len(pieces), 4):
        pieces[index] = _BACKTICKED.sub(lambda match: _link(match, scope, pkg, public), pieces[index])
    return "".join(pieces)


def _link(match: re.Match[str], scope: griffe.Object, pkg: griffe.Module, public: dict[str, str]) -> str:
    path = _resolve(match.group(1), scope, pkg, public)
    return match.group(0) if path is None else f"[{match.group(0)}][{path}]"
