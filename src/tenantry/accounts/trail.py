"""The account's own audit trail: what happened to an account (sign-up, verification,
password reset, sessions ended, two-factor, email change, reclaim), readable by the account
holder. Events belong to no organization (``org_id`` is null) and target the user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tenantry.audit.models import AuditEvent
from tenantry.writes import Actor, record

TARGET = "user"


def record_account(
    session: Session,
    *,
    actor: Actor,
    user_id: str,
    action: str,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """One account event, in the caller's transaction. Never pass a secret (a link, a
    password, a TOTP secret or code) in ``before``/``after``."""
    return record(
        session,
        actor=actor,
        org_id=None,
        action=action,
        target_type=TARGET,
        target_id=user_id,
        target=target,
        before=before,
        after=after,
    )


def account_events(
    session: Session, user_id: str, *, limit: int = 100, before_id: str | None = None
) -> list[AuditEvent]:
    """Newest first: events about the account, and what it did outside any organization."""
    query = select(AuditEvent).where(
        AuditEvent.org_id.is_(None),
        or_(
            (AuditEvent.target_type == TARGET) & (AuditEvent.target_id == user_id),
            AuditEvent.actor_id == user_id,
        ),
    )
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
