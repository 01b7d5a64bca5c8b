"""Throttle hits as rows of ``throttle_hits``: nothing more to run, and already shared by
every process and node that uses the database."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from tenantry import clock
from tenantry.store.db import Database
from tenantry.throttles.models import ThrottleHit
from tenantry.throttles.windows import Window

log = logging.getLogger("tenantry.throttles")

SWEEP_EVERY = timedelta(minutes=1)
SWEEP_BATCH = 5000


class DatabaseWindows:
    """Each hit is a row written in a short transaction of its own (never the caller's), so
    it counts even when the request that made it is refused or rolled back. Rows older than
    the longest window this process has used are swept at most once a minute."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._retention = 0.0
        self._next_sweep: datetime | None = None
        self._lock = threading.Lock()

    def retry_after(self, bucket: str, *, limit: int, window: float) -> int | None:
        return self.retry_after_each([Window(bucket, limit, window)])[0]

    def retry_after_each(self, windows: Sequence[Window]) -> list[int | None]:
        if not windows:
            return []
        now = clock.now()
        with self.db.reading() as s:  # one connection for every bucket
            newest = [
                s.scalars(
                    select(ThrottleHit.at)
                    .where(ThrottleHit.bucket == w.bucket, ThrottleHit.at > now - _span(w.seconds))
                    .order_by(ThrottleHit.at.desc())
                    .limit(w.limit)
                ).all()
                for w in windows
            ]
        return [_wait(hits, w, now) for hits, w in zip(newest, windows, strict=True)]

    def hit(self, bucket: str, *, window: float) -> None:
        self.hit_each([Window(bucket, 0, window)])

    def hit_each(self, windows: Sequence[Window]) -> None:
        if not windows:
            return
        now = clock.now()
        with self.db.transaction() as s:
            s.add_all(ThrottleHit(bucket=w.bucket, at=now) for w in windows)
        self._sweep(now, max(w.seconds for w in windows))

    def reset(self, bucket: str) -> None:
        with self.db.transaction() as s:
            s.execute(delete(ThrottleHit).where(ThrottleHit.bucket == bucket))

    def close(self) -> None:
        pass  # the database belongs to its owner

    def _sweep(self, now: datetime, window: float) -> None:
        with self._lock:
            self._retention = max(self._retention, window)
            if self._next_sweep is not None and now < self._next_sweep:
                return
            self._next_sweep = now + SWEEP_EVERY
        # SKIP LOCKED: a sweep never waits for (nor deadlocks with) a reset or another sweep
        expired = (
            select(ThrottleHit.id)
            .where(ThrottleHit.at <= now - _span(self._retention))
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True)
        )
        try:
            with self.db.transaction() as s:
                s.execute(delete(ThrottleHit).where(ThrottleHit.id.in_(expired)))
        except SQLAlchemyError:  # the hit is already recorded; the next sweep catches up
            log.warning("could not sweep expired throttle hits", exc_info=True)


def _wait(newest: Sequence[datetime], window: Window, now: datetime) -> int | None:
    if len(newest) < window.limit:
        return None
    # under the limit again once the limit-th newest hit leaves the window
    return max(1, math.ceil((newest[-1] + _span(window.seconds) - now).total_seconds()))


def _span(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)
