"""Throttle fixtures: every backend behind one contract. Redis is real (``make test`` starts
a throwaway server and sets TENANTRY_TEST_REDIS_URL); without that variable the Redis cases
skip, so a plain local pytest still runs the rest."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import redis

from tenantry.store.db import Database
from tenantry.throttles.database import DatabaseWindows
from tenantry.throttles.redis_store import RedisWindows
from tenantry.throttles.service import WindowStore

REDIS_URL = os.environ.get("TENANTRY_TEST_REDIS_URL")
BACKENDS = ["database", "redis"]


def needs_redis() -> str:
    if not REDIS_URL:
        pytest.skip("needs a Redis server (TENANTRY_TEST_REDIS_URL; make test starts one)")
    return REDIS_URL


@pytest.fixture
def redis_windows() -> Iterator[RedisWindows]:
    """Redis windows under a prefix of this test's own, deleted afterwards."""
    store = RedisWindows(needs_redis(), prefix=f"test:{secrets.token_hex(4)}:")
    yield store
    keys = list(store.client.scan_iter(match=f"{store.prefix}*"))
    if keys:
        store.client.delete(*keys)
    store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> WindowStore:
    if request.param == "redis":
        windows: WindowStore = request.getfixturevalue("redis_windows")
        return windows
    database: Database = request.getfixturevalue("database")
    return DatabaseWindows(database)


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(needs_redis())
    yield client
    client.close()
