"""Verified addresses: an account proves its address by using a link mailed to it (the
verification link, a password reset, an invitation link). Until then it can sign in and
use what it made, but nothing is given to it by email: it cannot be granted a role by
address, and its address can be reclaimed by whoever proves the mailbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.accounts import links
from tenantry.accounts.models import User
from tenantry.accounts.service import EmailTaken
from tenantry.accounts.sessions import end_all_sessions
from tenantry.accounts.trail import record_account
from tenantry.errors import Conflict
from tenantry.writes import Actor


class EmailUnverified(Conflict):
    """Something is given by email to an account that never proved its address."""

    code = "EMAIL_UNVERIFIED"


class AlreadyVerified(Conflict):
    code = "ALREADY_VERIFIED"


def mark_verified(session: Session, user: User, *, actor: Actor, how: str) -> bool:
    """Record that the address is proved (``how``: the kind of link); False if it was."""
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = clock.now()
    record_account(
        session, actor=actor, user_id=user.id, action="account.verified", after={"by": how}
    )
    return True


def verify(session: Session, token: str, *, ip: str | None) -> User:
    """Use a verification link. It is spent only if the account still has the address the
    link was sent to (an email change since then makes it void)."""
    row = links.spend(session, links.VERIFY, token)
    user = session.get(User, row.user_id) if row.user_id else None
    if user is None or not user.is_active or user.email != row.email:
        raise links.LinkNotFound("This link is not valid.")
    mark_verified(session, user, actor=Actor(user.id, user.email, ip), how="verification link")
    return user


def has_verified_account(session: Session, address: str) -> bool:
    """Whether a confirmed account holds the address (an unverified one can lose it to
    whoever proves the mailbox, so a link's holder is offered to sign up)."""
    holder = session.scalar(select(User).where(User.email == address))
    return holder is not None and holder.is_verified


def require_verified(user: User, what: str) -> None:
    if not user.is_verified:
        raise EmailUnverified(
            f"{user.email} has not confirmed its email address yet; {what} by email only to "
            "a confirmed address. They can confirm it with the link they were mailed, or be "
            "invited (the invitation link confirms it)."
        )


def reclaim(session: Session, *, address: str, actor: Actor, how: str) -> User | None:
    """Whoever just proved ``address`` (a link mailed to it) takes it from an account that
    never did: that account is disabled, its sessions and links end, and the address is
    free for the prover's account. None when no account holds it; raises EmailTaken when a
    verified account does (the caller decides what its owner is told)."""
    holder = session.scalar(select(User).where(User.email == address).with_for_update())
    if holder is None:
        return None
    if holder.is_verified:
        raise EmailTaken("An account with this email already exists; sign in instead.")
    holder.is_active = False
    holder.email = f"reclaimed-{holder.id}@reclaimed.invalid"
    ended = end_all_sessions(session, holder.id)
    links.end_links(session, holder.id)
    session.flush()  # the address is free before the caller's account takes it
    record_account(
        session,
        actor=actor,
        user_id=holder.id,
        action="account.reclaimed",
        target=address,
        before={"email": address, "active": True},
        after={"active": False, "ended_sessions": ended, "by": how},
    )
    return holder
