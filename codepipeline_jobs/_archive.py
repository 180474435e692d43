r"""Reading zip and tar archives safely: format by content, members checked before they land.

`extract_archive` writes every member into a staging directory next to (inside) the
destination and moves the result into place only when the whole archive was read
without a refusal, so a refused archive leaves nothing behind.

What is refused (`UnsafeArchiveError`):

- a member name that is absolute (``/etc/passwd``, ``C:\\x``, ``\\\\server\\share``) or
  climbs out with ``..``;
- a symbolic link whose target lies outside the destination, a hard link to anything
  but a regular file extracted before it (or that would replace another member: hard
  links are extracted as copies), and any member written *through* a link;
- devices, FIFOs and other special files;
- more than ``max_members`` members, or more than ``max_total_bytes`` of content
  (counted as written, not as declared, so a lying header does not help a bomb).

Every failure while *reading* the archive - whatever zipfile, tarfile or the gzip,
bzip2 and xz decoders raise: a corrupt or truncated stream, a bad header, size or CRC,
an encrypted member, an unsupported compression method - is an `ArchiveFormatError`
naming the member, chained from the reader's own exception. Compressed tars are
decompressed here rather than by tarfile (whose stream mode never checks the gzip
CRC) and read to the end of the compressed stream, so its checksum is always verified.
Errors while *writing* (a full disk) are not archive errors and propagate as they are.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, Protocol, cast

from ._errors import CodePipelineJobsError

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator

    from typing_extensions import Self

__all__ = [
    "DEFAULT_MAX_MEMBERS",
    "DEFAULT_MAX_TOTAL_BYTES",
    "ArchiveFormatError",
    "ArtifactError",
    "ArtifactNotFoundError",
    "UnsafeArchiveError",
    "detect_format",
    "extract_archive",
    "read_member",
    "zip_directory",
]

#: Default cap on the total uncompressed size of an extracted artifact (4 GiB).
DEFAULT_MAX_TOTAL_BYTES = 4 * 1024**3
#: Default cap on the number of members of an extracted artifact.
DEFAULT_MAX_MEMBERS = 100_000

_CHUNK = 1024 * 1024
ArchiveFormat = Literal["zip", "tar"]


class ArtifactError(CodePipelineJobsError):
    """An artifact could not be found, read, extracted or written."""


class ArtifactNotFoundError(ArtifactError, LookupError):
    """No artifact (or archive member) has the name asked for.

    Also a `LookupError`, like `KeyError`, but with a plain message. The message
    lists the names that exist.

    Attributes:
        name: The name that was asked for.
        available: The names that exist, in order.
    """

    name: str
    available: tuple[str, ...]

    def __init__(self, what: str, name: str, available: tuple[str, ...]) -> None:
        shown = ", ".join(repr(n) for n in available[:20])
        if len(available) > 20:
            shown += f", ... ({len(available) - 20} more)"
        super().__init__(f"no {what} named {name!r}; " + (f"found: {shown}" if available else "found none"))
        self.name = name
        self.available = available


class ArchiveFormatError(ArtifactError, ValueError):
    """The artifact is not a zip, tar or compressed tar archive, or it cannot be read.

    Raised for every failure while reading an archive: a corrupt or truncated stream
    (deflate, bzip2, lzma, gzip, xz), a bad tar header, a bad zip directory, size or
    CRC-32, an encrypted zip member, an unsupported compression method. The error
    the reader raised is chained as ``__cause__``; nothing was written to the
    destination.

    Attributes:
        member: The member being read when reading failed (empty when it was the
            archive as a whole, e.g. its first header or its zip directory).
    """

    member: str

    def __init__(self, message: str, member: str = "") -> None:
        super().__init__(message)
        self.member = member

    def __reduce__(self) -> tuple[type[ArchiveFormatError], tuple[str, str]]:
        return (type(self), (str(self), self.member))


class UnsafeArchiveError(ArtifactError, ValueError):
    """Extraction was refused; nothing was written to the destination.

    Attributes:
        member: The member that was refused (empty when the refusal is about the
            archive as a whole).
        reason: Why, in words.
    """

    member: str
    reason: str

    def __init__(self, member: str, reason: str) -> None:
        super().__init__(f"refused to extract {member!r}: {reason}" if member else f"refused: {reason}")
        self.member = member
        self.reason = reason

    def __reduce__(self) -> tuple[type[UnsafeArchiveError], tuple[str, str]]:
        return (type(self), (self.member, self.reason))


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _detail(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def _reading(kind: str, member: str = "", *, after: str | None = None) -> Generator[None]:
    """Turn whatever a reader raises into an `ArchiveFormatError` naming where it was.

    Only reading happens inside: the archive's bytes are already on local disk, so any
    exception (zipfile and tarfile raise a dozen kinds, down to ``ValueError`` for a
    negative offset) means the archive is unreadable. Our own refusals pass through.
    """
    try:
        yield
    except (CodePipelineJobsError, MemoryError):
        raise
    except Exception as exc:
        if member:
            where = f" at member {member!r}"
        elif after is not None:
            where = f" after member {after!r}" if after else " at its first header"
        else:
            where = ""
        msg = f"the {kind} archive is corrupt{where}: {_detail(exc)}"
        raise ArchiveFormatError(msg, member) from exc


class _Guarded:
    """A member's data, read with every reader error turned into an `ArchiveFormatError`."""

    def __init__(self, data: _Readable, kind: str, member: str) -> None:
        self._data = data
        self._kind = kind
        self._member = member

    def read(self, size: int = -1, /) -> bytes:
        with _reading(self._kind, self._member):
            return self._data.read(size)


