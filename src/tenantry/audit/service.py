"""Record what changed: an audit event and a revision bump, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry.audit.models import AuditEvent
from tenantry.orgs.models import Organization
from tenantry.store.signals import mark_changed


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a user (by id and email), an API key, or the operator (CLI)."""

    user_id: str | None
    label: str
    ip: str | None = None
    key_id: str | None = None  # set when an API key acts (user_id is then None)

    @classmethod
    def operator(cls) -> Actor:
        return cls(user_id=None, label="operator")

    @property
    def is_operator(self) -> bool:
        return self.user_id is None and self.key_id is None and self.label == "operator"


def record(
    session: Session,
    *,
    actor: Actor,
    org_id: str | None,
    action: str,
    target_type: str | None = None,
    target_id: str | None = None,
    target: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event and bump the organization's revision, in the same transaction."""
    event = AuditEvent(
        org_id=org_id,
        actor_id=actor.user_id or actor.key_id,
        actor=actor.label,
        ip=actor.ip,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target=target,
        before=before,
        after=after,
    )
    session.add(event)
    if org_id is not None:
        bump_revision(session, org_id)
    session.flush()
    return event


def record_denial(
    session: Session, *, actor: Actor, org_id: str, action: str, code: str, detail: dict[str, Any]
) -> AuditEvent:
    """An attempt the rules refused. Written in its own transaction (the refused one rolled
    back) and without a revision bump: nothing changed, so no cache needs dropping."""
    event = AuditEvent(
        org_id=org_id,
        actor_id=actor.user_id or actor.key_id,
        actor=actor.label,
        ip=actor.ip,
        action="access.denied",
        target_type="request",
        target=action,
        after={"code": code, **detail},
    )
    session.add(event)
    session.flush()
    return event


def bump_revision(session: Session, org_id: str) -> None:
    session.execute(
        update(Organization)
        .where(Organization.id == org_id)
        .values(revision=Organization.revision + 1)
        .execution_options(synchronize_session=False)
    )
    loaded = session.identity_map.get(session.identity_key(Organization, org_id))
    if loaded is not None:
        session.expire(loaded, ["revision"])
    mark_changed(session, org_id)


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
