"""A consumer of the asyncio artifact helpers, pinned with assert_type.

mypy --strict and pyright (strict) check that each coroutine takes exactly its synchronous
twin's parameters and gives its result (`coroutine_of` solves a ParamSpec from the sync
function alone); the ``type: ignore`` lines are calls mypy must refuse (an unused ignore is an error
under --strict). pytest runs the consumer against moto, so the types asserted are the types
returned.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import boto3
import boto3.session

from codepipeline_jobs import Job, aio, artifacts
from tests.conftest import JOB_ID
from tests.test_artifacts import BUCKET, job_data

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

P = ParamSpec("P")
R = TypeVar("R")


def coroutine_of(sync: Callable[P, R]) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], None]:
    """A checker that accepts only a coroutine function with `sync`'s parameters and result.

    P and R are solved from `sync` alone, so the coroutine cannot take other parameters
    (names, kinds, types) or give another result: both type checkers refuse it.
    """
    return lambda coroutine: None


coroutine_of(artifacts.download_artifact)(aio.download_artifact)
coroutine_of(artifacts.extract_artifact)(aio.extract_artifact)
coroutine_of(artifacts.read_artifact_file)(aio.read_artifact_file)
coroutine_of(artifacts.upload_artifact)(aio.upload_artifact)
coroutine_of(artifacts.download_artifact)(aio.upload_artifact)  # type: ignore[arg-type]
coroutine_of(artifacts.extract_artifact)(aio.download_artifact)  # type: ignore[arg-type]


async def use_the_helpers(job: Job, where: Path, session: boto3.session.Session) -> None:
    """Every helper, awaited, with the types it gives."""
    assert_type(await aio.upload_artifact(job, "out", where / "tree", session=session), None)
    assert_type(await aio.upload_artifact(job, "pkg", b"bytes"), None)
    assert_type(await aio.download_artifact(job, "src", str(where / "a.zip"), session=session), Path)
    assert_type(await aio.extract_artifact(job, "src", where / "x", max_members=10), Path)
    assert_type(await aio.read_artifact_file(job, "src", "a.txt", max_bytes=1024), bytes)


async def refused(job: Job) -> None:
    """Calls the type checkers refuse; never run."""
    await aio.download_artifact(job, 1, "dest")  # type: ignore[arg-type]
    await aio.extract_artifact(job, "src", "dest", max_member=10)  # type: ignore[call-arg]
    await aio.upload_artifact(job, "out", 42)  # type: ignore[arg-type]
    await aio.read_artifact_file(job, "src")  # type: ignore[call-arg]


def test_the_asserted_types_hold_at_run_time(tmp_path: Path) -> None:
    """The consumer above runs against moto."""
    from moto import mock_aws

    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.txt").write_text("A")
    with mock_aws():
        s3: Any = cast("Any", boto3).client("s3", region_name="us-east-1")  # typed elsewhere
        s3.create_bucket(Bucket=BUCKET)
        job = Job(id=JOB_ID, data=job_data())
        asyncio.run(aio.upload_artifact(job, "out", tmp_path / "tree"))
        body = s3.get_object(Bucket=BUCKET, Key="my-pipeline/out/Zyx987")["Body"].read()
        s3.put_object(Bucket=BUCKET, Key="my-pipeline/src/AbCd123", Body=body)
        asyncio.run(use_the_helpers(job, tmp_path, boto3.session.Session()))
    assert (tmp_path / "x" / "a.txt").read_text() == "A"
