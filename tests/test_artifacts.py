"""Artifacts against moto S3 and KMS: credentials, SigV4, SSE-KMS, round trips, refresh, keys."""

from __future__ import annotations

import io
import threading
import zipfile
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import boto3
import boto3.session
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.stub import Stubber
from moto import mock_aws

from codepipeline_jobs import (
    Artifact,
    ArtifactLocation,
    ArtifactLocationType,
    AWSSessionCredentials,
    CodePipelineJobsError,
    EncryptionKey,
    EncryptionKeyType,
    Job,
    JobData,
    JobDetails,
    PipelineContext,
    S3ArtifactLocation,
    ThirdPartyJobData,
    ThirdPartyJobDetails,
)
from codepipeline_jobs.artifacts import (
    ArtifactCredentialsError,
    ArtifactError,
    ArtifactNotFoundError,
    artifact_s3_client,
    download_artifact,
    extract_artifact,
    read_artifact_file,
    upload_artifact,
)
from tests.conftest import JOB_ID

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_s3 import S3Client

BUCKET = "codepipeline-us-east-1-artifacts"
ARN = "arn:aws:codepipeline:us-east-1:123456789012:my-pipeline"
KEY_ID = "ASIAJOBKEY0000000001"
SECRET = "job-secret-access-key-value"
TOKEN = "job-session-token-value-0123456789"
SMALL_MULTIPART = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)


def creds(key_id: str = KEY_ID, secret: str = SECRET, token: str = TOKEN) -> AWSSessionCredentials:
    """Artifact credentials."""
    return AWSSessionCredentials(access_key_id=key_id, secret_access_key=secret, session_token=token)


def artifact(name: str, key: str) -> Artifact:
    """An artifact in the test bucket."""
    location = S3ArtifactLocation(bucket_name=BUCKET, object_key=key)
    return Artifact(name=name, location=ArtifactLocation(type=ArtifactLocationType.S3, s3_location=location))


def job_data(
    *, kms_key: str | None = None, arn: str | None = ARN, credentials: AWSSessionCredentials | None = None
) -> JobData:
    """Job data with inputs `src`, `lib` and outputs `out`, `pkg`."""
    return JobData(
        pipeline_context=PipelineContext(pipeline_name="my-pipeline", pipeline_arn=arn),
        input_artifacts=(artifact("src", "my-pipeline/src/AbCd123"), artifact("lib", "my-pipeline/lib/x")),
        output_artifacts=(artifact("out", "my-pipeline/out/Zyx987"), artifact("pkg", "my-pipeline/pkg/p")),
        artifact_credentials=credentials or creds(),
        encryption_key=EncryptionKey(id=kms_key, type=EncryptionKeyType.KMS) if kms_key else None,
    )


class Sent:
    """What reached the wire through a session's S3 clients."""

    def __init__(self) -> None:
        self.requests: list[AWSPreparedRequest] = []
        self._lock = threading.Lock()

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> None:
        with self._lock:
            self.requests.append(request)

    def operations(self) -> list[tuple[str, AWSPreparedRequest]]:
        """Each request with the S3 operation it is, told from method and query."""
        named: list[tuple[str, AWSPreparedRequest]] = []
        for request in self.requests:
            query = urlsplit(request.url).query
            if request.method == "PUT":
                name = "UploadPart" if "partNumber=" in query else "PutObject"
            elif request.method == "POST":
                name = "CreateMultipartUpload" if "uploads" in query.split("&") else "CompleteMultipartUpload"
            else:
                name = f"{request.method}"
            named.append((name, request))
        return named


def header(request: AWSPreparedRequest, name: str) -> str:
    """A request header as text."""
    value: object = request.headers.get(name)
    return value.decode() if isinstance(value, bytes) else str(value)


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
def spied() -> tuple[boto3.session.Session, Sent]:
    """A session whose S3 clients record every request they send."""
    session = boto3.session.Session()
    sent = Sent()
    session.events.register("before-send.s3", sent)
    return session, sent


def put_zip(s3: S3Client, key: str, members: dict[str, bytes]) -> None:
    """Store a zip of `members` under `key`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    s3.put_object(Bucket=BUCKET, Key=key, Body=buffer.getvalue())


# --- the client -----------------------------------------------------------------------------


def test_region_comes_from_the_pipeline_arn(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's region is the pipeline's, whatever the configured region."""
    job = Job(id=JOB_ID, data=job_data(arn="arn:aws:codepipeline:eu-west-3:123456789012:p"))
    assert artifact_s3_client(job).meta.region_name == "eu-west-3"


