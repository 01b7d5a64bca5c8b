"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tenantry.errors import Invalid

_hasher = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4
# verified against when the account does not exist, so both paths cost the same
_DUMMY = _hasher.hash("tenantry-timing-equaliser")

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
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
