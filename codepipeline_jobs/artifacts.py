"""Input and output artifacts, read and written with the job's credentials and KMS key.

Every function here takes the job (a `Job`, `JobDetails` or `ThirdPartyJobDetails`)
and the artifact's name, and does what a job worker must do and usually gets wrong:

- it talks to S3 with the job's `artifact_credentials`, SigV4, in the pipeline's
  region (taken from ``pipeline_context.pipeline_arn``; else the configured region,
  e.g. ``AWS_REGION`` in Lambda);
- it encrypts every write with SSE-KMS under the job's `encryption_key`
  (``PutObject`` and ``CreateMultipartUpload`` alike); with no key, the bucket default
  applies;
- it streams through boto3's managed transfer (multipart above a threshold), so
  memory stays flat whatever the size, and writes files atomically;
- it refuses unsafe archives (see `extract_artifact`);
- when S3 refuses the credentials as expired and a CodePipeline client was given, it
  fetches fresh ones (GetJobDetails, or GetThirdPartyJobDetails with the client token)
  and retries once;
- a transfer that breaks off (connection, timeout, checksum, retries exhausted, S3
  refusing a request after the first) is an `ArtifactTransferError`, and leaves no
  partial file behind.

Object keys that arrive URL-encoded (as in some Lambda events) are handled: a read
tries the key as given, then its `urllib.parse.unquote_plus` decoding if the first is
not found; a write decodes a key that holds ``%XX`` escapes, since CodePipeline's own
keys (pipeline and artifact names, a random suffix) never contain ``%``.

```
CodePipelineJobsError
└── ArtifactError                          an artifact could not be found, read or written
    ├── ArtifactNotFoundError (LookupError) no artifact / member by that name; lists those that exist
    ├── ArtifactCredentialsError           no credentials, or S3 refused them and no refresh was possible
    ├── ArtifactTransferError              the transfer broke off part-way; nothing was left behind
    ├── ArchiveFormatError (ValueError)     not a zip / tar / compressed tar, or unreadable (corrupt,
    │                                       truncated, encrypted, unsupported compression)
    └── UnsafeArchiveError (ValueError)     extraction refused; nothing was written
```
"""

from __future__ import annotations

import io
import logging
import re
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar, Union

import boto3
import boto3.session
from boto3.exceptions import RetriesExceededError as Boto3RetriesExceededError
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    AwsChunkedWrapperError,
    ChecksumError,
    ClientError,
    FlexibleChecksumError,
    HTTPClientError,
    IncompleteReadError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from s3transfer.exceptions import RetriesExceededError

from ._archive import (
    DEFAULT_MAX_MEMBERS,
    DEFAULT_MAX_TOTAL_BYTES,
    ArchiveFormatError,
    ArtifactError,
    ArtifactNotFoundError,
    UnsafeArchiveError,
    extract_archive,
    read_member,
    zip_directory,
)
from ._calls import get_job_details, get_third_party_job_details
from ._job_context import context_for
from ._job_detail_models import JobDetails, ThirdPartyJobDetails
from ._models import Artifact, Job
from ._redact import job_secrets, scrub

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_s3 import S3Client

__all__ = [
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_TOTAL_BYTES",
    "DEFAULT_TRANSFER_CONFIG",
    "AnyJob",
    "ArchiveFormatError",
    "ArtifactCredentialsError",
    "ArtifactError",
    "ArtifactNotFoundError",
    "ArtifactTransferError",
    "UnsafeArchiveError",
    "artifact_s3_client",
    "download_artifact",
    "extract_artifact",
    "read_artifact_file",
    "upload_artifact",
]

logger = logging.getLogger("codepipeline_jobs.artifacts")

#: The job types artifacts can be read for.
AnyJob = Union[Job, JobDetails, ThirdPartyJobDetails]  # noqa: UP007 - a runtime alias on 3.10

