"""The invitation mail: plain text and HTML from the ``invitation`` templates, queued in the
caller's transaction so it goes out exactly when the invitation committed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.mail import outbox
from tenantry.mail.models import OutboxMessage
from tenantry.mail.render import render
from tenantry.orgs.models import Organization
from tenantry.sealing import Sealer
from tenantry.writes import Actor


def inviter_name(session: Session, actor: Actor, named: str | None = None) -> str | None:
    """Who the mail says invited: ``named`` when the caller says (the operator's
    ``--from``), a user by name and address, an API key by its label; None for an unnamed
    operator (the mail then says only that you are invited)."""
    if named:
        return named
    if actor.user_id is not None:
        user = session.get(User, actor.user_id)
        if user is not None and user.name and user.name != user.email:
            return f"{user.name} ({user.email})"
        return user.email if user is not None else actor.label
    return None if actor.is_operator else actor.label


def queue_invitation(
    session: Session,
    sealer: Sealer,
    *,
    org: Organization,
    inviter: str | None,
    to: str,
    link: str,
    expires_at: datetime,
    invitation_id: str,
) -> OutboxMessage:
    body = render(
        "invitation", inviter=inviter, organization=org.name, link=link, expires_at=expires_at
    )
    return outbox.enqueue(
        session,
        sealer,
        to=to,
        subject=f"You are invited to join {org.name}",
        body=body.text,
        html=body.html,
        invitation_id=invitation_id,
    )
