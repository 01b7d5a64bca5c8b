"""How this deployment delivers webhooks (from the TENANTRY_WEBHOOK_* settings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tenantry.webhooks.addresses import Resolver, system_resolver


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    allow_private: bool = False  # deliver to loopback / private hosts (tests, closed networks)
    retry_base_seconds: float = 10.0  # the first retry's wait; each next one doubles
    retry_cap_seconds: float = 3600.0
    max_attempts: int = 8  # then the delivery is given up (redeliver by hand)
    disable_after: int = 15  # consecutive failed attempts that disable an endpoint
    timeout_seconds: float = 10.0
    poll_seconds: float = 2.0  # how often the worker looks for due deliveries
    resolve: Resolver = field(default=system_resolver)

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery is left to the worker that claimed it: longer than
        an attempt can take, so a live worker is never doubled; a dead one's claims come
        due again after it."""
        return timedelta(seconds=self.timeout_seconds * 3)

    def backoff(self, attempts: int) -> timedelta:
        """After ``attempts`` failed attempts: base, 2x base, 4x base ... capped."""
        seconds = self.retry_base_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.retry_cap_seconds))
