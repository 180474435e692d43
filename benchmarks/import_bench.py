"""Import and first-use cost, each in a fresh interpreter, after ``import boto3``.

The interpreter is a scratch venv with the package installed from a freshly built wheel
(`benchmarks._wheel`): what a user's Lambda function or worker imports, not the checkout.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from collections import defaultdict
from dataclasses import dataclass

from ._common import Figure, Group, Sizes, fmt_ms, fmt_ratio, fmt_us
from ._page import ROOT
from ._wheel import installed_python
from .core_bench import wire_job

__all__ = ["bench_imports"]

GOAL_S = 0.020
PACKAGE = "codepipeline_jobs"


@dataclass(frozen=True)
class _Case:
    label: str
    imports: str
    use: str = ""


#: A real invoke event: the one the AWS documentation shows (tests/events/lambda_invoke_basic.json).
_EVENT = json.loads((ROOT / "tests" / "events" / "lambda_invoke_basic.json").read_text(encoding="utf-8"))
_WIRE = wire_job(0)

CASES = {
    "package": _Case("`import codepipeline_jobs`", "import codepipeline_jobs"),
    "aws_lambda": _Case("`import codepipeline_jobs.aws_lambda`", "import codepipeline_jobs.aws_lambda"),
    "worker": _Case("`import codepipeline_jobs.worker`", "import codepipeline_jobs.worker"),
    "lambda_first_use": _Case(
        "Lambda cold start: import `job_handler`, `job_from_event`, `Success`; read one real "
        "event's job, its configuration, artifact and credentials; build a `Success`",
        "from codepipeline_jobs.aws_lambda import Success, job_from_event, job_handler",
        "job = job_from_event(EVENT); data = job.data; "
        "data.action_configuration.configuration['UserParameters']; "
        "artifact = data.input_artifacts[0]; artifact.name; artifact.location.s3_location.bucket_name; "
        "artifact.location.s3_location.object_key; credentials = data.artifact_credentials; "
        "credentials.access_key_id; credentials.secret_access_key; credentials.session_token; "
        "Success()",
    ),
    "powertools_first_use": _Case(
        "Powertools: import `CodePipelineJobEvent`; read the same fields of the same event",
        "from aws_lambda_powertools.utilities.data_classes import CodePipelineJobEvent",
        "event = CodePipelineJobEvent(EVENT); data = event.data; "
        "data.action_configuration.configuration.user_parameters; "
        "artifact = data.input_artifacts[0]; artifact.name; artifact.location.s3_location.bucket_name; "
        "artifact.location.s3_location.key; credentials = data.artifact_credentials; "
        "credentials.access_key_id; credentials.secret_access_key; credentials.session_token",
    ),
    "poll_first_use": _Case(
        "first use in a worker: import `Job`, `poll_for_jobs`, `structure`; read one polled job",
        "from codepipeline_jobs import Job, poll_for_jobs, structure",
        "structure(WIRE, Job)",
    ),
}


def _script(case: _Case) -> str:
    return (
        "import json, sys, time\n"
        f"EVENT = {_EVENT!r}\n"
        f"WIRE = {_WIRE!r}\n"
        "t0 = time.perf_counter()\n"
        "import boto3\n"
        "t1 = time.perf_counter()\n"
        f"{case.imports}\n"
        "t2 = time.perf_counter()\n"
        f"{case.use or 'pass'}\n"
        "t3 = time.perf_counter()\n"
        f"{case.use or 'pass'}\n"
        "t4 = time.perf_counter()\n"
        "print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))\n"
    )


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the first run compiles, the timed ones reuse it
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _run(case: _Case) -> tuple[float, float, float, float]:
    """(import boto3, the imports, the first use, the second use) in seconds, in a fresh interpreter."""
    python, work = installed_python()
    done = subprocess.run(
        [str(python), "-c", _script(case)], capture_output=True, text=True, check=False,
        env=_environment(), cwd=work,
    )
    if done.returncode != 0:
        message = f"the import benchmark {case.label!r} failed:\n{done.stderr}"
        raise RuntimeError(message)
    boto, imports, use, again = json.loads(done.stdout.strip().splitlines()[-1])
    return float(boto), float(imports), float(use), float(again)


def _self_times_by_package(case: _Case) -> dict[str, float]:
    """Seconds of `-X importtime` self time of the statement's imports, by top-level package."""
    code = f"import boto3\nEVENT = {_EVENT!r}\n{case.imports}\n{case.use}\n"
    python, work = installed_python()
    done = subprocess.run(
        [str(python), "-X", "importtime", "-c", code],
        capture_output=True, text=True, check=False, env=_environment(), cwd=work,
    )
    by_package: dict[str, float] = defaultdict(float)
    after_boto3 = False
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].split(":")[-1].strip().isdigit():
            continue
        name = parts[2].strip()
        if not after_boto3:
            after_boto3 = parts[2].rstrip() == " boto3"
            continue
        top = name.split(".")[0]
        seconds = int(parts[0].split(":")[-1]) / 1e6
        by_package["attrs" if top == "attr" else top] += seconds
        if top == PACKAGE:
            by_package[name] += seconds
    return dict(by_package)


