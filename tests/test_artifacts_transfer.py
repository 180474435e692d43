"""Transfers that break off: ArtifactTransferError, chained, with no secret in it and nothing left behind.

Failures are injected with botocore event handlers on the session the functions are
given (``before-call`` for S3 error replies, ``before-send`` for broken connections,
``after-call`` for a body that breaks while it is read), against moto's S3.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
import zipfile
from typing import TYPE_CHECKING, Any, cast

import boto3
import boto3.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    FlexibleChecksumError,
    IncompleteReadError,
    ReadTimeoutError,
)
from botocore.httpchecksum import Crc32Checksum, StreamingChecksumBody
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws
from s3transfer.exceptions import RetriesExceededError

from codepipeline_jobs import CodePipelineJobsError, Job
from codepipeline_jobs.artifacts import (
    ArtifactCredentialsError,
    ArtifactError,
    ArtifactTransferError,
    download_artifact,
    extract_artifact,
    read_artifact_file,
    upload_artifact,
)
from tests.conftest import JOB_ID
from tests.test_artifacts import (
    BUCKET,
    SECRET,
    SMALL_MULTIPART,
    TOKEN,
    ExpireOnce,
    fresh_details_reply,
    job_data,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_s3 import S3Client

KEY = "my-pipeline/src/AbCd123"
OUT_KEY = "my-pipeline/out/Zyx987"
JOB = Job(id=JOB_ID, data=job_data())
CONTENT = bytes(range(256)) * 4096  # 1 MiB


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip of `members`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Client]:
    """moto S3 with the artifact bucket; botocore tries each request once (no retry sleeps)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory `tempfile` uses for this test, so a stray temporary file would show."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


class BrokenBody:
    """A response body that gives `good` bytes, then raises `error` on every read."""

    def __init__(self, good: bytes, error: Exception) -> None:
        self._good = io.BytesIO(good)
        self._error = error

    def read(self, amt: int | None = None) -> bytes:
        """The next bytes, until the good ones run out."""
        chunk = self._good.read(amt)
        if chunk:
            return chunk
        raise self._error

    def close(self) -> None:
        """Nothing to close."""


def replace_body(session: boto3.session.Session, make: Any) -> list[int]:
    """Every GetObject reply's body becomes `make(content)`; returns a list counting the attempts."""
    attempts: list[int] = []

    def after_call(parsed: dict[str, Any], **_: Any) -> None:
        attempts.append(1)
        data = parsed["Body"].read()
        parsed["Body"] = make(data)

    session.events.register("after-call.s3.GetObject", after_call)
    return attempts


def answer(session: boto3.session.Session, operation: str, code: str, message: str = "failed") -> None:
    """Answer every `operation` call with an S3 error (before moto sees it)."""

    def before_call(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        response = AWSResponse("https://s3", 500, {}, None)  # type: ignore[arg-type]
        return response, {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {}}

    session.events.register_first(f"before-call.s3.{operation}", cast("Any", before_call))


def assert_clean(caught: ArtifactTransferError, *, direction: str = "download") -> None:
    """The error's type, attributes and message: no secret, the artifact and job named."""
    assert isinstance(caught, ArtifactError)
    assert isinstance(caught, CodePipelineJobsError)
    assert caught.direction == direction
    assert caught.artifact == ("src" if direction == "download" else "out")
    text = f"{caught} {caught!r}"
    assert JOB_ID in text
    assert SECRET not in text
    assert TOKEN not in text


# --- downloads ------------------------------------------------------------------------------


def test_read_timeout_mid_download_exhausts_the_retries(aws: S3Client, tmp_path: Path) -> None:
    """A body that times out after some bytes: s3transfer retries, then ArtifactTransferError.

    The existing file at the destination is left as it was, and no partial file remains.
    """
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=CONTENT)
    session = boto3.session.Session()
    timeout = ReadTimeoutError(endpoint_url=f"https://{BUCKET}.s3.amazonaws.com/{KEY}")
    attempts = replace_body(session, lambda data: BrokenBody(data[:1000], timeout))
    dest = tmp_path / "artifact.bin"
    dest.write_bytes(b"the previous download")
    with pytest.raises(ArtifactTransferError) as caught:
        download_artifact(JOB, "src", dest, session=session)
    assert_clean(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, RetriesExceededError)
    assert isinstance(cause.last_exception, ReadTimeoutError)
    assert "Read timeout" in str(caught.value)
    assert len(attempts) == 5  # s3transfer's attempts, each a fresh GetObject
    assert dest.read_bytes() == b"the previous download"
    assert [p.name for p in tmp_path.iterdir()] == ["artifact.bin"]


