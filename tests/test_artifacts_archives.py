"""Extraction safety: traversal, absolute paths, links, bombs and caps, all or nothing."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from codepipeline_jobs import Job
from codepipeline_jobs._archive import detect_format, extract_archive
from codepipeline_jobs.artifacts import (
    ArchiveFormatError,
    UnsafeArchiveError,
    extract_artifact,
    read_artifact_file,
)
from tests.conftest import JOB_ID
from tests.test_artifacts import BUCKET, job_data

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def zip_bytes(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    """A zip of regular files and (Unix) symbolic links."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name), content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def tar_bytes(entries: list[tarfile.TarInfo | tuple[str, bytes]], *, gz: bool = False) -> bytes:
    """A tar (optionally gzipped) of files given as (name, content) and raw TarInfo entries."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if gz else "w") as archive:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                archive.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                archive.addfile(info, io.BytesIO(entry[1]))
    return buffer.getvalue()


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    """A tar link entry."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A directory whose parent is checked for stray files after each refusal."""
    inner = tmp_path / "box"
    inner.mkdir()
    return inner


def extract(data: bytes, dest: Path, **caps: int) -> Path:
    """Extract archive bytes into dest."""
    return extract_archive(io.BytesIO(data), dest, **caps)


def assert_untouched(box: Path, dest: Path) -> None:
    """Nothing was written outside `box`, and `dest` was not created (no staging left either)."""
    assert sorted(p.name for p in box.parent.iterdir()) == ["box"]
    assert not dest.exists()
    assert list(box.iterdir()) == []


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (zip_bytes({"a": b"1"}), "zip"),
        (tar_bytes([("a", b"1")]), "tar"),
        (tar_bytes([("a", b"1")], gz=True), "tar"),
        (b"plain text, not an archive", None),
    ],
)
def test_format_is_told_by_content(data: bytes, expected: str | None) -> None:
    """zip, tar and tar.gz are recognised by their magic bytes."""
    assert detect_format(data[:512]) == expected


@pytest.mark.parametrize("gz", [False, True])
def test_tar_and_tar_gz_extract(box: Path, gz: bool) -> None:
    """Tar archives, compressed or not, extract with their directories."""
    dest = extract(tar_bytes([("d/f.txt", b"tar"), ("g.txt", b"g")], gz=gz), box / "out")
    assert (dest / "d" / "f.txt").read_bytes() == b"tar"
    assert (dest / "g.txt").read_bytes() == b"g"


def test_not_an_archive_is_refused(box: Path) -> None:
    """Content that is no archive is an ArchiveFormatError."""
    with pytest.raises(ArchiveFormatError, match="not a zip, tar"):
        extract(b"hello", box / "out")
    assert_untouched(box, box / "out")


def test_gzip_that_is_not_a_tar_is_refused(box: Path) -> None:
    """A gzip stream without a tar inside is an ArchiveFormatError, and leaves nothing."""
    with pytest.raises(ArchiveFormatError):
        extract(gzip.compress(b"just text" * 100), box / "out")
    assert_untouched(box, box / "out")


# --- refusals -------------------------------------------------------------------------------


def test_zip_slip_is_refused(box: Path) -> None:
    """A zip member climbing out with .. is refused; nothing is written anywhere."""
    data = zip_bytes({"ok.txt": b"fine", "../evil.txt": b"pwned"})
    with pytest.raises(UnsafeArchiveError, match="escapes the destination") as caught:
        extract(data, box / "out")
    assert caught.value.member == "../evil.txt"
    assert_untouched(box, box / "out")


def test_tar_traversal_is_refused(box: Path) -> None:
    """A tar member climbing out through a subdirectory is refused."""
    with pytest.raises(UnsafeArchiveError, match="escapes"):
        extract(tar_bytes([("a/b.txt", b"ok"), ("a/../../../evil", b"x")]), box / "out")
    assert_untouched(box, box / "out")


