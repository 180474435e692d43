"""Typed configuration and the declared action: derivation, reading, errors without values, every runtime."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionConfiguration,
    ActionConfigurationProperty,
    ArtifactDetails,
    CustomAction,
    FailureType,
    InvalidConfigurationError,
    Job,
    JobData,
    JobStatus,
    ValidationError,
    aio,
    config_class,
    config_property,
    configuration_properties,
    ensure_custom_action_type,
    read_configuration,
    read_user_parameters,
)
from codepipeline_jobs.aws_lambda import job_handler
from codepipeline_jobs.testing import LAMBDA_INVOKE, FakeCodePipeline
from codepipeline_jobs.worker import JobWorker, Outcome, Success

JOB_ID = "11111111-2222-4333-8444-555555555555"
SECRET = "tok-hunter2-s3cr3t"
FAST: dict[str, Any] = {"poll_interval_min": 0.01, "poll_interval_max": 0.05, "retry_delay": 0.01}


@config_class
class DeployConfig:
    """The configuration of a deploy action."""

    target: str = config_property("Target", key=True, queryable=True, description="Where to deploy")
    token: str = config_property("Token", secret=True)
    retries: int = config_property("Retries", default=3)
    dry_run: bool = config_property("DryRun", default=False)


DEPLOY = CustomAction(
    category="Deploy",
    provider="MyDeployer",
    version="1",
    configuration=DeployConfig,
    input_artifacts=ArtifactDetails(minimum_count=1, maximum_count=1),
)


def job_with(configuration: dict[str, str]) -> Job:
    """A job whose action has this configuration."""
    return Job(
        id=JOB_ID,
        data=JobData(action_configuration=ActionConfiguration(configuration=configuration)),
    )


# --- deriving the properties ----------------------------------------------------------------


def test_the_properties_come_from_the_class() -> None:
    """str/int/bool are String/Number/Boolean; no default means required; key, secret, queryable carried."""
    assert configuration_properties(DeployConfig) == (
        ActionConfigurationProperty(
            name="Target", required=True, key=True, secret=False, queryable=True,
            description="Where to deploy", type="String",
        ),
        ActionConfigurationProperty(name="Token", required=True, key=False, secret=True, type="String"),
        ActionConfigurationProperty(name="Retries", required=False, key=False, secret=False, type="Number"),
        ActionConfigurationProperty(name="DryRun", required=False, key=False, secret=False, type="Boolean"),
    )
    assert DEPLOY.queryable_property == "Target"
    assert DEPLOY.secret_properties == {"Token"}
    assert DEPLOY.action_type_id.owner == "Custom"


def test_a_plain_attrs_class_works_too() -> None:
    """config_property inside @attrs.frozen (not config_class) derives and reads the same way."""

    @attrs.frozen(kw_only=True)
    class Plain:
        name: str = config_property("Name")
        count: int = config_property("Count", default=1)

    assert [p.name for p in configuration_properties(Plain)] == ["Name", "Count"]
    assert read_configuration(job_with({"Name": "x"}), Plain) == Plain(name="x", count=1)


def test_a_secret_stays_out_of_the_repr() -> None:
    """secret=True masks the value in repr(); the value itself is there to use."""
    config = read_configuration(job_with({"Target": "prod", "Token": SECRET}), DeployConfig)
    assert SECRET not in repr(config)
    assert "target='prod'" in repr(config)
    assert config.token == SECRET


@pytest.mark.parametrize(
    ("annotation", "default"), [(float, 1.0), (list, None), (bytes, b"")], ids=["float", "list", "bytes"]
)
def test_other_field_types_are_refused(annotation: type[Any], default: object) -> None:
    """Only str, int and bool map to a property type; anything else is a TypeError naming the field."""
    namespace = {"__annotations__": {"field": annotation}, "field": config_property("F", default=default)}
    cls = attrs.frozen(kw_only=True)(type("Bad", (), namespace))
    with pytest.raises(TypeError, match=r"^Bad\.field: a configuration property is a str, int or bool"):
        configuration_properties(cls)


def test_a_field_without_config_property_is_refused() -> None:
    """Every field of a configuration class must be a declared property."""

    @attrs.frozen
    class Mixed:
        undeclared: str = attrs.field()

    with pytest.raises(TypeError, match=r"Mixed\.undeclared is not declared with config_property"):
        configuration_properties(Mixed)
    with pytest.raises(TypeError, match="must be an attrs class"):
        configuration_properties(dict)


@pytest.mark.parametrize(
    ("fields", "member", "rule"),
    [
        ({"a": config_property("A", queryable=True), "b": config_property("B", queryable=True)},
         "configurationProperties[1].queryable", "at most one"),
        ({"a": config_property("A", queryable=True, default="x")},
         "configurationProperties[0].required", "must be required"),
        ({"a": config_property("A", queryable=True, secret=True)},
         "configurationProperties[0].secret", "must not be secret"),
        ({"a": config_property("A"), "b": config_property("A")},
         "configurationProperties[1].name", "unique"),
        ({"a": config_property("N" * 51)}, "configurationProperties[0].name", "at most 50"),
        ({"a": config_property("A", description="")}, "configurationProperties[0].description", "at least 1"),
        ({f"p{i}": config_property(f"P{i}") for i in range(11)}, "configurationProperties", "at most 10"),
    ],
    ids=["two queryable", "queryable optional", "queryable secret", "duplicate", "long name",
         "empty description", "eleven"],
)
def test_the_rules_apply_to_the_class(fields: dict[str, Any], member: str, rule: str) -> None:
    """configuration_properties applies CreateCustomActionType's rules to a class, naming the member."""
    namespace = {"__annotations__": dict.fromkeys(fields, str), **fields}
    cls = attrs.frozen(kw_only=True)(type("Config", (), namespace))
    with pytest.raises(ValidationError) as caught:
        configuration_properties(cls)
    assert caught.value.parameter == member
    assert rule in caught.value.rule


