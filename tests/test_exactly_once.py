"""Exactly one report per claimed job, whatever the handler returns or raises, in both runtimes.

The space: what a handler returns (valid outcomes, ``None``, outcomes breaking a request rule,
values of the wrong type, plain strings where a value set belongs) and what it does (returns,
raises an `Exception`, raises each kind of `BaseException`, hangs past the drain deadline), for
custom and partner jobs, with and without the fake's faults (throttling, lost replies), against
the threaded and the asyncio workers. For every case: the job was reported exactly once (or, if a
lost poll reply kept it from ever being claimed, not at all), nothing is left ``InProgress``,
``received`` is the sum of the outcome counters, nothing reached stderr or the thread excepthook,
and the job's secret appears in no log record and no failure message.

Run with ``-s`` to see how many (case) x (runtime) combinations the property tests tried.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codepipeline_jobs import (
    ActionCategory,
    ActionOwner,
    ActionTypeId,
    ExecutionDetails,
    FailureType,
    JobStatus,
)
from codepipeline_jobs.testing import FakeCodePipeline, Faults
from codepipeline_jobs.worker import Continuation, Failure, Success
from tests.flavours import FLAVOURS, Flavour, WorkerLike, activated, flavour_named

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SECRET = "s3cr3t-hunter2-Zq9"
CANNOT = "the job handler returned an outcome that cannot be reported"
STOPPED = "the worker stopped before the job finished"
FAST: dict[str, Any] = {
    "poll_interval_min": 0.01,
    "poll_interval_max": 0.02,
    "retry_delay": 0.001,
    "retry_delay_max": 0.01,
    "report_retries": 10,
    "drain_timeout": 0.1,
    "handle_signals": False,
}

#: The artifact credentials the fake handed out with the jobs: secrets, never to be logged.
CREDENTIALS: list[str] = []

#: How many examples of each (case kind) x (runtime) the tests below ran.
TRIED: collections.Counter[tuple[str, str]] = collections.Counter()


class UsersBaseException(BaseException):
    """A user's own BaseException subclass."""


def _plain(value: str) -> Any:
    """A plain string where a value set is typed (whether or not the type checkers take it)."""
    return value


# --- the cases ------------------------------------------------------------------------------

#: What a handler may return, and what the report must then be: "success", "failure" (the
#: outcome itself) or "cannot" (a failure saying the outcome cannot be reported).
RETURNS: dict[str, tuple[Callable[[], object], str]] = {
    "None": (lambda: None, "success"),
    "Success()": (Success, "success"),
    "Success(details)": (lambda: Success(execution_details=ExecutionDetails(summary="ok")), "success"),
    "Success(output_variables)": (lambda: Success(output_variables={"tag": "1.2"}), "success"),
    "Continuation": (lambda: Continuation("step-2"), "success"),
    "Failure": (lambda: Failure("tests failed"), "failure"),
    "Failure(ConfigurationError)": (lambda: Failure("bad", FailureType.CONFIGURATION_ERROR), "failure"),
    # Rules broken:
    "Success(bad variable name)": (lambda: Success(output_variables={"bad key!": "x"}), "cannot"),
    "Continuation(empty token)": (lambda: Continuation(""), "cannot"),
    "Failure(empty message)": (lambda: Failure(""), "cannot"),
    "Failure(6000 characters)": (lambda: Failure("x" * 6000), "cannot"),
    # Wrong types:
    "42": (lambda: 42, "cannot"),
    "a dict": (lambda: {"status": "Succeeded"}, "cannot"),
    "a str": (lambda: "ok", "cannot"),
    "a list": (lambda: [Success()], "cannot"),
    "True": (lambda: True, "cannot"),
    "an exception instance": (lambda: RuntimeError("returned, not raised"), "exception"),
    # Plain strings where a value set belongs (what users copy from the AWS docs):
    "Failure(type='ConfigurationError')": (lambda: Failure("m", _plain("ConfigurationError")), "plain"),
    "Failure(type='Bogus')": (lambda: Failure("m", _plain("Bogus")), "plain"),
}

