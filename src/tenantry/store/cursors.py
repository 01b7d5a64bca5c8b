"""Keyset cursors: the last row's sort key, handed out as opaque URL-safe text and taken back
unchanged. A list decodes its own cursors only; anything else is Invalid (422), never a
wrong page."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from tenantry.errors import Invalid

BAD_CURSOR = "The cursor is not one this list gave (pass next_cursor back unchanged)."

Part = str | bool


def encode(*parts: Part) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def decode(cursor: str, *shape: type[str] | type[bool]) -> list[Part]:
    """The parts of ``cursor``, each of the type ``shape`` names; Invalid otherwise."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise Invalid(BAD_CURSOR) from None  # RecursionError: '[[[[…' nested past the limit
    if (
        not isinstance(raw, list)
        or len(raw) != len(shape)
        or not all(type(part) is kind for part, kind in zip(raw, shape, strict=True))
    ):
        raise Invalid(BAD_CURSOR)
    return raw


def instant(text: str) -> datetime:
    """A timestamp part (written by ``datetime.isoformat`` of an aware time)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(BAD_CURSOR) from None
    if when.tzinfo is None:
        raise Invalid(BAD_CURSOR)
    return when
