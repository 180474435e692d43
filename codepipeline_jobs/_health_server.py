"""The health endpoints a worker serves to its orchestrator, from the standard library alone.

``GET /healthz`` answers 200 while the worker is live (its poll loop runs), else
503; ``GET /readyz`` answers 200 while it is ready (its last poll succeeded),
else 503. Both bodies are the `Health` snapshot as JSON; ``HEAD`` answers the
same statuses with no body; any other path is 404. The server listens on
127.0.0.1 by default and runs in a daemon thread of its own, so a hung probe
never holds up the worker.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast

from ._health import DEFAULT_HEALTH_HOST

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from ._health import Health

__all__ = ["DEFAULT_HEALTH_HOST", "HealthServer"]

logger = logging.getLogger("codepipeline_jobs.health")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path not in ("/healthz", "/readyz"):
            self._send(HTTPStatus.NOT_FOUND, b'{"error": "not found"}\n', body=body)
            return
        try:
            health = cast("_Server", self.server).health()
        except Exception as exc:  # noqa: BLE001 - a broken snapshot is an unhealthy worker
            logger.error("health snapshot failed: %s", type(exc).__name__)
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b'{"error": "no snapshot"}\n', body=body)
            return
        good = health.live if path == "/healthz" else health.ready
        document = json.dumps(health.as_dict()).encode() + b"\n"
        self._send(HTTPStatus.OK if good else HTTPStatus.SERVICE_UNAVAILABLE, document, body=body)

    def _send(self, status: HTTPStatus, document: bytes, *, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(document)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(document)

    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds are not worth a log line each (DEBUG only)."""
        logger.debug("health probe: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], health: Callable[[], Health]) -> None:
        super().__init__(address, _Handler)
        self.health = health


class HealthServer:
    """Serves ``/healthz`` and ``/readyz`` for a worker, in a daemon thread.

    Args:
        health: What to answer with: a worker's ``health`` method.
        port: The TCP port (0: any free one; see `port` once started).
        host: The address to listen on; 127.0.0.1 by default (use ``0.0.0.0``
            for probes from outside the container, e.g. Kubernetes' kubelet).

    Example:
        ```python
        # illustrative
        with HealthServer(worker.health, port=8080):
            worker.run()
        ```
    """

    def __init__(self, health: Callable[[], Health], *, port: int, host: str = DEFAULT_HEALTH_HOST) -> None:
        self._health = health
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one picked when started with port 0)."""
        if self._server is None:
            return self._address[1]
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        """The address listened on."""
        return self._address[0]

    def start(self) -> HealthServer:
        """Listen and serve in a daemon thread; this server.

        Raises:
            OSError: The address cannot be listened on (in use, say).
        """
        if self._server is not None:
            return self
        self._server = _Server(self._address, self._health)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
            name="codepipeline-health", daemon=True,
        )
        self._thread.start()
        logger.info("health endpoints on http://%s:%d/healthz and /readyz", self.host, self.port)
        return self

    def close(self) -> None:
        """Stop serving and release the port (waits for the serving thread)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(5)

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
