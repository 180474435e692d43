"""Value sets written as the AWS docs write them, through the public calls, in both flavours.

Every test taking the `flavour` fixture runs against the synchronous API and against
`codepipeline_jobs.aio`, with a client served by `FakeCodePipeline`: plain strings find
the job and the reports land; a misspelt value or a plain string where a model belongs
is refused before anything reaches the service.
"""

from __future__ import annotations

from typing import Any

import pytest

from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    Job,
    JobStatus,
    NotCustomActionError,
    ValidationError,
)
from codepipeline_jobs.testing import FakeCodePipeline
from codepipeline_jobs.worker import Failure, Outcome
from tests import flavours
from tests.flavours import Flavour, client_of, job_worker, partner_worker

#: As the AWS CLI and boto3 docs write an action type (``create-custom-action-type``).
BUILD: dict[str, Any] = {"category": "Build", "owner": "Custom", "provider": "MyBuilder", "version": "1"}


def _bad(value: Any) -> Any:
    """A value of the wrong type, on purpose (the type checker would refuse it)."""
    return value


def claim(client: Any, action: ActionTypeId) -> Job:
    """Poll one job of `action` and acknowledge it."""
    [job] = flavours.poll_for_jobs(client, action)
    assert job.nonce is not None
    assert flavours.acknowledge_job(client, job.id, job.nonce) == JobStatus.IN_PROGRESS
    return job


