"""Models: open value sets, FrozenMap, and secrets kept out of reprs."""

from __future__ import annotations

import copy
import json
import pickle
import re
import sys
import types
import typing
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import codepipeline_jobs
from codepipeline_jobs import (
    ActionCategory,
    ActionConfiguration,
    ActionConfigurationPropertyType,
    ActionOwner,
    ActionTypeId,
    ArtifactLocationType,
    AWSSessionCredentials,
    EncryptionKeyType,
    ExecutionMode,
    ExecutionType,
    FailureType,
    FrozenMap,
    Job,
    JobData,
    JobDetails,
    JobStatus,
    PipelineExecutionStatus,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
    TriggerType,
    ValueSet,
    _models,
    _values,
    structure,
    unstructure,
)
from codepipeline_jobs._convert import wire_name
from codepipeline_jobs.worker import Failure
from tests import strategies
from tests.conftest import JOB_ID

if typing.TYPE_CHECKING:
    from collections.abc import Mapping

MODEL_CLASSES = strategies.MODEL_CLASSES

VALUE_SETS: list[type[ValueSet]] = [
    ActionCategory,
    ActionConfigurationPropertyType,
    ActionOwner,
    ArtifactLocationType,
    EncryptionKeyType,
    ExecutionMode,
    ExecutionType,
    FailureType,
    JobStatus,
    PipelineExecutionStatus,
    TriggerType,
]

# --- value sets -----------------------------------------------------------------------------


def _equal(value: ValueSet, text: str) -> bool:
    """Compare as user code does, with the member typed as its class (not as a literal)."""
    return value == text


def test_known_members_are_offered() -> None:
    """Known values are members, reachable by name, and equal to their plain strings."""
    assert _equal(ActionCategory.COMPUTE, "Compute")
    assert _equal(PipelineExecutionStatus.CANCELLED, "Cancelled")
    assert _equal(TriggerType.AUTOMATED_ROLLBACK, "AutomatedRollback")
    assert _equal(JobStatus.IN_PROGRESS, "InProgress")
    assert [status.value for status in JobStatus] == [
        "Created",
        "Queued",
        "Dispatched",
        "InProgress",
        "TimedOut",
        "Succeeded",
        "Failed",
    ]
    assert [t.value for t in FailureType] == [
        "JobFailed",
        "ConfigurationError",
        "PermissionError",
        "RevisionOutOfSync",
        "RevisionUnavailable",
        "SystemUnavailable",
    ]


@pytest.mark.parametrize("cls", VALUE_SETS, ids=lambda cls: cls.__name__)
def test_known_values_behave_like_strings(cls: type[ValueSet]) -> None:
    """Each known member equals, hashes, formats and serialises like its plain string."""
    for member in cls:
        assert member.is_known
        assert cls(member.value) is member
        assert member == member.value
        assert hash(member) == hash(member.value)
        assert {member.value: 1}[member] == 1
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert json.dumps(member) == json.dumps(member.value)
        assert pickle.loads(pickle.dumps(member)) is member


@pytest.mark.parametrize("cls", VALUE_SETS, ids=lambda cls: cls.__name__)
def test_unknown_values_come_back_unchanged(cls: type[ValueSet]) -> None:
    """An unknown value never raises; it is a reused pseudo-member equal to the string."""
    value = cls("FromTheFuture")
    assert isinstance(value, cls)
    assert isinstance(value, str)
    assert value == "FromTheFuture"
    assert value.value == "FromTheFuture"
    assert not value.is_known
    assert cls("FromTheFuture") is value
    assert str(value) == "FromTheFuture"
    assert f"{value}" == "FromTheFuture"
    assert hash(value) == hash("FromTheFuture")
    assert json.dumps({"v": value}) == '{"v": "FromTheFuture"}'
    assert pickle.loads(pickle.dumps(value)) is value
    assert copy.deepcopy(value) is value
    assert value not in list(cls)


def test_member_name_is_not_a_known_value() -> None:
    """A value spelling a member's name ("BUILD") is unknown, not the member BUILD ("Build")."""
    value = ActionCategory("BUILD")
    assert value is not ActionCategory.BUILD
    assert _equal(value, "BUILD")
    assert not value.is_known


def test_value_sets_reject_non_strings() -> None:
    """Only strings are values: an integer is an error, not a pseudo-member."""
    with pytest.raises(ValueError, match="not a valid"):
        JobStatus(3)


