"""Queue mail in the caller's transaction; deliver due messages with backoff."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


LEASE = timedelta(minutes=5)  # a claimed message is skipped by other workers meanwhile


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    email: EmailMessage | None  # None: it cannot be read any more (sealed with another key)


def claim_due(
    session: Session, sealer: Sealer, *, sender: str = SENDER, only: list[str] | None = None
) -> list[Claimed]:
    """Take the messages to send now (or exactly ``only``) for one delivery round: each is
    leased for a few minutes, so another worker does not send it too. Sending happens
    after this transaction commits: no database lock is held while a mail server answers."""
    now = clock.now()
    query = select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.is_(None)
    )
    query = (
        query.where(OutboxMessage.id.in_(only))
        if only is not None
        else query.where(OutboxMessage.next_attempt_at <= now)
    )
    claimed = []
    for message in session.scalars(
        query.order_by(OutboxMessage.created_at).with_for_update(skip_locked=True)
    ):
        message.next_attempt_at = now + LEASE
        body = sealer.unseal(message.body_sealed)
        email = None
        if body is not None:
            email = EmailMessage()
            email["From"] = sender
            email["To"] = message.to
            email["Subject"] = message.subject
            email.set_content(body)
        claimed.append(Claimed(message.id, email))
    return claimed


def send(transport: Transport, claimed: Claimed) -> str | None:
    """Deliver one claimed message; the error, or None when it went out."""
    if claimed.email is None:
        return "the message was sealed with another secret key and cannot be read"
    try:
        transport.send(claimed.email)
    except MailError as exc:
        return str(exc)[:500]
    return None


def record_result(
    session: Session,
    message_id: str,
    error: str | None,
    *,
    on_result: Callable[[Session, OutboxMessage, str | None], None] | None = None,
) -> None:
    """Mark a message sent, or schedule its retry with backoff (giving up after a while).
    ``on_result`` lets the message's owner record the outcome (an invitation's delivery
    status) in the same transaction."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return
    now = clock.now()
    message.attempts += 1
    if error is None:
        message.sent_at = now
        message.last_error = None
    else:
        message.last_error = error
        message.next_attempt_at = now + backoff(message.attempts)
        unreadable = error.startswith("the message was sealed")
        if unreadable or message.attempts >= MAX_ATTEMPTS:
            message.gave_up_at = now
    if on_result is not None:
        on_result(session, message, error)
