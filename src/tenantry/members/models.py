"""Memberships and what they carry. Everything hangs off the membership row with ON DELETE
CASCADE, so removing a member removes every role, permission and resource grant at once.

A membership also carries its user's email and name in lower case (``email_key``,
``name_key``): the member list sorts, pages and searches by prefix on indexes of the
organization's own rows, so a page costs the same in an organization of 10 or 10,000
members. They are written with the membership, and a trigger on ``users`` (migration 0006)
rewrites them whenever an email or name changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry import clock
from tenantry.store.base import Base, UTCDateTime, id_column

# byte order on PostgreSQL too (SQLite compares bytes already): a prefix is one index range
SortKey = String(320).with_variant(String(320, collation="C"), "postgresql")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("org_id", "user_id"),
        Index("ix_memberships_org_id_email_key", "org_id", "email_key", "user_id"),
        Index("ix_memberships_org_id_name_key", "org_id", "name_key", "user_id"),
        Index("ix_memberships_org_id_created_at", "org_id", "created_at", "user_id"),
    )

    id: Mapped[str] = id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    email_key: Mapped[str] = mapped_column(SortKey, server_default="")
    name_key: Mapped[str] = mapped_column(SortKey, server_default="")


class MemberRole(Base):
    __tablename__ = "member_roles"
    __table_args__ = (
        UniqueConstraint("membership_id", "role"),
        # set to the role name only for unique roles (exactly one OWNER); NULLs never collide,
        # so this is a partial unique index that works on SQLite and PostgreSQL alike
        UniqueConstraint("org_id", "unique_slot"),
        # the holders of a role in one organization: last-owner counts, "who can"
        Index("ix_member_roles_org_id_role", "org_id", "role"),
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
    __table_args__ = (
        UniqueConstraint("membership_id", "permission"),
        # the holders of a direct permission: "who can", the last owner by permission
        Index("ix_member_permissions_permission", "permission", "membership_id"),
    )

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