def test_region_falls_back_to_the_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a pipeline ARN (Lambda, partner jobs) the session's or environment's region is used."""
    job = Job(id=JOB_ID, data=job_data(arn=None))
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert artifact_s3_client(job).meta.region_name == "ap-south-1"
    session = boto3.session.Session(region_name="sa-east-1")
    assert artifact_s3_client(job, session=session).meta.region_name == "sa-east-1"


def test_client_uses_sigv4_and_the_job_credentials() -> None:
    """The client signs with SigV4 and the job's credentials, not the ambient ones."""
    s3 = artifact_s3_client(Job(id=JOB_ID, data=job_data()))
    assert getattr(s3.meta.config, "signature_version") == "s3v4"  # noqa: B009 - not in the stubs
    frozen = s3._request_signer._credentials.get_frozen_credentials()  # type: ignore[attr-defined]
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (KEY_ID, SECRET, TOKEN)


def test_job_without_credentials_is_a_clear_error() -> None:
    """A job with no artifact credentials cannot get a client."""
    job = Job(id=JOB_ID, data=JobData())
    with pytest.raises(ArtifactCredentialsError, match="no artifact credentials"):
        artifact_s3_client(job)


# --- every request: SigV4, token, SSE-KMS ---------------------------------------------------


def test_every_write_is_signed_and_encrypted(
    aws: S3Client, kms_key: str, spied: tuple[boto3.session.Session, Sent], tmp_path: Path
) -> None:
    """PutObject and CreateMultipartUpload carry SigV4, the session token and the SSE-KMS headers."""
    session, sent = spied
    job = Job(id=JOB_ID, data=job_data(kms_key=kms_key))
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x01" * (6 * 1024 * 1024))
    upload_artifact(job, "out", b"small", session=session)
    upload_artifact(job, "pkg", big, session=session, transfer_config=SMALL_MULTIPART)

    operations = sent.operations()
    names = [name for name, _ in operations]
    assert names.count("PutObject") == 1
    assert names.count("CreateMultipartUpload") == 1
    assert names.count("UploadPart") == 2
    for name, request in operations:
        authorization = header(request, "Authorization")
        assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/")
        assert "/us-east-1/s3/aws4_request" in authorization
        assert header(request, "x-amz-security-token") == TOKEN
        if name in {"PutObject", "CreateMultipartUpload"}:
            assert header(request, "x-amz-server-side-encryption") == "aws:kms"
            assert header(request, "x-amz-server-side-encryption-aws-kms-key-id") == kms_key
    stored = aws.head_object(Bucket=BUCKET, Key="my-pipeline/pkg/p")
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["SSEKMSKeyId"] == kms_key
    assert stored["ContentLength"] == 6 * 1024 * 1024


def test_without_a_key_the_bucket_default_applies(
    aws: S3Client, spied: tuple[boto3.session.Session, Sent]
) -> None:
    """A job with no encryption key sends no SSE headers."""
    session, sent = spied
    upload_artifact(Job(id=JOB_ID, data=job_data()), "out", b"x", session=session)
    (name, request), = sent.operations()
    assert name == "PutObject"
    assert "x-amz-server-side-encryption" not in request.headers


def test_reads_are_signed_with_the_job_credentials(
    aws: S3Client, spied: tuple[boto3.session.Session, Sent], tmp_path: Path
) -> None:
    """Downloads (multipart ranges included) use SigV4 and the session token."""
    session, sent = spied
    aws.put_object(Bucket=BUCKET, Key="my-pipeline/src/AbCd123", Body=b"\x02" * (6 * 1024 * 1024))
    job = Job(id=JOB_ID, data=job_data())
    path = download_artifact(job, "src", tmp_path / "a.bin", session=session, transfer_config=SMALL_MULTIPART)
    assert path.stat().st_size == 6 * 1024 * 1024
    assert len(sent.requests) >= 3  # HEAD and two ranged GETs
    for request in sent.requests:
        assert header(request, "Authorization").startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/")
        assert header(request, "x-amz-security-token") == TOKEN


