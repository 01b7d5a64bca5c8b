"""Single-use account links: a secret mailed to an address (or handed to a client that just
proved a password), kept only as its SHA-256 and spent by use.

Purposes and lifetimes: confirming an address (48 hours), resetting a password (1 hour),
claiming an address an unconfirmed account holds (48 hours), confirming a new address for
an account (48 hours), and finishing a sign-in with its second factor (5 minutes). Unknown
and tampered secrets look the same (404); a link that existed but is spent says which way
(410). Links are posted, never followed by a GET: mail scanners open links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry import clock, tokens
from tenantry.accounts.models import AccountLink
from tenantry.errors import DomainError, Kind, NotFound
from tenantry.store.db import Database
from tenantry.throttles.errors import TooManyAttempts
from tenantry.throttles.service import Throttle, WindowStore

VERIFY = "verify"
RESET = "reset"
CLAIM = "claim"
EMAIL_CHANGE = "email_change"
SECOND_FACTOR = "second_factor"

LIFETIME = {
    VERIFY: timedelta(hours=48),
    RESET: timedelta(hours=1),
    CLAIM: timedelta(hours=48),
    EMAIL_CHANGE: timedelta(hours=48),
    SECOND_FACTOR: timedelta(minutes=5),
}
# the token's prefix names its purpose, so a reset link is never taken for a verification
KIND = {VERIFY: "tnv", RESET: "tnr", CLAIM: "tnc", EMAIL_CHANGE: "tne", SECOND_FACTOR: "tnf"}


class LinkNotFound(NotFound):
    code = "LINK_NOT_FOUND"


class LinkUsed(DomainError):
    code = "LINK_USED"
    kind = Kind.GONE


class LinkExpired(DomainError):
    code = "LINK_EXPIRED"
    kind = Kind.GONE


@dataclass(frozen=True, slots=True)
class IssuedLink:
    row: AccountLink
    token: str  # goes into the email (or the answer to a proved password), never stored


def issue(
    session: Session,
    purpose: str,
    *,
    email: str,
    user_id: str | None,
    payload: dict[str, Any] | None = None,
) -> IssuedLink:
    """A new link; earlier unspent links of the same purpose for the account (or, without
    one, the address) die, so only the latest mail works."""
    now = clock.now()
    owner = (
        AccountLink.user_id == user_id
        if user_id is not None
        else (AccountLink.email == email) & AccountLink.user_id.is_(None)
    )
    session.execute(
        update(AccountLink)
        .where(owner, AccountLink.purpose == purpose, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    issued = tokens.issue(KIND[purpose])
    row = AccountLink(
        lookup=issued.lookup,
        secret_hash=issued.secret_hash,
        purpose=purpose,
        user_id=user_id,
        email=email,
        payload=payload,
        created_at=now,
        expires_at=now + LIFETIME[purpose],
    )
    session.add(row)
    session.flush()
    return IssuedLink(row, issued.token)


def end_links(session: Session, user_id: str) -> None:
    """Spend every unspent link of the account, whatever its purpose: after a reset, a
    password change or a reclaim, no mail sent before (nor a pending second-factor step)
    may still act for it."""
    session.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user_id, AccountLink.used_at.is_(None))
        .values(used_at=clock.now())
    )


def find(session: Session, purpose: str, token: str, *, lock: bool = False) -> AccountLink:
    """The link a token names, whatever its state."""
    parsed = tokens.parse(KIND[purpose], token)
    if parsed is None:
        raise LinkNotFound("This link is not valid.")
    lookup, secret = parsed
    query = select(AccountLink).where(AccountLink.lookup == lookup, AccountLink.purpose == purpose)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None or not tokens.matches(secret, row.secret_hash):
        raise LinkNotFound("This link is not valid.")
    return row


def check_usable(row: AccountLink) -> None:
    if row.used_at is not None:
        raise LinkUsed("This link was used already (or a newer one was sent); ask for a new one.")
    if clock.now() >= row.expires_at:
        raise LinkExpired("This link has expired; ask for a new one.")


def spend(session: Session, purpose: str, token: str) -> AccountLink:
    """Take a usable link under its row lock and mark it used, in the caller's transaction:
    of two requests with one link, exactly one gets it."""
    row = find(session, purpose, token, lock=True)
    check_usable(row)
    row.used_at = clock.now()
    session.flush()
    return row


class LinkGuessing:
    """Secrets that name no link count against the client; past the limit every link
    lookup from it is refused (429) until the window moves on. Shared by every process."""

    def __init__(self, store: WindowStore, *, limit: int = 30, window_seconds: float = 900):
        self.misses = Throttle(store, "account-link-miss", limit, window_seconds)

    def admit(self, db: Database, purpose: str, token: str, client: str | None) -> None:
        """Call before the request's own transaction: it reads and counts in its own."""
        key = client or "-"
        wait = self.misses.retry_after(key)
        if wait is not None:
            raise TooManyAttempts(
                f"Too many invalid links; try again in {wait} seconds.", retry_after=wait
            )
        try:
            with db.reading() as s:
                find(s, purpose, token)
        except LinkNotFound:
            self.misses.hit(key)
            raise
