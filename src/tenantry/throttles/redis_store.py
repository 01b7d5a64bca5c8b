"""Throttle hits in Redis, for high sign-in volume without writes to the main database: one
sorted set per bucket (member per hit, scored by its time), changed in MULTI pipelines."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import Any

import redis
from redis.client import Pipeline

from tenantry import clock
from tenantry.throttles.errors import ThrottleUnavailable

PREFIX = "tenantry:throttle:"


class RedisWindows:
    def __init__(self, url: str, *, prefix: str = PREFIX, timeout: float = 2.0) -> None:
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def retry_after(self, bucket: str, *, limit: int, window: float) -> int | None:
        now = clock.now().timestamp()
        key = self.prefix + bucket
        # the limit-th newest hit: under the limit again once it leaves the window
        _, nth = self._atomically(
            lambda pipe: (
                pipe.zremrangebyscore(key, "-inf", now - window),
                pipe.zrange(key, limit - 1, limit - 1, desc=True, withscores=True),
            )
        )
        if not nth:
            return None
        return max(1, math.ceil(float(nth[0][1]) + window - now))

    def hit(self, bucket: str, *, window: float) -> None:
        now = clock.now().timestamp()
        key = self.prefix + bucket
        member = f"{now:.6f}:{secrets.token_hex(6)}"  # two hits in one microsecond both count
        self._atomically(
            lambda pipe: (
                pipe.zadd(key, {member: now}),
                pipe.zremrangebyscore(key, "-inf", now - window),
                pipe.expire(key, math.ceil(window) + 1),
            )
        )

    def reset(self, bucket: str) -> None:
        self._atomically(lambda pipe: pipe.delete(self.prefix + bucket))

    def close(self) -> None:
        self.client.close()

    def _atomically(self, commands: Callable[[Pipeline], object]) -> list[Any]:
        try:
            with self.client.pipeline(transaction=True) as pipe:
                commands(pipe)
                return list(pipe.execute())
        except redis.RedisError as exc:
            raise ThrottleUnavailable(
                "The throttle store is unavailable for a moment; try again.", retry_after=1
            ) from exc
