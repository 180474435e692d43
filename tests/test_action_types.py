"""Custom action types: every rule refused before sending, ensure's three cases, the fake's operations."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import TYPE_CHECKING, Any

import attrs
import botocore.exceptions
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionConfigurationProperty,
    ActionConfigurationPropertyTypeName,
    ActionType,
    ActionTypeConflictError,
    ActionTypeId,
    ActionTypeSettings,
    ArtifactDetails,
    JobStatus,
    Tag,
    ValidationError,
    acknowledge_job,
    aio,
    create_custom_action_type,
    delete_custom_action_type,
    ensure_custom_action_type,
    list_action_types,
    poll_for_jobs,
    put_job_success_result,
    structure,
    unstructure,
)
from codepipeline_jobs.testing import FakeCodePipeline

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient

ONE = ArtifactDetails(minimum_count=1, maximum_count=1)
NONE = ArtifactDetails(minimum_count=0, maximum_count=0)

# The example of the CodePipeline user guide ("Create a custom action"), as a CLI JSON file.
USER_GUIDE_DEFINITION: dict[str, Any] = {
    "category": "Build",
    "provider": "My-Build-Provider-Name",
    "version": "1",
    "settings": {
        "entityUrlTemplate": "https://my-build-instance/job/{Config:ProjectName}/",
        "executionUrlTemplate": (
            "https://my-build-instance/job/{Config:ProjectName}/lastSuccessfulBuild/{ExternalExecutionId}/"
        ),
    },
    "configurationProperties": [
        {
            "name": "ProjectName",
            "required": True,
            "key": True,
            "secret": False,
            "queryable": False,
            "description": (
                "The name of the build project must be provided when this action is added to the pipeline."
            ),
            "type": "String",
        }
    ],
    "inputArtifactDetails": {"maximumCount": 1, "minimumCount": 0},
    "outputArtifactDetails": {"maximumCount": 1, "minimumCount": 0},
}


def prop(name: str = "Target", **members: Any) -> ActionConfigurationProperty:
    """A property as users write one: required, not key, not secret unless said otherwise."""
    given: dict[str, Any] = {"required": True, "key": False, "secret": False, **members}
    return ActionConfigurationProperty(name=name, **given)


def declared(
    *,
    provider: str = "MyDeployer",
    version: str = "1",
    properties: tuple[ActionConfigurationProperty, ...] = (),
    settings: ActionTypeSettings | None = None,
    inputs: ArtifactDetails = ONE,
    outputs: ArtifactDetails = NONE,
    owner: str = "Custom",
) -> ActionType:
    """An action type declaration."""
    return ActionType(
        id=ActionTypeId(category="Deploy", owner=owner, provider=provider, version=version),  # type: ignore[arg-type]
        input_artifact_details=inputs,
        output_artifact_details=outputs,
        settings=settings,
        action_configuration_properties=properties,
    )


@pytest.fixture
def fake() -> FakeCodePipeline:
    """A fake with no action type registered."""
    return FakeCodePipeline()


@pytest.fixture
def fake_client(fake: FakeCodePipeline) -> CodePipelineClient:
    """A boto3 client the fake serves."""
    return fake.client()


# --- every rule, refused before sending ----------------------------------------------------

#: (what is wrong, the declaration, the member the error names, a phrase of its rule)
BROKEN: list[tuple[str, ActionType, str, str]] = [
    ("11 properties", declared(properties=tuple(prop(f"P{i}") for i in range(11))),
     "configurationProperties", "at most 10"),
    ("a name twice", declared(properties=(prop("Target"), prop("Target"))),
     "configurationProperties[1].name", "unique"),
    ("an empty name", declared(properties=(prop(""),)), "configurationProperties[0].name", "at least 1"),
    ("a 51-character name", declared(properties=(prop("N" * 51),)),
     "configurationProperties[0].name", "at most 50"),
    ("an empty description", declared(properties=(prop(description=""),)),
     "configurationProperties[0].description", "at least 1"),
    ("a 161-character description", declared(properties=(prop(description="d" * 161),)),
     "configurationProperties[0].description", "at most 160"),
    ("an unknown type", declared(properties=(prop(type="Float"),)),
     "configurationProperties[0].type", "String, Number, Boolean"),
    ("two queryable", declared(properties=(prop("A", queryable=True), prop("B", queryable=True))),
     "configurationProperties[1].queryable", "at most one"),
    ("a queryable optional", declared(properties=(prop(required=False, queryable=True),)),
     "configurationProperties[0].required", "must be required"),
    ("a queryable secret", declared(properties=(prop(secret=True, queryable=True),)),
     "configurationProperties[0].secret", "must not be secret"),
    ("a negative count", declared(inputs=ArtifactDetails(minimum_count=-1, maximum_count=1)),
     "inputArtifactDetails.minimumCount", "at least 0"),
    ("six artifacts", declared(outputs=ArtifactDetails(minimum_count=0, maximum_count=6)),
     "outputArtifactDetails.maximumCount", "at most 5"),
    ("minimum above maximum", declared(inputs=ArtifactDetails(minimum_count=2, maximum_count=1)),
     "inputArtifactDetails.minimumCount", "at most maximumCount"),
    ("an empty URL", declared(settings=ActionTypeSettings(third_party_configuration_url="")),
     "settings.thirdPartyConfigurationUrl", "at least 1"),
    ("a 2049-character template", declared(settings=ActionTypeSettings(entity_url_template="h" * 2049)),
     "settings.entityUrlTemplate", "at most 2048"),
    ("a template naming an undeclared property",
     declared(settings=ActionTypeSettings(entity_url_template="https://x/{Config:Nope}")),
     "settings.entityUrlTemplate", "names no declared configuration property"),
    ("a template naming an optional property",
     declared(properties=(prop(required=False),),
              settings=ActionTypeSettings(execution_url_template="https://x/{Config:Target}")),
     "settings.executionUrlTemplate", "required, non-secret"),
    ("a template naming a secret property",
     declared(properties=(prop(secret=True),),
              settings=ActionTypeSettings(revision_url_template="https://x/{Config:Target}")),
     "settings.revisionUrlTemplate", "required, non-secret"),
    ("a provider with a space", declared(provider="My Deployer"), "provider", "must match"),
    ("a 36-character provider", declared(provider="P" * 36), "provider", "at most 35"),
    ("a 10-character version", declared(version="1234567890"), "version", "at most 9"),
    ("a version with a dot", declared(version="1.0"), "version", "must match"),
    ("owner ThirdParty", declared(owner="ThirdParty"), "actionType.id.owner", "only owner 'Custom'"),
    ("owner AWS", declared(owner="AWS"), "actionType.id.owner", "only owner 'Custom'"),
]


@pytest.mark.parametrize(("case", "action_type", "member", "rule"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_rule_is_refused_before_sending(
    fake: FakeCodePipeline, fake_client: CodePipelineClient,
    case: str, action_type: ActionType, member: str, rule: str,
) -> None:
    """ensure_custom_action_type names the member and the rule; nothing is sent, not even the look-up."""
    del case
    with pytest.raises(ValidationError) as caught:
        ensure_custom_action_type(fake_client, action_type)
    assert caught.value.parameter == member
    assert rule in caught.value.rule
    assert fake.calls == []


@pytest.mark.parametrize(
    ("tag", "member", "rule"),
    [
        (Tag(key="", value="v"), "tags[0].key", "at least 1"),
        (Tag(key="k" * 129, value="v"), "tags[0].key", "at most 128"),
        (Tag(key="k", value="v" * 257), "tags[0].value", "at most 256"),
    ],
)
def test_a_broken_tag_is_refused_before_sending(
    fake: FakeCodePipeline, fake_client: CodePipelineClient, tag: Tag, member: str, rule: str
) -> None:
    """Tag keys are 1-128 characters and values 0-256; nothing is sent otherwise."""
    with pytest.raises(ValidationError) as caught:
        ensure_custom_action_type(fake_client, declared(), tags=[tag])
    assert (caught.value.parameter, rule in caught.value.rule) == (member, True)
    with pytest.raises(ValidationError) as caught:
        create_custom_action_type(
            fake_client, "Deploy", "MyDeployer", "1",
            input_artifact_details=ONE, output_artifact_details=NONE, tags=[tag],
        )
    assert (caught.value.parameter, rule in caught.value.rule) == (member, True)
    assert fake.calls == []


def test_the_edges_of_every_limit_pass(fake: FakeCodePipeline, fake_client: CodePipelineClient) -> None:
    """10 properties, 50-character names, 160-character descriptions, counts 0-5, 2048-char URLs pass."""
    properties = (
        prop("N" * 50, key=True, queryable=True, description="d" * 160, type="Number"),
        *(prop(f"P{i}", required=False, secret=True, type="Boolean") for i in range(9)),
    )
    action_type = declared(
        provider="P" * 35,
        version="v_-123456"[:9],
        properties=properties,
        inputs=ArtifactDetails(minimum_count=0, maximum_count=5),
        outputs=ArtifactDetails(minimum_count=5, maximum_count=5),
        settings=ActionTypeSettings(
            third_party_configuration_url="h" * 2048,
            entity_url_template="https://x/{Config:" + "N" * 50 + "}",
            execution_url_template="https://x/{ExternalExecutionId}",
        ),
    )
    registered = ensure_custom_action_type(fake_client, action_type, tags=[Tag(key="k" * 128, value="")])
    assert registered == action_type
    assert fake.calls == ["ListActionTypes", "CreateCustomActionType"]
    assert fake.action_type_tags(action_type.id) == {"k" * 128: ""}


def test_the_user_guide_definition_registers(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """The user guide's JSON, read as the models, is registered with create_custom_action_type as written."""
    doc = USER_GUIDE_DEFINITION
    created = create_custom_action_type(
        fake_client,
        doc["category"],
        doc["provider"],
        doc["version"],
        settings=structure(doc["settings"], ActionTypeSettings),
        configuration_properties=[
            structure(p, ActionConfigurationProperty) for p in doc["configurationProperties"]
        ],
        input_artifact_details=structure(doc["inputArtifactDetails"], ArtifactDetails),
        output_artifact_details=structure(doc["outputArtifactDetails"], ArtifactDetails),
    )
    assert created.id.owner == "Custom"
    assert unstructure(created.settings) == doc["settings"]
    assert [unstructure(p) for p in created.action_configuration_properties] == doc["configurationProperties"]
    assert list_action_types(fake_client) == [created]