def test_incomplete_read(aws: S3Client, tmp_path: Path) -> None:
    """A body shorter than its Content-Length: botocore's IncompleteReadError, after s3transfer's retries."""
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=CONTENT)
    session = boto3.session.Session()
    replace_body(session, lambda data: StreamingBody(io.BytesIO(data[:100]), len(data)))
    with pytest.raises(ArtifactTransferError) as caught:
        download_artifact(JOB, "src", tmp_path / "f", session=session)
    assert_clean(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, RetriesExceededError)
    assert isinstance(cause.last_exception, IncompleteReadError)
    assert list(tmp_path.iterdir()) == []


def test_connection_closed(aws: S3Client, tmp_path: Path) -> None:
    """The connection closing under the GetObject (botocore's ConnectionClosedError)."""
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=CONTENT)
    session = boto3.session.Session()

    def close(request: AWSPreparedRequest, **_: Any) -> None:
        raise ConnectionClosedError(endpoint_url=request.url)

    session.events.register_first("before-send.s3.GetObject", close)
    with pytest.raises(ArtifactTransferError) as caught:
        download_artifact(JOB, "src", tmp_path / "f", session=session)
    assert_clean(caught.value)
    assert isinstance(caught.value.__cause__, ConnectionClosedError)
    assert list(tmp_path.iterdir()) == []


def test_checksum_mismatch(aws: S3Client, tmp_path: Path) -> None:
    """Data that does not match the checksum S3 sent (botocore's FlexibleChecksumError)."""
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=CONTENT)
    session = boto3.session.Session()
    replace_body(
        session,
        lambda data: StreamingChecksumBody(io.BytesIO(data), len(data), Crc32Checksum(), "AAAAAA=="),
    )
    with pytest.raises(ArtifactTransferError) as caught:
        download_artifact(JOB, "src", tmp_path / "f", session=session)
    assert_clean(caught.value)
    assert isinstance(caught.value.__cause__, FlexibleChecksumError)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code", ["InternalError", "NoSuchKey", "SlowDown"])
def test_client_error_after_the_first_request(aws: S3Client, tmp_path: Path, code: str) -> None:
    """HeadObject answers, then GetObject fails (S3 failing, or the object gone in between)."""
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=CONTENT)
    session = boto3.session.Session()
    answer(session, "GetObject", code, f"token {TOKEN} and key {SECRET} echoed back")
    with pytest.raises(ArtifactTransferError) as caught:
        download_artifact(JOB, "src", tmp_path / "f", session=session)
    assert_clean(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, ClientError)
    assert cause.operation_name == "GetObject"
    assert code in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_refusal_of_the_first_request_is_still_a_client_error(aws: S3Client, tmp_path: Path) -> None:
    """S3 refusing the HeadObject (not found, or a policy) is botocore's ClientError, as documented."""
    session = boto3.session.Session()
    with pytest.raises(ClientError) as caught:
        download_artifact(JOB, "src", tmp_path / "f", session=session)
    assert not isinstance(caught.value, ArtifactError)
    answer(session, "HeadObject", "InternalError")
    with pytest.raises(ArtifactTransferError):  # S3 failing is a failed transfer, even at the start
        download_artifact(JOB, "src", tmp_path / "f", session=session)
    assert list(tmp_path.iterdir()) == []


def test_expired_mid_download_is_renewed(
    aws: S3Client, client: CodePipelineClient, tmp_path: Path
) -> None:
    """Credentials refused on the GetObject (after the HeadObject) are renewed, not a transfer error."""
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=b"data")
    session = boto3.session.Session()
    expire = ExpireOnce()
    session.events.register_first("before-call.s3.GetObject", cast("Any", expire))
    with Stubber(client) as stub:
        stub.add_response("get_job_details", fresh_details_reply(), {"jobId": JOB_ID})
        path = download_artifact(JOB, "src", tmp_path / "f", session=session, codepipeline_client=client)
    assert path.read_bytes() == b"data"
    assert expire.calls == 2


