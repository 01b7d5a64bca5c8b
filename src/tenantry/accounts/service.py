"""User accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.models import User
from tenantry.accounts.passwords import hash_password, verify_password
from tenantry.errors import Conflict, DomainError, Kind, NotFound
from tenantry.text import display_name


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"


def create_user(session: Session, *, email: str, name: str, password: str | None) -> User:
    """A new account; the email is normalised and must be free."""
    address = normalize_email(email)
    name = display_name(name, "An account")
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise EmailTaken("An account with this email already exists.")
    user = User(
        email=address,
        name=name,
        password_hash=hash_password(password) if password is not None else None,
    )
    session.add(user)
    session.flush()
    return user


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


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Set a new password after proving the current one."""
    if not verify_password(user.password_hash, current):
        raise WrongPassword("The current password is not right.")
    user.password_hash = hash_password(new)