# --- ensure: absent, identical, different --------------------------------------------------

TARGET = declared(
    properties=(prop("Target", key=True, queryable=True), prop("Token", required=False, secret=True)),
    settings=ActionTypeSettings(entity_url_template="https://deploy.example/{Config:Target}"),
)


def test_ensure_creates_an_absent_type_then_only_looks_it_up(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Absent: looked up, then created. Present and identical: the look-up is all that is sent."""
    assert ensure_custom_action_type(fake_client, TARGET, tags=[Tag(key="team", value="deploy")]) == TARGET
    assert fake.calls == ["ListActionTypes", "CreateCustomActionType"]
    assert ensure_custom_action_type(fake_client, TARGET) == TARGET
    assert fake.calls == ["ListActionTypes", "CreateCustomActionType", "ListActionTypes"]
    assert fake.action_types() == [TARGET]


def test_ensure_refuses_a_changed_definition_naming_each_member(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A registered type that differs: ActionTypeConflictError names each member; nothing is created."""
    ensure_custom_action_type(fake_client, TARGET)
    changed = attrs.evolve(
        TARGET,
        input_artifact_details=ArtifactDetails(minimum_count=0, maximum_count=1),
        action_configuration_properties=(
            prop("Target", key=True, queryable=True),
            prop("Token", required=False, secret=False),
            prop("Region", required=False),
        ),
    )
    with pytest.raises(ActionTypeConflictError) as caught:
        ensure_custom_action_type(fake_client, changed)
    assert caught.value.differences == (
        "inputArtifactDetails.minimumCount",
        "configurationProperties[Token].secret",
        "configurationProperties[Region]",
    )
    assert "needs a new version" in str(caught.value)
    assert "Deploy/MyDeployer/1" in str(caught.value)
    assert fake.calls == ["ListActionTypes", "CreateCustomActionType", "ListActionTypes"]
    assert fake.action_types() == [TARGET]


def test_ensure_registers_a_new_version_beside_the_old(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """The way out of a conflict: the changed definition under a new version is created."""
    ensure_custom_action_type(fake_client, TARGET)
    version_2 = attrs.evolve(TARGET, id=attrs.evolve(TARGET.id, version="2"), output_artifact_details=ONE)
    assert ensure_custom_action_type(fake_client, version_2) == version_2
    assert fake.action_types() == [TARGET, version_2]


_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,49}", fullmatch=True)
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=160)
_TYPES: list[ActionConfigurationPropertyTypeName] = ["String", "Number", "Boolean"]


