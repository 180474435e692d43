"""The job's models' generated code, frozen ahead of time into `codepipeline_jobs._convert_frozen`.

The module must be exactly what the generator makes now (else a model changed and nobody ran
``python -m codepipeline_jobs._convert``), the converter must use it, and a compiler must refuse
it for a class whose fields are no longer what it was generated for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import attrs
import pytest

from codepipeline_jobs import (
    Job,
    JobDetails,
    MalformedResponseError,
    _convert,
    _convert_frozen,
    structure,
    unstructure,
)
from codepipeline_jobs._convert_generated import Compiler, shape_of
from codepipeline_jobs._models import ActionTypeId, FailureDetails, JobData

FROZEN = Path(_convert_frozen.__file__)


def test_the_frozen_module_is_what_the_generator_makes_now() -> None:
    """A model changed without regenerating fails here, with the command that fixes it."""
    assert vars(_convert)["_frozen"] is _convert_frozen
    assert FROZEN.read_text(encoding="utf-8") == _convert.frozen_source(), (
        "codepipeline_jobs/_convert_frozen.py is stale: run `python -m codepipeline_jobs._convert`"
    )


def test_the_command_writes_the_module(tmp_path: Path) -> None:
    """``python -m codepipeline_jobs._convert`` writes the module next to it, and only that."""
    package = tmp_path / "codepipeline_jobs"
    source = Path(_convert.__file__).parent
    package.mkdir()
    for path in source.glob("*.py"):
        (package / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    frozen = package / "_convert_frozen.py"
    current = FROZEN.read_text(encoding="utf-8")
    broken = current.replace("StageContext.name.__set__", "StageContext.nom.__set__")
    assert broken != current
    for stale in ('"""stale"""\nSHAPES = {}\n', broken):  # a stub, and a field renamed since it was made
        frozen.write_text(stale, encoding="utf-8")
        used = subprocess.run(
            [sys.executable, "-c", "from codepipeline_jobs import _convert, Job; "
             "print(_convert._GENERATED.reader(Job).__code__.co_filename)"],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )
        assert used.returncode == 0, used.stderr
        assert used.stdout.startswith("<codepipeline_jobs generated")  # generated instead
        done = subprocess.run(
            [sys.executable, "-m", "codepipeline_jobs._convert"],
            cwd=tmp_path, capture_output=True, text=True, check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""
        assert frozen.read_text(encoding="utf-8") == FROZEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("type_", _convert.FROZEN_READERS, ids=repr)
def test_the_converter_reads_with_the_frozen_readers(type_: Any) -> None:
    reader = _convert._GENERATED.reader(type_)
    assert reader is not None
    assert reader.__code__.co_filename == _convert_frozen.__file__


@pytest.mark.parametrize("cls", _convert.FROZEN_WRITERS, ids=lambda cls: cls.__name__)
def test_the_converter_writes_with_the_frozen_writers(cls: type[Any]) -> None:
    writer = _convert._GENERATED.writer(cls)
    assert writer is not None
    assert writer.__code__.co_filename == _convert_frozen.__file__


def test_every_class_of_the_jobs_models_is_written_by_frozen_code() -> None:
    """The writers cover the module's classes: a class added to `_models` joins by itself."""
    from codepipeline_jobs import _models

    classes = {cls for name in _models.__all__ if attrs.has(cls := getattr(_models, name))}
    assert set(_convert.FROZEN_WRITERS) == classes
    assert set(_convert_frozen.SHAPES) >= classes


def test_other_types_are_generated_on_first_use() -> None:
    """The job details (another module) get code from the same generator, compiled in-process."""
    reader = _convert._GENERATED.reader(JobDetails)
    assert reader is not None
    assert reader.__code__.co_filename.startswith("<codepipeline_jobs generated")


def test_frozen_and_reference_read_a_real_job_alike() -> None:
    path = Path(__file__).parent / "events" / "lambda_invoke_basic.json"
    event = json.loads(path.read_text(encoding="utf-8"))
    wire = event["CodePipeline.job"]
    assert structure(wire, Job) == _convert.make_converter().structure(wire, Job)
    assert unstructure(structure(wire, Job)) == _convert.make_converter().unstructure(structure(wire, Job))


def test_frozen_readers_hand_the_unexpected_to_the_reference() -> None:
    """A bad value read by frozen code is still one error naming its path."""
    with pytest.raises(MalformedResponseError, match=r"^data\.inputArtifacts\[0\]\.name: expected a string"):
        structure({"id": "j", "data": {"inputArtifacts": [{"name": 7}]}}, Job)


def _frozen_like(shapes: dict[type[Any], Any]) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        READERS=dict.fromkeys([ActionTypeId], lambda _: "frozen"),
        WRITERS={},
        SHAPES=shapes,
    )


def test_a_compiler_takes_frozen_code_only_for_the_shapes_it_was_made_for() -> None:
    current = _frozen_like({ActionTypeId: shape_of(ActionTypeId, _convert.wire_name)})
    frozen_reader = Compiler(_convert.wire_name, frozen=current).reader(ActionTypeId)
    assert frozen_reader is not None
    assert frozen_reader({}) == "frozen"

    wire = {"category": "Build", "owner": "Custom", "provider": "P", "version": "1"}
    shape = shape_of(ActionTypeId, _convert.wire_name)
    for stale_shape in _changed_shapes(shape):
        stale = _frozen_like({ActionTypeId: stale_shape})
        reader = Compiler(_convert.wire_name, frozen=stale).reader(ActionTypeId)
        assert reader is not None
        assert reader.__code__.co_filename.startswith("<codepipeline_jobs generated")
        assert reader(wire) == ActionTypeId(category="Build", owner="Custom", provider="P", version="1")


