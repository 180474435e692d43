"""Unreadable archives: every corruption is an ArchiveFormatError naming the member, and leaves nothing.

Each archive is built here with zipfile or tarfile and patched byte by byte, then stored
in moto's S3 and read through `extract_artifact` and `read_artifact_file`, as a worker
would. Hard links, duplicate names and special files are here too.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import lzma
import random
import stat
import struct
import tarfile
import tempfile
import warnings
import zipfile
import zlib
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

from codepipeline_jobs import Job
from codepipeline_jobs.artifacts import (
    ArchiveFormatError,
    ArtifactError,
    ArtifactNotFoundError,
    UnsafeArchiveError,
    extract_artifact,
    read_artifact_file,
)
from tests.conftest import JOB_ID
from tests.test_artifacts import BUCKET, job_data

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

KEY = "my-pipeline/src/AbCd123"
JOB = Job(id=JOB_ID, data=job_data())
TEXT = b"hello, artifact\n" * 64
# Incompressible, and larger than tarfile's 10 KiB read-ahead, so errors land inside it.
NOISE = random.Random(14).randbytes(256 * 1024)

# --- building and patching archives ---------------------------------------------------------

# Central directory header offsets (APPNOTE 4.3.12) and local file header offsets (4.3.7).
CENTRAL = {"flags": 8, "method": 10, "crc": 16, "csize": 20, "usize": 24, "extra_len": 30, "offset": 42}
LOCAL = {"version": 4, "flags": 6, "method": 8, "crc": 14, "csize": 18, "usize": 22}


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    """A zip of regular files, compressed with `method`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return bytearray(buffer.getvalue())


