"""Finding an invitation by its link, with guessing throttled per client address. One guard
serves every edge (API and dashboard), so a guesser gets one budget, not one per edge."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tenantry.accounts.ratelimit import SlidingWindow
from tenantry.accounts.sessions import TooManyAttempts
from tenantry.invitations.errors import InvitationNotFound
from tenantry.invitations.models import Invitation
from tenantry.invitations.service import find_by_token


class LinkGuard:
    def __init__(self, limit: int = 30, window_seconds: float = 900) -> None:
        self.misses = SlidingWindow(limit, window_seconds)

    def find(self, session: Session, token: str, client: str | None) -> Invitation:
        """The invitation the link names; InvitationNotFound counts against ``client``, and
        past the limit every lookup is refused (429) until the window moves on."""
        key = client or "-"
        wait = self.misses.retry_after(key)
        if wait is not None:
            raise TooManyAttempts(
                f"Too many invalid invitation links; try again in {wait} seconds.",
                retry_after=wait,
            )
        try:
            return find_by_token(session, token)
        except InvitationNotFound:
            self.misses.hit(key)
            raise
