"""A poll found to keep every rule is not checked again; nothing else gets through because of it."""

from __future__ import annotations

import copy
import functools
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import botocore.loaders
import botocore.model
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionTypeId,
    NotCustomActionError,
    NotThirdPartyActionError,
    ValidationError,
    poll_for_jobs,
    poll_for_third_party_jobs,
)
from codepipeline_jobs._calls import Calls
from codepipeline_jobs._rules import (
    _known_good,  # pyright: ignore[reportPrivateUsage] - the memory itself is what is tested
    _validate,  # pyright: ignore[reportPrivateUsage] - the full check, to compare with
    default_service_model,
    validate_request,
)
from tests.conftest import JOB_ID, RawReply, json_reply

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_codepipeline import CodePipelineClient

#: A custom action type as the AWS docs write it: plain strings.
PLAIN = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")
WIRE = {"category": "Build", "owner": "Custom", "provider": "MyBuilder", "version": "1"}


def _bad(value: Any) -> Any:
    """A value of the wrong type, on purpose (the type checker would refuse it)."""
    return value


def _outcome(check: Callable[[], object]) -> tuple[type[BaseException], str, str] | None:
    """What a check does: ``None`` when it passes, else the error's class, parameter and rule."""
    try:
        check()
    except ValidationError as exc:
        return type(exc), exc.parameter, exc.rule
    return None


@pytest.fixture
def polled(client: CodePipelineClient, raw_reply: RawReply) -> list[Any]:
    """`client` answers every poll with no jobs; the list records what was sent."""
    return raw_reply(json_reply({"jobs": []}), 200)


def test_the_same_poll_is_sent_again(client: CodePipelineClient, polled: list[Any]) -> None:
    """A worker's poll, sent again and again, is sent every time (and reads its reply)."""
    for _ in range(3):
        assert poll_for_jobs(client, PLAIN, max_batch_size=5) == []
    assert len(polled) == 3


@pytest.mark.parametrize(
    ("action", "parameter", "error"),
    [
        (ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1.0"),
         "actionTypeId.version", ValidationError),
        (ActionTypeId(category="Build", owner="Custom", provider="My Builder", version="1"),
         "actionTypeId.provider", ValidationError),
        (ActionTypeId(category="Build", owner="Custom", provider="MyBuilder" * 4, version="1"),
         "actionTypeId.provider", ValidationError),
        (ActionTypeId(category="Build", owner="Custom", provider="", version="1"),
         "actionTypeId.provider", ValidationError),
        (ActionTypeId(category=_bad("Compile"), owner="Custom", provider="MyBuilder", version="1"),
         "actionTypeId.category", ValidationError),
        (ActionTypeId(category=_bad("build"), owner="Custom", provider="MyBuilder", version="1"),
         "actionTypeId.category", ValidationError),
        (ActionTypeId(category="Build", owner="ThirdParty", provider="MyBuilder", version="1"),
         "actionTypeId.owner", NotCustomActionError),
        (ActionTypeId(category="Build", owner="AWS", provider="MyBuilder", version="1"),
         "actionTypeId.owner", NotCustomActionError),
        (ActionTypeId(category="Build", owner="Custom", provider=_bad(1), version="1"),
         "actionTypeId.provider", ValidationError),
        (ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version=_bad(1)),
         "actionTypeId.version", ValidationError),
    ],
)
def test_a_remembered_poll_lets_no_mistake_through(
    client: CodePipelineClient, polled: list[Any], action: ActionTypeId, parameter: str,
    error: type[ValidationError],
) -> None:
    """After good polls, each mistake is still refused, every time, naming it; nothing is sent."""
    poll_for_jobs(client, PLAIN)
    poll_for_jobs(client, PLAIN)
    for _ in range(2):  # a refusal is never remembered: raised afresh, the same each time
        with pytest.raises(error) as caught:
            poll_for_jobs(client, action)
        assert type(caught.value) is error
        assert caught.value.parameter == parameter
    assert len(polled) == 2