@pytest.mark.parametrize("name", ["/etc/evil", "\\windows\\evil", "C:/evil", "C:\\evil"])
def test_absolute_paths_are_refused(box: Path, name: str) -> None:
    """Absolute member names (POSIX, Windows, drive letters) are refused."""
    with pytest.raises(UnsafeArchiveError, match="absolute path"):
        extract(zip_bytes({name: b"x"}), box / "out")
    with pytest.raises(UnsafeArchiveError, match="absolute path"):
        extract(tar_bytes([(name, b"x")]), box / "out")
    assert_untouched(box, box / "out")


def test_symlink_escaping_is_refused(box: Path) -> None:
    """A tar symlink pointing outside, then a member written through it, is refused."""
    data = tar_bytes([link("up", "../../.."), ("up/evil", b"x")])
    with pytest.raises(UnsafeArchiveError, match="link escapes"):
        extract(data, box / "out")
    assert_untouched(box, box / "out")


def test_absolute_symlink_is_refused(box: Path) -> None:
    """A symlink to an absolute path is refused, in tar and in zip."""
    with pytest.raises(UnsafeArchiveError, match="absolute"):
        extract(tar_bytes([link("etc", "/etc")]), box / "out")
    with pytest.raises(UnsafeArchiveError, match="absolute"):
        extract(zip_bytes({}, links={"etc": "/etc"}), box / "out")
    assert_untouched(box, box / "out")


def test_chained_links_cannot_escape(box: Path) -> None:
    """Links that are harmless one by one but escape together are refused."""
    data = tar_bytes([link("lnk", "sub/.."), link("sub", "."), ("lnk/evil", b"x")])
    with pytest.raises(UnsafeArchiveError, match="link"):
        extract(data, box / "out")
    assert_untouched(box, box / "out")
    # Without a member written through them, the final check still catches the escape.
    with pytest.raises(UnsafeArchiveError, match="link escapes"):
        extract(tar_bytes([link("lnk", "sub/.."), link("sub", ".")]), box / "out")
    assert_untouched(box, box / "out")


def test_links_inside_are_kept(box: Path) -> None:
    """Links whose targets stay inside the destination are extracted as links."""
    hard = link("hard", "real/f.txt", tarfile.LNKTYPE)
    data = tar_bytes([("real/f.txt", b"content"), link("alias", "real/f.txt"), hard])
    dest = extract(data, box / "out")
    assert (dest / "alias").is_symlink()
    assert (dest / "alias").read_bytes() == b"content"
    assert (dest / "hard").read_bytes() == b"content"
    zipped = extract(zip_bytes({"a/f": b"z"}, links={"a/l": "f"}), box / "zipped")
    assert (zipped / "a" / "l").is_symlink()
    assert (zipped / "a" / "l").read_bytes() == b"z"


def test_hardlink_escaping_is_refused(box: Path) -> None:
    """A hard link to a path outside (or not extracted before it) is refused."""
    with pytest.raises(UnsafeArchiveError, match="hard link"):
        extract(tar_bytes([link("passwd", "/etc/passwd", tarfile.LNKTYPE)]), box / "out")
    with pytest.raises(UnsafeArchiveError):
        extract(tar_bytes([link("up", "../x", tarfile.LNKTYPE)]), box / "out")
    assert_untouched(box, box / "out")


def test_special_files_are_refused(box: Path) -> None:
    """Devices and FIFOs are never created."""
    fifo = tarfile.TarInfo("pipe")
    fifo.type = tarfile.FIFOTYPE
    with pytest.raises(UnsafeArchiveError, match="special file"):
        extract(tar_bytes([fifo]), box / "out")
    assert_untouched(box, box / "out")


def test_zip_bomb_is_capped(box: Path) -> None:
    """Content beyond max_total_bytes is refused before (zip) or while (tar.gz) it is written."""
    zeros = b"\0" * (2 * 1024 * 1024)
    with pytest.raises(UnsafeArchiveError, match="max_total_bytes"):
        extract(zip_bytes({"a": zeros, "b": zeros}), box / "out", max_total_bytes=3 * 1024 * 1024)
    bomb = tar_bytes([("a", zeros), ("b", zeros)], gz=True)
    with pytest.raises(UnsafeArchiveError, match="max_total_bytes"):
        extract(bomb, box / "out", max_total_bytes=3 * 1024 * 1024)
    assert_untouched(box, box / "out")


