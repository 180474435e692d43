"""The health state machine (no worker, no I/O) and the health server on 127.0.0.1."""

from __future__ import annotations

import datetime
import http.client
import json
import pickle

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from hypothesis import given
from hypothesis import strategies as st

from codepipeline_jobs import ActionTypeId, ActionTypeNotFoundError, CodePipelineJobsError
from codepipeline_jobs._health import NOT_FOUND_ATTEMPTS, Health, HealthState
from codepipeline_jobs._health_server import HealthServer

ACTION = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="1")


def client_error(code: str) -> ClientError:
    """A ``ClientError`` with `code`, as botocore raises it."""
    return ClientError({"Error": {"Code": code, "Message": "no"}}, "PollForJobs")


class Clock:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_new_state_is_neither_live_nor_ready() -> None:
    """Before run(): not live, not ready, no poll yet."""
    health = HealthState().snapshot()
    assert health == Health()
    assert (health.live, health.ready, health.last_successful_poll) == (False, False, None)


def test_transitions_from_start_to_stop() -> None:
    """Started: live, not ready; a poll: ready with a UTC time; a failure: not ready; stopped: neither."""
    state = HealthState((ACTION,))
    state.started()
    assert (state.snapshot().live, state.snapshot().ready) == (True, False)
    state.poll_succeeded()
    ok = state.snapshot(in_flight=3)
    assert ok.ready
    assert ok.in_flight == 3
    assert ok.last_successful_poll is not None
    assert ok.last_successful_poll.utcoffset() == datetime.timedelta(0)
    assert state.poll_failed(EndpointConnectionError(endpoint_url="https://x")) == "transient"
    assert state.poll_failed(client_error("ThrottlingException")) == "transient"
    failing = state.snapshot()
    assert (failing.ready, failing.consecutive_poll_failures) == (False, 2)
    assert failing.last_successful_poll == ok.last_successful_poll
    assert failing.problem == "ThrottlingException"
    state.poll_succeeded()
    assert state.snapshot().consecutive_poll_failures == 0
    assert state.snapshot().problem is None
    state.stopping()  # draining: still live, no longer ready
    assert (state.snapshot().live, state.snapshot().ready) == (True, False)
    state.stopped()
    assert (state.snapshot().live, state.snapshot().ready) == (False, False)


def test_an_unknown_action_type_stops_after_a_few_polls() -> None:
    """ActionTypeNotFoundException is retried a few times, then the verdict is stop, naming the type."""
    state = HealthState((ACTION,))
    state.started()
    missing = client_error("ActionTypeNotFoundException")
    verdicts = [state.poll_failed(missing) for _ in range(NOT_FOUND_ATTEMPTS)]
    assert verdicts == ["transient"] * (NOT_FOUND_ATTEMPTS - 1) + ["stop"]
    error = state.stop_error
    assert isinstance(error, ActionTypeNotFoundError)
    assert isinstance(error, CodePipelineJobsError)
    assert error.action_type == "Build/Custom/MyBuilder/1"
    assert "Build/Custom/MyBuilder/1" in str(error)
    assert pickle.loads(pickle.dumps(error)).action_type == error.action_type


def test_an_unknown_action_type_stops_within_a_minute_whatever_the_count() -> None:
    """The budget is a minute from the first not-found answer, however slowly polls come."""
    clock = Clock()
    state = HealthState((ACTION,), monotonic=clock, not_found_attempts=1000)
    state.started()
    assert state.poll_failed(client_error("ActionTypeNotFoundException")) == "transient"
    clock.now += 59
    assert state.poll_failed(client_error("ActionTypeNotFoundException")) == "transient"
    clock.now += 1
    assert state.poll_failed(client_error("ActionTypeNotFoundException")) == "stop"


def test_a_type_that_appears_resets_its_budget() -> None:
    """A newly created type answers after a not-found or two: the worker goes on, the count starts over."""
    state = HealthState((ACTION,))
    state.started()
    for _ in range(NOT_FOUND_ATTEMPTS - 1):
        assert state.poll_failed(client_error("ActionTypeNotFoundException")) == "transient"
    state.poll_succeeded()
    for _ in range(NOT_FOUND_ATTEMPTS - 1):
        assert state.poll_failed(client_error("ActionTypeNotFoundException")) == "transient"
    assert state.stop_error is None