def test_unknown_values_read_from_a_reply() -> None:
    """A reply carrying an enum value this release does not know reads fine."""
    job = structure(
        {
            "id": JOB_ID,
            "data": {
                "actionTypeId": {"category": "Quantum", "owner": "Custom", "provider": "p", "version": "1"},
                "encryptionKey": {"id": "k", "type": "PQC"},
            },
        },
        Job,
    )
    assert job.data.action_type_id is not None
    assert job.data.action_type_id.category == "Quantum"
    assert not job.data.action_type_id.category.is_known
    assert job.data.action_type_id.owner is ActionOwner.CUSTOM
    assert job.data.encryption_key is not None
    assert job.data.encryption_key.type == "PQC"


# --- value-set fields: the member or its plain string ----------------------------------------


def _value_set_of(type_: Any) -> type[ValueSet] | None:
    """The value set a field is typed with (``X`` or ``X | None``), if any."""
    if typing.get_origin(type_) in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(type_) if arg is not type(None)]
        type_ = inner[0] if len(inner) == 1 else None
    return type_ if isinstance(type_, type) and issubclass(type_, ValueSet) else None


def _value_set_fields() -> list[tuple[type[Any], str, type[ValueSet], bool]]:
    """(model, field, value set, optional) for every field typed with a value set."""
    found: list[tuple[type[Any], str, type[ValueSet], bool]] = []
    for cls in [*MODEL_CLASSES, Failure]:
        hints = typing.get_type_hints(cls)
        for field in attrs.fields(cls):
            values = _value_set_of(hints[field.name])
            if values is not None:
                found.append((cls, field.name, values, hints[field.name] is not values))
    return found


VALUE_SET_FIELDS = _value_set_fields()
FIELD_IDS = [f"{cls.__name__}.{name}" for cls, name, _, _ in VALUE_SET_FIELDS]
PROPERTIES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_value_set_fields_are_all_found() -> None:
    """The fields below are every model field typed with a value set, each with its converter."""
    assert set(FIELD_IDS) >= {
        "ActionTypeId.category",
        "ActionTypeId.owner",
        "ArtifactLocation.type",
        "EncryptionKey.type",
        "FailureDetails.type",
        "Failure.type",
        "ExecutionTrigger.trigger_type",
        "PipelineExecution.status",
        "PipelineExecution.execution_mode",
        "PipelineExecution.execution_type",
    }
    for cls, name, _, _ in VALUE_SET_FIELDS:
        converter = attrs.fields_dict(cls)[name].converter
        assert _values.is_read_converter(converter), f"{cls.__name__}.{name}"


def _plain_strings(values: type[ValueSet]) -> st.SearchStrategy[str]:
    """Plain `str` values: known ones as the AWS docs spell them, and any other text."""
    known = [member.value for member in values]
    return st.one_of(st.sampled_from(known), st.text(max_size=16))


@pytest.mark.parametrize(("cls", "name", "values", "optional"), VALUE_SET_FIELDS, ids=FIELD_IDS)
@PROPERTIES
@given(data=st.data())
def test_a_plain_string_is_the_member(
    cls: type[Any], name: str, values: type[ValueSet], optional: bool, data: st.DataObject
) -> None:
    """Any str, known or not, builds the field as the value set's member, equal to the member-built model."""
    del optional
    model = data.draw(strategies.models(cls))
    text = data.draw(_plain_strings(values))
    built = attrs.evolve(model, **{name: text})
    value = getattr(built, name)
    assert type(value) is values
    assert value is values(text)
    assert value == text
    assert value.is_known is (text in {member.value for member in values})
    with_member = attrs.evolve(model, **{name: values(text)})
    assert built == with_member
    assert hash(built) == hash(with_member)
    assert repr(built) == repr(with_member)
    # Written as the plain string, and read back as the same model.
    wire = unstructure(built)
    written = wire.get(wire_name(name))
    if written is None:  # left out as equal to the default, as every member equal to its default
        assert value == attrs.fields_dict(cls)[name].default
    else:
        assert type(written) is str
        assert written == text
    assert structure(wire, cls) == built
    assert pickle.loads(pickle.dumps(built)) == built


