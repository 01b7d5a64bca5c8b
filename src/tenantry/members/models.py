"""Memberships and what they carry. Everything hangs off the membership row with ON DELETE
CASCADE, so removing a member removes every role, permission and resource grant at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry import clock
from tenantry.store.base import Base, UTCDateTime, id_column


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[str] = id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MemberRole(Base):
    __tablename__ = "member_roles"
    __table_args__ = (
        UniqueConstraint("membership_id", "role"),
        # set to the role name only for unique roles (exactly one OWNER); NULLs never collide,
        # so this is a partial unique index that works on SQLite and PostgreSQL alike
        UniqueConstraint("org_id", "unique_slot"),
    )

    id: Mapped[str] = id_column()
    membership_id: Mapped[str] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))
    unique_slot: Mapped[str | None] = mapped_column(String(64))


class MemberPermission(Base):
    __tablename__ = "member_permissions"
    __table_args__ = (UniqueConstraint("membership_id", "permission"),)

    id: Mapped[str] = id_column()
    membership_id: Mapped[str] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    permission: Mapped[str] = mapped_column(String(128))


class CrossOrgRole(Base):
    """A role held on an organization the user is not (necessarily) a member of."""

    __tablename__ = "cross_org_roles"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id", "role"),
        Index("ix_cross_org_roles_user_id", "user_id"),
    )

    id: Mapped[str] = id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(64))
    granted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
