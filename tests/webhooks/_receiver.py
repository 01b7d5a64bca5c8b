"""A webhook receiver on loopback for tests: records each request (headers and body) and
answers from a script of status codes (then 200), or a redirect; and a canary listener that
only counts the connections it is offered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # status codes to answer first, in order
    location: str | None = None  # answer every request with a 302 to here
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[Received]:
        """The requests answered 2xx."""
        with self.lock:
            return [r for r in self.requests if r.headers.get("x-answered") == "200"]


@contextmanager
def receiving(answers: list[int] | None = None, location: str | None = None) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    receiver = Receiver(
        f"http://127.0.0.1:{server.server_port}/hook", list(answers or []), location
    )
    server.receiver = receiver  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with receiver.lock:
            status = receiver.answers.pop(0) if receiver.answers else 200
            if receiver.location:
                status = 302
            headers = {k.lower(): v for k, v in self.headers.items()}
            headers["x-answered"] = str(status)
            receiver.requests.append(Received(headers, body))
        self.send_response(status)
        if receiver.location:
            self.send_header("Location", receiver.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Canary:
    port: int
    connections: int = 0


@contextmanager
def canary() -> Iterator[Canary]:
    """A listener that counts connections made to it (none is the expected number)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    found = Canary(sock.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            found.connections += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()
