"""Models: open value sets, FrozenMap, and secrets kept out of reprs."""

from __future__ import annotations

import copy
import json
import pickle
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
    structure,
)
from tests import strategies
from tests.conftest import JOB_ID

MODEL_CLASSES = [cls for name in _models.__all__ if attrs.has(cls := getattr(_models, name))]

VALUE_SETS: list[type[ValueSet]] = [
    ActionCategory,
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
