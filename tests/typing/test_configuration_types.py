# pyright: reportUnnecessaryTypeIgnoreComment=true
"""A consumer declaring a typed configuration and a typed handler: what must and must not type-check.

mypy --strict and pyright (strict) check this module. Every line a checker must refuse carries a
``# type: ignore[...]``: mypy reports an unused ignore (``warn_unused_ignores``) and pyright an
unnecessary one (turned on above), so the day either checker stops refusing a missing required
property, a wrong field type or a handler of the wrong configuration, this module fails to
type-check. pytest runs it too.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import attrs
import pytest

from codepipeline_jobs import (
    ActionConfigurationProperty,
    ArtifactDetails,
    CustomAction,
    Job,
    JobData,
    config_class,
    config_property,
    configuration_properties,
    read_configuration,
    read_user_parameters,
)
from codepipeline_jobs.aio import AsyncJobWorker
from codepipeline_jobs.worker import JobWorker, Outcome, Success

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient
    from types_aiobotocore_codepipeline import CodePipelineClient as AioCodePipelineClient


@config_class
class DeployConfig:
    """A configuration class as the docs declare one."""

    target: str = config_property("Target", key=True, queryable=True)
    token: str = config_property("Token", secret=True)
    retries: int = config_property("Retries", default=3)
    dry_run: bool = config_property("DryRun", default=False, description="Only show the changes")


@config_class
class OtherConfig:
    """Another action's configuration."""

    region: str = config_property("Region")


@attrs.frozen(kw_only=True)
class PlainAttrsConfig:
    """config_property inside attrs' own decorator: the fields keep their types."""

    name: str = config_property("Name")
    count: int = config_property("Count", default=1)


DEPLOY = CustomAction(
    category="Deploy",
    provider="MyDeployer",
    version="1",
    configuration=DeployConfig,
    input_artifacts=ArtifactDetails(minimum_count=1, maximum_count=1),
)


def test_required_and_default_fields() -> None:
    """Required properties are required arguments for both checkers; defaulted ones are optional."""
    config = DeployConfig(target="prod", token="t")
    assert_type(config.target, str)
    assert_type(config.retries, int)
    assert_type(config.dry_run, bool)
    assert config.retries == 3
    assert DeployConfig(target="prod", token="t", retries=5, dry_run=True).retries == 5
    plain = PlainAttrsConfig(name="n")
    assert_type(plain.count, int)
    assert plain.count == 1


def refused_declarations() -> list[object]:
    """Never run: each line is refused by both checkers."""
    return [
        DeployConfig(token="t"),  # type: ignore[call-arg]
        DeployConfig(target=1, token="t"),  # type: ignore[arg-type]
        DeployConfig(target="prod", token="t", retries="3"),  # type: ignore[arg-type]
        DeployConfig("prod", "t"),  # type: ignore[call-arg]
    ]


def test_a_missing_required_property_fails_at_run_time_too() -> None:
    """What the checkers refuse is refused at run time as well."""
    with pytest.raises(TypeError):
        refused_declarations()


def test_reading_gives_the_class() -> None:
    """read_configuration and read_user_parameters return an instance of the class given."""
    job = Job(id="11111111-2222-4333-8444-555555555555", data=JobData())
    with pytest.raises(ValueError, match="Target: is required"):
        assert_type(read_configuration(job, DeployConfig), DeployConfig)
    with pytest.raises(ValueError, match="Target: is required"):
        assert_type(read_user_parameters(job, DeployConfig), DeployConfig)
    assert_type(configuration_properties(DeployConfig), tuple[ActionConfigurationProperty, ...])
    assert_type(DEPLOY, CustomAction[DeployConfig])
    with pytest.raises(ValueError, match="Target: is required"):
        assert_type(DEPLOY.read(job), DeployConfig)


def deploy(job: Job, config: DeployConfig) -> Outcome:
    """A typed handler."""
    return Success(output_variables={"target": config.target})


async def deploy_async(job: Job, config: DeployConfig) -> Outcome:
    """A typed coroutine handler."""
    return Success(output_variables={"target": config.target})


def wrong_handler(job: Job, config: OtherConfig) -> Outcome:
    """A handler of another action's configuration."""
    return Success(output_variables={"region": config.region})


def typed_workers(client: CodePipelineClient, aio_client: AioCodePipelineClient) -> list[object]:
    """Never run: the handler's configuration parameter is checked against the action's class."""
    return [
        JobWorker.for_action(client, DEPLOY, deploy, max_workers=2),
        JobWorker.for_action(client, DEPLOY, lambda _, config: Success(output_variables={"t": config.token})),
        AsyncJobWorker.for_action(aio_client, DEPLOY, deploy_async, max_concurrency=4),
        AsyncJobWorker.for_action(aio_client, DEPLOY, deploy),
        JobWorker.for_action(client, DEPLOY, wrong_handler),  # type: ignore[arg-type]
        AsyncJobWorker.for_action(aio_client, DEPLOY, wrong_handler),  # type: ignore[arg-type]
        JobWorker.for_action(client, DEPLOY, deploy, max_concurrency=2),  # type: ignore[call-arg]
        DEPLOY.handler(deploy),
        DEPLOY.handler(wrong_handler),  # type: ignore[arg-type]
    ]


def test_the_typed_workers_module_imports() -> None:
    """The never-run functions above exist; the worker ones are exercised in test_configuration.py."""
    assert callable(typed_workers)