@pytest.mark.parametrize(("cls", "name", "values", "optional"), VALUE_SET_FIELDS, ids=FIELD_IDS)
@PROPERTIES
@given(data=st.data())
def test_a_value_that_is_not_a_str_is_a_type_error_naming_the_field(
    cls: type[Any], name: str, values: type[ValueSet], optional: bool, data: st.DataObject
) -> None:
    """Integers, bytes, lists, ... (and None for a required field) raise TypeError naming the field."""
    model = data.draw(strategies.models(cls))
    wrong = [
        st.integers(),
        st.booleans(),
        st.floats(allow_nan=False),
        st.binary(max_size=8),
        st.lists(st.sampled_from([m.value for m in values]), min_size=1, max_size=2),
        st.builds(dict),
        st.builds(object),
    ]
    if not optional:
        wrong.append(st.none())
    bad = data.draw(st.one_of(wrong))
    with pytest.raises(TypeError) as caught:
        attrs.evolve(model, **{name: bad})
    message = str(caught.value)
    assert message.startswith(f"{cls.__name__}.{name} must be ")
    assert values.__name__ in message
    assert re.search(r", got (None|an? [A-Za-z]+)$", message), message


@pytest.mark.parametrize(
    ("cls", "name"), [(cls, name) for cls, name, _, optional in VALUE_SET_FIELDS if optional],
    ids=[i for i, (_, _, _, optional) in zip(FIELD_IDS, VALUE_SET_FIELDS, strict=True) if optional],
)
def test_an_optional_value_set_field_takes_none(cls: type[Any], name: str) -> None:
    """None stays None in an optional value-set field."""
    hints = typing.get_type_hints(cls)
    plain: dict[Any, Any] = {str: "x", bool: False, int: 0}
    required = {
        f.name: plain[hints[f.name]] for f in attrs.fields(cls) if f.default is attrs.NOTHING
    }
    assert getattr(cls(**required, **{name: None}), name) is None
    assert getattr(cls(**required), name) is None


def test_value_sets_as_the_aws_docs_write_them() -> None:
    """ActionTypeId, FailureDetails and Failure built from the documentation's plain strings."""
    action = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")
    assert action.category is ActionCategory.BUILD
    assert action.owner is ActionOwner.CUSTOM
    assert action == ActionTypeId(
        category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="MyBuilder", version="1"
    )
    assert repr(action).startswith("ActionTypeId(category=<ActionCategory.BUILD: 'Build'>, owner=")
    assert unstructure(action) == {
        "category": "Build", "owner": "Custom", "provider": "MyBuilder", "version": "1"
    }
    details = _models.FailureDetails(type="ConfigurationError", message="the action needs a ProjectName")
    assert details.type is FailureType.CONFIGURATION_ERROR
    assert unstructure(details) == {"type": "ConfigurationError", "message": "the action needs a ProjectName"}
    failure = Failure("bad config", "ConfigurationError")
    assert failure.type is FailureType.CONFIGURATION_ERROR
    assert failure.details() == details.__class__(type=FailureType.CONFIGURATION_ERROR, message="bad config")
    assert Failure("tests failed").type is FailureType.JOB_FAILED
    from_exc = _models.FailureDetails.from_exception(KeyError("ProjectName"), type="ConfigurationError")
    assert from_exc.type is FailureType.CONFIGURATION_ERROR
    assert attrs.evolve(action, category="Test").category is ActionCategory.TEST


def test_an_unknown_plain_string_builds_an_unknown_member() -> None:
    """An unknown value is kept, as reading a reply keeps it (the request rules refuse to send it)."""
    # Untyped code can pass it; the type checkers refuse it (see tests/typing/test_value_set_types.py).
    action = ActionTypeId(category="Quantum", owner="Custom", provider="P", version="1")  # type: ignore[arg-type]
    assert isinstance(action.category, ActionCategory)
    assert not action.category.is_known
    assert action.category is ActionCategory("Quantum")
    assert action == structure(
        {"category": "Quantum", "owner": "Custom", "provider": "P", "version": "1"}, ActionTypeId
    )


def test_a_member_of_another_value_set_is_read_by_its_string() -> None:
    """A member of another value set counts as its plain string (equal strings, equal values)."""
    details = _models.FailureDetails(type=_bad(ActionCategory.BUILD), message="m")
    assert type(details.type) is FailureType
    assert details.type == "Build"
    assert not details.type.is_known
    assert type(details.type.value) is str
    assert type(unstructure(details)["type"]) is str


