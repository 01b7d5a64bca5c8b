"""Seats: what counts against an organization's plan cap."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.invitations.models import PENDING, Invitation
from tenantry.members.models import Membership


def seats_used(session: Session, org_id: str) -> int:
    """Members plus pending, unexpired invitations (Distribu: "Pending invites count toward
    that limit"). An expired or cancelled invitation frees its seat."""
    members = session.scalar(
        select(func.count()).select_from(Membership).where(Membership.org_id == org_id)
    )
    invited = session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.org_id == org_id,
            Invitation.status == PENDING,
            Invitation.expires_at > clock.now(),
        )
    )
    return (members or 0) + (invited or 0)
