"""SIGTERM and SIGINT for asyncio workers: one handler per event loop, for every worker on it.

``loop.add_signal_handler`` keeps one callback per signal and loop, and removing it sets the
signal back to its default, not to what it was. So the first worker to run on a loop installs
one callback that tells every worker on that loop, the last one to stop removes it and puts back
the handler that was there before (asyncio.run's own SIGINT handler, say). A handler the
application installed on the loop itself is left alone: the application owns its signals then.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import weakref
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Generator

__all__ = ["SignalTarget", "signals_stop"]

logger = logging.getLogger("codepipeline_jobs.worker")

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class SignalTarget(Protocol):
    """What a worker does when the process is asked to stop."""

    def on_signal(self, sig: signal.Signals) -> None:
        """Stop at the first signal, stop waiting at the second."""


class _LoopSignals:
    """The signal callbacks installed on one loop, and the workers they serve."""

    def __init__(self) -> None:
        self.workers: list[SignalTarget] = []
        self.previous: dict[signal.Signals, Any] = {}

    def dispatch(self, sig: signal.Signals) -> None:
        for worker in list(self.workers):
            worker.on_signal(sig)


_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopSignals] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _install(loop: asyncio.AbstractEventLoop, entry: _LoopSignals) -> None:
    for sig in _SIGNALS:
        previous = signal.getsignal(sig)
        if getattr(previous, "__name__", "") == "_sighandler_noop":  # the loop already has one
            logger.debug("%s already has a handler on this event loop; leaving it alone", sig.name)
            continue
        try:
            loop.add_signal_handler(sig, entry.dispatch, sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            continue
        entry.previous[sig] = previous


def _uninstall(loop: asyncio.AbstractEventLoop, entry: _LoopSignals) -> None:
    for sig, previous in entry.previous.items():
        with contextlib.suppress(RuntimeError, ValueError):  # the loop is closing
            loop.remove_signal_handler(sig)
        if previous is not None:
            signal.signal(sig, previous)


@contextlib.contextmanager
def signals_stop(worker: SignalTarget, loop: asyncio.AbstractEventLoop) -> Generator[None]:
    """While in the block, SIGTERM and SIGINT reach `worker` (when `loop` runs in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _lock:
        entry = _loops.get(loop)
        if entry is None:
            entry = _loops[loop] = _LoopSignals()
            _install(loop, entry)
        entry.workers.append(worker)
    try:
        yield
    finally:
        with _lock:
            entry.workers.remove(worker)
            if not entry.workers:
                _uninstall(loop, entry)
                del _loops[loop]
