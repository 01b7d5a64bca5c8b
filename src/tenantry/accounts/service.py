"""User accounts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.accounts import links
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.guessing import PasswordGuesses
from tenantry.accounts.models import User
from tenantry.accounts.passwords import (
    HashedPassword,
    check_strength,
    hash_new_password,
    hash_password,
    verify_password,
)
from tenantry.errors import Conflict, DomainError, Kind, NotFound
from tenantry.store.db import Database
from tenantry.text import display_name


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"


def create_user(
    session: Session, *, email: str, name: str, password: HashedPassword | str | None
) -> User:
    """A new account; the email is normalised and must be free. Requests pass the password
    hashed already (``hash_new_password``, before their write transaction); a plain one is
    hashed here, inside the caller's transaction (scripts, tests)."""
    address = normalize_email(email)
    name = display_name(name, "An account")
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise EmailTaken("An account with this email already exists.")
    user = User(
        email=address,
        name=name,
        password_hash=_hash_of(password),
    )
    session.add(user)
    session.flush()
    return user


def _hash_of(password: HashedPassword | str | None) -> str | None:
    if isinstance(password, HashedPassword):
        return password.value
    return hash_password(password) if password is not None else None


def get_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def user_by_email(session: Session, email: str) -> User:
    user = find_by_email(session, email)
    if user is None:
        raise NotFound(f"No account with email {email}.")
    return user


def touch(session: Session, user: User) -> None:
    """Keep "last active" (Dystr's members table shows it)."""
    user.last_active_at = clock.now()


class WrongPassword(DomainError):
    code = "WRONG_PASSWORD"
    kind = Kind.FORBIDDEN


class PasswordChangedMeanwhile(Conflict):
    code = "PASSWORD_CHANGED"


@dataclass(frozen=True, slots=True)
class ProvenChange:
    """A password change whose current password was verified, not yet written."""

    user_id: str
    replaces: str  # the stored hash the current password was verified against
    new: HashedPassword


def prove_password_change(
    db: Database,
    guesses: PasswordGuesses,
    *,
    user_id: str,
    current: str,
    new: str,
    ip: str | None,
) -> ProvenChange:
    """Verify the current password and hash the new one with no connection held (argon2
    twice: about a second). Wrong current passwords spend the sign-in budgets of the
    account and client (``guesses``), so a stolen session cannot guess without limit."""
    check_strength(new)  # a refusal that costs nothing: not a guess, and no hash
    stored = prove_password(db, guesses, user_id=user_id, password=current, ip=ip)
    return ProvenChange(user_id, stored, hash_new_password(new))


def prove_password(
    db: Database, guesses: PasswordGuesses, *, user_id: str, password: str, ip: str | None
) -> str:
    """Check the account's current password with no connection held, counted like a
    sign-in (WrongPassword, or 429 past the budgets); returns the stored hash it matched."""
    with db.reading() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        account, stored = user.email, user.password_hash
    guesses.check(account, ip, refusal="Too many wrong passwords")
    ok = verify_password(stored, password)  # a dummy hash when there is none: same time
    if stored is None or not ok:
        guesses.failed(account, ip)
        raise WrongPassword("The current password is not right.")
    guesses.succeeded(account, ip)
    return stored


def apply_password_change(session: Session, change: ProvenChange) -> None:
    """Write a proven change, unless the password changed since it was verified: the
    current password that was proved is then no longer the current one."""
    result = session.execute(
        update(User)
        .where(User.id == change.user_id, User.password_hash == change.replaces)
        .values(password_hash=change.new.value)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PasswordChangedMeanwhile(
            "The password was changed by another request while this one was checked; "
            "nothing was changed here."
        )
    links.end_links(session, change.user_id)  # no mailed link or pending sign-in step outlives it
