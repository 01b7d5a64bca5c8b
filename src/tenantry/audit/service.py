"""Reading the audit trail. Events are written by ``tenantry.writes.record``, in the same
transaction as the change they describe; an organization's events are numbered by its hash
chain (``seq``), which is the order they happened in and the key pages are cut on."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from tenantry.audit.models import AuditEvent
from tenantry.errors import Invalid


@dataclass(frozen=True, slots=True)
class Filter:
    """Which events: any of these actors (user or API key ids), any of these actions
    (``member.*`` matches every member action), this target, in ``[since, until)``."""

    actors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise Invalid("The time range is empty: 'since' must come before 'until'.")
        for action in self.actions:
            if "*" in action.removesuffix(".*"):
                raise Invalid(f"{action!r}: a wildcard may only end an action ('member.*').")


EVERYTHING = Filter()


def make_filter(
    *,
    actors: Iterable[str] = (),
    actions: Iterable[str] = (),
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Filter:
    """A filter from what a person typed: blanks dropped, each name at most 64 characters,
    times without a zone taken as UTC."""
    actors, actions = tuple(a for a in actors if a), tuple(a for a in actions if a)
    if any(len(value) > 64 for value in (*actors, *actions)):
        raise Invalid("An actor id or an action is at most 64 characters.")
    return Filter(
        actors=actors,
        actions=actions,
        target_id=target_id or None,
        since=_utc(since),
        until=_utc(until),
    )


def parse_time(text: str, field: str) -> datetime | None:
    """An ISO 8601 instant as a form sends it ('2026-12-01T09:30'); blank is None."""
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a date and time like 2026-12-01T09:30.") from None


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _query(org_id: str, where: Filter) -> Select[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.org_id == org_id)
    if where.actors:
        query = query.where(AuditEvent.actor_id.in_(where.actors))
    if where.actions:
        exact = [a for a in where.actions if not a.endswith(".*")]
        prefixes = [a[:-1] for a in where.actions if a.endswith(".*")]
        query = query.where(
            or_(
                AuditEvent.action.in_(exact),
                *(AuditEvent.action.startswith(p, autoescape=True) for p in prefixes),
            )
        )
    if where.target_id is not None:
        query = query.where(AuditEvent.target_id == where.target_id)
    if where.since is not None:
        query = query.where(AuditEvent.occurred_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.occurred_at < where.until)
    return query


def events(
    session: Session,
    org_id: str,
    where: Filter = EVERYTHING,
    *,
    limit: int = 100,
    before_seq: int | None = None,
) -> list[AuditEvent]:
    """One page of an organization's events, newest first; ``before_seq`` continues after
    the last event of the previous page (keyset pagination: a page costs the same however
    deep it is, and events written meanwhile neither shift nor repeat it)."""
    query = _query(org_id, where)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    query = query.order_by(AuditEvent.seq.desc()).limit(limit)
    return list(session.scalars(query))


def stream(session: Session, org_id: str, where: Filter = EVERYTHING) -> Generator[AuditEvent]:
    """Every matching event, oldest first, read in batches with a server-side cursor (an
    export of millions of events holds one batch in memory at a time)."""
    query = _query(org_id, where).order_by(AuditEvent.seq.asc())
    result = session.scalars(query.execution_options(stream_results=True, yield_per=500))
    try:
        for batch in result.partitions():
            yield from batch
            for event in batch:
                session.expunge(event)
    finally:  # an export the client abandons closes the server-side cursor at once
        result.close()
