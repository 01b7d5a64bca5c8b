"""Queue mail in the caller's transaction; deliver due messages with backoff.

A message is plain text, or plain text with an HTML alternative; both parts are sealed
together (``_BOTH`` marks the two-part form, so rows written before it read as text). Each
part is sent as 7bit or 8bit text, never quoted-printable: a link in it stays on one line,
whole, in the raw message (a ``.eml`` opened in an editor, a mail client's source view)."""

from __future__ import annotations

import json
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
    html: str | None = None,
    invitation_id: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        invitation_id=invitation_id,
        to=to,
        subject=subject,
        body_sealed=sealer.seal(stored_body(body, html)),
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
            email = compose(sender=sender, to=message.to, subject=message.subject, stored=body)
        claimed.append(Claimed(message.id, email))
    return claimed


_BOTH = "tenantry-mail:text+html\n"
_MAX_LINE = 998  # RFC 5322: longer lines need an encoding that wraps them


def stored_body(text: str, html: str | None = None) -> str:
    """What the outbox seals for a message: its text, or both parts."""
    return text if html is None else _BOTH + json.dumps({"text": text, "html": html})


def compose(*, sender: str, to: str, subject: str, stored: str) -> EmailMessage:
    """The message of a stored body: text, or text with its HTML alternative."""
    parts = json.loads(stored.removeprefix(_BOTH)) if stored.startswith(_BOTH) else None
    text = stored if parts is None else str(parts["text"])
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    email.set_content(text, cte=_unwrapped(text))
    if parts is not None:
        html = str(parts["html"])
        email.add_alternative(html, subtype="html", cte=_unwrapped(html))
    return email


def _unwrapped(text: str) -> str:
    """7bit for ASCII, 8bit otherwise: no soft line breaks inside a link. Only a line too
    long for any mail falls back to quoted-printable."""
    if any(len(line.encode()) > _MAX_LINE for line in text.splitlines()):
        return "quoted-printable"
    return "7bit" if text.isascii() else "8bit"


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
