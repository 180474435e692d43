"""A worker's health: the snapshot it shows, and the state machine behind it (no I/O in it).

`HealthState` is told what happens - the loop started or stopped, a poll
succeeded or failed - and decides, once for both runtimes:

- `Health.live`: the poll loop runs (between the start of ``run()`` and its end);
- `Health.ready`: the last poll succeeded;
- which poll failures are *permanent*. ``ActionTypeNotFoundException`` is
  retried briefly (a newly created action type can take moments to appear):
  at most `NOT_FOUND_ATTEMPTS` polls and `NOT_FOUND_BUDGET` seconds from the
  first, then the worker stops with `ActionTypeNotFoundError`. An
  AccessDenied-style refusal (see `REFUSED_CODES`) does not stop the worker
  (a policy can be fixed while it runs): it is not ready, and the refusal is
  logged once per change, not once per poll.

The state is guarded by a lock: the threaded worker reports polls from many
threads, and `health()` may be read from any thread (the health server's).
"""

from __future__ import annotations

import datetime
import threading
import time
from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs

from ._errors import ActionTypeNotFoundError
from ._worker_retry import error_code

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._models import ActionTypeId

__all__ = [
    "DEFAULT_HEALTH_HOST",
    "NOT_FOUND_ATTEMPTS",
    "NOT_FOUND_BUDGET",
    "REFUSED_CODES",
    "Health",
    "HealthState",
    "PollVerdict",
]

#: Where the health server listens unless told otherwise: this machine only.
DEFAULT_HEALTH_HOST = "127.0.0.1"
#: How many polls in a row may answer ActionTypeNotFoundException before the worker stops.
NOT_FOUND_ATTEMPTS = 5
#: How long, in seconds from the first such answer, before the worker stops whatever the count.
NOT_FOUND_BUDGET = 60.0
#: Error codes that mean "not allowed": the worker is not ready until a poll succeeds again.
REFUSED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
    "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch", "ExpiredToken",
    "ExpiredTokenException", "MissingAuthenticationToken",
})

PollVerdict: TypeAlias = Literal["transient", "refused", "refused_again", "stop"]
"""What a failed poll means: retry it quietly or as today (``transient``), a refusal
newly seen (``refused``: log it once) or seen already (``refused_again``: say nothing
more), or the end of the worker (``stop``: raise `HealthState.stop_error`)."""


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


@attrs.frozen(kw_only=True)
class Health:
    """A snapshot of a worker's health, from `JobWorker.health` (or an asyncio worker's).

    Serve it to your orchestrator: ``codepipeline-jobs run --health-port`` answers
    ``/healthz`` with `live` and ``/readyz`` with `ready`.
    """

    live: bool = False
    """The poll loop is running: from the start of ``run()`` until it returns (false before and after)."""
    ready: bool = False
    """The last poll succeeded (false until the first one does, and once the worker stopped)."""
    last_successful_poll: datetime.datetime | None = None
    """When the last poll succeeded (timezone-aware, UTC), or ``None`` if none has yet."""
    consecutive_poll_failures: int = 0
    """Polls that failed since the last one that succeeded."""
    in_flight: int = 0
    """Jobs the worker holds right now (claimed or being claimed, handled or being reported)."""
    problem: str | None = None
    """Why the worker is not ready, when a poll failed: the error code (never a secret)."""

    def as_dict(self) -> dict[str, object]:
        """The snapshot as JSON-ready values (the health server's reply body)."""
        last = self.last_successful_poll
        return {
            "live": self.live,
            "ready": self.ready,
            "last_successful_poll": last.isoformat() if last is not None else None,
            "consecutive_poll_failures": self.consecutive_poll_failures,
            "in_flight": self.in_flight,
            "problem": self.problem,
        }


