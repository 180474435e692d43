"""Models: open value sets, FrozenMap, and secrets kept out of reprs."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import attrs
import pytest

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
    structure,
)
from tests.conftest import JOB_ID

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
