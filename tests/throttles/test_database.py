"""What only the database store does: expired rows are swept, and buckets name no person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tenantry import clock
from tenantry.throttles.database import SWEEP_EVERY, DatabaseWindows
from tenantry.throttles.models import ThrottleHit
from tenantry.throttles.service import Throttle


def _rows(database) -> list[tuple[str, datetime]]:
    with database.reading() as s:
        return [tuple(r) for r in s.execute(select(ThrottleHit.bucket, ThrottleHit.at)).all()]


def test_hits_older_than_the_longest_window_are_swept_from_the_table(database) -> None:
    store = DatabaseWindows(database)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    now = [start]
    clock.set_clock(lambda: now[0])
    try:
        for bucket in ("a", "b", "c"):
            store.hit(bucket, window=900)
        now[0] = start + timedelta(seconds=900) + SWEEP_EVERY
        store.hit("d", window=900)
    finally:
        clock.set_clock(None)
    assert [bucket for bucket, _ in _rows(database)] == ["d"]


def test_the_table_holds_no_email_address_only_its_hash(database) -> None:
    throttle = Throttle(DatabaseWindows(database), "signin-account", 5, 900)
    throttle.hit("carol@example.com")
    ((bucket, _),) = _rows(database)
    assert "carol" not in bucket and bucket.startswith("signin-account:")
    with database.reading() as s:
        assert s.scalar(select(func.count()).select_from(ThrottleHit)) == 1