def test_each_action_type_has_its_own_budget() -> None:
    """With two types, one found keeps the other's not-found count where it is; the missing one is named."""
    other = ActionTypeId(category="Build", owner="Custom", provider="MyBuilder", version="2")
    state = HealthState((ACTION, other))
    state.started()
    for _ in range(NOT_FOUND_ATTEMPTS - 1):
        assert state.poll_failed(client_error("ActionTypeNotFoundException"), 1) == "transient"
        state.poll_succeeded(0)
    assert state.poll_failed(client_error("ActionTypeNotFoundException"), 1) == "stop"
    assert state.stop_error is not None
    assert state.stop_error.action_type == "Build/Custom/MyBuilder/2"


@pytest.mark.parametrize(
    "code", ["AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException"]
)
def test_a_refusal_is_told_once_per_change(code: str) -> None:
    """Refused: not ready; only the first refusal of a run of them is to be logged; success ends it."""
    state = HealthState((ACTION,))
    state.started()
    state.poll_succeeded()
    assert state.poll_failed(client_error(code)) == "refused"
    assert state.poll_failed(client_error(code)) == "refused_again"
    assert state.poll_failed(client_error(code)) == "refused_again"
    assert not state.snapshot().ready
    assert state.snapshot().problem == code
    assert state.poll_succeeded() is True  # the refusal ended: worth one line
    assert state.poll_succeeded() is False
    assert state.poll_failed(client_error(code)) == "refused"


def test_a_different_refusal_is_a_change() -> None:
    """Another refusal code, or another failure in between, is told again."""
    state = HealthState()
    state.started()
    assert state.poll_failed(client_error("AccessDeniedException")) == "refused"
    assert state.poll_failed(client_error("UnrecognizedClientException")) == "refused"
    assert state.poll_failed(client_error("InternalFailure")) == "transient"
    assert state.poll_failed(client_error("UnrecognizedClientException")) == "refused"


events = st.lists(st.sampled_from(["ok", "throttled", "denied", "missing"]), max_size=40)


@given(events)
def test_ready_means_the_last_poll_succeeded(sequence: list[str]) -> None:
    """Whatever the polls: ready iff the last succeeded; failures count since the last success."""
    state = HealthState((ACTION,), not_found_attempts=10_000)
    state.started()
    codes = {
        "throttled": "ThrottlingException", "denied": "AccessDenied",
        "missing": "ActionTypeNotFoundException",
    }
    failures = 0
    for event in sequence:
        if event == "ok":
            state.poll_succeeded()
            failures = 0
        else:
            state.poll_failed(client_error(codes[event]))
            failures += 1
    health = state.snapshot()
    assert health.live
    assert health.ready == (bool(sequence) and sequence[-1] == "ok")
    assert health.consecutive_poll_failures == failures
    assert (health.last_successful_poll is None) == ("ok" not in sequence)


# --- the server ---------------------------------------------------------------------------------


def get(server: HealthServer, path: str, method: str = "GET") -> tuple[int, bytes]:
    """The status and body of a request to the server."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_the_server_answers_with_the_state() -> None:
    """/healthz follows live, /readyz follows ready; the body is the snapshot; 127.0.0.1 by default."""
    state = HealthState((ACTION,))
    with HealthServer(state.snapshot, port=0) as server:
        assert server.host == "127.0.0.1"
        assert server.port > 0
        assert get(server, "/healthz")[0] == 503
        assert get(server, "/readyz")[0] == 503
        state.started()
        assert get(server, "/healthz")[0] == 200
        assert get(server, "/readyz")[0] == 503
        state.poll_succeeded()
        status, body = get(server, "/readyz")
        assert status == 200
        document = json.loads(body)
        assert document["live"] is True
        assert document["ready"] is True
        assert datetime.datetime.fromisoformat(document["last_successful_poll"]).tzinfo is not None
        assert get(server, "/readyz?verbose=1")[0] == 200
        assert get(server, "/readyz", "HEAD") == (200, b"")
        assert get(server, "/metrics")[0] == 404
        state.stopped()
        assert get(server, "/healthz")[0] == 503


def test_a_broken_snapshot_is_unhealthy() -> None:
    """If the snapshot itself raises, the probes fail (503), the server goes on."""
    def broken() -> Health:
        raise RuntimeError("boom")

    with HealthServer(broken, port=0) as server:
        assert get(server, "/healthz")[0] == 503
        assert get(server, "/readyz")[0] == 503


def test_closing_releases_the_port() -> None:
    """Once closed, the same port can be listened on again."""
    first = HealthServer(HealthState().snapshot, port=0).start()
    port = first.port
    first.close()
    first.close()  # twice is harmless
    with HealthServer(HealthState().snapshot, port=port) as second:
        assert get(second, "/healthz")[0] == 503
