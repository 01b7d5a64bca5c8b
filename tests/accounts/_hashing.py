"""Watch argon2 at work: each time a password is hashed or verified, record how many
database connections are checked out, and whether a write made meanwhile in another thread
completes (on SQLite it cannot while someone holds the write lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from tenantry.accounts import passwords
from tenantry.store.db import Database
from tenantry.throttles.models import ThrottleHit

CONCURRENT_WRITE_WAIT = 2.0  # seconds; a write needs milliseconds when nothing holds the lock


@dataclass
class Hashing:
    db: Database
    seen: list[tuple[str, int, bool]] = field(default_factory=list)
    meanwhile: Callable[[], None] | None = None  # the next concurrent write, instead of one's own
    writers: list[threading.Thread] = field(default_factory=list)

    def observe(self, what: str) -> None:
        held = self.db.engine.pool.checkedout()
        self.seen.append((what, held, self._concurrent_write_completes()))

    def _concurrent_write_completes(self) -> bool:
        write, self.meanwhile = self.meanwhile or self._unrelated_write, None
        done = threading.Event()

        def run() -> None:
            write()
            done.set()

        writer = threading.Thread(target=run, daemon=True)
        writer.start()
        self.writers.append(writer)
        return done.wait(CONCURRENT_WRITE_WAIT)

    def _unrelated_write(self) -> None:
        with self.db.transaction() as s:
            s.add(ThrottleHit(bucket="test:a-concurrent-writer"))

    def join_writers(self) -> None:
        """A writer kept waiting finishes once the lock is free."""
        for writer in self.writers:
            writer.join(60)


def watch_hashing(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hashing]:
    """For a fixture: ``yield from watch_hashing(database, monkeypatch)``."""
    watched = Hashing(db)
    real = passwords._hasher

    class Watched:
        def hash(self, password: str) -> str:
            watched.observe("hash")
            return real.hash(password)

        def verify(self, stored: str, password: str) -> bool:
            watched.observe("verify")
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Watched())
    yield watched
    watched.join_writers()
