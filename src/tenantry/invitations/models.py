"""Invitations: their own table, with the offered roles, permissions and resource grants as
columns, a hashed single-use token, a status and an expiry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry import clock
from tenantry.store.base import Base, UTCDateTime, id_column

PENDING, ACCEPTED, CANCELLED = "pending", "accepted", "cancelled"


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (
        # one pending invitation per (organization, email): set only while pending
        UniqueConstraint("org_id", "pending_email"),
        # the pending list, newest first, a page at a time (invitations.listing)
        Index("ix_invitations_org_status_created", "org_id", "status", "created_at", "id"),
    )

    id: Mapped[str] = id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))  # normalised
    pending_email: Mapped[str | None] = mapped_column(String(320))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{"resource_id": ..., "role": ...}]
    resource_grants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # who invited, re-checked at acceptance: a member, an API key, or the operator (CLI)
    invited_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_by_key: Mapped[str | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL")
    )
    invited_by_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    token_lookup: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    token_sealed: Mapped[str | None] = mapped_column(Text)  # for showing the link again
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_status: Mapped[str] = mapped_column(String(16), default="queued")
    delivery_error: Mapped[str | None] = mapped_column(String(500))
    resend_count: Mapped[int] = mapped_column(Integer, default=0)
