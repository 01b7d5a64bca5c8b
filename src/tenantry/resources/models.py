from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry import clock
from tenantry.store.base import Base, UTCDateTime, id_column


class Resource(Base):
    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("org_id", "type", "name"),
        Index("ix_resources_org_id_type", "org_id", "type"),
    )

    id: Mapped[str] = id_column()
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    visibility: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ResourceGrant(Base):
    """A member's explicit role on one resource (one role per member and resource)."""

    __tablename__ = "resource_grants"
    __table_args__ = (UniqueConstraint("membership_id", "resource_id"),)

    id: Mapped[str] = id_column()
    membership_id: Mapped[str] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(64))


class ResourceExclusion(Base):
    """A derived (member, resource) role removed by hand; it sticks until added back."""

    __tablename__ = "resource_exclusions"
    __table_args__ = (UniqueConstraint("membership_id", "resource_id", "role"),)

    id: Mapped[str] = id_column()
    membership_id: Mapped[str] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    resource_id: Mapped[str] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(64))
