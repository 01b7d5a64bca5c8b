"""The change feed gives every revision-bumping change once, in order, from any cursor, even
while writers race: a reader that has seen revision R has seen everything up to R."""

from __future__ import annotations

import threading

import pytest

from tenantry.audit import changes as feed
from tests.audit._racing import add_concurrently
from tests.factories import actor, add_member, make_org, make_user


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("distribu")


def read(t, org_id, after, limit=3):
    with t.db.reading() as s:
        return feed.changes_after(s, org_id, after, limit=limit)


def test_changes_come_in_revision_order_from_the_cursor(t):
    owner = make_user(t, "olive@example.com")
    org = make_org(t, owner, "Olive Co")
    bob = make_user(t, "bob@example.com")
    add_member(t, org, bob, ["member"], by=owner)
    page = read(t, org.id, 0, limit=10)
    assert [(c.revision, c.action) for c in page.changes] == [
        (2, "org.created"),
        (3, "member.added"),
    ]
    assert page.revision == 3 and not page.more and page.cursor == 3
    assert read(t, org.id, 3).changes == []
    assert [c.action for c in read(t, org.id, 2).changes] == ["member.added"]


def test_a_refusal_is_not_a_change(t):
    from tenantry.writes import record_denial

    owner = make_user(t)
    org = make_org(t, owner, "Quiet")
    with t.db.transaction() as s:
        record_denial(s, actor=actor(owner), org_id=org.id, action="x", code="NO", detail={})
    assert [c.action for c in read(t, org.id, 0).changes] == ["org.created"]


def test_a_cursor_ahead_of_the_organization_is_refused(t):
    owner = make_user(t)
    org = make_org(t, owner, "Ahead")
    with pytest.raises(feed.CursorAhead, match="ahead"):
        read(t, org.id, 99)


def test_a_follower_misses_nothing_and_sees_nothing_twice_while_writers_race(t):
    owner = make_user(t, "race@example.com")
    org = make_org(t, owner, "Race", seat_cap=100)
    people = [make_user(t, f"r{n}@example.com") for n in range(30)]
    done = threading.Event()
    seen: list[int] = []

    def follow():
        cursor = 0
        while True:
            finished = done.is_set()
            page = read(t, org.id, cursor, limit=2)
            seen.extend(c.revision for c in page.changes)
            cursor = page.cursor or cursor
            if finished and not page.changes:
                return

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    assert add_concurrently(t, org, owner, people, threads=5) == []
    done.set()
    follower.join(timeout=60)
    assert not follower.is_alive(), "the follower never reached the end of the feed"
    assert seen == list(range(2, 2 + 1 + len(people)))
