"""The converter: round-trip laws over botocore's shapes, tolerance, and errors with paths."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import subprocess
import sys
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionCategory,
    ActionConfiguration,
    ActionOwner,
    ActionTypeId,
    AWSSessionCredentials,
    ExecutionTrigger,
    FrozenMap,
    Job,
    JobData,
    JobDetails,
    JobStatus,
    MalformedResponseError,
    PipelineExecution,
    ThirdPartyJob,
    ThirdPartyJobDetails,
    ValueSet,
    _convert,
    _models,
    structure,
    unstructure,
)
from codepipeline_jobs._convert import make_converter, structure_reply
from codepipeline_jobs._convert_generated import Mismatch
from tests import strategies
from tests.conftest import JOB_ID

LAWS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: The output shapes the library reads, and the model each is read into.
READ_SHAPES: list[tuple[str, str, type[Any]]] = [
    ("PollForJobs", "jobs", Job),
    ("GetJobDetails", "jobDetails", JobDetails),
    ("PollForThirdPartyJobs", "jobs", ThirdPartyJob),
    ("GetThirdPartyJobDetails", "jobDetails", ThirdPartyJobDetails),
    ("GetPipelineExecution", "pipelineExecution", PipelineExecution),
]


def _shape(operation: str, member: str) -> strategies.Shape:
    shape = strategies.output_shape(operation, member)
    return shape.member if shape.type_name == "list" else shape


SHAPE_IDS = [cls.__name__ for _, _, cls in READ_SHAPES]
MODEL_CLASSES = strategies.MODEL_CLASSES


# --- laws -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "member", "cls"), READ_SHAPES, ids=SHAPE_IDS)
@LAWS
@given(data=st.data())
def test_wire_round_trip(operation: str, member: str, cls: type[Any], data: st.DataObject) -> None:
    """unstructure(structure(d)) == d for every dict botocore could return (absent == empty)."""
    shape = _shape(operation, member)
    document = data.draw(strategies.wire(shape))
    model = structure(document, cls)
    assert isinstance(model, cls)
    again = unstructure(model)
    assert strategies.normalise(again, shape) == strategies.normalise(document, shape)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
@LAWS
@given(data=st.data())
def test_model_round_trip(cls: type[Any], data: st.DataObject) -> None:
    """structure(unstructure(m), type(m)) == m for every model instance."""
    model = data.draw(strategies.models(cls))
    assert structure(unstructure(model), cls) == model


@pytest.mark.parametrize(("operation", "member", "cls"), READ_SHAPES, ids=SHAPE_IDS)
@LAWS
@given(data=st.data())
def test_unknown_keys_are_ignored(operation: str, member: str, cls: type[Any], data: st.DataObject) -> None:
    """Members the model does not know, at any depth, change nothing."""
    shape = _shape(operation, member)
    document = data.draw(strategies.wire(shape))
    assert structure(strategies.with_unknown_keys(document, shape), cls) == structure(document, cls)


@pytest.mark.parametrize(("operation", "member", "cls"), READ_SHAPES, ids=SHAPE_IDS)
@LAWS
@given(data=st.data())
def test_null_optional_members_are_absent(
    operation: str, member: str, cls: type[Any], data: st.DataObject
) -> None:
    """JSON null for any optional member reads like an absent member."""
    shape = _shape(operation, member)
    document = data.draw(strategies.wire(shape))
    assert structure(strategies.with_nulls(document, shape), cls) == structure(document, cls)


def test_null_collections_become_empty() -> None:
    """A null list or map is read as an empty one, never as None."""
    job = structure(
        {
            "id": JOB_ID,
            "data": {
                "inputArtifacts": None,
                "outputArtifacts": None,
                "actionConfiguration": {"configuration": None},
            },
        },
        Job,
    )
    assert job.data.input_artifacts == ()
    assert job.data.output_artifacts == ()
    assert job.data.action_configuration == ActionConfiguration()
    assert job.data.action_configuration.configuration == {}
    assert isinstance(job.data.action_configuration.configuration, FrozenMap)
    execution = structure({"artifactRevisions": None, "variables": None}, PipelineExecution)
    assert execution.artifact_revisions == ()
    assert execution.variables == ()


def test_timestamps_stay_datetimes() -> None:
    """A timestamp is read and written as the same datetime object."""
    created = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    execution = structure({"artifactRevisions": [{"created": created}]}, PipelineExecution)
    assert execution.artifact_revisions[0].created is created
    assert unstructure(execution) == {"artifactRevisions": [{"created": created}]}


def test_unstructure_omits_absent_members() -> None:
    """Writing leaves out None and empty collections, ready for a boto3 call."""
    assert unstructure(Job(id=JOB_ID, data=JobData())) == {"id": JOB_ID, "data": {}}


def test_expiration_time_of_lambda_events_is_read() -> None:
    """The Lambda-only expirationTime of credentials is read as epoch milliseconds."""
    creds = structure(
        {
            "accessKeyId": "AK",
            "secretAccessKey": "S",
            "sessionToken": "T",
            "expirationTime": 1_700_000_000_000,
        },
        AWSSessionCredentials,
    )
    assert creds.expiration_time == 1_700_000_000_000


# --- malformed input ------------------------------------------------------------------------


def _valid_job(**data: Any) -> dict[str, Any]:
    return {"id": JOB_ID, "nonce": "7", "data": dict(data)}


MALFORMED: list[tuple[Any, type[Any], str, str]] = [
    ({"data": {}}, Job, "id", "required member is missing"),
    ({"id": JOB_ID}, Job, "data", "required member is missing"),
    ({"id": 1, "data": {}}, Job, "id", "expected a string, got int"),
    ({"id": None, "data": {}}, Job, "id", "got null"),
    ({"id": JOB_ID, "data": None}, Job, "data", "expected an object, got null"),
    (_valid_job(inputArtifacts="abc"), Job, "data.inputArtifacts", "expected a list, got str"),
    (_valid_job(inputArtifacts={"a": 1}), Job, "data.inputArtifacts", "expected a list, got object"),
    (_valid_job(inputArtifacts=[{"name": 5}]), Job, "data.inputArtifacts[0].name", "expected a string"),
    (
        _valid_job(inputArtifacts=[{"location": {"s3Location": {"bucketName": "b"}}}]),
        Job,
        "data.inputArtifacts[0].location.s3Location.objectKey",
        "required member is missing",
    ),
    (_valid_job(actionTypeId={"category": "Build"}), Job, "data.actionTypeId.owner", "missing"),
    (
        _valid_job(actionTypeId={"category": 3, "owner": "Custom", "provider": "p", "version": "1"}),
        Job,
        "data.actionTypeId.category",
        "expected a string, got int",
    ),
    (
        _valid_job(actionConfiguration={"configuration": ["a"]}),
        Job,
        "data.actionConfiguration.configuration",
        "expected an object, got list",
    ),
    (
        _valid_job(actionConfiguration={"configuration": {"k": 5}}),
        Job,
        "data.actionConfiguration.configuration",
        "expected an object of strings",
    ),
    ({"id": JOB_ID, "data": {}, "nonce": True}, Job, "nonce", "expected a string, got bool"),
    ({"pipelineVersion": True}, PipelineExecution, "pipelineVersion", "expected an integer, got bool"),
    ({"pipelineVersion": "3"}, PipelineExecution, "pipelineVersion", "expected an integer, got str"),
    (
        {"artifactRevisions": [{"created": "2024-01-01"}]},
        PipelineExecution,
        "artifactRevisions[0].created",
        "expected a timestamp, got str",
    ),
    ({"trigger": {"triggerType": 1}}, PipelineExecution, "trigger.triggerType", "expected a string, got int"),
    ({"jobId": JOB_ID}, ThirdPartyJob, "clientId", "required member is missing"),
    ({"id": "x", "data": []}, ThirdPartyJobDetails, "data", "expected an object, got list"),
    ("oops", Job, "", "expected an object, got str"),
    (None, JobDetails, "", "expected an object, got null"),
    ([1, 2], Job, "", "expected an object, got list"),
]


@pytest.mark.parametrize(("document", "cls", "path", "problem"), MALFORMED)
def test_malformed_input_names_its_path(document: Any, cls: type[Any], path: str, problem: str) -> None:
    """Wrong types and missing members raise MalformedResponseError with the member's path."""
    with pytest.raises(MalformedResponseError) as caught:
        structure(document, cls)
    assert caught.value.path == path
    assert problem in caught.value.problem
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_error_path_through_a_reply() -> None:
    """An error deep inside a reply names it from the reply's member down."""
    good = _valid_job()
    bad = _valid_job(inputArtifacts=[{"location": "oops"}])
    with pytest.raises(MalformedResponseError) as caught:
        structure_reply({"jobs": [good, good, bad]}, "jobs", tuple[Job, ...])
    assert caught.value.path == "jobs[2].data.inputArtifacts[0].location"
    assert str(caught.value) == "jobs[2].data.inputArtifacts[0].location: expected an object, got str"