def test_true_is_not_a_remembered_one(client: CodePipelineClient, polled: list[Any]) -> None:
    """``True == 1`` and they hash alike, yet after a poll for 1 job, ``True`` is refused."""
    poll_for_jobs(client, PLAIN, max_batch_size=1)
    with pytest.raises(ValidationError, match="must be an integer, got a bool") as caught:
        poll_for_jobs(client, PLAIN, max_batch_size=_bad(True))
    assert caught.value.parameter == "maxBatchSize"
    for wrong, rule in ((0, "at least 1"), (_bad(1.0), "integer"), (_bad("1"), "integer")):
        with pytest.raises(ValidationError, match=rule):
            poll_for_jobs(client, PLAIN, max_batch_size=wrong)
    assert len(polled) == 1


def test_a_remembered_query_param_lets_no_mistake_through(
    client: CodePipelineClient, polled: list[Any]
) -> None:
    """After a poll with a query parameter, a bad or second entry is still refused."""
    poll_for_jobs(client, PLAIN, query_param={"Stage": "prod"})
    for wrong in ({"Stage": "prod", "Team": "a"}, {"Stage": "prod!"}, {"Stage": ""}, _bad({"Stage": 1})):
        with pytest.raises(ValidationError) as caught:
            poll_for_jobs(client, PLAIN, query_param=wrong)
        assert caught.value.parameter.startswith("queryParam")
    assert len(polled) == 1


def test_a_poll_is_remembered_for_its_own_operation(
    client: CodePipelineClient, polled: list[Any]
) -> None:
    """A custom type's poll that passed PollForJobs is still refused by PollForThirdPartyJobs."""
    poll_for_jobs(client, PLAIN)
    with pytest.raises(NotThirdPartyActionError):
        poll_for_third_party_jobs(client, PLAIN)
    partner = ActionTypeId(category="Test", owner="ThirdParty", provider="Partner", version="2")
    poll_for_third_party_jobs(client, partner)
    with pytest.raises(NotCustomActionError):
        poll_for_jobs(client, partner)
    assert len(polled) == 2