# --- reading a job's configuration --------------------------------------------------------


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=st.text(min_size=1, max_size=1000),
    retries=st.none() | st.integers(min_value=-(10**30), max_value=10**30),
    dry_run=st.none() | st.booleans(),
    spelling=st.sampled_from([str.lower, str.upper, str.title]),
)
def test_values_are_read_converted_and_defaulted(
    target: str, retries: int | None, dry_run: bool | None, spelling: Any
) -> None:
    """Strings as CodePipeline sends them: Number as int, "true"/"false" (any case) as bool, defaults kept."""
    configuration = {"Target": target, "Token": SECRET}
    if retries is not None:
        configuration["Retries"] = str(retries)
    if dry_run is not None:
        configuration["DryRun"] = spelling(str(dry_run))
    config = read_configuration(job_with(configuration), DeployConfig)
    assert config == DeployConfig(
        target=target,
        token=SECRET,
        retries=3 if retries is None else retries,
        dry_run=False if dry_run is None else dry_run,
    )


_NOT_A_NUMBER = st.text(min_size=1).filter(
    lambda text: not text.strip().lstrip("+-").isascii() or not text.strip().lstrip("+-").isdigit()
)
_NOT_A_BOOLEAN = st.text(min_size=1).filter(lambda text: text.strip().lower() not in ("true", "false"))


@settings(max_examples=200)
@given(bad=_NOT_A_NUMBER.map(lambda text: f"{text}-{SECRET}"))
def test_a_bad_number_names_the_property_never_the_value(bad: str) -> None:
    """"12a", "1.5", "" ...: InvalidConfigurationError naming Retries; the value is nowhere in the message."""
    with pytest.raises(InvalidConfigurationError) as caught:
        read_configuration(job_with({"Target": "t", "Token": "x", "Retries": bad}), DeployConfig)
    assert caught.value.parameter == "Retries"
    assert caught.value.rule == "must be a whole number"
    assert SECRET not in str(caught.value)
    assert bad not in str(caught.value)


@settings(max_examples=200)
@given(bad=_NOT_A_BOOLEAN.map(lambda text: f"{text}-{SECRET}"))
def test_a_bad_boolean_names_the_property_never_the_value(bad: str) -> None:
    """Anything but "true"/"false" is InvalidConfigurationError naming DryRun, without the value."""
    with pytest.raises(InvalidConfigurationError) as caught:
        read_configuration(job_with({"Target": "t", "Token": "x", "DryRun": bad}), DeployConfig)
    assert str(caught.value) == 'DryRun: must be "true" or "false"'


@pytest.mark.parametrize("value", ["1.5", "", "12a", "0x10", "١٢", "1e3"])
def test_the_numbers_people_get_wrong(value: str) -> None:
    """Floats, empty strings, hex, non-ASCII digits and exponents are not whole numbers."""
    with pytest.raises(InvalidConfigurationError, match=r"^Retries: must be a whole number$"):
        read_configuration(job_with({"Target": "t", "Token": "x", "Retries": value}), DeployConfig)