#: What a handler may raise; True when it must stop the worker (as a signal does).
RAISES: dict[str, tuple[Callable[[], BaseException], bool]] = {
    "RuntimeError": (lambda: RuntimeError(f"cannot log in with {SECRET}"), False),
    "KeyError": (lambda: KeyError(SECRET), False),
    "SystemExit": (lambda: SystemExit(f"exit: {SECRET}"), True),
    "KeyboardInterrupt": (lambda: KeyboardInterrupt(SECRET), True),
    "GeneratorExit": (lambda: GeneratorExit(SECRET), False),
    "UsersBaseException": (lambda: UsersBaseException(SECRET), False),
    "CancelledError": (lambda: asyncio.CancelledError(SECRET), False),
}

BEHAVIOURS = [
    *(("return", name) for name in RETURNS),
    *(("raise", name) for name in RAISES),
    ("hang", "past the drain deadline"),
]


class Scenario:
    """One job of its own action type on one fake, and a handler doing what the case says."""

    counter = itertools.count()

    def __init__(self, fake: FakeCodePipeline, behaviour: tuple[str, str], *, partner: bool,
                 coroutine: bool) -> None:
        self.fake = fake
        self.behaviour = behaviour
        self.partner = partner
        self.coroutine = coroutine
        number = next(self.counter)
        self.action = ActionTypeId(
            category=ActionCategory.BUILD,
            owner=ActionOwner.THIRD_PARTY if partner else ActionOwner.CUSTOM,
            provider=f"Case{number}", version="1",
        )
        self.job_id = fake.add_job(self.action, configuration={"Password": SECRET, "Mode": "fast"})
        self.started = threading.Event()
        self.release = threading.Event()
        self.handler: Any = self._coroutine_handler if coroutine else self._plain_handler

    def _act(self) -> object:
        self.started.set()
        kind, name = self.behaviour
        if kind == "raise":
            raise RAISES[name][0]()
        if kind == "hang":
            self.release.wait(20)
            return Success()
        return RETURNS[name][0]()

    def _plain_handler(self, _: object) -> object:
        return self._act()

    async def _coroutine_handler(self, _: object) -> object:
        if self.behaviour[0] == "hang":
            self.started.set()
            await asyncio.sleep(20)  # cancelled at the drain deadline
            return Success()
        return self._act()

    def worker(self, flavour: Flavour, client: Any) -> WorkerLike:
        if self.partner:
            return flavour.partner_worker(client, self.action, self.handler, self.fake.client_token, **FAST)
        return flavour.job_worker(client, self.action, self.handler, **FAST)

    def work(self, worker: WorkerLike) -> None:
        """Run the worker until the job is dealt with (hangs: until it is reported after the deadline)."""
        if self.behaviour[0] == "hang":
            runner = threading.Thread(target=worker.run, daemon=True)
            runner.start()
            deadline = time.monotonic() + 20
            while not self.started.is_set() and self.fake.job(self.job_id).status == JobStatus.QUEUED:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            if self.started.wait(2):
                worker.stop()
            else:  # never claimed (a lost reply): nothing to wait for
                worker.stop()
            runner.join(20)
            assert not runner.is_alive(), "run() did not return"
            self.release.set()
            return
        for _ in range(30):  # a poll throttled beyond botocore's retries raises: poll again
            if self.fake.job(self.job_id).status != JobStatus.QUEUED:
                break
            try:
                worker.run_once()
            except (ClientError, BotoCoreError):  # the worker's own polls retry; run_once raises
                continue


