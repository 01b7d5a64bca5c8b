"""After a transaction commits, tell listeners which organizations it changed.

Services mark an organization changed in the same transaction that bumps its revision; the
permission cache listens here, so a committed removal is never answered from a stale entry
in this process.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

Listener = Callable[[set[str]], None]
_listeners: list[Listener] = []
_KEY = "tenantry.changed_orgs"


def mark_changed(session: Session, org_id: str) -> None:
    session.info.setdefault(_KEY, set()).add(org_id)


def on_commit(listener: Listener) -> None:
    _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    changed = session.info.pop(_KEY, None)
    if changed:
        for listener in list(_listeners):
            listener(changed)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)
