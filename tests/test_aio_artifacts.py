"""The asyncio artifact helpers: the sync helpers' results and errors, without blocking the loop (moto)."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import io
import subprocess
import sys
import tarfile
import threading
import time
from typing import TYPE_CHECKING, Any

import boto3
import boto3.session
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from codepipeline_jobs import Job, aio, artifacts
from codepipeline_jobs._aio_artifacts import _in_a_thread
from codepipeline_jobs.artifacts import ArchiveFormatError, ArtifactNotFoundError, UnsafeArchiveError
from tests.conftest import JOB_ID
from tests.test_artifacts import BUCKET, SMALL_MULTIPART, TOKEN, Sent, as_input, header, job_data, put_zip

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator
    from pathlib import Path

    from mypy_boto3_s3 import S3Client

HELPERS = ("download_artifact", "extract_artifact", "read_artifact_file", "upload_artifact")
SRC_KEY = "my-pipeline/src/AbCd123"
#: How long a test waits for something that should happen at once, before calling it a failure.
PATIENCE_S = 5.0


@pytest.fixture
def aws() -> Iterator[S3Client]:
    """moto S3 and KMS, with the artifact bucket; the client returned is the admin's."""
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


@pytest.fixture
def kms_key(aws: S3Client) -> str:
    """The ARN of a KMS key in moto."""
    kms = boto3.client("kms", region_name="us-east-1")
    return str(kms.create_key(Description="artifacts")["KeyMetadata"]["Arn"])


@pytest.fixture
def session(aws: S3Client) -> boto3.session.Session:
    """A session made inside the mock, for clients whose requests a test watches or holds up."""
    return boto3.session.Session()


def job() -> Job:
    """A job with inputs `src`, `lib` and outputs `out`, `pkg` in the moto bucket."""
    return Job(id=JOB_ID, data=job_data())


class Gate:
    """A before-send handler that holds the first S3 request until the event loop opens it.

    `entered` is set (from the transfer's thread) when a request reaches it; the request then
    waits for `opened`, which only a coroutine running on the loop sets. If the loop were
    blocked by the helper, `opened` could never be set: the request fails after `PATIENCE_S`.
    """

    def __init__(self, *, then_fail: bool = False) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()
        self.then_fail = then_fail
        self.threads: set[str] = set()

    def __call__(self, **_: Any) -> None:
        self.threads.add(threading.current_thread().name)
        self.entered.set()
        if not self.opened.wait(PATIENCE_S):
            message = "the event loop was blocked: nothing opened the gate"
            raise AssertionError(message)
        if self.then_fail:
            message = "the connection dropped"
            raise ConnectionResetError(message)

    async def wait_entered(self) -> None:
        """Wait, on the loop, until a request is held at the gate."""
        deadline = time.monotonic() + PATIENCE_S
        while not self.entered.is_set():
            assert time.monotonic() < deadline, "no request reached the gate"
            await asyncio.sleep(0.005)


# --- the same helpers -------------------------------------------------------------------------


@pytest.mark.parametrize("name", HELPERS)
def test_each_coroutine_has_the_sync_signature(name: str) -> None:
    """Each aio helper is a coroutine function with exactly its sync twin's parameters."""
    coroutine, sync = getattr(aio, name), getattr(artifacts, name)
    assert inspect.iscoroutinefunction(coroutine)
    assert inspect.signature(coroutine) == inspect.signature(sync)
    assert coroutine.__name__ == name
    assert f"codepipeline_jobs.artifacts.{name}` as a coroutine" in (coroutine.__doc__ or "")
    assert name in aio.__all__