def check(scenario: Scenario, worker: WorkerLike) -> None:
    """The promises, for one scenario."""
    job = scenario.fake.job(scenario.job_id)
    credentials = job.data.artifact_credentials
    if credentials is not None:  # the last ones the fake issued for the job
        CREDENTIALS.extend([credentials.secret_access_key, credentials.session_token])
    stats = worker.stats
    ended = stats.succeeded + stats.failed + stats.continued + stats.skipped + stats.errors
    assert stats.received == ended, stats
    if JobStatus.IN_PROGRESS not in job.history:
        # Handed out in a poll reply that was lost: never claimed, so never reported.
        assert job.reports == (), job.history
        assert job.history == (JobStatus.QUEUED, JobStatus.DISPATCHED), job.history
        return
    assert len(job.reports) == 1, job.history
    assert job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED), job.history
    [report] = job.reports
    message = report.failure_details.message if report.failure_details is not None else ""
    assert SECRET not in message
    kind, name = scenario.behaviour
    expected_kind = _expected(scenario)
    if expected_kind == "success":
        assert report.kind == "success", message
    else:
        assert report.kind == "failure"
        if expected_kind == "cannot":
            assert message.startswith(CANNOT), message
        elif expected_kind == "stopped":
            assert message == STOPPED
        elif expected_kind.startswith("raised "):
            assert message.startswith(expected_kind.removeprefix("raised ")), message
    if kind == "raise" and RAISES[name][1]:
        assert worker.stopping, "SystemExit/KeyboardInterrupt must stop the worker"
    assert stats.skipped == 0, stats
    assert stats.succeeded + stats.failed + stats.continued + stats.errors == 1, stats


def _expected(scenario: Scenario) -> str:
    kind, name = scenario.behaviour
    if kind == "hang":
        return "stopped"
    if kind == "raise":
        return f"raised {RAISES[name][0]().__class__.__name__}"
    expected = RETURNS[name][1]
    if expected == "exception":
        return "raised RuntimeError"  # an exception returned is reported as if raised
    if expected == "plain":
        # A failure either way: of that type once the models take plain strings, else saying why
        # it cannot be sent; "Bogus" is refused by the request rules.
        return "failure"
    if scenario.partner and name == "Success(output_variables)":
        return "cannot"  # partner actions have no output variables
    return expected


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[list[object]]:
    """Records what reaches the thread excepthook; afterwards checks stderr, the excepthook, the logs."""
    hooked: list[object] = []
    previous = threading.excepthook
    threading.excepthook = hooked.append
    try:
        with caplog.at_level(logging.DEBUG, logger="codepipeline_jobs"):
            yield hooked
    finally:
        threading.excepthook = previous
    assert hooked == [], "an exception reached threading.excepthook"
    assert capsys.readouterr().err == ""
    assert SECRET not in caplog.text
    assert CREDENTIALS
    assert not [secret for secret in CREDENTIALS if secret in caplog.text]
    assert not [r for r in caplog.records if r.name == "asyncio" and r.levelno >= logging.ERROR]


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Iterator[None]:
    yield
    total = sum(TRIED.values())
    print(f"\nexactly-once: {total} (case) x (runtime) examples, each with exactly one report:")  # noqa: T201 - the figure asked for
    for (case, runtime), count in sorted(TRIED.items()):
        print(f"  {runtime:5} {case:45} {count}")  # noqa: T201


def _run(flavour: Flavour, fake: FakeCodePipeline, client: Any, behaviour: tuple[str, str], *,
         partner: bool, coroutine: bool, faults: Faults | None) -> None:
    fake.faults = faults or Faults()
    scenario = Scenario(fake, behaviour, partner=partner, coroutine=coroutine)
    worker = scenario.worker(flavour, client)
    try:
        scenario.work(worker)
    finally:
        scenario.release.set()
        fake.faults = Faults()
    check(scenario, worker)
    TRIED[(f"{behaviour[0]} {behaviour[1]}", flavour.name)] += 1


# --- every case once, in both runtimes ------------------------------------------------------------


@pytest.mark.parametrize("flavour_name", FLAVOURS)
@pytest.mark.parametrize("behaviour", BEHAVIOURS, ids=[f"{k}-{n}" for k, n in BEHAVIOURS])
def test_every_case_gets_exactly_one_report(
    flavour_name: str, behaviour: tuple[str, str], quiet: list[object]
) -> None:
    """Each outcome and behaviour, custom and partner (and, for asyncio, plain and coroutine handlers)."""
    with flavour_named(flavour_name) as flavour, activated(flavour):
        fake = FakeCodePipeline(seed=3)
        client = flavour.client(fake)
        for partner in (False, True):
            for coroutine in (False, True) if flavour.name == "async" else (False,):
                _run(flavour, fake, client, behaviour, partner=partner, coroutine=coroutine, faults=None)