#: The transfer settings used when none are given: 8 MiB parts, 10 threads.
DEFAULT_TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=8 * 1024 * 1024,
    multipart_chunksize=8 * 1024 * 1024,
    max_concurrency=10,
    # boto3's default queue of 100 downloaded chunks waiting to be written let a 200 MiB
    # download peak at ~79 MiB of RSS; 10 keeps it near 28 MiB at the same speed (benchmarks).
    max_io_queue=10,
)

_T = TypeVar("_T")

# Codes S3 uses for credentials that are no longer good.
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired"})
# Codes that may mean the same for temporary credentials (HEAD replies have no body, so
# no code: only the status). Refused once with fresh credentials, they are real.
_MAYBE_EXPIRED = frozenset({"AccessDenied", "InvalidToken", "403"})
_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
# The request each transfer starts with: S3 refusing it (no such key, a policy) is a ClientError.
_FIRST_REQUESTS = frozenset({"HeadObject", "PutObject", "CreateMultipartUpload"})
# Codes that say the transfer failed (S3 failing, data damaged or late), not that S3 refused it.
_FAILED_CODES = frozenset({
    "500", "503", "InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout",
    "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch", "IncompleteBody",
})
# What botocore and s3transfer raise when a transfer breaks off.
_BROKEN_OFF = (
    HTTPClientError,  # ReadTimeoutError, ConnectionClosedError, ResponseStreamingError, ...
    BotocoreConnectionError,  # EndpointConnectionError, ConnectTimeoutError, ...
    IncompleteReadError,
    ChecksumError,
    FlexibleChecksumError,
    AwsChunkedWrapperError,
    RetriesExceededError,
    Boto3RetriesExceededError,
)
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_SHARED_LOCK = threading.Lock()
_shared: boto3.session.Session | None = None
_ARN_REGION = re.compile(r"^arn:[^:]+:codepipeline:([a-z0-9-]+):")


class ArtifactCredentialsError(ArtifactError):
    """The job has no artifact credentials, or S3 refused them and they could not be renewed.

    Attributes:
        code: The error code S3 answered with (e.g. ``"ExpiredToken"``), or ``""``
            when the job carried no credentials at all.
    """

    code: str

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class ArtifactTransferError(ArtifactError):
    """A transfer to or from S3 broke off part-way; nothing of it was left behind.

    Raised when the connection fails or is closed, a read times out or ends early,
    the data does not match its checksum, boto3's transfer runs out of retries
    (s3transfer's `RetriesExceededError`), S3 fails (``InternalError``, ``SlowDown``,
    ``RequestTimeout``, ... once botocore's own retries are spent), or S3 refuses a
    request after the first one of the transfer (a ``GetObject`` after the
    ``HeadObject``, an ``UploadPart``). S3 refusing the first request (no such key,
    a bucket policy) is still botocore's `ClientError`, and refused credentials
    `ArtifactCredentialsError`.

    The error botocore or s3transfer raised is chained as ``__cause__`` (for
    `RetriesExceededError`, its ``last_exception`` is the last attempt's error). The
    message names what was transferred, the job and the error; never a credential.

    Attributes:
        artifact: The artifact's name.
        direction: ``"download"`` or ``"upload"``.
    """

    artifact: str
    direction: str

    def __init__(self, message: str, *, artifact: str, direction: str) -> None:
        super().__init__(message)
        self.artifact = artifact
        self.direction = direction

    def __reduce__(self) -> tuple[Callable[..., ArtifactTransferError], tuple[object, ...]]:
        return (_rebuild_transfer_error, (type(self), str(self), self.artifact, self.direction))


def _rebuild_transfer_error(
    cls: type[ArtifactTransferError], message: str, artifact: str, direction: str
) -> ArtifactTransferError:
    return cls(message, artifact=artifact, direction=direction)


