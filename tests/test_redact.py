"""Secrets out of failure messages and out of botocore's DEBUG logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest

from codepipeline_jobs import (
    ActionConfiguration,
    AWSSessionCredentials,
    FailureDetails,
    FailureType,
    FrozenMap,
    Job,
    JobData,
    MaskedException,
    SecretsFilter,
    get_job_details,
    get_third_party_job_details,
    install_log_redaction,
    poll_for_jobs,
    put_third_party_job_success_result,
)
from codepipeline_jobs._calls import Calls
from codepipeline_jobs._redact import scrub
from tests.conftest import ACTION, JOB_ID, RawReply, json_reply

if TYPE_CHECKING:
    from mypy_boto3_codepipeline import CodePipelineClient

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEJr//////////wEaDSESSIONTOKEN=="
ACCESS_KEY = "ASIAQWERTYUIOPASDFGH"
CONFIG_VALUE = "hunter2-db-password"
CLIENT_TOKEN = "partner-client-token-4f9a"
SECRETS = (SECRET_KEY, SESSION_TOKEN, ACCESS_KEY, CONFIG_VALUE, CLIENT_TOKEN)

JOB = Job(
    id=JOB_ID,
    nonce="1",
    data=JobData(
        artifact_credentials=AWSSessionCredentials(
            access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
        ),
        action_configuration=ActionConfiguration(configuration=FrozenMap({"Password": CONFIG_VALUE})),
    ),
)

# --- FailureDetails.from_exception ---------------------------------------------------------


def test_message_is_type_and_text() -> None:
    """The message is "Type: text", or the type alone when the text is empty."""
    assert FailureDetails.from_exception(ValueError("bad input")).message == "ValueError: bad input"
    assert FailureDetails.from_exception(KeyError("x")).message == "KeyError: 'x'"
    assert FailureDetails.from_exception(RuntimeError()).message == "RuntimeError"


def test_type_and_external_id_are_kept() -> None:
    """The failure type and external execution id given are the ones reported."""
    details = FailureDetails.from_exception(
        PermissionError("denied"), type=FailureType.PERMISSION_ERROR, external_execution_id="run-9"
    )
    assert details.type is FailureType.PERMISSION_ERROR
    assert details.external_execution_id == "run-9"
    assert FailureDetails.from_exception(OSError("x")).type is FailureType.JOB_FAILED


def test_job_secrets_are_scrubbed() -> None:
    """Credentials and configuration values of the job never reach the message."""
    exc = RuntimeError(
        f"login failed with {CONFIG_VALUE} using {SECRET_KEY} and {SESSION_TOKEN} ({ACCESS_KEY})"
    )
    message = FailureDetails.from_exception(exc, job=JOB).message
    for secret in (SECRET_KEY, SESSION_TOKEN, ACCESS_KEY, CONFIG_VALUE):
        assert secret not in message
    assert message.startswith("RuntimeError: login failed with ***")


def test_credential_looking_values_are_scrubbed_without_a_job() -> None:
    """Access key ids and secret members are masked even when no job is given."""
    exc = RuntimeError(
        f"boto said {{'secretAccessKey': '{SECRET_KEY}', 'sessionToken': '{SESSION_TOKEN}'}} for {ACCESS_KEY}"
    )
    message = FailureDetails.from_exception(exc).message
    for secret in (SECRET_KEY, SESSION_TOKEN, ACCESS_KEY):
        assert secret not in message


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError


def test_unprintable_exception_is_described() -> None:
    """An exception whose str() itself fails still gives a valid failure message."""
    details = FailureDetails.from_exception(_Unprintable())
    assert details.message.startswith("_Unprintable: ")
    Calls.put_job_failure_result(JOB_ID, details).validate()


def test_long_message_is_cut_with_a_marker() -> None:
    """A message over 5,000 characters is cut to exactly 5,000 with a visible marker."""
    details = FailureDetails.from_exception(RuntimeError("x" * 20_000))
    assert len(details.message) == 5000
    assert details.message.startswith("RuntimeError: xxx")
    assert "characters cut to fit the 5000-character limit" in details.message
    assert details.message.endswith("]")


def test_message_of_exactly_the_limit_is_kept() -> None:
    """A message exactly at the limit is not cut."""
    text = "y" * (5000 - len("RuntimeError: "))
    assert FailureDetails.from_exception(RuntimeError(text)).message == f"RuntimeError: {text}"


@pytest.mark.parametrize(
    "exc",
    [RuntimeError("x" * 20_000), ValueError(""), KeyError(SECRET_KEY), RuntimeError("\u00e9" * 6000)],
    ids=["long", "empty", "secret", "unicode"],
)
def test_result_passes_validation(exc: BaseException) -> None:
    """What from_exception builds is always accepted by the PutJobFailureResult rules."""
    details = FailureDetails.from_exception(exc, job=JOB, external_execution_id="e")
    Calls.put_job_failure_result(JOB_ID, details).validate()
    Calls.put_third_party_job_failure_result("pj", "t", details).validate()


# --- log redaction ------------------------------------------------------------------------


def _remove_secrets_filters() -> None:
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in [*loggers, logging.getLogger()]:
        for found in [f for f in logger.filters if isinstance(f, SecretsFilter)]:
            logger.removeFilter(found)


@pytest.fixture
def clean_filters() -> Iterator[None]:
    """No SecretsFilter installed before or after the test."""
    _remove_secrets_filters()
    yield
    _remove_secrets_filters()


CREDENTIALS = {"accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY, "sessionToken": SESSION_TOKEN}
DATA = {
    "actionConfiguration": {"configuration": {"Password": CONFIG_VALUE, "Mode": "fast"}},
    "artifactCredentials": CREDENTIALS,
}

CallWithSecrets = Callable[["CodePipelineClient"], object]
SECRET_CALLS: list[tuple[str, bytes, CallWithSecrets]] = [
    (
        "poll_for_jobs",
        json_reply({"jobs": [{"id": JOB_ID, "nonce": "1", "data": DATA}]}),
        lambda c: poll_for_jobs(c, ACTION),
    ),
    (
        "get_job_details",
        json_reply({"jobDetails": {"id": JOB_ID, "data": DATA}}),
        lambda c: get_job_details(c, JOB_ID),
    ),
    (
        "get_third_party_job_details",
        json_reply({"jobDetails": {"id": "pj", "nonce": "1", "data": DATA}}),
        lambda c: get_third_party_job_details(c, "pj", CLIENT_TOKEN),
    ),
    (
        "put_third_party_job_success_result",
        b"{}",
        lambda c: put_third_party_job_success_result(c, "pj", CLIENT_TOKEN),
    ),
]


def _run_logged(
    client: CodePipelineClient,
    raw_reply: RawReply,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    call: CallWithSecrets,
) -> list[str]:
    caplog.set_level(logging.DEBUG, logger="botocore")
    raw_reply(body, 200)
    call(client)
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("Response body") for message in messages)
    return messages


def _leaks(messages: list[str], secrets: Any = SECRETS) -> list[str]:
    return [secret for secret in secrets for message in messages if secret in message]


@pytest.mark.usefixtures("clean_filters")
@pytest.mark.parametrize(("body", "call"), [c[1:] for c in SECRET_CALLS], ids=[c[0] for c in SECRET_CALLS])
def test_botocore_logs_leak_without_the_filter(
    client: CodePipelineClient,
    raw_reply: RawReply,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    call: CallWithSecrets,
) -> None:
    """Without the filter botocore's DEBUG logs carry the secrets (so the next test can fail)."""
    messages = _run_logged(client, raw_reply, caplog, body, call)
    assert _leaks(messages)


