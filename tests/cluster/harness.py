"""Real ``tenantry serve`` processes on loopback over one PostgreSQL.

A ``Cluster`` starts N server subprocesses on free ports, waits for ``/healthz``, and can
SIGKILL, restart and stop them; it can also terminate the servers' PostgreSQL backends
(``pg_terminate_backend``), found by the ``application_name`` each server connects with.
Every process it starts is killed when the cluster stops, once more at interpreter exit if a
run was interrupted (while a cluster runs, SIGTERM is a KeyboardInterrupt, so teardowns
run), and by the kernel if the test process dies outright (the servers' parent-death signal).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

SERVER_APP = "tenantry-cluster-server"  # application_name prefix of the servers' connections
HARNESS_APP = "tenantry-cluster-harness"
LISTENER_APP = "tenantry-listener"  # the permission cache's LISTEN connection (every process)
SECRET_KEY = "cluster-test-secret-key-shared-by-every-process"
START_TIMEOUT = 40.0  # seconds for a process to answer /healthz
PR_SET_PDEATHSIG = 1
_TENANTRY = Path(sys.executable).with_name("tenantry")
_started: set[subprocess.Popen[bytes]] = set()


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL it when the test process dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_app_name(url: str, name: str) -> str:
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(False)


class Server:
    """One ``tenantry serve`` process; it keeps its port across restarts."""

    def __init__(self, index: int, database_url: str, policy: str, workdir: Path) -> None:
        self.index = index
        self.name = f"{SERVER_APP}-{index}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{index}.log"
        self.env = {
            **os.environ,
            "TENANTRY_DATABASE_URL": with_app_name(database_url, self.name),
            "TENANTRY_POLICY": policy,
            "TENANTRY_SECRET_KEY": SECRET_KEY,
            "TENANTRY_MAILBOX_DIR": str(workdir / "mailbox"),
            "TENANTRY_BASE_URL": "http://127.0.0.1:8000",
            "TENANTRY_LOG_LEVEL": "warning",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None, f"{self.name} is already running"
        # the parent-death signal follows the thread that started the process
        assert threading.current_thread() is threading.main_thread(), "start servers in main"
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} ---\n".encode())
            self.proc = subprocess.Popen(
                [str(_TENANTRY), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: a kill reaches every child
                preexec_fn=_die_with_parent,
            )
        _started.add(self.proc)
        self.starts += 1

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not healthy in {timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process (SIGKILL by default: no shutdown code runs) and reap it."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        _started.discard(proc)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """SIGSTOP the process for the block (it runs no code, holds what it holds), then
        SIGCONT it, whatever happens in the block."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.killpg(self.proc.pid, signal.SIGCONT)

    def restart(self) -> None:
        self.kill()
        self.start()
        self.wait_healthy()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def errors(self, limit: int = 5, width: int = 3000) -> str:
        """The last ``limit`` error records of the log, each cut to ``width`` characters."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        found = [line[-width:] for line in lines if '"level": "error"' in line]
        return "\n".join(found[-limit:]) or "(none)"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Cluster:
    """``size`` servers running ``policy`` over the database at ``database_url``."""

    def __init__(self, database_url: str, policy: str, workdir: Path, size: int = 2) -> None:
        self.database_url = database_url
        self.policy = policy
        self.servers = [Server(i, database_url, policy, workdir) for i in range(size)]
        self.engine: Engine = create_engine(
            with_app_name(database_url, HARNESS_APP), pool_pre_ping=True
        )
        self.kills = 0
        self.terminations = 0

    def start(self) -> None:
        # together: the database is migrated already, so their own upgrade changes nothing
        for server in self.servers:
            server.start()
        for server in self.servers:
            server.wait_healthy()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.engine.dispose()

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def url(self, i: int) -> str:
        return self.servers[i % len(self.servers)].url

    def kill(self, i: int) -> None:
        """SIGKILL server ``i`` (no shutdown code runs); it stays down until ``revive``."""
        self.servers[i].kill()
        self.kills += 1

    def revive(self, i: int) -> None:
        server = self.servers[i]
        if not server.running:
            server.proc = None
            server.start()
        server.wait_healthy()

    def crash_and_restart(self, i: int) -> None:
        self.kill(i)
        self.revive(i)

    def ensure_all_up(self) -> None:
        for i, server in enumerate(self.servers):
            if not server.running:
                server.proc = None
                self.revive(i)
            else:
                server.wait_healthy()

    def terminate_backends(self) -> int:
        """``pg_terminate_backend`` every PostgreSQL connection the servers hold now (pooled,
        busy in a request, and each process's change listener: the only database clients
        during a cluster test are the servers and this harness). Returns how many."""
        with self.engine.connect() as conn:
            ended = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM"
                    " pg_stat_activity WHERE datname = current_database()"
                    " AND (application_name LIKE :servers OR application_name = :listener)"
                    " AND pid <> pg_backend_pid()"
                ),
                {"servers": f"{SERVER_APP}-%", "listener": LISTENER_APP},
            ).scalar_one()
            conn.commit()
        self.terminations += 1
        return int(ended)


def stop_leftovers() -> None:
    """Kill every server process a run started and did not stop (an interrupted run)."""
    for proc in list(_started):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        _started.discard(proc)


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # so that every teardown runs


atexit.register(stop_leftovers)


@contextlib.contextmanager
def running(cluster: Cluster) -> Iterator[Cluster]:
    """Start the cluster and stop every process at the end, whatever happens in between
    (a SIGTERM meanwhile is a KeyboardInterrupt, so this teardown runs too)."""
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        signal.signal(signal.SIGTERM, previous)
