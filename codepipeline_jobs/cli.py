"""The ``codepipeline-jobs`` command (also ``python -m codepipeline_jobs``).

```text
codepipeline-jobs demo                                   a worker against an embedded fake; no AWS needed
codepipeline-jobs poll --category C --provider P --version V [--owner O] [--max-batch-size N] [--query K=V]
codepipeline-jobs job JOB_ID                             a job's details, as JSON
codepipeline-jobs execution PIPELINE EXECUTION_ID        a pipeline execution, as JSON
codepipeline-jobs run MODULE:FUNCTION --category C --provider P --version V [--query K=V] [--max-workers N]
                  [--drain-timeout S] [--job-timeout S] [--health-port PORT [--health-host HOST]] [--once]
codepipeline-jobs action-type register MODULE:OBJECT [--dry-run] [--tag K=V]  register it unless registered
codepipeline-jobs action-type list [--owner O]             the action types of the account, as JSON
codepipeline-jobs action-type delete CATEGORY PROVIDER VERSION --yes
codepipeline-jobs action-type policy MODULE:OBJECT [--region R] [--account-id A]  IAM policies, as JSON
```

``run --health-port PORT`` serves ``GET /healthz`` (200 while the worker runs)
and ``GET /readyz`` (200 while its polls succeed) on 127.0.0.1, or on
``--health-host``; SIGTERM still drains in-flight jobs and exits 0.
``--job-timeout`` reports a job as failed when its handler runs longer. A worker
whose action type does not exist (``ActionTypeNotFoundException`` from every
poll for up to a minute) stops, and the command exits 1 with one line.

Every command that talks to AWS takes ``--region``, ``--profile`` and
``--endpoint-url``. JSON output masks credentials, client tokens and action
configuration values unless ``--show-secrets`` is given.

Exit codes: 0 success, 1 an error from AWS, the network or the credentials,
2 bad arguments. Expected failures print one line on stderr, no traceback; a bad
argument is named as you typed it (``codepipeline-jobs run: error: --drain-timeout:
must be a number of seconds >= 0, got '-5'``), also when the rule it broke is the
API's (``--provider``, not ``actionTypeId.provider``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import math
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)
from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url, validate_region_name

from ._action_type_models import ActionType, Tag
from ._action_types import params_of, validate_custom_action_type_owner
from ._calls import Calls, ensure_custom_action_type, list_action_types
from ._calls import run as send
from ._configuration import CustomAction
from ._convert import unstructure
from ._errors import CodePipelineJobsError, ValidationError
from ._health import DEFAULT_HEALTH_HOST
from ._models import ActionTypeId, ExecutionDetails
from ._redact import install_log_redaction, job_secrets, scrub
from ._values import ActionCategory, ActionOwner, ValueSet
from .worker import Continuation, Failure, JobWorker, Outcome, Success, ThirdPartyJobWorker

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from mypy_boto3_codepipeline import CodePipelineClient

    from ._health_server import HealthServer
    from ._models import Job

__all__ = ["main"]

_PROG = "codepipeline-jobs"


class _UsageError(Exception):
    """Bad arguments found after parsing (exit code 2); the message starts with the flag."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other error of the command (argparse would print the usage too).
        # argparse's "argument --x: ..." becomes "--x: ...", as for the errors found later.
        self.exit(2, f"{self.prog}: error: {_one_line(message.removeprefix('argument '))}\n")


def main(argv: Sequence[str] | None = None, *, client: CodePipelineClient | None = None) -> int:
    """Run the ``codepipeline-jobs`` command.

    Args:
        argv: The arguments, without the program name; ``sys.argv[1:]`` by default.
        client: A CodePipeline client to use instead of one built from
            ``--region``, ``--profile`` and ``--endpoint-url`` (for embedding
            the command in your own tooling, or testing it against
            `codepipeline_jobs.testing.FakeCodePipeline`).

    Returns:
        The exit code: 0 success, 1 an AWS, network or credentials error, 2 bad
        arguments (one line on stderr naming the argument, e.g. ``--drain-timeout``).

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
    prog: str = args.prog
    try:
        result: int = args.command(args, client)
    except KeyboardInterrupt:
        return _fail(prog, "interrupted", 130)
    except Exception as exc:
        known = _expected_error(exc, args)
        if known is None:
            raise
        return _fail(prog, *known)
    return result


def _expected_error(exc: Exception, args: argparse.Namespace) -> tuple[str, int] | None:
    """The one-line message and exit code of an expected failure (``None``: a bug, show it)."""
    usage = _usage_message(exc, args)
    if usage is not None:
        return f"error: {usage}", 2
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


def _usage_message(exc: Exception, args: argparse.Namespace) -> str | None:
    """What was wrong with the arguments, naming the argument (``None``: not a usage error)."""
    if isinstance(exc, _UsageError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return _flag_message(exc)
    if isinstance(exc, ProfileNotFound) and getattr(args, "profile", None) is not None:
        return f"--profile: no profile {_shown(args.profile)} in your AWS configuration"
    return None


def _fail(prog: str, message: str, code: int) -> int:
    print(f"{prog}: {_one_line(message)}", file=sys.stderr)  # noqa: T201 - the command's output
    return code


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shown(text: str, limit: int = 40) -> str:
    """`text` quoted for an error message, cut short when long."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