def detect_format(head: bytes) -> ArchiveFormat | None:
    """The archive format of a file, from its first 512 bytes (magic numbers, not names)."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00":
        return "tar"  # compressed; tarfile tells a tar inside from anything else
    if head[257:262] == b"ustar":
        return "tar"
    return None


def _format_of(fileobj: IO[bytes]) -> ArchiveFormat:
    fileobj.seek(0)
    head = fileobj.read(512)
    fileobj.seek(0)
    found = detect_format(head)
    if found is None:
        msg = "the artifact is not a zip, tar or compressed tar archive"
        raise ArchiveFormatError(msg)
    return found


def _safe_name(name: str) -> str:
    """The member's path relative to the destination, or a refusal."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise UnsafeArchiveError(name, "absolute path")
    normal = posixpath.normpath(unified)
    if normal == ".." or normal.startswith("../"):
        raise UnsafeArchiveError(name, "path escapes the destination")
    if "\x00" in normal:
        raise UnsafeArchiveError(name, "NUL in name")
    return "" if normal == "." else normal


class _Writer:
    """Writes members under a staging root, keeping count and refusing unsafe ones."""

    def __init__(self, root: Path, max_total_bytes: int, max_members: int) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.max_total_bytes = max_total_bytes
        self.max_members = max_members
        self.members = 0
        self.total = 0
        self.files: set[str] = set()

    def count(self, name: str) -> None:
        self.members += 1
        if self.members > self.max_members:
            raise UnsafeArchiveError(name, f"more than {self.max_members} members (max_members)")

    def _inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root + os.sep)

    def _make_dirs(self, name: str, relative_dir: str) -> Path:
        """Create a directory under the root, one component at a time, never through a link."""
        current = self.root
        for part in Path(relative_dir).parts:
            current = current / part
            if current.is_symlink():
                raise UnsafeArchiveError(name, "path goes through a link")
            if not current.exists():
                current.mkdir()
            elif not current.is_dir():
                raise UnsafeArchiveError(name, "path goes through a file")
        return current

    def _parent(self, name: str, relative: str) -> Path:
        """Create the member's parent directories; refuse to go through a link."""
        parent = self._make_dirs(name, posixpath.dirname(relative))
        target = parent / posixpath.basename(relative)
        if os.path.lexists(target) and (target.is_symlink() or not target.is_file()):
            # a file replacing a link or a directory could be written through it
            raise UnsafeArchiveError(name, "member overwrites a link or a directory")
        return target

    def directory(self, name: str) -> None:
        relative = _safe_name(name)
        if relative:
            self._make_dirs(name, relative)

    def file(self, name: str, source: _Readable, declared: int, mode: int | None) -> None:
        relative = _safe_name(name)
        if not relative:
            raise UnsafeArchiveError(name, "file member without a name")
        if self.total + declared > self.max_total_bytes:
            raise UnsafeArchiveError(name, f"content exceeds {self.max_total_bytes} bytes (max_total_bytes)")
        target = self._parent(name, relative)
        with target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                self.total += len(chunk)
                if self.total > self.max_total_bytes:
                    msg = f"content exceeds {self.max_total_bytes} bytes (max_total_bytes)"
                    raise UnsafeArchiveError(name, msg)
                out.write(chunk)
        if mode is not None:
            # permission bits only: never setuid, setgid or sticky
            target.chmod((mode & 0o777) | 0o600)
        self.files.add(relative)

    def symlink(self, name: str, link_target: str) -> None:
        relative = _safe_name(name)
        if not relative:
            raise UnsafeArchiveError(name, "link without a name")
        unified = link_target.replace("\\", "/")
        if not unified or unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
            raise UnsafeArchiveError(name, "link to an absolute path")
        if "\x00" in unified:
            raise UnsafeArchiveError(name, "NUL in link target")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(relative), unified))
        if resolved == ".." or resolved.startswith("../"):
            raise UnsafeArchiveError(name, "link escapes the destination")
        target = self._parent(name, relative)
        if os.path.lexists(target):
            raise UnsafeArchiveError(name, "link overwrites an existing member")
        if not self._inside(os.path.realpath(target.parent / unified)):
            raise UnsafeArchiveError(name, "link escapes the destination")
        os.symlink(unified, target)

    def hardlink(self, name: str, link_target: str) -> None:
        """A copy of a file extracted before it; never a real link, never over another member."""
        relative = _safe_name(name)
        if not relative:
            raise UnsafeArchiveError(name, "link without a name")
        try:
            source_relative = _safe_name(link_target)
        except UnsafeArchiveError as exc:
            raise UnsafeArchiveError(name, f"hard link target: {exc.reason}") from None
        if source_relative not in self.files:
            raise UnsafeArchiveError(name, "hard link to something other than a file extracted before it")
        if source_relative == relative:
            # GNU tar stores a file with several links, archived twice, the second time
            # as a link to itself: the file stays as it is (opening it for writing to
            # copy it onto itself would truncate it).
            return
        target = self.root / relative
        if os.path.lexists(target):
            # also what a hard link to itself looks like on a case-insensitive file system
            raise UnsafeArchiveError(name, "hard link would replace a member extracted before it")
        source = self.root / source_relative
        if source.is_symlink() or not self._inside(os.path.realpath(source)):
            raise UnsafeArchiveError(name, "hard link escapes the destination")
        with source.open("rb") as data:
            self.file(name, data, source.stat().st_size, source.stat().st_mode)

    def check_links(self) -> None:
        """After extraction: every link, however chained, still resolves inside the root."""
        for directory, dirnames, filenames in os.walk(self.root):
            for entry in (*dirnames, *filenames):
                path = os.path.join(directory, entry)
                if os.path.islink(path) and not self._inside(os.path.realpath(path)):
                    relative = os.path.relpath(path, self.root).replace(os.sep, "/")
                    raise UnsafeArchiveError(relative, "link escapes the destination")