def test_missing_reply_member() -> None:
    """A reply without the member an operation returns is malformed, named by the member."""
    with pytest.raises(MalformedResponseError) as caught:
        structure_reply({}, "jobDetails", JobDetails)
    assert caught.value.path == "jobDetails"


def _wrong_value(shape: strategies.Shape) -> object:
    kind = shape.type_name
    if kind in ("string", "timestamp"):
        return 12345
    if kind in ("integer", "long"):
        return True
    if kind == "list":
        return "not-a-list"
    return ["not", "an", "object"]


def _replaced(document: Any, location: tuple[Any, ...], value: object) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for step in location[:-1]:
        target = target[step]
    target[location[-1]] = value
    return changed


@pytest.mark.parametrize(("operation", "member", "cls"), READ_SHAPES, ids=SHAPE_IDS)
@LAWS
@given(data=st.data())
def test_any_wrong_member_is_named(operation: str, member: str, cls: type[Any], data: st.DataObject) -> None:
    """A value of the wrong type anywhere in a valid reply raises an error naming exactly that place."""
    shape = _shape(operation, member)
    document = data.draw(strategies.wire(shape))
    present = list(strategies.members(document, shape))
    if not present:
        return
    location, path, member_shape = data.draw(st.sampled_from(present))
    broken = _replaced(document, location, _wrong_value(member_shape))
    with pytest.raises(MalformedResponseError) as caught:
        structure(broken, cls, path=member)
    assert caught.value.path == f"{member}.{path}"


