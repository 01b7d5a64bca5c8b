"""Forgotten passwords: a reset link mailed to the address (single use, one hour), asked
for with the same answer whether the address has an account or not, and throttled per
address and per client in the store every process shares."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.accounts import links, two_factor
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.mail import AccountMail
from tenantry.accounts.models import User
from tenantry.accounts.passwords import HashedPassword
from tenantry.accounts.sessions import end_all_sessions
from tenantry.accounts.trail import record_account
from tenantry.accounts.verification import mark_verified
from tenantry.writes import Actor


def request_reset(session: Session, mail: AccountMail, *, email: str) -> str | None:
    """Queue a reset link to an active account's address; the outbox message id, or None
    when the address has no account (the caller answers the same either way)."""
    address = normalize_email(email)
    user = session.scalar(select(User).where(User.email == address))
    if user is None or not user.is_active:
        return None
    link = links.issue(session, links.RESET, email=address, user_id=user.id)
    return mail.reset(session, to=address, token=link.token)


def complete_reset(
    session: Session, *, token: str, password: HashedPassword, ip: str | None
) -> tuple[User, int]:
    """Set the new password (hashed before this transaction), end every session of the
    account, and count the address as proved: the link came to it. Returns the user and
    how many sessions ended."""
    row = links.spend(session, links.RESET, token)
    user = session.get(User, row.user_id) if row.user_id else None
    if user is None or not user.is_active or user.email != row.email:
        raise links.LinkNotFound("This link is not valid.")
    user.password_hash = password.value
    ended = end_all_sessions(session, user.id)
    links.end_links(session, user.id)  # a pending second-factor step, older mails
    # an address never proved until now: whoever set up a second factor on the account was
    # not shown to hold the mailbox, so that factor goes (the prover sets up their own)
    second_factor_removed = not user.is_verified and two_factor.forget(session, user)
    actor = Actor(user.id, user.email, ip)
    record_account(
        session,
        actor=actor,
        user_id=user.id,
        action="account.password_reset",
        after={"ended_sessions": ended, "second_factor_removed": second_factor_removed},
    )
    mark_verified(session, user, actor=actor, how="password reset link")
    return user, ended