def test_a_missing_required_property_is_named() -> None:
    """A required property the job lacks: 'Token: is required'; a job with no configuration too."""
    with pytest.raises(InvalidConfigurationError, match=r"^Token: is required$"):
        read_configuration(job_with({"Target": "t"}), DeployConfig)
    with pytest.raises(InvalidConfigurationError, match=r"^Target: is required$"):
        read_configuration(Job(id=JOB_ID, data=JobData()), DeployConfig)
    assert issubclass(InvalidConfigurationError, ValidationError)


def test_user_parameters_read_into_the_class() -> None:
    """Lambda UserParameters: a JSON object whose values are strings or JSON numbers and booleans."""
    params = json.dumps({"Target": "prod", "Token": SECRET, "Retries": 5, "DryRun": "true"})
    config = read_user_parameters(job_with({"FunctionName": "f", "UserParameters": params}), DeployConfig)
    assert config == DeployConfig(target="prod", token=SECRET, retries=5, dry_run=True)


@pytest.mark.parametrize(
    ("configuration", "message"),
    [
        ({"FunctionName": "f"}, "Target: is required (the action has no UserParameters)"),
        ({"UserParameters": f"not json {SECRET}"}, "UserParameters: must be a JSON object"),
        ({"UserParameters": json.dumps([SECRET])}, "UserParameters: must be a JSON object"),
        ({"UserParameters": json.dumps({"Token": SECRET})}, "Target: is required in UserParameters"),
        ({"UserParameters": json.dumps({"Target": "t", "Token": SECRET, "Retries": 1.5})},
         "Retries: must be a whole number"),
        ({"UserParameters": json.dumps({"Target": "t", "Token": SECRET, "Retries": True})},
         "Retries: must be a whole number"),
        ({"UserParameters": json.dumps({"Target": 5, "Token": SECRET})}, "Target: must be a string"),
        ({"UserParameters": json.dumps({"Target": "t", "Token": SECRET, "DryRun": 1})},
         'DryRun: must be "true" or "false"'),
    ],
)
def test_bad_user_parameters_are_named_without_the_value(
    configuration: dict[str, str], message: str
) -> None:
    """Missing, not JSON, not an object, missing a property, a wrong type: named, never quoted."""
    with pytest.raises(InvalidConfigurationError) as caught:
        read_user_parameters(job_with(configuration), DeployConfig)
    assert str(caught.value) == message
    assert SECRET not in str(caught.value)


# --- the declared action in every runtime ---------------------------------------------------


@pytest.fixture
def fake() -> FakeCodePipeline:
    """A fake with DEPLOY registered (so jobs are checked against it)."""
    fake = FakeCodePipeline()
    ensure_custom_action_type(fake.client(), DEPLOY.action_type)
    return fake


def test_the_threaded_worker_hands_over_the_typed_configuration(fake: FakeCodePipeline) -> None:
    """JobWorker.for_action polls the declared type and calls the handler with the typed configuration."""
    configuration = {"Target": "prod", "Token": SECRET, "Retries": "2"}
    job_id = fake.add_job(DEPLOY.action_type_id, configuration=configuration)
    seen: list[DeployConfig] = []

    def deploy(job: Job, config: DeployConfig) -> Outcome:
        seen.append(config)
        return Success(output_variables={"target": config.target})

    worker = JobWorker.for_action(fake.client(), DEPLOY, deploy, max_workers=1, **FAST)
    assert worker.run_once() == 1
    assert seen == [DeployConfig(target="prod", token=SECRET, retries=2)]
    assert fake.job(job_id).status == JobStatus.SUCCEEDED


def test_invalid_configuration_is_a_configuration_error_in_the_threaded_worker(
    fake: FakeCodePipeline,
) -> None:
    """A configuration that does not convert: ConfigurationError with the message; the handler never runs."""
    configuration = {"Target": "prod", "Token": SECRET, "Retries": "x"}
    job_id = fake.add_job(DEPLOY.action_type_id, configuration=configuration)
    called: list[Job] = []
    worker = JobWorker.for_action(fake.client(), DEPLOY, lambda job, config: called.append(job), **FAST)
    worker.run_once()
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.CONFIGURATION_ERROR
    assert report.failure_details.message == "InvalidConfigurationError: Retries: must be a whole number"
    assert called == []


