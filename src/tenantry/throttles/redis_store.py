"""Throttle hits in Redis, for high sign-in volume without writes to the main database: one
sorted set per bucket (member per hit, scored by its time), changed in MULTI pipelines."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from typing import Any

import redis
from redis.client import Pipeline

from tenantry import clock
from tenantry.throttles.errors import ThrottleUnavailable
from tenantry.throttles.windows import Window

PREFIX = "tenantry:throttle:"


class RedisWindows:
    def __init__(self, url: str, *, prefix: str = PREFIX, timeout: float = 2.0) -> None:
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def retry_after(self, bucket: str, *, limit: int, window: float) -> int | None:
        return self.retry_after_each([Window(bucket, limit, window)])[0]

    def retry_after_each(self, windows: Sequence[Window]) -> list[int | None]:
        if not windows:
            return []
        now = clock.now().timestamp()

        def commands(pipe: Pipeline) -> None:
            for w in windows:
                key = self.prefix + w.bucket
                pipe.zremrangebyscore(key, "-inf", now - w.seconds)
                # the limit-th newest hit: under the limit again once it leaves the window
                pipe.zrange(key, w.limit - 1, w.limit - 1, desc=True, withscores=True)

        replies = self._atomically(commands)
        return [
            max(1, math.ceil(float(nth[0][1]) + w.seconds - now)) if nth else None
            for nth, w in zip(replies[1::2], windows, strict=True)
        ]

    def hit(self, bucket: str, *, window: float) -> None:
        self.hit_each([Window(bucket, 0, window)])

    def hit_each(self, windows: Sequence[Window]) -> None:
        if not windows:
            return
        now = clock.now().timestamp()
        member = f"{now:.6f}:{secrets.token_hex(6)}"  # two hits in one microsecond both count

        def commands(pipe: Pipeline) -> None:
            for w in windows:
                key = self.prefix + w.bucket
                pipe.zadd(key, {member: now})
                pipe.zremrangebyscore(key, "-inf", now - w.seconds)
                pipe.expire(key, math.ceil(w.seconds) + 1)

        self._atomically(commands)

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
