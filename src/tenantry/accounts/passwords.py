"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tenantry.errors import Invalid

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4
# verified against when the account does not exist, so both paths cost the same
_DUMMY = _hasher.hash("tenantry-timing-equaliser")
# argon2 is CPU- and memory-hard by design: forty sign-ins hashing at once on two cores
# starve every other request (and the database work of the sign-ins themselves). At most
# one hash per core runs at a time; the others wait their turn.
_hashing = threading.BoundedSemaphore(os.cpu_count() or 2)

MIN_LENGTH = 10
MAX_LENGTH = 1024


class WeakPassword(Invalid):
    code = "WEAK_PASSWORD"


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Passwords must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Passwords must have at most {MAX_LENGTH} characters.")


def hash_password(password: str) -> str:
    check_strength(password)
    with _hashing:
        return _hasher.hash(password)


@dataclass(frozen=True, slots=True)
class HashedPassword:
    """A new password, checked and hashed before the write transaction that stores it
    opens: argon2 takes a large fraction of a second, and on SQLite a write transaction
    holds the one write lock, which every other writer would wait for."""

    value: str


def hash_new_password(password: str) -> HashedPassword:
    """Check the password's strength and hash it; call it with no transaction open."""
    return HashedPassword(hash_password(password))


def verify_password(stored: str | None, password: str) -> bool:
    try:
        with _hashing:
            return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
