"""Request rules: every rule of every operation is checked before anything is sent."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import botocore.loaders
import botocore.model
import pytest

from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    CurrentRevision,
    ExecutionDetails,
    FailureDetails,
    FailureType,
    NotCustomActionError,
    NotThirdPartyActionError,
    OutputVariablesTooLargeError,
    ValidationError,
    acknowledge_job,
    acknowledge_third_party_job,
    get_job_details,
    get_pipeline_execution,
    get_third_party_job_details,
    poll_for_jobs,
    poll_for_third_party_jobs,
    put_job_failure_result,
    put_job_success_result,
    put_third_party_job_failure_result,
    put_third_party_job_success_result,
    validate_custom_owner,
    validate_query_param,
    validate_third_party_owner,
)
from codepipeline_jobs._calls import Call, Calls
from codepipeline_jobs._errors import counted, type_description, with_article
from codepipeline_jobs._rules import validate_request
from tests.conftest import ACTION, EXECUTION_ID, JOB_ID, PARTNER_ACTION

if TYPE_CHECKING:
    from botocore.awsrequest import AWSPreparedRequest
    from mypy_boto3_codepipeline import CodePipelineClient

Send = Callable[["CodePipelineClient"], object]
TOKEN = "client-token"
UPPER_ID = "ABCDEF01-2222-4333-8444-555555555555"
FAIL = FailureDetails(type=FailureType.JOB_FAILED, message="boom")
REVISION = CurrentRevision(revision="r1", change_identifier="c1")


def _action(**changes: Any) -> ActionTypeId:
    values: dict[str, Any] = {
        "category": ActionCategory.BUILD,
        "owner": ActionOwner.CUSTOM,
        "provider": "MyBuilder",
        "version": "1",
    }
    values.update(changes)
    return ActionTypeId(**values)


def _partner(**changes: Any) -> ActionTypeId:
    return _action(owner=ActionOwner.THIRD_PARTY, **changes)


def _bad(value: Any) -> Any:
    """A value of the wrong type, on purpose (the type checker would refuse it)."""
    return value


#: (call that must be refused, the parameter the error names, the error class)
BAD: list[tuple[str, Send, str, type[ValidationError]]] = [
    # PollForJobs
    (
        "owner ThirdParty",
        lambda c: poll_for_jobs(c, PARTNER_ACTION),
        "actionTypeId.owner",
        NotCustomActionError,
    ),
    (
        "owner AWS",
        lambda c: poll_for_jobs(c, _action(owner=ActionOwner.AWS)),
        "actionTypeId.owner",
        NotCustomActionError,
    ),
    (
        "owner unknown",
        lambda c: poll_for_jobs(c, _action(owner=ActionOwner("Robot"))),
        "actionTypeId.owner",
        ValidationError,
    ),
    (
        "category unknown",
        lambda c: poll_for_jobs(c, _action(category=ActionCategory("Quantum"))),
        "actionTypeId.category",
        ValidationError,
    ),
    (
        "provider 36",
        lambda c: poll_for_jobs(c, _action(provider="p" * 36)),
        "actionTypeId.provider",
        ValidationError,
    ),
    (
        "provider empty",
        lambda c: poll_for_jobs(c, _action(provider="")),
        "actionTypeId.provider",
        ValidationError,
    ),
    (
        "provider bad chars",
        lambda c: poll_for_jobs(c, _action(provider="My Builder")),
        "actionTypeId.provider",
        ValidationError,
    ),
    (
        "provider trailing newline",
        lambda c: poll_for_jobs(c, _action(provider="MyBuilder\n")),
        "actionTypeId.provider",
        ValidationError,
    ),
    (
        "version 10",
        lambda c: poll_for_jobs(c, _action(version="1234567890")),
        "actionTypeId.version",
        ValidationError,
    ),
    (
        "version bad chars",
        lambda c: poll_for_jobs(c, _action(version="1.0")),
        "actionTypeId.version",
        ValidationError,
    ),
    (
        "max_batch_size True",
        lambda c: poll_for_jobs(c, ACTION, max_batch_size=True),
        "maxBatchSize",
        ValidationError,
    ),
    (
        "max_batch_size 0",
        lambda c: poll_for_jobs(c, ACTION, max_batch_size=0),
        "maxBatchSize",
        ValidationError,
    ),
    (
        "max_batch_size '1'",
        lambda c: poll_for_jobs(c, ACTION, max_batch_size=_bad("1")),
        "maxBatchSize",
        ValidationError,
    ),
    (
        "queryParam 2 entries",
        lambda c: poll_for_jobs(c, ACTION, query_param={"a": "1", "b": "2"}),
        "queryParam",
        ValidationError,
    ),
    (
        "queryParam key 51",
        lambda c: poll_for_jobs(c, ACTION, query_param={"k" * 51: "v"}),
        "queryParam key",
        ValidationError,
    ),
    (
        "queryParam empty key",
        lambda c: poll_for_jobs(c, ACTION, query_param={"": "v"}),
        "queryParam key",
        ValidationError,
    ),
    (
        "queryParam value space",
        lambda c: poll_for_jobs(c, ACTION, query_param={"k": "a b"}),
        "queryParam['k']",
        ValidationError,
    ),
    (
        "queryParam value 51",
        lambda c: poll_for_jobs(c, ACTION, query_param={"k": "v" * 51}),
        "queryParam['k']",
        ValidationError,
    ),
    (
        "queryParam value int",
        lambda c: poll_for_jobs(c, ACTION, query_param=_bad({"k": 1})),
        "queryParam['k']",
        ValidationError,
    ),
    (
        "queryParam key int",
        lambda c: poll_for_jobs(c, ACTION, query_param=_bad({1: "v"})),
        "queryParam key",
        ValidationError,
    ),
    # PollForThirdPartyJobs
    (
        "3p owner Custom",
        lambda c: poll_for_third_party_jobs(c, ACTION),
        "actionTypeId.owner",
        NotThirdPartyActionError,
    ),
    (
        "3p owner AWS",
        lambda c: poll_for_third_party_jobs(c, _action(owner=ActionOwner.AWS)),
        "actionTypeId.owner",
        NotThirdPartyActionError,
    ),
    (
        "3p max_batch_size True",
        lambda c: poll_for_third_party_jobs(c, PARTNER_ACTION, max_batch_size=True),
        "maxBatchSize",
        ValidationError,
    ),
    (
        "3p max_batch_size 0",
        lambda c: poll_for_third_party_jobs(c, PARTNER_ACTION, max_batch_size=0),
        "maxBatchSize",
        ValidationError,
    ),
    (
        "3p provider 36",
        lambda c: poll_for_third_party_jobs(c, _partner(provider="p" * 36)),
        "actionTypeId.provider",
        ValidationError,
    ),
    (
        "3p version 10",
        lambda c: poll_for_third_party_jobs(c, _partner(version="v" * 10)),
        "actionTypeId.version",
        ValidationError,
    ),
    # AcknowledgeJob
    ("ack jobId upper", lambda c: acknowledge_job(c, UPPER_ID, "1"), "jobId", ValidationError),
    ("ack jobId trailing", lambda c: acknowledge_job(c, JOB_ID + "x", "1"), "jobId", ValidationError),
    ("ack jobId leading", lambda c: acknowledge_job(c, "x" + JOB_ID, "1"), "jobId", ValidationError),
    ("ack jobId newline", lambda c: acknowledge_job(c, JOB_ID + "\n", "1"), "jobId", ValidationError),
    ("ack nonce 51", lambda c: acknowledge_job(c, JOB_ID, "n" * 51), "nonce", ValidationError),
    ("ack nonce empty", lambda c: acknowledge_job(c, JOB_ID, ""), "nonce", ValidationError),
    # GetJobDetails
    ("details jobId upper", lambda c: get_job_details(c, UPPER_ID), "jobId", ValidationError),
    ("details jobId not uuid", lambda c: get_job_details(c, "job-1"), "jobId", ValidationError),
    # PutJobSuccessResult
    ("success jobId upper", lambda c: put_job_success_result(c, UPPER_ID), "jobId", ValidationError),
    (
        "continuationToken 2049",
        lambda c: put_job_success_result(c, JOB_ID, continuation_token="t" * 2049),
        "continuationToken",
        ValidationError,
    ),
    (
        "continuationToken empty",
        lambda c: put_job_success_result(c, JOB_ID, continuation_token=""),
        "continuationToken",
        ValidationError,
    ),
    (
        "summary 2049",
        lambda c: put_job_success_result(c, JOB_ID, execution_details=ExecutionDetails(summary="s" * 2049)),
        "executionDetails.summary",
        ValidationError,
    ),
    (
        "summary empty",
        lambda c: put_job_success_result(c, JOB_ID, execution_details=ExecutionDetails(summary="")),
        "executionDetails.summary",
        ValidationError,
    ),
    (
        "percent -1",
        lambda c: put_job_success_result(c, JOB_ID, execution_details=ExecutionDetails(percent_complete=-1)),
        "executionDetails.percentComplete",
        ValidationError,
    ),
    (
        "percent 101",
        lambda c: put_job_success_result(c, JOB_ID, execution_details=ExecutionDetails(percent_complete=101)),
        "executionDetails.percentComplete",
        ValidationError,
    ),
    (
        "percent True",
        lambda c: put_job_success_result(
            c, JOB_ID, execution_details=ExecutionDetails(percent_complete=True)
        ),
        "executionDetails.percentComplete",
        ValidationError,
    ),
    (
        "externalExecutionId 1501",
        lambda c: put_job_success_result(
            c, JOB_ID, execution_details=ExecutionDetails(external_execution_id="e" * 1501)
        ),
        "executionDetails.externalExecutionId",
        ValidationError,
    ),
    (
        "revision missing changeIdentifier",
        lambda c: put_job_success_result(
            c, JOB_ID, current_revision=CurrentRevision(revision="r", change_identifier=_bad(None))
        ),
        "currentRevision.changeIdentifier",
        ValidationError,
    ),
    (
        "revision 1501",
        lambda c: put_job_success_result(
            c, JOB_ID, current_revision=CurrentRevision(revision="r" * 1501, change_identifier="c")
        ),
        "currentRevision.revision",
        ValidationError,
    ),
    (
        "changeIdentifier 101",
        lambda c: put_job_success_result(
            c, JOB_ID, current_revision=CurrentRevision(revision="r", change_identifier="c" * 101)
        ),
        "currentRevision.changeIdentifier",
        ValidationError,
    ),
    (
        "revisionSummary 2049",
        lambda c: put_job_success_result(
            c,
            JOB_ID,
            current_revision=CurrentRevision(
                revision="r", change_identifier="c", revision_summary="s" * 2049
            ),
        ),
        "currentRevision.revisionSummary",
        ValidationError,
    ),
    (
        "revision created not a datetime",
        lambda c: put_job_success_result(
            c,
            JOB_ID,
            current_revision=CurrentRevision(revision="r", change_identifier="c", created=_bad("2024-01-01")),
        ),
        "currentRevision.created",
        ValidationError,
    ),
    (
        "outputVariables bad key",
        lambda c: put_job_success_result(c, JOB_ID, output_variables={"a b": "v"}),
        "outputVariables key",
        ValidationError,
    ),
    (
        "outputVariables non-str value",
        lambda c: put_job_success_result(c, JOB_ID, output_variables=_bad({"a": 1})),
        "outputVariables['a']",
        ValidationError,
    ),
    (
        "outputVariables with continuationToken",
        lambda c: put_job_success_result(c, JOB_ID, continuation_token="t", output_variables={"a": "v"}),
        "outputVariables",
        ValidationError,
    ),
    (
        "outputVariables over 122880 bytes",
        lambda c: put_job_success_result(c, JOB_ID, output_variables={"a": "v" * 122_880}),
        "outputVariables",
        OutputVariablesTooLargeError,
    ),
    (
        "outputVariables multibyte over quota",
        lambda c: put_job_success_result(c, JOB_ID, output_variables={"a": "\u00e9" * 61_440}),
        "outputVariables",
        OutputVariablesTooLargeError,
    ),
    # PutJobFailureResult
    ("failure jobId upper", lambda c: put_job_failure_result(c, UPPER_ID, FAIL), "jobId", ValidationError),
    (
        "failure message empty",
        lambda c: put_job_failure_result(c, JOB_ID, FailureDetails(type=FailureType.JOB_FAILED, message="")),
        "failureDetails.message",
        ValidationError,
    ),
    (
        "failure message 5001",
        lambda c: put_job_failure_result(
            c, JOB_ID, FailureDetails(type=FailureType.JOB_FAILED, message="m" * 5001)
        ),
        "failureDetails.message",
        ValidationError,
    ),
    (
        "failure type unknown",
        lambda c: put_job_failure_result(c, JOB_ID, FailureDetails(type=FailureType("Oops"), message="m")),
        "failureDetails.type",
        ValidationError,
    ),
    (
        "failure externalExecutionId 1501",
        lambda c: put_job_failure_result(
            c,
            JOB_ID,
            FailureDetails(type=FailureType.JOB_FAILED, message="m", external_execution_id="e" * 1501),
        ),
        "failureDetails.externalExecutionId",
        ValidationError,
    ),
    # GetPipelineExecution
    (
        "pipelineName 101",
        lambda c: get_pipeline_execution(c, "p" * 101, EXECUTION_ID),
        "pipelineName",
        ValidationError,
    ),
    (
        "pipelineName bad chars",
        lambda c: get_pipeline_execution(c, "my pipeline", EXECUTION_ID),
        "pipelineName",
        ValidationError,
    ),
    (
        "pipelineName slash",
        lambda c: get_pipeline_execution(c, "a/b", EXECUTION_ID),
        "pipelineName",
        ValidationError,
    ),
    (
        "pipelineExecutionId not uuid",
        lambda c: get_pipeline_execution(c, "p", "exec-1"),
        "pipelineExecutionId",
        ValidationError,
    ),
    (
        "pipelineExecutionId upper",
        lambda c: get_pipeline_execution(c, "p", EXECUTION_ID.upper()),
        "pipelineExecutionId",
        ValidationError,
    ),
    # AcknowledgeThirdPartyJob
    (
        "3p ack jobId empty",
        lambda c: acknowledge_third_party_job(c, "", "1", TOKEN),
        "jobId",
        ValidationError,
    ),
    (
        "3p ack jobId 513",
        lambda c: acknowledge_third_party_job(c, "j" * 513, "1", TOKEN),
        "jobId",
        ValidationError,
    ),
    (
        "3p ack nonce 51",
        lambda c: acknowledge_third_party_job(c, "j", "n" * 51, TOKEN),
        "nonce",
        ValidationError,
    ),
    (
        "3p ack clientToken 257",
        lambda c: acknowledge_third_party_job(c, "j", "1", "t" * 257),
        "clientToken",
        ValidationError,
    ),
    (
        "3p ack clientToken empty",
        lambda c: acknowledge_third_party_job(c, "j", "1", ""),
        "clientToken",
        ValidationError,
    ),
    # GetThirdPartyJobDetails
    (
        "3p details jobId 513",
        lambda c: get_third_party_job_details(c, "j" * 513, TOKEN),
        "jobId",
        ValidationError,
    ),
    (
        "3p details clientToken 257",
        lambda c: get_third_party_job_details(c, "j", "t" * 257),
        "clientToken",
        ValidationError,
    ),
    # PutThirdPartyJobSuccessResult
    (
        "3p success clientToken 257",
        lambda c: put_third_party_job_success_result(c, "j", "t" * 257),
        "clientToken",
        ValidationError,
    ),
    (
        "3p success continuationToken 2049",
        lambda c: put_third_party_job_success_result(c, "j", TOKEN, continuation_token="t" * 2049),
        "continuationToken",
        ValidationError,
    ),
    (
        "3p success percent 101",
        lambda c: put_third_party_job_success_result(
            c, "j", TOKEN, execution_details=ExecutionDetails(percent_complete=101)
        ),
        "executionDetails.percentComplete",
        ValidationError,
    ),
    (
        "3p success revision 1501",
        lambda c: put_third_party_job_success_result(
            c, "j", TOKEN, current_revision=CurrentRevision(revision="r" * 1501, change_identifier="c")
        ),
        "currentRevision.revision",
        ValidationError,
    ),
    # PutThirdPartyJobFailureResult
    (
        "3p failure jobId 513",
        lambda c: put_third_party_job_failure_result(c, "j" * 513, TOKEN, FAIL),
        "jobId",
        ValidationError,
    ),
    (
        "3p failure clientToken 257",
        lambda c: put_third_party_job_failure_result(c, "j", "t" * 257, FAIL),
        "clientToken",
        ValidationError,
    ),
    (
        "3p failure message 5001",
        lambda c: put_third_party_job_failure_result(
            c, "j", TOKEN, FailureDetails(type=FailureType.JOB_FAILED, message="m" * 5001)
        ),
        "failureDetails.message",
        ValidationError,
    ),
    (
        "failure type plain unknown string",
        lambda c: put_job_failure_result(c, JOB_ID, FailureDetails(type=_bad("Bogus"), message="m")),
        "failureDetails.type",
        ValidationError,
    ),
    (
        "category plain unknown string",
        lambda c: poll_for_jobs(c, _action(category="Quantum")),
        "actionTypeId.category",
        ValidationError,
    ),
    (
        "owner plain lowercase string",
        lambda c: poll_for_jobs(c, _action(owner="custom")),
        "actionTypeId.owner",
        ValidationError,
    ),
    (
        "3p failure type unknown",
        lambda c: put_third_party_job_failure_result(
            c, "j", TOKEN, FailureDetails(type=FailureType("Oops"), message="m")
        ),
        "failureDetails.type",
        ValidationError,
    ),
]


@pytest.mark.parametrize(("send", "parameter", "error"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_value_is_refused_before_sending(
    client: CodePipelineClient,
    sent_spy: list[AWSPreparedRequest],
    send: Send,
    parameter: str,
    error: type[ValidationError],
) -> None:
    """A value breaking a rule raises a ValidationError naming the parameter; nothing is sent."""
    with pytest.raises(error) as caught:
        send(client)
    assert type(caught.value) is error
    assert caught.value.parameter == parameter
    assert caught.value.rule
    assert str(caught.value).startswith(f"{parameter}: ")
    assert isinstance(caught.value, ValueError)
    assert sent_spy == []


SECRET_TOKEN = "super-secret-client-token-" + "x" * 240


def test_errors_do_not_quote_secrets(client: CodePipelineClient, sent_spy: list[AWSPreparedRequest]) -> None:
    """An over-long client token, nonce or continuation token is described by its length, not quoted."""
    cases: list[Send] = [
        lambda c: get_third_party_job_details(c, "j", SECRET_TOKEN),
        lambda c: acknowledge_job(c, JOB_ID, SECRET_TOKEN[:51]),
        lambda c: put_job_success_result(c, JOB_ID, continuation_token=SECRET_TOKEN * 9),
    ]
    for send in cases:
        with pytest.raises(ValidationError) as caught:
            send(client)
        assert "super-secret" not in str(caught.value)
        assert "-character string" in caught.value.rule
    assert sent_spy == []


#: Boundary values that are valid: building and validating the call raises nothing.
GOOD: list[tuple[str, Call[Any]]] = [
    ("max_batch_size 1", Calls.poll_for_jobs(ACTION, max_batch_size=1)),
    (
        "queryParam 1 entry of 50/50",
        Calls.poll_for_jobs(ACTION, query_param={"k" * 50: "v-_9" * 12 + "ab"}),
    ),
    ("queryParam empty", Calls.poll_for_jobs(ACTION, query_param={})),
    ("provider 35, version 9", Calls.poll_for_jobs(_action(provider="p" * 35, version="v_-" * 3))),
    ("3p poll", Calls.poll_for_third_party_jobs(PARTNER_ACTION, max_batch_size=100)),
    ("nonce 50", Calls.acknowledge_job(JOB_ID, "n" * 50)),
    (
        "percent 0",
        Calls.put_job_success_result(JOB_ID, execution_details=ExecutionDetails(percent_complete=0)),
    ),
    (
        "percent 100",
        Calls.put_job_success_result(
            JOB_ID,
            execution_details=ExecutionDetails(
                percent_complete=100, summary="s" * 2048, external_execution_id="e" * 1500
            ),
        ),
    ),
    (
        "full revision",
        Calls.put_job_success_result(
            JOB_ID,
            current_revision=CurrentRevision(
                revision="r" * 1500,
                change_identifier="c" * 100,
                revision_summary="s" * 2048,
                created=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            ),
        ),
    ),
    ("continuationToken 2048", Calls.put_job_success_result(JOB_ID, continuation_token="t" * 2048)),
    (
        "outputVariables at quota",
        Calls.put_job_success_result(JOB_ID, output_variables={"a": "v" * 122_879}),
    ),
    ("outputVariables key chars", Calls.put_job_success_result(JOB_ID, output_variables={"A-z_0@9": ""})),
    (
        "message 5000",
        Calls.put_job_failure_result(
            JOB_ID,
            FailureDetails(
                type=FailureType.SYSTEM_UNAVAILABLE, message="m" * 5000, external_execution_id="e" * 1500
            ),
        ),
    ),
    (
        "message 1",
        Calls.put_job_failure_result(JOB_ID, FailureDetails(type=FailureType.JOB_FAILED, message="m")),
    ),
    ("pipelineName 100", Calls.get_pipeline_execution("A.z@0-_" * 14 + "ab", EXECUTION_ID)),
    ("3p jobId 512, token 256", Calls.acknowledge_third_party_job("j" * 512, "n", "t" * 256)),
    ("3p details", Calls.get_third_party_job_details("J" * 512, "t")),
    (
        "3p success",
        Calls.put_third_party_job_success_result(
            "j", "t", continuation_token="t" * 2048, execution_details=ExecutionDetails(percent_complete=100)
        ),
    ),
    (
        "3p failure",
        Calls.put_third_party_job_failure_result(
            "j", "t" * 256, FailureDetails(type=FailureType.REVISION_OUT_OF_SYNC, message="m" * 5000)
        ),
    ),
]


@pytest.mark.parametrize("call", [case[1] for case in GOOD], ids=[case[0] for case in GOOD])
def test_boundary_values_pass(call: Call[Any]) -> None:
    """Values exactly at a limit are valid."""
    call.validate()


def test_public_validators() -> None:
    """validate_custom_owner / validate_third_party_owner / validate_query_param are usable alone."""
    validate_custom_owner(ACTION)
    validate_custom_owner({"owner": "Custom"})
    validate_third_party_owner(PARTNER_ACTION)
    validate_query_param(None)
    validate_query_param({"k": "v"})
    with pytest.raises(NotCustomActionError, match="poll_for_third_party_jobs"):
        validate_custom_owner(PARTNER_ACTION)
    with pytest.raises(NotThirdPartyActionError, match="poll_for_jobs"):
        validate_third_party_owner(ACTION)
    with pytest.raises(ValidationError) as caught:
        validate_query_param({"a": "1", "b": "2"})
    assert caught.value.parameter == "queryParam"
    assert issubclass(NotThirdPartyActionError, ValidationError)
    assert not issubclass(NotThirdPartyActionError, NotCustomActionError)


def _model_with(shape_name: str, **metadata: Any) -> Any:
    loader: Any = botocore.loaders.create_loader()
    raw = copy.deepcopy(loader.load_service_model("codepipeline", "service-2"))
    raw["shapes"][shape_name].update(metadata)
    return botocore.model.ServiceModel(raw, "codepipeline")


def test_rules_follow_the_model() -> None:
    """Limits are read from botocore's model: change the model, and the rule follows."""
    params = {"jobId": JOB_ID, "nonce": "123456"}
    validate_request("AcknowledgeJob", params)
    tighter = _model_with("Nonce", max=5)
    with pytest.raises(ValidationError, match="at most 5 characters") as caught:
        validate_request("AcknowledgeJob", params, service_model=tighter)
    assert caught.value.parameter == "nonce"
    looser = _model_with("Percentage", max=200)
    details = {"jobId": JOB_ID, "executionDetails": {"percentComplete": 150}}
    validate_request("PutJobSuccessResult", details, service_model=looser)
    with pytest.raises(ValidationError):
        validate_request("PutJobSuccessResult", details)
    grown = _model_with("FailureType", enum=[*FailureType, "QuotaExceeded"])
    failure = {"jobId": JOB_ID, "failureDetails": {"type": "QuotaExceeded", "message": "m"}}
    validate_request("PutJobFailureResult", failure, service_model=grown)