# --- round trips ----------------------------------------------------------------------------


def as_input(job: Job, output: str, input_name: str) -> Job:
    """The job whose input `input_name` is the object its output `output` was written to."""
    out = next(a for a in job.data.output_artifacts if a.name == output)
    assert out.location is not None
    assert out.location.s3_location is not None
    moved = Artifact(name=input_name, location=out.location)
    data = JobData(
        pipeline_context=job.data.pipeline_context,
        input_artifacts=(moved,),
        artifact_credentials=job.data.artifact_credentials,
    )
    return Job(id=job.id, data=data)


def test_round_trip_of_bytes(aws: S3Client, kms_key: str, tmp_path: Path) -> None:
    """Bytes uploaded come back byte for byte."""
    job = Job(id=JOB_ID, data=job_data(kms_key=kms_key))
    upload_artifact(job, "out", b"hello artifact")
    path = download_artifact(as_input(job, "out", "in"), "in", tmp_path)
    assert path == tmp_path / "Zyx987"
    assert path.read_bytes() == b"hello artifact"


def test_round_trip_of_a_multipart_file(aws: S3Client, kms_key: str, tmp_path: Path) -> None:
    """A file above the multipart threshold comes back intact, with no partial file left."""
    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * (6 * 4096 + 7))
    job = JobDetails(id=JOB_ID, data=job_data(kms_key=kms_key))
    upload_artifact(job, "out", str(source), transfer_config=SMALL_MULTIPART)
    dest = tmp_path / "dl" / "copy.bin"
    dest.parent.mkdir()
    download_artifact(as_input(Job(id=JOB_ID, data=job.data), "out", "in"), "in", dest)
    assert dest.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.bin"]


def test_round_trip_of_a_directory(aws: S3Client, tmp_path: Path) -> None:
    """A directory is zipped on upload and extracts to the same tree."""
    tree = tmp_path / "tree"
    (tree / "sub" / "deeper").mkdir(parents=True)
    (tree / "empty").mkdir()
    (tree / "a.txt").write_text("A")
    (tree / "sub" / "deeper" / "b.json").write_text('{"b": 1}')
    job = Job(id=JOB_ID, data=job_data())
    upload_artifact(job, "out", tree)
    stored = aws.get_object(Bucket=BUCKET, Key="my-pipeline/out/Zyx987")
    assert stored["ContentType"] == "application/zip"
    back = extract_artifact(as_input(job, "out", "in"), "in", tmp_path / "back")
    assert (back / "a.txt").read_text() == "A"
    assert (back / "sub" / "deeper" / "b.json").read_text() == '{"b": 1}'
    assert (back / "empty").is_dir()
    assert read_artifact_file(as_input(job, "out", "in"), "in", "sub/deeper/b.json") == b'{"b": 1}'


def test_read_artifact_file_lists_members_when_missing(aws: S3Client) -> None:
    """Asking for a member the archive lacks names the members it has."""
    put_zip(aws, "my-pipeline/src/AbCd123", {"one.txt": b"1", "dir/two.txt": b"2"})
    job = Job(id=JOB_ID, data=job_data())
    assert read_artifact_file(job, "src", "./dir/two.txt") == b"2"
    with pytest.raises(ArtifactNotFoundError, match=r"'dir/two.txt'") as caught:
        read_artifact_file(job, "src", "three.txt")
    assert caught.value.available == ("one.txt", "dir/two.txt")
    assert isinstance(caught.value, LookupError)


def test_partner_job_data_works_too(aws: S3Client) -> None:
    """ThirdPartyJobDetails is accepted like a custom job."""
    data = job_data()
    partner = ThirdPartyJobDetails(
        id="partner-job",
        data=ThirdPartyJobData(
            input_artifacts=data.input_artifacts,
            output_artifacts=data.output_artifacts,
            artifact_credentials=data.artifact_credentials,
        ),
    )
    upload_artifact(partner, "out", b"p")
    assert aws.get_object(Bucket=BUCKET, Key="my-pipeline/out/Zyx987")["Body"].read() == b"p"


# --- names and keys -------------------------------------------------------------------------


