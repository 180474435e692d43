"""Damaged archives, at random: a refusal of a documented kind, or sane content; never anything left.

Hypothesis flips and truncates bytes of valid zip, tar.gz, tar.bz2 and tar.xz archives,
stores each result as the job's input artifact in moto's S3, and reads it with
`extract_artifact` (into a new and into an existing directory) and `read_artifact_file`.
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from codepipeline_jobs.artifacts import (
    ArchiveFormatError,
    ArtifactNotFoundError,
    UnsafeArchiveError,
    extract_artifact,
    read_artifact_file,
)
from tests.test_artifacts import BUCKET
from tests.test_artifacts_corrupt import JOB, KEY, snapshot

if TYPE_CHECKING:
    from collections.abc import Iterator

CONTENT = {
    "a.txt": b"hello, artifact\n" * 40,
    "dir/b.bin": bytes(range(256)) * 12,
    "dir/sub/empty": b"",
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in CONTENT.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _tar(compression: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        directory = tarfile.TarInfo("dir")
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
        for name, content in CONTENT.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    from tests.test_artifacts_corrupt import recompress

    return bytes(recompress(buffer.getvalue(), compression))


#: ArchiveFormatError messages raised before any reader fails, so with no cause to chain.
OWN_REFUSALS = ("is encrypted", "compression method", "not a zip, tar")

SAMPLES = {"zip": _zip(), "tar.gz": _tar("gz"), "tar.bz2": _tar("bz2"), "tar.xz": _tar("xz")}


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """One of the samples with up to four bytes flipped, and maybe cut short."""
    original = SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))]
    data = bytearray(original)
    flips = draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(1, 255)), max_size=4))
    for position, mask in flips:
        data[position] ^= mask
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


@pytest.fixture(scope="module")
def s3() -> Iterator[None]:
    """moto S3 with the artifact bucket, once for the module."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory `tempfile` uses for this test, so a stray temporary file would show."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


def assert_sane(dest: Path) -> None:
    """What was extracted stays inside `dest` and is content some member of the original had."""
    contents = set(CONTENT.values())
    for path in dest.rglob("*"):
        assert os.path.realpath(path).startswith(os.path.realpath(dest) + os.sep)
        if path.is_symlink() or path.is_dir() or path.name == "keep.txt":
            continue
        assert path.is_file()
        assert path.read_bytes() in contents, path


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=damaged(), into_existing=st.booleans())
def test_damaged_archives(
    s3: None, tmp_path: Path, private_tmp: Path, data: bytes, into_existing: bool
) -> None:
    """Extracting raises ArchiveFormatError or UnsafeArchiveError, or gives sane content; nothing is left."""
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=KEY, Body=data)
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        base = Path(scratch)
        dest = base / "dest"
        if into_existing:
            dest.mkdir()
            (dest / "keep.txt").write_bytes(b"keep")
        before = snapshot(base)
        try:
            extract_artifact(JOB, "src", dest)
        except ArchiveFormatError as exc:
            assert snapshot(base) == before
            # chained from the reader's error, unless refused before reading (see OWN_REFUSALS)
            assert exc.__cause__ is not None or any(text in str(exc) for text in OWN_REFUSALS)  # noqa: PT017
        except UnsafeArchiveError:
            # a flipped mode bit or size can turn the archive into a hostile one: refused as such
            assert snapshot(base) == before
        else:
            assert_sane(dest)
            if into_existing:
                assert (dest / "keep.txt").read_bytes() == b"keep"
        try:
            content = read_artifact_file(JOB, "src", "a.txt")
        except (ArchiveFormatError, ArtifactNotFoundError, UnsafeArchiveError):
            pass  # unreadable; the name itself damaged; a size damaged past max_bytes
        else:
            assert content == CONTENT["a.txt"]
    assert list(private_tmp.iterdir()) == []
