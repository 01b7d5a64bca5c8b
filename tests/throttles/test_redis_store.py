"""What only the Redis store does: keys that expire by themselves, and refusing (503) while
Redis is away rather than letting every guess through."""

from __future__ import annotations

import socket

import pytest

from tenantry.throttles.errors import ThrottleUnavailable
from tenantry.throttles.redis_store import RedisWindows
from tenantry.throttles.service import Throttle


def test_a_bucket_expires_from_redis_once_its_window_has_passed(redis_windows) -> None:
    redis_windows.hit("b", window=900)
    ttl = redis_windows.client.ttl(f"{redis_windows.prefix}b")
    assert 900 <= ttl <= 901


def test_an_unreachable_redis_refuses_with_retry_rather_than_letting_guesses_through() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    throttle = Throttle(RedisWindows(f"redis://127.0.0.1:{port}/0", timeout=0.5), "t", 5, 900)
    for attempt in (throttle.retry_after, throttle.hit):
        with pytest.raises(ThrottleUnavailable) as refused:
            attempt("someone@example.com")
        assert refused.value.details == {"retry_after": 1}
