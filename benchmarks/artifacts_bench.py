"""Benchmark: artifact download and upload against moto, next to plain boto3 in the same run.

Runs in-process against moto (``mock_aws``), so the S3 "server" shares the process: the
memory figures include moto's own buffering of the request bodies, for both sides alike.

Usage::

    python benchmarks/artifacts_bench.py --size-mb 8
    python benchmarks/artifacts_bench.py --size-mb 200 --rounds 2

For each operation it prints the best wall time, the throughput relative to plain boto3
(``download_file`` / ``upload_file`` with the same SSE-KMS arguments), the peak growth of
the resident set size over the operation (sampled every 2 ms from ``/proc/self/statm``;
``ru_maxrss`` growth where ``/proc`` is missing) and the peak of Python allocations
(``tracemalloc``, measured in a separate round so it does not slow the timed one).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codepipeline_jobs import (
    Artifact,
    ArtifactLocation,
    AWSSessionCredentials,
    EncryptionKey,
    EncryptionKeyType,
    Job,
    JobData,
    PipelineContext,
    S3ArtifactLocation,
)
from codepipeline_jobs.artifacts import download_artifact, upload_artifact

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["main"]

BUCKET = "bench-artifacts"
MIB = 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:
        return None


class _PeakRss:
    """Samples the resident set size in a thread; `growth` is the peak over the start."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._start = _rss()
        self._max_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self._peak = self._start or 0
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            now = _rss()
            if now is not None:
                self._peak = max(self._peak, now)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def growth(self) -> int:
        if self._start is None:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - self._max_start
        return max(self._peak - self._start, 0)


def _measure(operation: Callable[[], object], rounds: int) -> tuple[float, int, int]:
    """(best seconds, peak RSS growth in bytes, tracemalloc peak in bytes)."""
    best = float("inf")
    growth = 0
    for _ in range(rounds):
        gc.collect()
        with _PeakRss() as peak:
            started = time.perf_counter()
            operation()
            best = min(best, time.perf_counter() - started)
        growth = max(growth, peak.growth)
    gc.collect()
    tracemalloc.start()
    try:
        operation()
        _, traced = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return best, growth, traced


def _job(kms_key: str) -> Job:
    def artifact(name: str, key: str) -> Artifact:
        location = S3ArtifactLocation(bucket_name=BUCKET, object_key=key)
        return Artifact(name=name, location=ArtifactLocation(s3_location=location))

    credentials = AWSSessionCredentials(
        access_key_id="ASIABENCH00000000001",
        secret_access_key="bench",
        session_token="bench",
    )
    return Job(
        id="11111111-2222-4333-8444-555555555555",
        data=JobData(
            pipeline_context=PipelineContext(pipeline_arn="arn:aws:codepipeline:us-east-1:123456789012:bench"),
            input_artifacts=(artifact("in", "bench/in/source"),),
            output_artifacts=(artifact("out", "bench/out/ours"),),
            artifact_credentials=credentials,
            encryption_key=EncryptionKey(id=kms_key, type=EncryptionKeyType.KMS),
        ),
    )


def _write_source(path: Path, size: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for _ in range(size // MIB):
            out.write(block)
        out.write(block[: size % MIB])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200, help="artifact size in MiB (default 200)")
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds per operation (best is kept)")
    args = parser.parse_args(argv)
    size = args.size_mb * MIB
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    with mock_aws(), tempfile.TemporaryDirectory(prefix="artifacts-bench-") as scratch:
        work = Path(scratch)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        kms_key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
        job = _job(kms_key)
        sse = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key}
        source = work / "source.bin"
        _write_source(source, size)
        s3.upload_file(str(source), BUCKET, "bench/in/source", ExtraArgs=sse)

        def plain_download() -> None:
            s3.download_file(BUCKET, "bench/in/source", str(work / "a"))

        def plain_upload() -> None:
            s3.upload_file(str(source), BUCKET, "bench/out/plain", ExtraArgs=sse)

        rows: list[tuple[str, str, Callable[[], object]]] = [
            ("download", "boto3 download_file", plain_download),
            ("download", "download_artifact", lambda: download_artifact(job, "in", work / "b")),
            ("upload", "boto3 upload_file", plain_upload),
            ("upload", "upload_artifact", lambda: upload_artifact(job, "out", source)),
        ]
        results = {(op, impl): _measure(run, args.rounds) for op, impl, run in rows}

    print(f"artifact size: {args.size_mb} MiB, moto in-process, best of {args.rounds}")
    header = (
        f"{'operation':<9} {'implementation':<20} {'seconds':>8} {'MiB/s':>8} {'vs boto3':>8} "
        f"{'peak RSS +MiB':>14} {'tracemalloc MiB':>16}"
    )
    print(header)
    print("-" * len(header))
    for op, impl, _ in rows:
        seconds, growth, traced = results[(op, impl)]
        baseline = results[(op, next(i for o, i, _ in rows if o == op))][0]
        print(
            f"{op:<9} {impl:<20} {seconds:>8.2f} {args.size_mb / seconds:>8.1f} "
            f"{baseline / seconds:>7.2f}x {growth / MIB:>14.1f} {traced / MIB:>16.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
