"""Keeping secrets out of logs and messages.

Three kinds of values must never be written anywhere a person or a log
pipeline can read them: artifact credentials (the secret key and the session
token), action configuration values (the API reference warns that they carry
the action's secret properties) and partner client tokens.

botocore logs whole request and reply bodies at DEBUG level, all of these
included. `SecretsFilter` masks them in every record it sees;
`install_log_redaction` installs it on botocore's loggers.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING

from ._models import MASK

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._models import Job, JobData, JobDetails, ThirdPartyJobData, ThirdPartyJobDetails

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "SecretsFilter",
    "describe_exception",
    "install_log_redaction",
    "job_secrets",
    "scrub",
]

#: The API's limit on a failure message, in characters.
MAX_MESSAGE_LENGTH = 5000

# A JSON or Python string literal, either quote style, escapes included.
_STR = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
# Members whose value is a secret wherever they appear.
_SECRET_MEMBERS = "|".join((  # names of secrets, not secrets
    "secretAccessKey", "sessionToken", "accessKeyId", "clientToken", "SecretAccessKey",
    "SessionToken", "aws_secret_access_key", "aws_session_token", "X-Amz-Security-Token",
))
_SECRET_VALUE = re.compile(rf"""(["']?(?:{_SECRET_MEMBERS})["']?\s*[:=]\s*)({_STR})""")
# The whole object under "configuration": every value in it is masked, keys kept.
_CONFIGURATION = re.compile(rf"""(["']configuration["']\s*:\s*)\{{((?:{_STR}|[^{{}}"'])*)\}}""")
_PAIR = re.compile(rf"""({_STR}\s*:\s*)({_STR})""")
# Credentials that look like credentials wherever they appear in free text.
_ACCESS_KEY_ID = re.compile(r"\b((?:AKIA|ASIA)[A-Z0-9]{4})[A-Z0-9]{8,}\b")
_SECURITY_TOKEN_HEADER = re.compile(r"(X-Amz-Security-Token:?\s*b?['\"]?)[A-Za-z0-9+/=]{16,}", re.I)
_SIGNATURE = re.compile(r"(Signature=)[0-9a-f]{64}")


def _masked_literal(literal: str) -> str:
    """The mask as a string literal in the quote style of the literal it replaces (JSON stays JSON)."""
    quote = literal[0]
    return f"{quote}{MASK}{quote}"


def _mask_configuration(match: re.Match[str]) -> str:
    inner = _PAIR.sub(lambda pair: pair.group(1) + _masked_literal(pair.group(2)), match.group(2))
    return f"{match.group(1)}{{{inner}}}"


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask every secret in a piece of text.

    Masks the values of secret members (``secretAccessKey``, ``sessionToken``,
    ``accessKeyId``, ``clientToken``) and of every entry of a ``configuration``
    object, in JSON and in Python reprs; access key ids and security-token
    headers in free text; and each of the given `secrets` wherever it appears.

    Args:
        text: The text to clean.
        secrets: Further values to mask, e.g. from `job_secrets`.

    Returns:
        The text with every secret replaced by ``***``.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    if "onfiguration" in text:
        text = _CONFIGURATION.sub(_mask_configuration, text)
    text = _SECRET_VALUE.sub(lambda m: m.group(1) + _masked_literal(m.group(2)), text)
    text = _ACCESS_KEY_ID.sub(lambda m: m.group(1) + MASK, text)
    text = _SECURITY_TOKEN_HEADER.sub(lambda m: m.group(1) + MASK, text)
    return _SIGNATURE.sub(lambda m: m.group(1) + MASK, text)


def _data_secrets(data: JobData | ThirdPartyJobData | None) -> list[str]:
    if data is None:
        return []
    found: list[str] = []
    if data.artifact_credentials is not None:
        creds = data.artifact_credentials
        found += [creds.secret_access_key, creds.session_token, creds.access_key_id]
    if data.action_configuration is not None:
        # Short values ("1", "true") would mask unrelated text; they are too short to be secrets.
        for value in data.action_configuration.configuration.values():
            found += _config_value_secrets(value)
    return found


# Short values ("1", "true") would mask unrelated text; they are too short to be secrets.
_MIN_SECRET_LENGTH = 4


def _config_value_secrets(value: str) -> list[str]:
    """A configuration value, and each string inside it when it is JSON (UserParameters often is)."""
    found = [value] if len(value) >= _MIN_SECRET_LENGTH else []
    if value[:1] in "{[":
        try:
            document: object = json.loads(value)
        except ValueError:
            return found
        stack = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, str) and len(item) >= _MIN_SECRET_LENGTH:
                found.append(item)
            elif isinstance(item, dict):
                stack.extend(item.values())  # pyright: ignore[reportUnknownArgumentType, reportUnknownMemberType]
            elif isinstance(item, list):
                stack.extend(item)  # pyright: ignore[reportUnknownArgumentType]
    return found


def job_secrets(job: Job | JobDetails | ThirdPartyJobDetails | None) -> list[str]:
    """The secret values a job carries: its credentials and action configuration values."""
    return _data_secrets(job.data) if job is not None else []


def describe_exception(
    exc: BaseException,
    *,
    job: Job | JobDetails | ThirdPartyJobDetails | None = None,
    limit: int = MAX_MESSAGE_LENGTH,
) -> str:
    """An exception as a failure message: ``"Type: text"``, scrubbed and cut to `limit`.

    A message that is too long keeps its beginning and ends with a marker
    saying how many characters were left out.
    """
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break the failure report
        text = "<exception text could not be read>"
    message = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    message = scrub(message, job_secrets(job))
    if len(message) > limit:
        marker = f" ... [{{}} characters cut to fit the {limit}-character limit]"
        cut = len(message) - (limit - len(marker.format(len(message))))
        message = message[: limit - len(marker.format(cut))] + marker.format(cut)
    return message


_TRACEBACKS = logging.Formatter()


class SecretsFilter(logging.Filter):
    """A logging filter that masks credentials, tokens and configuration values.

    It formats each record's message and traceback, scrubs them (see `scrub`)
    and stores the clean text back in the record, so handlers downstream see no
    secret. It never drops a record.

    Example:
        ```python
        handler.addFilter(SecretsFilter())
        ```
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record's message in place; always keep the record."""
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's problem, not ours
            return True
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, scrubbed: handlers use exc_text when it is set, so the
            # raw exception text (which may quote a secret) is never formatted downstream.
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


#: Loggers that write request or reply bodies, headers or signing material.
_BODY_LOGGERS = (
    "botocore",
    "botocore.auth",
    "botocore.endpoint",
    "botocore.hooks",
    "botocore.httpsession",
    "botocore.parsers",
    "botocore.retryhandler",
    "urllib3.connectionpool",
)
_PROTECTED_PREFIXES = ("botocore", "boto3", "s3transfer", "urllib3", "aiobotocore")


def install_log_redaction(logger_names: Iterable[str] | None = None) -> SecretsFilter:
    """Install a `SecretsFilter` on botocore's loggers (once; calling again is harmless).

    A filter on a logger applies only to the records that logger itself
    creates, so the filter goes on every logger of botocore, boto3, s3transfer,
    urllib3 and aiobotocore that exists when this is called, and on the ones
    known to write bodies even if they do not exist yet. Call it after
    ``import boto3``; for belt and braces, add a `SecretsFilter` to your log
    handlers as well.

    Args:
        logger_names: The loggers to protect; by default the ones above.

    Returns:
        The installed filter.

    Example:
        ```python
        import logging
        import codepipeline_jobs

        codepipeline_jobs.install_log_redaction()
        logging.basicConfig(level=logging.DEBUG)  # botocore's bodies now come out masked
        ```
    """
    if logger_names is None:
        existing_names = [
            name
            for name in list(logging.root.manager.loggerDict)
            if name.split(".", 1)[0] in _PROTECTED_PREFIXES
        ]
        logger_names = sorted({*_BODY_LOGGERS, *existing_names})
    the_filter = _installed_filter() or SecretsFilter()
    for name in logger_names:
        logger = logging.getLogger(name)
        if the_filter not in logger.filters:
            logger.addFilter(the_filter)
    return the_filter


def _installed_filter() -> SecretsFilter | None:
    for existing in logging.getLogger("botocore").filters:
        if isinstance(existing, SecretsFilter):
            return existing
    return None
