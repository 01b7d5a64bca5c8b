"""The webhook outbox: deliveries queued in the transaction of the change they announce
(``queue``, called by ``writes.record``), claimed by a worker under a lease, and settled
with retries and exponential backoff (``settle``)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.audit.models import AuditEvent
from tenantry.sealing import Sealer
from tenantry.webhooks.config import WebhookConfig
from tenantry.webhooks.models import WebhookDelivery, WebhookEndpoint

BATCH = 20  # claimed per round: what a killed worker leaves waiting for its lease


def subscribed(event_types: list[str], action: str) -> bool:
    return any(t == "*" or t == action or fnmatch.fnmatchcase(action, t) for t in event_types)


def payload_of(event: AuditEvent) -> dict[str, Any]:
    """What a receiver gets: the audit event, with the revision its change made."""
    return {
        "id": event.id,
        "type": event.action,
        "org_id": event.org_id,
        "revision": event.revision,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor": {"id": event.actor_id, "label": event.actor},
        "target": {"type": event.target_type, "id": event.target_id, "label": event.target},
        "before": event.before,
        "after": event.after,
    }


def queue(session: Session, event: AuditEvent) -> int:
    """One delivery per enabled endpoint of the event's organization that takes its type,
    in the caller's transaction; how many were queued."""
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.org_id == event.org_id, WebhookEndpoint.enabled.is_(True)
        )
    )
    queued = 0
    for endpoint in endpoints:
        if subscribed(endpoint.event_types, event.action):
            session.add(
                WebhookDelivery(
                    endpoint_id=endpoint.id,
                    org_id=endpoint.org_id,
                    event_id=event.id,
                    event_type=event.action,
                    payload=payload_of(event),
                )
            )
            queued += 1
    return queued


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: str
    event_id: str
    event_type: str
    url: str
    payload: dict[str, Any]
    secrets: tuple[str, ...]  # every secret in force, newest first; empty: unreadable


def claim_due(
    session: Session, sealer: Sealer, config: WebhookConfig, *, only: list[str] | None = None
) -> list[Claimed]:
    """Deliveries to attempt now (or exactly ``only``), each leased so no other worker takes
    it meanwhile; the request is made after this transaction commits."""
    now = clock.now()
    query = (
        select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending", WebhookEndpoint.enabled.is_(True))
    )
    query = (
        query.where(WebhookDelivery.id.in_(only))
        if only is not None
        else query.where(WebhookDelivery.next_attempt_at <= now)
    )
    query = query.order_by(WebhookDelivery.next_attempt_at).limit(BATCH)
    claimed = []
    for delivery, endpoint in session.execute(
        query.with_for_update(skip_locked=True, of=WebhookDelivery)
    ):
        delivery.next_attempt_at = now + config.lease
        in_force = [sealer.unseal(endpoint.secret_sealed)]
        if endpoint.previous_secret_sealed and (endpoint.previous_secret_until or now) > now:
            in_force.append(sealer.unseal(endpoint.previous_secret_sealed))
        readable = tuple(s for s in in_force if s is not None)
        claimed.append(
            Claimed(
                delivery.id,
                delivery.event_id,
                delivery.event_type,
                endpoint.url,
                delivery.payload,
                readable if in_force[0] is not None else (),
            )
        )
    return claimed


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None  # None: delivered
    duration_ms: int


def settle(
    session: Session, config: WebhookConfig, delivery_id: str, outcome: Outcome
) -> WebhookEndpoint | None:
    """Record an attempt: delivered, or retried later with backoff (given up after
    ``max_attempts``). Returns the endpoint when this failure is the one that should
    disable it (``disable_after`` failed attempts in a row)."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "pending":
        return None
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    now = clock.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_duration_ms = outcome.duration_ms
    delivery.last_error = outcome.error
    if outcome.error is None:
        delivery.status = "delivered"
        delivery.delivered_at = now
        if endpoint is not None:
            endpoint.consecutive_failures = 0
        return None
    delivery.next_attempt_at = now + config.backoff(delivery.attempts)
    if delivery.attempts >= config.max_attempts:
        delivery.status = "failed"
    if endpoint is None:
        return None
    endpoint.consecutive_failures += 1
    due = endpoint.enabled and endpoint.consecutive_failures >= config.disable_after
    return endpoint if due else None