def _changed_shapes(shape: tuple[tuple[str, ...], ...]) -> list[tuple[tuple[str, ...], ...]]:
    """The shape after each kind of change a generated function depends on."""
    provider = next(i for i, field in enumerate(shape) if field[0] == "provider")

    def with_provider(index: int, text: str) -> tuple[tuple[str, ...], ...]:
        field = list(shape[provider])
        field[index] = text
        return (*shape[:provider], tuple(field), *shape[provider + 1:])

    return [
        (*shape[:-1], ("added_later", "addedLater", "str", "required", "converter -", "validator -",
                       "init=True"), shape[-1]),
        with_provider(1, "providerName"),  # an irregular wire name
        with_provider(2, "str | None"),
        with_provider(3, "default 'MyBuilder'"),
        with_provider(4, "converter tests.shout"),
        with_provider(5, "validator attr.validators.min_len"),
        with_provider(6, "init=False"),
        (*shape[:-1], ("hooks", "__attrs_post_init__")),
    ]


def test_the_shape_names_what_the_generated_code_depends_on() -> None:
    """Defaults, converters, validators and wire names are part of a class's shape, not only names."""

    def shout(value: str) -> str:
        return value.upper()

    @attrs.frozen(kw_only=True)
    class Plain:
        name: str | None = None

    @attrs.frozen(kw_only=True)
    class Defaulted:
        name: str | None = "unknown"

    @attrs.frozen(kw_only=True)
    class Converted:
        name: str | None = attrs.field(default=None, converter=shout)

    @attrs.frozen(kw_only=True)
    class Validated:
        name: str | None = attrs.field(default=None, validator=attrs.validators.instance_of(str))

    classes = (Plain, Defaulted, Converted, Validated)
    shapes = [shape_of(cls, _convert.wire_name)[0][1:] for cls in classes]
    assert len(set(shapes)) == 4
    assert shape_of(Plain, lambda name: name.upper()) != shape_of(Plain, _convert.wire_name)


def test_a_class_named_like_ours_still_gets_generated_code() -> None:
    """A user's own ``Job`` class: its reader is named apart from ours, not refused."""
    compiler = Compiler(_convert.wire_name)
    assert compiler.reader(Job | None) is not None

    @attrs.frozen(kw_only=True)
    class Theirs:
        id: str

    Theirs.__name__ = "Job"  # on purpose, the name of ours
    reader = compiler.reader(Theirs | None)
    assert reader is not None
    assert reader({"id": "j"}) == Theirs(id="j")
    assert reader.__name__ != "read_Job_or_None"


def test_freezing_refuses_what_has_no_generated_code() -> None:
    def shout(value: str) -> str:
        return value.upper()

    @attrs.frozen(kw_only=True)
    class Shouting:
        name: str = attrs.field(converter=shout)

    with pytest.raises(TypeError, match="has no generated function"):
        Compiler(_convert.wire_name).freeze([Shouting], [], "doc")
    @attrs.frozen(kw_only=True, slots=False)
    class Unslotted:
        name: str

    with pytest.raises(TypeError, match="has no generated function"):
        Compiler(_convert.wire_name).freeze([], [Unslotted], "doc")


def test_freezing_refuses_a_class_it_cannot_import_by_name() -> None:
    def make() -> type[Any]:
        @attrs.frozen(kw_only=True)
        class Local:
            name: str

        return Local

    with pytest.raises(TypeError, match="cannot be imported by name"):
        Compiler(_convert.wire_name).freeze([make()], [], "doc")


def test_frozen_writers_write_what_a_report_sends() -> None:
    details = FailureDetails(type="ConfigurationError", message="the action needs a ProjectName")
    assert unstructure(details) == {"type": "ConfigurationError", "message": "the action needs a ProjectName"}


def test_resolved_types_do_not_make_the_frozen_code_look_stale() -> None:
    """`attrs.resolve_types` (cattrs calls it) replaces the fields' types in place: the shapes hold."""
    before = shape_of(Job, _convert.wire_name)
    attrs.resolve_types(Job)
    assert all(not isinstance(a.type, str) for a in attrs.fields(Job))
    assert shape_of(Job, _convert.wire_name) == before == _convert_frozen.SHAPES[Job]
    assert FROZEN.read_text(encoding="utf-8") == _convert.frozen_source()


def test_a_type_of_another_module_writes_through_the_frozen_writers() -> None:
    """JobDetails' writer (generated on first use) calls the frozen writer of its JobData."""
    writer = _convert._GENERATED.writer(JobDetails)
    assert writer is not None
    details = JobDetails(id="j", data=JobData(continuation_token="t"))
    assert unstructure(details) == {"id": "j", "data": {"continuationToken": "t"}}


@pytest.mark.parametrize(
    ("type_", "name"),
    [(Job, "read_Job"), (tuple[Job, ...], "read_Job_tuple"), (Job | None, "read_Job_or_None")],
    ids=["class", "tuple", "optional"],
)
def test_generated_functions_are_named_alike_on_every_python(type_: Any, name: str) -> None:
    """On Python 3.10 ``tuple[Job, ...]`` is an instance of `type`: the name must not say ``tuple``."""
    reader = Compiler(_convert.wire_name).reader(type_)
    assert reader is not None
    assert reader.__name__ == name
