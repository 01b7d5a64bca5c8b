"""A process's permission cache follows writes made by *other* processes.

Each test builds a second Authorizer over the same database and unhooks it from this
process's commit signal, so it learns of the first one's writes only the way another
process would: through its coherence channel (PostgreSQL LISTEN/NOTIFY, SQLite's data
version) or by validating against the database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from tenantry.authz.service import Authorizer
from tenantry.consistency import Consistency, decode, encode
from tenantry.core import Tenantry
from tenantry.members import service as members
from tenantry.store import signals
from tenantry.writes import Actor, changed_revisions
from tests.conftest import PG_URL
from tests.factories import add_member, make_org, make_user

postgres_only = pytest.mark.skipif(not PG_URL, reason="LISTEN/NOTIFY needs PostgreSQL")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="the data version is SQLite's")


@pytest.fixture
def t(tenantry_for) -> Tenantry:
    return tenantry_for("distribu")


@pytest.fixture
def team(t):
    owner, member = make_user(t), make_user(t)
    org = make_org(t, owner)
    add_member(t, org, member, ["member"])
    return org, owner, member


@pytest.fixture
def other_process(t, database) -> Iterator[object]:
    made: list[Authorizer] = []

    def make(coherence: str) -> Authorizer:
        authz = Authorizer(database, t.policy, coherence=coherence)
        signals.remove_listener(authz._invalidate)  # hears nothing of this process's commits
        made.append(authz)
        return authz

    yield make
    for authz in made:
        authz.close()


def remove(t: Tenantry, org, owner, member) -> str:
    """Remove ``member``; returns the write's consistency token."""
    with t.db.transaction() as s:
        members.remove_members(
            s, t.authz, actor=Actor(owner.id, owner.email), org_id=org.id, user_ids=[member.id]
        )
        token = encode(changed_revisions(s))
    return token


def eventually(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "no notification reached the other process"
        time.sleep(0.005)


def warm(authz: Authorizer, member, org) -> None:
    assert authz.check(member.id, "org.data.view", org.id)
    hits = authz.cache.hits
    assert authz.check(member.id, "org.data.view", org.id)
    assert authz.cache.hits == hits + 1  # answered from the cache


def test_per_check_validation_sees_another_process_removal_at_once(t, team, other_process):
    org, owner, member = team
    other = other_process("validate")
    warm(other, member, org)
    remove(t, org, owner, member)
    assert not other.check(member.id, "org.data.view", org.id)


@sqlite_only
def test_sqlite_data_version_sees_another_process_removal_at_once(t, team, other_process):
    org, owner, member = team
    other = other_process("data-version")
    warm(other, member, org)
    remove(t, org, owner, member)
    assert not other.check(member.id, "org.data.view", org.id)


@sqlite_only
def test_sqlite_data_version_trusts_the_cache_while_nothing_was_committed(
    t, team, other_process, database
):
    org, _, member = team
    other = other_process("data-version")
    warm(other, member, org)
    queries: list[str] = []

    def count(conn, cursor, statement, *args):
        queries.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        for _ in range(20):
            assert other.check(member.id, "org.data.view", org.id)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert queries == []


def test_a_write_token_makes_a_stale_cache_read_through(t, team, other_process):
    org, owner, member = team
    other = other_process("local")  # hears of nothing: only the token can tell it
    warm(other, member, org)
    token = remove(t, org, owner, member)
    assert other.check(member.id, "org.data.view", org.id)  # stale, as "local" promises
    fresh = Consistency(decode(token))
    assert not other.check(member.id, "org.data.view", org.id, consistency=fresh)
    # and the fresh snapshot it read now serves the default too
    assert not other.check(member.id, "org.data.view", org.id)


def test_fully_consistent_validates_even_a_trusted_entry(t, team, other_process):
    org, owner, member = team
    other = other_process("local")
    warm(other, member, org)
    remove(t, org, owner, member)
    full = Consistency(full=True)
    assert not other.check(member.id, "org.data.view", org.id, consistency=full)


@postgres_only
def test_push_invalidation_drops_the_entry_when_another_process_commits(t, team, other_process):
    org, owner, member = team
    other = other_process("push")
    assert other.coherence.wait_connected()  # type: ignore[attr-defined]
    warm(other, member, org)
    remove(t, org, owner, member)
    eventually(lambda: not other.check(member.id, "org.data.view", org.id))
    assert other.coherence.generation() is not None  # dropped by the push, not by validation


@postgres_only
def test_push_with_the_write_token_is_exact_without_waiting(t, team, other_process):
    org, owner, member = team
    other = other_process("push")
    assert other.coherence.wait_connected()  # type: ignore[attr-defined]
    for round_ in range(20):
        if round_:
            add_member(t, org, member, ["member"])
            eventually(lambda: other.check(member.id, "org.data.view", org.id))
        warm(other, member, org)
        fresh = Consistency(decode(remove(t, org, owner, member)))
        # asked at once, before any notification can have been handled
        assert not other.check(member.id, "org.data.view", org.id, consistency=fresh)


@postgres_only
def test_listener_lost_means_validating_each_check_until_it_reconnects(
    t, team, other_process, database
):
    org, _, member = team
    other = other_process("push")
    coherence = other.coherence
    assert coherence.wait_connected()  # type: ignore[attr-defined]
    warm(other, member, org)
    connects = coherence.connects  # type: ignore[attr-defined]
    with database.engine.begin() as conn:
        killed = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'tenantry-listener'"
            )
        ).all()
    assert killed
    deadline = time.monotonic() + 5
    while coherence.connects == connects:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, "the listener did not reconnect"
        time.sleep(0.01)
    # whatever happened while it was away: the entries are validated once more, so a
    # removal that no notification announced to this process is still seen
    with database.engine.begin() as conn:  # a change with no NOTIFY, as if missed
        conn.execute(
            text(
                "DELETE FROM member_roles WHERE membership_id IN "
                "(SELECT id FROM memberships WHERE user_id = :u)"
            ),
            {"u": member.id},
        )
        conn.execute(text("DELETE FROM memberships WHERE user_id = :u"), {"u": member.id})
        conn.execute(
            text("UPDATE organizations SET revision = revision + 1 WHERE id = :o"), {"o": org.id}
        )
    assert not other.check(member.id, "org.data.view", org.id)
