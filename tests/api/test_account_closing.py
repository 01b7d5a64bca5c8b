"""Leaving an organization and deleting the account over HTTP: never as the last owner
(the refusal names the organizations), and then everything goes at once."""

from __future__ import annotations

from sqlalchemy import select

from tenantry.accounts.models import User
from tenantry.client import calls
from tests.api.accounts_mail import link_token
from tests.api.conftest import PASSWORD


def _post(api, path, token, body=None):
    return api.http.post(path, json=body or {}, headers={"Authorization": f"Bearer {token}"})


def _join(api, owner, member, email):
    owner.client.send(calls.invite(owner.org_id, [email], roles=["admin"]))
    member.client.send(calls.accept_invitation(link_token(api.t, email, "invite")))


def test_a_member_leaves_an_organization_and_loses_its_access_at_once(api_for):
    api = api_for("distribu")  # Distribu: nobody removes themselves; leaving is not that
    owner = api.sign_up("owner@example.com", org="Olive Co")
    bob = api.sign_up("bob@example.com")
    _join(api, owner, bob, "bob@example.com")
    r = _post(api, f"/v1/me/organizations/{owner.org_id}/leave", bob.signed.token)
    assert r.status_code == 200, r.text
    gone = api.http.get(
        f"/v1/orgs/{owner.org_id}", headers={"Authorization": f"Bearer {bob.signed.token}"}
    )
    assert gone.status_code == 404
    events = owner.client.http.get(
        f"/v1/orgs/{owner.org_id}/audit?action=member.left",
        headers={"Authorization": f"Bearer {owner.signed.token}"},
    ).json()
    assert "bob@example.com" in str(events)


def test_the_last_owner_cannot_leave(api_for):
    api = api_for("distribu")
    owner = api.sign_up("solo@example.com", org="Solo Co")
    r = _post(api, f"/v1/me/organizations/{owner.org_id}/leave", owner.signed.token)
    assert r.status_code == 409 and r.json()["error"]["code"] == "LAST_OWNER"
    assert owner.client.send(calls.get_org(owner.org_id)).my_roles == ["owner"]


def test_leaving_an_organization_one_is_not_in_looks_like_one_that_does_not_exist(api_for):
    api = api_for("distribu")
    other = api.sign_up("other@example.com", org="Other Co")
    me = api.sign_up("me@example.com")
    theirs = _post(api, f"/v1/me/organizations/{other.org_id}/leave", me.signed.token)
    random = _post(api, f"/v1/me/organizations/{'0' * 32}/leave", me.signed.token)
    assert theirs.status_code == random.status_code == 404
    assert theirs.json() == random.json()


def test_deleting_the_account_is_refused_while_it_is_the_last_owner_listing_the_orgs(api_for):
    api = api_for("distribu")
    owner = api.sign_up("boss@example.com", org="First Co")
    owner.client.send(calls.create_org("Second Co"))
    r = _post(api, "/v1/me/delete", owner.signed.token, {"password": PASSWORD})
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "LAST_OWNER"
    assert sorted(error["details"]["organizations"]) == ["First Co", "Second Co"]
    assert owner.client.send(calls.me()).user.email == "boss@example.com"  # nothing changed
    assert len(owner.client.send(calls.me()).organizations) == 2


def test_deleting_the_account_leaves_everything_and_ends_every_session(api_for):
    api = api_for("distribu")
    owner = api.sign_up("owner@example.com", org="Olive Co")
    bob = api.sign_up("bob@example.com", org="Bob Co")
    _join(api, owner, bob, "bob@example.com")
    r = _post(api, "/v1/me/delete", bob.signed.token, {"password": "not the password"})
    assert r.status_code == 403  # the password is needed
    # Bob owns Bob Co alone: hand it over first (here: its deletion)
    api.http.delete(
        f"/v1/orgs/{bob.org_id}", headers={"Authorization": f"Bearer {bob.signed.token}"}
    )
    r = _post(api, "/v1/me/delete", bob.signed.token, {"password": PASSWORD})
    assert r.status_code == 200, r.text
    assert r.json()["left_organizations"] == 1
    assert (
        api.http.get("/v1/me", headers={"Authorization": f"Bearer {bob.signed.token}"}).status_code
        == 401
    )
    with api.t.db.reading() as s:
        assert s.scalar(select(User).where(User.email == "bob@example.com")) is None
    members = owner.client.http.get(
        f"/v1/orgs/{owner.org_id}/members",
        headers={"Authorization": f"Bearer {owner.signed.token}"},
    ).json()
    assert "bob@example.com" not in str(members)
    # the address is free again: a new sign-up gets a new account
    assert (
        api.http.post(
            "/v1/auth/signup",
            json={"email": "bob@example.com", "name": "New Bob", "password": PASSWORD},
        ).status_code
        == 202
    )