@st.composite
def definitions(draw: st.DrawFn) -> ActionType:
    """Any valid custom action type."""
    names = draw(st.lists(_NAMES, max_size=10, unique_by=str.lower))
    queryable = draw(st.sampled_from([None, *names])) if names else None
    properties: list[ActionConfigurationProperty] = []
    for name in names:
        required = draw(st.booleans()) or name == queryable
        properties.append(ActionConfigurationProperty(
            name=name,
            required=required,
            key=draw(st.booleans()),
            secret=False if name == queryable else draw(st.booleans()),
            queryable=True if name == queryable else draw(st.sampled_from([None, False])),
            description=draw(st.none() | _TEXT),
            type=draw(st.none() | st.sampled_from(_TYPES)),
        ))
    counts = [draw(st.tuples(st.integers(0, 5), st.integers(0, 5)).map(sorted)) for _ in range(2)]
    url = st.none() | st.from_regex(r"https://[a-z]{1,20}\.example/[a-z]{0,20}", fullmatch=True)
    return ActionType(
        id=ActionTypeId(
            category=draw(st.sampled_from(["Source", "Build", "Deploy", "Test", "Invoke", "Approval"])),
            owner="Custom",
            provider=draw(st.from_regex(r"[0-9A-Za-z_-]{1,35}", fullmatch=True)),
            version=draw(st.from_regex(r"[0-9A-Za-z_-]{1,9}", fullmatch=True)),
        ),
        input_artifact_details=ArtifactDetails(minimum_count=counts[0][0], maximum_count=counts[0][1]),
        output_artifact_details=ArtifactDetails(minimum_count=counts[1][0], maximum_count=counts[1][1]),
        settings=draw(st.none() | st.builds(
            ActionTypeSettings, third_party_configuration_url=url, entity_url_template=url
        ).filter(lambda s: s != ActionTypeSettings())),
        action_configuration_properties=tuple(properties),
    )


