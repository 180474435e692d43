"""The ``codepipeline-jobs`` command (also ``python -m codepipeline_jobs``).

```text
codepipeline-jobs demo                                   a worker against an embedded fake; no AWS needed
codepipeline-jobs poll --category C --provider P --version V [--owner O] [--max-batch-size N] [--query K=V]
codepipeline-jobs job JOB_ID                             a job's details, as JSON
codepipeline-jobs execution PIPELINE EXECUTION_ID        a pipeline execution, as JSON
codepipeline-jobs run MODULE:FUNCTION --category C --provider P --version V [--query K=V] [--max-workers N]
```

Every command that talks to AWS takes ``--region``, ``--profile`` and
``--endpoint-url``. JSON output masks credentials, client tokens and action
configuration values unless ``--show-secrets`` is given.

Exit codes: 0 success, 1 an error from AWS, the network or the credentials,
2 bad arguments. Expected failures print one line on stderr, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from ._calls import get_job_details, get_pipeline_execution, poll_for_jobs, poll_for_third_party_jobs
from ._convert import unstructure
from ._errors import CodePipelineJobsError, ValidationError
from ._models import ActionTypeId, ExecutionDetails
from ._redact import install_log_redaction, job_secrets, scrub
from ._values import ActionCategory, ActionOwner
from .worker import Continuation, Failure, JobWorker, Outcome, Success, ThirdPartyJobWorker

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from mypy_boto3_codepipeline import CodePipelineClient

    from ._models import Job

__all__ = ["main"]

_PROG = "codepipeline-jobs"


class _UsageError(Exception):
    """Bad arguments found after parsing: exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other error of the command (argparse prints the usage too).
        self.exit(2, f"{self.prog}: error: {message}\n(see {self.prog} --help)\n")


