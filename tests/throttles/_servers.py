"""Real ``tenantry serve`` processes on loopback for the throttle tests, over one database
(an SQLite file, or a fresh PostgreSQL database when TENANTRY_TEST_DATABASE_URL is set).

Each server runs in a process group of its own, so stopping it reaches its workers too;
every process started here is killed at interpreter exit if a run was interrupted."""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

START_TIMEOUT = 60.0
TENANTRY = [str(Path(sys.executable).with_name("tenantry"))]
_started: set[subprocess.Popen[bytes]] = set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``tenantry serve``, with ``workers`` processes on one port."""

    def __init__(
        self,
        name: str,
        database_url: str,
        workdir: Path,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{name}.log"
        args = ["--database-url", database_url, "serve", "--host", "127.0.0.1"]
        args += ["--port", str(self.port)]
        if workers > 1:
            args += ["--workers", str(workers)]
        self.argv = [*TENANTRY, *args]
        self.env = {
            **os.environ,
            "TENANTRY_TRUSTED_PROXIES": "127.0.0.1/32",  # tests name their client addresses
            "TENANTRY_SECRET_KEY": "throttle-tests-secret-key",
            "TENANTRY_MAILBOX_DIR": str(workdir / "mailbox"),
            "TENANTRY_LOG_LEVEL": "info",  # "Application startup complete." once per worker
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        _started.add(self.proc)

    def wait_ready(self) -> None:
        """Every worker has started and the service answers."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log()}")
            started = self.log().count("Application startup complete.")
            if started >= self.workers:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready in {START_TIMEOUT}s:\n{self.log()}")
            time.sleep(0.05)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            _stop(proc)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    _started.discard(proc)


@atexit.register
def _stop_all() -> None:
    for proc in list(_started):
        _stop(proc)


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[None]:
    """Start every server at once (they are slow to import), wait for all, stop all."""
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        yield
    finally:
        for server in servers:
            server.stop()


@contextlib.contextmanager
def shared_database(pg_url: str | None, workdir: Path) -> Iterator[str]:
    """A database of these servers' own: a file, or a fresh database on the test cluster
    (the rest of the suite truncates the test database between tests)."""
    if not pg_url:
        yield f"sqlite:///{workdir / 'shared.db'}"
        return
    name = f"tenantry_throttles_{secrets.token_hex(4)}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