@pytest.mark.usefixtures("clean_filters")
@pytest.mark.parametrize(("body", "call"), [c[1:] for c in SECRET_CALLS], ids=[c[0] for c in SECRET_CALLS])
def test_botocore_logs_are_clean_with_the_filter(
    client: CodePipelineClient,
    raw_reply: RawReply,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    call: CallWithSecrets,
) -> None:
    """With install_log_redaction() no secret, token, configuration value or client token is logged."""
    install_log_redaction()
    messages = _run_logged(client, raw_reply, caplog, body, call)
    assert messages
    assert _leaks(messages) == []
    assert any("***" in message for message in messages)


@pytest.mark.usefixtures("clean_filters")
def test_install_is_idempotent() -> None:
    """Installing twice returns the same filter and adds it once per logger."""
    first = install_log_redaction()
    second = install_log_redaction()
    assert first is second
    for name in ("botocore", "botocore.parsers", "botocore.endpoint"):
        assert logging.getLogger(name).filters.count(first) == 1


def test_filter_keeps_records_and_scrubs_arguments() -> None:
    """The filter never drops a record and masks secrets passed as arguments."""
    record = logging.LogRecord(
        "botocore.parsers",
        logging.DEBUG,
        __file__,
        1,
        "Response body:\n%r",
        (f'{{"secretAccessKey": "{SECRET_KEY}", "clientToken": "{CLIENT_TOKEN}"}}'.encode(),),
        None,
    )
    assert SecretsFilter().filter(record) is True
    assert _leaks([record.getMessage()]) == []


