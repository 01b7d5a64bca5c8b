"""``GET /v1/orgs/{org}/changes``: pages from a cursor, a long-poll that answers as soon as a
change commits (or empty after ``wait``), and no change shown to a caller who lost access."""

from __future__ import annotations

import threading
import time

import pytest

from tenantry.client import ApiError, calls
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_org, make_user


@pytest.fixture
def team(api_for):
    api = api_for("distribu")
    olive = make_user(api.t, "olive@example.com", password=PASSWORD)
    adam = make_user(api.t, "adam@example.com", password=PASSWORD)
    org = make_org(api.t, olive, "Olive Co", seat_cap=50)
    add_member(api.t, org, adam, ["admin"], by=olive)
    owner = api.anonymous.as_token(api.anonymous.send(calls.sign_in(olive.email, PASSWORD)).token)
    admin = api.anonymous.as_token(api.anonymous.send(calls.sign_in(adam.email, PASSWORD)).token)
    return api, org, olive, adam, owner, admin


def test_the_feed_pages_from_a_cursor_to_the_end(team):
    _api, org, *_, owner, _ = team
    first = owner.send(calls.changes(org.id, limit=1))
    assert [c.action for c in first.changes] == ["org.created"] and first.more
    rest = owner.send(calls.changes(org.id, after=first.cursor))
    assert [c.action for c in rest.changes] == ["member.added"] and not rest.more
    assert rest.cursor == str(rest.revision)
    again = owner.send(calls.changes(org.id, after=rest.cursor))
    assert again.changes == [] and again.cursor == rest.cursor


def test_a_long_poll_answers_when_a_change_commits(team):
    api, org, olive, *_, owner, _ = team
    head = owner.send(calls.changes(org.id)).cursor
    bob = make_user(api.t, "bob@example.com")
    threading.Timer(0.3, add_member, (api.t, org, bob, ["member"]), {"by": olive}).start()
    began = time.monotonic()
    page = owner.send(calls.changes(org.id, after=head, wait=10))
    assert time.monotonic() - began < 5
    assert [c.action for c in page.changes] == ["member.added"]
    assert page.changes[0].target == "bob@example.com"


def test_a_long_poll_with_nothing_new_answers_empty_after_the_wait(team):
    _api, org, *_, owner, _ = team
    head = owner.send(calls.changes(org.id)).cursor
    began = time.monotonic()
    page = owner.send(calls.changes(org.id, after=head, wait=0.6))
    assert page.changes == [] and time.monotonic() - began >= 0.6


def test_a_member_removed_while_waiting_is_not_shown_the_change(team):
    _api, org, _olive, adam, owner, admin = team
    head = admin.send(calls.changes(org.id)).cursor

    def remove_adam():
        owner.send(calls.remove_member(org.id, adam.id))

    threading.Timer(0.3, remove_adam).start()
    with pytest.raises(ApiError) as caught:
        admin.send(calls.changes(org.id, after=head, wait=10))
    assert caught.value.status == 404


def test_bad_cursors_and_waits_are_refused(team):
    api, org, *_, owner, _ = team
    with pytest.raises(ApiError) as ahead:
        owner.send(calls.changes(org.id, after=10**6))
    assert (ahead.value.status, ahead.value.code) == (422, "CURSOR_AHEAD")
    for params in ({"after": "x"}, {"wait": "31"}, {"after": "-1"}):
        r = api.http.get(
            f"/v1/orgs/{org.id}/changes",
            params=params,
            headers={"Authorization": f"Bearer {owner.token}"},
        )
        assert r.status_code == 422, params
