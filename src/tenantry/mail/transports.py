"""Where mail goes: an SMTP server, or a development mailbox folder of .eml files."""

from __future__ import annotations

import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol


class MailError(Exception):
    """Delivery failed; the message stays in the outbox and is retried."""


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"SMTP delivery to {self.host}:{self.port} failed: {exc}") from exc


@dataclass(frozen=True)
class MailboxTransport:
    """Development mailbox: each message becomes a file; ``tenantry mail list`` shows them."""

    folder: Path

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # real nanoseconds (not the injectable clock) so names are unique and sort by arrival
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.eml"
        (self.folder / name).write_bytes(bytes(message))


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message (the whole body of a text-only one)."""
    part = message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def messages_in(folder: Path) -> list[EmailMessage]:
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]