def test_unknown_artifact_lists_the_names(aws: S3Client, tmp_path: Path) -> None:
    """An unknown name is a LookupError naming the artifacts of that direction."""
    job = Job(id=JOB_ID, data=job_data())
    with pytest.raises(ArtifactNotFoundError) as caught:
        download_artifact(job, "nope", tmp_path)
    assert str(caught.value) == "no input artifact named 'nope'; found: 'src', 'lib'"
    assert isinstance(caught.value, CodePipelineJobsError)
    assert isinstance(caught.value, ArtifactError)
    with pytest.raises(ArtifactNotFoundError, match="output artifact named 'src'; found: 'out', 'pkg'"):
        upload_artifact(job, "src", b"")


def test_url_encoded_keys_are_decoded(aws: S3Client, tmp_path: Path) -> None:
    """A key as Lambda events may encode it reads the real object; writes go to the decoded key."""
    aws.put_object(Bucket=BUCKET, Key="my pipe@x/src/k", Body=b"decoded")
    data = JobData(
        input_artifacts=(artifact("src", "my+pipe%40x/src/k"),),
        output_artifacts=(artifact("out", "my+pipe%40x/out/k"),),
        artifact_credentials=creds(),
    )
    job = Job(id=JOB_ID, data=data)
    assert download_artifact(job, "src", tmp_path / "f").read_bytes() == b"decoded"
    upload_artifact(job, "out", b"up")
    assert aws.get_object(Bucket=BUCKET, Key="my pipe@x/out/k")["Body"].read() == b"up"


def test_literal_key_wins_when_it_exists(aws: S3Client, tmp_path: Path) -> None:
    """A key that exists as given is read as given, even if it looks encoded."""
    aws.put_object(Bucket=BUCKET, Key="a+b", Body=b"literal")
    aws.put_object(Bucket=BUCKET, Key="a b", Body=b"decoded")
    data = JobData(input_artifacts=(artifact("src", "a+b"),), artifact_credentials=creds())
    job = Job(id=JOB_ID, data=data)
    assert download_artifact(job, "src", tmp_path / "f").read_bytes() == b"literal"


def test_missing_object_leaves_no_partial_file(aws: S3Client, tmp_path: Path) -> None:
    """A failed download raises S3's error and leaves the destination directory empty."""
    from botocore.exceptions import ClientError

    job = Job(id=JOB_ID, data=job_data())
    with pytest.raises(ClientError):
        download_artifact(job, "src", tmp_path / "f")
    assert list(tmp_path.iterdir()) == []


# --- credentials that expire ----------------------------------------------------------------


