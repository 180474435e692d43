"""Properties of redaction: no form of a secret, whatever characters it holds, gets out.

Every secret below is drawn from text full of awkward characters (quotes,
backslashes, braces, newlines, NUL and other control characters, non-ASCII,
text that looks like escapes, very long values). The forms a secret takes in
real messages are written out here, independently of the library:
`forms_of`. Each test asserts that none of them - nor the two markers every
drawn secret starts and ends with - appears where it must not.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import pickle
import traceback
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionConfiguration,
    AWSSessionCredentials,
    FailureDetails,
    FailureType,
    FrozenMap,
    Job,
    JobData,
    SecretsFilter,
    acknowledge_job,
    get_job_details,
    get_third_party_job_details,
    install_log_redaction,
    poll_for_jobs,
    put_third_party_job_failure_result,
)
from codepipeline_jobs._redact import job_secrets, scrub
from codepipeline_jobs.testing import FakeCodePipeline
from tests.conftest import ACTION, JOB_ID

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_codepipeline import CodePipelineClient

MARKER = "Qz7x"  # every drawn secret starts with it: no other text in these tests holds it
TAIL = "Wq9k"  # and ends with this, so that a secret masked only up to an awkward character shows

AWKWARD = st.sampled_from([
    '"', "'", "\\", "{", "}", "[", "]", "\n", "\r", "\t", "\x00", "\x01", "\x1b", "\x7f", "\u2028",
    "é", "ß", "☃", "💥", "\\u00e9", '\\"', "\\n", "%", "%2F", "+", "&", "=", "/", " ", ":", ",",
    "b'", '"}', "***",
])
PIECES = st.one_of(AWKWARD, st.characters(codec="utf-8"), st.text(st.characters(codec="utf-8"), max_size=3))
SECRETS = st.one_of(
    st.lists(PIECES, min_size=4, max_size=24).map(lambda pieces: MARKER + "".join(pieces) + TAIL),
    st.tuples(st.lists(PIECES, min_size=1, max_size=6).map("".join), st.integers(200, 1500)).map(
        lambda drawn: MARKER + drawn[0] * drawn[1] + TAIL
    ),  # very long
)
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def forms_of(value: str) -> list[str]:
    """Every form `value` takes in real messages (written out here, not taken from the library)."""
    forms = [
        value,
        quote(value),
        quote(value, safe=""),
        quote_plus(value),
        quote_plus(value, safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        ascii(value)[1:-1],
        value.encode("unicode_escape").decode("ascii"),
        repr(value.encode())[2:-1],
        repr(json.dumps(value).encode())[2:-1],  # how botocore logs a JSON body
        repr(json.dumps(value))[1:-1],
    ]
    return [form for form in forms if form]


def leaks(text: str, *secrets: str) -> list[str]:
    """The forms of `secrets` found in `text`, and the markers that are there."""
    found = [form for secret in secrets for form in forms_of(secret) if form in text]
    return found + [marker for marker in (MARKER, TAIL) if marker in text]


def job_with(*, config: str = "", secret_key: str = "", token: str = "") -> Job:
    """A job carrying the given secrets (plain ones where none is given)."""
    return Job(
        id=JOB_ID,
        nonce="1",
        data=JobData(
            artifact_credentials=AWSSessionCredentials(
                access_key_id="ASIAQWERTYUIOPASDFGH",
                secret_access_key=secret_key or "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY",
                session_token=token or "FwoGZXIvYXdzEJr//////////wEaDSESSIONTOKEN==",
            ),
            action_configuration=ActionConfiguration(
                configuration=FrozenMap({
                    "Password": config or "hunter2-db-password",
                    "UserParameters": json.dumps({"password": config or "x"}),
                })
            ),
        ),
    )


# --- failure messages ----------------------------------------------------------------------


def _quote_all(text: str) -> str:
    return quote(text, safe="")


def _quote_plus_all(text: str) -> str:
    return quote_plus(text, safe="")


def _exceptions(value: str) -> Iterator[BaseException]:
    """Exceptions whose text embeds `value` in each form real code produces."""
    config = {"Password": value, "Mode": "fast"}
    yield KeyError(value)
    yield ValueError(json.dumps(config))
    yield ValueError(json.dumps(config, ensure_ascii=False))
    yield RuntimeError(f"bad config: {config!r}")
    yield RuntimeError(f"bad value {value!a}")
    yield RuntimeError(f"bad value {value.encode('unicode_escape').decode('ascii')}")
    yield RuntimeError(f"body was {json.dumps(config).encode()!r}")
    yield RuntimeError(f"login failed: {value}")
    for encode in (quote, quote_plus, _quote_all, _quote_plus_all):
        yield RuntimeError(
            "403 Forbidden for https://artifacts.s3.amazonaws.com/a.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Security-Token={encode(value)}&X-Amz-Signature=0f3a&password={encode(value)}"
        )


@PROPERTY
@given(value=SECRETS)
def test_failure_messages_carry_no_form_of_a_job_secret(value: str) -> None:
    """from_exception masks a configuration value, secret key or token in every form it is quoted in."""
    for job in (job_with(config=value), job_with(secret_key=value), job_with(token=value)):
        for exc in _exceptions(value):
            message = FailureDetails.from_exception(exc, job=job).message
            assert leaks(message, value) == [], (type(exc).__name__, message)


@PROPERTY
@given(value=SECRETS)
def test_scrub_masks_every_form_of_a_given_secret(value: str) -> None:
    """scrub() masks each given secret raw, URL-, JSON-, repr-, ascii- and unicode_escape-encoded."""
    text = " | ".join(forms_of(value))
    assert leaks(scrub(text, [value]), value) == []
    assert leaks(scrub(text, job_secrets(job_with(config=value))), value) == []


@PROPERTY
@given(value=SECRETS)
def test_structure_alone_masks_secrets_without_knowing_them(value: str) -> None:
    """Without being told the secret, scrub() masks it by where it sits: JSON, reprs, bytes reprs."""
    document = {
        "configuration": {"Password": value, "Mode": "fast"},
        "artifactCredentials": {"secretAccessKey": value, "sessionToken": value},
        "clientToken": value,
    }
    texts = [
        json.dumps(document),
        json.dumps(document, ensure_ascii=False, indent=2),
        repr(document),
        repr(json.dumps(document).encode()),
        repr({"body": json.dumps(document)}),
        f"Response body:\n{json.dumps(document).encode()!r}",
    ]
    for text in texts:
        assert leaks(scrub(text), value) == [], text


# --- botocore's DEBUG logs --------------------------------------------------------------------


class _Capture(logging.Handler):
    """Formats every record it gets, traceback and stack included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def botocore_debug() -> Iterator[_Capture]:
    """botocore (and aiobotocore) at DEBUG, redaction installed, every record captured."""
    install_log_redaction()
    capture = _Capture()
    loggers = [logging.getLogger("botocore"), logging.getLogger("aiobotocore")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(capture)
            logger.setLevel(level)


def _reply_with(client: CodePipelineClient, body: bytes) -> Callable[[], None]:
    """Answer every request of `client` with `body`; returns the function that stops it."""

    def reply(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        return AWSResponse(request.url, 200, headers, _Raw(body))

    client.meta.events.register("before-send.codepipeline", reply, unique_id="secrets-reply")  # type: ignore[arg-type]

    def stop() -> None:
        client.meta.events.unregister("before-send.codepipeline", unique_id="secrets-reply")

    return stop


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@PROPERTY
@given(value=SECRETS, other=SECRETS)
def test_botocore_debug_logs_of_the_fake_carry_no_configuration_value(
    botocore_debug: _Capture, value: str, other: str
) -> None:
    """Real calls through the fake at DEBUG: configuration values with any characters stay out of the logs."""
    fake = FakeCodePipeline()
    fake.add_job(
        ACTION, configuration={"Password": value, "UserParameters": json.dumps({"token": other}), "Mode": "x"}
    )
    client = fake.client()
    botocore_debug.lines.clear()
    [job] = poll_for_jobs(client, ACTION)
    acknowledge_job(client, job.id, job.nonce or "")
    get_job_details(client, job.id)
    logged = "\n".join(botocore_debug.lines)
    assert "Response body" in logged
    assert "Making request" in logged
    assert "CanonicalRequest" in logged
    assert leaks(logged, value, other) == []
    credentials = job.data.artifact_credentials
    assert credentials is not None
    assert leaks(logged, credentials.secret_access_key, credentials.session_token) == []
    assert credentials.access_key_id not in logged


@PROPERTY
@given(value=SECRETS)
def test_botocore_debug_logs_carry_no_credential_or_client_token(
    botocore_debug: _Capture, client: CodePipelineClient, value: str
) -> None:
    """Credentials and client tokens with any characters, in requests and replies, stay out of the logs."""
    data = {
        "actionConfiguration": {"configuration": {"Password": value}},
        "artifactCredentials": {"accessKeyId": value, "secretAccessKey": value, "sessionToken": value},
    }
    stop = _reply_with(client, json.dumps({"jobDetails": {"id": "pj", "nonce": "1", "data": data}}).encode())
    try:
        botocore_debug.lines.clear()
        token = value[:256]  # the API's longest client token
        get_third_party_job_details(client, "pj", token)
        put_third_party_job_failure_result(
            client, "pj", token, FailureDetails(type=FailureType.JOB_FAILED, message="m")
        )
    finally:
        stop()
    logged = "\n".join(botocore_debug.lines)
    assert logged.count("Response body") == 2
    assert leaks(logged, value, token) == []


# --- tracebacks through the filter -------------------------------------------------------------


def _logged_through_filter(exc: BaseException) -> str:
    """What a handler with a SecretsFilter writes for `exc` logged with its traceback and stack."""
    logger = logging.getLogger("tests.secrets.tracebacks")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretsFilter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise exc
        except BaseException:
            logger.exception("upload failed: %r", exc, stack_info=True)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


@PROPERTY
@given(value=SECRETS)
def test_tracebacks_through_the_filter_carry_no_secret_member(value: str) -> None:
    """A traceback quoting secrets by structure (JSON, reprs, bytes, presigned URLs) comes out masked."""
    document = {"configuration": {"Password": value}, "secretAccessKey": value, "clientToken": value}
    for exc in (
        RuntimeError(json.dumps(document)),
        RuntimeError(repr(document)),
        ValueError(f"reply was {json.dumps(document).encode()!r}"),
        RuntimeError(f"https://b.s3.amazonaws.com/k?X-Amz-Security-Token={quote(value, safe='')}&x=1"),
        RuntimeError(f"https://b.s3.amazonaws.com/k?X-Amz-Security-Token={quote_plus(value)}"),
    ):
        output = _logged_through_filter(exc)
        assert "Traceback" in output
        assert "Stack (most recent call last)" in output
        assert leaks(output, value) == [], output


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=SECRETS.filter(lambda value: len(value) >= 8))  # shorter values are not remembered
def test_a_value_masked_in_a_body_is_masked_in_later_tracebacks(botocore_debug: _Capture, value: str) -> None:
    """A configuration value botocore logged is remembered: a later KeyError(value) traceback is masked."""
    fake = FakeCodePipeline()
    fake.add_job(ACTION, configuration={"Password": value})
    poll_for_jobs(fake.client(), ACTION)
    for exc in (KeyError(value), RuntimeError(value), RuntimeError(json.dumps([value]))):
        output = _logged_through_filter(exc)
        assert leaks(output, value) == [], output
    formatted = "".join(traceback.format_exception(KeyError(value)))
    assert leaks(formatted, value)  # (without the filter it is there)


# --- the configuration map's repr ---------------------------------------------------------------


@PROPERTY
@given(value=SECRETS, key=st.sampled_from(["Password", "UserParameters", "ApiKey"]))
def test_configuration_map_never_shows_a_value(value: str, key: str) -> None:
    """repr, str, format, %r/%s and f-string forms of the map and of the models holding it are masked."""
    config = FrozenMap({key: value, "Mode": "fast"})
    job = job_with(config=value)
    for shown in (config, ActionConfiguration(configuration=config), job, job.data):
        for text in (repr(shown), str(shown), format(shown), f"{shown}", f"{shown!r}", f"{shown!s}",
                     "%r %s" % (shown, shown), "{} {!r}".format(shown, shown)):  # noqa: UP031, UP032
            assert leaks(text, value) == [], text
            assert "fast" not in text
    assert leaks(f"{config:>300}", value) == []
    assert key in repr(config)


def test_a_map_built_with_secret_false_shows_its_values() -> None:
    """Output variables are not secret: FrozenMap(..., secret=False) shows them, and pickles as such."""
    variables = FrozenMap({"imageTag": "1.4.2"}, secret=False)
    assert repr(variables) == "FrozenMap({'imageTag': '1.4.2'}, secret=False)"
    assert variables.secret is False
    restored = pickle.loads(pickle.dumps(variables))
    assert repr(restored) == repr(variables)
    config = FrozenMap({"imageTag": "1.4.2"})
    assert repr(config) == "FrozenMap({'imageTag': '***'})"
    assert config.secret is True
    assert pickle.loads(pickle.dumps(config)).secret is True
    assert variables == config
    assert hash(variables) == hash(config)


def test_maps_read_from_replies_are_masked() -> None:
    """The configuration read through the converter (fast path and cattrs) masks its values in repr."""
    fake = FakeCodePipeline()
    fake.add_job(ACTION, configuration={"ApiKey": "k-8f2c41d9e07b"})
    [job] = poll_for_jobs(fake.client(), ACTION)
    assert job.data.action_configuration is not None
    configuration = job.data.action_configuration.configuration
    assert isinstance(configuration, FrozenMap)
    assert repr(configuration) == "FrozenMap({'ApiKey': '***'})"
    assert configuration["ApiKey"] == "k-8f2c41d9e07b"


def test_aiobotocore_debug_logs_carry_no_secret(botocore_debug: _Capture) -> None:
    """The same through aiobotocore, which logs reply bodies from its own parser."""
    pytest.importorskip("aiobotocore", reason="needs the aio extra (aiobotocore)")
    from codepipeline_jobs import aio

    value = MARKER + '"se\\cr}et\n\u00e9' + TAIL
    fake = FakeCodePipeline()
    fake.add_job(ACTION, configuration={"Password": value, "UserParameters": json.dumps({"p": value})})

    async def poll() -> list[Job]:
        async with fake.aio_client() as client:
            return await aio.poll_for_jobs(client, ACTION)

    botocore_debug.lines.clear()
    [job] = asyncio.run(poll())
    logged = "\n".join(botocore_debug.lines)
    assert "Response body" in logged
    credentials = job.data.artifact_credentials
    assert credentials is not None
    assert leaks(logged, value, credentials.secret_access_key, credentials.session_token) == []
