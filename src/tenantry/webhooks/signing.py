"""Delivery signatures: HMAC-SHA256 over ``"{timestamp}.{body}"`` with the endpoint's
secret, sent as ``Tenantry-Signature: t=<unix seconds>,v1=<hex>`` (one ``v1`` per secret in
force: after a rotation the previous one signs too, for a day). The README shows the
receiver's side; ``verify`` here is that recipe, used by the tests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

HEADER = "Tenantry-Signature"
ID_HEADER = "Tenantry-Webhook-Id"  # the event id: the same on every retry (idempotency key)
EVENT_HEADER = "Tenantry-Event"
TOLERANCE = 300  # seconds a receiver accepts between the timestamp and its clock
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(secrets_in_force: Iterable[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets_in_force]
    return ",".join(parts)


def verify(secret: str, value: str, body: bytes, *, now: float | None = None) -> bool:
    """True if ``value`` (the header) signs ``body`` with ``secret`` within the tolerance."""
    fields = [part.split("=", 1) for part in value.split(",") if "=" in part]
    stamps = [v for k, v in fields if k == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, v) for k, v in fields if k == "v1")