def _broke_off(exc: BaseException) -> bool:
    """Whether an error from a transfer means it failed part-way (see `ArtifactTransferError`)."""
    if isinstance(exc, ClientError):
        code = _code(exc)
        if code in _EXPIRED or code in _MAYBE_EXPIRED:
            return False  # the credentials' business: renewed, or ArtifactCredentialsError
        return code in _FAILED_CODES or exc.operation_name not in _FIRST_REQUESTS
    return isinstance(exc, _BROKEN_OFF)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    last = getattr(exc, "last_exception", None)
    if isinstance(last, BaseException):
        text += f" (last attempt: {type(last).__name__}: {last})"
    return text


def _transfer(
    operation: Callable[[S3Client, AnyJob], _T], *, artifact: str, direction: str
) -> Callable[[S3Client, AnyJob], _T]:
    """`operation`, with a transfer that breaks off raised as `ArtifactTransferError`."""

    def run(s3: S3Client, job: AnyJob) -> _T:
        try:
            return operation(s3, job)
        except S3UploadFailedError as exc:
            # boto3's upload_file wraps S3's ClientError in this (without chaining it
            # as the cause): unwrap it, so refused credentials are renewed as for bytes
            cause = exc.__context__
            if not isinstance(cause, ClientError):
                raise
            if not _broke_off(cause):
                raise cause from None
            raise _transfer_error(cause, job, artifact, direction) from cause
        except Exception as exc:
            if not _broke_off(exc):
                raise
            raise _transfer_error(exc, job, artifact, direction) from exc

    return run


def _transfer_error(exc: BaseException, job: AnyJob, artifact: str, direction: str) -> ArtifactTransferError:
    kind = "input" if direction == "download" else "output"
    verb = "downloading" if direction == "download" else "uploading"
    msg = f"{verb} {kind} artifact {artifact!r} of job {job.id} failed: {_describe(exc)}"
    return ArtifactTransferError(scrub(msg, job_secrets(job)), artifact=artifact, direction=direction)


# --- the client -----------------------------------------------------------------------------


def _region(job: AnyJob, session: boto3.session.Session) -> str | None:
    context = job.data.pipeline_context
    arn = context.pipeline_arn if context is not None else None
    if arn:
        match = _ARN_REGION.match(arn)
        if match:
            return match.group(1)
    return session.region_name


def artifact_s3_client(job: AnyJob, *, session: boto3.session.Session | None = None) -> S3Client:
    """An S3 client for the job's artifact bucket: its credentials, SigV4, the pipeline's region.

    Args:
        job: The job whose artifacts the client reads and writes.
        session: The boto3 session to build the client from (its region is the
            fallback when the job carries no pipeline ARN); by default one session
            shared by this module, so S3's service model is loaded once.

    Returns:
        A boto3 S3 client.

    Raises:
        ArtifactCredentialsError: The job carries no artifact credentials.

    Example:
        ```python title="Listing what the action can see"
        # illustrative
        s3 = artifact_s3_client(job)
        location = job.data.input_artifacts[0].location.s3_location
        s3.head_object(Bucket=location.bucket_name, Key=location.object_key)
        ```
    """
    credentials = job.data.artifact_credentials
    if credentials is None:
        msg = f"job {job.id} carries no artifact credentials"
        raise ArtifactCredentialsError(msg)
    if session is not None:
        return _client(session, job)
    with _SHARED_LOCK:  # a session is not thread-safe; clients made from it are
        global _shared  # noqa: PLW0603 - one session, so S3's model is loaded once per process
        if _shared is None:
            _shared = boto3.session.Session()
        return _client(_shared, job)


def _client(session: boto3.session.Session, job: AnyJob) -> S3Client:
    credentials = job.data.artifact_credentials
    assert credentials is not None  # checked by the caller
    return session.client(  # pyright: ignore[reportUnknownMemberType] - stubs overload every service
        "s3",
        region_name=_region(job, session),
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=Config(signature_version="s3v4"),
    )


# --- finding an artifact --------------------------------------------------------------------


