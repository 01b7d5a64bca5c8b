"""An app served by a real uvicorn on loopback, in a thread of the test process: requests
cross a socket, and a response is sent before any code that runs after it (which the
in-process test client would wait for)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn


def start_uvicorn(app: Any, port: int, *, log_level: str = "warning") -> Callable[[], None]:
    """Serve ``app`` on 127.0.0.1:``port`` once it answers; the function that stops it."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return stop
