"""The codepipeline-jobs command, through its real entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING, NoReturn

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codepipeline_jobs import JobStatus, ValidationError
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


def test_unknown_profile_is_a_bad_argument(capsys: pytest.CaptureFixture[str]) -> None:
    """A --profile that does not exist is a one-line error naming the flag, exit code 2."""
    assert main(["execution", "p", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "--profile", "nope-x"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "codepipeline-jobs execution: error: --profile: no profile 'nope-x' in your AWS configuration\n"
    )


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
    assert err.startswith("codepipeline-jobs job: error: JobNotFoundException")
    assert len(err.strip().splitlines()) == 1


def test_invalid_job_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A job id that breaks the API's rules is a bad argument: nothing is sent."""
    fake = FakeCodePipeline()
    assert main(["job", "not-a-uuid"], client=fake.client()) == 2
    err = capsys.readouterr().err
    assert err.startswith("codepipeline-jobs job: error: JOB_ID: must match ")
    assert "jobId" not in err  # named as typed, not by the API member
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


# --- every flag, with the values people get wrong ------------------------------------------

UUID = "11111111-2222-4333-8444-555555555555"
POLL = ["poll", *ACTION_ARGS]
RUN = ["run", "json:loads", *ACTION_ARGS]

#: (arguments, the command's name, the argument the error must name first)
BAD_ARGUMENTS: list[tuple[list[str], str, str]] = [
    # poll: the AWS options
    ([*POLL, "--region", ""], "poll", "--region"),
    ([*POLL, "--region", "us east 1"], "poll", "--region"),
    ([*POLL, "--region", "r" * 64], "poll", "--region"),
    ([*POLL, "--region=-eu-west-1"], "poll", "--region"),
    ([*POLL, "--profile", ""], "poll", "--profile"),
    ([*POLL, "--profile", "  "], "poll", "--profile"),
    ([*POLL, "--endpoint-url", ""], "poll", "--endpoint-url"),
    ([*POLL, "--endpoint-url", "localhost:4566"], "poll", "--endpoint-url"),
    ([*POLL, "--endpoint-url", "ftp://example.com"], "poll", "--endpoint-url"),
    ([*POLL, "--endpoint-url", "http://"], "poll", "--endpoint-url"),
    ([*POLL, "--endpoint-url", "http://localhost:99999"], "poll", "--endpoint-url"),
    ([*POLL, "--endpoint-url", "http://bad host"], "poll", "--endpoint-url"),
    ([*POLL, "--region"], "poll", "--region"),
    ([*POLL, "--show-secrets=yes"], "poll", "--show-secrets"),
    # poll: the action type
    (["poll", "--category", "Bogus", "--provider", "P", "--version", "1"], "poll", "--category"),
    (["poll", "--category", "", "--provider", "P", "--version", "1"], "poll", "--category"),
    (["poll", "--category", "Build", "--provider", "", "--version", "1"], "poll", "--provider"),
    (["poll", "--category", "Build", "--provider", "My Builder", "--version", "1"], "poll", "--provider"),
    (["poll", "--category", "Build", "--provider", "Bau/er", "--version", "1"], "poll", "--provider"),
    (["poll", "--category", "Build", "--provider", "Bäcker", "--version", "1"], "poll", "--provider"),
    (["poll", "--category", "Build", "--provider", "P" * 36, "--version", "1"], "poll", "--provider"),
    (["poll", "--category", "Build", "--provider", "P", "--version", ""], "poll", "--version"),
    (["poll", "--category", "Build", "--provider", "P", "--version", "1.0"], "poll", "--version"),
    (["poll", "--category", "Build", "--provider", "P", "--version", "1234567890"], "poll", "--version"),
    ([*POLL, "--owner", "AWS"], "poll", "--owner"),
    ([*POLL, "--owner", "Partner"], "poll", "--owner"),
    ([*POLL, "--owner", ""], "poll", "--owner"),
    # poll: the request
    ([*POLL, "--max-batch-size", "0"], "poll", "--max-batch-size"),
    ([*POLL, "--max-batch-size", "-3"], "poll", "--max-batch-size"),
    ([*POLL, "--max-batch-size", "ten"], "poll", "--max-batch-size"),
    ([*POLL, "--max-batch-size", "1.5"], "poll", "--max-batch-size"),
    ([*POLL, "--max-batch-size", ""], "poll", "--max-batch-size"),
    ([*POLL, "--query", "Fleet"], "poll", "--query"),
    ([*POLL, "--query", "=gpu"], "poll", "--query"),
    ([*POLL, "--query", "Fleet="], "poll", "--query"),
    ([*POLL, "--query", "Fleet=g p u"], "poll", "--query"),
    ([*POLL, "--query", "K" * 51 + "=v"], "poll", "--query"),
    ([*POLL, "--query", "Fleet=" + "v" * 51], "poll", "--query"),
    ([*POLL, "--query", "A=1", "--query", "B=2"], "poll", "--query"),
    ([*POLL, "--query", "A=1", "--query", "A=1"], "poll", "--query"),
    ([*POLL, "--owner", "ThirdParty", "--query", "A=1"], "poll", "--query"),
    # job and execution
    (["job", ""], "job", "JOB_ID"),
    (["job", "not-a-uuid"], "job", "JOB_ID"),
    (["job", "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"], "job", "JOB_ID"),
    (["job", UUID, "--region", "nowhere land"], "job", "--region"),
    (["execution", "", UUID], "execution", "PIPELINE"),
    (["execution", "my pipeline", UUID], "execution", "PIPELINE"),
    (["execution", "p" * 101, UUID], "execution", "PIPELINE"),
    (["execution", "web", "1"], "execution", "EXECUTION_ID"),
    (["execution", "web", ""], "execution", "EXECUTION_ID"),
    (["execution", "web", UUID, "--endpoint-url", "nope"], "execution", "--endpoint-url"),
    # run: the handler and the token function
    (["run", "no_colon_here", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", ":build", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", "mypackage:", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", "my package:build", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", "a:b:c", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", "", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", "no_such_module_xyz:build", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", "json:no_such_function", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    (["run", "json:__doc__", *ACTION_ARGS], "run", "MODULE:FUNCTION"),
    ([*RUN, "--owner", "ThirdParty", "--client-token-for", "nocolon"], "run", "--client-token-for"),
    ([*RUN, "--owner", "ThirdParty", "--client-token-for", "no_such_module_xyz:f"], "run",
     "--client-token-for"),
    ([*RUN, "--owner", "ThirdParty", "--client-token-for", "json:nothing_here"], "run",
     "--client-token-for"),
    ([*RUN, "--client-token-for", "json:loads"], "run", "--client-token-for"),
    ([*RUN, "--owner", "ThirdParty"], "run", "--owner"),
    # run: the options
    ([*RUN, "--drain-timeout", "-5"], "run", "--drain-timeout"),
    ([*RUN, "--drain-timeout", "soon"], "run", "--drain-timeout"),
    ([*RUN, "--drain-timeout", "nan"], "run", "--drain-timeout"),
    ([*RUN, "--drain-timeout", "inf"], "run", "--drain-timeout"),
    ([*RUN, "--drain-timeout", ""], "run", "--drain-timeout"),
    ([*RUN, "--max-workers", "0"], "run", "--max-workers"),
    ([*RUN, "--max-workers", "-1"], "run", "--max-workers"),
    ([*RUN, "--max-workers", "four"], "run", "--max-workers"),
    ([*RUN, "--max-workers", "-1e3"], "run", "--max-workers"),
    ([*RUN, "--query", "A=1", "--query", "B=2"], "run", "--query"),
    ([*RUN, "--query", "nothing"], "run", "--query"),
    ([*RUN, "--query", "Fleet=" + "v" * 51], "run", "--query"),
    ([*RUN, "--log-level", "LOUD"], "run", "--log-level"),
    ([*RUN, "--log-level", ""], "run", "--log-level"),
    ([*RUN, "--once=yes"], "run", "--once"),
    ([*RUN, "--owner", "AWS"], "run", "--owner"),
    (["run", "json:loads", "--category", "Bogus", "--provider", "P", "--version", "1"], "run", "--category"),
    (["run", "json:loads", "--category", "Build", "--provider", "P" * 36, "--version", "1"], "run",
     "--provider"),
    (["run", "json:loads", "--category", "Build", "--provider", "P", "--version", "v 1"], "run", "--version"),
    ([*RUN, "--profile", ""], "run", "--profile"),
    # demo
    (["demo", "--quiet=please"], "demo", "--quiet"),
]


@pytest.mark.parametrize(
    ("args", "command", "flag"), BAD_ARGUMENTS, ids=[" ".join(a)[:60] for a, _, _ in BAD_ARGUMENTS]
)
def test_every_bad_argument_is_one_line_naming_it(
    args: list[str], command: str, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit code 2, one line on stderr: "codepipeline-jobs CMD: error: FLAG: what is wrong"; nothing sent."""
    fake = FakeCodePipeline()
    assert main(args, client=fake.client()) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"codepipeline-jobs {command}: error: {flag}: "), lines[0]
    assert "Traceback" not in captured.err
    assert fake.calls == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*RUN, "--drain-timeout", "-5"], "--drain-timeout: must be a number of seconds >= 0, got '-5'"),
        ([*POLL, "--query", "A=1", "--query", "B=2"],
         "--query: given more than once; PollForJobs takes at most one query parameter"),
        (["poll", "--category", "Bogus", "--provider", "P", "--version", "1"],
         "--category: must be one of Source, Build, Deploy, Test, Invoke, Approval, Compute, got 'Bogus'"),
        (["poll", "--category", "Build", "--provider", "My Builder", "--version", "1"],
         "--provider: must match [0-9A-Za-z_-]+, got 'My Builder'"),
        ([*POLL, "--max-batch-size", "0"], "--max-batch-size: must be an integer >= 1, got '0'"),
        ([*POLL, "--query", "Fleet=g p u"], "--query: the value must match [a-zA-Z0-9_-]+"),
        (["run", "a:b:c", *ACTION_ARGS], "MODULE:FUNCTION: must be MODULE:FUNCTION"),
        ([*RUN, "--owner", "ThirdParty", "--client-token-for", "json:nothing_here"],
         "--client-token-for: module 'json' has no attribute 'nothing_here'"),
    ],
)
def test_messages_say_what_was_wrong(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The messages, word for word: the flag as typed, the rule, the value (short ones only)."""
    assert main(args, client=FakeCodePipeline().client()) == 2
    assert message in capsys.readouterr().err


def test_long_values_are_not_echoed_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """A long bad value is cut short in the message; an endpoint URL (may hold a password) never shown."""
    assert main([*RUN, "--drain-timeout", "x" * 500]) == 2
    err = capsys.readouterr().err
    assert "x" * 41 not in err
    assert len(err) < 200
    assert main([*POLL, "--endpoint-url", "ftp://user:hunter2@example.com"]) == 2
    assert "hunter2" not in capsys.readouterr().err


def test_bad_arguments_through_the_real_command(tmp_path: Path) -> None:
    """`python -m codepipeline_jobs`: one line, exit 2, no traceback - before any credentials are needed."""
    no_aws = {
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
        "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    for args, expected in [
        (["run", "json:loads", *ACTION_ARGS, "--drain-timeout", "-5"],
         "codepipeline-jobs run: error: --drain-timeout: must be a number of seconds >= 0, got '-5'"),
        (["run", "json:loads", *ACTION_ARGS, "--query", "A=1", "--query", "B=2"],
         "codepipeline-jobs run: error: --query: given more than once"),
        (["poll", "--category", "Bogus", "--provider", "P", "--version", "1"],
         "codepipeline-jobs poll: error: --category: must be one of "),
        (["job", "not-a-uuid"], "codepipeline-jobs job: error: JOB_ID: must match "),
        (["run", "json:loads", "--category", "Build", "--provider", "P", "--version", "1", "--region", "a b"],
         "codepipeline-jobs run: error: --region: must be a region name"),
    ]:
        result = cli(*args, env=no_aws)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(expected), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stdout == ""


@pytest.mark.parametrize("spelling", ["Build", "build", "BUILD", " Build "])
def test_category_takes_the_aws_spelling_in_any_case(
    spelling: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--category Build (as in the AWS docs), build or BUILD poll the same action type."""
    fake = FakeCodePipeline()
    job_id = fake.add_job(ACTION)
    args = ["poll", "--category", spelling, "--provider", ACTION.provider, "--version", ACTION.version]
    assert main(args, client=fake.client()) == 0
    assert [job["id"] for job in json.loads(capsys.readouterr().out)] == [job_id]


@pytest.mark.parametrize("spelling", ["ThirdParty", "thirdparty", "THIRD_PARTY"])
def test_owner_takes_the_aws_spelling_in_any_case(spelling: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--owner ThirdParty, thirdparty or THIRD_PARTY poll partner jobs."""
    fake = FakeCodePipeline()
    partner = fake.add_job(PARTNER_ACTION)
    args = ["poll", "--category", "test", "--provider", "Partner", "--version", "2", "--owner", spelling]
    assert main(args, client=fake.client()) == 0
    assert [job["jobId"] for job in json.loads(capsys.readouterr().out)] == [partner]


def test_log_level_in_any_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--log-level debug is DEBUG."""
    fake = FakeCodePipeline()
    fake.add_job(ACTION)
    (tmp_path / "quiet_handlers.py").write_text("def ok(job):\n    return None\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    args = ["run", "quiet_handlers:ok", *ACTION_ARGS, "--log-level", "debug", "--once",
            "--drain-timeout", "0"]
    assert main(args, client=fake.client()) == 0
    assert fake.jobs()[0].status == JobStatus.SUCCEEDED


def test_a_handler_module_that_fails_to_import_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A handler module raising at import: one line with the error and where it happened, exit 2."""
    (tmp_path / "broken_handlers.py").write_text("x = 1\nraise RuntimeError('no config file')\n")
    (tmp_path / "typo_handlers.py").write_text("def build(job)\n    return None\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["run", "broken_handlers:build", *ACTION_ARGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "codepipeline-jobs run: error: MODULE:FUNCTION: importing 'broken_handlers' failed: "
        "RuntimeError: no config file (at "
    )
    assert "broken_handlers.py:2)" in err
    assert err.count("\n") == 1
    assert main(["run", "typo_handlers:build", *ACTION_ARGS]) == 2
    err = capsys.readouterr().err
    assert "SyntaxError" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (ValidationError("queryParam", "must have at most 1 entry, got 2"),
         "--query: must have at most 1 entry, got 2"),
        (ValidationError("actionTypeId.provider", "must match [0-9A-Za-z_-]+"), "--provider: must match"),
        (ValueError("max_workers must be an integer >= 1, got 0"), "--max-workers: max_workers must be"),
        (ValueError("drain_timeout must be >= 0"), "--drain-timeout: drain_timeout must be >= 0"),
        (TypeError("handler must be callable, got str"), "MODULE:FUNCTION: handler must be callable"),
    ],
)
def test_errors_from_building_the_worker_name_the_flag(
    raised: Exception, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A worker refusing an option (by its Python or API name) is reported by the flag it came from."""
    import codepipeline_jobs.cli as cli_module

    def refuse(*_: object, **__: object) -> NoReturn:
        raise raised

    monkeypatch.setattr(cli_module, "JobWorker", refuse)
    fake = FakeCodePipeline()
    assert main([*RUN, "--once"], client=fake.client()) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"codepipeline-jobs run: error: {expected}"), err
    assert err.count("\n") == 1
    assert fake.calls == []


FLAG_VALUES = st.text(max_size=60)


@settings(max_examples=150, deadline=None)
@given(
    flag=st.sampled_from(["--category", "--provider", "--version", "--owner", "--max-batch-size", "--query",
                          "--region", "--profile", "--endpoint-url"]),
    value=FLAG_VALUES,
)
def test_property_any_value_of_a_poll_flag_is_accepted_or_named(flag: str, value: str) -> None:
    """For any text given to a flag of `poll`: exit 0, or exit 2 with one line naming that flag."""
    import contextlib
    import io

    arguments = {"--category": "Build", "--provider": "MyBuilder", "--version": "1"}
    arguments[flag] = value
    argv = ["poll", *(f"{name}={text}" for name, text in arguments.items())]
    fake = FakeCodePipeline()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv, client=fake.client())
    if code == 0:
        assert err.getvalue() == ""
        return
    assert code == 2, err.getvalue()
    lines = err.getvalue().splitlines()
    assert len(lines) == 1, err.getvalue()
    assert lines[0].startswith(f"codepipeline-jobs poll: error: {flag}: "), lines[0]
    assert fake.calls == []


@settings(max_examples=80, deadline=None)
@given(
    flag=st.sampled_from(["--max-workers", "--drain-timeout", "--log-level", "--query"]), value=FLAG_VALUES
)
def test_property_any_value_of_a_run_option_is_accepted_or_named(flag: str, value: str) -> None:
    """For any text given to an option of `run`: accepted, or exit 2 with one line naming it."""
    import contextlib
    import io

    import codepipeline_jobs.cli as cli_module

    built: list[dict[str, object]] = []

    class Recorder:
        def __init__(self, *_: object, **options: object) -> None:
            built.append(options)

    argv = ["run", "json:loads", *ACTION_ARGS, f"{flag}={value}", "--once"]
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_module, "JobWorker", Recorder)
        with contextlib.redirect_stderr(err):
            try:
                code = main(argv, client=FakeCodePipeline().client())
            except AttributeError:  # the Recorder cannot run: the arguments were all accepted
                code = 0
    if code == 0:
        assert len(built) == 1
        return
    assert code == 2, err.getvalue()
    lines = err.getvalue().splitlines()
    assert len(lines) == 1, err.getvalue()
    assert lines[0].startswith(f"codepipeline-jobs run: error: {flag}: "), lines[0]
