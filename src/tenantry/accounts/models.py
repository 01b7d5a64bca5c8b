from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry import clock
from tenantry.store.base import Base, UTCDateTime, id_column


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    # normalised (see accounts.emails.normalize_email); the unique index makes it the identity
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # set once a link mailed to the address was used (verification, reset, invitation link)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP: the shared secret sealed with the deployment key; enabled once a code was proved
    totp_secret_sealed: Mapped[str | None] = mapped_column(Text)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the last time step whose code was accepted: a code works once, not for its whole window
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None


class AuthSession(Base):
    """A signed-in session: a browser cookie or a bearer token. Revoked server-side at once."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = id_column()
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute expiry
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    csrf_token: Mapped[str] = mapped_column(String(64))


class AccountLink(Base):
    """A single-use secret mailed (or handed) to an account's holder: verify the address,
    reset the password, claim an address from an unverified account, finish a two-factor
    sign-in. Only the SHA-256 of the secret is kept; ``used_at`` spends it."""

    __tablename__ = "account_links"
    __table_args__ = (Index("ix_account_links_user_id_purpose", "user_id", "purpose"),)

    id: Mapped[str] = id_column()
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    # what the link finishes (a claim's sign-up: name, password hash, organization name)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """A two-factor recovery code: shown once, kept as a SHA-256, spent by use."""

    __tablename__ = "recovery_codes"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
