"""``GET /v1/orgs/{org}/access?at=T&user=U`` and ``?at=T&permission=P``: the grants as they
stood at T, each naming its audit event and who made it; for those who read the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tenantry.client import calls
from tenantry.members import service as members
from tenantry.resources import service as resources
from tenantry.resources.service import AccessChange
from tests.api.conftest import PASSWORD
from tests.factories import actor, add_member, make_org, make_resource, make_user


@pytest.fixture
def team(api_for):
    api = api_for("distribu")
    olive = make_user(api.t, "olive@example.com", password=PASSWORD)
    bob = make_user(api.t, "bob@example.com", password=PASSWORD)
    org = make_org(api.t, olive, "Olive Co")
    add_member(api.t, org, bob, ["admin"], by=olive)
    between = datetime.now(UTC)
    with api.t.db.transaction() as s:
        members.change_roles(
            s, api.t.authz, actor=actor(olive), org_id=org.id, user_id=bob.id, roles=["member"]
        )
    headers = {}
    for user in (olive, bob):
        token = api.anonymous.send(calls.sign_in(user.email, PASSWORD)).token
        headers[user.email] = {"Authorization": f"Bearer {token}"}
    return api, org.id, olive, bob, between, headers


def test_what_a_user_could_do_then_names_the_grant_and_its_event(team):
    api, org_id, olive, bob, between, headers = team
    r = api.http.get(
        f"/v1/orgs/{org_id}/access",
        params={"at": between.isoformat(), "user": bob.id},
        headers=headers[olive.email],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["member"] and [g["name"] for g in body["grants"]] == ["admin"]
    grant = body["grants"][0]
    assert grant["granted_by"] == "olive@example.com" and grant["label"] == "ADMIN"
    audit = api.http.get(f"/v1/orgs/{org_id}/audit", headers=headers[olive.email]).json()
    added = next(e for e in audit["items"] if e["action"] == "member.added")
    assert grant["event_id"] == added["id"]
    removes = next(p for p in body["permissions"] if p["permission"] == "org.members.remove")
    assert removes["reasons"] == ["holds the organization role ADMIN"]


def test_who_could_do_a_permission_then_and_now(team):
    api, org_id, olive, bob, between, headers = team
    ask = lambda at: api.http.get(  # noqa: E731
        f"/v1/orgs/{org_id}/access",
        params={"at": at.isoformat(), "permission": "org.members.remove"},
        headers=headers[olive.email],
    ).json()
    then = ask(between)
    assert {h["user_id"] for h in then["holders"]} == {olive.id, bob.id}
    now = ask(datetime.now(UTC))
    assert {h["user_id"] for h in now["holders"]} == {olive.id}


def test_one_question_at_a_time_and_only_for_auditors(team):
    api, org_id, olive, bob, between, headers = team
    base = f"/v1/orgs/{org_id}/access"
    at = between.isoformat()
    neither = api.http.get(base, params={"at": at}, headers=headers[olive.email])
    both = api.http.get(
        base,
        params={"at": at, "user": bob.id, "permission": "org.delete"},
        headers=headers[olive.email],
    )
    unknown = api.http.get(
        base, params={"at": at, "permission": "no.such"}, headers=headers[olive.email]
    )
    assert [r.status_code for r in (neither, both, unknown)] == [422, 422, 422]
    denied = api.http.get(base, params={"at": at, "user": bob.id}, headers=headers[bob.email])
    assert denied.status_code == 403


def test_access_on_a_resource_then_names_the_role_given_on_it(api_for):
    api = api_for("verkkokurssikassa")
    olive = make_user(api.t, "olive@example.com", password=PASSWORD)
    amy = make_user(api.t, "amy@example.com", password=PASSWORD)
    org = make_org(api.t, olive, "Olive Shop")
    add_member(api.t, org, amy, ["member"], by=olive)
    sale = make_resource(api.t, org, "checkout", "Sale", by=olive)
    token = api.anonymous.send(calls.sign_in(olive.email, PASSWORD)).token
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/v1/orgs/{org.id}/access"
    before = datetime.now(UTC)
    with api.t.db.transaction() as s:
        resources.set_member_access(
            s,
            api.t.authz,
            actor=actor(olive),
            org_id=org.id,
            user_id=amy.id,
            changes=[AccessChange(sale.id, "viewer")],
        )
    now = datetime.now(UTC).isoformat()
    mine = api.http.get(
        base, params={"at": now, "user": amy.id, "resource": sale.id}, headers=headers
    )
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["resource_id"] == sale.id
    role = next(g for g in body["grants"] if g["kind"] == "resource_role")
    assert (role["name"], role["label"], role["resource_id"]) == ("viewer", "Viewer", sale.id)
    assert {p["permission"] for p in body["permissions"]} == {
        "checkout.view",
        "checkout.orders.view",
    }
    then = api.http.get(
        base,
        params={"at": before.isoformat(), "user": amy.id, "resource": sale.id},
        headers=headers,
    ).json()
    assert then["permissions"] == []
    viewers = api.http.get(
        base,
        params={"at": now, "permission": "checkout.view", "resource": sale.id},
        headers=headers,
    ).json()
    assert {h["user_id"] for h in viewers["holders"]} == {olive.id, amy.id}
    unnamed = api.http.get(base, params={"at": now, "permission": "checkout.view"}, headers=headers)
    assert unnamed.status_code == 422 and "name the checkout" in unnamed.text
    missing = api.http.get(
        base, params={"at": now, "user": amy.id, "resource": "0" * 32}, headers=headers
    )
    assert missing.status_code == 404
