"""A throttle: at most ``limit`` hits per key in any sliding window, counted in a store that
every process and node shares. The store is the one small interface the backends implement."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from tenantry.store.db import Database
from tenantry.throttles.database import DatabaseWindows


class WindowStore(Protocol):
    """Timestamped hits per bucket. A hit is written at once, in its own unit of work, so a
    refused or rolled-back request still counts."""

    def retry_after(self, bucket: str, *, limit: int, window: float) -> int | None:
        """Seconds until ``bucket`` has fewer than ``limit`` hits in the last ``window``
        seconds (at least 1), or None when it has fewer already."""
        ...

    def hit(self, bucket: str, *, window: float) -> None:
        """Record one hit now; hits older than ``window`` seconds may be forgotten."""
        ...

    def reset(self, bucket: str) -> None:
        """Forget every hit of ``bucket``."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Throttle:
    """``name`` keeps throttles apart in one store; keys are hashed into bucket names, so
    the store never holds an email address (or a password typed into the email field)."""

    store: WindowStore
    name: str
    limit: int
    window_seconds: float

    def bucket(self, key: str) -> str:
        return f"{self.name}:{hashlib.sha256(key.encode()).hexdigest()}"

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait if ``key`` is over its limit, else None."""
        return self.store.retry_after(
            self.bucket(key), limit=self.limit, window=self.window_seconds
        )

    def hit(self, key: str) -> None:
        self.store.hit(self.bucket(key), window=self.window_seconds)

    def reset(self, key: str) -> None:
        self.store.reset(self.bucket(key))


def shared_store(db: Database, redis_url: str | None = None) -> WindowStore:
    """Redis when a URL is given, else the database (the default: nothing more to run)."""
    if redis_url:
        from tenantry.throttles.redis_store import RedisWindows  # only deployments with Redis

        return RedisWindows(redis_url)
    return DatabaseWindows(db)