def test_scrub_masks_configuration_but_keeps_keys() -> None:
    """Every configuration value is masked; the keys stay for debugging."""
    text = scrub('{"configuration": {"Password": "hunter2-db-password", "Mode": "fast"}}')
    assert CONFIG_VALUE not in text
    assert '"Mode"' in text
    assert "fast" not in text


def test_library_logger_has_a_null_handler() -> None:
    """The library's logger never prints by itself (it carries a NullHandler)."""
    handlers = logging.getLogger("codepipeline_jobs").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_library_logs_carry_no_secrets(
    client: CodePipelineClient, raw_reply: RawReply, caplog: pytest.LogCaptureFixture
) -> None:
    """The library's own DEBUG logs name jobs, never their secrets."""
    caplog.set_level(logging.DEBUG, logger="codepipeline_jobs")
    raw_reply(SECRET_CALLS[0][1], 200)
    poll_for_jobs(client, ACTION)
    put_third_party_job_success_result(client, "pj", CLIENT_TOKEN)
    own = [r.getMessage() for r in caplog.records if r.name.startswith("codepipeline_jobs")]
    assert own
    assert _leaks(own) == []


def test_filter_scrubs_a_traceback_before_any_handler_formats_it() -> None:
    """An exception logged with exc_info whose text quotes a secret: the formatted record is clean."""
    logger = logging.getLogger("tests.redact.traceback")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretsFilter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            message = f'rejected {{"secretAccessKey": "{SECRET_KEY}"}}'
            raise RuntimeError(message)
        except RuntimeError:
            logger.exception("upload failed", stack_info=True)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "RuntimeError" in output
    assert "Traceback" in output
    assert "Stack (most recent call last)" in output
    assert _leaks([output]) == []


# --- redaction by structure ------------------------------------------------------------------

QUOTED_VALUE = 'p@ss"word-after-the-quote'
QUOTED_DATA = {
    "actionConfiguration": {
        "configuration": {
            "UserParameters": json.dumps({"password": QUOTED_VALUE, "region": "eu-west-1"}),
            "Other": "hunter2-other-value",
        }
    },
    "artifactCredentials": CREDENTIALS,
}


