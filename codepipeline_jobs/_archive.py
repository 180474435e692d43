r"""Reading zip and tar archives safely: format by content, members checked before they land.

`extract_archive` writes every member into a staging directory next to (inside) the
destination and moves the result into place only when the whole archive was read
without a refusal, so a refused archive leaves nothing behind.

What is refused (`UnsafeArchiveError`):

- a member name that is absolute (``/etc/passwd``, ``C:\\x``, ``\\\\server\\share``) or
  climbs out with ``..``;
- a symbolic link whose target lies outside the destination, a hard link to anything
  but a regular file extracted before it, and any member written *through* a link;
- devices, FIFOs and other special files;
- more than ``max_members`` members, or more than ``max_total_bytes`` of content
  (counted as written, not as declared, so a lying header does not help a bomb).
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from ._errors import CodePipelineJobsError

if TYPE_CHECKING:
    from collections.abc import Iterator

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
    """The artifact is not a zip, tar or compressed tar archive, or is corrupt."""


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

    def file(self, name: str, source: IO[bytes], declared: int, mode: int | None) -> None:
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
        try:
            source_relative = _safe_name(link_target)
        except UnsafeArchiveError as exc:
            raise UnsafeArchiveError(name, f"hard link target: {exc.reason}") from None
        if source_relative not in self.files:
            raise UnsafeArchiveError(name, "hard link to something other than a file extracted before it")
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


def _zip_regular(info: zipfile.ZipInfo) -> bool:
    """A regular file: not a directory, and Unix mode bits (if any) say a file or nothing."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    return not info.is_dir() and kind in (0, stat.S_IFREG)


def _extract_zip(fileobj: IO[bytes], writer: _Writer) -> None:
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        msg = f"the artifact looks like a zip archive but cannot be read: {exc}"
        raise ArchiveFormatError(msg) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > writer.max_members:
            msg = f"{len(infos)} members, more than {writer.max_members} (max_members)"
            raise UnsafeArchiveError("", msg)
        declared = sum(info.file_size for info in infos)
        if declared > writer.max_total_bytes:
            msg = f"declares {declared} bytes, more than {writer.max_total_bytes} (max_total_bytes)"
            raise UnsafeArchiveError("", msg)
        try:
            for info in infos:
                _extract_zip_member(archive, info, writer)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            msg = f"the zip archive is corrupt: {exc}"
            raise ArchiveFormatError(msg) from exc


def _extract_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, writer: _Writer) -> None:
    writer.count(info.filename)
    mode = info.external_attr >> 16
    if info.is_dir():
        writer.directory(info.filename)
    elif stat.S_ISLNK(mode):
        if info.file_size > 4096:
            raise UnsafeArchiveError(info.filename, "link target too long")
        writer.symlink(info.filename, archive.read(info).decode("utf-8", "surrogateescape"))
    elif not _zip_regular(info):
        raise UnsafeArchiveError(info.filename, "special file")
    else:
        with archive.open(info) as data:
            writer.file(info.filename, data, info.file_size, mode or None)


def _extract_tar(fileobj: IO[bytes], writer: _Writer) -> None:
    try:
        archive = tarfile.open(fileobj=fileobj, mode="r|*")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError, EOFError) as exc:
        msg = f"the artifact is not a readable tar archive: {exc}"
        raise ArchiveFormatError(msg) from exc
    with archive:
        try:
            for member in archive:
                writer.count(member.name)
                if member.isdir():
                    writer.directory(member.name)
                elif member.issym():
                    writer.symlink(member.name, member.linkname)
                elif member.islnk():
                    writer.hardlink(member.name, member.linkname)
                elif member.isreg():
                    data = archive.extractfile(member)
                    if data is None:  # pragma: no cover - isreg() members always have data
                        raise UnsafeArchiveError(member.name, "unreadable member")
                    writer.file(member.name, data, member.size, member.mode)
                else:
                    raise UnsafeArchiveError(member.name, "special file")
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            msg = f"the tar archive is corrupt: {exc}"
            raise ArchiveFormatError(msg) from exc


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


def _names(fileobj: IO[bytes]) -> Iterator[tuple[str, int, bool]]:
    """Yield (normalised name, size, is a regular file) for every member."""
    if _format_of(fileobj) == "zip":
        with zipfile.ZipFile(fileobj) as archive:
            for info in archive.infolist():
                yield posixpath.normpath(info.filename), info.file_size, _zip_regular(info)
    else:
        with tarfile.open(fileobj=fileobj, mode="r|*") as archive:
            for member in archive:
                yield posixpath.normpath(member.name), member.size, member.isreg()


def read_member(fileobj: IO[bytes], member: str, *, max_bytes: int) -> bytes:
    """The content of one regular-file member of a zip or (compressed) tar archive."""
    wanted = posixpath.normpath(member.replace("\\", "/").lstrip("/"))
    kind = _format_of(fileobj)
    try:
        if kind == "zip":
            with zipfile.ZipFile(fileobj) as archive:
                for info in archive.infolist():
                    if posixpath.normpath(info.filename) == wanted and _zip_regular(info):
                        return _read_capped(archive.open(info), member, info.file_size, max_bytes)
        else:
            with tarfile.open(fileobj=fileobj, mode="r|*") as archive:
                for entry in archive:
                    if posixpath.normpath(entry.name) == wanted and entry.isreg():
                        data = archive.extractfile(entry)
                        if data is not None:
                            return _read_capped(data, member, entry.size, max_bytes)
        fileobj.seek(0)
        available = tuple(name for name, _, regular in _names(fileobj) if regular)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as exc:
        msg = f"the archive is corrupt: {exc}"
        raise ArchiveFormatError(msg) from exc
    raise ArtifactNotFoundError("file in the archive", member, available)


def _read_capped(data: IO[bytes], member: str, declared: int, max_bytes: int) -> bytes:
    with contextlib.closing(data):
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