def main(argv: Sequence[str] | None = None, *, client: CodePipelineClient | None = None) -> int:
    """Run the ``codepipeline-jobs`` command.

    Args:
        argv: The arguments, without the program name; ``sys.argv[1:]`` by default.
        client: A CodePipeline client to use instead of one built from
            ``--region``, ``--profile`` and ``--endpoint-url`` (for embedding
            the command in your own tooling, or testing it against
            `codepipeline_jobs.testing.FakeCodePipeline`).

    Returns:
        The exit code: 0 success, 1 an AWS, network or credentials error, 2 bad arguments.

    Example:
        ```python
        from codepipeline_jobs.cli import main

        assert main(["demo", "--quiet"]) == 0
        ```
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        result: int = args.command(args, client)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:
        known = _expected_error(exc)
        if known is None:
            raise
        return _fail(*known)
    return result


def _expected_error(exc: Exception) -> tuple[str, int] | None:
    """The one-line message and exit code of an expected failure (``None``: a bug, show it)."""
    if isinstance(exc, (_UsageError, ValidationError)):
        return f"error: {'invalid argument: ' if isinstance(exc, ValidationError) else ''}{exc}", 2
    if isinstance(exc, NoCredentialsError):
        return (
            "error: no AWS credentials found (set a --profile, AWS_PROFILE, environment variables "
            "or run where a role is available)", 1,
        )
    if isinstance(exc, NoRegionError):
        return "error: no AWS region: pass --region or set AWS_REGION", 1
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"error: {error.get('Code', 'ServiceError')}: {scrub(error.get('Message', ''))}", 1
    if isinstance(exc, (BotoCoreError, CodePipelineJobsError)):  # ProfileNotFound, connection errors, ...
        return f"error: {scrub(str(exc))}", 1
    return None


def _fail(message: str, code: int) -> int:
    print(f"{_PROG}: {message}", file=sys.stderr)  # noqa: T201 - the command's output
    return code


# --- the parser -----------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=_PROG,
        description="Work with AWS CodePipeline jobs: try a worker, look at jobs, run your handler.",
        epilog="Exit codes: 0 success, 1 AWS/network/credentials error, 2 bad arguments.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    aws = _Parser(add_help=False)
    group = aws.add_argument_group("AWS options")
    group.add_argument("--region", help="the AWS region (default: from your AWS configuration)")
    group.add_argument("--profile", help="a profile of your AWS configuration")
    group.add_argument("--endpoint-url", help="send requests to this URL instead of the service's own")
    secrets = _Parser(add_help=False)
    secrets.add_argument(
        "--show-secrets", action="store_true",
        help="print artifact credentials and configuration values instead of masking them",
    )
    action = _Parser(add_help=False)
    kind = action.add_argument_group("action type")
    kind.add_argument("--category", required=True, help="Build, Test, Deploy, Source, ...")
    kind.add_argument("--provider", required=True, help="the provider name of the action type")
    kind.add_argument("--version", required=True, help="the version of the action type")

    demo = commands.add_parser(
        "demo", help="run a worker against an embedded fake CodePipeline (no AWS account needed)",
        description="Run a real JobWorker against an embedded FakeCodePipeline with a few jobs: "
        "a success, a continuation, a failure and one with output variables.",
    )
    demo.add_argument("--quiet", action="store_true", help="print only the summary table")
    demo.set_defaults(command=_demo)

    poll = commands.add_parser(
        "poll", parents=[aws, secrets, action], help="poll for jobs and print them as JSON",
        description="Poll once for jobs of an action type and print them as JSON. Careful: "
        "the jobs returned are dispatched to you; no other worker gets them, and they time out "
        "unless acknowledged and reported.",
    )
    poll.add_argument("--owner", default="Custom", choices=["Custom", "ThirdParty"],
                      help="Custom (default) or ThirdParty (partner action)")
    poll.add_argument("--max-batch-size", type=_positive_int, default=1, metavar="N",
                      help="the most jobs to return (default 1)")
    poll.add_argument("--query", metavar="KEY=VALUE", help="only jobs whose configuration has this value")
    poll.set_defaults(command=_poll)

    job = commands.add_parser(
        "job", parents=[aws, secrets], help="print a job's details as JSON",
        description="Print a custom action job's details (GetJobDetails) as JSON.",
    )
    job.add_argument("job_id", metavar="JOB_ID")
    job.set_defaults(command=_job)

    execution = commands.add_parser(
        "execution", parents=[aws, secrets], help="print a pipeline execution as JSON",
        description="Print a pipeline execution (GetPipelineExecution) as JSON.",
    )
    execution.add_argument("pipeline", metavar="PIPELINE")
    execution.add_argument("execution_id", metavar="EXECUTION_ID")
    execution.set_defaults(command=_execution)

    run = commands.add_parser(
        "run", parents=[aws, action], help="run a JobWorker with your handler until stopped",
        description="Run a JobWorker that calls MODULE:FUNCTION for every job of a custom action "
        "type (or, with --owner ThirdParty, a ThirdPartyJobWorker for a partner action type), "
        "until SIGTERM or Ctrl-C (which drain in-flight jobs first).",
    )
    run.add_argument("handler", metavar="MODULE:FUNCTION", help="e.g. mypackage.worker:build")
    run.add_argument("--owner", default="Custom", choices=["Custom", "ThirdParty"],
                     help="Custom (default) or ThirdParty (partner action)")
    run.add_argument("--client-token-for", metavar="MODULE:FUNCTION",
                     help="for --owner ThirdParty: the function mapping a job's client id to its "
                     "client token")
    run.add_argument("--query", metavar="KEY=VALUE", help="only jobs whose configuration has this value")
    run.add_argument("--max-workers", type=_positive_int, default=4, metavar="N",
                     help="threads, hence jobs worked on at once (default 4)")
    run.add_argument("--drain-timeout", type=float, default=60.0, metavar="SECONDS",
                     help="how long to wait for in-flight jobs when stopping (default 60)")
    run.add_argument("--once", action="store_true",
                     help="poll once, work that batch, then exit (for cron-style runs)")
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                     help="how much to log on stderr (default INFO)")
    run.set_defaults(command=_run)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        message = f"expected an integer >= 1, got {text!r}"
        raise argparse.ArgumentTypeError(message)
    return value


def _query(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    key, sep, value = text.partition("=")
    if not sep or not key:
        message = f"--query expects KEY=VALUE, got {text!r}"
        raise _UsageError(message)
    return {key: value}


def _action(args: argparse.Namespace, owner: str) -> ActionTypeId:
    return ActionTypeId(
        category=ActionCategory(args.category), owner=ActionOwner(owner),
        provider=args.provider, version=args.version,
    )


def _client(args: argparse.Namespace, client: CodePipelineClient | None) -> CodePipelineClient:
    if client is not None:
        return client
    import boto3  # noqa: PLC0415 - the demo and --help do not need it

    install_log_redaction()
    session: Any = boto3.Session(profile_name=args.profile, region_name=args.region)
    if session.get_credentials() is None:
        raise NoCredentialsError
    made: CodePipelineClient = session.client("codepipeline", endpoint_url=args.endpoint_url)
    return made


def _print_json(document: object, secrets: Iterable[str], *, show_secrets: bool) -> None:
    text = json.dumps(document, indent=2, default=str)
    if not show_secrets:
        text = scrub(text, secrets)  # keeps each literal's quote style: JSON stays JSON
    print(text)  # noqa: T201 - the command's output


# --- commands that read ---------------------------------------------------------------------


def _poll(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    query = _query(args.query)
    action = _action(args, args.owner)
    the_client = _client(args, client)
    if args.owner == ActionOwner.THIRD_PARTY:
        if query is not None:
            message = "--query is for custom actions only"
            raise _UsageError(message)
        partner_jobs = poll_for_third_party_jobs(the_client, action, max_batch_size=args.max_batch_size)
        _print_json(unstructure(partner_jobs), [], show_secrets=args.show_secrets)
        return 0
    jobs = poll_for_jobs(the_client, action, max_batch_size=args.max_batch_size, query_param=query)
    secrets = [secret for job in jobs for secret in job_secrets(job)]
    _print_json(unstructure(jobs), secrets, show_secrets=args.show_secrets)
    return 0


def _job(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    details = get_job_details(_client(args, client), args.job_id)
    _print_json(unstructure(details), job_secrets(details), show_secrets=args.show_secrets)
    return 0


def _execution(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    execution = get_pipeline_execution(_client(args, client), args.pipeline, args.execution_id)
    _print_json(unstructure(execution), [], show_secrets=args.show_secrets)
    return 0


# --- run ------------------------------------------------------------------------------------


def _load_handler(spec: str) -> Any:
    module_name, sep, function_name = spec.partition(":")
    if not sep or not module_name or not function_name:
        message = f"expected MODULE:FUNCTION, got {spec!r}"
        raise _UsageError(message)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does, so a handler next to you is found
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        message = f"cannot import {module_name!r}: {exc}"
        raise _UsageError(message) from None
    handler: Any = module
    for part in function_name.split("."):
        handler = getattr(handler, part, None)
        if handler is None:
            message = f"module {module_name!r} has no attribute {function_name!r}"
            raise _UsageError(message)
    if not callable(handler):
        message = f"{spec} is not callable"
        raise _UsageError(message)
    return handler


def _run(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    handler = _load_handler(args.handler)
    query = _query(args.query)
    partner = args.owner == ActionOwner.THIRD_PARTY
    token_spec: str | None = args.client_token_for
    if partner and token_spec is None:
        message = "--owner ThirdParty needs --client-token-for MODULE:FUNCTION"
        raise _UsageError(message)
    if not partner and token_spec is not None:
        message = "--client-token-for is for partner actions (--owner ThirdParty)"
        raise _UsageError(message)
    if partner and query is not None:
        message = "--query is for custom actions: PollForThirdPartyJobs has no query parameter"
        raise _UsageError(message)
    token_for = _load_handler(token_spec) if token_spec is not None else None
    action = _action(args, args.owner)
    the_client = _client(args, client)
    install_log_redaction()
    log_handler = logging.StreamHandler(sys.stderr)
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    package_logger = logging.getLogger("codepipeline_jobs")
    package_logger.addHandler(log_handler)
    previous_level = package_logger.level
    package_logger.setLevel(args.log_level)
    try:
        worker: JobWorker | ThirdPartyJobWorker = (
            ThirdPartyJobWorker(
                the_client, action, handler, token_for, max_workers=args.max_workers,
                drain_timeout=args.drain_timeout,
            ) if token_for is not None else JobWorker(
                the_client, action, handler, query_param=query, max_workers=args.max_workers,
                drain_timeout=args.drain_timeout,
            )
        )
        if args.once:
            worker.run_once()
        else:
            worker.run()
        stats = worker.stats
        package_logger.info(
            "done: %d succeeded, %d failed, %d continued, %d skipped, %d error(s)",
            stats.succeeded, stats.failed, stats.continued, stats.skipped, stats.errors,
        )
    finally:
        package_logger.removeHandler(log_handler)
        package_logger.setLevel(previous_level)
    return 0


# --- demo -----------------------------------------------------------------------------------

_DEMO_ACTION = ActionTypeId(
    category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="DemoBuilder", version="1"
)


def _demo_handler(job: Job) -> Outcome:
    """What the demo's jobs do: each pipeline action shows one kind of outcome."""
    context = job.data.pipeline_context
    action = context.action.name if context and context.action else None
    time.sleep(0.3)  # "work"
    if action == "Compile":
        return Success(execution_details=ExecutionDetails(summary="compiled 42 modules"))
    if action == "Deploy":
        step = int(job.data.continuation_token or "0") + 1
        if step < 3:
            return Continuation(str(step), ExecutionDetails(percent_complete=step * 33))
        return Success(execution_details=ExecutionDetails(summary="deployed in 3 steps"))
    if action == "IntegrationTests":
        return Failure("3 of 120 tests failed", external_execution_id="run-7")
    if action == "Package":
        return Success(output_variables={"imageTag": "1.4.2", "digest": "sha256:9f86d08"})
    message = f"unexpected action {action!r}"
    raise RuntimeError(message)


