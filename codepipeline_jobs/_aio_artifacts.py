"""The artifact helpers as coroutines: the synchronous code, run in a worker thread.

Each coroutine here is its synchronous twin in `codepipeline_jobs.artifacts`,
called with the same arguments in a thread of the event loop's default
executor (`asyncio.to_thread`, context variables copied), so a download, an
extraction or an upload never blocks the loop. There is no second transfer
engine: S3 is reached through the same boto3 client and managed transfer,
which is also why these work under moto's in-process ``mock_aws()``.

The coroutines are made from the synchronous functions with `ParamSpec`, so a
type checker sees exactly the synchronous parameters and the two cannot drift
apart.

Cancellation: Python cannot stop a thread. When the task awaiting one of these
coroutines is cancelled, the coroutine raises `asyncio.CancelledError` at once
and the helper runs on in its thread to its end, with every guarantee of the
synchronous helper: a file or directory is never left partly written (a
download is renamed into place only when complete, an archive is moved into
place only when wholly accepted, and a failure removes what was staged). Its
result or error is then discarded. The threads are the executor's, not daemon
threads: ``asyncio.run`` (and interpreter exit) wait for them, so a process
that stops does not cut a transfer off halfway and leave a ``.part`` file.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from . import artifacts as _sync

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine
    from typing import Any

__all__ = ["download_artifact", "extract_artifact", "read_artifact_file", "upload_artifact"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _in_a_thread(function: Callable[_P, _R]) -> Callable[_P, Coroutine[Any, Any, _R]]:
    """The coroutine version of `function`: same parameters, run with `asyncio.to_thread`."""

    @functools.wraps(function)
    async def coroutine(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await asyncio.to_thread(function, *args, **kwargs)

    coroutine.__doc__ = (
        f"`codepipeline_jobs.artifacts.{function.__name__}` as a coroutine, run in a worker thread.\n\n"
        f"Same arguments, result and errors; see that function.\n\n{function.__doc__ or ''}"
    )
    return coroutine


download_artifact = _in_a_thread(_sync.download_artifact)
"""`artifacts.download_artifact` as a coroutine: ``await download_artifact(job, name, dest)``.

The same arguments, result (the `Path` written) and errors, in a worker thread.
If the awaiting task is cancelled, the download runs on in its thread: the file
appears complete when it ends, or not at all; never partly written.
"""

extract_artifact = _in_a_thread(_sync.extract_artifact)
"""`artifacts.extract_artifact` as a coroutine: ``await extract_artifact(job, name, dest_dir)``.

The same arguments, limits, result and errors (`UnsafeArchiveError` with nothing
written, ...), in a worker thread. If the awaiting task is cancelled, the
extraction runs on in its thread and either moves the whole accepted archive
into place or writes nothing.
"""

read_artifact_file = _in_a_thread(_sync.read_artifact_file)
"""`artifacts.read_artifact_file` as a coroutine: ``await read_artifact_file(job, name, member)``.

The same arguments, result (the file's bytes) and errors, in a worker thread;
the downloaded archive lives in an anonymous temporary file, gone when done.
"""

upload_artifact = _in_a_thread(_sync.upload_artifact)
"""`artifacts.upload_artifact` as a coroutine: ``await upload_artifact(job, name, source)``.

The same arguments (a file, bytes or a directory to zip), SSE-KMS handling and
errors, in a worker thread. If the awaiting task is cancelled, the upload runs
on in its thread: S3 then holds the whole object or none of it (a failed
multipart upload is aborted by boto3's transfer manager).
"""
