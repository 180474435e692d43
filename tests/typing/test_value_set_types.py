# pyright: reportUnnecessaryTypeIgnoreComment=true
"""A consumer writing value sets as the AWS docs do: plain strings type-check, misspelt ones do not.

mypy --strict and pyright (strict) check this module. Every line a checker must refuse carries
``# type: ignore[arg-type]``: mypy reports an unused ignore (``warn_unused_ignores``, on under
``--strict``) and pyright an unnecessary one (``reportUnnecessaryTypeIgnoreComment``, turned on for
this file by the comment above), so the day either checker stops refusing ``"Bogus"``, this module
fails to type-check. pytest runs it too: what type-checks works, and what is refused fails at run
time as the docs say (unknown strings are kept, non-strings are a TypeError).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import pytest

from codepipeline_jobs import (
    ActionCategory,
    ActionCategoryName,
    ActionOwner,
    ActionOwnerName,
    ActionTypeId,
    ArtifactLocation,
    ArtifactLocationType,
    EncryptionKey,
    EncryptionKeyType,
    ExecutionMode,
    ExecutionTrigger,
    ExecutionType,
    FailureDetails,
    FailureType,
    FailureTypeName,
    JobStatus,
    JobStatusName,
    PipelineExecution,
    PipelineExecutionStatus,
    TriggerType,
    poll_for_jobs,
)
from codepipeline_jobs.worker import Failure

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient


def as_the_docs_write_them() -> list[object]:
    """Plain strings from the AWS docs, in every value-set field; reading gives the value set."""
    action = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")
    assert_type(action.category, ActionCategory)
    assert_type(action.owner, ActionOwner)
    details = FailureDetails(type="ConfigurationError", message="the action needs a ProjectName")
    assert_type(details.type, FailureType)
    failure = Failure("bad config", "ConfigurationError")
    assert_type(failure.type, FailureType)
    from_exc = FailureDetails.from_exception(KeyError("ProjectName"), type="ConfigurationError")
    location = ArtifactLocation(type="S3")
    assert_type(location.type, ArtifactLocationType | None)
    key = EncryptionKey(id="alias/aws/s3", type="KMS")
    assert_type(key.type, EncryptionKeyType)
    trigger = ExecutionTrigger(trigger_type="Webhook")
    assert_type(trigger.trigger_type, TriggerType | None)
    execution = PipelineExecution(status="Succeeded", execution_mode="QUEUED", execution_type="STANDARD")
    assert_type(execution.status, PipelineExecutionStatus | None)
    assert_type(execution.execution_mode, ExecutionMode | None)
    assert_type(execution.execution_type, ExecutionType | None)
    return [action, details, failure, from_exc, location, key, trigger, execution]


def with_members() -> list[object]:
    """Members are as welcome as ever, and so is None in an optional field."""
    action = ActionTypeId(
        category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="MyBuilder", version="1"
    )
    details = FailureDetails(type=FailureType.CONFIGURATION_ERROR, message="m")
    return [action, details, Failure("m", FailureType.PERMISSION_ERROR), ArtifactLocation(type=None)]


def action_for(category: ActionCategoryName, owner: ActionOwnerName = "Custom") -> ActionTypeId:
    """The exported Literal aliases serve a user's own annotations."""
    return ActionTypeId(category=category, owner=owner, provider="MyBuilder", version="1")


def kind_of(failure: FailureDetails) -> FailureTypeName | str:
    """A member is a str: it can be returned where a str is expected."""
    return failure.type


def is_done(status: JobStatus | JobStatusName) -> bool:
    """The member or its plain string, as the models' fields take them."""
    return status in ("Succeeded", "Failed")


def misspelt() -> list[object]:
    """Values the type checkers refuse; at run time they are kept as unknown members.

    One statement each: in a list display, pyright would count one refusal for its neighbours.
    """
    bogus = ActionTypeId(category="Bogus", owner="Custom", provider="P", version="1")  # type: ignore[arg-type]
    lowercase = ActionTypeId(category="Build", owner="custom", provider="P", version="1")  # type: ignore[arg-type]
    a_name = ActionTypeId(category="BUILD", owner="Custom", provider="P", version="1")  # type: ignore[arg-type]
    details = FailureDetails(type="Configuration", message="m")  # type: ignore[arg-type]
    failure = Failure("m", "Oops")  # type: ignore[arg-type]
    from_exc = FailureDetails.from_exception(ValueError("x"), type="Bogus")  # type: ignore[arg-type]
    location = ArtifactLocation(type="EFS")  # type: ignore[arg-type]
    key = EncryptionKey(id="k", type="AES")  # type: ignore[arg-type]
    trigger = ExecutionTrigger(trigger_type="Cron")  # type: ignore[arg-type]
    status = PipelineExecution(status="Done")  # type: ignore[arg-type]
    mode = PipelineExecution(execution_mode="queued")  # type: ignore[arg-type]
    kind = PipelineExecution(execution_type="Standard")  # type: ignore[arg-type]
    return [bogus, lowercase, a_name, details, failure, from_exc, location, key, trigger, status, mode, kind]


def any_str(text: str) -> ActionTypeId:
    """A str that is not a known literal is refused too: convert it with ActionCategory(text)."""
    return ActionTypeId(category=text, owner="Custom", provider="P", version="1")  # type: ignore[arg-type]


def not_strings() -> None:
    """Not a string at all: refused by the checkers, a TypeError at run time."""
    ActionTypeId(category=1, owner="Custom", provider="P", version="1")  # type: ignore[arg-type]


def a_string_for_a_model(client: CodePipelineClient) -> None:
    """A plain string where the call wants an ActionTypeId: refused, and a TypeError at run time."""
    poll_for_jobs(client, "Build")  # type: ignore[arg-type]


def test_what_type_checks_runs() -> None:
    """Plain strings build the same models as members; the readers see members."""
    built = as_the_docs_write_them()
    assert built[0] == with_members()[0]
    action = action_for("Test", "ThirdParty")
    assert action.category is ActionCategory.TEST
    assert action.owner is ActionOwner.THIRD_PARTY
    assert kind_of(FailureDetails(type="JobFailed", message="m")) == "JobFailed"
    assert is_done(JobStatus.SUCCEEDED)
    assert is_done("Failed")
    assert not is_done("InProgress")


def test_what_is_refused_fails_as_documented() -> None:
    """Unknown strings are kept (the request rules refuse to send them); non-strings are TypeErrors."""
    for model in misspelt():
        assert model is not None
    assert not any_str("Quantum").category.is_known
    with pytest.raises(TypeError, match=r"^ActionTypeId\.category "):
        not_strings()
    with pytest.raises(TypeError, match="action_type_id must be an ActionTypeId, got a str"):
        a_string_for_a_model(None)  # type: ignore[arg-type]  # refused before the client is used
