"""The member list in SQL: keyset pages in every order, prefix search, one member by key,
the sort keys kept equal to the users' rows, and nothing from another organization."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from tenantry.accounts.models import User
from tenantry.errors import Invalid
from tenantry.members import service as members
from tenantry.members.errors import MemberNotFound
from tests.factories import add_member, make_org, make_user

PEOPLE = [
    ("zoe0", "Zoë Adams"),
    ("bob1", "bob Brown"),
    ("ann2", "Ann Clark"),
    ("carl3", "carl Dunn"),
    ("asa4", "Åsa Ek"),
    ("dan5", "Dan Fox"),
    ("eve6", "eve Gray"),
]


@pytest.fixture
def team(tenantry_for):
    t = tenantry_for("distribu")
    owner = make_user(t, "owner@example.com", name="Olive Owner")
    org = make_org(t, owner, "Olive Co")
    people = [owner]
    for i, (local, name) in enumerate(PEOPLE):
        user = make_user(t, f"{local}@example.com", name=name)
        add_member(t, org, user, ["admin" if i % 3 == 0 else "member"])
        people.append(user)
    stranger = make_user(t, "zed.stranger@example.com", name="Ann Stranger")
    other = make_org(t, stranger, "Elsewhere")
    return t, org, people, other


def _walk(t, org_id, **options):
    """Every page of the list, following next_cursor, and the emails in the order given."""
    emails, cursor, pages = [], None, 0
    while True:
        with t.db.reading() as s:
            page = members.member_page(s, org_id, cursor=cursor, **options)
        emails += [v.email for v in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return emails, pages


@pytest.mark.parametrize("sort", ["email", "name", "joined"])
@pytest.mark.parametrize("descending", [False, True])
def test_pages_in_any_order_visit_every_member_once_in_that_order(team, sort, descending):
    t, org, people, _ = team
    with t.db.reading() as s:
        everyone = members.member_page(s, org.id, sort=sort, descending=descending, limit=500)
    assert everyone.next_cursor is None and len(everyone.items) == len(people)
    key = {
        "email": lambda v: (v.email.lower(), v.user_id),
        "name": lambda v: (v.name.lower(), v.user_id),
        "joined": lambda v: (v.joined_at, v.user_id),
    }[sort]
    expected = [v.email for v in sorted(everyone.items, key=key, reverse=descending)]
    assert [v.email for v in everyone.items] == expected
    emails, pages = _walk(t, org.id, sort=sort, descending=descending, limit=3)
    assert emails == expected and pages == 3


def test_search_matches_an_email_or_name_prefix_in_any_case_and_only_in_this_organization(team):
    t, org, _, _ = team
    with t.db.reading() as s:
        found = members.member_page(s, org.id, search="AN")
        by_surname = members.member_page(s, org.id, search="eve g")
        nothing = members.member_page(s, org.id, search="clark")  # not a prefix
    # ann2@ by email and name; "Ann Stranger" of the other organization is not listed
    assert [v.email for v in found.items] == ["ann2@example.com"]
    assert [v.name for v in by_surname.items] == ["eve Gray"]
    assert nothing.items == []


def test_search_pages_with_a_cursor_like_the_whole_list(team):
    t, org, _, _ = team
    with t.db.reading() as s:
        everyone = members.member_page(s, org.id, search="", limit=500)
    assert len(everyone.items) == 8  # an empty search filters nothing
    emails, pages = _walk(t, org.id, search="d", limit=1)
    assert emails == ["dan5@example.com"] and pages == 1


def test_role_filter_pages_only_the_holders(team):
    t, org, _, _ = team
    with t.db.reading() as s:
        where = members.member_filters(s, t.policy, org.id, role="admin")
    emails, _ = _walk(t, org.id, where=where, limit=1)
    assert emails == ["carl3@example.com", "eve6@example.com", "zoe0@example.com"]
    with t.db.reading() as s:
        assert members.member_count(s, org.id, where=where) == 3
        assert members.member_count(s, org.id) == 8
        assert members.member_count(s, org.id, search="an") == 1


def test_a_cursor_from_another_order_or_made_up_is_refused(team):
    t, org, _, _ = team
    with t.db.reading() as s:
        page = members.member_page(s, org.id, limit=2)
        assert page.next_cursor is not None
        with pytest.raises(Invalid, match="another order"):
            members.member_page(s, org.id, sort="name", cursor=page.next_cursor)
        for junk in ["!!", "bm90IGpzb24", "WzEsMiwzXQ", "WyJqb2luZWQiLGZhbHNlLCJ4IiwieSJd"]:
            with pytest.raises(Invalid, match="cursor"):
                members.member_page(s, org.id, sort="joined", cursor=junk)
        with pytest.raises(Invalid):
            members.member_page(s, org.id, limit=0)


def test_a_cursor_names_a_position_not_an_organization(team):
    """The cursor only says where to start: with another organization's id in the call the
    rows are that organization's, never the first one's."""
    t, org, _, other = team
    with t.db.reading() as s:
        cursor = members.member_page(s, org.id, limit=1).next_cursor
        theirs = members.member_page(s, other.id, cursor=cursor, limit=500)
    assert [v.email for v in theirs.items] == ["zed.stranger@example.com"]


def test_one_member_is_read_by_key_and_a_stranger_is_not_a_member(team):
    t, org, people, other = team
    with t.db.reading() as s:
        view = members.get_member(s, org.id, people[1].id)
        assert (view.email, view.roles) == (people[1].email, ("admin",))
        with pytest.raises(MemberNotFound):
            members.get_member(s, other.id, people[1].id)


def test_changing_a_users_email_or_name_moves_them_in_every_organizations_list(team):
    """The sort keys are the users' rows: an UPDATE of users (however written) reaches them
    through the trigger of migration 0008. Without it this test fails at the database head."""
    t, org, people, _ = team
    with t.db.transaction() as s:
        s.execute(
            update(User)
            .where(User.id == people[1].id)
            .values(email="Aaron@example.com", name="AAA First")
        )
    with t.db.reading() as s:
        by_email = members.member_page(s, org.id, limit=1).items
        by_name = members.member_page(s, org.id, sort="name", limit=1).items
        keys = s.execute(
            text("SELECT email_key, name_key FROM memberships WHERE user_id = :u"),
            {"u": people[1].id},
        ).one()
    assert [v.email for v in by_email] == ["Aaron@example.com"]
    assert [v.name for v in by_name] == ["AAA First"]
    assert tuple(keys) == ("aaron@example.com", "aaa first")


def test_members_added_later_are_keyed_like_the_trigger_keys_them(team):
    t, org, _, _ = team
    newcomer = make_user(t, "Mixed.Case@example.com", name="MiXeD Case")
    add_member(t, org, newcomer, ["member"])
    with t.db.reading() as s:
        keys = s.execute(
            text("SELECT email_key, name_key FROM memberships WHERE user_id = :u"),
            {"u": newcomer.id},
        ).one()
        found = members.member_page(s, org.id, search="mixed c").items
    assert tuple(keys) == ("mixed.case@example.com", "mixed case")
    assert [v.user_id for v in found] == [newcomer.id]
