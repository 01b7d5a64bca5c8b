"""The member list and the lookups page over HTTP, against a real uvicorn on loopback: every
member once in the order asked, prefix search, "who can", a made-up or foreign cursor, and
``lookup_subjects`` by ``after`` / ``limit`` — and never a row of another organization."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tenantry.accounts.sessions import start_session
from tenantry.api.app import create_app
from tenantry.core import Tenantry
from tenantry.resources import service as resources
from tenantry.resources.service import AccessChange
from tenantry.settings import Settings
from tenantry.writes import Actor
from tests._uvicorn import start_uvicorn
from tests.api.test_live_server import free_port
from tests.factories import add_member, make_org, make_resource, make_user


@pytest.fixture
def served(database, tmp_path) -> Iterator[tuple[str, Tenantry]]:
    port = free_port()
    t = Tenantry(database, "verkkokurssikassa")
    settings = Settings.load(
        {"TENANTRY_POLICY": "verkkokurssikassa", "TENANTRY_MAILBOX_DIR": str(tmp_path)}
    )
    stop = start_uvicorn(create_app(t, settings), port)
    yield f"http://127.0.0.1:{port}", t
    stop()
    t.close()


def _token(t: Tenantry, user) -> str:
    with t.db.transaction() as s:
        return start_session(s, s.merge(user), ip="127.0.0.1").token


@pytest.fixture
def team(served):
    base, t = served
    owner = make_user(t, "owner@example.com", name="Olive")
    org = make_org(t, owner, "Olive Co")
    people = []
    for i in range(7):
        user = make_user(t, f"p{i}@example.com", name=f"Person {6 - i}")
        add_member(t, org, user, ["admin" if i < 2 else "member"])
        people.append(user)
    sale = make_resource(t, org, "checkout", "Sale")
    with t.db.transaction() as s:
        for user in people[2:5]:
            resources.set_member_access(
                s,
                t.authz,
                actor=Actor.operator(),
                org_id=org.id,
                user_id=user.id,
                changes=[AccessChange(sale.id, "viewer")],
            )
    rival = make_user(t, "rival@example.com", name="Rival")
    other = make_org(t, rival, "Elsewhere")
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {_token(t, owner)}"})
    rival_http = httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {_token(t, rival)}"}
    )
    yield http, rival_http, org, other, owner, people, sale
    http.close()
    rival_http.close()


def _walk(http: httpx.Client, path: str, **params) -> tuple[list[str], int]:
    emails, pages, cursor = [], 0, None
    while True:
        answer = http.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        emails += [m["email"] for m in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return emails, pages


def test_pages_over_http_visit_every_member_once_in_the_order_asked(team):
    http, _, org, _, owner, people, _ = team
    everyone = sorted([owner.email, *(p.email for p in people)])
    assert _walk(http, f"/v1/orgs/{org.id}/members", limit=3) == (everyone, 3)
    by_name_desc, _ = _walk(http, f"/v1/orgs/{org.id}/members", sort="name", order="desc", limit=2)
    assert by_name_desc == [*(p.email for p in people), owner.email]  # Person 6 .. 0, Olive
    found, _ = _walk(http, f"/v1/orgs/{org.id}/members", q="PERSON 0")
    assert found == ["p6@example.com"]


def test_who_can_over_http_lists_only_the_holders_a_page_at_a_time(team):
    http, _, org, _, owner, people, _ = team
    holders, pages = _walk(
        http, f"/v1/orgs/{org.id}/members", permission="org.members.invite", limit=1
    )
    assert holders == sorted([owner.email, people[0].email, people[1].email]) and pages == 3


def test_a_made_up_or_reordered_cursor_is_a_422_naming_the_cursor(team):
    http, _, org, _, _, _, _ = team
    first = http.get(f"/v1/orgs/{org.id}/members", params={"limit": 1}).json()
    for params in (
        {"cursor": "garbage!"},
        {"cursor": first["next_cursor"], "sort": "joined"},
        {"sort": "salary"},
    ):
        answer = http.get(f"/v1/orgs/{org.id}/members", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["error"]["code"] in {"INVALID", "VALIDATION_FAILED"}


def test_a_cursor_never_opens_another_organizations_list(team):
    """The cursor names a position, not an organization: the rival's own list gives only
    the rival's rows with it, and our list stays 404 to the rival, cursor or not."""
    http, rival_http, org, other, _, _, _ = team
    cursor = http.get(f"/v1/orgs/{org.id}/members", params={"limit": 1}).json()["next_cursor"]
    theirs = rival_http.get(f"/v1/orgs/{other.id}/members", params={"cursor": cursor})
    assert theirs.status_code == 200
    assert [m["email"] for m in theirs.json()["items"]] == ["rival@example.com"]
    for params in ({}, {"cursor": cursor}, {"q": "p"}, {"permission": "org.members.invite"}):
        refused = rival_http.get(f"/v1/orgs/{org.id}/members", params=params)
        assert refused.status_code == 404, refused.text


def test_lookup_subjects_pages_by_user_id(team):
    http, _, org, _, owner, people, sale = team
    path = f"/v1/orgs/{org.id}/resources/{sale.id}/subjects"
    everyone = http.get(path, params={"permission": "checkout.view"}).json()
    expected = sorted(
        [owner.id, people[0].id, people[1].id, *(p.id for p in people[2:5])]
    )  # owner and admins by the rule, three viewers by grant
    assert [s["user_id"] for s in everyone] == expected
    paged: list[str] = []
    while True:
        params = {
            "permission": "checkout.view",
            "limit": 2,
            **({"after": paged[-1]} if paged else {}),
        }
        page = [s["user_id"] for s in http.get(path, params=params).json()]
        paged += page
        if len(page) < 2:
            break
    assert paged == expected


def test_an_account_deleted_between_the_lookup_and_its_emails_leaves_the_answer(
    team, served, monkeypatch
):
    """The subjects come from one read and their emails from the next: an account deleted in
    between drops out of the answer instead of making it a 500."""
    http, _, org, _, owner, _, sale = team
    _, t = served
    found = t.authz.lookup_subjects

    def with_a_deleted_account(*args, **kwargs):
        return sorted([*found(*args, **kwargs), "0" * 32])

    monkeypatch.setattr(t.authz, "lookup_subjects", with_a_deleted_account)
    path = f"/v1/orgs/{org.id}/resources/{sale.id}/subjects"
    answer = http.get(path, params={"permission": "checkout.view"})
    assert answer.status_code == 200, answer.text
    assert "0" * 32 not in {s["user_id"] for s in answer.json()}
    assert owner.id in {s["user_id"] for s in answer.json()}
