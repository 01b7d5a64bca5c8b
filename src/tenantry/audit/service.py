"""Reading the audit trail. Events are written by ``tenantry.writes.record``, in the same
transaction as the change they describe."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.audit.models import AuditEvent


def events(
    session: Session,
    org_id: str,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    limit: int = 100,
    before_id: str | None = None,
) -> list[AuditEvent]:
    """An organization's events, newest first (ids sort by creation), filtered by action and
    actor; ``before_id`` continues after that event."""
    query = select(AuditEvent).where(AuditEvent.org_id == org_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    query = query.order_by(AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(query))
