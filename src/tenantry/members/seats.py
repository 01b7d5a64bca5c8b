"""Seats: what counts against an organization's plan cap."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.invitations.models import PENDING, Invitation
from tenantry.members.errors import SeatLimit
from tenantry.members.models import Membership
from tenantry.orgs.models import Organization


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


def require_free(session: Session, org: Organization, adding: int = 1) -> None:
    """Refuse (409 SEAT_LIMIT, with the numbers) when ``adding`` more seats do not fit the
    plan. The caller holds the organization's write lock, so the count stays true."""
    if org.seat_cap is None:
        return
    used = seats_used(session, org.id)
    if used + adding > org.seat_cap:
        raise SeatLimit(
            f"The plan allows {org.seat_cap} seats and {used} are taken (members and pending "
            f"invitations); {adding} more do not fit. Cancel an unused invitation or remove a "
            "member first.",
            seat_cap=org.seat_cap,
            seats_used=used,
            requested=adding,
        )