def _location(job: AnyJob, name: str, *, output: bool) -> tuple[str, str]:
    artifacts: tuple[Artifact, ...] = job.data.output_artifacts if output else job.data.input_artifacts
    for artifact in artifacts:
        if artifact.name == name:
            s3 = artifact.location.s3_location if artifact.location is not None else None
            if s3 is None:
                msg = f"artifact {name!r} of job {job.id} has no S3 location"
                raise ArtifactError(msg)
            return s3.bucket_name, s3.object_key
    kind = "output artifact" if output else "input artifact"
    raise ArtifactNotFoundError(kind, name, tuple(a.name for a in artifacts if a.name is not None))


def _write_key(key: str) -> str:
    return urllib.parse.unquote_plus(key) if _ESCAPE.search(key) else key


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --- credentials that expire ----------------------------------------------------------------


def _refreshed(job: AnyJob, codepipeline_client: CodePipelineClient, client_token: str | None) -> AnyJob:
    if isinstance(job, ThirdPartyJobDetails):
        if client_token is None:
            msg = (
                f"the artifact credentials of partner job {job.id} were refused; renewing them needs "
                "client_token= as well as codepipeline_client="
            )
            raise ArtifactCredentialsError(msg)
        return get_third_party_job_details(codepipeline_client, job.id, client_token)
    fresh = get_job_details(codepipeline_client, job.id)
    if isinstance(job, Job):
        # keep the nonce and account of the job the caller holds; only the data is new
        return Job(id=job.id, data=fresh.data, nonce=job.nonce, account_id=job.account_id)
    return fresh


def _with_credentials(
    job: AnyJob,
    operation: Callable[[S3Client, AnyJob], _T],
    *,
    session: boto3.session.Session | None,
    codepipeline_client: CodePipelineClient | None,
    client_token: str | None,
) -> _T:
    """Run `operation` with a client for the job; on refused credentials renew them once.

    Inside a worker's handler, the job's context renews them before use once they are old,
    and after a refusal when no `codepipeline_client` is given.
    """
    context = context_for(job)
    if context is not None:
        job = context.usable(job)
    try:
        return operation(artifact_s3_client(job, session=session), job)
    except ClientError as exc:
        code = _code(exc)
        if code not in _EXPIRED and code not in _MAYBE_EXPIRED:
            raise
        if codepipeline_client is None and context is not None and context.can_renew():
            logger.info("artifact credentials of job %s refused (%s); fetching fresh ones", job.id, code)
            return _with_fresh(job, context.renewed(job), operation, session)
        if codepipeline_client is None:
            msg = (
                f"S3 refused the artifact credentials of job {job.id} ({code}): they may have expired. "
                "Pass codepipeline_client= so fresh ones can be fetched with GetJobDetails"
            )
            raise ArtifactCredentialsError(scrub(msg, job_secrets(job)), code) from exc
        logger.info("artifact credentials of job %s refused (%s); fetching fresh ones", job.id, code)
    return _with_fresh(job, _refreshed(job, codepipeline_client, client_token), operation, session)


def _with_fresh(
    job: AnyJob, fresh: AnyJob, operation: Callable[[S3Client, AnyJob], _T],
    session: boto3.session.Session | None,
) -> _T:
    """Run `operation` again with the renewed `fresh` job; a second refusal is final."""
    try:
        return operation(artifact_s3_client(fresh, session=session), fresh)
    except ClientError as exc:
        code = _code(exc)
        if code not in _EXPIRED and code not in _MAYBE_EXPIRED:
            raise
        msg = f"S3 refused the artifact credentials of job {job.id} ({code}), fresh ones included"
        raise ArtifactCredentialsError(scrub(msg, job_secrets(fresh)), code) from exc


# --- reading --------------------------------------------------------------------------------


def _download_into(
    s3: S3Client, bucket: str, key: str, out: IO[bytes], config: TransferConfig
) -> None:
    """Stream an object into `out`; on "not found", try the URL-decoded key."""
    try:
        s3.download_fileobj(bucket, key, out, Config=config)
    except ClientError as exc:
        decoded = urllib.parse.unquote_plus(key)
        if _code(exc) not in _NOT_FOUND or decoded == key:
            raise
        out.seek(0)
        out.truncate()
        s3.download_fileobj(bucket, decoded, out, Config=config)


