"""The fake inside moto's mock_aws(): its clients are the fake's, S3 and KMS stay moto's."""

from __future__ import annotations

import asyncio
import contextlib
import io
import tarfile
import zipfile
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from codepipeline_jobs import (
    Artifact,
    ArtifactLocation,
    ArtifactLocationType,
    EncryptionKey,
    EncryptionKeyType,
    Job,
    JobStatus,
    S3ArtifactLocation,
    acknowledge_job,
    aio,
    poll_for_jobs,
    put_job_success_result,
)
from codepipeline_jobs.artifacts import (
    download_artifact,
    extract_artifact,
    read_artifact_file,
    upload_artifact,
)
from codepipeline_jobs.testing import FakeCodePipeline
from codepipeline_jobs.worker import JobWorker, Outcome, Success
from tests.conftest import ACTION

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mypy_boto3_codepipeline import CodePipelineClient
    from mypy_boto3_s3 import S3Client

BUCKET = "codepipeline-us-east-1-123456789012"
ORDERS = ["client created inside mock_aws", "client created before mock_aws"]


def in_bucket(name: str, key: str) -> Artifact:
    """An artifact in the moto bucket."""
    location = S3ArtifactLocation(bucket_name=BUCKET, object_key=key)
    return Artifact(name=name, location=ArtifactLocation(type=ArtifactLocationType.S3, s3_location=location))


def work_one_job(client: CodePipelineClient, fake: FakeCodePipeline) -> None:
    """Queue, poll, acknowledge and report one job through `client`."""
    job_id = fake.add_job(ACTION)
    [job] = poll_for_jobs(client, ACTION)
    assert acknowledge_job(client, job.id, job.nonce or "") == JobStatus.IN_PROGRESS
    put_job_success_result(client, job.id)
    assert fake.job(job_id).status == JobStatus.SUCCEEDED


@pytest.mark.parametrize("order", ORDERS)
def test_the_fakes_client_is_served_inside_mock_aws(order: str) -> None:
    """Whether its client is made inside the block or before, the fake answers; S3 is still moto's."""
    fake = FakeCodePipeline()
    early = fake.client() if order == ORDERS[1] else None
    with mock_aws():
        client = early or fake.client()
        work_one_job(client, fake)
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == [BUCKET]
    assert fake.calls == ["PollForJobs", "AcknowledgeJob", "PutJobSuccessResult"]
    work_one_job(client, fake)  # and after the block, as before it


def test_a_fake_created_inside_mock_aws_serves_an_attached_client() -> None:
    """A fake and a client both made inside the block: attaching makes the client the fake's."""
    with mock_aws():
        fake = FakeCodePipeline()
        client = boto3.client("codepipeline", region_name="us-east-1")
        with pytest.raises(NotImplementedError):
            poll_for_jobs(client, ACTION)  # moto's, until attached
        fake.attach(client)
        work_one_job(client, fake)


def test_moto_keeps_its_other_codepipeline_clients() -> None:
    """Only the clients the fake serves leave moto: another CodePipeline client is still moto's."""
    with mock_aws():
        FakeCodePipeline().client()
        other = boto3.client("codepipeline", region_name="us-east-1")
        assert other.list_pipelines()["pipelines"] == []


@pytest.mark.parametrize("order", ORDERS)
def test_aiobotocore_clients_are_served_inside_mock_aws(order: str) -> None:
    """moto's stubber would answer aiobotocore clients too; the fake's are the fake's."""
    pytest.importorskip("aiobotocore")

    async def scenario() -> None:
        fake = FakeCodePipeline()
        async with contextlib.AsyncExitStack() as stack:
            early = await stack.enter_async_context(fake.aio_client()) if order == ORDERS[1] else None
            with mock_aws():
                client = early if early is not None else await stack.enter_async_context(fake.aio_client())
                job_id = fake.add_job(ACTION)
                [job] = await aio.poll_for_jobs(client, ACTION)
                await aio.acknowledge_job(client, job.id, job.nonce or "")
                await aio.put_job_success_result(client, job.id)
                assert fake.job(job_id).status == JobStatus.SUCCEEDED

    asyncio.run(scenario())


# --- a worker that reads and writes artifacts ---------------------------------------------------------


