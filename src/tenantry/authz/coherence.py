"""Keeping a process's permission cache coherent with writes made by other processes.

A cache entry is trusted without a query only while its process knows that nothing it
depends on has changed since the entry was read or last validated. ``generation()`` says
what the process knows: an integer that moves whenever entries may have gone stale in a way
the process cannot pin down (an entry validated at the current generation is trusted), or
None when nothing is known (every entry is validated against the database before use).

- ``LocalOnly``: this process makes every write itself (``validate_cache=False``).
- ``ValidateEach``: no push channel; one revision query per check (or per batch).
- ``PushInvalidation``: PostgreSQL ``LISTEN``; each writer's ``NOTIFY`` (sent in the same
  transaction as its revision bump, so delivered only on commit) drops the changed
  organizations' entries. Every (re)connection moves the generation (so every entry is
  validated once again: nothing missed while disconnected is trusted); while disconnected,
  per-check validation.
- ``DataVersionWatch``: SQLite (one host, several processes). ``PRAGMA data_version`` on a
  connection of our own changes whenever any other connection has committed; read before
  each cached answer, it is exact, and costs microseconds (no I/O beyond the shared WAL
  index).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Protocol

import psycopg
from sqlalchemy.engine import make_url

from tenantry.writes import CHANNEL

log = logging.getLogger("tenantry.authz")


class Coherence(Protocol):
    name: str

    def generation(self) -> int | None: ...

    def close(self) -> None: ...


class LocalOnly:
    name = "local"

    def generation(self) -> int | None:
        return 0

    def close(self) -> None:
        pass


class ValidateEach:
    name = "validate"

    def generation(self) -> int | None:
        return None

    def close(self) -> None:
        pass


class DataVersionWatch:
    name = "data-version"

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._seen: int | None = None
        self._generation = 0

    def generation(self) -> int | None:
        with self._lock:
            try:
                row = self._conn.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error:
                return None
            if row[0] != self._seen:
                self._seen = row[0]
                self._generation += 1
            return self._generation

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PushInvalidation:
    """One listener thread per process, on a connection of its own."""

    name = "push"

    def __init__(
        self,
        url: str,
        on_change: Callable[[set[str]], None],
        *,
        ping_seconds: float = 1.0,
        retry_seconds: float = 0.2,
        wait_seconds: float = 0.1,
    ) -> None:
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._on_change = on_change
        self._ping = ping_seconds
        self._retry = retry_seconds
        self._wait = wait_seconds
        self._lock = threading.Lock()
        self._generation = 0
        self._connected = False
        self._stop = threading.Event()
        self._up = threading.Event()
        self.connects = 0  # how many times the listener (re)connected (for tests and logs)
        self._thread = threading.Thread(target=self._run, name="tenantry-listen", daemon=True)
        self._thread.start()

    def generation(self) -> int | None:
        return self._generation if self._connected else None

    @property
    def connected(self) -> bool:
        return self._connected

    def wait_connected(self, timeout: float = 5.0) -> bool:
        """For tests and start-up: wait until the listener is up."""
        self._up.wait(timeout)
        return self._connected

    def close(self) -> None:
        # the thread sees the flag within one wait and closes its connection; not joined,
        # so closing a Tenantry never waits on a listener
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._dsn,
                    autocommit=True,
                    connect_timeout=5,
                    application_name="tenantry-listener",
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=2,
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    with self._lock:
                        # listening from here on: whatever changed before is covered by
                        # validating every entry once more (a new generation)
                        self._generation += 1
                        self._connected = True
                        self.connects += 1
                    self._up.set()
                    self._listen(conn)
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    log.warning("permission cache listener lost (%s); validating each check", exc)
            finally:
                self._connected = False
                self._up.clear()
            self._stop.wait(self._retry)

    def _listen(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        quiet = 0.0
        while not self._stop.is_set():
            started = time.monotonic()
            for note in conn.notifies(timeout=self._wait):
                self._on_change({note.payload.rpartition(":")[0]})  # at once, one by one
            quiet += time.monotonic() - started
            if quiet >= self._ping:
                quiet = 0.0
                conn.execute("SELECT 1")  # a dead connection shows here, not only on the next write