def download_artifact(
    job: AnyJob,
    name: str,
    dest: str | os.PathLike[str],
    *,
    session: boto3.session.Session | None = None,
    codepipeline_client: CodePipelineClient | None = None,
    client_token: str | None = None,
    transfer_config: TransferConfig | None = None,
) -> Path:
    """Stream an input artifact, as stored, to a file.

    The object is written to a temporary file next to the destination and renamed
    into place when complete: a failed download leaves nothing behind, and a file
    already at `dest` stays as it was.

    Args:
        job: The job the artifact belongs to.
        name: The input artifact's name.
        dest: The file to write; if it is an existing directory, a file in it named
            after the object key's last part.
        session: The boto3 session to build the S3 client from.
        codepipeline_client: A CodePipeline client to renew expired credentials with.
        client_token: For a partner job, the client token GetThirdPartyJobDetails needs.
        transfer_config: boto3 transfer settings; by default `DEFAULT_TRANSFER_CONFIG`.

    Returns:
        The path of the file written.

    Raises:
        ArtifactNotFoundError: The job has no input artifact of that name.
        ArtifactCredentialsError: S3 refused the credentials and they could not be renewed.
        ArtifactTransferError: The download broke off (connection, timeout, checksum,
            retries exhausted, a later request refused).
        botocore.exceptions.ClientError: S3 refused the first request for another
            reason (e.g. no such key, a bucket policy).
    """
    bucket, key = _location(job, name, output=False)
    target = Path(dest)
    if target.is_dir():
        target = target / (key.rsplit("/", 1)[-1] or name)
    config = transfer_config or DEFAULT_TRANSFER_CONFIG

    def download(s3: S3Client, _: AnyJob) -> None:
        with tempfile.NamedTemporaryFile(
            "wb", dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        ) as out:
            part = Path(out.name)
            try:
                _download_into(s3, bucket, key, out, config)
            except BaseException:
                out.close()
                part.unlink(missing_ok=True)
                raise
        part.replace(target)

    _with_credentials(
        job,
        _transfer(download, artifact=name, direction="download"),
        session=session,
        codepipeline_client=codepipeline_client,
        client_token=client_token,
    )
    return target


def _spooled(
    job: AnyJob,
    name: str,
    *,
    session: boto3.session.Session | None,
    codepipeline_client: CodePipelineClient | None,
    client_token: str | None,
    transfer_config: TransferConfig | None,
) -> IO[bytes]:
    """An input artifact in an anonymous temporary file, positioned at its start."""
    bucket, key = _location(job, name, output=False)
    config = transfer_config or DEFAULT_TRANSFER_CONFIG

    def download(s3: S3Client, _: AnyJob) -> IO[bytes]:
        out = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; the caller closes it
        try:
            _download_into(s3, bucket, key, out, config)
        except BaseException:
            out.close()
            raise
        out.seek(0)
        return out

    return _with_credentials(
        job,
        _transfer(download, artifact=name, direction="download"),
        session=session,
        codepipeline_client=codepipeline_client,
        client_token=client_token,
    )