#: The arguments of the commands, by the API member (or worker option) their value goes to.
_FLAGS = {
    "actionTypeId.category": "--category",
    "actionTypeId.owner": "--owner",
    "actionTypeId.provider": "--provider",
    "actionTypeId.version": "--version",
    "actionTypeId": "--category/--owner/--provider/--version",
    "maxBatchSize": "--max-batch-size",
    "queryParam": "--query",
    "jobId": "JOB_ID",
    "pipelineName": "PIPELINE",
    "pipelineExecutionId": "EXECUTION_ID",
    "category": "CATEGORY",
    "provider": "PROVIDER",
    "version": "VERSION",
    "actionOwnerFilter": "--owner",
    "regionFilter": "--region-filter",
}
_OPTION_FLAGS = {
    "max_workers": "--max-workers",
    "drain_timeout": "--drain-timeout",
    "query_param": "--query",
    "client_token_for": "--client-token-for",
    "action_type_id": "--category/--owner/--provider/--version",
    "handler": "MODULE:FUNCTION",
}


def _flag_message(exc: ValidationError) -> str:
    """A broken request rule, named by the argument the value came from."""
    parameter = exc.parameter
    for member in sorted(_FLAGS, key=len, reverse=True):
        if parameter == member:
            return f"{_FLAGS[member]}: {exc.rule}"
        rest = parameter[len(member):]
        if parameter.startswith(member) and rest[:1] in (" ", "[", "."):
            part = "the key " if rest == " key" else "the value " if rest[:1] in (" ", "[") else ""
            return f"{_FLAGS[member]}: {part}{exc.rule}"
    return f"invalid argument: {exc}"


def _option_message(exc: Exception) -> str:
    """A worker option refused by the worker, named by the argument the value came from."""
    message = str(exc)
    for option, flag in _OPTION_FLAGS.items():
        if option in message:
            return f"{flag}: {message}"
    return f"invalid argument: {message}"


# --- what the arguments take ------------------------------------------------------------------

_V = TypeVar("_V", bound=ValueSet)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        message = f"must be an integer >= 1, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        message = f"must be a number of seconds >= 0, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        message = f"must be a TCP port number from 1 to 65535, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return value


def _host(text: str) -> str:
    if not text.strip() or any(c.isspace() for c in text):
        message = f"must be an address to listen on, e.g. 127.0.0.1 or 0.0.0.0, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return text


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        message = f"must be a number of seconds > 0, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return value


def _one_of(value_set: type[_V], members: Sequence[_V] | None = None) -> Callable[[str], _V]:
    """Read a value of `value_set`: its AWS spelling (``Build``), in any case, or a member's name."""
    allowed: Sequence[_V] = members if members is not None else list(value_set)

    def parse(text: str) -> _V:
        wanted = text.strip().casefold()
        for member in allowed:
            if wanted in (member.value.casefold(), member.name.casefold()):
                return member
        message = f"must be one of {', '.join(m.value for m in allowed)}, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)

    return parse


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(text: str) -> str:
    level = text.strip().upper()
    if level not in _LOG_LEVELS:
        message = f"must be one of {', '.join(_LOG_LEVELS)}, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return level


def _function_spec(text: str) -> str:
    module, sep, function = text.partition(":")
    if not (sep and _dotted(module) and _dotted(function)):
        message = f"must be MODULE:FUNCTION, e.g. mypackage.worker:build, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return text


