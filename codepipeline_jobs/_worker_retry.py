"""Backoff with jitter, and which errors are worth another attempt.

botocore already retries throttling, 5xx replies and dropped connections a
few times (3 attempts in ``standard`` mode). In a throttling storm that is not
enough for a report, which must land or the job hangs until it times out, so
the worker retries again on top, with its own exponential backoff.
"""

from __future__ import annotations

import random

import attrs
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from ._errors import MalformedResponseError

__all__ = ["Backoff", "error_code", "is_retryable", "next_delay", "was_retried"]

#: Error codes AWS services use for "slow down".
_THROTTLING_CODES = frozenset({
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "RequestThrottled",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "EC2ThrottledException",
    "PriorRequestNotComplete",
    "TransactionInProgressException",
})
_TRANSIENT_CODES = frozenset({
    "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
    "ServiceUnavailable", "ServiceUnavailableException",
})


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ``ClientError`` (``None`` for anything else)."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return code or None
    return None


def is_retryable(exc: BaseException) -> bool:
    """Whether another attempt may succeed: throttling, 5xx, a dropped connection, a garbled reply."""
    if isinstance(exc, ClientError):
        code = error_code(exc) or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in _THROTTLING_CODES or code in _TRANSIENT_CODES or status >= 500
    return isinstance(exc, (ConnectionError, HTTPClientError, MalformedResponseError))


def was_retried(exc: BaseException) -> bool:
    """Whether botocore made more than one attempt before `exc` (the reply of one may be lost)."""
    if isinstance(exc, ClientError):
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        return bool(attempts)
    return False


@attrs.define
class Backoff:
    """Exponential backoff with jitter.

    The n-th delay (from 0) is drawn from ``[spread_floor * c, c]`` where
    ``c = min(cap, base * 2**n)``: ``spread_floor=0`` is "full jitter" (for
    retries, so that racing workers spread out), ``0.5`` keeps at least half
    the ceiling (for idle polling, so that an idle worker really slows down).

    Attributes:
        base: The ceiling of the first delay, in seconds.
        cap: The highest ceiling, in seconds.
        spread_floor: The share of the ceiling every delay keeps (0-1).
        attempt: How many delays were handed out since the last `reset`.
    """

    base: float
    cap: float
    spread_floor: float = 0.0
    attempt: int = 0
    _random: random.Random = attrs.field(factory=random.Random, repr=False)

    def next(self) -> float:
        """The next delay, in seconds."""
        ceiling = min(self.cap, self.base * 2 ** min(self.attempt, 62))
        self.attempt += 1
        return self._random.uniform(self.spread_floor * ceiling, ceiling)

    def reset(self) -> None:
        """Start again from the shortest delays."""
        self.attempt = 0


def next_delay(exc: BaseException, attempt: int, retries: int, backoff: Backoff) -> float | None:
    """The delay before retry number `attempt` (from 1) after `exc`; ``None`` to give up.

    An error that is not worth another attempt, or one after the last of
    `retries` retries, gives up. The job lifecycle (`_lifecycle`) asks this
    after every failed attempt and sleeps, or raises, as it says.
    """
    if attempt > retries or not is_retryable(exc):
        return None
    return backoff.next()