def _demo(args: argparse.Namespace, client: CodePipelineClient | None) -> int:  # noqa: ARG001 - no AWS
    from .testing import FakeCodePipeline  # noqa: PLC0415 - the fake is for the demo only

    fake = FakeCodePipeline(seed=1)
    the_client = fake.client()
    for pipeline, stage, action in (
        ("web-app", "Build", "Compile"),
        ("web-app", "Deploy", "Deploy"),
        ("web-app", "Test", "IntegrationTests"),
        ("api", "Build", "Package"),
    ):
        fake.add_job(_DEMO_ACTION, pipeline_name=pipeline, stage_name=stage, action_name=action,
                     configuration={"ApiKey": "demo-secret-key"})
    out = sys.stdout
    if not args.quiet:
        print("Running a JobWorker (3 threads) against an embedded FakeCodePipeline "
              "with 4 jobs; no AWS account is used.\n", file=out)
    progress = logging.StreamHandler(out)
    started = time.monotonic()
    progress.setFormatter(_ElapsedFormatter(started))
    worker_logger = logging.getLogger("codepipeline_jobs.worker")
    previous_level = worker_logger.level
    if not args.quiet:
        worker_logger.addHandler(progress)
        worker_logger.setLevel(logging.INFO)
    worker = JobWorker(the_client, _DEMO_ACTION, _demo_handler, max_workers=3,
                       poll_interval_min=0.05, poll_interval_max=0.2, drain_timeout=10)

    def stop_when_done() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not worker.stopping:
            jobs = fake.jobs()
            if all(job.status in ("Succeeded", "Failed") for job in jobs):
                worker.stop()
                return
            time.sleep(0.02)
        worker.stop()

    watcher = threading.Thread(target=stop_when_done, daemon=True)
    watcher.start()
    try:
        worker.run()
    finally:
        worker_logger.removeHandler(progress)
        worker_logger.setLevel(previous_level)
    watcher.join(1)
    _print_summary(fake, worker, out, time.monotonic() - started)
    return 0


