"""The job a handler is working on, reachable from anywhere inside it: `current_job`.

A worker sets a `JobContext` (in a context variable) around each handler call:
the job, the worker's CodePipeline client, a logger carrying the job's fields,
the time left before the worker's ``job_timeout``, and what it takes to renew
the job's artifact credentials. The artifact helpers find it on their own, so
a handler needs no plumbing for credentials that outlive it:

- credentials older than `RENEW_CREDENTIALS_AFTER` are renewed *before* use
  (CodePipeline's last about 15 minutes);
- credentials S3 refuses are renewed once, as with ``codepipeline_client=``.

Renewal is GetJobDetails for a custom job and GetThirdPartyJobDetails with the
job's client token for a partner job, sent through the worker's client (an
asyncio worker's through its event loop, from the thread the helper runs in).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from typing import TYPE_CHECKING, Any, Union

from ._calls import get_job_details, get_third_party_job_details
from ._job_detail_models import JobDetails, ThirdPartyJobDetails
from ._models import Job

if TYPE_CHECKING:
    import asyncio
    import logging
    from collections.abc import Callable, Generator

__all__ = [
    "RENEW_CREDENTIALS_AFTER",
    "JobContext",
    "context_for",
    "current_job",
    "job_context",
    "renewer",
]

#: Seconds after which artifact credentials are renewed before they are used (they last ~15 min).
RENEW_CREDENTIALS_AFTER = 600.0

_AnyJob = Union[Job, JobDetails, ThirdPartyJobDetails]  # noqa: UP007 - a runtime alias on 3.10

_current: contextvars.ContextVar[JobContext | None] = contextvars.ContextVar(
    "codepipeline_jobs.current_job", default=None
)


class JobContext:
    """The job a worker's handler is working on, and what comes with it: see `current_job`.

    Args:
        job: The job, as the handler got it.
        client: The worker's CodePipeline client (boto3, or aiobotocore for an asyncio worker).
        logger: A logger whose records carry the job's fields (``job_id``, ``pipeline``, ...).
        client_token: A partner job's client token (never shown in a repr).
        deadline: When the worker's ``job_timeout`` runs out, on `clock`; ``None`` for none.
        renew: Fetches the job again with fresh artifact credentials (``None``: cannot).
        renew_after: See `RENEW_CREDENTIALS_AFTER` (its value when the context is made, by default).
        obtained_at: When the job's credentials were issued, on `clock` (now by default).
        clock: A monotonic clock.
    """

    def __init__(
        self,
        job: Job | ThirdPartyJobDetails,
        *,
        client: Any,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        client_token: str | None = None,
        deadline: float | None = None,
        renew: Callable[[], _AnyJob] | None = None,
        renew_after: float | None = None,
        obtained_at: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._job: _AnyJob = job
        self._client = client
        self._logger = logger
        self._client_token = client_token
        self._deadline = deadline
        self._renew = renew
        self._renew_after = RENEW_CREDENTIALS_AFTER if renew_after is None else renew_after
        self._clock = clock
        self._obtained_at = clock() if obtained_at is None else obtained_at
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"JobContext(job_id={self.job_id!r}, time_left={self.time_left()!r})"

    @property
    def job_id(self) -> str:
        """The job's id."""
        return self._job.id

    @property
    def job(self) -> Job | JobDetails | ThirdPartyJobDetails:
        """The job, with the freshest artifact credentials fetched for it so far."""
        return self._job

    @property
    def client(self) -> Any:
        """The worker's CodePipeline client."""
        return self._client

    @property
    def logger(self) -> logging.Logger | logging.LoggerAdapter[Any]:
        """A logger whose records carry the job's fields (``job_id``, ``pipeline``, ``stage``, ...)."""
        return self._logger

    def time_left(self) -> float | None:
        """Seconds left before the worker's ``job_timeout`` (0 once passed); ``None`` without one."""
        if self._deadline is None:
            return None
        return max(self._deadline - self._clock(), 0.0)

    def credentials_age(self) -> float:
        """Seconds since the job's current artifact credentials were issued."""
        return self._clock() - self._obtained_at

    # --- for the artifact helpers -------------------------------------------------------------

    def usable(self, job: _AnyJob) -> _AnyJob:
        """The job to read and write artifacts with: renewed first when its credentials are old."""
        if job.id != self._job.id:
            return job
        if self._renew is not None and self.credentials_age() >= self._renew_after:
            with self._lock:
                if self.credentials_age() >= self._renew_after:  # not renewed meanwhile
                    self._logger.info(
                        "artifact credentials are %.0f s old; fetching fresh ones before use",
                        self.credentials_age(),
                    )
                    self._fetch()
        return self._job

    def can_renew(self) -> bool:
        """Whether credentials can be renewed through this context."""
        return self._renew is not None

    def renewed(self, refused: _AnyJob) -> _AnyJob:
        """The job with fresh credentials, after S3 refused those of `refused`."""
        with self._lock:
            current = self._job.data.artifact_credentials
            if self._job is refused or current == refused.data.artifact_credentials:
                self._fetch()
            return self._job

    def _fetch(self) -> None:
        assert self._renew is not None  # checked by the callers
        fresh = self._renew()
        self._job = fresh
        self._obtained_at = self._clock()