def test_round_trip_matches_the_sync_helpers(aws: S3Client, kms_key: str, tmp_path: Path) -> None:
    """Upload (SSE-KMS), download, extract and read through aio give what the sync helpers give."""
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("A")
    (tree / "sub" / "b.json").write_text('{"b": 1}')
    encrypted = Job(id=JOB_ID, data=job_data(kms_key=kms_key))
    back = as_input(encrypted, "out", "in")

    async def scenario() -> tuple[Path, Path, bytes]:
        await aio.upload_artifact(encrypted, "out", tree)
        downloaded = await aio.download_artifact(back, "in", tmp_path / "a.zip")
        extracted = await aio.extract_artifact(back, "in", tmp_path / "x")
        member = await aio.read_artifact_file(back, "in", "sub/b.json")
        return downloaded, extracted, member

    downloaded, extracted, member = asyncio.run(scenario())
    stored = aws.head_object(Bucket=BUCKET, Key="my-pipeline/out/Zyx987")
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["SSEKMSKeyId"] == kms_key
    assert stored["ContentType"] == "application/zip"
    assert downloaded == tmp_path / "a.zip"
    synchronous = artifacts.download_artifact(back, "in", tmp_path / "sync.zip")
    assert downloaded.read_bytes() == synchronous.read_bytes()
    assert extracted == tmp_path / "x"
    assert (extracted / "a.txt").read_text() == "A"
    assert (extracted / "sub" / "b.json").read_text() == '{"b": 1}'
    assert member == b'{"b": 1}' == artifacts.read_artifact_file(back, "in", "sub/b.json")


def test_bytes_and_multipart_files_go_through_the_same_transfer(
    aws: S3Client, session: boto3.session.Session, tmp_path: Path
) -> None:
    """Bytes become one PutObject; a big file a multipart upload; every request signed with the job's key."""
    sent = Sent()
    session.events.register("before-send.s3", sent)
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x03" * (6 * 1024 * 1024))

    async def scenario() -> None:
        await aio.upload_artifact(job(), "out", b"small", session=session)
        await aio.upload_artifact(job(), "pkg", big, session=session, transfer_config=SMALL_MULTIPART)

    asyncio.run(scenario())
    names = [name for name, _ in sent.operations()]
    assert names.count("PutObject") == 1
    assert names.count("CreateMultipartUpload") == 1
    assert names.count("UploadPart") == 2
    for _, request in sent.operations():
        assert header(request, "x-amz-security-token") == TOKEN
    assert aws.get_object(Bucket=BUCKET, Key="my-pipeline/out/Zyx987")["Body"].read() == b"small"
    assert aws.head_object(Bucket=BUCKET, Key="my-pipeline/pkg/p")["ContentLength"] == 6 * 1024 * 1024


def _tar_with_escape() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("stored", "call"),
    [
        (None, lambda j, d: ("download_artifact", (j, "nope", d))),
        (None, lambda j, d: ("upload_artifact", (j, "src", b""))),
        (None, lambda j, d: ("download_artifact", (j, "src", d / "f"))),
        (b"not an archive", lambda j, d: ("extract_artifact", (j, "src", d / "x"))),
        (b"not an archive", lambda j, d: ("read_artifact_file", (j, "src", "a.txt"))),
        ("tar-escape", lambda j, d: ("extract_artifact", (j, "src", d / "x"))),
        ({"a.txt": b"1"}, lambda j, d: ("read_artifact_file", (j, "src", "b.txt"))),
    ],
    ids=["unknown-input", "unknown-output", "no-such-key", "not-an-archive", "not-an-archive-read",
         "unsafe-archive", "no-such-member"],
)
def test_errors_are_the_sync_errors(
    aws: S3Client, tmp_path: Path, stored: object, call: Callable[[Job, Path], tuple[str, tuple[Any, ...]]]
) -> None:
    """Each failure raises the very error the sync helper raises, and leaves the same nothing behind."""
    if isinstance(stored, bytes):
        aws.put_object(Bucket=BUCKET, Key=SRC_KEY, Body=stored)
    elif isinstance(stored, dict):
        put_zip(aws, SRC_KEY, stored)
    elif stored == "tar-escape":
        aws.put_object(Bucket=BUCKET, Key=SRC_KEY, Body=_tar_with_escape())
    sync_dir, async_dir = tmp_path / "sync", tmp_path / "async"
    sync_dir.mkdir()
    async_dir.mkdir()
    name, sync_args = call(job(), sync_dir)
    _, async_args = call(job(), async_dir)
    with pytest.raises(Exception) as sync_error:  # noqa: PT011 - compared below
        getattr(artifacts, name)(*sync_args)
    coroutine: Callable[..., Awaitable[Any]] = getattr(aio, name)
    with pytest.raises(type(sync_error.value)) as async_error:
        asyncio.run(coroutine(*async_args))  # type: ignore[arg-type]
    assert type(async_error.value) is type(sync_error.value)
    assert str(async_error.value).replace("async", "sync") == str(sync_error.value)
    assert isinstance(
        async_error.value, (ArtifactNotFoundError, ClientError, ArchiveFormatError, UnsafeArchiveError)
    )
    assert sorted(p.name for p in async_dir.iterdir()) == sorted(p.name for p in sync_dir.iterdir()) == []