class _ElapsedFormatter(logging.Formatter):
    def __init__(self, started: float) -> None:
        super().__init__()
        self._started = started

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().split("\n", 1)[0]
        job_id = record.__dict__.get("job_id")
        if job_id:  # shorten "job <uuid> (...)" to the first 8 characters of the id
            message = message.replace(str(job_id), str(job_id)[:8])
        return f"  {time.monotonic() - self._started:5.2f}s  {message}"


def _print_summary(fake: Any, worker: JobWorker, out: Any, elapsed: float) -> None:
    rows: list[tuple[str, ...]] = [("JOB", "PIPELINE/STAGE/ACTION", "RESULT", "DETAILS")]
    for job in fake.jobs():
        context = job.data.pipeline_context
        where = f"{context.pipeline_name}/{context.stage.name}/{context.action.name}"
        report = job.reports[0] if job.reports else None
        if report is None:
            result, details = str(job.status), ""
        elif report.kind == "failure":
            result = "failed"
            details = f"{report.failure_details.type}: {report.failure_details.message}"
        elif report.continuation_token is not None:
            percent = report.execution_details.percent_complete if report.execution_details else None
            result, details = "continued", f"token={report.continuation_token} ({percent}% done)"
        else:
            result = "succeeded"
            summary = report.execution_details.summary if report.execution_details else None
            variables = ", ".join(f"{k}={v}" for k, v in report.output_variables.items())
            details = variables or summary or ""
        rows.append((job.id[:8], where, result, details))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    print("", file=out)
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  " + "  ".join([*cells, row[3]]).rstrip(), file=out)
    stats = worker.stats
    print(
        f"\n{stats.succeeded} succeeded, {stats.continued} continued, {stats.failed} failed, "
        f"{stats.skipped} skipped, {stats.errors} error(s) in {elapsed:.1f}s.",
        file=out,
    )