class _Lying(str):
    """A string that says it equals, and hashes as, a good provider name."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return hash("MyBuilder")


def test_a_value_that_claims_to_be_a_remembered_one_is_checked() -> None:
    """Only exact types are remembered: a str subclass is checked in full, whatever it claims."""
    validate_request("PollForJobs", {"actionTypeId": dict(WIRE)})
    liar = {"actionTypeId": {**WIRE, "provider": _Lying("x" * 40)}}
    with pytest.raises(ValidationError, match="at most 35 characters") as caught:
        validate_request("PollForJobs", liar)
    assert caught.value.parameter == "actionTypeId.provider"


def test_requests_of_other_kinds_are_checked_every_time() -> None:
    """Mappings of their own, dict subclasses and lists are never remembered, and are checked."""
    good = {"actionTypeId": dict(WIRE)}
    validate_request("PollForJobs", good)
    kept = _known_good(default_service_model())
    assert kept is not None
    before = set(kept)
    validate_request("PollForJobs", OrderedDict(good))
    validate_request("PollForJobs", {"actionTypeId": OrderedDict(WIRE)})
    assert set(kept) == before
    with pytest.raises(ValidationError, match="must be an object, got a list"):
        validate_request("PollForJobs", {"actionTypeId": _bad([WIRE])})
    with pytest.raises(NotCustomActionError):
        validate_request("PollForJobs", OrderedDict(actionTypeId={**WIRE, "owner": "ThirdParty"}))


def test_a_changed_request_is_checked_again() -> None:
    """What is remembered is the content, not the object: a request changed in place is checked."""
    call = Calls.poll_for_jobs(PLAIN, max_batch_size=2)
    call.validate()
    call.params["maxBatchSize"] = 0
    with pytest.raises(ValidationError, match="at least 1"):
        call.validate()
    call.params["maxBatchSize"] = 2
    call.params["actionTypeId"]["owner"] = "ThirdParty"
    with pytest.raises(NotCustomActionError):
        call.validate()


def _model_with(shape_name: str, **metadata: Any) -> Any:
    loader: Any = botocore.loaders.create_loader()
    raw = copy.deepcopy(loader.load_service_model("codepipeline", "service-2"))
    raw["shapes"][shape_name].update(metadata)
    return botocore.model.ServiceModel(raw, "codepipeline")


def test_a_poll_is_remembered_for_one_model() -> None:
    """A poll that kept the rules of one model is checked in full against another."""
    params = {"actionTypeId": dict(WIRE), "maxBatchSize": 50}
    validate_request("PollForJobs", params)
    validate_request("PollForJobs", params)
    tighter = _model_with("MaxBatchSize", max=10)
    with pytest.raises(ValidationError, match="at most 10") as caught:
        validate_request("PollForJobs", params, service_model=tighter)
    assert caught.value.parameter == "maxBatchSize"
    shorter = _model_with("ActionProvider", max=5)
    with pytest.raises(ValidationError, match="at most 5 characters"):
        validate_request("PollForJobs", params, service_model=shorter)


def test_a_model_that_cannot_be_a_key_is_checked_every_time() -> None:
    """A model that is not hashable (a test double, say) still gets every rule checked."""

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __init__(self) -> None:
            self.model = default_service_model()

        def operation_model(self, name: str) -> Any:
            return self.model.operation_model(name)

    model = Unhashable()
    params = {"actionTypeId": dict(WIRE)}
    validate_request("PollForJobs", params, service_model=model)
    with pytest.raises(NotCustomActionError):
        validate_request("PollForJobs", {"actionTypeId": {**WIRE, "owner": "AWS"}}, service_model=model)


def test_what_is_remembered_is_bounded_and_holds_no_secret() -> None:
    """At most 64 polls per model; reports and other job calls (client tokens) are never kept."""
    model = _model_with("ActionProvider")
    for index in range(200):
        validate_request("PollForJobs", {"actionTypeId": {**WIRE, "provider": f"P{index}"}},
                         service_model=model)
        kept = _known_good(model)
        assert kept is not None
        assert 0 < len(kept) <= 64
    token = "secret-client-token"
    validate_request("AcknowledgeThirdPartyJob", {"jobId": JOB_ID, "nonce": "1", "clientToken": token},
                     service_model=model)
    validate_request("GetThirdPartyJobDetails", {"jobId": JOB_ID, "clientToken": token},
                     service_model=model)
    kept = _known_good(model)
    assert kept is not None
    assert token not in repr(kept)
    assert all(operation in ("PollForJobs", "PollForThirdPartyJobs") for operation, _ in kept)


_TEXT = st.sampled_from(["Build", "Test", "Custom", "ThirdParty", "AWS", "MyBuilder", "1", "", "x" * 36,
                         "a b", "Deploy", "Source", "v_1-2", "build"])
_VALUE = st.one_of(_TEXT, st.integers(-1, 101), st.booleans(), st.none(), st.floats(0, 2))


@st.composite
def _polls(draw: st.DrawFn) -> dict[str, Any]:
    """PollForJobs requests, good and bad, as a user's mistakes make them."""
    action = {name: draw(_VALUE if draw(st.integers(0, 9)) == 0 else _TEXT)
              for name in draw(st.permutations(["category", "owner", "provider", "version"]))}
    params: dict[str, Any] = {"actionTypeId": action}
    if draw(st.booleans()):
        params["maxBatchSize"] = draw(_VALUE)
    if draw(st.booleans()):
        params["queryParam"] = draw(st.dictionaries(_TEXT, _VALUE, max_size=2))
    return params


@settings(max_examples=300, deadline=None)
@given(requests=st.lists(st.tuples(st.sampled_from(["PollForJobs", "PollForThirdPartyJobs"]), _polls()),
                         min_size=1, max_size=6))
def test_remembering_never_changes_an_outcome(requests: list[tuple[str, dict[str, Any]]]) -> None:
    """Whatever was checked before, each poll passes or fails exactly as the full check says."""
    model = default_service_model()
    for operation, params in [*requests, *requests]:
        expected = _outcome(functools.partial(_validate, model, operation, params))
        assert _outcome(functools.partial(validate_request, operation, params)) == expected


def test_a_deep_or_circular_query_param_is_refused_with_its_path(client: CodePipelineClient) -> None:
    """Nesting no poll has (or a dict that holds itself) is checked in full, not walked forever."""
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(3000):
        inner["a"] = {}
        inner = inner["a"]
    circular: dict[str, Any] = {}
    circular["a"] = circular
    action = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")
    for value in (deep, circular):
        with pytest.raises(ValidationError, match=r"must be a string, got a dict") as caught:
            poll_for_jobs(client, action, query_param={"k": _bad(value)})
        assert caught.value.parameter == "queryParam['k']"