PROPERTIES = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTIES
@given(definition=definitions())
def test_ensure_twice_creates_once(definition: ActionType) -> None:
    """Any valid definition: ensure twice sends one create, and both calls return the definition."""
    fake = FakeCodePipeline()
    client = fake.client()
    assert ensure_custom_action_type(client, definition) == definition
    assert ensure_custom_action_type(client, definition) == definition
    assert fake.calls.count("CreateCustomActionType") == 1
    assert list_action_types(client, action_owner_filter="Custom") == [definition]


def _changed(definition: ActionType, which: int) -> tuple[ActionType, str]:
    """The definition with one member changed, and that member's name."""
    outputs = definition.output_artifact_details
    if which == 0:
        if outputs.maximum_count < 5:
            return attrs.evolve(definition, output_artifact_details=attrs.evolve(
                outputs, maximum_count=outputs.maximum_count + 1
            )), "outputArtifactDetails.maximumCount"
        return attrs.evolve(definition, output_artifact_details=attrs.evolve(
            outputs, minimum_count=outputs.minimum_count - 1 if outputs.minimum_count else 1
        )), "outputArtifactDetails.minimumCount"
    if which == 1:
        settings_ = definition.settings or ActionTypeSettings()
        url = "https://changed.example/" + ("x" if settings_.third_party_configuration_url else "")
        changed_settings = attrs.evolve(settings_, third_party_configuration_url=url)
        return attrs.evolve(definition, settings=changed_settings), "settings.thirdPartyConfigurationUrl"
    properties = definition.action_configuration_properties
    if properties:
        first = properties[0]
        description = "changed" if first.description != "changed" else "other"
        return attrs.evolve(definition, action_configuration_properties=(
            attrs.evolve(first, description=description), *properties[1:]
        )), f"configurationProperties[{first.name}].description"
    return attrs.evolve(definition, action_configuration_properties=(prop("Added"),)), (
        "configurationProperties[Added]"
    )


@PROPERTIES
@given(definition=definitions(), which=st.integers(0, 2))
def test_a_changed_member_is_a_conflict_naming_it(definition: ActionType, which: int) -> None:
    """Registered, then declared with one member changed: ActionTypeConflictError names that member."""
    fake = FakeCodePipeline()
    client = fake.client()
    ensure_custom_action_type(client, definition)
    changed, member = _changed(definition, which)
    with pytest.raises(ActionTypeConflictError) as caught:
        ensure_custom_action_type(client, changed)
    assert caught.value.differences == (member,)
    assert fake.calls.count("CreateCustomActionType") == 1


