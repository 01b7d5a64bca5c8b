"""The resource list in SQL pages: for every kind of viewer (managing the type, reaching it
through a rule of their role, given one by hand, with a row removed by hand, an outsider)
the pages list exactly what ``can_see`` lets them see, in type-then-name order, each once;
a cursor the list did not give is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tenantry.authz.loader import resource_node
from tenantry.errors import Invalid
from tenantry.resources import listing
from tenantry.resources import service as resources
from tenantry.resources.visibility import can_see
from tests.factories import add_member, make_org, make_resource, make_user, set_access


def _walk(t, viewer_id, org_id, limit, rtype=None):
    names, cursor = [], None
    while True:
        with t.db.reading() as s:
            snap = t.authz.snapshot(viewer_id, org_id, s)
            page = listing.resource_page(
                s, t.policy, snap, org_id, rtype=rtype, cursor=cursor, limit=limit
            )
        names += [(r.type, r.name) for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return names


def _expected(t, viewer_id, org_id, rtype=None):
    with t.db.reading() as s:
        snap = t.authz.snapshot(viewer_id, org_id, s)
        return [
            (r.type, r.name)
            for r in resources.list_resources(s, org_id, rtype)
            if can_see(t.policy, snap, resource_node(r))
        ]


@pytest.mark.parametrize("limit", [1, 2, 5, 100])
def test_dystr_viewers_page_through_exactly_the_workspaces_they_see(tenantry_for, limit):
    t = tenantry_for("dystr")
    admin = make_user(t, "admin@example.com")
    org = make_org(t, admin, "Dystr Co")
    viewer, guest = make_user(t, "viewer@example.com"), make_user(t, "guest@example.com")
    add_member(t, org, viewer, ["viewer"])
    add_member(t, org, guest, ["viewer"])
    made = [
        make_resource(t, org, "workspace", f"W{i:02}", visibility=vis)
        for i, vis in enumerate(["invite_only", "organization"] * 6)
    ]
    set_access(t, org.id, guest.id, made[0].id, "editor")  # one invite-only, by hand
    set_access(t, org.id, guest.id, made[4].id, "viewer")
    outsider = make_user(t, "outsider@example.com")
    for who in (admin, viewer, guest, outsider):
        expected = _expected(t, who.id, org.id)
        assert _walk(t, who.id, org.id, limit) == expected, who.email
    assert len(_expected(t, admin.id, org.id)) == 12  # an Administrator sees every one
    assert len(_expected(t, guest.id, org.id)) == 8  # six shared, two given
    assert _expected(t, outsider.id, org.id) == []


@pytest.mark.parametrize("limit", [1, 3, 100])
def test_verkkokurssikassa_a_checkout_removed_by_hand_is_left_out(tenantry_for, limit):
    t = tenantry_for("verkkokurssikassa")
    owner = make_user(t, "owner@example.com")
    org = make_org(t, owner, "Kauppa Oy")
    admin = make_user(t, "admin@example.com")
    add_member(t, org, admin, ["admin"])
    member = make_user(t, "member@example.com")
    add_member(t, org, member, ["member"])
    made = [make_resource(t, org, "checkout", f"C{i}") for i in range(7)]
    set_access(t, org.id, admin.id, made[2].id, None)  # Admin's automatic row removed by hand
    set_access(t, org.id, member.id, made[5].id, "maintainer")
    for who in (owner, admin, member):
        assert _walk(t, who.id, org.id, limit) == _expected(t, who.id, org.id), who.email
    assert ("checkout", "C2") not in _walk(t, admin.id, org.id, limit)
    assert _walk(t, member.id, org.id, limit, rtype="checkout") == [("checkout", "C5")]


def test_a_cursor_the_list_did_not_give_is_refused(tenantry_for):
    t = tenantry_for("dystr")
    admin = make_user(t, "admin@example.com")
    org = make_org(t, admin, "Dystr Co")
    with t.db.reading() as s:
        snap = t.authz.snapshot(admin.id, org.id, s)
        for cursor in ("x", "W10", "WzEsIDJd"):
            with pytest.raises(Invalid):
                listing.resource_page(s, t.policy, snap, org.id, cursor=cursor)
        with pytest.raises(Invalid):
            listing.resource_page(s, t.policy, snap, org.id, rtype="spaceship")


def test_a_page_reads_its_own_rows_not_those_the_viewer_cannot_see(tenantry_for, database):
    """Sixty invite-only Workspaces sort before the three a Viewer sees: the narrowing in SQL
    skips them, so each page is one read (judging every row in Python would page through
    all sixty)."""
    t = tenantry_for("dystr")
    admin = make_user(t, "admin@example.com")
    org = make_org(t, admin, "Dystr Co")
    viewer = make_user(t, "viewer@example.com")
    add_member(t, org, viewer, ["viewer"])
    for i in range(60):
        make_resource(t, org, "workspace", f"A{i:02}", visibility="invite_only")
    for i in range(3):
        make_resource(t, org, "workspace", f"Z{i}", visibility="organization")
    reads: list[str] = []

    def count(conn, cursor, statement, *args):
        if "FROM resources" in statement:
            reads.append(statement)

    with t.db.reading() as s:
        snap = t.authz.snapshot(viewer.id, org.id, s)
        event.listen(database.engine, "before_cursor_execute", count)
        try:
            first = listing.resource_page(s, t.policy, snap, org.id, limit=2)
            rest = listing.resource_page(
                s, t.policy, snap, org.id, cursor=first.next_cursor, limit=2
            )
        finally:
            event.remove(database.engine, "before_cursor_execute", count)
    assert [r.name for r in first.items] == ["Z0", "Z1"]
    assert [r.name for r in rest.items] == ["Z2"] and rest.next_cursor is None
    assert len(reads) == 2  # one a page