def extract_artifact(
    job: AnyJob,
    name: str,
    dest_dir: str | os.PathLike[str],
    *,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_members: int = DEFAULT_MAX_MEMBERS,
    session: boto3.session.Session | None = None,
    codepipeline_client: CodePipelineClient | None = None,
    client_token: str | None = None,
    transfer_config: TransferConfig | None = None,
) -> Path:
    """Download an input artifact and extract it (zip, tar, tar.gz/bz2/xz, told by content).

    Members are extracted into a staging directory inside `dest_dir` (or next to it
    when it does not exist yet) and moved into place only when the whole archive was
    accepted. Refused, with nothing written to `dest_dir`: members with absolute
    paths or ``..`` that climbs out, links whose target is outside `dest_dir`, hard
    links to anything but a file extracted before them, members written through a
    link, special files, more than `max_members` members and more than
    `max_total_bytes` of content (counted as written).

    If `dest_dir` exists, the members are merged into it (files replace files of the
    same name); a file/directory clash is refused before anything is moved. Members
    of the same name: the last one wins, as with ``tar`` and ``unzip``; a hard link
    is extracted as a copy of the file it names and may not replace another member
    (one to itself, which GNU tar writes for a file archived twice, changes nothing).

    On every failure (a refusal, an unreadable archive, a download that broke off,
    a full disk) `dest_dir` is as it was: the staging directory and the downloaded
    archive (an anonymous temporary file) are removed. Only the final moves into an
    existing `dest_dir` - renames within one file system, checked for clashes before
    the first - happen after the whole archive was read and accepted.

    Args:
        job: The job the artifact belongs to.
        name: The input artifact's name.
        dest_dir: The directory to extract into (created if missing).
        max_total_bytes: The most content the archive may unpack to.
        max_members: The most members the archive may have.
        session: The boto3 session to build the S3 client from.
        codepipeline_client: A CodePipeline client to renew expired credentials with.
        client_token: For a partner job, the client token GetThirdPartyJobDetails needs.
        transfer_config: boto3 transfer settings; by default `DEFAULT_TRANSFER_CONFIG`.

    Returns:
        `dest_dir`, as a `Path`.

    Raises:
        ArtifactNotFoundError: The job has no input artifact of that name.
        ArchiveFormatError: The artifact is not an archive, or cannot be read: corrupt
            or truncated (any compression), a bad header, size or CRC, an encrypted
            member, an unsupported compression method. It names the member.
        UnsafeArchiveError: The archive was refused; nothing was written.
        ArtifactCredentialsError: S3 refused the credentials and they could not be renewed.
        ArtifactTransferError: The download broke off.
        botocore.exceptions.ClientError: S3 refused the first request for another
            reason (e.g. no such key).
    """
    with _spooled(
        job,
        name,
        session=session,
        codepipeline_client=codepipeline_client,
        client_token=client_token,
        transfer_config=transfer_config,
    ) as archive:
        return extract_archive(
            archive, Path(dest_dir), max_total_bytes=max_total_bytes, max_members=max_members
        )


def read_artifact_file(
    job: AnyJob,
    artifact_name: str,
    member: str,
    *,
    max_bytes: int = 256 * 1024 * 1024,
    session: boto3.session.Session | None = None,
    codepipeline_client: CodePipelineClient | None = None,
    client_token: str | None = None,
    transfer_config: TransferConfig | None = None,
) -> bytes:
    """The content of one file inside an input artifact (zip or tar), without extracting the rest.

    When the archive holds several files of that name, the last one is read (the one
    `extract_artifact` would leave). A tar is read to its end, so that a corrupt one
    is refused here as it would be by `extract_artifact`.

    Args:
        job: The job the artifact belongs to.
        artifact_name: The input artifact's name.
        member: The file's path inside the archive, e.g. ``"config/app.json"``.
        max_bytes: The largest file this will read into memory.
        session: The boto3 session to build the S3 client from.
        codepipeline_client: A CodePipeline client to renew expired credentials with.
        client_token: For a partner job, the client token GetThirdPartyJobDetails needs.
        transfer_config: boto3 transfer settings; by default `DEFAULT_TRANSFER_CONFIG`.

    Returns:
        The file's bytes.

    Raises:
        ArtifactNotFoundError: No such artifact, or no such file in it (the message
            lists the files that exist).
        ArchiveFormatError: The artifact is not an archive, or cannot be read (as
            for `extract_artifact`).
        UnsafeArchiveError: The file is larger than `max_bytes`.
        ArtifactCredentialsError: S3 refused the credentials and they could not be renewed.
        ArtifactTransferError: The download broke off.
    """
    with _spooled(
        job,
        artifact_name,
        session=session,
        codepipeline_client=codepipeline_client,
        client_token=client_token,
        transfer_config=transfer_config,
    ) as archive:
        return read_member(archive, member, max_bytes=max_bytes)