SECRETS = ("wJalrXUtnFEMI/K7MDENG/SECRETKEY", "FwoGZXIvYXdzSESSIONTOKEN", "hunter2-config-value")


@pytest.mark.parametrize(
    "document",
    [
        _valid_job(
            artifactCredentials={
                "accessKeyId": "ASIAXXXXXXXXXXXXXXXX",
                "secretAccessKey": SECRETS[0],
                "sessionToken": 7,
            }
        ),
        _valid_job(
            artifactCredentials={"accessKeyId": 1, "secretAccessKey": SECRETS[0], "sessionToken": SECRETS[1]}
        ),
        _valid_job(actionConfiguration={"configuration": {"Password": SECRETS[2], "Other": 3}}),
        _valid_job(actionConfiguration={"configuration": {"Password": [SECRETS[2]]}}),
        _valid_job(artifactCredentials=SECRETS[0]),
        _valid_job(continuationToken=[SECRETS[1]]),
    ],
)
def test_error_messages_carry_no_secret(document: dict[str, Any]) -> None:
    """No secret value of a malformed reply appears in the error or its repr."""
    with pytest.raises(MalformedResponseError) as caught:
        structure(document, Job)
    for text in (str(caught.value), repr(caught.value), caught.value.problem, caught.value.path):
        for secret in SECRETS:
            assert secret not in text


# --- the generated fast path ------------------------------------------------------------------


def _reference(document: Any, cls: type[Any]) -> Any:
    """What the cattrs hooks alone read: the reference converter never runs generated code."""
    return _convert._converter().structure(document, cls)


@pytest.mark.parametrize(("operation", "member", "cls"), READ_SHAPES, ids=SHAPE_IDS)
@LAWS
@given(data=st.data())
def test_generated_readers_read_as_the_converter(
    operation: str, member: str, cls: type[Any], data: st.DataObject
) -> None:
    """Each generated reader returns what the cattrs hooks return, with unknown keys and nulls too."""
    shape = _shape(operation, member)
    document = data.draw(strategies.wire(shape))
    document = data.draw(
        st.sampled_from([
            document,
            strategies.with_nulls(document, shape),
            strategies.with_unknown_keys(document, shape),
        ])
    )
    read = _convert._GENERATED.reader(cls)
    assert read is not None
    fast = read(copy.deepcopy(document))
    slow = _reference(document, cls)
    assert fast == slow
    assert repr(fast) == repr(slow)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
@LAWS
@given(data=st.data())
def test_generated_writers_write_as_the_converter(cls: type[Any], data: st.DataObject) -> None:
    """Each generated writer returns what cattrs' unstructure returns."""
    model = data.draw(strategies.models(cls))
    write = _convert._GENERATED.writer(cls)
    assert write is not None
    assert write(model) == make_converter().unstructure(model)


class _Text(str):
    __slots__ = ()


