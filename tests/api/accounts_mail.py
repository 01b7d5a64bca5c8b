"""Reading the account mails a test's deployment sent (the development mailbox)."""

from __future__ import annotations

import re

from tenantry.core import Tenantry
from tenantry.mail.transports import messages_in

LINK = re.compile(r"/(verify|claim|reset|confirm-email|invite)/(\S+)")


def mails_to(t: Tenantry, email: str) -> list[tuple[str, str]]:
    """(subject, body) of every message delivered to ``email``, oldest first."""
    folder = t.mail.folder  # type: ignore[attr-defined]
    out = []
    for m in messages_in(folder):
        if m["To"] == email:
            text = m.get_body(preferencelist=("plain",))  # plain, or the plain part of HTML mail
            assert text is not None
            out.append((str(m["Subject"]), text.get_content()))  # type: ignore[attr-defined]
    return out


def link_token(t: Tenantry, email: str, page: str) -> str:
    """The token of the last ``page`` link (verify, claim, reset, ...) mailed to ``email``."""
    for _, body in reversed(mails_to(t, email)):
        for found in LINK.finditer(body):
            if found.group(1) == page:
                return found.group(2)
    raise AssertionError(f"no /{page}/ link mailed to {email}: {mails_to(t, email)}")