@pytest.mark.skipif(importlib.util.find_spec("aiobotocore") is None, reason="needs the aio extra")
def test_the_async_calls_do_the_same(fake: FakeCodePipeline) -> None:
    """aio: ensure creates once, list reads every page, delete deletes."""

    async def main() -> None:
        async with fake.aio_client() as client:
            assert await aio.ensure_custom_action_type(client, TARGET) == TARGET
            assert await aio.ensure_custom_action_type(client, TARGET) == TARGET
            for version in "23456789":
                await aio.create_custom_action_type(
                    client, "Deploy", "MyDeployer", version,
                    input_artifact_details=ONE, output_artifact_details=NONE,
                )
            assert len(await aio.list_action_types(client)) == 9
            await aio.delete_custom_action_type(client, "Deploy", "MyDeployer", "9")
            assert len(await aio.list_action_types(client, action_owner_filter="Custom")) == 8

    asyncio.run(main())
    assert fake.calls.count("CreateCustomActionType") == 9


# --- the fake's operations ------------------------------------------------------------------


def test_list_reads_every_page() -> None:
    """25 types with 10 per page: three ListActionTypes requests, every type once, in order."""
    fake = FakeCodePipeline(action_types_page_size=10)
    client = fake.client()
    for index in range(25):
        create_custom_action_type(
            client, "Build", f"Provider{index}", "1", input_artifact_details=ONE, output_artifact_details=ONE
        )
    listed = list_action_types(client)
    assert [t.id.provider for t in listed] == [f"Provider{i}" for i in range(25)]
    assert fake.calls.count("ListActionTypes") == 3
    assert list_action_types(client, action_owner_filter="AWS") == []


def test_a_bad_next_token_is_the_service_error(fake_client: CodePipelineClient) -> None:
    """A nextToken the fake never handed out is InvalidNextTokenException, as from the service."""
    with pytest.raises(fake_client.exceptions.InvalidNextTokenException):
        fake_client.list_action_types(nextToken="made-up")