def test_client_model_is_used(client: CodePipelineClient, sent_spy: list[AWSPreparedRequest]) -> None:
    """The calls check against the client's own service model."""
    raw: Any = client.meta.service_model
    shape = raw.operation_model("AcknowledgeJob").input_shape.members["nonce"]
    original = dict(shape.metadata)
    shape.metadata["max"] = 3
    try:
        with pytest.raises(ValidationError, match="at most 3"):
            acknowledge_job(client, JOB_ID, "1234")
    finally:
        shape.metadata.clear()
        shape.metadata.update(original)
    assert sent_spy == []


def test_unknown_parameter_is_refused() -> None:
    """A parameter the operation does not have is refused by name."""
    with pytest.raises(ValidationError) as caught:
        validate_request("GetJobDetails", {"jobId": JOB_ID, "jobID": JOB_ID})
    assert caught.value.parameter == "jobID"


def test_output_variables_quota_counts_utf8_bytes_of_keys_and_values(
    client: CodePipelineClient, sent_spy: list[AWSPreparedRequest]
) -> None:
    """At most 122,880 bytes of keys and values together; one byte more is its own error, unsent."""
    from codepipeline_jobs._rules import OUTPUT_VARIABLES_MAX_BYTES, validate_request

    assert OUTPUT_VARIABLES_MAX_BYTES == 122_880
    # "é" is two bytes in UTF-8: 61,439 of them and the key "kk" make exactly the quota.
    exactly = {"kk": "é" * 61_439}
    validate_request("PutJobSuccessResult", {"jobId": JOB_ID, "outputVariables": exactly})
    with pytest.raises(OutputVariablesTooLargeError) as caught:
        put_job_success_result(client, JOB_ID, output_variables={"kk": "é" * 61_439 + "x"})
    assert caught.value.parameter == "outputVariables"
    assert "122880" in caught.value.rule
    assert "é" not in str(caught.value)
    assert sent_spy == []