def zip_with_duplicates(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip that holds several members of the same name (zipfile warns, and writes them)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in entries:
                archive.writestr(name, content)
    return buffer.getvalue()


def patch_zip(data: bytearray, field: str, value: int, *, size: int = 2, local: bool = True) -> bytearray:
    """Set a header field of the first member, in the central directory and (if `local`) its local header."""
    central = data.find(b"PK\x01\x02")
    data[central + CENTRAL[field] : central + CENTRAL[field] + size] = value.to_bytes(size, "little")
    if local and field in LOCAL:
        data[LOCAL[field] : LOCAL[field] + size] = value.to_bytes(size, "little")
    return data


def zip_data_start(data: bytes | bytearray) -> int:
    """Where the first member's (compressed) data begins."""
    name_len, extra_len = struct.unpack("<HH", data[26:30])
    return 30 + int(name_len) + int(extra_len)


def tar_of(members: dict[str, bytes], compression: str = "") -> bytearray:
    """A tar of regular files, optionally compressed as a whole (``gz``, ``bz2``, ``xz``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return recompress(buffer.getvalue(), compression) if compression else bytearray(buffer.getvalue())


def tar_entries(entries: list[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    """A plain tar of files given as (name, content) and raw TarInfo entries (links, devices)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                archive.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                archive.addfile(info, io.BytesIO(entry[1]))
    return buffer.getvalue()


def hard(name: str, target: str) -> tarfile.TarInfo:
    """A tar hard link entry."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE
    info.linkname = target
    return info


def recompress(tar: bytes | bytearray, compression: str) -> bytearray:
    """A plain tar's bytes compressed as a whole."""
    if compression == "gz":
        return bytearray(gzip.compress(bytes(tar), mtime=0))
    if compression == "bz2":
        return bytearray(bz2.compress(bytes(tar)))
    return bytearray(lzma.compress(bytes(tar)))


def set_tar_header(data: bytearray, index: int, offset: int, value: bytes) -> bytearray:
    """Overwrite bytes of the `index`-th 512-byte block and recompute that header's checksum."""
    block = index * 512
    data[block + offset : block + offset + len(value)] = value
    data[block + 148 : block + 156] = b" " * 8
    checksum = sum(data[block : block + 512])
    data[block + 148 : block + 156] = b"%06o\0 " % checksum
    return data


# --- through S3 -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3() -> Iterator[None]:
    """moto S3 with the artifact bucket, once for the module (each test stores its own artifact)."""
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


def store(data: bytes | bytearray) -> None:
    """Make `data` the job's input artifact `src`."""
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=BUCKET, Key=KEY, Body=bytes(data))


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its content (None for a directory)."""
    return {
        str(path.relative_to(root)): None if path.is_dir() else path.read_bytes()
        for path in sorted(root.rglob("*"))
    }


def unreadable(data: bytes | bytearray, where: Path, member: str) -> ArchiveFormatError:
    """Both readers refuse the artifact with an ArchiveFormatError naming `member`; nothing is left."""
    store(data)
    where.mkdir(exist_ok=True)
    (where / "existing.txt").write_text("kept")
    before = snapshot(where)
    with pytest.raises(ArchiveFormatError) as extracting:
        extract_artifact(JOB, "src", where / "new")
    assert snapshot(where) == before
    with pytest.raises(ArchiveFormatError):
        extract_artifact(JOB, "src", where)  # into an existing directory: merged, or nothing at all
    assert snapshot(where) == before
    with pytest.raises(ArchiveFormatError) as reading:
        read_artifact_file(JOB, "src", member or "a.txt")
    for caught in (extracting.value, reading.value):
        assert caught.member == member
        if member:
            assert repr(member) in str(caught)
        assert isinstance(caught, ArtifactError)
        assert isinstance(caught, ValueError)
    return extracting.value


# --- zip ------------------------------------------------------------------------------------

# A real ZipCrypto archive, made with `zip -P hunter2 enc.zip secret.txt` (Info-ZIP 3.0).
ENCRYPTED_ZIP = base64.b64decode(
    "UEsDBAoACQAAAFZFgV0RA8JzFwAAAAsAAAAKABwAc2VjcmV0LnR4dFVUCQADhIgOa4SIDmt1eAsAAQQAAAAABAAAAAAs"
    "Qrf8FO6RJTwkua2SpHS1n5kbY7NzP1BLBwgRA8JzFwAAAAsAAABQSwECHgMKAAkAAABWRYFdEQPCcxcAAAALAAAACgAY"
    "AAAAAAABAAAApIEAAAAAc2VjcmV0LnR4dFVUBQADhIgOa3V4CwABBAAAAAAEAAAAAFBLBQYAAAAAAQABAFAAAABrAAAA"
    "AAA="
)


def test_encrypted_zip_member(s3: None, tmp_path: Path, private_tmp: Path) -> None:
    """A password-protected zip (zip -e) is refused as encrypted, not with zipfile's RuntimeError."""
    caught = unreadable(ENCRYPTED_ZIP, tmp_path / "w", "secret.txt")
    assert "is encrypted" in str(caught)
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize("flag", [0x1, 0x41], ids=["encrypted", "strong-encryption"])
def test_encrypted_flag(s3: None, tmp_path: Path, flag: int) -> None:
    """The encryption flag bits, patched in, are refused the same way."""
    data = patch_zip(zip_of({"a.txt": TEXT}), "flags", flag)
    assert "is encrypted" in str(unreadable(data, tmp_path / "w", "a.txt"))


@pytest.mark.parametrize(("method", "shown"), [(9, "9 (Deflate64)"), (98, "98 (PPMd)"), (77, "77")])
def test_unsupported_compression_method(s3: None, tmp_path: Path, method: int, shown: str) -> None:
    """A compression method zipfile cannot read is named, instead of a bare NotImplementedError."""
    data = patch_zip(zip_of({"a.txt": TEXT}), "method", method)
    caught = unreadable(data, tmp_path / "w", "a.txt")
    assert f"compression method {shown}" in str(caught)


def test_corrupt_deflate_stream(s3: None, tmp_path: Path) -> None:
    """A deflate stream with an invalid block type: zlib's error, chained."""
    data = zip_of({"a.txt": TEXT})
    data[zip_data_start(data)] = 0x07  # final block, block type 3 (reserved)
    caught = unreadable(data, tmp_path / "w", "a.txt")
    assert isinstance(caught.__cause__, zlib.error)


