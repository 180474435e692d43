"""`codepipeline-jobs run` in production: health endpoints, job_timeout, an unknown action type."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.awsrequest import AWSResponse

from codepipeline_jobs import JobStatus
from codepipeline_jobs import _health as health_module
from codepipeline_jobs.cli import main
from codepipeline_jobs.testing import FakeCodePipeline
from tests.conftest import ACTION

if TYPE_CHECKING:
    from pathlib import Path

ACTION_ARGS = ["--category", "Build", "--provider", "MyBuilder", "--version", "1"]

SCRIPT = """
import sys
from codepipeline_jobs.cli import main
from codepipeline_jobs.testing import FakeCodePipeline

fake = FakeCodePipeline()
fake.add_job(
    __import__("codepipeline_jobs").ActionTypeId(
        category="Build", owner="Custom", provider="MyBuilder", version="1"
    )
)
code = main(["run", "probe_handlers:build", "--category", "Build", "--provider", "MyBuilder",
             "--version", "1", "--health-port", sys.argv[1]], client=fake.client())
print("jobs", [job.status.value for job in fake.jobs()], flush=True)
sys.exit(code)
"""


def free_port() -> int:
    """A port nothing listens on right now (on 127.0.0.1)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def probe(port: int, path: str) -> tuple[int, dict[str, Any]] | None:
    """The status and JSON body of GET `path`, or None while nothing listens."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    except OSError:
        return None
    finally:
        connection.close()


def test_run_serves_health_and_readiness_and_sigterm_still_drains(tmp_path: Path) -> None:
    """The real entry point: /healthz and /readyz answer 200 while it runs; SIGTERM: exit 0, port closed."""
    (tmp_path / "probe_handlers.py").write_text("def build(job):\n    return None\n")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), str(tmp_path)])}
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env,
    ) as process:
        try:
            deadline = time.monotonic() + 30
            ready = None
            while time.monotonic() < deadline:
                ready = probe(port, "/readyz")
                if ready is not None and ready[0] == 200:
                    break
                time.sleep(0.05)
            assert ready is not None
            assert ready[0] == 200, ready
            assert ready[1]["ready"] is True
            live = probe(port, "/healthz")
            assert live is not None
            assert live[0] == 200
            assert live[1]["live"] is True
        finally:
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "jobs ['Succeeded']" in out
    assert "health endpoints on http://127.0.0.1:" in err
    assert probe(port, "/healthz") is None  # the server stopped with the worker


def test_a_port_in_use_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """Another process on the port: the command says so in one line, before polling anything."""
    fake = FakeCodePipeline()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["run", "codepipeline_jobs.cli:_demo_handler", *ACTION_ARGS, "--health-port", str(port)],
                    client=fake.client())
    assert code == 1
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if "error:" in line]
    assert line.startswith(f"codepipeline-jobs run: error: --health-port: cannot listen on 127.0.0.1:{port}")
    assert "PollForJobs" not in fake.calls


@pytest.mark.parametrize(("flag", "value"), [
    ("--health-port", "0"), ("--health-port", "70000"), ("--health-port", "http"),
    ("--health-host", " "), ("--job-timeout", "0"), ("--job-timeout", "-3"), ("--job-timeout", "soon"),
])
def test_bad_production_flags_are_one_line_and_exit_2(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each bad value is named by its flag, exit code 2."""
    assert main(["run", "codepipeline_jobs.cli:_demo_handler", *ACTION_ARGS, flag, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"codepipeline-jobs run: error: {flag}: ")


def test_an_unknown_action_type_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The worker stops with ActionTypeNotFoundError: the command prints it in one line and exits 1."""
    monkeypatch.setattr(health_module, "NOT_FOUND_ATTEMPTS", 1)
    fake = FakeCodePipeline()
    client = fake.client()

    def not_found(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {"Code": "ActionTypeNotFoundException", "Message": "no such action type"}
        return AWSResponse("https://x", 400, {}, None), {  # type: ignore[arg-type]
            "Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}

    client.meta.events.register("before-call.codepipeline.PollForJobs", cast("Any", not_found))
    assert main(["run", "codepipeline_jobs.cli:_demo_handler", *ACTION_ARGS], client=client) == 1
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if line.startswith("codepipeline-jobs run: error:")]
    assert "action type Build/Custom/MyBuilder/1 was not found" in line
    assert "Traceback" not in err


def test_job_timeout_through_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run --job-timeout`: a handler past it gets its job failed, saying so."""
    (tmp_path / "slow_handlers.py").write_text(textwrap.dedent("""
        import time

        def build(job):
            time.sleep(0.6)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION)
    assert main(["run", "slow_handlers:build", *ACTION_ARGS, "--job-timeout", "0.1", "--once"],
                client=fake.client()) == 0
    assert fake.job(job_id).status == JobStatus.FAILED
    [report] = fake.job(job_id).reports
    assert report.failure_details is not None
    assert "job_timeout" in report.failure_details.message