@pytest.fixture
def s3(fake_aws_env: None) -> Iterator[S3Client]:
    """moto's S3 with the artifact bucket."""
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def zipped(files: dict[str, str]) -> bytes:
    """A zip archive of the given files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def build_handler(workdir: Path) -> Any:
    """A handler that downloads, extracts and reads its input and uploads two outputs."""

    def handler(job: Job) -> Outcome:
        directory = workdir / job.id
        directory.mkdir()
        raw = download_artifact(job, "SourceOutput", directory / "source.zip")
        tree = extract_artifact(job, "SourceOutput", directory / "tree")
        version = read_artifact_file(job, "SourceOutput", "VERSION").decode().strip()
        names = sorted(path.relative_to(tree).as_posix() for path in tree.rglob("*") if path.is_file())
        upload_artifact(job, "Manifest", "\n".join(names).encode())
        upload_artifact(job, "Bundle", tree)  # a directory is zipped
        return Success(output_variables={"version": version, "bytes": str(raw.stat().st_size)})

    return handler


@pytest.mark.parametrize("order", ORDERS)
def test_a_worker_reads_and_writes_artifacts_in_moto(
    fake_codepipeline: FakeCodePipeline, tmp_path: Path, order: str
) -> None:
    """Download, extract, read a file, upload bytes and a directory: the job succeeds, S3 has the outputs."""
    early = fake_codepipeline.client() if order == ORDERS[1] else None
    with mock_aws():
        client = early or fake_codepipeline.client()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        source = zipped({"VERSION": "2.3.1\n", "src/app.py": "print('hi')\n", "src/lib/util.py": ""})
        s3.put_object(Bucket=BUCKET, Key="my-pipeline/SourceOut/Ab3dE9f", Body=source)
        job_id = fake_codepipeline.add_job(
            ACTION,
            input_artifacts=[in_bucket("SourceOutput", "my-pipeline/SourceOut/Ab3dE9f")],
            output_artifacts=[
                in_bucket("Manifest", "my-pipeline/Manifest/Zx81qPa"),
                in_bucket("Bundle", "my-pipeline/Bundle/Qw12eRt"),
            ],
        )
        worker = JobWorker(client, ACTION, build_handler(tmp_path), handle_signals=False, retry_delay=0.01)
        assert worker.run_once() == 1

        job = fake_codepipeline.job(job_id)
        assert job.status == JobStatus.SUCCEEDED, job.reports
        assert job.reports[0].output_variables == {"version": "2.3.1", "bytes": str(len(source))}
        manifest = s3.get_object(Bucket=BUCKET, Key="my-pipeline/Manifest/Zx81qPa")["Body"].read()
        assert manifest == b"VERSION\nsrc/app.py\nsrc/lib/util.py"
        bundle = s3.get_object(Bucket=BUCKET, Key="my-pipeline/Bundle/Qw12eRt")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert sorted(archive.namelist()) == ["VERSION", "src/app.py", "src/lib/util.py"]
    assert fake_codepipeline.calls == ["PollForJobs", "AcknowledgeJob", "PutJobSuccessResult"]


def test_uploads_use_the_jobs_moto_kms_key(s3: S3Client, fake_codepipeline: FakeCodePipeline) -> None:
    """With the job's encryption key a moto KMS key, the output is SSE-KMS under it; a tar input reads too."""
    key_arn = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"hello"
        member = tarfile.TarInfo("greeting.txt")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    s3.put_object(Bucket=BUCKET, Key="p/in", Body=buffer.getvalue())
    fake_codepipeline.add_job(
        ACTION,
        input_artifacts=[in_bucket("In", "p/in")],
        output_artifacts=[in_bucket("Out", "p/out")],
        encryption_key=EncryptionKey(id=key_arn, type=EncryptionKeyType.KMS),
    )

    def handler(job: Job) -> Outcome:
        upload_artifact(job, "Out", read_artifact_file(job, "In", "greeting.txt").upper())
        return Success()

    JobWorker(fake_codepipeline.client(), ACTION, handler, handle_signals=False).run_once()
    head = s3.head_object(Bucket=BUCKET, Key="p/out")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn
    assert s3.get_object(Bucket=BUCKET, Key="p/out")["Body"].read() == b"HELLO"
    [job] = fake_codepipeline.jobs()
    assert job.status == JobStatus.SUCCEEDED


def test_new_clients_inside_mock_aws(s3: S3Client, fake_codepipeline: FakeCodePipeline) -> None:
    """Inside both blocks, new CodePipeline clients are the fake's and new S3 clients moto's."""
    with fake_codepipeline.serve_new_clients():
        codepipeline = boto3.client("codepipeline")
        other_s3 = boto3.session.Session().client("s3")
        work_one_job(codepipeline, fake_codepipeline)
        assert [bucket["Name"] for bucket in other_s3.list_buckets()["Buckets"]] == [BUCKET]