def test_the_fifty_first_type_is_over_the_quota(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """50 custom types per Region: the 51st is LimitExceededException."""
    for index in range(50):
        fake.register_action_type(declared(provider=f"P{index}"))
    with pytest.raises(fake_client.exceptions.LimitExceededException):
        create_custom_action_type(
            fake_client, "Deploy", "P50", "1", input_artifact_details=ONE, output_artifact_details=NONE
        )


def test_a_deleted_version_comes_back_only_identical(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """After a delete, polls fail; the identical definition restores it, a changed one is refused."""
    ensure_custom_action_type(fake_client, TARGET)
    delete_custom_action_type(fake_client, "Deploy", "MyDeployer", "1")
    assert list_action_types(fake_client) == []
    with pytest.raises(fake_client.exceptions.ActionTypeNotFoundException):
        poll_for_jobs(fake_client, TARGET.id)
    changed = attrs.evolve(TARGET, output_artifact_details=ONE)
    with pytest.raises(fake_client.exceptions.ValidationException, match="use a new version"):
        ensure_custom_action_type(fake_client, changed)
    assert ensure_custom_action_type(fake_client, TARGET) == TARGET
    assert poll_for_jobs(fake_client, TARGET.id) == []


# --- strictness -------------------------------------------------------------------------------


def test_a_fake_without_registered_types_polls_anything(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """Tests that never register a type are untouched: any custom type polls, any job is added."""
    job_id = fake.add_job(TARGET.id, configuration={"Anything": "goes"})
    [job] = poll_for_jobs(fake_client, TARGET.id, query_param={"Anything": "goes"})
    assert job.id == job_id


def test_once_a_type_is_registered_unknown_types_are_not_found(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """After the first registration, a poll for an unregistered custom type is ActionTypeNotFoundException."""
    fake.register_action_type(TARGET)
    other = attrs.evolve(TARGET.id, provider="Other")
    with pytest.raises(fake_client.exceptions.ActionTypeNotFoundException):
        poll_for_jobs(fake_client, other)
    with pytest.raises(ValueError, match="not registered with the fake"):
        fake.add_job(other)
    assert fake.calls == ["PollForJobs"]


@pytest.mark.parametrize(("strict", "refused"), [(True, True), (False, False)])
def test_strictness_can_be_set(strict: bool, refused: bool) -> None:
    """strict_action_types=True refuses unregistered types from the start; False never does."""
    fake = FakeCodePipeline(strict_action_types=strict)
    client = fake.client()
    if not strict:
        fake.register_action_type(TARGET)
    other = attrs.evolve(TARGET.id, provider="Other")
    if refused:
        with pytest.raises(client.exceptions.ActionTypeNotFoundException):
            poll_for_jobs(client, other)
    else:
        assert poll_for_jobs(client, other) == []


@pytest.mark.parametrize(
    ("configuration", "problem"),
    [
        ({}, "'Target' of Deploy/MyDeployer/1 is required"),
        ({"Target": ""}, "1-1000 characters"),
        ({"Target": "prod", "Token": "t" * 1001}, "1-1000 characters"),
        ({"Target": "has spaces"}, "queryable"),
        ({"Target": "t" * 21}, "queryable"),
        ({"Target": "prod", "Undeclared": "x"}, "not a property"),
    ],
)
def test_jobs_of_a_registered_type_are_checked(
    fake: FakeCodePipeline, configuration: dict[str, str], problem: str
) -> None:
    """Required present, values 1-1000 characters, the queryable value 1-20 of [A-Za-z0-9_-], no strangers."""
    fake.register_action_type(TARGET)
    with pytest.raises(ValueError, match=problem):
        fake.add_job(TARGET.id, configuration=configuration)


def test_a_query_param_must_name_the_queryable_property(
    fake: FakeCodePipeline, fake_client: CodePipelineClient
) -> None:
    """A registered type is polled by its queryable property; another key is ValidationException."""
    fake.register_action_type(TARGET)
    job_id = fake.add_job(TARGET.id, configuration={"Target": "prod-1", "Token": "s3cr3t"})
    with pytest.raises(fake_client.exceptions.ValidationException, match="not the queryable"):
        poll_for_jobs(fake_client, TARGET.id, query_param={"Token": "s3cr3t"})
    [job] = poll_for_jobs(fake_client, TARGET.id, query_param={"Target": "prod-1"})
    assert job.id == job_id
    assert acknowledge_job(fake_client, job.id, job.nonce or "") == JobStatus.IN_PROGRESS
    put_job_success_result(fake_client, job.id)
    assert fake.job(job_id).status == JobStatus.SUCCEEDED


def test_register_action_type_checks_the_rules_and_sends_nothing(fake: FakeCodePipeline) -> None:
    """fake.register_action_type applies the same rules, records no call, and refuses a changed definition."""
    with pytest.raises(ValidationError):
        fake.register_action_type(declared(properties=(prop(), prop())))
    fake.register_action_type(TARGET)
    fake.register_action_type(TARGET)
    with pytest.raises(ValueError, match="another definition"):
        fake.register_action_type(attrs.evolve(TARGET, output_artifact_details=ONE))
    assert fake.calls == []


def test_a_raw_client_breaking_a_rule_gets_validation_exception(fake_client: CodePipelineClient) -> None:
    """The fake checks a raw boto3 request with the same rules: a duplicate name is ValidationException."""
    with pytest.raises(botocore.exceptions.ClientError, match="must be unique"):
        fake_client.create_custom_action_type(
            category="Build", provider="P", version="1",
            inputArtifactDetails={"minimumCount": 0, "maximumCount": 0},
            outputArtifactDetails={"minimumCount": 0, "maximumCount": 0},
            configurationProperties=[
                {"name": "A", "required": True, "key": False, "secret": False},
                {"name": "A", "required": True, "key": False, "secret": False},
            ],
        )


def test_a_next_token_that_comes_back_is_an_error(client: CodePipelineClient) -> None:
    """A service handing out the same nextToken twice would make list_action_types loop forever."""
    from botocore.stub import Stubber

    from codepipeline_jobs import MalformedResponseError

    with Stubber(client) as stubber:
        stubber.add_response("list_action_types", {"actionTypes": [], "nextToken": "again"}, {})
        stubber.add_response("list_action_types", {"actionTypes": [], "nextToken": "again"},
                             {"nextToken": "again"})
        with pytest.raises(MalformedResponseError, match=r"^nextToken: the same token came back twice"):
            list_action_types(client)