class _Version(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize(
    ("document", "cls"),
    [
        ({"id": _Text(JOB_ID), "nonce": _Text("1"), "data": {}}, Job),
        ({"id": JOB_ID, "data": MappingProxyType({"continuationToken": "t"})}, Job),
        ({"id": JOB_ID, "data": {"inputArtifacts": ({"name": "a"},), "outputArtifacts": []}}, Job),
        ({"id": JOB_ID, "data": {"actionTypeId": {
            "category": _Text("Build"), "owner": "Custom", "provider": "p", "version": "1"}}}, Job),
        ({"id": JOB_ID, "data": {"actionConfiguration": {
            "configuration": MappingProxyType({"a": "b"})}}}, Job),
        ({"pipelineVersion": _Version.ONE, "status": "Paused"}, PipelineExecution),
        ([{"clientId": "c", "jobId": JOB_ID}], tuple[ThirdPartyJob, ...]),
        (None, Job | None),
        ("Succeeded", JobStatus),
    ],
    ids=["str-subclass", "read-only-mapping", "tuple-list", "value-set-str-subclass",
         "read-only-configuration", "int-subclass", "tuple-of", "optional", "value-set"],
)
def test_off_the_fast_path_reads_the_same(document: Any, cls: Any) -> None:
    """Input the generated code does not expect is read exactly as the cattrs hooks read it."""
    assert structure(document, cls) == _reference(document, cls)


def test_one_path_whatever_happened_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """After a malformed reply (the reference converter built), reads and writes still run generated code."""
    generated: list[str] = []
    reader, writer = _convert._GENERATED.reader, _convert._GENERATED.writer

    def counting(kind: str, function: Any) -> Any:
        def run(value: Any) -> Any:
            generated.append(kind)
            return function(value)

        return None if function is None else run

    def counting_reader(type_: Any) -> Any:
        return counting("read", reader(type_))

    def counting_writer(cls: type[Any]) -> Any:
        return counting("write", writer(cls))

    document = _valid_job(inputArtifacts=[{"name": "a"}])
    unstructure(structure(document, Job))  # generated before counting: nested code calls the real ones
    monkeypatch.setattr(_convert._GENERATED, "reader", counting_reader)
    monkeypatch.setattr(_convert._GENERATED, "writer", counting_writer)
    job = structure(document, Job)
    with pytest.raises(MalformedResponseError):
        structure({"id": 5, "data": {}}, Job)
    assert _convert._built  # the reference converter now exists
    assert structure(document, Job) == job
    assert unstructure(job) == document
    assert generated == ["read", "read", "read", "write"]


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_every_model_has_generated_code(cls: type[Any]) -> None:
    """The generated half covers every model: the reference converter is only ever the fallback."""
    assert _convert._GENERATED.reader(cls) is not None
    assert _convert._GENERATED.reader(tuple[cls, ...]) is not None  # type: ignore[valid-type]
    assert _convert._GENERATED.reader(cls | None) is not None
    assert _convert._GENERATED.writer(cls) is not None


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
@LAWS
@given(data=st.data())
def test_generated_readers_read_every_model_as_the_converter(cls: type[Any], data: st.DataObject) -> None:
    """For every model, the generated reader reads what the reference converter writes as it reads it."""
    model = data.draw(strategies.models(cls))
    document = _convert._converter().unstructure(model)
    read = _convert._GENERATED.reader(cls)
    assert read is not None
    fast = read(copy.deepcopy(document))
    assert fast == _reference(document, cls) == model
    assert repr(fast) == repr(model)


def test_the_reference_converter_runs_no_generated_code() -> None:
    """`converter` is plain cattrs as `configure_converter` sets it up, with detailed errors."""
    from codepipeline_jobs import converter

    assert converter is _convert._converter()
    assert converter.detailed_validation
    assert make_converter().detailed_validation


def test_a_customised_converter_reads_through_its_own_hooks() -> None:
    """A converter given a hook of its own uses it inside models too: no generated code around it."""
    conv = make_converter()
    conv.register_structure_hook(str, lambda value, _: value.upper())
    job = conv.structure({"id": "abc", "data": {"pipelineContext": {"stage": {"name": "build"}}}}, Job)
    assert job.id == "ABC"
    assert job.data.pipeline_context is not None
    assert job.data.pipeline_context.stage == _models.StageContext(name="BUILD")


def test_a_malformed_value_deep_down_is_still_named() -> None:
    """When the generated reader gives up, the error still names the path of the bad value."""
    document = _valid_job(pipelineContext={"stage": {"name": 5}})
    with pytest.raises(MalformedResponseError) as caught:
        structure_reply({"jobs": [document]}, "jobs", tuple[Job, ...])
    assert caught.value.path == "jobs[0].data.pipelineContext.stage.name"


def test_reading_well_formed_data_does_not_load_cattrs() -> None:
    """A cold start that reads and writes well-formed data never imports cattrs."""
    code = (
        "import sys\n"
        "from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId, Job\n"
        "from codepipeline_jobs import structure, unstructure\n"
        f"structure({{'id': {JOB_ID!r}, 'data': {{'inputArtifacts': [{{'name': 'a'}}]}}}}, Job)\n"
        "action = ActionTypeId(\n"
        "    category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider='p', version='1'\n"
        ")\n"
        "assert unstructure(action)['category'] == 'Build'\n"
        "print('cattrs' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


# --- value sets on the fast and the slow path -------------------------------------------------


def _strings(value: Any) -> list[Any]:
    """Every string in a wire document, keys included."""
    if isinstance(value, dict):
        return [item for key, inner in value.items() for item in [key, *_strings(inner)]]
    if isinstance(value, (list, tuple)):
        return [item for inner in value for item in _strings(inner)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
@LAWS
@given(data=st.data())
def test_unstructure_writes_plain_strings(cls: type[Any], data: st.DataObject) -> None:
    """Value sets are written as exact ``str`` values (never a member), by both writers."""
    model = data.draw(strategies.models(cls))
    for written in (unstructure(model), make_converter().unstructure(model)):
        assert all(type(text) is str for text in _strings(written))


#: Classes with value-set fields: their converters must not cost them their generated readers.
VALUE_SET_CLASSES = [
    _models.ActionTypeId,
    _models.ArtifactLocation,
    _models.EncryptionKey,
    _models.FailureDetails,
    ExecutionTrigger,
    PipelineExecution,
    Job,
]


@pytest.mark.parametrize("cls", VALUE_SET_CLASSES, ids=lambda cls: cls.__name__)
def test_value_set_converters_keep_the_generated_readers(cls: type[Any]) -> None:
    """The generated readers still fill the slots of classes whose only converters are value sets'."""
    from codepipeline_jobs import _convert_generated

    if cls is not Job:
        assert any(a.converter is not None for a in attrs.fields(cls))
        assert _convert_generated._slot_setters(cls) is not None
    assert _convert._GENERATED.reader(cls) is not None


def test_any_other_converter_takes_the_slow_path() -> None:
    """A converter the generated code does not know of means attrs' __init__ must run: no reader."""
    from codepipeline_jobs import _convert_generated

    def shout(value: str) -> str:
        return value.upper()

    @attrs.frozen(kw_only=True)
    class Shouting:
        name: str = attrs.field(converter=shout)

    assert _convert_generated._slot_setters(Shouting) is None
    assert make_converter().structure({"name": "quiet"}, Shouting) == Shouting(name="QUIET")


def _action_documents() -> st.SearchStrategy[dict[str, Any]]:
    known = [member.value for member in ActionCategory]
    category = st.one_of(st.sampled_from(known), st.text(max_size=12), st.text(max_size=12).map(_Text))
    return st.fixed_dictionaries({
        "category": category,
        "owner": st.sampled_from([*(member.value for member in ActionOwner), "Robot"]),
        "provider": st.just("MyBuilder"),
        "version": st.just("1"),
    })


@LAWS
@given(document=_action_documents())
def test_reading_and_constructing_normalise_alike(document: dict[str, Any]) -> None:
    """A str read from a reply (generated reader or cattrs) and given to __init__ make the same member."""
    built = ActionTypeId(**document)
    read = _convert._GENERATED.reader(ActionTypeId)
    assert read is not None
    try:
        fast: ActionTypeId | None = read(dict(document))
    except Mismatch:
        fast = None  # a str subclass: the generated code hands it to the slow path
    for model in (fast, _reference(document, ActionTypeId), structure(document, ActionTypeId)):
        if model is None:
            continue
        assert model == built
        assert model.category is built.category
        assert model.owner is built.owner
        assert type(model.category) is ActionCategory
        assert type(model.category.value) is str
    assert type(unstructure(built)["category"]) is str


def test_a_pseudo_member_of_a_str_subclass_holds_a_plain_str() -> None:
    """An unknown value given as a str subclass is kept as its plain string."""
    value = _models.FailureDetails(type=_Text("FromTheFuture"), message="m").type  # type: ignore[arg-type]
    assert type(value.value) is str
    assert isinstance(value, ValueSet)
    assert unstructure(_models.FailureDetails(type=value, message="m")) == {
        "type": "FromTheFuture", "message": "m"
    }


def test_a_map_of_the_wrong_values_reads_as_english() -> None:
    """The problem names the kinds found with their articles: "an int value under a str key"."""
    document = _valid_job(actionConfiguration={"configuration": {"k": 5}})
    with pytest.raises(MalformedResponseError) as caught:
        structure(document, Job)
    assert caught.value.problem == "expected an object of strings, got an int value under a str key"