def test_wrong_types_in_the_aws_docs_fields() -> None:
    """What people get wrong gives a TypeError saying which field and what it got."""
    with pytest.raises(TypeError, match=r"^ActionTypeId\.category must be an ActionCategory .* got an int$"):
        ActionTypeId(category=_bad(1), owner="Custom", provider="P", version="1")
    with pytest.raises(TypeError, match=r"^ActionTypeId\.owner must be an ActionOwner .* got None$"):
        ActionTypeId(category="Build", owner=_bad(None), provider="P", version="1")
    with pytest.raises(TypeError, match=r"^FailureDetails\.type must be a FailureType .* got a bytes$"):
        _models.FailureDetails(type=_bad(b"JobFailed"), message="m")
    with pytest.raises(TypeError, match=r"^Failure\.type must be a FailureType"):
        Failure("m", _bad(FailureType))


def _bad(value: Any) -> Any:
    """A value of the wrong type, on purpose (the type checker would refuse it)."""
    return value


#: Each value set and the Literal alias naming its known values.
LITERALS: list[tuple[type[ValueSet], Any]] = [
    (cls, getattr(codepipeline_jobs, f"{cls.__name__}Name")) for cls in VALUE_SETS
]


def test_every_value_set_is_listed_here() -> None:
    """VALUE_SETS is every value set of the package; each has its exported Literal alias.

    The value sets live beside the models that use them (`_values` holds the job's), so the
    package's public names are where to find them all.
    """
    found = {
        value for name in codepipeline_jobs.__all__
        if isinstance(value := getattr(codepipeline_jobs, name), type) and issubclass(value, ValueSet)
    }
    assert found - {ValueSet} == set(VALUE_SETS)
    for cls in VALUE_SETS:
        assert f"{cls.__name__}Name" in codepipeline_jobs.__all__
        module = sys.modules[cls.__module__]
        assert getattr(codepipeline_jobs, f"{cls.__name__}Name") is getattr(module, f"{cls.__name__}Name")


@pytest.mark.parametrize(("cls", "alias"), LITERALS, ids=lambda item: getattr(item, "__name__", ""))
def test_the_literal_and_the_enum_list_the_same_values(cls: type[ValueSet], alias: Any) -> None:
    """Each XName Literal spells exactly the known values of X, in the same order."""
    assert typing.get_origin(alias) is typing.Literal
    assert typing.get_args(alias) == tuple(member.value for member in cls)


@pytest.mark.parametrize(("cls", "alias"), LITERALS, ids=lambda item: getattr(item, "__name__", ""))
def test_every_literal_value_is_one_the_service_knows(cls: type[ValueSet], alias: Any) -> None:
    """A value that type-checks is one botocore's model lists, so the request rules let it through."""
    shape = strategies.service_model().shape_for(cls.__name__)
    assert set(typing.get_args(alias)) <= set(shape.enum)


# --- FrozenMap ------------------------------------------------------------------------------


def test_frozen_map_is_immutable() -> None:
    """A FrozenMap cannot be changed, and does not follow changes to its source."""
    source = {"a": "1"}
    frozen = FrozenMap(source)
    source["a"] = "2"
    assert frozen["a"] == "1"
    mutable: Any = frozen
    with pytest.raises(TypeError):
        mutable["b"] = "2"
    with pytest.raises(TypeError):
        del mutable["a"]
    with pytest.raises(AttributeError):
        mutable.update({"b": "2"})
    with pytest.raises(AttributeError):
        mutable.other = 1


def test_frozen_map_equality_hash_and_pickle() -> None:
    """A FrozenMap equals dicts with the same items, hashes by content and pickles."""
    frozen = FrozenMap({"a": "1", "b": "2"})
    assert frozen == {"b": "2", "a": "1"}
    assert frozen != {"a": "1"}
    assert frozen == FrozenMap({"b": "2", "a": "1"})
    assert hash(frozen) == hash(FrozenMap({"b": "2", "a": "1"}))
    assert len({frozen, FrozenMap({"a": "1", "b": "2"})}) == 1
    restored = pickle.loads(pickle.dumps(frozen))
    assert restored == frozen
    assert isinstance(restored, FrozenMap)
    assert dict(frozen) == {"a": "1", "b": "2"}
    assert list(frozen) == ["a", "b"]
    assert FrozenMap() == {}
    assert FrozenMap(None) == FrozenMap({})


