"""What a store is asked about: a bucket, its limit, and the length of its window."""

from __future__ import annotations

from typing import NamedTuple


class Window(NamedTuple):
    """One bucket with its limit and the length of its window, in seconds (a hit needs
    only the length: hits older than it may be forgotten)."""

    bucket: str
    limit: int
    seconds: float
