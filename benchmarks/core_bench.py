"""Core benchmarks: call overhead, conversion speed, import cost.

Every figure is a ratio of two things measured side by side in one run, with
their repetitions interleaved, so a noisy shared machine moves both alike.

    python benchmarks/core_bench.py            # full run
    python benchmarks/core_bench.py --quick    # a smoke run with tiny sizes
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders

from codepipeline_jobs import ActionCategory, ActionOwner, ActionTypeId, Job, poll_for_jobs, structure

ACTION = ActionTypeId(
    category=ActionCategory.BUILD, owner=ActionOwner.CUSTOM, provider="Bench", version="1"
)


def wire_job(index: int) -> dict[str, Any]:
    """A realistic PollForJobs job, as the service sends it."""
    return {
        "id": f"{index:08x}-2222-4333-8444-555555555555",
        "nonce": str(index),
        "accountId": "123456789012",
        "data": {
            "actionTypeId": {"category": "Build", "owner": "Custom", "provider": "Bench", "version": "1"},
            "actionConfiguration": {"configuration": {"ProjectName": "bench", "Mode": "fast"}},
            "pipelineContext": {
                "pipelineName": "bench-pipeline",
                "stage": {"name": "Build"},
                "action": {"name": "Compile", "actionExecutionId": "exec-1"},
                "pipelineArn": "arn:aws:codepipeline:us-east-1:123456789012:bench-pipeline",
                "pipelineExecutionId": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
            },
            "inputArtifacts": [
                {
                    "name": "SourceOutput",
                    "revision": "abc123",
                    "location": {
                        "type": "S3",
                        "s3Location": {"bucketName": "bucket", "objectKey": f"bench/Source/{index}.zip"},
                    },
                }
            ],
            "outputArtifacts": [
                {
                    "name": "BuildOutput",
                    "location": {
                        "type": "S3",
                        "s3Location": {"bucketName": "bucket", "objectKey": f"bench/Build/{index}.zip"},
                    },
                }
            ],
            "artifactCredentials": {
                "accessKeyId": "ASIAEXAMPLEEXAMPLE00",
                "secretAccessKey": "secret" * 6,
                "sessionToken": "token" * 60,
            },
            "encryptionKey": {"id": "arn:aws:kms:us-east-1:123456789012:key/abc", "type": "KMS"},
        },
    }


def lambda_event(index: int) -> dict[str, Any]:
    """The same job as a Lambda invoke event (the shape Powertools reads)."""
    job = wire_job(index)
    data = job["data"]
    return {
        "CodePipeline.job": {
            "id": job["id"],
            "accountId": job["accountId"],
            "data": {
                "actionConfiguration": {
                    "configuration": {"FunctionName": "bench", "UserParameters": '{"a": 1}'}
                },
                "inputArtifacts": data["inputArtifacts"],
                "outputArtifacts": data["outputArtifacts"],
                "artifactCredentials": {**data["artifactCredentials"], "expirationTime": 1700000000000},
                "encryptionKey": data["encryptionKey"],
            },
        }
    }


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def stub_client(jobs: int) -> Any:
    """A real client whose every request is answered in-process with the same canned reply."""
    body = json.dumps({"jobs": [wire_job(i) for i in range(jobs)]}).encode()
    client = boto3.client(
        "codepipeline", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )

    def reply(request: Any, **_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        return AWSResponse(request.url, 200, headers, _Raw(body))

    client.meta.events.register("before-send.codepipeline", reply)
    return client


def interleaved(
    contenders: dict[str, Callable[[], object]], *, rounds: int, number: int
) -> dict[str, float]:
    """Median seconds per call of each contender, rounds interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():  # warm up: code generation, caches
        for _ in range(max(3, number // 10)):
            fn()
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(values) for name, values in samples.items()}


def bench_poll(sizes: list[int], rounds: int, number: int) -> list[dict[str, Any]]:
    """poll_for_jobs vs raw client.poll_for_jobs on the same in-process stub."""
    rows = []
    wire_action = {"category": "Build", "owner": "Custom", "provider": "Bench", "version": "1"}
    for size in sizes:
        client = stub_client(size)
        result = interleaved(
            {
                "raw boto3": lambda c=client: c.poll_for_jobs(actionTypeId=wire_action, maxBatchSize=100),
                "codepipeline_jobs": lambda c=client: poll_for_jobs(c, ACTION, max_batch_size=100),
            },
            rounds=rounds,
            number=number,
        )
        rows.append({
            "jobs": size,
            "raw_us": result["raw boto3"] * 1e6,
            "ours_us": result["codepipeline_jobs"] * 1e6,
            "overhead_pct": (result["codepipeline_jobs"] / result["raw boto3"] - 1) * 100,
        })
    return rows


def read_powertools(events: list[dict[str, Any]]) -> int:
    """Read every field of each event through Powertools' CodePipelineJobEvent."""
    from aws_lambda_powertools.utilities.data_classes import CodePipelineJobEvent

    total = 0
    for raw in events:
        event = CodePipelineJobEvent(raw)
        data = event.data
        creds = data.artifact_credentials
        key = data.encryption_key
        config = data.action_configuration.configuration
        fields = [
            event.get_id, event.account_id, config.function_name, config.user_parameters,
            creds.access_key_id, creds.secret_access_key, creds.session_token, creds.expiration_time,
            data.continuation_token, key.get_id if key else None, key.get_type if key else None,
        ]
        for artifact in [*data.input_artifacts, *data.output_artifacts]:
            location = artifact.location
            fields += [artifact.name, artifact.revision, location.get_type,
                       location.s3_location.bucket_name, location.s3_location.key]
        total += len(fields)
    return total


def read_ours(events: list[dict[str, Any]]) -> int:
    """Structure each event's job and read the same fields."""
    total = 0
    for raw in events:
        job = structure(raw["CodePipeline.job"], Job, path="CodePipeline.job")
        data = job.data
        creds = data.artifact_credentials
        key = data.encryption_key
        config = data.action_configuration.configuration if data.action_configuration else {}
        fields = [
            job.id, job.account_id, config.get("FunctionName"), config.get("UserParameters"),
            creds and creds.access_key_id, creds and creds.secret_access_key,
            creds and creds.session_token, creds and creds.expiration_time,
            data.continuation_token, key and key.id, key and key.type,
        ]
        for artifact in (*data.input_artifacts, *data.output_artifacts):
            location = artifact.location
            s3 = location.s3_location if location else None
            fields += [artifact.name, artifact.revision, location and location.type,
                       s3 and s3.bucket_name, s3 and s3.object_key]
        total += len(fields)
    return total


def read_raw(events: list[dict[str, Any]]) -> int:
    """Read the same fields straight from the dicts (the floor)."""
    total = 0
    for raw in events:
        job = raw["CodePipeline.job"]
        data = job["data"]
        creds = data.get("artifactCredentials") or {}
        key = data.get("encryptionKey") or {}
        config = data["actionConfiguration"]["configuration"]
        fields = [
            job["id"], job.get("accountId"), config.get("FunctionName"), config.get("UserParameters"),
            creds.get("accessKeyId"), creds.get("secretAccessKey"), creds.get("sessionToken"),
            creds.get("expirationTime"), data.get("continuationToken"), key.get("id"), key.get("type"),
        ]
        for artifact in [*data.get("inputArtifacts", ()), *data.get("outputArtifacts", ())]:
            s3 = artifact["location"]["s3Location"]
            fields += [artifact.get("name"), artifact.get("revision"), artifact["location"].get("type"),
                       s3["bucketName"], s3["objectKey"]]
        total += len(fields)
    return total


def bench_conversion(jobs: int, rounds: int, number: int) -> dict[str, Any]:
    """Structuring N jobs vs Powertools vs raw dict access."""
    events = [lambda_event(i) for i in range(jobs)]
    assert read_ours(events) == read_powertools(events) == read_raw(events)
    result = interleaved(
        {
            "powertools": lambda: read_powertools(events),
            "codepipeline_jobs": lambda: read_ours(events),
            "raw dicts": lambda: read_raw(events),
        },
        rounds=rounds,
        number=number,
    )
    return {
        "jobs": jobs,
        "powertools_us": result["powertools"] * 1e6,
        "ours_us": result["codepipeline_jobs"] * 1e6,
        "raw_us": result["raw dicts"] * 1e6,
        "speedup_vs_powertools": result["powertools"] / result["codepipeline_jobs"],
    }


IMPORTS = {
    "import codepipeline_jobs": "import codepipeline_jobs",
    "from codepipeline_jobs import Job, poll_for_jobs (+ converter)": (
        "from codepipeline_jobs import Job, poll_for_jobs; import codepipeline_jobs._convert"
    ),
    "import codepipeline_jobs.aws_lambda": "import codepipeline_jobs.aws_lambda",
    "import codepipeline_jobs.worker": "import codepipeline_jobs.worker",
}


def _import_ms(statement: str) -> float | None:
    code = (
        "import time, boto3\n"
        "t = time.perf_counter()\n"
        f"{statement}\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "0"},
    )
    if done.returncode != 0:
        return None
    return float(done.stdout.strip().splitlines()[-1])


def bench_imports(runs: int) -> list[dict[str, Any]]:
    """Import cost after `import boto3`, each in fresh processes; median of `runs`."""
    rows = []
    for label, statement in IMPORTS.items():
        _import_ms(statement)  # compile bytecode once
        times = [t for t in (_import_ms(statement) for _ in range(runs)) if t is not None]
        if times:
            rows.append({"import": label, "median_ms": statistics.median(times), "min_ms": min(times)})
    return rows


def run(*, quick: bool) -> dict[str, Any]:
    """Run the core benchmarks; `quick` makes a smoke run."""
    if quick:
        return {
            "poll": bench_poll([1, 10], rounds=2, number=3),
            "conversion": bench_conversion(10, rounds=2, number=3),
            "imports": bench_imports(1),
        }
    return {
        "poll": bench_poll([1, 10, 100], rounds=15, number=40),
        "conversion": bench_conversion(10, rounds=15, number=100),
        "imports": bench_imports(11),
    }


def main() -> None:
    """Print the core benchmark results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run with tiny sizes")
    args = parser.parse_args()
    print(json.dumps(run(quick=args.quick), indent=2))


if __name__ == "__main__":
    main()