def test_models_are_frozen_and_hashable() -> None:
    """Models cannot be changed and can be hashed, maps and tuples included."""
    job = structure(
        {"id": JOB_ID, "data": {"actionConfiguration": {"configuration": {"k": "v"}}, "inputArtifacts": []}},
        Job,
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        job.id = "other"  # type: ignore[misc]
    assert hash(job) == hash(
        structure({"id": JOB_ID, "data": {"actionConfiguration": {"configuration": {"k": "v"}}}}, Job)
    )
    assert isinstance(job.data.input_artifacts, tuple)


# --- secrets out of reprs -------------------------------------------------------------------

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEJr//////////SESSIONTOKEN=="
ACCESS_KEY = "ASIAQWERTYUIOPASDFGH"
CONFIG_VALUE = "hunter2-db-password"

_CREDS = AWSSessionCredentials(
    access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
)
_CONFIG = ActionConfiguration(configuration=FrozenMap({"Password": CONFIG_VALUE, "Region": "eu-west-1"}))

SECRET_HOLDERS: list[object] = [
    _CREDS,
    _CONFIG,
    JobData(artifact_credentials=_CREDS, action_configuration=_CONFIG),
    Job(id=JOB_ID, nonce="1", data=JobData(artifact_credentials=_CREDS, action_configuration=_CONFIG)),
    JobDetails(id=JOB_ID, data=JobData(artifact_credentials=_CREDS, action_configuration=_CONFIG)),
    ThirdPartyJobDetails(
        id="partner-job",
        data=ThirdPartyJobData(artifact_credentials=_CREDS, action_configuration=_CONFIG),
    ),
]


@pytest.mark.parametrize("model", SECRET_HOLDERS, ids=lambda model: type(model).__name__)
def test_reprs_carry_no_secret(model: object) -> None:
    """Secret keys, session tokens and configuration values never appear in repr() or str()."""
    for text in (repr(model), str(model), f"{model}", f"{model!r}"):
        assert SECRET_KEY not in text
        assert SESSION_TOKEN not in text
        assert ACCESS_KEY not in text
        assert CONFIG_VALUE not in text
        assert "eu-west-1" not in text


def test_reprs_keep_what_helps_debugging() -> None:
    """Reprs still show configuration keys and the access key prefix, masked."""
    text = repr(SECRET_HOLDERS[3])
    assert "'Password': '***'" in text
    assert "ASIA***" in text
    assert JOB_ID in text
    assert "secret_access_key='***'" in text


def test_secrets_survive_where_they_must() -> None:
    """Masking is only for display: the values themselves are intact, and pickle carries them."""
    job = SECRET_HOLDERS[3]
    assert isinstance(job, Job)
    restored = pickle.loads(pickle.dumps(job))
    assert restored == job
    assert restored.data.artifact_credentials is not None
    assert restored.data.artifact_credentials.secret_access_key == SECRET_KEY
    assert restored.data.action_configuration is not None
    assert restored.data.action_configuration.configuration["Password"] == CONFIG_VALUE


def test_action_type_id_example() -> None:
    """An ActionTypeId is built from its four members and compares by value."""
    built = ActionTypeId(category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="P", version="1")
    assert built == ActionTypeId(
        category=ActionCategory("Build"), owner=ActionOwner("Custom"), provider="P", version="1"
    )


# --- repr, eq and hash, shared by the models ---------------------------------------------------


def _attrs_own(cls: type[Any]) -> type[Any]:
    """A class with `cls`'s fields and name whose repr, eq and hash attrs generates itself."""
    fields = {a.name: attrs.field(repr=a.repr, kw_only=True) for a in attrs.fields(cls)}
    return attrs.make_class(cls.__name__, fields, frozen=True)


_ATTRS_OWN = {cls: _attrs_own(cls) for cls in MODEL_CLASSES}


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_models_repr_eq_and_hash_as_attrs_writes_them(cls: type[Any], data: st.DataObject) -> None:
    """The shared repr, == and hash of each model behave as the ones attrs generates."""
    own = _ATTRS_OWN[cls]
    model, other = data.draw(strategies.models(cls)), data.draw(strategies.models(cls))

    def as_own(value: object) -> object:
        return own(**{a.name: getattr(value, a.name) for a in attrs.fields(cls)})

    assert repr(model) == repr(as_own(model))
    assert (model == other) is (as_own(model) == as_own(other))
    assert (model != other) is (as_own(model) != as_own(other))
    twin = copy.deepcopy(model)
    assert twin == model
    assert not twin != model  # noqa: SIM202 - __ne__ is under test
    assert hash(twin) == hash(model)
    assert model != as_own(model)
    assert model.__eq__(object()) is NotImplemented


def test_models_say_what_attrs_would_have_added() -> None:
    """attrs.inspect reports the shared methods as added, and the models as hashable."""
    if not hasattr(attrs, "inspect"):
        pytest.skip("attrs.inspect needs attrs >= 25.4")
    for cls in MODEL_CLASSES:
        props = attrs.inspect(cls)
        assert props.added_repr
        assert props.added_eq
        assert props.hashability is props.Hashability.HASHABLE


def test_repr_of_an_object_inside_itself_stops() -> None:
    """A model that (by force) contains itself shows '...' there instead of recursing."""
    data = JobData()
    job = Job(id=JOB_ID, data=data)
    object.__setattr__(data, "continuation_token", job)  # building a cycle on purpose
    assert repr(job).endswith("continuation_token=..., encryption_key=None), nonce=None, account_id=None)")
    assert f"continuation_token=Job(id={JOB_ID!r}, data=..., nonce=None" in repr(data)


def test_frozen_map_reads_like_the_mapping_it_wraps() -> None:
    """get, `in` and == answer as a dict with the same items does."""
    config = FrozenMap({"a": "1"})
    assert config.get("a") == "1"
    assert config.get("b") is None
    assert config.get("b", "x") == "x"
    assert "a" in config
    assert "b" not in config
    assert config == {"a": "1"}
    assert config == FrozenMap({"a": "1"})
    assert config == MappingProxyType({"a": "1"})
    assert config != {"a": "2"}
    assert config != FrozenMap()
    assert config.__eq__(["a"]) is NotImplemented
    with pytest.raises(TypeError):
        config.get([])  # type: ignore[call-overload]


def test_every_public_shape_is_a_model_the_laws_cover() -> None:
    """Each public attrs class named after an API shape is in the model modules the tests walk.

    The models live in several modules (so a cold start creates only the job's classes); a class
    added to a new one, or missed by `tests.strategies.MODEL_CLASSES`, would escape every law.
    """
    import codepipeline_jobs

    not_shapes = {"Success", "Continuation", "Failure", "Health", "CustomAction", "JobContext"}
    public = {
        name
        for name in codepipeline_jobs.__all__
        if isinstance(cls := getattr(codepipeline_jobs, name), type) and attrs.has(cls)
    }
    covered = {cls.__name__ for cls in MODEL_CLASSES}
    assert public - not_shapes <= covered, sorted(public - not_shapes - covered)


@pytest.mark.parametrize(
    "given",
    [
        {"Password": CONFIG_VALUE, "Region": "eu-west-1"},
        MappingProxyType({"Password": CONFIG_VALUE, "Region": "eu-west-1"}),
        FrozenMap({"Password": CONFIG_VALUE, "Region": "eu-west-1"}),
        FrozenMap({"Password": CONFIG_VALUE, "Region": "eu-west-1"}, secret=False),
    ],
    ids=["dict", "mappingproxy", "FrozenMap", "FrozenMap-not-secret"],
)
def test_a_configuration_built_from_any_mapping_masks_its_values(given: Mapping[str, str]) -> None:
    """Built from a dict, as tests and the AWS docs write it, the map itself masks its values too.

    A job read from a reply always held a `FrozenMap`; one built by hand kept the dict, and
    ``log.info("%s", job.data.action_configuration.configuration)`` showed the secrets.
    """
    configuration = ActionConfiguration(configuration=given)
    held = configuration.configuration
    assert type(held) is FrozenMap
    assert held.secret
    assert held == {"Password": CONFIG_VALUE, "Region": "eu-west-1"}
    logged = "%s" % (held,)  # noqa: UP031 - as logging formats its arguments
    for text in (repr(held), str(held), f"{held}", f"{held!r}", logged, repr(configuration)):
        assert CONFIG_VALUE not in text
        assert "eu-west-1" not in text
        assert "'Password': '***'" in text


def test_a_configuration_that_is_not_a_mapping_is_refused() -> None:
    expected = r"^ActionConfiguration\.configuration must be a mapping, got a list$"
    with pytest.raises(TypeError, match=expected):
        ActionConfiguration(configuration=_bad([("Password", CONFIG_VALUE)]))