def current_job() -> JobContext:
    """The job the calling handler is working on: its client, logger and time left.

    Works anywhere inside a handler run by a worker (threaded or asyncio, in the
    handler's thread or task and what it starts with the context copied, e.g.
    ``asyncio.to_thread``).

    Returns:
        The `JobContext` of the job.

    Raises:
        LookupError: Not called from inside a worker's handler.

    Example:
        ```python
        # illustrative
        def build(job: Job) -> Outcome:
            context = current_job()
            context.logger.info("building")  # the record carries job_id, pipeline, ...
            left = context.time_left()
            run_the_build(timeout=left - 30 if left is not None else None)
            return Success()
        ```
    """
    context = _current.get()
    if context is None:
        message = "current_job() is only available inside a job handler run by a worker"
        raise LookupError(message)
    return context


def context_for(job: object) -> JobContext | None:
    """The current context when it is the one of `job` (same id), else ``None``."""
    context = _current.get()
    if context is None or getattr(job, "id", None) != context.job_id:
        return None
    return context


@contextlib.contextmanager
def job_context(context: JobContext) -> Generator[JobContext]:
    """Make `context` the current job's for the duration of the block."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def renewer(
    client: Any, job: Job | ThirdPartyJobDetails, client_token: str | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
) -> Callable[[], _AnyJob]:
    """What fetches `job` again with fresh credentials through `client`.

    With `loop` (an asyncio worker's), the call is an aiobotocore one, run on
    that loop from the calling thread (artifact helpers run in threads).
    """

    def renew() -> _AnyJob:
        if isinstance(job, ThirdPartyJobDetails):
            if client_token is None:
                message = f"partner job {job.id}: renewing its credentials needs its client token"
                raise LookupError(message)
            fresh: _AnyJob = _send(client, loop, "get_third_party_job_details", job.id, client_token)
        else:
            details: JobDetails = _send(client, loop, "get_job_details", job.id)
            # keep the nonce and account of the job the handler holds; only the data is new
            fresh = Job(id=job.id, data=details.data, nonce=job.nonce, account_id=job.account_id)
        return fresh

    return renew


def _send(client: Any, loop: asyncio.AbstractEventLoop | None, name: str, *args: str) -> Any:
    if loop is None:
        calls: dict[str, Callable[..., Any]] = {
            "get_job_details": get_job_details, "get_third_party_job_details": get_third_party_job_details,
        }
        return calls[name](client, *args)
    # Only with an asyncio worker's loop, whose driver has loaded asyncio and the asyncio calls already.
    import asyncio  # noqa: PLC0415 - lazy (asyncio driver): ~12-15 ms on import of codepipeline_jobs.worker and the CLI

    from ._aio_calls import get_job_details as aio_get_job_details  # noqa: PLC0415 - lazy (asyncio driver): ~3 ms
    from ._aio_calls import get_third_party_job_details as aio_get_third_party_job_details  # noqa: PLC0415 - lazy (asyncio driver)

    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        message = (
            "cannot renew artifact credentials from the event loop's own thread: use the "
            "codepipeline_jobs.aio artifact helpers (they run in a thread)"
        )
        raise RuntimeError(message)
    coroutines: dict[str, Callable[..., Any]] = {
        "get_job_details": aio_get_job_details,
        "get_third_party_job_details": aio_get_third_party_job_details,
    }
    return asyncio.run_coroutine_threadsafe(coroutines[name](client, *args), loop).result()
