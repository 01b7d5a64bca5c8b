"""Changing an account's address: proved by the password, then by a link mailed to the new
address. The account keeps its old address until the link is used; using it ends every
other session."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.accounts import links
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.mail import AccountMail
from tenantry.accounts.models import User
from tenantry.accounts.sessions import end_all_sessions
from tenantry.accounts.trail import record_account
from tenantry.accounts.verification import reclaim
from tenantry.writes import Actor


def request(
    session: Session, mail: AccountMail, *, user_id: str, new_email: str
) -> tuple[str, str | None]:
    """The normalised new address, and the confirmation mail to send (None when a
    confirmed account has the address already: it is told nothing, nor is the asker)."""
    address = normalize_email(new_email)
    holder = session.scalar(select(User).where(User.email == address))
    if holder is not None and (holder.is_verified or holder.id == user_id):
        return address, None
    link = links.issue(
        session, links.EMAIL_CHANGE, email=address, user_id=user_id, payload={"to": address}
    )
    return address, mail.email_change(session, to=address, token=link.token)


def confirm(session: Session, *, token: str, user_id: str, keep: str | None, ip: str | None) -> int:
    """Take the new address (from an unverified account that held it meanwhile, if any);
    returns how many other sessions ended."""
    row = links.spend(session, links.EMAIL_CHANGE, token)
    user = session.get(User, user_id)
    if user is None or row.user_id != user_id or not user.is_active:
        raise links.LinkNotFound("This link is not valid.")
    actor = Actor(user.id, user.email, ip)
    reclaim(session, address=row.email, actor=actor, how="email change confirmed by link")
    before = user.email
    user.email = row.email
    user.email_verified_at = row.used_at
    ended = end_all_sessions(session, user.id, keep=keep)
    record_account(
        session,
        actor=actor,
        user_id=user.id,
        action="account.email_changed",
        before={"email": before},
        after={"email": user.email, "ended_sessions": ended},
    )
    return ended
