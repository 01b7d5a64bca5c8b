"""The pending list in SQL: keyset pages newest first that visit every pending invitation
once (ties on the send time included), skip cancelled and expired ones, never repeat one
sent while a client pages, refuse a cursor they did not give, and cost one statement a page
whatever the number pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, update

from tenantry import clock
from tenantry.errors import Invalid
from tenantry.invitations import listing
from tenantry.invitations import service as invitations
from tenantry.invitations.models import Invitation
from tenantry.orgs.models import Organization
from tenantry.writes import Actor
from tests.factories import actor, make_org, make_user


@pytest.fixture
def office(tenantry_for):
    t = tenantry_for("distribu")
    owner = make_user(t, "owner@example.com")
    org = make_org(t, owner, "Olive Co")
    with t.db.transaction() as s:
        s.get_one(Organization, org.id).seat_cap = None
    return t, org, owner


def _invite(t, org, owner, emails):
    with t.db.transaction() as s:
        results = invitations.invite(
            s,
            t.authz,
            t.invites,
            actor=actor(owner),
            org_id=org.id,
            emails=emails,
            roles=["member"],
        )
    assert all(r.invitation is not None for r in results), [r.message for r in results]


def _walk(t, org_id, limit):
    emails, cursor = [], None
    while True:
        with t.db.reading() as s:
            page = listing.pending_page(s, org_id, cursor=cursor, limit=limit)
        emails += [inv.email for inv in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return emails


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
def test_pages_visit_every_pending_invitation_once_newest_first(office, limit):
    t, org, owner = office
    for i in range(7):
        _invite(t, org, owner, [f"p{i}@example.com"])
    with t.db.transaction() as s:  # three sent in the same microsecond: ties go by id
        s.execute(
            update(Invitation)
            .where(Invitation.email.in_(["p1@example.com", "p2@example.com", "p3@example.com"]))
            .values(created_at=clock.now() - timedelta(hours=1))
        )
    with t.db.reading() as s:
        everyone = listing.pending(s, org.id)
    assert len(everyone) == 7
    assert _walk(t, org.id, limit) == [inv.email for inv in everyone]


def test_cancelled_and_expired_invitations_are_not_listed(office):
    t, org, owner = office
    _invite(t, org, owner, ["keep@example.com", "gone@example.com", "old@example.com"])
    with t.db.transaction() as s:
        by_email = {inv.email: inv for inv in listing.pending(s, org.id)}
        invitations.cancel(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=org.id,
            invitation_id=by_email["gone@example.com"].id,
        )
        by_email["old@example.com"].expires_at = clock.now() - timedelta(seconds=1)
    assert _walk(t, org.id, 1) == ["keep@example.com"]


def test_an_invitation_sent_while_paging_is_on_no_later_page(office):
    t, org, owner = office
    for i in range(4):
        _invite(t, org, owner, [f"p{i}@example.com"])
    with t.db.reading() as s:
        first = listing.pending_page(s, org.id, limit=2)
    _invite(t, org, owner, ["late@example.com"])
    seen = [inv.email for inv in first.items]
    cursor = first.next_cursor
    while cursor is not None:
        with t.db.reading() as s:
            page = listing.pending_page(s, org.id, cursor=cursor, limit=2)
        seen += [inv.email for inv in page.items]
        cursor = page.next_cursor
    assert sorted(seen) == [f"p{i}@example.com" for i in range(4)]


def test_only_the_organizations_own_invitations_are_listed(office):
    t, org, owner = office
    other_owner = make_user(t, "other@example.com")
    other = make_org(t, other_owner, "Elsewhere")
    _invite(t, org, owner, ["mine@example.com"])
    _invite(t, other, other_owner, ["theirs@example.com"])
    assert _walk(t, org.id, 10) == ["mine@example.com"]


@pytest.mark.parametrize(
    "cursor", ["", "not-base64!", "W10", "WyJ4IiwgMV0", "WyJub3QgYSB0aW1lIiwgIngiXQ"]
)
def test_a_cursor_the_list_did_not_give_is_refused(office, cursor):
    t, org, _ = office
    with t.db.reading() as s, pytest.raises(Invalid):
        listing.pending_page(s, org.id, cursor=cursor or "x", limit=5)


def test_a_page_is_one_statement_however_many_are_pending(office, database):
    t, org, owner = office

    def statements_for_a_page():
        seen: list[str] = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(database.engine, "before_cursor_execute", count)
        try:
            with t.db.reading() as s:
                page = listing.pending_page(s, org.id, limit=5)
                assert len(page.items) == 5 and page.next_cursor is not None
                page = listing.pending_page(s, org.id, cursor=page.next_cursor, limit=5)
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
        return [q for q in seen if "invitations" in q]

    _invite(t, org, owner, [f"a{i}@example.com" for i in range(12)])
    few = statements_for_a_page()
    _invite(t, org, owner, [f"b{i}@example.com" for i in range(300)])
    many = statements_for_a_page()
    assert len(few) == len(many) == 2  # one per page


def test_a_cursor_nested_past_the_parsers_limit_is_refused_not_a_crash(office):
    import base64

    t, org, _ = office
    deep = base64.urlsafe_b64encode(b"[" * 1400).decode().rstrip("=")
    with t.db.reading() as s, pytest.raises(Invalid):
        listing.pending_page(s, org.id, cursor=deep, limit=5)