# --- the property: any case, any faults -----------------------------------------------------------

FAULTS = st.one_of(
    st.none(),
    st.builds(Faults, throttle_rate=st.sampled_from([0.0, 0.2, 0.4]),
              lost_reply_rate=st.sampled_from([0.0, 0.1, 0.25])),
)


@pytest.mark.parametrize("flavour_name", FLAVOURS)
def test_exactly_one_report_whatever_the_handler_does_and_the_faults(
    flavour_name: str, quiet: list[object]
) -> None:
    """Hypothesis over (outcome or behaviour) x (custom, partner) x (faults) x (handler style)."""
    with flavour_named(flavour_name) as flavour, activated(flavour):
        fake = FakeCodePipeline(seed=7)
        # No botocore retries (and their sleeps): the worker's own retries meet every fault.
        client = flavour.client(fake, config=Config(retries={"mode": "standard", "total_max_attempts": 1}))

        @settings(max_examples=150, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(behaviour=st.sampled_from(BEHAVIOURS), partner=st.booleans(), coroutine=st.booleans(),
               faults=FAULTS)
        def one(behaviour: tuple[str, str], partner: bool, coroutine: bool, faults: Faults | None) -> None:
            _run(flavour, fake, client, behaviour, partner=partner,
                 coroutine=coroutine and flavour.name == "async", faults=faults)

        one()


# --- the report preparation every runtime shares ----------------------------------------------------

JOB_ID = "11111111-2222-4333-8444-555555555555"


def failure_with_type(message: str, type_: object) -> Failure:
    """A `Failure` whose type is `type_` whatever it is: construction refuses a non-str, code may not."""
    failure = Failure(message)
    object.__setattr__(failure, "type", type_)  # what a buggy or hostile caller can still do
    return failure


ANYTHING = st.one_of(
    st.none(),
    st.builds(Success, output_variables=st.none() | st.dictionaries(st.text(max_size=5), st.text())),
    st.builds(Continuation, st.text(max_size=3000)),
    st.builds(Failure, st.text(max_size=6000),
              st.sampled_from([*FailureType, "ConfigurationError", "Bogus"])),
    st.builds(failure_with_type, st.text(max_size=100), st.sampled_from([3, None, b"JobFailed", ["x"]])),
    st.integers(), st.text(), st.binary(), st.dictionaries(st.text(), st.text()), st.lists(st.none()),
    st.builds(RuntimeError, st.text()), st.builds(SystemExit, st.integers()), st.just(KeyboardInterrupt()),
)


@settings(max_examples=300, deadline=None, database=None)
@given(outcome=ANYTHING, partner=st.booleans())
def test_prepare_report_never_raises_and_always_gives_a_sendable_report(
    outcome: object, partner: bool
) -> None:
    """prepare_report: a valid call for any value at all, the secrets masked in it, and its kind."""
    from codepipeline_jobs._worker_core import prepare_report

    token = "client-token-0123456789" if partner else None
    if isinstance(outcome, Failure):
        outcome = failure_with_type(f"{SECRET} {outcome.message}", outcome.type)
    elif isinstance(outcome, RuntimeError):
        outcome = RuntimeError(f"{SECRET} {outcome}")
    call, kind = prepare_report(JOB_ID, outcome, secrets=[SECRET], client_token=token)
    call.validate()  # the request breaks no rule: it would be sent
    assert kind in ("succeeded", "failed", "continued")
    assert call.params["jobId"] == JOB_ID
    assert (call.operation.startswith("PutThirdParty")) == partner
    failure = call.params.get("failureDetails")
    assert (failure is not None) == (kind == "failed")
    if isinstance(outcome, BaseException):
        assert failure is not None
        assert SECRET not in failure["message"]
        assert failure["message"].startswith(type(outcome).__name__)
    TRIED[("prepare_report", "no runtime")] += 1