class HealthState:
    """What a worker's polls tell about its health; decides which failures stop it.

    Args:
        action_type_ids: The action types the worker polls (named in `stop_error`).
        clock: The wall clock of `Health.last_successful_poll` (timezone-aware).
        monotonic: The clock of the not-found budget.
        not_found_attempts: See `NOT_FOUND_ATTEMPTS` (its value when the state is made, by default).
        not_found_budget: See `NOT_FOUND_BUDGET` (likewise).
    """

    def __init__(
        self,
        action_type_ids: tuple[ActionTypeId, ...] = (),
        *,
        clock: Callable[[], datetime.datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        not_found_attempts: int | None = None,
        not_found_budget: float | None = None,
    ) -> None:
        self._action_type_ids = action_type_ids
        self._clock = clock
        self._monotonic = monotonic
        self._not_found_attempts = NOT_FOUND_ATTEMPTS if not_found_attempts is None else not_found_attempts
        self._not_found_budget = NOT_FOUND_BUDGET if not_found_budget is None else not_found_budget
        self._lock = threading.Lock()
        self._live = False
        self._ready = False
        self._draining = False
        self._last: datetime.datetime | None = None
        self._failures = 0
        self._problem: str | None = None
        self._refused: str | None = None  # the refusal code logged last, to log each change once
        self._not_found: dict[int, tuple[int, float]] = {}  # per action type: (polls, first seen)
        self._stop_error: ActionTypeNotFoundError | None = None

    def snapshot(self, in_flight: int = 0) -> Health:
        """The health now, with `in_flight` jobs held."""
        with self._lock:
            return Health(
                live=self._live, ready=self._live and self._ready and not self._draining,
                last_successful_poll=self._last,
                consecutive_poll_failures=self._failures, in_flight=in_flight, problem=self._problem,
            )

    @property
    def stop_error(self) -> ActionTypeNotFoundError | None:
        """The error `run()` raises after a ``stop`` verdict (``None`` before one)."""
        with self._lock:
            return self._stop_error

    def started(self) -> None:
        """The poll loop started: live (and not ready until a poll succeeds)."""
        with self._lock:
            self._live, self._ready, self._draining = True, False, False
            self._stop_error = None
            self._not_found.clear()

    def stopping(self) -> None:
        """The worker was told to stop: it drains (still live), no longer ready.

        Lock-free: `stop` calls it, and may run in a signal handler that interrupted a
        thread holding the lock.
        """
        self._draining = True

    def stopped(self) -> None:
        """The poll loop ended (the worker drains or returned): neither live nor ready."""
        with self._lock:
            self._live = self._ready = False

    def poll_succeeded(self, action_type_index: int = 0) -> bool:
        """A poll of the action type `action_type_index` answered; whether a refusal just ended."""
        with self._lock:
            self._ready = True
            self._last = self._clock()
            self._failures = 0
            self._problem = None
            self._not_found.pop(action_type_index, None)
            ended = self._refused is not None
            self._refused = None
            return ended

    def poll_failed(self, exc: BaseException, action_type_index: int = 0) -> PollVerdict:
        """A poll of the action type `action_type_index` raised `exc`: what it means."""
        code = error_code(exc)
        with self._lock:
            self._ready = False
            self._failures += 1
            self._problem = code or type(exc).__name__
            if code == "ActionTypeNotFoundException":
                now = self._monotonic()
                polls, first = self._not_found.get(action_type_index, (0, now))
                polls += 1
                self._not_found[action_type_index] = (polls, first)
                if polls >= self._not_found_attempts or now - first >= self._not_found_budget:
                    self._stop_error = ActionTypeNotFoundError(self._named(action_type_index))
                    return "stop"
                return "transient"
            if code in REFUSED_CODES:
                again = self._refused == code
                self._refused = code
                return "refused_again" if again else "refused"
            self._refused = None
            return "transient"

    def _named(self, index: int) -> str:
        if index < len(self._action_type_ids):
            a = self._action_type_ids[index]
            return f"{a.category}/{a.owner}/{a.provider}/{a.version}"
        return "the action type"
