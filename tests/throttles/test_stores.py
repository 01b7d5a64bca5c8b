"""The contract every throttle store keeps, run against each backend (the database of the
test run, and a real Redis): a sliding window of hits per bucket, shared by whoever uses it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tenantry import clock
from tenantry.throttles.service import Throttle, Window, WindowStore, hit_each, longest_wait

WINDOW = 900.0
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def at() -> Iterator[list[datetime]]:
    """The clock, held still: ``at[0] += timedelta(...)`` moves it."""
    now = [START]
    clock.set_clock(lambda: now[0])
    yield now
    clock.set_clock(None)


def test_a_bucket_under_its_limit_is_let_through(store: WindowStore, at) -> None:
    for _ in range(4):
        store.hit("b", window=WINDOW)
    assert store.retry_after("b", limit=5, window=WINDOW) is None


def test_the_limit_th_hit_refuses_until_the_oldest_hit_leaves_the_window(
    store: WindowStore, at
) -> None:
    store.hit("b", window=WINDOW)
    at[0] += timedelta(seconds=100)
    for _ in range(4):
        store.hit("b", window=WINDOW)
    assert store.retry_after("b", limit=5, window=WINDOW) == 800
    at[0] += timedelta(seconds=799.5)
    assert store.retry_after("b", limit=5, window=WINDOW) == 1  # never 0: "now" is too soon
    at[0] += timedelta(seconds=0.5)
    assert store.retry_after("b", limit=5, window=WINDOW) is None


def test_hits_older_than_the_window_no_longer_count(store: WindowStore, at) -> None:
    for _ in range(5):
        store.hit("b", window=WINDOW)
    at[0] += timedelta(seconds=WINDOW)
    assert store.retry_after("b", limit=5, window=WINDOW) is None
    store.hit("b", window=WINDOW)
    assert store.retry_after("b", limit=1, window=WINDOW) == WINDOW


def test_over_the_limit_the_wait_runs_to_the_limit_th_newest_hit(store: WindowStore, at) -> None:
    # processes racing past the check can leave more hits than the limit: the budget comes
    # back only when enough of them have left the window, not when the oldest has
    for second in range(7):
        at[0] = START + timedelta(seconds=10 * second)
        store.hit("b", window=WINDOW)
    # hits at 0, 10, ..., 60; under a limit of 5 again when the one at 20 leaves
    assert store.retry_after("b", limit=5, window=WINDOW) == 20 + WINDOW - 60


def test_reset_forgets_its_own_bucket_only(store: WindowStore, at) -> None:
    for bucket in ("mine", "theirs"):
        store.hit(bucket, window=WINDOW)
    store.reset("mine")
    assert store.retry_after("mine", limit=1, window=WINDOW) is None
    assert store.retry_after("theirs", limit=1, window=WINDOW) is not None


def test_buckets_do_not_share_hits(store: WindowStore, at) -> None:
    store.hit("a", window=WINDOW)
    assert store.retry_after("b", limit=1, window=WINDOW) is None


def test_hits_from_many_threads_all_count(store: WindowStore) -> None:
    threads = [
        threading.Thread(target=store.hit, args=("b",), kwargs={"window": WINDOW})
        for _ in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.retry_after("b", limit=12, window=WINDOW) is not None
    assert store.retry_after("b", limit=13, window=WINDOW) is None


def test_a_hit_is_kept_when_the_request_around_it_fails(store: WindowStore, database) -> None:
    class Refused(Exception):
        pass

    with pytest.raises(Refused), database.reading():
        store.hit("b", window=WINDOW)
        raise Refused
    assert store.retry_after("b", limit=1, window=WINDOW) is not None


def test_a_throttle_keeps_keys_apart_by_name_and_limit(store: WindowStore) -> None:
    accounts = Throttle(store, "accounts", limit=2, window_seconds=WINDOW)
    addresses = Throttle(store, "addresses", limit=2, window_seconds=WINDOW)
    accounts.hit("same@example.com")
    accounts.hit("same@example.com")
    assert accounts.retry_after("same@example.com") is not None
    assert addresses.retry_after("same@example.com") is None
    assert accounts.retry_after("other@example.com") is None
    accounts.reset("same@example.com")
    assert accounts.retry_after("same@example.com") is None


def test_buckets_read_and_hit_together_answer_as_each_alone(store: WindowStore, at) -> None:
    short, wide, other = Window("a", 2, 100.0), Window("a", 3, WINDOW), Window("b", 1, WINDOW)
    store.hit_each([short, other])
    at[0] += timedelta(seconds=50)
    store.hit_each([short])
    together = store.retry_after_each([short, wide, other])
    alone = [store.retry_after(w.bucket, limit=w.limit, window=w.seconds) for w in (short, wide)]
    assert together == [*alone, WINDOW - 50] == [50, None, WINDOW - 50]
    assert store.retry_after_each([]) == []


def test_the_longest_wait_of_several_throttles_is_the_one_that_lets_all_through(
    store: WindowStore, at
) -> None:
    quick = Throttle(store, "quick", limit=1, window_seconds=60)
    slow = Throttle(store, "slow", limit=1, window_seconds=WINDOW)
    roomy = Throttle(store, "roomy", limit=5, window_seconds=WINDOW)
    hit_each(store, [(quick, "k"), (slow, "k"), (roomy, "k")])
    assert longest_wait(store, [(quick, "k"), (roomy, "k")]) == 60
    assert longest_wait(store, [(quick, "k"), (slow, "k"), (roomy, "k")]) == WINDOW
    assert longest_wait(store, [(roomy, "k"), (quick, "other")]) is None
