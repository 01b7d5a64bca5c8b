"""Refusals of the throttles."""

from __future__ import annotations

from tenantry.errors import DomainError, Kind


class TooManyAttempts(DomainError):
    """Over the limit of a throttle; ``retry_after`` says in how many seconds to come back."""

    code = "RATE_LIMITED"
    kind = Kind.RATE_LIMITED


class ThrottleUnavailable(DomainError):
    """The throttle's store cannot be reached. Guarded actions are refused rather than let
    through unthrottled: a throttle that fails open is no throttle while it is down."""

    code = "RETRY"
    kind = Kind.UNAVAILABLE