# --- messages in correct English ----------------------------------------------------------------

#: Wording no message may use: "a" before a vowel sound, a plural after the count 1.
_BAD_ENGLISH = re.compile(r"\b[Aa] (?:[aeioAEIO]|8|11\b|11-|18\b|18-)|\ban [^aeiouAEIOU8 1]|\b1 \w+s\b")


@pytest.mark.parametrize("send", [case[1] for case in BAD], ids=[case[0] for case in BAD])
def test_every_refusal_reads_as_english(
    client: CodePipelineClient, sent_spy: list[AWSPreparedRequest], send: Send
) -> None:
    """No rule says "a int", "a 8-character string" or "at least 1 characters"."""
    for wrong in ("got a int", "got a object", "got a 8-character string", "at least 1 characters"):
        assert _BAD_ENGLISH.search(wrong), wrong  # the check itself catches what it is for
    with pytest.raises(ValidationError) as caught:
        send(client)
    assert not _BAD_ENGLISH.search(caught.value.rule), caught.value.rule


_ID = "11111111-2222-4333-8444-555555555555"

#: (call, the exact rule its error states)
WORDED: list[tuple[str, Call[Any], str]] = [
    ("1 character", Calls.poll_for_jobs(_action(provider="")), "must be at least 1 character, got ''"),
    (
        "an empty string",
        Calls.put_job_failure_result(_ID, FailureDetails(type="JobFailed", message="")),
        "must be at least 1 character, got an empty string",
    ),
    ("an int", Calls.poll_for_jobs(ACTION, query_param=_bad({"k": 1})), "must be a string, got an int"),
    ("a bool", Calls.poll_for_jobs(ACTION, max_batch_size=True), "must be an integer, got a bool"),
    (
        "an 80-character string",
        Calls.poll_for_jobs(ACTION, query_param={"k": "v" * 80}),
        "must be at most 50 characters, got an 80-character string",
    ),
    (
        "a 51-character string",
        Calls.acknowledge_job(_ID, "n" * 51),
        "must be at most 50 characters, got a 51-character string",
    ),
    (
        "1 entry",
        Calls.poll_for_jobs(ACTION, query_param={"a": "1", "b": "2"}),
        "must have at most 1 entry, got 2",
    ),
]


