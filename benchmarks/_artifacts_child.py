"""One artifact transfer in a fresh process, with its time and the peak growth of its memory.

Run by the artifacts benchmark as ``python -m benchmarks._artifacts_child SPEC`` (SPEC is
JSON); prints one JSON line. S3 is reached through ``AWS_ENDPOINT_URL`` (the moto server).
Only what the transfer needs is imported, so the process is what a worker would be.
"""

from __future__ import annotations

import gc
import json
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["main"]

KIB = 1024


def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def _reset_peak() -> bool:
    """Reset the kernel's peak RSS (VmHWM) to the current RSS (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def _job(spec: dict[str, Any]) -> Any:
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

    def artifact(name: str, key: str) -> Artifact:
        location = S3ArtifactLocation(bucket_name=spec["bucket"], object_key=key)
        return Artifact(name=name, location=ArtifactLocation(s3_location=location))

    return Job(
        id="11111111-2222-4333-8444-555555555555",
        data=JobData(
            pipeline_context=PipelineContext(pipeline_arn="arn:aws:codepipeline:us-east-1:123456789012:bench"),
            input_artifacts=(artifact("in", spec["key"]), artifact("warm", spec["warm_key"])),
            output_artifacts=(artifact("out", spec["out_key"]), artifact("warm", spec["warm_out_key"])),
            artifact_credentials=AWSSessionCredentials(
                access_key_id="ASIABENCH00000000001", secret_access_key="bench", session_token="bench"
            ),
            encryption_key=EncryptionKey(id=spec["kms_key"], type=EncryptionKeyType.KMS),
        ),
    )


def main() -> int:
    """Warm up, then run the transfer SPEC names and print its measurements as JSON."""
    spec: dict[str, Any] = json.loads(sys.argv[1])
    impl, op = spec["impl"], spec["op"]
    scratch = Path(spec["scratch"])
    if impl == "ours":
        from boto3.s3.transfer import TransferConfig

        from codepipeline_jobs.artifacts import download_artifact, upload_artifact

        job = _job(spec)
        config = TransferConfig(**spec["transfer"]) if spec.get("transfer") else None

        def download(name: str, dest: Path) -> None:
            download_artifact(job, name, dest, transfer_config=config)

        def upload(name: str, source: Path) -> None:
            upload_artifact(job, name, source, transfer_config=config)
    else:
        import boto3
        from botocore.config import Config

        def client() -> Any:
            return boto3.client(  # pyright: ignore[reportUnknownMemberType] - overloads for every service
                "s3", region_name="us-east-1", aws_access_key_id="ASIABENCH00000000001",
                aws_secret_access_key="bench", aws_session_token="bench",
                config=Config(signature_version="s3v4"),
            )

        shared = client()
        fresh = bool(spec.get("fresh_client"))  # a new client for each transfer, as ours makes
        sse = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": spec["kms_key"]}
        keys = {"in": spec["key"], "out": spec["out_key"], "warm": spec["warm_key"]}
        out_keys = {"out": spec["out_key"], "warm": spec["warm_out_key"]}

        def download(name: str, dest: Path) -> None:
            (client() if fresh else shared).download_file(spec["bucket"], keys[name], str(dest))

        def upload(name: str, source: Path) -> None:
            (client() if fresh else shared).upload_file(
                str(source), spec["bucket"], out_keys[name], ExtraArgs=sse
            )

    # Warm up with a small transfer of the same kind: code paths, the S3 model, threads.
    if op == "download":
        warm = scratch / f"warm-{impl}"
        download("warm", warm)
        warm.unlink()
    else:
        upload("warm", Path(spec["warm_file"]))
    gc.collect()
    reset = _reset_peak()
    before_kib = _status_kib("VmRSS")
    maxrss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if op == "download":
        download("in", scratch / f"download-{impl}")
    else:
        upload("out", Path(spec["file"]))
    seconds = time.perf_counter() - started
    peak_kib = _status_kib("VmHWM")
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if reset and before_kib is not None and peak_kib is not None:
        growth_kib, how = peak_kib - before_kib, "VmHWM"
    else:
        growth_kib, how = maxrss_kib - maxrss_before_kib, "ru_maxrss"
    print(json.dumps({
        "seconds": seconds, "growth_bytes": growth_kib * KIB, "rss_before_bytes": (before_kib or 0) * KIB,
        "peak_bytes": (peak_kib or maxrss_kib) * KIB, "how": how,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