def test_extract_and_read_break_off_cleanly(aws: S3Client, tmp_path: Path, private_tmp: Path) -> None:
    """extract_artifact and read_artifact_file raise the same error and leave no temporary file."""
    aws.put_object(Bucket=BUCKET, Key=KEY, Body=zipped({"a.txt": CONTENT}))
    session = boto3.session.Session()
    timeout = ReadTimeoutError(endpoint_url="https://s3")
    replace_body(session, lambda data: BrokenBody(data[:10], timeout))
    dest = tmp_path / "tree"
    with pytest.raises(ArtifactTransferError):
        extract_artifact(JOB, "src", dest, session=session)
    assert not dest.exists()
    dest.mkdir()
    (dest / "keep.txt").write_text("keep")
    with pytest.raises(ArtifactTransferError):
        extract_artifact(JOB, "src", dest, session=session)
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]
    with pytest.raises(ArtifactTransferError):
        read_artifact_file(JOB, "src", "a.txt", session=session)
    assert list(private_tmp.iterdir()) == []


# --- uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["bytes", "file", "directory"])
def test_upload_part_failing(aws: S3Client, tmp_path: Path, private_tmp: Path, source: str) -> None:
    """An UploadPart S3 fails: ArtifactTransferError, the object not written, the upload aborted."""
    big = bytes(range(256)) * (6 * 4096)  # 6 MiB: two parts at 5 MiB
    if source == "directory":
        (tmp_path / "tree").mkdir()
        (tmp_path / "tree" / "noise.bin").write_bytes(os.urandom(6 * 1024 * 1024))  # stays 6 MiB zipped
        given: bytes | Path = tmp_path / "tree"
    elif source == "file":
        (tmp_path / "big.bin").write_bytes(big)
        given = tmp_path / "big.bin"
    else:
        given = big
    session = boto3.session.Session()
    answer(session, "UploadPart", "InternalError", f"echo {SECRET}")
    with pytest.raises(ArtifactTransferError) as caught:
        upload_artifact(JOB, "out", given, session=session, transfer_config=SMALL_MULTIPART)
    assert_clean(caught.value, direction="upload")
    assert isinstance(caught.value.__cause__, ClientError)
    with pytest.raises(ClientError):
        aws.head_object(Bucket=BUCKET, Key=OUT_KEY)
    assert "Uploads" not in aws.list_multipart_uploads(Bucket=BUCKET)
    assert list(private_tmp.iterdir()) == []


def test_expired_token_on_a_file_upload_is_renewed(
    aws: S3Client, client: CodePipelineClient, tmp_path: Path
) -> None:
    """A file upload refused as expired renews the credentials (boto3 hid the code in S3UploadFailedError)."""
    source = tmp_path / "out.bin"
    source.write_bytes(b"built")
    session = boto3.session.Session()
    ExpireOnce().install(session)
    with Stubber(client) as stub:
        stub.add_response("get_job_details", fresh_details_reply(), {"jobId": JOB_ID})
        upload_artifact(JOB, "out", source, session=session, codepipeline_client=client)
        stub.assert_no_pending_responses()
    assert aws.get_object(Bucket=BUCKET, Key=OUT_KEY)["Body"].read() == b"built"


def test_expired_token_on_a_file_upload_without_a_client(aws: S3Client, tmp_path: Path) -> None:
    """Without a CodePipeline client, a refused file upload is ArtifactCredentialsError, like bytes."""
    source = tmp_path / "out.bin"
    source.write_bytes(b"built")
    session = boto3.session.Session()
    ExpireOnce().install(session)
    with pytest.raises(ArtifactCredentialsError, match="codepipeline_client="):
        upload_artifact(JOB, "out", source, session=session)


def test_transfer_error_pickles() -> None:
    """ArtifactTransferError keeps its message and attributes through pickle."""
    error = ArtifactTransferError("downloading failed", artifact="src", direction="download")
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.artifact, again.direction) == (
        ArtifactTransferError, "downloading failed", "src", "download"
    )
