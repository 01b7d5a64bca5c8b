"""A throttle: at most ``limit`` hits per key in any sliding window, counted in a store that
every process and node shares. The store is the one small interface the backends implement."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tenantry.store.db import Database
from tenantry.throttles.database import DatabaseWindows
from tenantry.throttles.windows import Window

__all__ = ["Throttle", "Window", "WindowStore", "hit_each", "longest_wait", "shared_store"]


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

    def retry_after_each(self, windows: Sequence[Window]) -> list[int | None]:
        """``retry_after`` of each window, read together (one transaction or round trip)."""
        ...

    def hit_each(self, windows: Sequence[Window]) -> None:
        """One hit now in each window's bucket, written together."""
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

    def window(self, key: str) -> Window:
        return Window(self.bucket(key), self.limit, self.window_seconds)

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait if ``key`` is over its limit, else None."""
        return self.store.retry_after(
            self.bucket(key), limit=self.limit, window=self.window_seconds
        )

    def hit(self, key: str) -> None:
        self.store.hit(self.bucket(key), window=self.window_seconds)

    def reset(self, key: str) -> None:
        self.store.reset(self.bucket(key))


def longest_wait(store: WindowStore, checks: Sequence[tuple[Throttle, str]]) -> int | None:
    """Of several throttles kept in ``store``, read together: seconds until every one of
    them is under its limit for its key, or None when all are already."""
    assert all(throttle.store is store for throttle, _ in checks)
    waits = store.retry_after_each([throttle.window(key) for throttle, key in checks])
    return max((w for w in waits if w is not None), default=None)


def hit_each(store: WindowStore, hits: Sequence[tuple[Throttle, str]]) -> None:
    """One hit for each (throttle, key), written together in ``store``."""
    assert all(throttle.store is store for throttle, _ in hits)
    store.hit_each([throttle.window(key) for throttle, key in hits])


def shared_store(db: Database, redis_url: str | None = None) -> WindowStore:
    """Redis when a URL is given, else the database (the default: nothing more to run)."""
    if redis_url:
        from tenantry.throttles.redis_store import RedisWindows  # only deployments with Redis

        return RedisWindows(redis_url)
    return DatabaseWindows(db)
