"""Queue mail in the caller's transaction; deliver due messages with backoff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.mail.models import OutboxMessage
from tenantry.mail.transports import MailError, Transport
from tenantry.sealing import Sealer

MAX_ATTEMPTS = 8
SENDER = "Tenantry <no-reply@tenantry.invalid>"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def enqueue(
    session: Session,
    sealer: Sealer,
    *,
    to: str,
    subject: str,
    body: str,
    invitation_id: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        invitation_id=invitation_id, to=to, subject=subject, body_sealed=sealer.seal(body)
    )
    session.add(message)
    session.flush()
    return message


def deliver_due(
    session: Session,
    sealer: Sealer,
    transport: Transport,
    *,
    sender: str = SENDER,
    only: list[str] | None = None,
    on_result: Callable[[Session, OutboxMessage, str | None], None] | None = None,
) -> int:
    """Send what is due (or the messages in ``only``); returns how many were sent.

    ``on_result(session, message, error)`` lets the owner of a message record the outcome
    (the invitation's delivery status) in the same transaction."""
    now = clock.now()
    query = select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.is_(None)
    )
    query = (
        query.where(OutboxMessage.id.in_(only))
        if only is not None
        else query.where(OutboxMessage.next_attempt_at <= now)
    )
    sent = 0
    for message in session.scalars(
        query.order_by(OutboxMessage.created_at).with_for_update(skip_locked=True)
    ):
        body = sealer.unseal(message.body_sealed)
        error: str | None
        if body is None:
            error = "the message was sealed with another secret key and cannot be read"
            message.gave_up_at = now
        else:
            email = EmailMessage()
            email["From"] = sender
            email["To"] = message.to
            email["Subject"] = message.subject
            email.set_content(body)
            try:
                transport.send(email)
                error = None
            except MailError as exc:
                error = str(exc)[:500]
        message.attempts += 1
        if error is None:
            message.sent_at = now
            message.last_error = None
            sent += 1
        else:
            message.last_error = error
            message.next_attempt_at = now + backoff(message.attempts)
            if message.attempts >= MAX_ATTEMPTS:
                message.gave_up_at = now
        if on_result is not None:
            on_result(session, message, error)
    return sent
