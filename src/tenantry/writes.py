"""The unit of an organization write, one home for every service.

A write to an organization (its members, invitations, resources, keys, settings) is, in
one transaction: lock the organization (``lock_org``), change rows, ``record`` the audit
event, which bumps the organization's revision and queues the change notification. What
the transaction changed is then known as a consistency token (``changed_revisions``) and,
once it commits, announced to this process's caches (``store.signals``) and, on
PostgreSQL, to every other process (``NOTIFY``, delivered by the server only on commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.audit import chain
from tenantry.audit.models import AuditEvent
from tenantry.errors import NotFound
from tenantry.orgs.models import Organization
from tenantry.store.base import new_sortable_id
from tenantry.store.signals import mark_changed
from tenantry.webhooks import outbox as webhook_outbox

CHANNEL = "tenantry_revisions"  # the NOTIFY channel; payload "org_id:revision"
_REVISIONS = "tenantry.revisions"


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


def lock_org(session: Session, org_id: str) -> Organization:
    """Load the organization and hold its write lock until the transaction ends.

    Every write to an organization's members, invitations or resources takes this lock
    first, so invariants that span rows (seat caps, last owner) hold under concurrency.
    On SQLite, BEGIN IMMEDIATE already serialises writers.
    """
    org = session.scalar(
        select(Organization)
        .where(Organization.id == org_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if org is None:
        raise NotFound("No such organization.")
    return org


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
    """Append one audit event to the organization's chain and bump its revision, in the
    same transaction."""
    event = _event(actor, org_id, action, target_type, target_id, target, before, after)
    if org_id is not None:
        event.revision, seq, head, endpoints = _bump(session, org_id)
        chain.append(session, event, seq=seq + 1, prev_hash=head or chain.GENESIS)
    session.add(event)
    session.flush()
    if org_id is not None and endpoints:  # the webhook outbox, in the change's transaction
        webhook_outbox.queue(session, event)
    return event


def record_denial(
    session: Session, *, actor: Actor, org_id: str, action: str, code: str, detail: dict[str, Any]
) -> AuditEvent:
    """An attempt the rules refused. Written in its own transaction (the refused one rolled
    back) and without a revision bump: nothing changed, so no cache needs dropping."""
    event = _event(
        actor, org_id, "access.denied", "request", None, action, None, {"code": code, **detail}
    )
    # the chain head is read under the organization's row lock, as a write would take it
    head = session.execute(
        select(Organization.audit_seq, Organization.audit_head)
        .where(Organization.id == org_id)
        .with_for_update()
    ).first()
    if head is not None:
        chain.append(
            session, event, seq=head.audit_seq + 1, prev_hash=head.audit_head or chain.GENESIS
        )
    session.add(event)
    session.flush()
    return event


def _event(
    actor: Actor,
    org_id: str | None,
    action: str,
    target_type: str | None,
    target_id: str | None,
    target: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    return AuditEvent(
        # the hash covers the id and the time, so both are set before the flush
        id=new_sortable_id(),
        occurred_at=clock.now(),
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


def bump_revision(session: Session, org_id: str) -> int:
    """The organization's next revision, in this transaction; caches key on it. On
    PostgreSQL the change is also announced with NOTIFY, which the server delivers to the
    other processes' listeners when (and only if) the transaction commits."""
    return _bump(session, org_id)[0]


def _bump(session: Session, org_id: str) -> tuple[int, int, str | None, int]:
    """The new revision, the audit chain head (seq, hash) and the count of enabled webhook
    endpoints, read in the same statement: the UPDATE holds the row, so the head cannot move
    before this transaction ends."""
    row = session.execute(
        update(Organization)
        .where(Organization.id == org_id)
        .values(revision=Organization.revision + 1)
        .returning(
            Organization.revision,
            Organization.audit_seq,
            Organization.audit_head,
            Organization.webhook_endpoints,
        )
        .execution_options(synchronize_session=False)
    ).first()
    if row is None:
        raise NotFound("No such organization.")
    revision = row.revision
    loaded = session.identity_map.get(session.identity_key(Organization, org_id))
    if loaded is not None:
        session.expire(loaded, ["revision"])
    session.info.setdefault(_REVISIONS, {})[org_id] = revision
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": f"{org_id}:{revision}"},
        )
    mark_changed(session, org_id)
    return int(revision), int(row.audit_seq), row.audit_head, int(row.webhook_endpoints)


def changed_revisions(session: Session) -> dict[str, int]:
    """The organizations this transaction changed, each with its new revision (what its
    consistency token names once it commits)."""
    return dict(session.info.get(_REVISIONS, {}))
