"""Finding an invitation by its link, with guessing throttled per client address. One guard
serves every edge (API and dashboard) and every process, so a guesser gets one budget, not
one per edge or per node."""

from __future__ import annotations

from tenantry.invitations.acceptance import find_by_token
from tenantry.invitations.errors import InvitationNotFound
from tenantry.store.db import Database
from tenantry.throttles.errors import TooManyAttempts
from tenantry.throttles.service import Throttle, WindowStore


class LinkGuard:
    def __init__(self, store: WindowStore, *, limit: int = 30, window_seconds: float = 900) -> None:
        self.misses = Throttle(store, "invitation-link-miss", limit, window_seconds)

    def admit(self, db: Database, token: str, client: str | None) -> None:
        """Let a link through if it names an invitation (in whatever state). A link that
        names none is InvitationNotFound and counts against ``client``; past the limit every
        lookup is refused (429) until the window moves on. Call it before opening the
        request's own transaction: it reads and counts in short transactions of its own."""
        key = client or "-"
        wait = self.misses.retry_after(key)
        if wait is not None:
            raise TooManyAttempts(
                f"Too many invalid invitation links; try again in {wait} seconds.",
                retry_after=wait,
            )
        try:
            with db.reading() as s:
                find_by_token(s, token)
        except InvitationNotFound:
            self.misses.hit(key)
            raise
