"""Filters (actor, actions, target, time range) and keyset pages over an organization's trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tenantry import clock
from tenantry.apikeys import service as apikeys
from tenantry.audit import service as audit
from tenantry.errors import Invalid
from tenantry.members import service as members
from tenantry.writes import Actor
from tests.factories import actor, add_member, make_org, make_user

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("distribu")


@pytest.fixture
def world(t):
    """Olive creates the org at T0, adds Bob at T0+1h, makes him ADMIN at T0+2h; a key made
    by Olive at T0+3h revokes nothing but creates a second key at T0+4h."""
    moments = iter(T0 + timedelta(hours=h) for h in range(10))
    clock.set_clock(lambda: current[0])
    current = [next(moments)]
    try:
        olive = make_user(t, "olive@example.com", name="Olive")
        bob = make_user(t, "bob@example.com", name="Bob")
        org = make_org(t, olive, "Olive Co")
        current[0] = next(moments)
        add_member(t, org, bob, ["member"], by=olive)
        current[0] = next(moments)
        with t.db.transaction() as s:
            members.change_roles(
                s, t.authz, actor=actor(olive), org_id=org.id, user_id=bob.id, roles=["admin"]
            )
        current[0] = next(moments)
        with t.db.transaction() as s:
            key, _ = apikeys.create_key(
                s, t.authz, actor=actor(olive), org_id=org.id, name="CI", roles=["admin"]
            )
        current[0] = next(moments)
        with t.db.transaction() as s:
            apikeys.create_key(
                s,
                t.authz,
                actor=Actor(user_id=None, label=f"api-key:{key.name}", key_id=key.id),
                org_id=org.id,
                name="made by a key",
                roles=["member"],
            )
    finally:
        clock.set_clock(None)
    return {"org": org, "olive": olive, "bob": bob, "key": key}


def actions(t, world, **where):
    with t.db.reading() as s:
        found = audit.events(s, world["org"].id, audit.make_filter(**where))
    return [e.action for e in found]


def test_events_are_listed_newest_first(t, world):
    assert actions(t, world) == [
        "api_key.created",
        "api_key.created",
        "member.roles_changed",
        "member.added",
        "org.created",
    ]


def test_filter_by_an_acting_user_or_an_api_key(t, world):
    assert actions(t, world, actors=[world["key"].id]) == ["api_key.created"]
    assert len(actions(t, world, actors=[world["olive"].id])) == 4
    assert len(actions(t, world, actors=[world["olive"].id, world["key"].id])) == 5
    assert actions(t, world, actors=[world["bob"].id]) == []


def test_filter_by_several_actions_and_by_a_family(t, world):
    assert actions(t, world, actions=["member.added", "org.created"]) == [
        "member.added",
        "org.created",
    ]
    assert actions(t, world, actions=["member.*"]) == ["member.roles_changed", "member.added"]


def test_a_family_wildcard_is_not_a_like_pattern(t, world):
    assert actions(t, world, actions=["member_.*"]) == []
    assert actions(t, world, actions=["%.*"]) == []


def test_filter_by_target(t, world):
    assert actions(t, world, target_id=world["bob"].id) == [
        "member.roles_changed",
        "member.added",
    ]


def test_time_range_includes_since_and_excludes_until(t, world):
    since, until = T0 + timedelta(hours=1), T0 + timedelta(hours=3)
    assert actions(t, world, since=since, until=until) == ["member.roles_changed", "member.added"]


def test_a_naive_time_is_taken_as_utc(t, world):
    naive = (T0 + timedelta(hours=4)).replace(tzinfo=None)
    assert actions(t, world, since=naive) == ["api_key.created"]


def test_an_empty_time_range_or_a_wildcard_inside_an_action_is_refused():
    with pytest.raises(Invalid, match="since"):
        audit.make_filter(since=T0, until=T0)
    with pytest.raises(Invalid, match="wildcard"):
        audit.make_filter(actions=["member.*.x"])
    with pytest.raises(Invalid, match="64"):
        audit.make_filter(actions=["x" * 65])
    with pytest.raises(Invalid, match="2026-12-01T09:30"):
        audit.parse_time("yesterday", "From")


def test_keyset_pages_neither_repeat_nor_miss_while_events_are_written(t):
    owner = make_user(t, "pager@example.com")
    org = make_org(t, owner, "Pages", seat_cap=100)
    for n in range(11):
        add_member(t, org, make_user(t, f"p{n}@example.com"), ["member"], by=owner)
    seen: list[int] = []
    before = None
    while True:
        with t.db.reading() as s:
            page = audit.events(s, org.id, limit=4, before_seq=before)
        if not page:
            break
        seen += [e.seq for e in page]
        before = page[-1].seq
        # a write between pages goes on top: it shifts nothing already paged
        add_member(t, org, make_user(t), ["member"], by=owner)
    assert seen == list(range(12, 0, -1))
