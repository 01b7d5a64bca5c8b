"""Seats: what counts against an organization's plan cap."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry.members.models import Membership


def seats_used(session: Session, org_id: str) -> int:
    """Members of the organization."""
    return session.scalar(select(func.count()).select_from(Membership).where(Membership.org_id == org_id)) or 0