@pytest.mark.usefixtures("clean_filters")
def test_a_quote_in_a_configuration_value_does_not_defeat_redaction(
    client: CodePipelineClient, raw_reply: RawReply, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression: a " in a value (JSON UserParameters) left the configuration in clear in botocore's log.

    botocore logs the body as a bytes repr, where JSON's ``\\"`` becomes ``\\\\"``:
    a string pattern read that as the end of the string and the rest of the
    object - this value and every value after it - was logged as it was.
    """
    install_log_redaction()
    body = json_reply({"jobs": [{"id": JOB_ID, "nonce": "1", "data": QUOTED_DATA}]})
    messages = _run_logged(client, raw_reply, caplog, body, lambda c: poll_for_jobs(c, ACTION))
    logged = "\n".join(messages)
    for secret in ("word-after-the-quote", "hunter2-other-value", "eu-west-1", *SECRETS):
        assert secret not in logged
    assert '"UserParameters": "***", "Other": "***"' in logged


def test_a_bytes_repr_of_json_is_read_as_what_it_holds() -> None:
    """scrub() parses a bytes literal holding JSON instead of matching its escaped text."""
    document = {"configuration": {"UserParameters": json.dumps({"p": QUOTED_VALUE})}}
    text = f"Response body:\n{json.dumps(document).encode()!r}"
    scrubbed = scrub(text)
    assert "after-the-quote" not in scrubbed
    assert scrubbed == "Response body:\nb'{\"configuration\": {\"UserParameters\": \"***\"}}'"


def test_a_body_that_names_a_secret_but_is_not_json_is_withheld() -> None:
    """A body that cannot be parsed but mentions a secret member is not logged at all."""
    record = logging.LogRecord(
        "botocore.parsers", logging.DEBUG, __file__, 1, "Response body:\n%r",
        (b'{"secretAccessKey": "' + SECRET_KEY.encode() + b'", "cut sh',), None,
    )
    SecretsFilter().filter(record)
    message = record.getMessage()
    assert SECRET_KEY not in message
    assert "body withheld" in message
    harmless = logging.LogRecord(
        "botocore.parsers", logging.DEBUG, __file__, 1, "Response body:\n%r", (b"<html>busy</html>",), None
    )
    SecretsFilter().filter(harmless)
    assert harmless.getMessage() == "Response body:\nb'<html>busy</html>'"


def test_short_values_are_masked_by_structure_but_not_looked_for_in_text() -> None:
    """A value under four characters is masked where it sits, but not searched for in free text."""
    assert scrub("a bad day", ["bad"]) == "a bad day"
    assert scrub("a bad day", ["bad day"]) == "a ***"
    assert scrub('{"configuration": {"K": "a"}}') == '{"configuration": {"K": "***"}}'
    assert scrub('{"clientToken": "t"}') == '{"clientToken": "***"}'


def test_scrubbed_json_stays_json_with_its_layout() -> None:
    """JSON text (the CLI's output) is still the same JSON, laid out the same, after scrubbing."""
    document = {"jobs": [{"id": JOB_ID, "data": QUOTED_DATA}]}
    text = json.dumps(document, indent=2)
    scrubbed = scrub(text, [QUOTED_VALUE])
    parsed = json.loads(scrubbed)
    configuration = parsed["jobs"][0]["data"]["actionConfiguration"]["configuration"]
    assert configuration == {"UserParameters": "***", "Other": "***"}
    assert parsed["jobs"][0]["data"]["artifactCredentials"] == {
        "accessKeyId": "***", "secretAccessKey": "***", "sessionToken": "***"
    }
    assert scrubbed.splitlines()[:3] == text.splitlines()[:3]
    assert len(scrubbed.splitlines()) == len(text.splitlines())


def test_presigned_url_parameters_are_masked() -> None:
    """The token, credential and signature of a presigned URL are masked, whatever their encoding."""
    url = (
        "https://b.s3.amazonaws.com/a.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={ACCESS_KEY}%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"
        f"&X-Amz-Security-Token={quote(SESSION_TOKEN, safe='')}&X-Amz-Signature={'0' * 64}"
    )
    scrubbed = scrub(f"403 Forbidden for url: {url}")
    assert _leaks([scrubbed]) == []
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in scrubbed
    assert "X-Amz-Security-Token=***" in scrubbed


class _ExcInfoJsonFormatter(logging.Formatter):
    """A JSON formatter that formats ``exc_info`` itself, as python-json-logger and many others do."""

    def format(self, record: logging.LogRecord) -> str:
        document = {"message": record.getMessage()}
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            document["exception"] = record.exc_text
        return json.dumps(document)


def _log_exception(text: str, formatter: logging.Formatter) -> tuple[str, list[logging.LogRecord]]:
    logger = logging.getLogger("tests.redact.json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretsFilter())
    handler.setFormatter(formatter)
    seen: list[logging.LogRecord] = []

    def keep(record: logging.LogRecord) -> bool:
        seen.append(record)
        return True

    handler.addFilter(keep)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError(text)
        except RuntimeError:
            logger.exception("upload failed")
    finally:
        logger.removeHandler(handler)
    return stream.getvalue(), seen


@pytest.mark.parametrize(
    "quoted",
    [
        f'{{"secretAccessKey": "{SECRET_KEY}"}}',
        f"{{'sessionToken': {SESSION_TOKEN!r}}}",
        quote(json.dumps({"secretAccessKey": SECRET_KEY}), safe=""),
    ],
    ids=["json", "repr", "url-encoded json"],
)
def test_a_formatter_that_formats_exc_info_itself_sees_no_secret(quoted: str) -> None:
    """The raw exception leaves the record; its stand-in carries the masked traceback."""
    output, [record] = _log_exception(f"rejected {quoted}", _ExcInfoJsonFormatter())
    assert _leaks([output]) == []
    assert record.exc_info is not None
    assert record.exc_info[0] is MaskedException
    assert record.exc_info[2] is None  # no frames: their locals may hold more
    shown = json.loads(output)["exception"]
    assert "MaskedException: Traceback (most recent call last)" in shown
    assert "RuntimeError: rejected" in shown


def test_a_traceback_set_by_an_earlier_filter_does_not_hide_the_raw_exception() -> None:
    """Someone set a harmless exc_text first: the exception itself is still looked at."""
    logger = logging.getLogger("tests.redact.preset")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)

    def summarise(record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_text = "RuntimeError (summary)"
        return True

    handler.addFilter(summarise)
    handler.addFilter(SecretsFilter())
    handler.setFormatter(_ExcInfoJsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            message = f'rejected {{"secretAccessKey": "{SECRET_KEY}"}}'
            raise RuntimeError(message)
        except RuntimeError:
            logger.exception("upload failed")
    finally:
        logger.removeHandler(handler)
    assert _leaks([stream.getvalue()]) == []
    assert "MaskedException" in stream.getvalue()


def test_powertools_logger_shows_the_masked_traceback() -> None:
    """AWS Lambda Powertools' formatter reads exc_info only: it shows the stand-in, no secret."""
    from aws_lambda_powertools import Logger

    stream = io.StringIO()
    logger = Logger(service="tests-redact", logger_handler=logging.StreamHandler(stream))
    for handler in logger.handlers:
        handler.addFilter(SecretsFilter())
    try:
        message = f'rejected {{"secretAccessKey": "{SECRET_KEY}"}}'
        raise RuntimeError(message)
    except RuntimeError:
        logger.exception("upload failed")
    output = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert _leaks([stream.getvalue()]) == []
    assert output["exception_name"] == "MaskedException"
    assert "RuntimeError: rejected" in output["exception"]


def test_a_traceback_with_no_secret_keeps_its_exception_for_error_trackers() -> None:
    output, [record] = _log_exception("the bucket does not exist", _ExcInfoJsonFormatter())
    assert record.exc_info is not None
    assert "RuntimeError: the bucket does not exist" in json.loads(output)["exception"]
