"""The tamper-evident audit chain: one chain per organization.

Each event of an organization carries its place in the chain (``seq``, 1, 2, 3...), the hash
of the event before it (``prev_hash``) and its own ``hash``: SHA-256 over a canonical JSON of
its content and ``prev_hash``. The organization row keeps the chain head (``audit_seq``,
``audit_head``), updated under the organization's row lock in the same transaction as the
event, so appending reads one row and never the trail. Editing, removing or reordering a
row breaks a link that ``verify`` reports; removing the newest rows leaves a chain shorter
than its head. An operator who keeps the head elsewhere (``anchor``) can also detect the
trail rewritten as a whole together with the head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry.audit.models import AuditEvent
from tenantry.orgs.models import Organization

GENESIS = "0" * 64  # the previous hash of an organization's first event


# every field the trail shows; the hash covers them and the link back. v2 added the
# organization revision the event's change made (the change feed's cursor).
HASHED = (
    "id",
    "org_id",
    "seq",
    "revision",
    "occurred_at",
    "actor_id",
    "actor",
    "ip",
    "action",
    "target_type",
    "target_id",
    "target",
    "before",
    "after",
)
FORMATS = {
    "tenantry-audit-v2": HASHED,
    "tenantry-audit-v1": tuple(f for f in HASHED if f != "revision"),
}
FORMAT = "tenantry-audit-v2"  # what new events are hashed with


def canonical(fields: Mapping[str, Any], prev_hash: str, fmt: str = FORMAT) -> bytes:
    """The bytes an event's hash covers: sorted-key JSON of its fields (the time in UTC to
    the microsecond, what every store keeps), the format name and ``prev_hash``."""
    content: dict[str, Any] = {name: fields[name] for name in FORMATS[fmt]}
    content["occurred_at"] = (
        content["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    )
    content["format"] = fmt
    content["prev_hash"] = prev_hash
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def digest(fields: Mapping[str, Any], prev_hash: str, fmt: str = FORMAT) -> str:
    return hashlib.sha256(canonical(fields, prev_hash, fmt)).hexdigest()


def hash_holds(fields: Mapping[str, Any], prev_hash: str, stored: str) -> bool:
    """Whether ``stored`` is the event's hash in the current format or, for an event written
    before it, in v1 (which did not cover ``revision``). An edited v2 event matches neither:
    its stored hash covers the revision, and v1's digest leaves it out."""
    return any(stored == digest(fields, prev_hash, fmt) for fmt in FORMATS)


def fields_of(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED}


def append(session: Session, event: AuditEvent, *, seq: int, prev_hash: str) -> None:
    """Put ``event`` after the chain head (``seq - 1``, ``prev_hash``) and move the head on.
    The caller holds the organization's row (``lock_org``, or the revision UPDATE)."""
    event.seq = seq
    event.prev_hash = prev_hash
    event.hash = digest(fields_of(event), prev_hash)
    session.execute(
        update(Organization)
        .where(Organization.id == event.org_id)
        .values(audit_seq=seq, audit_head=event.hash)
        .execution_options(synchronize_session=False)
    )
    loaded = session.identity_map.get(session.identity_key(Organization, event.org_id))
    if loaded is not None:
        session.expire(loaded, ["audit_seq", "audit_head"])


@dataclass(frozen=True, slots=True)
class Break:
    """The first link that does not hold."""

    seq: int
    event_id: str | None
    problem: str


@dataclass(frozen=True, slots=True)
class Verdict:
    org_id: str
    checked: int  # events whose links were checked
    head_seq: int | None  # what the organization row says (None: the organization is gone)
    head_hash: str | None
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def walk(
    events: Iterable[Mapping[str, Any]],
    *,
    head: tuple[int, str] | None,
    anchor: tuple[int, str] | None,
) -> tuple[int, Break | None]:
    """Check events given in ``seq`` order: numbering without gaps from 1, each link to the
    one before, each hash over its content; then the head (and the operator's anchor)."""
    expected_seq, prev, checked = 1, GENESIS, 0
    anchor_seen = False
    for event in events:
        seq, event_id = event["seq"], event["id"]
        if seq != expected_seq:
            problem = (
                f"event {expected_seq} is missing (the next one is {seq})"
                if seq is not None and seq > expected_seq
                else f"event {event_id} is numbered {seq} where {expected_seq} belongs"
            )
            return checked, Break(expected_seq, event_id, problem)
        if event["prev_hash"] != prev:
            return checked, Break(seq, event_id, "its link to the previous event does not match")
        if not hash_holds(event, prev, event["hash"]):
            return checked, Break(
                seq, event_id, "its content does not match its hash (it was edited)"
            )
        if anchor is not None and anchor[0] == seq:
            anchor_seen = True
            if anchor[1] != event["hash"]:
                return checked, Break(seq, event_id, "its hash differs from the anchored one")
        checked += 1
        prev = event["hash"]
        expected_seq += 1
    last = expected_seq - 1
    if head is not None and (head[0] != last or (last > 0 and head[1] != prev)):
        if head[0] > last:
            problem = f"the chain ends at {last} but its head says {head[0]} (events removed)"
        else:
            problem = f"the chain head ({head[0]}) does not match its last event ({last})"
        return checked, Break(last + 1 if head[0] > last else last, None, problem)
    if anchor is not None and not anchor_seen:
        return checked, Break(anchor[0], None, f"the anchored event {anchor[0]} is missing")
    return checked, None


def chain_of(session: Session, org_id: str) -> Generator[Mapping[str, Any]]:
    """The organization's events in chain order (an unnumbered one first: it breaks the
    chain), streamed in batches as plain rows: a trail may hold millions."""
    table = AuditEvent.__table__
    query = (
        select(table)
        .where(table.c.org_id == org_id)
        .order_by(table.c.seq.asc().nulls_first(), table.c.id)
        .execution_options(yield_per=1000)
    )
    result = session.execute(query)
    try:
        for row in result:
            yield dict(row._mapping)
    finally:  # a walk that stops at a broken link closes the server-side cursor at once
        result.close()


def verify(session: Session, org_id: str, *, anchor: tuple[int, str] | None = None) -> Verdict:
    """Check the organization's chain; the first broken link, if any. ``anchor`` is a
    (seq, hash) the operator kept elsewhere; it must still be in the chain."""
    found = at_head(session, org_id)
    head = (found[0], found[1] or GENESIS) if found is not None else None
    with closing(chain_of(session, org_id)) as rows:
        checked, broken = walk(rows, head=head, anchor=anchor)
    return Verdict(
        org_id=org_id,
        checked=checked,
        head_seq=head[0] if head else None,
        head_hash=head[1] if head and head[0] else None,
        broken=broken,
    )


def at_head(session: Session, org_id: str) -> tuple[int, str | None] | None:
    """The organization's chain head (seq, hash) to anchor elsewhere; None if it is gone."""
    row = session.execute(
        select(Organization.audit_seq, Organization.audit_head).where(Organization.id == org_id)
    ).first()
    return (int(row.audit_seq), row.audit_head) if row is not None else None