# --- not blocking the loop ------------------------------------------------------------------------


@pytest.mark.parametrize("name", HELPERS)
def test_the_loop_runs_while_a_transfer_is_in_flight(
    aws: S3Client, session: boto3.session.Session, tmp_path: Path, name: str
) -> None:
    """Other coroutines make progress while a helper waits on S3; the transfer runs off the loop's thread."""
    put_zip(aws, SRC_KEY, {"a.txt": b"A"})
    gate = Gate()
    session.events.register("before-send.s3", gate)
    arguments = {
        "download_artifact": ("src", tmp_path / "a.zip"),
        "extract_artifact": ("src", tmp_path / "x"),
        "read_artifact_file": ("src", "a.txt"),
        "upload_artifact": ("out", b"bytes"),
    }[name]
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.001)

    async def scenario() -> object:
        ticking = asyncio.create_task(ticker())
        transfer = asyncio.create_task(getattr(aio, name)(job(), *arguments, session=session))
        await gate.wait_entered()
        before = len(ticks)
        await asyncio.sleep(0.05)  # the request is held at the gate: the loop must still run
        assert len(ticks) > before
        assert not transfer.done()
        gate.opened.set()  # only a running loop can do this
        result = await transfer
        ticking.cancel()
        return result

    result = asyncio.run(scenario())
    assert threading.current_thread().name not in gate.threads
    if name == "read_artifact_file":
        assert result == b"A"
    elif name == "upload_artifact":
        assert aws.get_object(Bucket=BUCKET, Key="my-pipeline/out/Zyx987")["Body"].read() == b"bytes"


def test_several_downloads_overlap(aws: S3Client, session: boto3.session.Session, tmp_path: Path) -> None:
    """Three downloads awaited together are all in flight at once (each in its own thread)."""
    aws.put_object(Bucket=BUCKET, Key=SRC_KEY, Body=b"payload")
    held = threading.Semaphore(0)
    arrived: list[str] = []
    lock = threading.Lock()

    def hold(**_: Any) -> None:
        with lock:
            arrived.append(threading.current_thread().name)
        assert held.acquire(timeout=PATIENCE_S), "the downloads did not run at the same time"

    session.events.register("before-send.s3", hold)

    async def scenario() -> list[Path]:
        downloads = [
            asyncio.create_task(aio.download_artifact(job(), "src", tmp_path / f"{n}.bin", session=session))
            for n in range(3)
        ]
        deadline = time.monotonic() + PATIENCE_S
        while len(arrived) < 3:
            assert time.monotonic() < deadline, f"only {len(arrived)} of 3 downloads started"
            await asyncio.sleep(0.005)
        for _ in range(100):  # let every request of the three through
            held.release()
        return await asyncio.gather(*downloads)

    paths = asyncio.run(scenario())
    assert [path.read_bytes() for path in paths] == [b"payload"] * 3