@pytest.mark.parametrize(("call", "rule"), [case[1:] for case in WORDED], ids=[case[0] for case in WORDED])
def test_rules_are_worded_as_english(call: Call[Any], rule: str) -> None:
    """Articles and plurals follow what comes after them."""
    with pytest.raises(ValidationError) as caught:
        call.validate()
    assert caught.value.rule == rule


def test_an_object_given_a_list_reads_as_english() -> None:
    """The wrong kind of value is named with its article: "got a list", "got None"."""
    with pytest.raises(ValidationError, match=r"^actionTypeId: must be an object, got a list$"):
        validate_request("PollForJobs", {"actionTypeId": []})


def test_a_member_is_quoted_as_its_plain_string() -> None:
    """An owner given as a member is quoted as 'ThirdParty', not as the enum's repr."""
    with pytest.raises(NotCustomActionError) as caught:
        validate_custom_owner(_partner())
    assert "got 'ThirdParty' (use poll_for_third_party_jobs)" in caught.value.rule
    assert "<" not in caught.value.rule


@pytest.mark.parametrize(
    ("noun", "expected"),
    [
        ("int", "an int"),
        ("object", "an object"),
        ("ActionTypeId", "an ActionTypeId"),
        ("ExecutionDetails", "an ExecutionDetails"),
        ("str", "a str"),
        ("list", "a list"),
        ("FailureDetails", "a FailureDetails"),
        ("1-character string", "a 1-character string"),
        ("8-character string", "an 8-character string"),
        ("11-character string", "an 11-character string"),
        ("18-character string", "an 18-character string"),
        ("80-character string", "an 80-character string"),
        ("110-character string", "a 110-character string"),
        ("800-character string", "an 800-character string"),
        ("11000-character string", "an 11000-character string"),
        ("1100-character string", "a 1100-character string"),
        ("5000-character string", "a 5000-character string"),
    ],
)
def test_the_article_is_the_one_read_aloud(noun: str, expected: str) -> None:
    """ "an" before a vowel sound, numbers read as words (eight, eleven, eighteen, eighty...)."""
    assert with_article(noun) == expected


def test_counts_and_kinds() -> None:
    """A count agrees with its noun; a kind of value is named with its article."""
    assert counted(1, "character") == "1 character"
    assert counted(0, "character") == "0 characters"
    assert counted(2, "entry", "entries") == "2 entries"
    assert counted(1, "entry", "entries") == "1 entry"
    assert type_description(None) == "None"
    assert type_description(3) == "an int"
    assert type_description(True) == "a bool"
    assert type_description([]) == "a list"
    assert type_description({}) == "a dict"
