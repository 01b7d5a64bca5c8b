"""Reading pending invitations: every one (the dashboard, the CLI) or one page at a time
(the API), newest first.

A page walks the index on (org_id, status, created_at, id) from its cursor, so it costs the
same with ten pending invitations or ten thousand; the cursor is the last row's (created_at,
id). Whoever calls these has checked that the caller may see the organization's
invitations; nothing here reads outside ``org_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, literal, select, tuple_
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.accounts.models import User
from tenantry.errors import Invalid
from tenantry.invitations.models import PENDING, Invitation
from tenantry.store import cursors

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class InvitationPage:
    items: list[Invitation]
    next_cursor: str | None  # pass back as ``cursor`` for the page after this one


def _live(org_id: str) -> tuple[ColumnElement[bool], ...]:
    return (
        Invitation.org_id == org_id,
        Invitation.status == PENDING,
        Invitation.expires_at > clock.now(),
    )


_NEWEST_FIRST = (Invitation.created_at.desc(), Invitation.id.desc())


def pending(session: Session, org_id: str) -> list[Invitation]:
    """Pending, unexpired invitations, newest first."""
    return list(session.scalars(select(Invitation).where(*_live(org_id)).order_by(*_NEWEST_FIRST)))


def pending_page(
    session: Session, org_id: str, *, cursor: str | None = None, limit: int = 100
) -> InvitationPage:
    """One page of :func:`pending`: ``limit`` + 1 rows along the index, one query. An
    invitation sent while a client pages is on no later page (it is newer than the cursor);
    one cancelled or accepted meanwhile is simply not listed."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"A page holds 1 to {MAX_PAGE} invitations.")
    query = select(Invitation).where(*_live(org_id))
    if cursor is not None:
        raw_when, raw_id = cursors.decode(cursor, str, str)
        assert isinstance(raw_when, str) and isinstance(raw_id, str)
        when = cursors.instant(raw_when)
        here = tuple_(Invitation.created_at, Invitation.id)
        there = tuple_(
            literal(when, Invitation.created_at.type), literal(raw_id, Invitation.id.type)
        )
        query = query.where(here < there)
    rows = list(session.scalars(query.order_by(*_NEWEST_FIRST).limit(limit + 1)))
    if len(rows) <= limit:
        return InvitationPage(rows, None)
    last = rows[limit - 1]
    return InvitationPage(rows[:limit], cursors.encode(last.created_at.isoformat(), last.id))


def inviter_emails(session: Session, invitations: list[Invitation]) -> dict[str, str]:
    """The email of each inviting user of ``invitations`` (user id -> email), in one read."""
    ids = {inv.invited_by for inv in invitations if inv.invited_by}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())
