"""The codepipeline-jobs command, through its real entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from codepipeline_jobs import JobStatus
from codepipeline_jobs.cli import main
from codepipeline_jobs.testing import FakeCodePipeline
from tests.conftest import ACTION, PARTNER_ACTION

if TYPE_CHECKING:
    from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACTION_ARGS = ["--category", "Build", "--provider", "MyBuilder", "--version", "1"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m codepipeline_jobs`` in a subprocess."""
    environment = {**os.environ, "PYTHONPATH": ROOT, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "codepipeline_jobs", *args],
        capture_output=True, text=True, env=environment, timeout=60, check=False,
    )


def test_demo_runs_without_aws() -> None:
    """`demo` runs a worker on the embedded fake: progress, a summary table, exit 0."""
    result = cli("demo", env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "started" in out
    for expected in ("succeeded", "continued", "failed", "imageTag=1.4.2", "3 of 120 tests failed"):
        assert expected in out
    assert "3 succeeded, 2 continued, 1 failed, 0 skipped, 0 error(s)" in out
    assert "demo-secret-key" not in out + result.stderr
    assert "Traceback" not in result.stderr


def test_demo_in_process_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    """main(["demo", "--quiet"]) prints only the summary and returns 0."""
    assert main(["demo", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "PIPELINE/STAGE/ACTION" in out
    assert "started" not in out


def test_help_everywhere() -> None:
    """--help works for the command and every subcommand."""
    assert "demo" in cli("--help").stdout
    for command in ("demo", "poll", "job", "execution", "run"):
        result = cli(command, "--help")
        assert result.returncode == 0
        assert "usage:" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nonsense"],
        ["poll", "--category", "Build"],
        ["poll", *ACTION_ARGS, "--max-batch-size", "0"],
        ["run", "no_colon_here", *ACTION_ARGS],
    ],
)
def test_bad_arguments_exit_2_in_one_line(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad arguments: exit code 2 and a short error, no traceback."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error" in err
    assert "Traceback" not in err


def test_missing_credentials_exit_1_without_traceback(tmp_path: Path) -> None:
    """No credentials anywhere: one line on stderr, exit code 1, nothing sent."""
    env = {
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
        "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
    }
    environment = {k: v for k, v in {**os.environ, **env}.items() if v != ""}
    result = subprocess.run(
        [sys.executable, "-m", "codepipeline_jobs", "job", "11111111-2222-4333-8444-555555555555",
         "--region", "us-east-1"],
        capture_output=True, text=True, env={**environment, "PYTHONPATH": ROOT}, timeout=60, check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "no AWS credentials" in result.stderr


def test_unknown_profile_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A profile that does not exist is a one-line error with exit code 1."""
    assert main(["execution", "p", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "--profile", "nope-x"]) == 1
    assert "nope-x" in capsys.readouterr().err


def test_poll_prints_jobs_with_secrets_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """`poll` prints the jobs as JSON; credentials and configuration values are masked."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION, configuration={"Password": "hunter2hunter2", "Mode": "x"})
    assert main(["poll", *ACTION_ARGS, "--max-batch-size", "5"], client=fake.client()) == 0
    out = capsys.readouterr().out
    [job] = json.loads(out)
    assert job["id"] == job_id
    assert job["data"]["actionConfiguration"]["configuration"] == {"Password": "***", "Mode": "***"}
    assert job["data"]["artifactCredentials"]["secretAccessKey"] == "***"
    assert "hunter2" not in out
    assert fake.job(job_id).status == JobStatus.DISPATCHED


def test_show_secrets_prints_them(capsys: pytest.CaptureFixture[str]) -> None:
    """--show-secrets prints configuration values and credentials as they are."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION, configuration={"Password": "hunter2hunter2"})
    assert main(["job", job_id, "--show-secrets"], client=fake.client()) == 0
    details = json.loads(capsys.readouterr().out)
    assert details["data"]["actionConfiguration"]["configuration"] == {"Password": "hunter2hunter2"}
    assert details["data"]["artifactCredentials"]["secretAccessKey"] != "***"


def test_poll_partner_jobs_and_query(capsys: pytest.CaptureFixture[str]) -> None:
    """--owner ThirdParty polls partner jobs (ids only); --query filters custom jobs."""
    fake = FakeCodePipeline()
    partner = fake.add_job(PARTNER_ACTION)
    args = ["--category", "Test", "--provider", "Partner", "--version", "2", "--owner", "ThirdParty"]
    assert main(["poll", *args], client=fake.client()) == 0
    assert [job["jobId"] for job in json.loads(capsys.readouterr().out)] == [partner]
    fake.add_job(ACTION, configuration={"Fleet": "cpu"})
    assert main(["poll", *ACTION_ARGS, "--query", "Fleet=gpu"], client=fake.client()) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_job_and_execution(capsys: pytest.CaptureFixture[str]) -> None:
    """`job` prints GetJobDetails, `execution` GetPipelineExecution, as JSON."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION, pipeline_name="web")
    execution_id = fake.job(job_id).pipeline_execution_id
    assert main(["job", job_id], client=fake.client()) == 0
    assert json.loads(capsys.readouterr().out)["id"] == job_id
    assert main(["execution", "web", execution_id], client=fake.client()) == 0
    execution = json.loads(capsys.readouterr().out)
    assert execution["pipelineExecutionId"] == execution_id


def test_service_errors_exit_1_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A service error (unknown job) prints its code and message on one line, exit 1."""
    fake = FakeCodePipeline()
    assert main(["job", "11111111-2222-4333-8444-555555555555"], client=fake.client()) == 1
    err = capsys.readouterr().err
    assert err.startswith("codepipeline-jobs: error: JobNotFoundException")
    assert len(err.strip().splitlines()) == 1


def test_invalid_job_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A job id that breaks the API's rules is a bad argument: nothing is sent."""
    fake = FakeCodePipeline()
    assert main(["job", "not-a-uuid"], client=fake.client()) == 2
    assert "jobId" in capsys.readouterr().err
    assert fake.calls == []


def test_run_once_with_a_handler_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run MODULE:FUNCTION --once` imports the handler from the current directory and works one batch."""
    (tmp_path / "my_handlers.py").write_text(textwrap.dedent("""
        from codepipeline_jobs.worker import Success

        def build(job):
            return Success(output_variables={"seen": job.id[:8]})
    """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    fake = FakeCodePipeline()
    first, second = fake.add_job(ACTION), fake.add_job(ACTION)
    args = ["run", "my_handlers:build", *ACTION_ARGS, "--max-workers", "2", "--once"]
    assert main(args, client=fake.client()) == 0
    assert fake.job(first).reports[0].output_variables == {"seen": first[:8]}
    assert fake.job(second).status == JobStatus.SUCCEEDED


def test_run_with_a_missing_handler_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unimportable module or a missing function is a one-line usage error."""
    assert main(["run", "no_such_module_xyz:build", *ACTION_ARGS]) == 2
    assert "cannot import 'no_such_module_xyz'" in capsys.readouterr().err
    assert main(["run", "json:no_such_function", *ACTION_ARGS]) == 2
    assert "no attribute" in capsys.readouterr().err


def test_run_once_for_a_partner_action(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run --owner ThirdParty --client-token-for M:F` works a partner job with the looked-up token."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(PARTNER_ACTION)
    (tmp_path / "partner_handlers.py").write_text(textwrap.dedent("""
        from codepipeline_jobs.worker import Failure

        TOKENS = {}

        def check(job):
            return Failure("partner says no")

        def token_for(client_id):
            return TOKENS[client_id]
    """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import partner_handlers  # type: ignore[import-not-found]  # written above

    client_id = fake.job(job_id).client_id
    assert client_id is not None
    partner_handlers.TOKENS[client_id] = fake.client_token(client_id)
    args = [
        "run", "partner_handlers:check", "--owner", "ThirdParty", "--client-token-for",
        "partner_handlers:token_for", "--category", PARTNER_ACTION.category,
        "--provider", PARTNER_ACTION.provider, "--version", PARTNER_ACTION.version, "--once",
    ]
    assert main(args, client=fake.client()) == 0
    assert fake.job(job_id).status == JobStatus.FAILED
    assert "PutThirdPartyJobFailureResult" in fake.calls


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        (["--owner", "ThirdParty"], "needs --client-token-for"),
        (["--client-token-for", "json:loads"], "is for partner actions"),
        (["--owner", "ThirdParty", "--client-token-for", "json:loads", "--query", "a=b"], "--query"),
    ],
)
def test_run_refuses_mismatched_partner_options(
    extra: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Partner options that do not fit together are a one-line usage error (exit 2), nothing sent."""
    fake = FakeCodePipeline()
    assert main(["run", "json:loads", *ACTION_ARGS, *extra], client=fake.client()) == 2
    assert complaint in capsys.readouterr().err
    assert fake.calls == []
