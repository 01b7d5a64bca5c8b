"""The audit trail. Append-only: no service updates or deletes a row, and the organization id
is not a foreign key so the trail outlives the organization it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry import clock
from tenantry.store.base import Base, UTCDateTime, new_sortable_id


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_id_occurred_at", "org_id", "occurred_at"),
        # one event per place in an organization's chain (audit.chain)
        Index("uq_audit_events_org_id_seq", "org_id", "seq", unique=True),
        # the organization revision the event's change made: the change feed's cursor
        Index("uq_audit_events_org_id_revision", "org_id", "revision", unique=True),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_sortable_id)
    org_id: Mapped[str | None] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[str | None] = mapped_column(String(32))  # user id, or None for an operator
    actor: Mapped[str] = mapped_column(String(320))  # email, "operator" or "api-key:<prefix>"
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(320))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the organization's hash chain (audit.chain); None for an event outside any organization
    seq: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # the organization's revision after this change (None: a refusal, which changes nothing)
    revision: Mapped[int | None] = mapped_column(Integer)