def test_corrupt_bzip2_member(s3: None, tmp_path: Path) -> None:
    """A bzip2 member whose block magic is broken: bz2's OSError, chained."""
    data = zip_of({"a.txt": TEXT}, zipfile.ZIP_BZIP2)
    data[zip_data_start(data) + 4] ^= 0xFF  # inside the block header magic 1AY&SY
    caught = unreadable(data, tmp_path / "w", "a.txt")
    assert type(caught.__cause__) is OSError
    assert "Invalid data stream" in str(caught)


def test_corrupt_lzma_member(s3: None, tmp_path: Path) -> None:
    """An lzma member with impossible properties: lzma's LZMAError, chained."""
    data = zip_of({"a.txt": TEXT}, zipfile.ZIP_LZMA)
    data[zip_data_start(data) + 4] = 0xFF  # the lc/lp/pb properties byte
    caught = unreadable(data, tmp_path / "w", "a.txt")
    assert isinstance(caught.__cause__, lzma.LZMAError)


def test_crc_mismatch(s3: None, tmp_path: Path) -> None:
    """A stored member whose data no longer matches its CRC-32."""
    data = zip_of({"a.txt": TEXT}, zipfile.ZIP_STORED)
    data[zip_data_start(data) + 10] ^= 0x01
    caught = unreadable(data, tmp_path / "w", "a.txt")
    assert isinstance(caught.__cause__, zipfile.BadZipFile)
    assert "CRC" in str(caught)