def _share(seconds: float, boto3_s: float) -> str:
    share = seconds / boto3_s
    return f"{share:.1%} of boto3's" if share < 0.1 else f"{share:.0%} of boto3's"


def bench_imports(sizes: Sizes) -> Group:
    """Median import and first-use times over fresh processes, the cases interleaved."""
    runs = 1 if sizes.quick else 21
    for case in CASES.values():  # compile the bytecode once, outside the timed runs
        _run(case)
    samples: dict[str, list[tuple[float, float, float, float]]] = {key: [] for key in CASES}
    for _ in range(runs):
        for key, case in CASES.items():
            samples[key].append(_run(case))

    def median(key: str, part: int) -> float:
        return statistics.median(sample[part] for sample in samples[key])

    def total(key: str) -> float:
        return statistics.median(sample[1] + sample[2] for sample in samples[key])

    boto3_s = statistics.median(sample[0] for values in samples.values() for sample in values)
    group = Group("imports", "Import cost")
    package = median("package", 1)
    group.figures.append(Figure(
        CASES["package"].label, fmt_ms(package), f"`import boto3` {fmt_ms(boto3_s)}",
        _share(package, boto3_s), "at most 20 ms", package <= GOAL_S,
    ))
    for key in ("aws_lambda", "worker"):
        seconds = median(key, 1)
        group.figures.append(Figure(
            CASES[key].label, fmt_ms(seconds), f"`import boto3` {fmt_ms(boto3_s)}",
            _share(seconds, boto3_s),
        ))
    lambda_s, powertools_s = total("lambda_first_use"), total("powertools_first_use")
    # The two cases run back to back in every round: the median of the rounds' ratios is what
    # the machine's load moves least (a busy moment slows both processes of a round alike).
    cold_ratio = statistics.median(
        (ours[1] + ours[2]) / (theirs[1] + theirs[2])
        for ours, theirs in zip(samples["lambda_first_use"], samples["powertools_first_use"], strict=True)
    )
    fastest = min(sample[1] + sample[2] for sample in samples["lambda_first_use"])
    fastest_powertools = min(sample[1] + sample[2] for sample in samples["powertools_first_use"])
    group.figures.append(Figure(
        CASES["lambda_first_use"].label,
        f"{fmt_ms(lambda_s)} ({fmt_ms(median('lambda_first_use', 1))} imports, "
        f"{fmt_ms(median('lambda_first_use', 2))} first read; fastest {fmt_ms(fastest)})",
        f"{CASES['powertools_first_use'].label}: {fmt_ms(powertools_s)} "
        f"(fastest {fmt_ms(fastest_powertools)})",
        f"{fmt_ratio(cold_ratio)} the time",
        "at most Powertools' time",
        cold_ratio <= 1.0,
    ))
    poll_s = total("poll_first_use")
    group.figures.append(Figure(
        CASES["poll_first_use"].label,
        f"{fmt_ms(poll_s)} ({fmt_ms(median('poll_first_use', 1))} imports, "
        f"{fmt_ms(median('poll_first_use', 2))} first read)",
        f"`import boto3` {fmt_ms(boto3_s)}",
        _share(poll_s, boto3_s),
    ))
    group.raw = {
        key: {"boto3_s": median(key, 0), "imports_s": median(key, 1), "use_s": median(key, 2),
              "second_use_s": median(key, 3)}
        for key in CASES
    }
    group.raw["lambda_cold_start_ratio"] = cold_ratio
    group.raw["lambda_cold_start_rounds_s"] = [
        [ours[1] + ours[2], theirs[1] + theirs[2]]
        for ours, theirs in zip(samples["lambda_first_use"], samples["powertools_first_use"], strict=True)
    ]
    group.method = (
        "The package is measured as users get it: `python -m benchmarks` builds a wheel of the "
        "checkout, installs it in a scratch venv (its dependencies are the running interpreter's "
        "site-packages) and compiles its bytecode once before any timed run; each case runs in a "
        "fresh interpreter of that venv (`python -c`, from a scratch directory, so the checkout is "
        "not on `sys.path`), which first imports boto3 (a worker "
        "or a Lambda function has it anyway) and then times the case's imports and, for the "
        "first-use cases, the first read of a job with `time.perf_counter()` inside the process, "
        f"so interpreter start-up is not counted. The cases run interleaved, {runs} fresh "
        "processes each, after one untimed run that compiles the bytecode; the figure is the "
        "median. The Lambda cold start is the same event (the AWS documentation's, "
        "`tests/events/lambda_invoke_basic.json`) read field for field by both libraries; its "
        "ratio is the median of the rounds' ratios (the two run back to back in each round, so a "
        "busy moment of the shared machine slows both). "
        "The reference `import boto3` is the median over all those processes. "
        "`import codepipeline_jobs` and `import codepipeline_jobs.aws_lambda` resolve their names "
        "lazily, so the first-use rows are the honest cost of a cold Lambda invocation."
    )
    if not sizes.quick:
        by_package = _self_times_by_package(CASES["lambda_first_use"])
        packages = {name: seconds for name, seconds in by_package.items() if "." not in name}
        ours = {name: seconds for name, seconds in by_package.items() if name.startswith(PACKAGE + ".")}
        heaviest = sorted(packages.items(), key=lambda item: -item[1])[:4]
        parts = ", ".join(f"{name} {fmt_ms(seconds)}" for name, seconds in heaviest)
        slowest = sorted(ours.items(), key=lambda item: -item[1])[:3]
        modules = ", ".join(f"`{name}` {fmt_ms(seconds)}" for name, seconds in slowest)
        group.raw["lambda_first_use_importtime"] = by_package
        verdict = (
            f"takes {fmt_ratio(cold_ratio)} Powertools' time" + (
                " (the goal met)" if cold_ratio <= 1.0 else " (the goal missed)"
            )
        )
        group.findings.append(
            f"**Where a Lambda function's first use goes.** It takes {fmt_ms(lambda_s)}: it "
            f"{verdict}; the bare `import codepipeline_jobs` takes {fmt_ms(package)}. One extra "
            f"run under `python -X importtime` puts the imports' own time by package at: {parts} "
            f"(importtime's overhead inflates these a little); our heaviest modules are {modules} "
            f"(`_models` defines the model classes). The first read takes "
            f"{fmt_ms(median('lambda_first_use', 2))} and a second one in the same process "
            f"{fmt_us(median('lambda_first_use', 3))}: the difference is set-up paid once per "
            "process. A Lambda function pays all of it once per container, on its first invocation."
        )
    return group
