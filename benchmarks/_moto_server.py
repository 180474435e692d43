"""A moto server on loopback, in its own process: prints ``host port``, serves until stdin closes.

Run by the artifacts benchmark as ``python -m benchmarks._moto_server``; needs moto's
server dependencies (Flask and flask-cors).
"""

from __future__ import annotations

import logging
import sys

__all__ = ["main"]


def main() -> int:
    """Start the server, print where it listens, and serve until standard input closes."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        print(
            f"the artifacts benchmark needs moto's server ({exc}): "
            "pip install flask flask-cors (moto[server] has them)",
            file=sys.stderr,
        )
        return 2
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(host, port, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin (or exits)
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