def test_truncated_zip(s3: None, tmp_path: Path) -> None:
    """A zip cut in half has no central directory: the archive as a whole is unreadable."""
    data = zip_of({"a.txt": TEXT, "b.txt": TEXT})
    caught = unreadable(data[: len(data) // 2], tmp_path / "w", "")
    assert isinstance(caught.__cause__, zipfile.BadZipFile)


@pytest.mark.parametrize(
    ("field", "value", "size"),
    [
        ("csize", 3, 4),  # less compressed data declared than there is
        ("usize", 3, 4),  # less content declared than there is
        ("offset", 0xFFFF_FF00, 4),  # a local header beyond the end of the file
        ("offset", 5, 4),  # a local header in the middle of another one
    ],
)
def test_bad_sizes_and_offsets(s3: None, tmp_path: Path, field: str, value: int, size: int) -> None:
    """Sizes and offsets that lie (in the central directory only) are unreadable, not crashes."""
    data = patch_zip(zip_of({"a.txt": TEXT}), field, value, size=size, local=False)
    unreadable(data, tmp_path / "w", "a.txt")


def test_version_needed_too_high(s3: None, tmp_path: Path) -> None:
    """A member needing a later zip version than zipfile reads (NotImplementedError) is unreadable."""
    data = zip_of({"a.txt": TEXT})
    central = data.find(b"PK\x01\x02")
    data[central + 6 : central + 8] = (148).to_bytes(2, "little")
    caught = unreadable(data, tmp_path / "w", "")  # zipfile checks it while reading the directory
    assert isinstance(caught.__cause__, NotImplementedError)


def test_names_that_disagree(s3: None, tmp_path: Path) -> None:
    """A local header naming another file than the central directory does is unreadable."""
    data = zip_of({"a.txt": TEXT})
    data[30] = ord("b")  # the local header's name: b.txt
    unreadable(data, tmp_path / "w", "a.txt")


def test_zip64_extra_field_that_is_too_short(s3: None, tmp_path: Path) -> None:
    """A zip64 extra field too short for the sizes it must carry: the directory is unreadable."""
    data = zip_of({"a.txt": TEXT})
    central = data.find(b"PK\x01\x02")
    name_end = central + 46 + len("a.txt")
    patch_zip(data, "usize", 0xFFFF_FFFF, size=4, local=False)
    patch_zip(data, "extra_len", 8, local=False)
    data[name_end:name_end] = struct.pack("<HHI", 0x0001, 4, 0)  # id, size 4: not 8 bytes of size
    end = data.find(b"PK\x05\x06")
    (size,) = struct.unpack("<I", data[end + 12 : end + 16])
    data[end + 12 : end + 16] = (size + 8).to_bytes(4, "little")
    caught = unreadable(data, tmp_path / "w", "")
    assert "extra field" in str(caught).lower()


def test_bad_zip64_end_record(s3: None, tmp_path: Path) -> None:
    """A zip64 end-of-directory locator pointing at nothing: the archive is unreadable."""
    data = zip_of({"a.txt": TEXT})
    end = data.find(b"PK\x05\x06")
    locator = struct.pack("<IIQI", 0x07064B50, 0, 3, 1)  # points at offset 3: no zip64 record there
    data[end:end] = locator
    unreadable(data, tmp_path / "w", "")


# --- compressed and plain tar ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("compression", "where"),
    [("gz", "b.txt"), ("bz2", ""), ("xz", "b.txt")],  # bzip2 decodes whole 900 kB blocks: at the start
)
def test_truncated_compressed_tar(s3: None, tmp_path: Path, compression: str, where: str) -> None:
    """A compressed tar cut short - in a member, or in the stream's trailer - is unreadable."""
    data = tar_of({"a.txt": TEXT, "b.txt": NOISE}, compression)
    unreadable(data[: len(data) // 2], tmp_path / "half", where)
    caught = unreadable(data[:-4], tmp_path / "trailer", "")
    assert "after member 'b.txt'" in str(caught)
    assert isinstance(caught.__cause__, EOFError)


def test_gzip_crc_is_checked(s3: None, tmp_path: Path) -> None:
    """A tar.gz whose CRC does not match is refused (tarfile's stream mode never checks it)."""
    data = tar_of({"a.txt": TEXT}, "gz")
    data[-8] ^= 0xFF  # the CRC-32 in the gzip trailer
    caught = unreadable(data, tmp_path / "w", "")
    assert isinstance(caught.__cause__, gzip.BadGzipFile)
    assert "CRC" in str(caught)


def test_gzip_length_is_checked(s3: None, tmp_path: Path) -> None:
    """A tar.gz whose trailer declares another length is refused."""
    data = tar_of({"a.txt": TEXT}, "gz")
    data[-1] ^= 0x01  # ISIZE
    assert isinstance(unreadable(data, tmp_path / "w", "").__cause__, gzip.BadGzipFile)


def test_corrupt_deflate_in_tar_gz(s3: None, tmp_path: Path) -> None:
    """A tar.gz whose deflate data has an invalid block type (tarfile's ReadError, from zlib's error)."""
    data = tar_of({"a.txt": TEXT}, "gz")
    data[10] = 0x07  # the first deflate block header, after the 10-byte gzip header
    caught = unreadable(data, tmp_path / "w", "")
    assert isinstance(caught.__cause__, tarfile.ReadError)
    assert isinstance(caught.__cause__.__context__, zlib.error)


def test_corrupt_bzip2_tar(s3: None, tmp_path: Path) -> None:
    """A tar.bz2 whose block magic is broken: bz2's OSError, chained."""
    data = tar_of({"a.txt": TEXT}, "bz2")
    data[5] ^= 0xFF
    assert type(unreadable(data, tmp_path / "w", "").__cause__) is OSError


def test_corrupt_xz_tar(s3: None, tmp_path: Path) -> None:
    """A tar.xz with a damaged block: lzma's LZMAError, chained."""
    data = tar_of({"a.txt": TEXT}, "xz")
    data[len(data) // 2] ^= 0xFF
    assert isinstance(unreadable(data, tmp_path / "w", "").__cause__, lzma.LZMAError)


def test_corrupt_xz_footer(s3: None, tmp_path: Path) -> None:
    """A tar.xz whose stream footer fails its CRC-32: found only by reading to the stream's end."""
    data = recompress(tar_of({"a.txt": TEXT, "b.txt": NOISE}), "xz")
    data[-12] ^= 0xFF  # the footer: CRC32, backward size, flags, "YZ"
    caught = unreadable(data, tmp_path / "w", "b.txt")  # met while decoding b.txt's last bytes
    assert isinstance(caught.__cause__, lzma.LZMAError)


def test_bad_header_checksum(s3: None, tmp_path: Path) -> None:
    """A damaged header after a good member is an error (tarfile alone takes it for the archive's end)."""
    data = tar_of({"a.txt": b"a" * 10, "b.txt": b"b"})
    data[512 + 512 + 100] ^= 0x01  # the second header's mode field; its checksum is left stale
    caught = unreadable(data, tmp_path / "w", "")
    assert "after member 'a.txt'" in str(caught)
    assert isinstance(caught.__cause__, tarfile.TarError)


def test_bad_first_header(s3: None, tmp_path: Path) -> None:
    """A tar whose first header is damaged (checksum stale)."""
    data = tar_of({"a.txt": TEXT})
    data[0] ^= 0x01
    assert "at its first header" in str(unreadable(data, tmp_path / "w", ""))


def test_bad_size_field(s3: None, tmp_path: Path) -> None:
    """A tar header whose size is not a number (checksum recomputed, so only the size is wrong)."""
    data = set_tar_header(tar_of({"a.txt": TEXT}), 0, 124, b"zzzzzzzzzzz\0")
    unreadable(data, tmp_path / "w", "")


def test_truncated_tar(s3: None, tmp_path: Path) -> None:
    """A plain tar cut in a member's data, or in a header (tarfile alone ends the archive there)."""
    data = tar_of({"a.txt": TEXT, "b.txt": NOISE})
    caught = unreadable(data[: 512 + len(TEXT) + 512 + 20_000], tmp_path / "data", "b.txt")
    assert isinstance(caught.__cause__, tarfile.TarError)
    caught = unreadable(data[: 512 + len(TEXT) + 100], tmp_path / "header", "")
    assert "after member 'a.txt'" in str(caught)


def test_errors_survive_pickling() -> None:
    """ArchiveFormatError and UnsafeArchiveError keep their attributes through pickle."""
    import pickle

    corrupt = pickle.loads(pickle.dumps(ArchiveFormatError("the zip archive is corrupt", "a.txt")))
    assert (str(corrupt), corrupt.member) == ("the zip archive is corrupt", "a.txt")
    refused = pickle.loads(pickle.dumps(UnsafeArchiveError("../x", "path escapes")))
    assert (refused.member, refused.reason) == ("../x", "path escapes")


# --- hard links -----------------------------------------------------------------------------


# `tar -czf x.tgz a a` (GNU tar 1.34) where `a` has a second hard link: the second `a` is
# stored as "a link to a".
GNU_TAR_LINK_TO_ITSELF = base64.b64decode(
    "H4sIAAAAAAAAA+3TMQ7CMAyFYc+cwkdwmpQcgY2NA2QAMRRFCuX+WN1goBNBFf+3OEos5cmSi3yfuX1KS3Xv1WyIEsYwjDGm"
    "tNznbFnUOmSTx30uTVVarfOnvrX3jbqep6nqpdWbHo4n9Vnsfh0JHZUOf6zuv59f9j+YebuGHuH+fP8BAAAAAAAAAAAAAACw"
    "bU/u7UKTACgAAA=="
)


def test_gnu_tar_link_to_itself(s3: None, tmp_path: Path) -> None:
    """GNU tar's hard link of a file to itself leaves the file whole (it used to truncate it to 0 bytes)."""
    with tarfile.open(fileobj=io.BytesIO(GNU_TAR_LINK_TO_ITSELF)) as check:
        second = check.getmembers()[1]
        assert (second.name, second.islnk(), second.linkname) == ("a", True, "a")
    store(GNU_TAR_LINK_TO_ITSELF)
    dest = extract_artifact(JOB, "src", tmp_path / "out")
    assert (dest / "a").read_bytes() == b"hello from GNU tar\n"
    assert read_artifact_file(JOB, "src", "a") == b"hello from GNU tar\n"


@pytest.mark.parametrize("spelling", ["a.txt", "./a.txt", "d/../a.txt"])
def test_link_to_itself_never_truncates(s3: None, tmp_path: Path, spelling: str) -> None:
    """However the target is spelled, a hard link to itself leaves the file whole."""
    store(tar_entries([("a.txt", TEXT), hard("a.txt", spelling)]))
    assert (extract_artifact(JOB, "src", tmp_path / "out") / "a.txt").read_bytes() == TEXT


def test_link_cannot_replace_an_earlier_member(s3: None, tmp_path: Path) -> None:
    """A hard link named like another member extracted before it is refused; nothing is written."""
    store(tar_entries([("a.txt", b"a"), ("b.txt", b"b"), hard("b.txt", "a.txt")]))
    with pytest.raises(UnsafeArchiveError, match="would replace") as caught:
        extract_artifact(JOB, "src", tmp_path / "out")
    assert caught.value.member == "b.txt"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "entries",
    [
        [hard("early", "late.txt"), ("late.txt", b"x")],  # a link to a later entry
        [hard("passwd", "/etc/passwd")],  # to an absolute path
        [hard("up", "../outside.txt")],  # climbing out
        [hard("existing", "keep.txt")],  # to a file already in the destination, not in the archive
    ],
    ids=["later-entry", "absolute", "outside", "existing-file"],
)
def test_link_to_anything_but_an_earlier_file(
    s3: None, tmp_path: Path, entries: list[tarfile.TarInfo | tuple[str, bytes]]
) -> None:
    """Hard links reach only files extracted before them; the destination is left as it was."""
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("keep")
    (tmp_path / "outside.txt").write_text("outside")
    store(tar_entries(entries))
    with pytest.raises(UnsafeArchiveError, match="hard link"):
        extract_artifact(JOB, "src", dest)
    assert snapshot(dest) == {"keep.txt": b"keep"}
    assert (tmp_path / "outside.txt").read_text() == "outside"


def test_link_to_a_directory_or_a_symlink(s3: None, tmp_path: Path) -> None:
    """A hard link to a directory, or to a symbolic link, is refused."""
    directory = tarfile.TarInfo("d")
    directory.type = tarfile.DIRTYPE
    symlink = tarfile.TarInfo("s")
    symlink.type = tarfile.SYMTYPE
    symlink.linkname = "a.txt"
    cases: list[list[tarfile.TarInfo | tuple[str, bytes]]] = [
        [directory, hard("h", "d")],
        [("a.txt", b"a"), symlink, hard("h", "s")],
    ]
    for entries in cases:
        store(tar_entries(entries))
        with pytest.raises(UnsafeArchiveError, match="hard link"):
            extract_artifact(JOB, "src", tmp_path / "out")
        assert not (tmp_path / "out").exists()


def test_link_is_a_copy(s3: None, tmp_path: Path) -> None:
    """Rewriting a hard link's name later in the archive never changes the file it named."""
    store(tar_entries([("a.txt", b"original"), hard("h.txt", "a.txt"), ("h.txt", b"rewritten")]))
    dest = extract_artifact(JOB, "src", tmp_path / "out")
    assert (dest / "a.txt").read_bytes() == b"original"
    assert (dest / "h.txt").read_bytes() == b"rewritten"
    assert (dest / "a.txt").stat().st_nlink == 1


def test_links_count_towards_the_size_cap(s3: None, tmp_path: Path) -> None:
    """Hard links are copies, so they count as content: many links to one file cannot beat the cap."""
    store(tar_entries([("a.txt", b"x" * 1000), *(hard(f"h{i}", "a.txt") for i in range(20))]))
    with pytest.raises(UnsafeArchiveError, match="max_total_bytes"):
        extract_artifact(JOB, "src", tmp_path / "out", max_total_bytes=10_000)


# --- duplicate names, special files, mode bits, trailers ------------------------------------


@pytest.mark.parametrize("kind", ["zip", "tar"])
def test_duplicate_names_the_last_wins(s3: None, tmp_path: Path, kind: str) -> None:
    """Members of the same name: extraction and read_artifact_file agree on the last one."""
    entries = [("a.txt", b"first"), ("b.txt", b"b"), ("a.txt", b"last")]
    store(zip_with_duplicates(entries) if kind == "zip" else tar_entries(list(entries)))
    assert (extract_artifact(JOB, "src", tmp_path / "out") / "a.txt").read_bytes() == b"last"
    assert read_artifact_file(JOB, "src", "a.txt") == b"last"
    with pytest.raises(ArtifactNotFoundError) as caught:
        read_artifact_file(JOB, "src", "c.txt")
    assert caught.value.available == ("a.txt", "b.txt")


def test_duplicate_name_of_another_kind(s3: None, tmp_path: Path) -> None:
    """A directory, then a file of the same name (or the reverse), is refused."""
    directory = tarfile.TarInfo("a")
    directory.type = tarfile.DIRTYPE
    cases: list[list[tarfile.TarInfo | tuple[str, bytes]]] = [
        [directory, ("a", b"file")],
        [("a", b"file"), directory],
    ]
    for entries in cases:
        store(tar_entries(entries))
        with pytest.raises(UnsafeArchiveError):
            extract_artifact(JOB, "src", tmp_path / "out")
        assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_tar_devices_are_refused(s3: None, tmp_path: Path, kind: bytes) -> None:
    """Character and block devices and FIFOs in a tar are never created."""
    device = tarfile.TarInfo("dev")
    device.type = kind
    store(tar_entries([device]))
    with pytest.raises(UnsafeArchiveError, match="special file"):
        extract_artifact(JOB, "src", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", [stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK])
def test_zip_devices_are_refused(s3: None, tmp_path: Path, kind: int) -> None:
    """Zip members whose Unix mode says device, FIFO or socket are never created."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("dev")
        info.external_attr = (kind | 0o644) << 16
        archive.writestr(info, b"")
    store(buffer.getvalue())
    with pytest.raises(UnsafeArchiveError, match="special file"):
        extract_artifact(JOB, "src", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_setuid_and_sticky_bits_are_dropped(s3: None, tmp_path: Path) -> None:
    """Extracted files keep their permission bits, never setuid, setgid or sticky."""
    info = tarfile.TarInfo("tool")
    info.size = 2
    info.mode = 0o7755
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(info, io.BytesIO(b"#!"))
    store(buffer.getvalue())
    mode = (extract_artifact(JOB, "src", tmp_path / "out") / "tool").stat().st_mode
    assert stat.S_IMODE(mode) == 0o755


def test_data_after_the_end_of_a_compressed_tar_is_capped(s3: None, tmp_path: Path) -> None:
    """What follows a compressed tar's end marker is read (to check the CRC) only up to the cap."""
    data = recompress(bytes(tar_of({"a.txt": b"a"})) + b"\0" * (2 * 1024 * 1024), "gz")
    store(data)
    with pytest.raises(UnsafeArchiveError, match="after the end of the tar archive"):
        extract_artifact(JOB, "src", tmp_path / "out", max_total_bytes=1024 * 1024)
    assert not (tmp_path / "out").exists()
    assert (extract_artifact(JOB, "src", tmp_path / "ok") / "a.txt").read_bytes() == b"a"


def test_garbage_after_a_gzip_stream(s3: None, tmp_path: Path) -> None:
    """Bytes after the gzip stream that are no gzip member make the archive unreadable."""
    data = tar_of({"a.txt": TEXT}, "gz") + b"garbage!"
    unreadable(data, tmp_path / "w", "")


def test_nul_in_a_zip_link_target(s3: None, tmp_path: Path) -> None:
    """A zip symlink whose target holds a NUL is refused (it escaped as ValueError; found by fuzzing)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, b"a\0b")
    store(buffer.getvalue())
    with pytest.raises(UnsafeArchiveError, match="NUL in link target"):
        extract_artifact(JOB, "src", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_overlapping_zip_entries_are_capped(s3: None, tmp_path: Path) -> None:
    """A zip bomb of many directory entries sharing one compressed member is refused, not expanded."""
    data = zip_of({"a": b"\0" * (1024 * 1024)})
    central = data.find(b"PK\x01\x02")
    end = data.find(b"PK\x05\x06")
    entry = bytes(data[central:end])
    copies = 50
    bomb = data[:central] + entry * copies
    record = bytearray(data[end:])
    record[8:12] = struct.pack("<HH", copies, copies)  # entries on this disk, in total
    record[12:16] = (len(entry) * copies).to_bytes(4, "little")  # size of the directory
    store(bomb + record)
    with pytest.raises((UnsafeArchiveError, ArchiveFormatError)):  # capped, or "overlapped entries"
        extract_artifact(JOB, "src", tmp_path / "out", max_total_bytes=10 * 1024 * 1024)
    assert not (tmp_path / "out").exists()