class ExpireOnce:
    """A before-call handler that answers the first `times` S3 calls with an error (ExpiredToken)."""

    def __init__(self, code: str = "ExpiredToken", *, times: int = 1) -> None:
        self.code = code
        self.times = times
        self.calls = 0

    def __call__(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.calls += 1
        if self.calls > self.times:
            return None
        error = {"Code": self.code, "Message": "The provided token has expired."}
        response = AWSResponse("https://s3", 400, {}, None)  # type: ignore[arg-type]
        return response, {"Error": error, "ResponseMetadata": {}}

    def install(self, session: boto3.session.Session) -> ExpireOnce:
        """Answer before moto (or the network) does, for every S3 client of `session`."""
        session.events.register_first("before-call.s3", cast("Any", self))
        return self


FRESH_KEY = "ASIAFRESHKEY00000002"


def fresh_details_reply() -> dict[str, Any]:
    """A GetJobDetails reply carrying fresh credentials."""
    data = job_data()
    return {
        "jobDetails": {
            "id": JOB_ID,
            "data": {
                "pipelineContext": {"pipelineName": "my-pipeline", "pipelineArn": ARN},
                "inputArtifacts": [
                    {
                        "name": a.name,
                        "location": {
                            "type": "S3",
                            "s3Location": {"bucketName": BUCKET, "objectKey": "my-pipeline/src/AbCd123"},
                        },
                    }
                    for a in data.input_artifacts[:1]
                ],
                "outputArtifacts": [
                    {
                        "name": "out",
                        "location": {
                            "type": "S3",
                            "s3Location": {"bucketName": BUCKET, "objectKey": "my-pipeline/out/Zyx987"},
                        },
                    }
                ],
                "artifactCredentials": {
                    "accessKeyId": FRESH_KEY,
                    "secretAccessKey": "fresh-secret",
                    "sessionToken": "fresh-token",
                },
            },
        }
    }


def test_expired_token_is_refreshed_once(
    aws: S3Client, spied: tuple[boto3.session.Session, Sent], client: CodePipelineClient, tmp_path: Path
) -> None:
    """ExpiredToken -> GetJobDetails -> the transfer is retried with the fresh credentials."""
    session, sent = spied
    ExpireOnce().install(session)
    aws.put_object(Bucket=BUCKET, Key="my-pipeline/src/AbCd123", Body=b"data")
    job = Job(id=JOB_ID, nonce="5", data=job_data())
    with Stubber(client) as stub:
        stub.add_response("get_job_details", fresh_details_reply(), {"jobId": JOB_ID})
        path = download_artifact(job, "src", tmp_path / "f", session=session, codepipeline_client=client)
        stub.assert_no_pending_responses()
    assert path.read_bytes() == b"data"
    assert sent.requests
    for request in sent.requests:
        assert f"Credential={FRESH_KEY}/" in header(request, "Authorization")
        assert header(request, "x-amz-security-token") == "fresh-token"


def test_refresh_keeps_the_kms_key_of_the_fresh_job(
    aws: S3Client, kms_key: str, client: CodePipelineClient
) -> None:
    """An upload retried after a refresh still writes (with the fresh job's settings)."""
    session = boto3.session.Session()
    ExpireOnce("AccessDenied").install(session)
    job = Job(id=JOB_ID, data=job_data(kms_key=kms_key))
    reply = fresh_details_reply()
    reply["jobDetails"]["data"]["encryptionKey"] = {"id": kms_key, "type": "KMS"}
    with Stubber(client) as stub:
        stub.add_response("get_job_details", reply, {"jobId": JOB_ID})
        upload_artifact(job, "out", b"again", session=session, codepipeline_client=client)
    stored = aws.head_object(Bucket=BUCKET, Key="my-pipeline/out/Zyx987")
    assert stored["SSEKMSKeyId"] == kms_key


def test_expired_without_a_client_says_how_to_fix_it(aws: S3Client) -> None:
    """Without a CodePipeline client the error says to pass one, and leaks no secret."""
    session = boto3.session.Session()
    ExpireOnce().install(session)
    job = Job(id=JOB_ID, data=job_data())
    with pytest.raises(ArtifactCredentialsError, match="codepipeline_client=") as caught:
        upload_artifact(job, "out", b"x", session=session)
    assert caught.value.code == "ExpiredToken"
    text = f"{caught.value} {caught.value!r}"
    assert SECRET not in text
    assert TOKEN not in text


def test_refused_twice_is_an_error(aws: S3Client, client: CodePipelineClient) -> None:
    """Fresh credentials that are refused too end in ArtifactCredentialsError, after one retry."""
    session = boto3.session.Session()
    ExpireOnce(times=100).install(session)
    job = Job(id=JOB_ID, data=job_data())
    with Stubber(client) as stub:
        stub.add_response("get_job_details", fresh_details_reply(), {"jobId": JOB_ID})
        with pytest.raises(ArtifactCredentialsError, match="fresh ones included"):
            upload_artifact(job, "out", b"x", session=session, codepipeline_client=client)
        stub.assert_no_pending_responses()


def test_partner_refresh_needs_the_client_token(aws: S3Client, client: CodePipelineClient) -> None:
    """A partner job cannot be refreshed without its client token; the error says so."""
    session = boto3.session.Session()
    ExpireOnce().install(session)
    data = job_data()
    partner = ThirdPartyJobDetails(
        id="partner-job",
        data=ThirdPartyJobData(output_artifacts=data.output_artifacts, artifact_credentials=creds()),
    )
    with pytest.raises(ArtifactCredentialsError, match="client_token="):
        upload_artifact(partner, "out", b"x", session=session, codepipeline_client=client)


def test_other_errors_are_not_retried(aws: S3Client, client: CodePipelineClient, tmp_path: Path) -> None:
    """Errors that are not about credentials propagate unchanged, with no GetJobDetails."""
    from botocore.exceptions import ClientError

    job = Job(id=JOB_ID, data=job_data())
    with Stubber(client), pytest.raises(ClientError) as caught:
        download_artifact(job, "src", tmp_path / "f", codepipeline_client=client)
    assert caught.value.response["Error"]["Code"] == "404"
