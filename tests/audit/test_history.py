"""Access history: for any instant T, what the audit trail says a user could do and who could
do P equal a simple in-memory model of the same random sequence of grants, role changes,
removals and departures (hypothesis); each answer names the grant's event and who made it.

Shown red: with removal keeping the grants it revokes (``self.grants.clear()`` dropped from
``audit.grants.Holder.leave``), hypothesis finds a sequence where a removed member still holds a
role at a later instant."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantry import clock
from tenantry.audit import history
from tenantry.audit.models import AuditEvent
from tenantry.errors import Invalid
from tenantry.members import service as members
from tenantry.orgs.service import get_org
from tests.factories import actor, make_org, make_user

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PEOPLE = 3
ROLES = ("admin", "member")
_orgs = itertools.count(1)

ops = st.lists(
    st.tuples(
        st.sampled_from(("add", "change", "remove", "leave")),
        st.integers(0, PEOPLE - 1),
        st.sampled_from(ROLES),
    ),
    max_size=14,
)


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("distribu")


def run(t, owner, org, steps):
    """Apply the steps through the services at T0+1s, +2s, ...; the model's intervals:
    per person, (start, end, role) with end None while it lasts."""
    model: dict[int, list[list]] = {n: [] for n in range(PEOPLE)}
    now = [T0]
    clock.set_clock(lambda: now[0])
    try:
        for step, (op, who, role) in enumerate(steps, start=1):
            now[0] = T0 + timedelta(seconds=step)
            current = model[who][-1] if model[who] and model[who][-1][1] is None else None
            person = org["people"][who]
            with t.db.transaction() as s:
                if op == "add" and current is None:
                    members.add_member(
                        s,
                        t.authz,
                        actor=actor(owner),
                        org_id=org["id"],
                        user_id=person.id,
                        roles=[role],
                    )
                    model[who].append([now[0], None, role])
                elif op == "change" and current is not None and current[2] != role:
                    members.change_roles(
                        s,
                        t.authz,
                        actor=actor(owner),
                        org_id=org["id"],
                        user_id=person.id,
                        roles=[role],
                    )
                    current[1] = now[0]
                    model[who].append([now[0], None, role])
                elif op == "remove" and current is not None:
                    members.remove_members(
                        s, t.authz, actor=actor(owner), org_id=org["id"], user_ids=[person.id]
                    )
                    current[1] = now[0]
                elif op == "leave" and current is not None:
                    members.leave(s, t.authz, actor=actor(person), org_id=org["id"])
                    current[1] = now[0]
    finally:
        clock.set_clock(None)
    return model


def role_at(model, who, at):
    for start, end, role in model[who]:
        if start <= at and (end is None or at < end):
            return role
    return None


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=ops, probes=st.lists(st.integers(0, 16), min_size=1, max_size=6))
def test_access_at_any_instant_equals_the_model(t, steps, probes):
    owner = make_user(t)
    people = [make_user(t) for _ in range(PEOPLE)]
    clock.set_clock(lambda: T0)  # the organization (and its owner) from T0 on
    try:
        made = make_org(t, owner, f"History {next(_orgs)}", seat_cap=20)
    finally:
        clock.set_clock(None)
    org = {"id": made.id, "people": people}
    model = run(t, owner, org, steps)
    policy = t.policy
    remove_perm = "org.members.remove"  # ADMIN holds it, MEMBER does not
    for probe in probes:
        at = T0 + timedelta(seconds=probe, milliseconds=500)
        with t.db.reading() as s:
            found = get_org(s, made.id)
            _, holders = history.holders_of(s, policy, found, at, remove_perm)
            for who, person in enumerate(people):
                _, access = history.access_of(s, policy, found, at, person.id)
                expected = role_at(model, who, at)
                assert access.holder.member == (expected is not None), (steps, probe, who)
                assert access.holder.names(history.ROLE) == ({expected} if expected else set()), (
                    steps,
                    probe,
                    who,
                )
                if expected:
                    (grant,) = access.holder.grants.values()
                    assert grant.granted_by == owner.email
                    start = next(s for s, e, r in model[who] if s <= at and (e is None or at < e))
                    assert grant.since == start
        expected_holders = {owner.id} | {
            p.id for n, p in enumerate(people) if role_at(model, n, at) == "admin"
        }
        assert {h.user_id for h, _ in holders} == expected_holders, (steps, probe)


def test_an_answer_names_the_event_and_who_made_the_grant(t):
    owner = make_user(t, "olive@example.com")
    bob = make_user(t, "bob@example.com")
    clock.set_clock(lambda: T0)
    try:
        org = make_org(t, owner, "Olive Co")
        with t.db.transaction() as s:
            members.add_member(
                s, t.authz, actor=actor(owner), org_id=org.id, user_id=bob.id, roles=["admin"]
            )
    finally:
        clock.set_clock(None)
    with t.db.reading() as s:
        _, access = history.access_of(s, t.policy, get_org(s, org.id), T0, bob.id)
        (grant,) = access.holder.grants.values()
        event = s.get(AuditEvent, grant.event_id)
    assert (event.action, event.target_id, grant.granted_by) == (
        "member.added",
        bob.id,
        "olive@example.com",
    )
    removes = next(p for p in access.permissions if p.permission == "org.members.remove")
    assert removes.reasons == ("holds the organization role ADMIN",)
    assert [g.name for g in removes.grants] == ["admin"]


def test_before_the_organization_existed_nobody_could_do_anything(t):
    owner = make_user(t)
    org = make_org(t, owner, "Young")
    with t.db.reading() as s:
        _, holders = history.holders_of(
            s, t.policy, get_org(s, org.id), T0 - timedelta(days=3650), "org.members.remove"
        )
    assert holders == []


def test_an_unknown_permission_is_refused(t):
    owner = make_user(t)
    org = make_org(t, owner, "Asks")
    with t.db.reading() as s, pytest.raises(Invalid, match="not a permission of this policy"):
        history.holders_of(s, t.policy, get_org(s, org.id), T0, "no.such.permission")