#: The zip compression methods zipfile reads: stored, deflate, bzip2, lzma.
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_ZIP_METHOD_NAMES = {
    1: "Shrink", 6: "Implode", 9: "Deflate64", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES"
}
_ZIP_ENCRYPTED = 0x1 | 0x40  # general purpose flag bits 0 (encrypted) and 6 (strong encryption)


def _zip_regular(info: zipfile.ZipInfo) -> bool:
    """A regular file: not a directory, and Unix mode bits (if any) say a file or nothing."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    return not info.is_dir() and kind in (0, stat.S_IFREG)


def _open_zip(fileobj: IO[bytes]) -> zipfile.ZipFile:
    with _reading("zip"):
        return zipfile.ZipFile(fileobj)


def _check_zip_member(info: zipfile.ZipInfo) -> None:
    """Refuse, saying why, a member zipfile would fail on with a RuntimeError or NotImplementedError."""
    if info.flag_bits & _ZIP_ENCRYPTED:
        msg = f"the zip archive's member {info.filename!r} is encrypted; encrypted members cannot be read"
        raise ArchiveFormatError(msg, info.filename)
    if info.compress_type not in _ZIP_METHODS:
        known = _ZIP_METHOD_NAMES.get(info.compress_type)
        method = f"{info.compress_type} ({known})" if known else str(info.compress_type)
        msg = (
            f"the zip archive's member {info.filename!r} uses compression method {method}, "
            "which cannot be read (stored, deflate, bzip2 and lzma can)"
        )
        raise ArchiveFormatError(msg, info.filename)


def _extract_zip(fileobj: IO[bytes], writer: _Writer) -> None:
    with _open_zip(fileobj) as archive:
        infos = archive.infolist()
        if len(infos) > writer.max_members:
            msg = f"{len(infos)} members, more than {writer.max_members} (max_members)"
            raise UnsafeArchiveError("", msg)
        declared = sum(info.file_size for info in infos)
        if declared > writer.max_total_bytes:
            msg = f"declares {declared} bytes, more than {writer.max_total_bytes} (max_total_bytes)"
            raise UnsafeArchiveError("", msg)
        for info in infos:
            _extract_zip_member(archive, info, writer)


def _extract_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, writer: _Writer) -> None:
    writer.count(info.filename)
    mode = info.external_attr >> 16
    if info.is_dir():
        writer.directory(info.filename)
    elif stat.S_ISLNK(mode):
        if info.file_size > 4096:
            raise UnsafeArchiveError(info.filename, "link target too long")
        _check_zip_member(info)
        with _reading("zip", info.filename):
            target = archive.read(info)  # at most the 4096 bytes declared
        writer.symlink(info.filename, target.decode("utf-8", "surrogateescape"))
    elif not _zip_regular(info):
        raise UnsafeArchiveError(info.filename, "special file")
    else:
        _check_zip_member(info)
        with _reading("zip", info.filename):
            data = archive.open(info)
        with data:
            writer.file(info.filename, _Guarded(data, "zip", info.filename), info.file_size, mode or None)


def _decoder(fileobj: IO[bytes]) -> gzip.GzipFile | bz2.BZ2File | lzma.LZMAFile | None:
    """A decompressing reader over a compressed tar (told by its magic bytes); None for a plain one."""
    fileobj.seek(0)
    head = fileobj.read(6)
    fileobj.seek(0)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fileobj, mode="rb")
    if head[:3] == b"BZh":
        return bz2.BZ2File(fileobj)
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(fileobj)
    return None


# The header errors that mean "the archive ends here": an all-zero block, or no block at
# all (typeshed does not declare these classes).
_ARCHIVE_END: tuple[type[Exception], ...] = (
    vars(tarfile)["EOFHeaderError"],
    vars(tarfile)["EmptyHeaderError"],
)
_TarHeaderError = tarfile.HeaderError
_TarReadError = tarfile.ReadError


class _StrictTarInfo(tarfile.TarInfo):
    """A tar header that is damaged or cut short is an error, not the archive's end.

    tarfile treats a bad header after the first one as the end of the archive, so a
    corrupt or truncated tar would extract, silently, as the members before it. An
    all-zero block (the end marker) and the end of the file still end the archive.
    """

    @classmethod
    def fromtarfile(cls, tarfile: tarfile.TarFile) -> Self:
        try:
            return super().fromtarfile(tarfile)
        except _TarHeaderError as exc:
            if isinstance(exc, _ARCHIVE_END):
                raise
            # a ReadError is no HeaderError, so TarFile.next() lets it through
            raise _TarReadError(f"invalid header: {exc}") from exc


class _TarStream:
    """The members of a tar read as a stream, every header and data error named."""

    def __init__(self, archive: tarfile.TarFile) -> None:
        self._archive = archive
        #: The last member's name once every member was read (``""`` for none); else None.
        self.finished: str | None = None

    def __iter__(self) -> Iterator[tarfile.TarInfo]:
        previous = ""
        while True:
            with _reading("tar", after=previous):
                member = self._archive.next()
            if member is None:
                self.finished = previous
                return
            yield member
            previous = member.name

    def data(self, member: tarfile.TarInfo) -> _Guarded:
        with _reading("tar", member.name):
            data = self._archive.extractfile(member)
        if data is None:  # pragma: no cover - isreg() members always have data
            raise UnsafeArchiveError(member.name, "unreadable member")
        return _Guarded(data, "tar", member.name)


@contextlib.contextmanager
def _open_tar(fileobj: IO[bytes], budget: int) -> Generator[_TarStream]:
    """A (compressed) tar read as a stream.

    When every member was read, a compressed stream is read on to its end (at most
    `budget` more bytes), so that its decoder checks the CRC: tarfile stops at the
    tar's end marker and, in stream mode, never checks the gzip CRC at all.
    """
    with contextlib.ExitStack() as stack:
        decoder = _decoder(fileobj)
        if decoder is not None:
            stack.enter_context(decoder)
        with _reading("tar", after=""):
            source = cast("IO[bytes]", decoder if decoder is not None else fileobj)
            archive = stack.enter_context(tarfile.open(fileobj=source, mode="r|", tarinfo=_StrictTarInfo))
        stream = _TarStream(archive)
        yield stream
        if stream.finished is not None and decoder is not None:
            _drain(decoder, budget, stream.finished)


def _drain(decoder: _Readable, budget: int, last: str) -> None:
    read = 0
    while True:
        with _reading("tar", after=last):
            chunk = decoder.read(_CHUNK)
        if not chunk:
            return
        read += len(chunk)
        if read > budget:
            raise UnsafeArchiveError("", f"more than {budget} bytes after the end of the tar archive")


def _extract_tar(fileobj: IO[bytes], writer: _Writer) -> None:
    with _open_tar(fileobj, writer.max_total_bytes) as members:
        for member in members:
            writer.count(member.name)
            if member.isdir():
                writer.directory(member.name)
            elif member.issym():
                writer.symlink(member.name, member.linkname)
            elif member.islnk():
                writer.hardlink(member.name, member.linkname)
            elif member.isreg():
                writer.file(member.name, members.data(member), member.size, member.mode)
            else:
                raise UnsafeArchiveError(member.name, "special file")


def _staging_dir(dest_dir: Path) -> Path:
    dest_dir.parent.mkdir(parents=True, exist_ok=True)
    if dest_dir.is_dir():
        return Path(tempfile.mkdtemp(prefix=".extracting-", dir=dest_dir))
    if os.path.lexists(dest_dir):
        msg = f"{dest_dir} exists and is not a directory"
        raise ArtifactError(msg)
    return Path(tempfile.mkdtemp(prefix=f".{dest_dir.name}.extracting-", dir=dest_dir.parent))


def _plan_moves(staging: Path, dest: Path) -> Iterator[tuple[Path, Path]]:
    """Pairs to move from staging into an existing destination; refuses clashes first."""
    for entry in sorted(staging.iterdir()):
        target = dest / entry.name
        if entry.is_dir() and not entry.is_symlink():
            if target.is_symlink() or (os.path.lexists(target) and not target.is_dir()):
                raise UnsafeArchiveError(entry.name, "a directory would replace an existing file or link")
            if target.is_dir():
                yield from _plan_moves(entry, target)
                continue
        elif target.is_dir() and not target.is_symlink():
            raise UnsafeArchiveError(entry.name, "a file would replace an existing directory")
        yield entry, target


def extract_archive(
    fileobj: IO[bytes],
    dest_dir: Path,
    *,
    max_total_bytes: int = DEFAULT_MAX_TOTAL_BYTES,
    max_members: int = DEFAULT_MAX_MEMBERS,
) -> Path:
    """Extract a zip or (compressed) tar archive into `dest_dir`, all or nothing.

    `dest_dir` is created if missing. If it exists, the archive's members are merged
    into it (files replace files of the same name); a clash between a file and a
    directory is refused before anything is moved.

    Returns:
        `dest_dir`.
    """
    kind = _format_of(fileobj)
    staging = _staging_dir(dest_dir)
    try:
        root = staging / "x"
        root.mkdir()
        writer = _Writer(root, max_total_bytes, max_members)
        (_extract_zip if kind == "zip" else _extract_tar)(fileobj, writer)
        writer.check_links()
        if staging.parent == dest_dir:
            for source, target in list(_plan_moves(root, dest_dir)):
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        else:
            os.replace(root, dest_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest_dir


def read_member(fileobj: IO[bytes], member: str, *, max_bytes: int) -> bytes:
    """The content of one regular-file member of a zip or (compressed) tar archive.

    When several members have the name, the last one is read, as extraction would
    leave it. A tar is read to its end (and its compressed stream checked), so a
    corrupt archive is an `ArchiveFormatError` even when the member read fine.
    """
    wanted = posixpath.normpath(member.replace("\\", "/").lstrip("/"))
    names: dict[str, None] = {}
    found: bytes | None = None
    if _format_of(fileobj) == "zip":
        with _open_zip(fileobj) as archive:
            last: zipfile.ZipInfo | None = None
            for info in archive.infolist():
                if _zip_regular(info):
                    name = posixpath.normpath(info.filename)
                    names[name] = None
                    if name == wanted:
                        last = info
            if last is not None:
                _check_zip_member(last)
                with _reading("zip", last.filename):
                    raw = archive.open(last)
                with raw:
                    data = _Guarded(raw, "zip", last.filename)
                    return _read_capped(data, member, last.file_size, max_bytes)
    else:
        with _open_tar(fileobj, DEFAULT_MAX_TOTAL_BYTES) as members:
            for entry in members:
                if entry.isreg():
                    name = posixpath.normpath(entry.name)
                    names[name] = None
                    if name == wanted:
                        found = _read_capped(members.data(entry), member, entry.size, max_bytes)
        if found is not None:
            return found
    raise ArtifactNotFoundError("file in the archive", member, tuple(names))


def _read_capped(data: _Readable, member: str, declared: int, max_bytes: int) -> bytes:
    if declared > max_bytes:
        raise UnsafeArchiveError(member, f"{declared} bytes, more than {max_bytes} (max_bytes)")
    content = data.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise UnsafeArchiveError(member, f"more than {max_bytes} bytes (max_bytes)")
    return content


def zip_directory(directory: Path, out: IO[bytes]) -> None:
    """Zip a directory's content (names relative to it, sorted) into `out`.

    Links to files are stored as the files they point to; links to directories are
    not followed.
    """
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for current, dirnames, filenames in os.walk(directory):
            dirnames.sort()
            base = Path(current)
            relative_dir = base.relative_to(directory)
            if relative_dir != Path() and not filenames and not dirnames:
                archive.write(base, relative_dir.as_posix() + "/")
            for filename in sorted(filenames):
                path = base / filename
                if path.is_file():
                    archive.write(path, (relative_dir / filename).as_posix())