def test_context_variables_reach_the_thread() -> None:
    """The worker thread sees the awaiting task's context variables, and is not the loop's thread."""
    request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")

    def probe(prefix: str, *, suffix: str) -> tuple[str, str]:
        return f"{prefix}{request_id.get()}{suffix}", threading.current_thread().name

    async def scenario() -> tuple[tuple[str, str], str]:
        request_id.set("req-42")
        return await _in_a_thread(probe)("<", suffix=">"), threading.current_thread().name

    (seen, thread), loop_thread = asyncio.run(scenario())
    assert seen == "<req-42>"
    assert thread != loop_thread


# --- cancellation ---------------------------------------------------------------------------------


def test_cancelled_download_completes_in_its_thread_and_leaves_no_part_file(
    aws: S3Client, session: boto3.session.Session, tmp_path: Path
) -> None:
    """Cancelling the awaiting task returns at once; the thread finishes the file whole, never partly."""
    aws.put_object(Bucket=BUCKET, Key=SRC_KEY, Body=b"\x07" * (6 * 1024 * 1024))
    gate = Gate()
    session.events.register("before-send.s3", gate)
    dest = tmp_path / "a.bin"

    async def scenario() -> None:
        download = asyncio.create_task(
            aio.download_artifact(job(), "src", dest, session=session, transfer_config=SMALL_MULTIPART)
        )
        await gate.wait_entered()
        download.cancel()
        with pytest.raises(asyncio.CancelledError):
            await download
        assert not dest.exists()  # still held at the gate: nothing in place yet
        gate.opened.set()

    asyncio.run(scenario())  # returns once the executor's threads are done
    assert dest.read_bytes() == b"\x07" * (6 * 1024 * 1024)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_cancelled_download_that_then_fails_leaves_nothing(
    aws: S3Client, session: boto3.session.Session, tmp_path: Path
) -> None:
    """A cancelled download whose transfer later fails removes its partial file, as the sync helper does."""
    aws.put_object(Bucket=BUCKET, Key=SRC_KEY, Body=b"data")
    gate = Gate(then_fail=True)
    session.events.register("before-send.s3", gate)

    async def scenario() -> None:
        download = asyncio.create_task(
            aio.download_artifact(job(), "src", tmp_path / "a.bin", session=session)
        )
        await gate.wait_entered()
        download.cancel()
        with pytest.raises(asyncio.CancelledError):
            await download
        gate.opened.set()

    asyncio.run(scenario())
    assert list(tmp_path.iterdir()) == []


def test_cancelled_extraction_writes_all_or_nothing(
    aws: S3Client, session: boto3.session.Session, tmp_path: Path
) -> None:
    """A cancelled extraction still moves the whole accepted archive into place, and nothing else."""
    put_zip(aws, SRC_KEY, {"a.txt": b"A", "sub/b.txt": b"B"})
    gate = Gate()
    session.events.register("before-send.s3", gate)
    dest = tmp_path / "x"

    async def scenario() -> None:
        extraction = asyncio.create_task(aio.extract_artifact(job(), "src", dest, session=session))
        await gate.wait_entered()
        extraction.cancel()
        with pytest.raises(asyncio.CancelledError):
            await extraction
        gate.opened.set()

    asyncio.run(scenario())
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*")) == ["a.txt", "sub", "sub/b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


# --- import cost ----------------------------------------------------------------------------------


def test_importing_aio_does_not_load_boto3_or_the_artifact_helpers() -> None:
    """The artifact coroutines (boto3, s3transfer) load on first use, not with `codepipeline_jobs.aio`."""
    code = (
        "import sys\n"
        "from codepipeline_jobs import aio\n"
        "heavy = {'boto3', 's3transfer', 'codepipeline_jobs.artifacts', 'codepipeline_jobs._aio_artifacts'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "aio.download_artifact\n"
        "print(sorted(heavy & set(sys.modules)))\n"
        "print('download_artifact' in dir(aio))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    before, after, listed = result.stdout.splitlines()
    assert before == "[]"
    assert after == str(sorted({"boto3", "s3transfer", "codepipeline_jobs.artifacts",
                                "codepipeline_jobs._aio_artifacts"}))
    assert listed == "True"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = aio.nope
