"""An account's sessions over HTTP: listed with device, IP, created and last active; one
ended, or all the others; a password or email change ends the others."""

from __future__ import annotations

import pytest

from tenantry.client import ApiError, calls
from tests.api.accounts_mail import link_token
from tests.api.conftest import PASSWORD


def _get(api, path, token):
    return api.http.get(path, headers={"Authorization": f"Bearer {token}"})


def _post(api, path, token, body=None):
    return api.http.post(path, json=body or {}, headers={"Authorization": f"Bearer {token}"})


def _sign_in(api, email, agent):
    r = api.http.post(
        "/v1/auth/signin",
        json={"email": email, "password": PASSWORD},
        headers={"User-Agent": agent},
    )
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _alive(api, token):
    return _get(api, "/v1/me", token).status_code == 200


def test_my_sessions_show_device_ip_created_and_last_active(api_for):
    api = api_for("distribu")
    api.sign_up("amy@example.com")
    phone = _sign_in(api, "amy@example.com", "Phone Browser/1.0")
    laptop = _sign_in(api, "amy@example.com", "Laptop Browser/2.0")
    listed = _get(api, "/v1/me/sessions", laptop).json()
    by_device = {row["device"]: row for row in listed}
    assert {"Phone Browser/1.0", "Laptop Browser/2.0"} <= set(by_device)
    assert by_device["Laptop Browser/2.0"]["current"] is True
    assert by_device["Phone Browser/1.0"]["current"] is False
    for row in listed:
        assert row["ip"] == "testclient"
        assert row["created_at"] and row["last_active_at"]
    assert not any(phone in str(row) for row in listed)  # no token in the answer


def test_ending_one_session_ends_only_that_one(api_for):
    api = api_for("distribu")
    api.sign_up("bea@example.com")
    phone = _sign_in(api, "bea@example.com", "Phone")
    laptop = _sign_in(api, "bea@example.com", "Laptop")
    phone_id = next(
        r["id"] for r in _get(api, "/v1/me/sessions", laptop).json() if r["device"] == "Phone"
    )
    r = api.http.delete(
        f"/v1/me/sessions/{phone_id}", headers={"Authorization": f"Bearer {laptop}"}
    )
    assert r.status_code == 204, r.text
    assert not _alive(api, phone) and _alive(api, laptop)
    again = api.http.delete(
        f"/v1/me/sessions/{phone_id}", headers={"Authorization": f"Bearer {laptop}"}
    )
    assert again.status_code == 404


def test_nobody_ends_another_accounts_session(api_for):
    api = api_for("distribu")
    api.sign_up("cy@example.com")
    api.sign_up("dee@example.com")
    victim = _sign_in(api, "cy@example.com", "Victim")
    other = _sign_in(api, "dee@example.com", "Other")
    victim_id = _get(api, "/v1/me/sessions", victim).json()[0]["id"]
    r = api.http.delete(
        f"/v1/me/sessions/{victim_id}", headers={"Authorization": f"Bearer {other}"}
    )
    assert r.status_code == 404
    assert _alive(api, victim)


def test_ending_the_others_keeps_this_session(api_for):
    api = api_for("distribu")
    eli = api.sign_up("eli@example.com")
    second = _sign_in(api, "eli@example.com", "Second")
    here = _sign_in(api, "eli@example.com", "Here")
    r = _post(api, "/v1/me/sessions/end-others", here)
    assert r.status_code == 200 and r.json()["ended"] == 2
    assert _alive(api, here)
    assert not _alive(api, second) and not _alive(api, eli.signed.token)
    assert [row["device"] for row in _get(api, "/v1/me/sessions", here).json()] == ["Here"]


def test_changing_the_password_ends_the_other_sessions(api_for):
    api = api_for("distribu")
    api.sign_up("fin@example.com")
    other = _sign_in(api, "fin@example.com", "Other")
    here = _sign_in(api, "fin@example.com", "Here")
    r = _post(
        api,
        "/v1/me/password",
        here,
        {"current_password": PASSWORD, "new_password": "fins new password"},
    )
    assert r.status_code == 200, r.text
    assert _alive(api, here) and not _alive(api, other)


def test_changing_the_email_is_confirmed_by_mail_and_ends_the_other_sessions(api_for):
    api = api_for("distribu")
    api.sign_up("gia@example.com")
    other = _sign_in(api, "gia@example.com", "Other")
    here = _sign_in(api, "gia@example.com", "Here")
    r = _post(api, "/v1/me/email", here, {"new_email": "gia@new.example.com", "password": PASSWORD})
    assert r.status_code == 202, r.text
    assert _get(api, "/v1/me", here).json()["user"]["email"] == "gia@example.com"  # not yet
    token = link_token(api.t, "gia@new.example.com", "confirm-email")
    r = _post(api, "/v1/me/email/confirm", here, {"token": token})
    assert r.status_code == 200, r.text
    assert r.json()["ended"] == 2  # the other one and the sign-up's
    assert _get(api, "/v1/me", here).json()["user"]["email"] == "gia@new.example.com"
    assert not _alive(api, other)
    api.anonymous.send(calls.sign_in("gia@new.example.com", PASSWORD))
    with pytest.raises(ApiError):
        api.anonymous.send(calls.sign_in("gia@example.com", PASSWORD))


def test_an_email_change_needs_the_password(api_for):
    api = api_for("distribu")
    api.sign_up("hap@example.com")
    here = _sign_in(api, "hap@example.com", "Here")
    r = _post(
        api, "/v1/me/email", here, {"new_email": "h@new.example.com", "password": "wrong one!"}
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "WRONG_PASSWORD"


def test_every_sign_in_is_in_the_accounts_own_trail_with_its_device_and_never_its_token(api_for):
    api = api_for("distribu")
    api.sign_up("sue@example.com")
    phone = _sign_in(api, "sue@example.com", "Phone Browser/1.0")
    laptop = _sign_in(api, "sue@example.com", "Laptop Browser/2.0")
    trail = _get(api, "/v1/me/audit", laptop)
    assert trail.status_code == 200, trail.text
    signed_in = [e for e in trail.json() if e["action"] == "account.signed_in"]
    devices = [e["after"]["device"] for e in signed_in]
    assert any("Phone" in (d or "") for d in devices)
    assert any("Laptop" in (d or "") for d in devices)
    for token in (phone, laptop):
        assert token not in trail.text