def _dotted(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


def _query(text: str) -> dict[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        message = f"must be KEY=VALUE, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return {key: value}


class _AtMostOnce(argparse.Action):
    """Refuse a second occurrence of the option (argparse would keep the last one silently)."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(
                f"{option_string}: given more than once; PollForJobs takes at most one query parameter"
            )
        setattr(namespace, self.dest, values)


def _region(text: str) -> str:
    try:
        if not text.strip():
            raise InvalidRegionError(region_name=text)
        validate_region_name(text)
    except InvalidRegionError:
        message = f"must be a region name such as eu-west-1, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message) from None
    return text


def _profile(text: str) -> str:
    if not text.strip():
        message = "must be the name of a profile of your AWS configuration, got an empty string"
        raise argparse.ArgumentTypeError(message)
    return text


def _endpoint_url(text: str) -> str:
    # Not quoted back: a URL may carry a user name and password.
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises for a port that is not a number in 0-65535
        valid = parts.scheme in ("http", "https") and bool(
            is_valid_endpoint_url(text) or is_valid_ipv6_endpoint_url(text)
        )
    except ValueError:  # a bad port, a bad IPv6 address
        valid = False
    if not valid:
        message = "must be an http:// or https:// URL with a host, e.g. https://localhost:4566"
        raise argparse.ArgumentTypeError(message)
    return text


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
    group.add_argument("--region", type=_region, help="the AWS region (default: from your AWS configuration)")
    group.add_argument("--profile", type=_profile, help="a profile of your AWS configuration")
    group.add_argument("--endpoint-url", type=_endpoint_url,
                       help="send requests to this URL instead of the service's own")
    secrets = _Parser(add_help=False)
    secrets.add_argument(
        "--show-secrets", action="store_true",
        help="print artifact credentials and configuration values instead of masking them",
    )
    action = _Parser(add_help=False)
    kind = action.add_argument_group("action type")
    categories = ", ".join(category.value for category in ActionCategory)
    kind.add_argument("--category", required=True, type=_one_of(ActionCategory), help=categories)
    kind.add_argument("--provider", required=True,
                      help="the provider name of the action type (1-35 of A-Z a-z 0-9 _ -)")
    kind.add_argument("--version", required=True,
                      help="the version of the action type (1-9 of A-Z a-z 0-9 _ -)")
    owners = _one_of(ActionOwner, [ActionOwner.CUSTOM, ActionOwner.THIRD_PARTY])

    demo = commands.add_parser(
        "demo", help="run a worker against an embedded fake CodePipeline (no AWS account needed)",
        description="Run a real JobWorker against an embedded FakeCodePipeline with a few jobs: "
        "a success, a continuation, a failure and one with output variables.",
    )
    demo.add_argument("--quiet", action="store_true", help="print only the summary table")
    demo.set_defaults(command=_demo, prog=demo.prog)

    poll = commands.add_parser(
        "poll", parents=[aws, secrets, action], help="poll for jobs and print them as JSON",
        description="Poll once for jobs of an action type and print them as JSON. Careful: "
        "the jobs returned are dispatched to you; no other worker gets them, and they time out "
        "unless acknowledged and reported.",
    )
    poll.add_argument("--owner", default="Custom", type=owners,
                      help="Custom (default) or ThirdParty (partner action)")
    poll.add_argument("--max-batch-size", type=_positive_int, default=1, metavar="N",
                      help="the most jobs to return (default 1)")
    poll.add_argument("--query", type=_query, action=_AtMostOnce, metavar="KEY=VALUE",
                      help="only jobs whose configuration has this value (at most one)")
    poll.set_defaults(command=_poll, prog=poll.prog)

    job = commands.add_parser(
        "job", parents=[aws, secrets], help="print a job's details as JSON",
        description="Print a custom action job's details (GetJobDetails) as JSON.",
    )
    job.add_argument("job_id", metavar="JOB_ID")
    job.set_defaults(command=_job, prog=job.prog)

    execution = commands.add_parser(
        "execution", parents=[aws, secrets], help="print a pipeline execution as JSON",
        description="Print a pipeline execution (GetPipelineExecution) as JSON.",
    )
    execution.add_argument("pipeline", metavar="PIPELINE")
    execution.add_argument("execution_id", metavar="EXECUTION_ID")
    execution.set_defaults(command=_execution, prog=execution.prog)

    run = commands.add_parser(
        "run", parents=[aws, action], help="run a JobWorker with your handler until stopped",
        description="Run a JobWorker that calls MODULE:FUNCTION for every job of a custom action "
        "type (or, with --owner ThirdParty, a ThirdPartyJobWorker for a partner action type), "
        "until SIGTERM or Ctrl-C (which drain in-flight jobs first).",
    )
    run.add_argument("handler", metavar="MODULE:FUNCTION", type=_function_spec,
                     help="e.g. mypackage.worker:build")
    run.add_argument("--owner", default="Custom", type=owners,
                     help="Custom (default) or ThirdParty (partner action)")
    run.add_argument("--client-token-for", metavar="MODULE:FUNCTION", type=_function_spec,
                     help="for --owner ThirdParty: the function mapping a job's client id to its "
                     "client token")
    run.add_argument("--query", type=_query, action=_AtMostOnce, metavar="KEY=VALUE",
                     help="only jobs whose configuration has this value (at most one)")
    run.add_argument("--max-workers", type=_positive_int, default=4, metavar="N",
                     help="threads, hence jobs worked on at once (default 4)")
    run.add_argument("--drain-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                     help="how long to wait for in-flight jobs when stopping (default 60)")
    run.add_argument("--job-timeout", type=_timeout, default=None, metavar="SECONDS",
                     help="report a job as failed when its handler runs longer than this (default: none)")
    run.add_argument("--health-port", type=_port, default=None, metavar="PORT",
                     help="serve GET /healthz (200 while the worker runs) and /readyz (200 while its "
                     "polls succeed) on this port")
    run.add_argument("--health-host", type=_host, default=DEFAULT_HEALTH_HOST, metavar="HOST",
                     help=f"the address of the health endpoints (default {DEFAULT_HEALTH_HOST}; 0.0.0.0 "
                     "for probes from outside a container)")
    run.add_argument("--once", action="store_true",
                     help="poll once, work that batch, then exit (for cron-style runs)")
    run.add_argument("--log-level", default="INFO", type=_log_level, metavar="LEVEL",
                     help="DEBUG, INFO (default), WARNING or ERROR: how much to log on stderr")
    run.set_defaults(command=_run, prog=run.prog)
    _add_action_type_commands(commands, aws)
    return parser


def _action(args: argparse.Namespace) -> ActionTypeId:
    return ActionTypeId(
        category=args.category, owner=args.owner, provider=args.provider, version=args.version
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
# Each builds its request and checks it against the API's rules before a client is made, so
# a bad argument is exit code 2 whatever the credentials.


def _poll(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    action = _action(args)
    if args.owner == ActionOwner.THIRD_PARTY:
        if args.query is not None:
            message = "--query: is for custom actions only (PollForThirdPartyJobs has no query parameter)"
            raise _UsageError(message)
        partner_call = Calls.poll_for_third_party_jobs(action, max_batch_size=args.max_batch_size)
        partner_call.validate()
        partner_jobs = send(_client(args, client), partner_call)
        _print_json(unstructure(partner_jobs), [], show_secrets=args.show_secrets)
        return 0
    call = Calls.poll_for_jobs(action, max_batch_size=args.max_batch_size, query_param=args.query)
    call.validate()
    jobs = send(_client(args, client), call)
    secrets = [secret for job in jobs for secret in job_secrets(job)]
    _print_json(unstructure(jobs), secrets, show_secrets=args.show_secrets)
    return 0


def _job(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    call = Calls.get_job_details(args.job_id)
    call.validate()
    details = send(_client(args, client), call)
    _print_json(unstructure(details), job_secrets(details), show_secrets=args.show_secrets)
    return 0


def _execution(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    call = Calls.get_pipeline_execution(args.pipeline, args.execution_id)
    call.validate()
    execution = send(_client(args, client), call)
    _print_json(unstructure(execution), [], show_secrets=args.show_secrets)
    return 0


# --- run ------------------------------------------------------------------------------------


def _load_function(spec: str, flag: str) -> Any:
    """Import MODULE:FUNCTION (its form was checked by the parser); errors name `flag`."""
    module_name, _, function_name = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as `python -m` does, so a handler next to you is found
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        message = f"{flag}: cannot import {module_name!r}: {scrub(str(exc))}"
        raise _UsageError(message) from None
    except Exception as exc:  # noqa: BLE001 - the module's own code failed: say what and where
        where = _where(exc)
        message = f"{flag}: importing {module_name!r} failed: {type(exc).__name__}: {scrub(str(exc))}{where}"
        raise _UsageError(message) from None
    function: Any = module
    for part in function_name.split("."):
        function = getattr(function, part, None)
        if function is None:
            message = f"{flag}: module {module_name!r} has no attribute {function_name!r}"
            raise _UsageError(message)
    if not callable(function):
        message = f"{flag}: {spec} is not callable"
        raise _UsageError(message)
    return function


def _where(exc: BaseException) -> str:
    """`` (at FILE:LINE)`` of the innermost frame of `exc`'s traceback."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return f" (at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno})"


def _run(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    partner = args.owner == ActionOwner.THIRD_PARTY
    token_spec: str | None = args.client_token_for
    if partner and token_spec is None:
        message = "--owner: ThirdParty needs --client-token-for MODULE:FUNCTION"
        raise _UsageError(message)
    if not partner and token_spec is not None:
        message = "--client-token-for: is for partner actions (--owner ThirdParty)"
        raise _UsageError(message)
    if partner and args.query is not None:
        message = "--query: is for custom actions: PollForThirdPartyJobs has no query parameter"
        raise _UsageError(message)
    action = _action(args)
    poll = (
        Calls.poll_for_third_party_jobs(action) if partner
        else Calls.poll_for_jobs(action, query_param=args.query)
    )
    poll.validate()
    handler = _load_function(args.handler, "MODULE:FUNCTION")
    token_for = _load_function(token_spec, "--client-token-for") if token_spec is not None else None
    the_client = _client(args, client)
    try:
        worker: JobWorker | ThirdPartyJobWorker = (
            ThirdPartyJobWorker(
                the_client, action, handler, token_for, max_workers=args.max_workers,
                drain_timeout=args.drain_timeout, job_timeout=args.job_timeout,
            ) if token_for is not None else JobWorker(
                the_client, action, handler, query_param=args.query, max_workers=args.max_workers,
                drain_timeout=args.drain_timeout, job_timeout=args.job_timeout,
            )
        )
    except ValidationError:
        raise  # named by its API member, mapped to the flag by `main`
    except (TypeError, ValueError) as exc:
        raise _UsageError(_option_message(exc)) from None
    install_log_redaction()
    log_handler = logging.StreamHandler(sys.stderr)
    log_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    package_logger = logging.getLogger("codepipeline_jobs")
    package_logger.addHandler(log_handler)
    previous_level = package_logger.level
    package_logger.setLevel(args.log_level)
    health = None
    try:
        if args.health_port is not None:
            health = _listen(worker, args.health_port, args.health_host)
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
        if health is not None:
            health.close()
        package_logger.removeHandler(log_handler)
        package_logger.setLevel(previous_level)
    return 0


class _RunError(CodePipelineJobsError):
    """The worker could not start (exit code 1); the message starts with the flag."""


def _listen(worker: JobWorker | ThirdPartyJobWorker, port: int, host: str) -> HealthServer:
    """The worker's health server, started; a port that cannot be listened on is one line and exit 1."""
    from ._health_server import HealthServer  # noqa: PLC0415 - lazy (health server): ~2 ms on the CLI's start-up

    server = HealthServer(worker.health, port=port, host=host)
    try:
        return server.start()
    except OSError as exc:
        message = f"--health-port: cannot listen on {host}:{port}: {exc.strerror or exc}"
        raise _RunError(message) from None


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


# --- action-type ------------------------------------------------------------------------------


def _object_spec(text: str) -> str:
    module, sep, name = text.partition(":")
    if not (sep and _dotted(module) and _dotted(name)):
        message = f"must be MODULE:OBJECT, e.g. mypackage.actions:DEPLOY, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return text


def _tag(text: str) -> dict[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        message = f"must be KEY=VALUE, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return {key: value}


_ACCOUNT_ID_LENGTH = 12


def _account_id(text: str) -> str:
    if not (len(text) == 12 and text.isascii() and text.isdigit()):
        message = f"must be a 12-digit AWS account id, got {_shown(text)}"
        raise argparse.ArgumentTypeError(message)
    return text


def _add_action_type_commands(commands: Any, aws: argparse.ArgumentParser) -> None:
    group = commands.add_parser(
        "action-type", help="register, list, delete custom action types; print their IAM policies",
        description="Manage custom action types declared in Python (codepipeline_jobs.CustomAction).",
    )
    group.set_defaults(prog=group.prog)
    sub = group.add_subparsers(title="commands", metavar="COMMAND", required=True)

    register = sub.add_parser(
        "register", parents=[aws], help="register a declared action type unless it exists (idempotent)",
        description="Register MODULE:OBJECT (a CustomAction or an ActionType) with "
        "CreateCustomActionType unless it is registered already; a registered type with another "
        "definition is an error (a changed definition needs a new version).",
    )
    register.add_argument("action", metavar="MODULE:OBJECT", type=_object_spec,
                          help="e.g. mypackage.actions:DEPLOY")
    register.add_argument("--dry-run", action="store_true",
                          help="print the CreateCustomActionType request as JSON and send nothing")
    register.add_argument("--tag", type=_tag, action="append", default=[], metavar="KEY=VALUE",
                          help="a tag for the action type when it is created (repeatable)")
    register.set_defaults(command=_register, prog=register.prog)

    listing = sub.add_parser(
        "list", parents=[aws], help="print the action types of the account and Region as JSON",
        description="Print every action type (ListActionTypes, all pages) as JSON.",
    )
    listing.add_argument("--owner", type=_one_of(ActionOwner),
                         help="only the types of this owner: AWS, ThirdParty or Custom")
    listing.add_argument("--region-filter", metavar="REGION",
                         help="only the types of this Region")
    listing.set_defaults(command=_list_types, prog=listing.prog)

    delete = sub.add_parser(
        "delete", parents=[aws], help="delete a custom action type (needs --yes)",
        description="Delete a custom action type (DeleteCustomActionType). Its workers fail from "
        "then on, and it can be restored only with its identical definition.",
    )
    delete.add_argument("category", metavar="CATEGORY", type=_one_of(ActionCategory))
    delete.add_argument("provider", metavar="PROVIDER")
    delete.add_argument("version", metavar="VERSION")
    delete.add_argument("--yes", action="store_true", help="confirm the deletion")
    delete.set_defaults(command=_delete_type, prog=delete.prog)

    policy = sub.add_parser(
        "policy", help="print least-privilege IAM policies for the worker and the registering role",
        description="Print two IAM policy documents as JSON: what the worker's role needs "
        "(PollForJobs on the action type's ARN; the other job calls on \"*\", the only resource "
        "the service authorization reference allows them) and what the role running "
        "`action-type register` needs.",
    )
    policy.add_argument("action", metavar="MODULE:OBJECT", type=_object_spec,
                        help="e.g. mypackage.actions:DEPLOY")
    policy.add_argument("--region", type=_region, help="the Region of the action type (default: any)")
    policy.add_argument("--account-id", type=_account_id,
                        help="the account of the action type (default: any)")
    policy.add_argument("--partition", default="aws", choices=["aws", "aws-cn", "aws-us-gov"],
                        help="the AWS partition (default aws)")
    policy.set_defaults(command=_policy, prog=policy.prog)


def _load_action_type(spec: str) -> ActionType:
    """The action type MODULE:OBJECT declares (a `CustomAction` or an `ActionType`); errors name it."""
    declared = _load_object(spec, "MODULE:OBJECT")
    if isinstance(declared, CustomAction):
        try:
            return declared.action_type
        except (TypeError, ValidationError) as exc:
            message = f"MODULE:OBJECT: {spec} breaks a rule: {exc}"
            raise _UsageError(message) from None
    if isinstance(declared, ActionType):
        return declared
    message = f"MODULE:OBJECT: {spec} is a {type(declared).__name__}, not a CustomAction or an ActionType"
    raise _UsageError(message)


def _load_object(spec: str, flag: str) -> Any:
    module_name, _, name = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        message = f"{flag}: cannot import {module_name!r}: {scrub(str(exc))}"
        raise _UsageError(message) from None
    except Exception as exc:  # noqa: BLE001 - the module's own code failed: say what and where
        message = (
            f"{flag}: importing {module_name!r} failed: {type(exc).__name__}: "
            f"{scrub(str(exc))}{_where(exc)}"
        )
        raise _UsageError(message) from None
    found: Any = module
    for part in name.split("."):
        found = getattr(found, part, None)
        if found is None:
            message = f"{flag}: module {module_name!r} has no attribute {name!r}"
            raise _UsageError(message)
    return found


def _register(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    action_type = _load_action_type(args.action)
    tags = [Tag(key=key, value=value) for tag in args.tag for key, value in tag.items()]
    try:
        params = params_of(action_type, tags)
        create = Calls.create_custom_action_type(params)
        create.validate()
    except ValidationError as exc:
        if exc.parameter.startswith("tags["):
            member = exc.parameter.rpartition(".")[2]
            message = f"--tag: the {member} {exc.rule}"
        else:
            message = f"MODULE:OBJECT: {args.action} breaks a rule: {exc}"
        raise _UsageError(message) from None
    if args.dry_run:
        print(json.dumps({"operation": "CreateCustomActionType", "request": params}, indent=2))  # noqa: T201
        return 0
    registered = ensure_custom_action_type(_client(args, client), action_type, tags=tags)
    print(json.dumps(unstructure(registered), indent=2))  # noqa: T201 - the command's output
    return 0


def _list_types(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    Calls.list_action_types(
        action_owner_filter=args.owner, region_filter=args.region_filter
    ).validate()
    found = list_action_types(
        _client(args, client), action_owner_filter=args.owner, region_filter=args.region_filter
    )
    print(json.dumps([unstructure(t) for t in found], indent=2))  # noqa: T201 - the command's output
    return 0


def _delete_type(args: argparse.Namespace, client: CodePipelineClient | None) -> int:
    call = Calls.delete_custom_action_type(args.category, args.provider, args.version)
    call.validate()
    if not args.yes:
        message = (
            "--yes: deleting an action type cannot be undone (its workers fail from then on); "
            "pass --yes to delete it"
        )
        raise _UsageError(message)
    send(_client(args, client), call)
    print(f"deleted custom action type {args.category}/{args.provider}/{args.version}")  # noqa: T201
    return 0


def _policy(args: argparse.Namespace, client: CodePipelineClient | None) -> int:  # noqa: ARG001 - no AWS
    action_type = _load_action_type(args.action)
    validate_custom_action_type_owner(action_type)
    documents = _iam_policies(
        action_type.id, partition=args.partition, region=args.region or "*",
        account_id=args.account_id or "*",
    )
    print(json.dumps(documents, indent=2))  # noqa: T201 - the command's output
    return 0


def _action_type_arn(action_type_id: ActionTypeId, *, partition: str, region: str, account_id: str) -> str:
    """The IAM resource ARN of an action type (service authorization reference, "actiontype")."""
    a = action_type_id
    return (
        f"arn:{partition}:codepipeline:{region}:{account_id}:actiontype:"
        f"{a.owner!s}/{a.category!s}/{a.provider}/{a.version}"
    )


def _iam_policies(
    action_type_id: ActionTypeId, *, partition: str = "aws", region: str = "*", account_id: str = "*"
) -> dict[str, Any]:
    """Least-privilege IAM policy documents for a custom action's worker and its registering role.

    From the IAM service authorization reference for CodePipeline: of the job-worker
    actions only ``PollForJobs`` takes a resource (the action type); ``AcknowledgeJob``,
    ``GetJobDetails``, ``PutJobSuccessResult`` and ``PutJobFailureResult`` take none,
    so ``"*"``. ``CreateCustomActionType`` (and ``TagResource``, for the tags given at
    creation) and ``DeleteCustomActionType`` take the action type; ``ListActionTypes`` none.
    """
    arn = _action_type_arn(action_type_id, partition=partition, region=region, account_id=account_id)
    worker = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "PollForItsActionType", "Effect": "Allow",
             "Action": "codepipeline:PollForJobs", "Resource": arn},
            {"Sid": "WorkOnItsJobs", "Effect": "Allow", "Action": [
                "codepipeline:AcknowledgeJob",
                "codepipeline:GetJobDetails",
                "codepipeline:PutJobSuccessResult",
                "codepipeline:PutJobFailureResult",
            ], "Resource": "*"},
        ],
    }
    registrar = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "LookUpActionTypes", "Effect": "Allow",
             "Action": "codepipeline:ListActionTypes", "Resource": "*"},
            {"Sid": "RegisterItsActionType", "Effect": "Allow", "Action": [
                "codepipeline:CreateCustomActionType",
                "codepipeline:TagResource",
            ], "Resource": arn},
        ],
    }
    return {"action_type": arn, "worker": worker, "registrar": registrar}
