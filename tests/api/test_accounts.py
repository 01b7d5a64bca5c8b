"""Accounts and sessions over HTTP."""

from __future__ import annotations

import pytest

from tenantry.client import ApiError, calls
from tests.api.conftest import PASSWORD


def test_sign_up_creates_the_users_organization_with_them_as_owner(api_for):
    api = api_for("verkkokurssikassa")
    alice = api.sign_up("alice@example.com", org="Alice Oy")
    org = alice.client.send(calls.get_org(alice.org_id))
    assert org.name == "Alice Oy"
    assert org.my_roles == ["owner"]
    me = alice.client.send(calls.me())
    assert [o.org_id for o in me.organizations] == [alice.org_id]


def test_sign_in_with_a_wrong_password_and_an_unknown_email_look_the_same(api_for):
    api = api_for("verkkokurssikassa")
    api.sign_up("bob@example.com")
    errors = []
    for email, password in (
        ("bob@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
    ):
        with pytest.raises(ApiError) as caught:
            api.anonymous.send(calls.sign_in(email, password))
        errors.append((caught.value.status, caught.value.code, caught.value.message))
    assert errors[0] == errors[1] == (401, "BAD_CREDENTIALS", "Wrong email or password.")


def test_sign_in_is_rate_limited_per_account_with_retry_after(api_for):
    api = api_for("verkkokurssikassa")
    api.sign_up("carol@example.com")
    for _ in range(5):
        with pytest.raises(ApiError):
            api.anonymous.send(calls.sign_in("carol@example.com", "not the password"))
    response = api.http.post(
        "/v1/auth/signin", json={"email": "carol@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["error"]["code"] == "RATE_LIMITED"


def test_sign_out_ends_the_session_at_once(api_for):
    api = api_for("verkkokurssikassa")
    dave = api.sign_up()
    dave.client.send(calls.sign_out())
    with pytest.raises(ApiError) as caught:
        dave.client.send(calls.me())
    assert caught.value.status == 401


def test_each_sign_in_issues_a_fresh_session(api_for):
    api = api_for("verkkokurssikassa")
    erin = api.sign_up("erin@example.com")
    again = api.anonymous.send(calls.sign_in("erin@example.com", PASSWORD))
    assert again.token != erin.signed.token
    assert api.anonymous.as_token(again.token).send(calls.me()).user.id == erin.id


def test_cookie_authenticated_changes_need_the_csrf_token(api_for):
    api = api_for("verkkokurssikassa")
    api.sign_up("frank@example.com")
    response = api.http.post(
        "/v1/auth/signin", json={"email": "frank@example.com", "password": PASSWORD}
    )
    csrf = response.json()["csrf_token"]
    assert api.http.cookies.get("tenantry_session")
    refused = api.http.post("/v1/orgs", json={"name": "No token"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "CSRF_FAILED"
    allowed = api.http.post("/v1/orgs", json={"name": "With token"}, headers={"X-CSRF-Token": csrf})
    assert allowed.status_code == 201


def test_requests_without_credentials_get_401(api_for):
    api = api_for("verkkokurssikassa")
    response = api.http.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
