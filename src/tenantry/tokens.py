"""Secret tokens: 256 bits from ``secrets``, stored only as SHA-256 hashes, compared in
constant time. A token reads ``<kind>_<id>_<secret>``: the id finds the row without
revealing anything, the secret is checked against the stored hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issued:
    lookup: str  # stored in clear, indexes the row
    secret_hash: str  # stored
    token: str  # shown once to its holder, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(kind: str) -> Issued:
    lookup = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return Issued(lookup=lookup, secret_hash=digest(secret), token=f"{kind}_{lookup}_{secret}")


def parse(kind: str, token: str) -> tuple[str, str] | None:
    """(lookup, secret) of a well-formed token of this kind, else None."""
    prefix, _, rest = token.partition("_")
    lookup, _, secret = rest.partition("_")
    if prefix != kind or len(lookup) != 16 or not secret or len(token) > 200:
        return None
    return lookup, secret


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_hash)


def matches_plain(sent: str, expected: str) -> bool:
    """Constant-time comparison of a secret sent in clear with the one on record."""
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())