def test_only_declared_secrets_are_masked(fake: FakeCodePipeline) -> None:
    """With the class known, the message keeps the non-secret target name and masks the secret token."""
    job_id = fake.add_job(DEPLOY.action_type_id, configuration={"Target": "prod-eu", "Token": SECRET})

    def deploy(job: Job, config: DeployConfig) -> Outcome:
        raise RuntimeError(f"cannot deploy to {config.target} with {config.token}")

    JobWorker.for_action(fake.client(), DEPLOY, deploy, **FAST).run_once()
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.JOB_FAILED
    assert "cannot deploy to prod-eu with" in report.failure_details.message
    assert SECRET not in report.failure_details.message


def test_a_plain_handler_raising_it_is_a_configuration_error(fake: FakeCodePipeline) -> None:
    """A handler of a plain JobWorker that calls read_configuration itself gets the same report type."""
    configuration = {"Target": "prod", "Token": SECRET, "DryRun": "yes"}
    job_id = fake.add_job(DEPLOY.action_type_id, configuration=configuration)

    def handler(job: Job) -> Outcome:
        read_configuration(job, DeployConfig)
        return Success()

    JobWorker(fake.client(), DEPLOY.action_type_id, handler, **FAST).run_once()
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.CONFIGURATION_ERROR
    assert report.failure_details.message == 'InvalidConfigurationError: DryRun: must be "true" or "false"'


def test_a_query_param_is_checked_against_the_declaration(fake: FakeCodePipeline) -> None:
    """A query_param key other than the queryable property is refused before anything is sent."""
    calls_before = fake.calls
    refused = r"^queryParam: 'Token' is not queryable; the queryable property is 'Target'$"
    with pytest.raises(ValidationError, match=refused):
        JobWorker.for_action(fake.client(), DEPLOY, lambda job, config: None, query_param={"Token": "x"})
    worker = JobWorker.for_action(fake.client(), DEPLOY, lambda job, config: None,
                                  query_param={"Target": "prod"}, **FAST)
    assert worker.query_param == {"Target": "prod"}
    assert fake.calls == calls_before


@pytest.mark.skipif(importlib.util.find_spec("aiobotocore") is None, reason="needs the aio extra")
def test_the_asyncio_worker_does_the_same(fake: FakeCodePipeline) -> None:
    """AsyncJobWorker.for_action: the typed configuration to a coroutine; a bad one a ConfigurationError."""
    good = fake.add_job(DEPLOY.action_type_id, configuration={"Target": "prod", "Token": SECRET})
    bad = fake.add_job(
        DEPLOY.action_type_id, configuration={"Target": "prod", "Token": SECRET, "Retries": "2.5"}
    )
    seen: list[str] = []

    async def deploy(job: Job, config: DeployConfig) -> Outcome:
        seen.append(config.target)
        return Success()

    async def main() -> None:
        async with fake.aio_client() as client:
            worker = aio.AsyncJobWorker.for_action(client, DEPLOY, deploy, max_concurrency=2, **FAST)
            assert await worker.run_once() == 2

    asyncio.run(main())
    assert seen == ["prod"]
    assert fake.job(good).status == JobStatus.SUCCEEDED
    [report] = fake.job(bad).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.CONFIGURATION_ERROR
    assert report.failure_details.message == "InvalidConfigurationError: Retries: must be a whole number"


def test_the_lambda_decorator_reports_a_configuration_error() -> None:
    """A job_handler function whose UserParameters do not fit: a ConfigurationError failure."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(LAMBDA_INVOKE, configuration={
        "FunctionName": "deploy", "UserParameters": json.dumps({"Token": SECRET}),
    })

    @job_handler(client=fake.client())
    def handler(job: Job, context: object) -> Success:
        read_user_parameters(job, DeployConfig)
        return Success()

    handler(fake.lambda_event(job_id), None)
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type == FailureType.CONFIGURATION_ERROR
    message = "InvalidConfigurationError: Target: is required in UserParameters"
    assert report.failure_details.message == message


def test_the_fake_queues_a_job_of_a_declared_action(fake: FakeCodePipeline) -> None:
    """``fake.add_job(DEPLOY, ...)``: the declared action names its type, as `for_action` takes it."""
    job_id = fake.add_job(DEPLOY, configuration={"Target": "prod", "Token": SECRET})
    assert fake.job(job_id).action_type_id == DEPLOY.action_type_id
    seen: list[DeployConfig] = []

    def deploy(job: Job, config: DeployConfig) -> Outcome:
        seen.append(config)
        return None

    assert JobWorker.for_action(fake.client(), DEPLOY, deploy, max_workers=1, **FAST).run_once() == 1
    assert seen == [DeployConfig(target="prod", token=SECRET)]
    assert fake.job(job_id).status == JobStatus.SUCCEEDED
