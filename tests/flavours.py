"""Run one behaviour test against the synchronous API and again against `codepipeline_jobs.aio`.

A `Flavour` hands a test a client, the eleven calls and the workers of one API,
all driven from plain synchronous test code: the asyncio flavour runs an event
loop in a background thread (a "portal") and forwards every call to it, so the
very same test body checks both APIs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import boto3
import pytest

import codepipeline_jobs
from codepipeline_jobs import aio
from codepipeline_jobs.worker import JobWorker, ThirdPartyJobWorker

if TYPE_CHECKING:
    from collections.abc import Iterator

    from codepipeline_jobs.testing import FakeCodePipeline
    from codepipeline_jobs.worker import WorkerStats

T = TypeVar("T")

class WorkerLike(Protocol):
    """What the worker tests use of a worker, whichever API it comes from."""

    @property
    def stats(self) -> WorkerStats: ...
    @property
    def stopping(self) -> bool: ...
    def run(self) -> None: ...
    def run_once(self) -> int: ...
    def stop(self) -> None: ...


class Portal:
    """An event loop in a daemon thread; `call` runs a coroutine there and waits for its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="portal", daemon=True)
        self._thread.start()
        self._cleanups: list[Callable[[], Awaitable[object]]] = []

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` in the portal's loop; return its result or raise its exception."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def on_close(self, cleanup: Callable[[], Awaitable[object]]) -> None:
        """Await `cleanup` in the loop when the portal closes."""
        self._cleanups.append(cleanup)

    def close(self) -> None:
        """Run the clean-ups, stop the loop and close it."""
        for cleanup in reversed(self._cleanups):
            with contextlib.suppress(Exception):
                self.call(_awaited(cleanup))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def _awaited(function: Callable[[], Awaitable[object]]) -> None:
    await function()


class AsyncWorker:
    """An asyncio worker driven from synchronous code through a portal."""

    def __init__(self, worker: aio.AsyncJobWorker | aio.AsyncThirdPartyJobWorker, portal: Portal) -> None:
        self.worker = worker
        self._portal = portal

    @property
    def stats(self) -> WorkerStats:
        """The worker's stats."""
        return self.worker.stats

    @property
    def stopping(self) -> bool:
        """Whether the worker was stopped."""
        return self.worker.stopping

    def run(self) -> None:
        """Await ``run()`` in the portal's loop, blocking this thread."""
        self._portal.call(self.worker.run())

    def run_once(self) -> int:
        """Await ``run_once()`` in the portal's loop."""
        return self._portal.call(self.worker.run_once())

    def stop(self) -> None:
        """``stop()``, from this thread (it is thread-safe)."""
        self.worker.stop()


class Flavour:
    """One API: its clients, calls and workers, usable from synchronous test code."""

    name = "sync"

    def client(self, fake: FakeCodePipeline | None = None, **kwargs: Any) -> Any:
        """A client of this API, served by `fake` when one is given."""
        if fake is not None:
            return fake.client(**kwargs)
        return boto3.client("codepipeline", region_name="us-east-1", **kwargs)

    def api(self, name: str) -> Callable[..., Any]:
        """The call `name`, as a blocking function."""
        function: Callable[..., Any] = getattr(codepipeline_jobs, name)
        return function

    def job_worker(self, client: Any, *args: Any, **options: Any) -> WorkerLike:
        """A custom action worker (``max_workers`` is its concurrency)."""
        return JobWorker(client, *args, **options)

    def partner_worker(self, client: Any, *args: Any, **options: Any) -> WorkerLike:
        """A partner action worker."""
        return ThirdPartyJobWorker(client, *args, **options)

    def close(self) -> None:
        """Release what the flavour made."""


class AsyncFlavour(Flavour):
    """`codepipeline_jobs.aio` over aiobotocore clients, through a portal."""

    name = "async"

    def __init__(self) -> None:
        self.portal = Portal()

    def client(self, fake: FakeCodePipeline | None = None, **kwargs: Any) -> Any:
        from aiobotocore.session import get_session

        if fake is not None:
            manager: Any = fake.aio_client(**kwargs)
        else:
            manager = get_session().create_client("codepipeline", region_name="us-east-1", **kwargs)
        client = self.portal.call(manager.__aenter__())
        self.portal.on_close(lambda: manager.__aexit__(None, None, None))
        return client

    def api(self, name: str) -> Callable[..., Any]:
        coroutine_function: Callable[..., Coroutine[Any, Any, Any]] = getattr(aio, name)

        def blocking(*args: Any, **kwargs: Any) -> Any:
            return self.portal.call(coroutine_function(*args, **kwargs))

        return blocking

    def job_worker(self, client: Any, *args: Any, **options: Any) -> WorkerLike:
        if "max_workers" in options:
            options["max_concurrency"] = options.pop("max_workers")
        return AsyncWorker(aio.AsyncJobWorker(client, *args, **options), self.portal)

    def partner_worker(self, client: Any, *args: Any, **options: Any) -> WorkerLike:
        if "max_workers" in options:
            options["max_concurrency"] = options.pop("max_workers")
        return AsyncWorker(aio.AsyncThirdPartyJobWorker(client, *args, **options), self.portal)

    def close(self) -> None:
        self.portal.close()


def _has_aiobotocore() -> bool:
    try:
        import aiobotocore  # noqa: F401
    except ImportError:
        return False
    return True


FLAVOURS = [
    pytest.param("sync", id="sync"),
    pytest.param(
        "async", id="async",
        marks=pytest.mark.skipif(not _has_aiobotocore(), reason="needs the aio extra (aiobotocore)"),
    ),
]


@contextlib.contextmanager
def flavour_named(name: str) -> Iterator[Flavour]:
    """The flavour `name`, closed afterwards."""
    flavour = AsyncFlavour() if name == "async" else Flavour()
    try:
        yield flavour
    finally:
        flavour.close()


#: The flavour the dispatching names below go to; the `flavour` fixture sets it per test.
_active: list[Flavour] = [Flavour()]


@contextlib.contextmanager
def activated(flavour: Flavour) -> Iterator[Flavour]:
    """Make `flavour` the one the dispatching calls and workers below use."""
    _active.append(flavour)
    try:
        yield flavour
    finally:
        _active.remove(flavour)


F = TypeVar("F", bound=Callable[..., Any])


def _dispatch(function: F) -> F:
    """`function`'s name, sent to the active flavour's API; typed as the synchronous function."""
    name = function.__name__

    def call(*args: Any, **kwargs: Any) -> Any:
        return _active[-1].api(name)(*args, **kwargs)

    call.__name__ = name
    return cast("F", call)


acknowledge_job = _dispatch(codepipeline_jobs.acknowledge_job)
acknowledge_third_party_job = _dispatch(codepipeline_jobs.acknowledge_third_party_job)
get_job_details = _dispatch(codepipeline_jobs.get_job_details)
get_pipeline_execution = _dispatch(codepipeline_jobs.get_pipeline_execution)
get_third_party_job_details = _dispatch(codepipeline_jobs.get_third_party_job_details)
poll_for_jobs = _dispatch(codepipeline_jobs.poll_for_jobs)
poll_for_third_party_jobs = _dispatch(codepipeline_jobs.poll_for_third_party_jobs)
put_job_failure_result = _dispatch(codepipeline_jobs.put_job_failure_result)
put_job_success_result = _dispatch(codepipeline_jobs.put_job_success_result)
put_third_party_job_failure_result = _dispatch(codepipeline_jobs.put_third_party_job_failure_result)
put_third_party_job_success_result = _dispatch(codepipeline_jobs.put_third_party_job_success_result)


def job_worker(client: Any, *args: Any, **options: Any) -> WorkerLike:
    """A custom action worker of the active flavour."""
    return _active[-1].job_worker(client, *args, **options)


def partner_worker(client: Any, *args: Any, **options: Any) -> WorkerLike:
    """A partner action worker of the active flavour."""
    return _active[-1].partner_worker(client, *args, **options)


def client_of(fake: FakeCodePipeline, **kwargs: Any) -> Any:
    """A client of the active flavour, served by `fake`."""
    return _active[-1].client(fake, **kwargs)


def active_name() -> str:
    """The active flavour's name: ``"sync"`` or ``"async"``."""
    return _active[-1].name