# --- writing --------------------------------------------------------------------------------


def _extra_args(job: AnyJob, content_type: str | None) -> dict[str, str]:
    extra: dict[str, str] = {}
    key = job.data.encryption_key
    if key is not None:
        extra["ServerSideEncryption"] = "aws:kms"
        extra["SSEKMSKeyId"] = key.id
    if content_type is not None:
        extra["ContentType"] = content_type
    return extra


def upload_artifact(
    job: AnyJob,
    name: str,
    source: str | os.PathLike[str] | bytes | bytearray | memoryview,
    *,
    session: boto3.session.Session | None = None,
    codepipeline_client: CodePipelineClient | None = None,
    client_token: str | None = None,
    transfer_config: TransferConfig | None = None,
) -> None:
    """Upload an output artifact: a file as is, bytes as is, or a directory zipped.

    With the job's `encryption_key`, every write (``PutObject``, or
    ``CreateMultipartUpload`` above the multipart threshold) carries
    ``ServerSideEncryption="aws:kms"`` and the key's id; without one, the bucket's
    default encryption applies. A directory is zipped (names relative to it; links to
    files stored as the files, links to directories not followed) into a temporary
    file first, so memory stays flat.

    Args:
        job: The job the artifact belongs to.
        name: The output artifact's name.
        source: A file path (`str` or path-like), the content as bytes, or a directory.
        session: The boto3 session to build the S3 client from.
        codepipeline_client: A CodePipeline client to renew expired credentials with.
        client_token: For a partner job, the client token GetThirdPartyJobDetails needs.
        transfer_config: boto3 transfer settings; by default `DEFAULT_TRANSFER_CONFIG`.

    Raises:
        ArtifactNotFoundError: The job has no output artifact of that name.
        ArtifactCredentialsError: S3 refused the credentials and they could not be renewed.
        ArtifactTransferError: The upload broke off (s3transfer aborts a multipart
            upload it started; the object is not written).
        botocore.exceptions.ClientError: S3 refused the first request for another
            reason (e.g. a bucket policy).
        FileNotFoundError: `source` is a path that does not exist.
    """
    bucket, raw_key = _location(job, name, output=True)
    key = _write_key(raw_key)
    config = transfer_config or DEFAULT_TRANSFER_CONFIG

    def run(upload: Callable[[S3Client, AnyJob], None]) -> None:
        _with_credentials(
            job,
            _transfer(upload, artifact=name, direction="upload"),
            session=session,
            codepipeline_client=codepipeline_client,
            client_token=client_token,
        )

    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)

        def upload_bytes(s3: S3Client, current: AnyJob) -> None:
            extra = _extra_args(current, None)
            s3.upload_fileobj(io.BytesIO(data), bucket, key, ExtraArgs=extra, Config=config)

        run(upload_bytes)
        return
    path = Path(source)
    if path.is_dir():
        with tempfile.TemporaryDirectory(prefix="codepipeline-artifact-") as scratch:
            zipped = Path(scratch) / "artifact.zip"
            with zipped.open("wb") as out:
                zip_directory(path, out)
            _upload_file(
                run, path=zipped, bucket=bucket, key=key, config=config, content_type="application/zip"
            )
        return
    if not path.is_file():
        msg = f"no such file or directory: {path}"
        raise FileNotFoundError(msg)
    _upload_file(run, path=path, bucket=bucket, key=key, config=config, content_type=None)


def _upload_file(
    run: Callable[[Callable[[S3Client, AnyJob], None]], None],
    *,
    path: Path,
    bucket: str,
    key: str,
    config: TransferConfig,
    content_type: str | None,
) -> None:
    def upload(s3: S3Client, current: AnyJob) -> None:
        # upload_file reads each part from the file itself, so parts are not held in memory
        extra = _extra_args(current, content_type)
        s3.upload_file(str(path), bucket, key, ExtraArgs=extra, Config=config)

    run(upload)
