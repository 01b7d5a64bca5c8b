"""The change feed: an organization's changes in revision order, from a cursor.

Every write bumps the organization's revision once, with its one audit event, while it holds
the organization's row (``writes.record``): revisions are handed out in commit order, so a
reader that has seen revision R has seen every change up to R, and ``revision > R`` is all
that is left. The cursor is that revision: resumable, nothing missed, nothing twice.

A reader with nothing new may wait (long-poll): it is woken by this process's commits
(``store.signals``) and looks again every ``POLL`` seconds for other processes' commits.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.audit.models import AuditEvent
from tenantry.errors import Invalid
from tenantry.orgs.models import Organization
from tenantry.store import signals

POLL = 0.5  # seconds between looks at the revision while waiting (other processes' writes)
MAX_WAIT = 30.0


class CursorAhead(Invalid):
    code = "CURSOR_AHEAD"


@dataclass(frozen=True, slots=True)
class Page:
    changes: list[AuditEvent]
    revision: int  # the organization's revision when read
    more: bool  # more changes wait after the last one given

    @property
    def cursor(self) -> int | None:
        return self.changes[-1].revision if self.changes else None


def changes_after(session: Session, org_id: str, after: int, *, limit: int) -> Page:
    """The changes with a revision above ``after``, oldest first, at most ``limit``."""
    revision = session.scalar(select(Organization.revision).where(Organization.id == org_id))
    if revision is None:
        revision = 0
    if after > revision:
        raise CursorAhead(
            f"The cursor {after} is ahead of the organization's revision {revision}: "
            "it was not given by this organization's feed.",
            field="after",
        )
    rows = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.org_id == org_id, AuditEvent.revision > after)
            .order_by(AuditEvent.revision)
            .limit(limit + 1)
        )
    )
    return Page(rows[:limit], int(revision), len(rows) > limit)


class Bell:
    """Wakes waiting readers when this process commits a change to their organization (one
    per process, like ``store.signals``); the waiting itself is bounded by ``POLL``."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]]
        self._waiting = {}
        self._lock = threading.Lock()
        signals.on_commit(self._rang)

    async def wait(self, org_id: str, seconds: float) -> None:
        """Until a commit to ``org_id`` in this process, or ``seconds``."""
        loop = asyncio.get_running_loop()
        entry = (loop, loop.create_future())
        with self._lock:
            self._waiting.setdefault(org_id, set()).add(entry)
        try:
            await asyncio.wait_for(asyncio.shield(entry[1]), timeout=seconds)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                waiting = self._waiting.get(org_id)
                if waiting is not None:
                    waiting.discard(entry)
                    if not waiting:
                        del self._waiting[org_id]

    def _rang(self, org_ids: set[str]) -> None:
        with self._lock:
            due = [entry for org in org_ids for entry in self._waiting.get(org, ())]
        for loop, future in due:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, future)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


BELL = Bell()
