"""Signed-in sessions: server-side rows, revocable at once, with idle and absolute expiry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry import clock, tokens
from tenantry.accounts import links
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.guessing import PasswordGuesses
from tenantry.accounts.models import AuthSession, User
from tenantry.accounts.passwords import verify_password
from tenantry.accounts.trail import record_account
from tenantry.errors import DomainError, Invalid, Kind
from tenantry.store.db import Database
from tenantry.writes import Actor

TOKEN_KIND = "tns"
IDLE = timedelta(hours=24)
TOUCH_EVERY = timedelta(minutes=1)  # "last active" needs no finer grain
ABSOLUTE = timedelta(days=14)


class BadCredentials(DomainError):
    """Unknown email and wrong password look the same, so accounts cannot be enumerated."""

    code = "BAD_CREDENTIALS"
    kind = Kind.UNAUTHENTICATED


class SecondFactorRequired(DomainError):
    """The password was right and the account has two-factor sign-in: finish with a code
    and the ``challenge`` in the details (single use, five minutes)."""

    code = "SECOND_FACTOR_REQUIRED"
    kind = Kind.UNAUTHENTICATED


def device_of(user_agent: str | None) -> str | None:
    return user_agent[:300] if user_agent else None


@dataclass(frozen=True, slots=True)
class Signed:
    session: AuthSession
    user: User
    token: str


class SignIn:
    """Sign-in with throttling (``guessing.PasswordGuesses``): per account and client
    address, per account, and per address, counted in a store every process shares."""

    def __init__(self, guesses: PasswordGuesses) -> None:
        self.guesses = guesses

    def __call__(
        self,
        db: Database,
        *,
        email: str,
        password: str,
        ip: str | None,
        user_agent: str | None = None,
    ) -> Signed:
        """No database connection is held while the password is verified (argon2 is slow by
        design): the account is read in one short transaction and the session written in
        another, so a burst of sign-ins cannot drain the connection pool. An account with
        two-factor sign-in gets no session here: SecondFactorRequired carries a challenge
        for ``two_factor.finish_sign_in``."""
        try:
            address = normalize_email(email)
        except Invalid:
            address = email.strip().lower()
        self.guesses.check(address, ip, refusal="Too many failed sign-ins")
        with db.reading() as s:
            user = s.scalar(select(User).where(User.email == address))
            account = (user.id, user.password_hash) if user and user.is_active else None
        # verify even for an unknown (or deactivated) account, so every path takes the same time
        ok = verify_password(account[1] if account else None, password)
        if account is None or not ok:
            self.guesses.failed(address, ip)
            raise BadCredentials("Wrong email or password.")
        self.guesses.succeeded(address, ip)
        user_id, stored = account
        with db.transaction() as s:
            current = s.get(User, user_id)
            # deactivated, or the password changed, while the hash was being verified
            if current is None or not current.is_active or current.password_hash != stored:
                raise BadCredentials("Wrong email or password.")
            if current.totp_enabled_at is None:
                return start_session(s, current, ip=ip, user_agent=user_agent)
            challenge = links.issue(
                s,
                links.SECOND_FACTOR,
                email=current.email,
                user_id=current.id,
                payload={"user_agent": device_of(user_agent)},
            )
        raise SecondFactorRequired(
            "Enter the code from your authenticator app (or a recovery code).",
            challenge=challenge.token,
        )


def start_session(
    session: Session, user: User, *, ip: str | None, user_agent: str | None = None
) -> Signed:
    """A fresh session (a new id every time: no fixation)."""
    issued = tokens.issue(TOKEN_KIND)
    now = clock.now()
    row = AuthSession(
        lookup=issued.lookup,
        secret_hash=issued.secret_hash,
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE,
        ip=ip,
        user_agent=device_of(user_agent),
        csrf_token=secrets.token_urlsafe(32),
    )
    session.add(row)
    user.last_active_at = now
    record_account(
        session,
        actor=Actor(user.id, user.email, ip),
        user_id=user.id,
        action="account.signed_in",
        after={"device": row.user_agent},
    )
    session.flush()
    return Signed(row, user, issued.token)


def authenticate(session: Session, token: str) -> tuple[AuthSession, User] | None:
    """The live session a token names, and its user; else None. Reads only."""
    parsed = tokens.parse(TOKEN_KIND, token)
    if parsed is None:
        return None
    lookup, secret = parsed
    # one statement: this runs on every request a person makes
    found = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.lookup == lookup)
    ).first()
    if found is None:
        return None
    row, user = found
    if not tokens.matches(secret, row.secret_hash):
        return None
    now = clock.now()
    if row.revoked_at is not None or now >= row.expires_at or now >= row.last_seen_at + IDLE:
        return None
    if not user.is_active:
        return None
    return row, user


def resolve(db: Database, token: str) -> tuple[AuthSession, User] | None:
    """Authenticate in a read transaction (no write lock for every request), then refresh
    "last seen" / "last active" in a short write of its own at most once a minute."""
    with db.reading() as s:
        found = authenticate(s, token)
        if found is None:
            return None
        s.expunge_all()
    row, user = found
    now = clock.now()
    if now - row.last_seen_at > TOUCH_EVERY:
        with db.transaction() as s:
            s.execute(update(AuthSession).where(AuthSession.id == row.id).values(last_seen_at=now))
            s.execute(update(User).where(User.id == user.id).values(last_active_at=now))
        row.last_seen_at = user.last_active_at = now
    return row, user


def end_session(session: Session, row: AuthSession) -> None:
    row.revoked_at = clock.now()


def end_all_sessions(session: Session, user_id: str, *, keep: str | None = None) -> int:
    """Revoke every live session of a user (but ``keep``); returns how many."""
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    result = session.execute(query.values(revoked_at=clock.now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def live_sessions(session: Session, user_id: str) -> list[AuthSession]:
    """The account's sessions that still let someone in, newest activity first."""
    now = clock.now()
    rows = session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
            AuthSession.last_seen_at > now - IDLE,
        )
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id)
    )
    return list(rows)


def end_one(session: Session, user_id: str, session_id: str) -> bool:
    """End one of the account's own sessions; False if it names none of them (or it had
    ended already)."""
    result = session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
