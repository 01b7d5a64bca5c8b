"""Domain errors: a stable code, a message naming the rule that refused, and a kind.

The kind says what sort of refusal it is; each edge (HTTP, CLI) maps kinds to its own
vocabulary in one place. Services raise these and nothing else for business rules.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    INVALID = "invalid"  # 422
    UNAUTHENTICATED = "unauthenticated"  # 401
    FORBIDDEN = "forbidden"  # 403
    NOT_FOUND = "not_found"  # 404
    CONFLICT = "conflict"  # 409
    GONE = "gone"  # 410
    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # 503: a store the service needs is away; retry


class DomainError(Exception):
    code = "ERROR"
    kind = Kind.INVALID

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """Missing, or in an organization the caller cannot see (the two look the same)."""

    code = "NOT_FOUND"
    kind = Kind.NOT_FOUND


class Invalid(DomainError):
    """The request breaks a validation rule."""

    code = "INVALID"
    kind = Kind.INVALID


class PermissionDenied(DomainError):
    """The actor lacks the permission the operation needs."""

    code = "PERMISSION_DENIED"
    kind = Kind.FORBIDDEN


class Conflict(DomainError):
    code = "CONFLICT"
    kind = Kind.CONFLICT