def test_lying_zip_header_does_not_beat_the_cap(box: Path) -> None:
    """A zip whose headers under-declare sizes is still stopped at the cap (counted as written)."""
    data = bytearray(zip_bytes({"a": b"\0" * (1024 * 1024)}))
    # Rewrite the declared uncompressed size (local header offset 22, central header offset 24) to 10.
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = (10).to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises((UnsafeArchiveError, ArchiveFormatError)):
        extract(bytes(data), box / "out", max_total_bytes=1000)
    assert_untouched(box, box / "out")


def test_member_count_is_capped(box: Path) -> None:
    """More members than max_members is refused, in zip and in tar."""
    members = {f"f{i}": b"" for i in range(20)}
    with pytest.raises(UnsafeArchiveError, match="max_members"):
        extract(zip_bytes(members), box / "out", max_members=10)
    with pytest.raises(UnsafeArchiveError, match="max_members"):
        extract(tar_bytes(list(members.items())), box / "out", max_members=10)
    assert_untouched(box, box / "out")
    assert extract(zip_bytes(members), box / "out", max_members=20) == box / "out"


# --- an existing destination ----------------------------------------------------------------


def test_existing_destination_is_merged(box: Path) -> None:
    """Into an existing directory, members are merged in and same-named files replaced."""
    (box / "keep.txt").write_text("keep")
    (box / "sub").mkdir()
    (box / "sub" / "old.txt").write_text("old")
    extract(zip_bytes({"sub/old.txt": b"new", "sub/added.txt": b"added"}), box)
    assert (box / "keep.txt").read_text() == "keep"
    assert (box / "sub" / "old.txt").read_text() == "new"
    assert (box / "sub" / "added.txt").read_text() == "added"
    assert sorted(p.name for p in box.iterdir()) == ["keep.txt", "sub"]


def test_refusal_leaves_an_existing_destination_as_it_was(box: Path) -> None:
    """A refused archive changes nothing in an existing destination and leaves no staging dir."""
    (box / "keep.txt").write_text("keep")
    with pytest.raises(UnsafeArchiveError):
        extract(zip_bytes({"keep.txt": b"overwritten?", "../evil": b"x"}), box)
    assert sorted(p.name for p in box.iterdir()) == ["keep.txt"]
    assert (box / "keep.txt").read_text() == "keep"


def test_existing_link_in_destination_is_not_followed(box: Path, tmp_path: Path) -> None:
    """A directory member never merges through a link already in the destination."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (box / "sub").symlink_to(outside)
    with pytest.raises(UnsafeArchiveError, match="existing file or link"):
        extract(zip_bytes({"sub/evil": b"x"}), box)
    assert list(outside.iterdir()) == []


# --- through S3 -----------------------------------------------------------------------------


@pytest.fixture
def bucket() -> Iterator[None]:
    """moto S3 with the artifact bucket."""
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


def test_extract_artifact_refuses_with_nothing_written(bucket: None, box: Path) -> None:
    """extract_artifact refuses a zip-slip artifact from S3 and leaves no file behind."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=BUCKET, Key="my-pipeline/src/AbCd123", Body=zip_bytes({"../x": b"x"}))
    with pytest.raises(UnsafeArchiveError):
        extract_artifact(Job(id=JOB_ID, data=job_data()), "src", box / "out")
    assert_untouched(box, box / "out")


def test_read_artifact_file_from_tar_gz(bucket: None) -> None:
    """read_artifact_file reads a member of a tar.gz artifact, whatever the key says."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_object(Bucket=BUCKET, Key="my-pipeline/src/AbCd123", Body=tar_bytes([("a/b", b"bee")], gz=True))
    job = Job(id=JOB_ID, data=job_data())
    assert read_artifact_file(job, "src", "a/b") == b"bee"
    with pytest.raises(UnsafeArchiveError, match="max_bytes"):
        read_artifact_file(job, "src", "a/b", max_bytes=2)