def test_poll_and_fail_with_plain_strings(flavour: Flavour) -> None:
    """ActionTypeId(category="Build", owner="Custom", ...) finds the job; FailureDetails(type="...") lands."""
    del flavour
    fake = FakeCodePipeline()
    queued = ActionTypeId(
        category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="MyBuilder", version="1"
    )
    job_id = fake.add_job(queued)
    client = client_of(fake)
    job = claim(client, ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1"))
    assert job.id == job_id
    flavours.put_job_failure_result(
        client, job.id, FailureDetails(type="ConfigurationError", message="the action needs a ProjectName")
    )
    landed = fake.job(job_id)
    assert landed.status == JobStatus.FAILED
    [report] = landed.reports
    assert report.failure_details is not None
    assert report.failure_details.type is FailureType.CONFIGURATION_ERROR
    assert report.failure_details.message == "the action needs a ProjectName"


def test_the_fake_takes_plain_strings_too(flavour: Flavour) -> None:
    """A job queued with a plain-string action type is found by the member-built one, and reported."""
    del flavour
    fake = FakeCodePipeline()
    job_id = fake.add_job(ActionTypeId(category="Deploy", owner="Custom", provider="MyDeployer", version="2"))
    client = client_of(fake)
    action = ActionTypeId(
        category=ActionCategory.DEPLOY, owner=ActionOwner.CUSTOM, provider="MyDeployer", version="2"
    )
    job = claim(client, action)
    assert job.id == job_id
    flavours.put_job_failure_result(
        client, job.id, FailureDetails.from_exception(PermissionError("denied"), type="PermissionError")
    )
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert report.failure_details.type is FailureType.PERMISSION_ERROR


def test_partner_jobs_with_plain_strings(flavour: Flavour) -> None:
    """A partner action type written with strings polls, claims and fails its job."""
    del flavour
    fake = FakeCodePipeline()
    partner = ActionTypeId(category="Test", owner="ThirdParty", provider="Partner", version="1")
    job_id = fake.add_job(partner)
    client = client_of(fake)
    [listed] = flavours.poll_for_third_party_jobs(client, partner)
    token = fake.client_token(listed.client_id)
    details = flavours.get_third_party_job_details(client, listed.job_id, token)
    assert details.nonce is not None
    assert flavours.acknowledge_third_party_job(client, listed.job_id, details.nonce, token) == "InProgress"
    flavours.put_third_party_job_failure_result(
        client, listed.job_id, token, FailureDetails(type="RevisionUnavailable", message="gone")
    )
    assert fake.job(job_id).status == JobStatus.FAILED


def test_a_handler_returning_a_plain_string_failure_is_reported(flavour: Flavour) -> None:
    """Failure("bad config", "ConfigurationError") from a handler lands as a ConfigurationError."""
    del flavour
    fake = FakeCodePipeline()
    action = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")
    job_id = fake.add_job(action)

    def handler(job: Job) -> Outcome:
        del job
        return Failure("bad config", "ConfigurationError")

    worker = job_worker(client_of(fake), action, handler, handle_signals=False)
    assert worker.run_once() == 1
    [report] = fake.job(job_id).reports
    assert report.failure_details == FailureDetails(type="ConfigurationError", message="bad config")


def test_a_partner_worker_with_a_plain_string_action(flavour: Flavour) -> None:
    """A partner worker built with a plain-string action type serves its jobs."""
    del flavour
    fake = FakeCodePipeline()
    action = ActionTypeId(category="Test", owner="ThirdParty", provider="Partner", version="1")
    job_id = fake.add_job(action)
    client_id = fake.job(job_id).client_id
    assert client_id is not None
    token = fake.client_token(client_id)
    worker = partner_worker(client_of(fake), action, lambda job: None, lambda _: token, handle_signals=False)
    assert worker.run_once() == 1
    assert fake.job(job_id).status == JobStatus.SUCCEEDED


# --- refused before sending -------------------------------------------------------------------


def _unknown_failure_type(client: Any, job_id: str) -> None:
    flavours.put_job_failure_result(client, job_id, FailureDetails(type=_bad("Bogus"), message="m"))


def _unknown_category(client: Any, job_id: str) -> None:
    del job_id
    flavours.poll_for_jobs(client, ActionTypeId(**{**BUILD, "category": "Quantum"}))


def _unknown_owner(client: Any, job_id: str) -> None:
    del job_id
    flavours.poll_for_jobs(client, ActionTypeId(**{**BUILD, "owner": "custom"}))


def _aws_owner(client: Any, job_id: str) -> None:
    del job_id
    flavours.poll_for_jobs(client, ActionTypeId(category="Deploy", owner="AWS", provider="S3", version="1"))


def _partner_unknown_failure_type(client: Any, job_id: str) -> None:
    flavours.put_third_party_job_failure_result(
        client, job_id, "token", FailureDetails(type=_bad("Oops"), message="m")
    )


REFUSED = [
    (_unknown_failure_type, "failureDetails.type", ValidationError),
    (_unknown_category, "actionTypeId.category", ValidationError),
    (_unknown_owner, "actionTypeId.owner", ValidationError),
    (_aws_owner, "actionTypeId.owner", NotCustomActionError),
    (_partner_unknown_failure_type, "failureDetails.type", ValidationError),
]


@pytest.mark.parametrize(("send", "parameter", "error"), REFUSED, ids=[case[1] for case in REFUSED])
def test_an_unknown_string_is_refused_before_sending(
    flavour: Flavour, send: Any, parameter: str, error: type[ValidationError]
) -> None:
    """A value the service does not know builds, but the request rules refuse to send it."""
    del flavour
    fake = FakeCodePipeline()
    job_id = fake.add_job(ActionTypeId(**BUILD))
    client = client_of(fake)
    with pytest.raises(error) as caught:
        send(client, job_id)
    assert type(caught.value) is error
    assert caught.value.parameter == parameter
    assert fake.calls == []


def test_the_rule_quotes_the_refused_value_as_a_plain_string(flavour: Flavour) -> None:
    """The error lists the values the service takes and the one it got, as plain strings."""
    del flavour
    fake = FakeCodePipeline()
    with pytest.raises(ValidationError) as caught:
        _unknown_failure_type(client_of(fake), "11111111-2222-4333-8444-555555555555")
    assert caught.value.rule == (
        f"must be one of {', '.join(member.value for member in FailureType)}, got 'Bogus'"
    )


MODEL_MISTAKES = [
    ("poll a category", lambda c: flavours.poll_for_jobs(c, _bad("Build")), "action_type_id", "a str"),
    ("poll a dict", lambda c: flavours.poll_for_jobs(c, _bad(BUILD)), "action_type_id", "a dict"),
    ("poll None", lambda c: flavours.poll_for_jobs(c, _bad(None)), "action_type_id", "None"),
    (
        "partner poll a str",
        lambda c: flavours.poll_for_third_party_jobs(c, _bad("Test")),
        "action_type_id",
        "a str",
    ),
    (
        "failure a str",
        lambda c: flavours.put_job_failure_result(c, "j", _bad("ConfigurationError")),
        "failure_details",
        "a str",
    ),
    (
        "partner failure a dict",
        lambda c: flavours.put_third_party_job_failure_result(
            c, "j", "t", _bad({"type": "JobFailed", "message": "m"})
        ),
        "failure_details",
        "a dict",
    ),
    (
        "details a dict",
        lambda c: flavours.put_job_success_result(c, "j", execution_details=_bad({"summary": "done"})),
        "execution_details",
        "a dict",
    ),
    (
        "revision a str",
        lambda c: flavours.put_third_party_job_success_result(c, "j", "t", current_revision=_bad("r1")),
        "current_revision",
        "a str",
    ),
    (
        "details given where the revision goes",
        lambda c: flavours.put_job_success_result(c, "j", current_revision=_bad(ExecutionDetails())),
        "current_revision",
        "an ExecutionDetails",
    ),
]


@pytest.mark.parametrize(
    ("send", "parameter", "got"),
    [case[1:] for case in MODEL_MISTAKES],
    ids=[case[0] for case in MODEL_MISTAKES],
)
def test_a_call_given_something_else_than_its_model_names_the_parameter(
    flavour: Flavour, send: Any, parameter: str, got: str
) -> None:
    """A plain string (or a dict, or None) where a call takes a model is a TypeError; nothing is sent."""
    del flavour
    fake = FakeCodePipeline()
    with pytest.raises(TypeError) as caught:
        send(client_of(fake))
    message = str(caught.value)
    assert message.startswith(f"{parameter} must be a")
    assert f"got {got}" in message
    assert fake.calls == []
