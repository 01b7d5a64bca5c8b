"""The audit trail is a hash chain per organization: an edited, removed or reordered row is
reported at the first link that no longer holds."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, text, update

from tenantry.audit import chain
from tenantry.audit.models import AuditEvent
from tenantry.orgs.models import Organization
from tests.audit._racing import add_concurrently
from tests.factories import actor, add_member, make_org, make_user


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("distribu")


@pytest.fixture
def org(t):
    owner = make_user(t, "olive@example.com")
    org = make_org(t, owner, "Olive Co")
    for n in range(4):
        add_member(t, org, make_user(t, f"m{n}@example.com"), ["member"], by=owner)
    return org


def verdict(t, org, anchor=None):
    with t.db.reading() as s:
        return chain.verify(s, org.id, anchor=anchor)


def seqs(t, org):
    with t.db.reading() as s:
        return list(
            s.scalars(
                select(AuditEvent.seq).where(AuditEvent.org_id == org.id).order_by(AuditEvent.seq)
            )
        )


def test_every_event_of_an_organization_is_chained_in_order(t, org):
    found = verdict(t, org)
    assert found.intact, found.broken
    assert seqs(t, org) == list(range(1, found.checked + 1))
    assert found.head_seq == found.checked == 5  # created + four members added
    with t.db.reading() as s:
        last = s.scalar(select(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.seq == 5))
        first = s.scalar(select(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.seq == 1))
    assert found.head_hash == last.hash
    assert first.prev_hash == chain.GENESIS


def test_an_event_edited_in_the_database_is_caught_at_its_place(t, org):
    with t.db.transaction() as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.org_id == org.id, AuditEvent.seq == 3)
            .values(actor="someone-else@example.com")
        )
    found = verdict(t, org)
    assert not found.intact
    assert found.broken.seq == 3
    assert "edited" in found.broken.problem
    assert found.checked == 2


def test_an_edited_json_change_is_caught(t, org):
    with t.db.transaction() as s:
        s.execute(
            text("UPDATE audit_events SET after = :after WHERE org_id = :org AND seq = 2"),
            {"after": '{"roles": ["OWNER"]}', "org": org.id},
        )
    assert verdict(t, org).broken.seq == 2


def test_an_edited_revision_is_caught(t, org):
    """The revision is the change feed's cursor: moving an event in the feed is an edit."""
    with t.db.transaction() as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.org_id == org.id, AuditEvent.seq == 2)
            .values(revision=AuditEvent.revision + 1000)
        )
    found = verdict(t, org)
    assert (found.broken.seq, "edited" in found.broken.problem) == (2, True)


def test_a_chain_hashed_before_the_revision_was_covered_still_verifies(t, org):
    """Chains written by earlier releases (format v1, no revision) verify as they are, and
    an edit in them is still caught."""
    with t.db.transaction() as s:
        prev = chain.GENESIS
        for event in s.scalars(
            select(AuditEvent).where(AuditEvent.org_id == org.id).order_by(AuditEvent.seq)
        ):
            old = chain.digest(chain.fields_of(event), prev, "tenantry-audit-v1")
            assert old != event.hash  # new events are hashed with the revision
            event.prev_hash, event.hash, prev = prev, old, old
        s.execute(update(Organization).where(Organization.id == org.id).values(audit_head=prev))
    assert verdict(t, org).intact
    with t.db.transaction() as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.org_id == org.id, AuditEvent.seq == 2)
            .values(actor="someone-else@example.com")
        )
    assert verdict(t, org).broken.seq == 2


def test_an_edited_event_with_its_hash_recomputed_breaks_the_next_link(t, org):
    with t.db.transaction() as s:
        row = s.scalar(select(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.seq == 2))
        row.actor = "forger@example.com"
        row.hash = chain.digest(chain.fields_of(row), row.prev_hash)
    found = verdict(t, org)
    assert found.broken.seq == 3
    assert "link" in found.broken.problem


def test_a_removed_event_is_reported_missing(t, org):
    with t.db.transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.seq == 4))
    found = verdict(t, org)
    assert found.broken.seq == 4
    assert "missing" in found.broken.problem


def test_removing_the_newest_events_leaves_a_chain_shorter_than_its_head(t, org):
    with t.db.transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.org_id == org.id, AuditEvent.seq >= 4))
    found = verdict(t, org)
    assert found.broken.seq == 4
    assert "removed" in found.broken.problem


def test_a_chain_rewritten_with_its_head_is_caught_only_by_an_anchor(t, org):
    with t.db.reading() as s:
        anchor = chain.at_head(s, org.id)
    # the forger rewrites event 2 and every hash after it, and the head on the org row
    with t.db.transaction() as s:
        rows = list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.org_id == org.id).order_by(AuditEvent.seq)
            )
        )
        rows[1].actor = "forger@example.com"
        prev = rows[0].hash
        for row in rows[1:]:
            row.prev_hash = prev
            row.hash = chain.digest(chain.fields_of(row), prev)
            prev = row.hash
        s.execute(update(Organization).where(Organization.id == org.id).values(audit_head=prev))
    assert verdict(t, org).intact
    found = verdict(t, org, anchor=anchor)
    assert found.broken.seq == anchor[0]
    assert "anchored" in found.broken.problem


def test_refused_requests_are_chained_too(t, org):
    from tenantry.writes import record_denial

    with t.db.transaction() as s:
        record_denial(
            s, actor=actor(make_user(t)), org_id=org.id, action="x", code="DENIED", detail={}
        )
    found = verdict(t, org)
    assert found.intact and found.checked == 6


def test_the_head_survives_the_organization_and_its_trail_still_verifies(t, org):
    owner = make_user(t, "solo@example.com")
    gone = make_org(t, owner, "Gone Co")
    from tenantry.orgs.service import delete_org

    with t.db.transaction() as s:
        delete_org(s, t.authz, actor=actor(owner), org_id=gone.id)
    found = verdict(t, gone)
    assert found.intact and found.checked == 2 and found.head_seq is None


def test_concurrent_writes_to_one_organization_keep_one_unbroken_chain(t):
    owner = make_user(t, "busy@example.com")
    org = make_org(t, owner, "Busy Co", seat_cap=50)
    people = [make_user(t, f"busy{n}@example.com") for n in range(24)]
    errors = add_concurrently(t, org, owner, people, threads=6)
    assert errors == []
    found = verdict(t, org)
    assert found.intact, found.broken
    assert found.checked == 25


def test_refusals_racing_with_writes_keep_one_unbroken_chain(t):
    """A refusal takes no organization lock for a change, yet takes its place in the chain
    under the organization's row lock: racing refusals never share a place (red on
    PostgreSQL with that lock removed from writes.record_denial: a duplicate seq)."""
    from tenantry.writes import record_denial

    owner = make_user(t, "racer@example.com")
    org = make_org(t, owner, "Racing Refusals", seat_cap=50)
    stranger = actor(make_user(t))
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def refuse():
        start.wait()
        for _ in range(5):
            try:
                with t.db.transaction() as s:
                    record_denial(
                        s, actor=stranger, org_id=org.id, action="x", code="NO", detail={}
                    )
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=refuse) for _ in range(5)]
    threads.append(
        threading.Thread(
            target=lambda: (
                start.wait(),
                add_concurrently(t, org, owner, [make_user(t) for _ in range(5)], threads=1),
            )
        )
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found = verdict(t, org)
    assert found.intact, found.broken
    assert found.checked == 1 + 25 + 5
