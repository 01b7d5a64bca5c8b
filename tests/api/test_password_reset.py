"""Password reset over HTTP: a mailed single-use link that expires after one hour, the
same answer for any address, throttled per address and per client; using it sets the
password, ends every session and confirms the address."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tenantry import clock
from tenantry.client import ApiError, calls
from tests.api.accounts_mail import link_token, mails_to
from tests.api.conftest import PASSWORD

NEW = "a brand new password"


def _ask(api, email, ip_header=None):
    return api.http.post("/v1/auth/password-reset", json={"email": email})


def _reset(api, token, password=NEW):
    return api.http.post(
        "/v1/auth/password-reset/complete", json={"token": token, "new_password": password}
    )


def test_asking_for_a_reset_answers_alike_for_known_and_unknown_addresses(api_for):
    api = api_for("distribu")
    api.sign_up("ann@example.com")
    known, unknown = _ask(api, "ann@example.com"), _ask(api, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json().keys() == unknown.json().keys()
    assert known.json()["message"].replace("ann", "X") == unknown.json()["message"].replace(
        "nobody", "X"
    )
    assert [s for s, _ in mails_to(api.t, "ann@example.com")][-1] == "Reset your password"
    assert mails_to(api.t, "nobody@example.com") == []


def test_a_reset_sets_the_password_ends_every_session_and_confirms_the_address(api_for):
    api = api_for("distribu")
    ben = api.sign_up("ben@example.com", verified=False)
    other = api.anonymous.send(calls.sign_in("ben@example.com", PASSWORD))
    _ask(api, "ben@example.com")
    r = _reset(api, link_token(api.t, "ben@example.com", "reset"))
    assert r.status_code == 200, r.text
    assert r.json()["ended_sessions"] == 2
    for token in (ben.signed.token, other.token):
        with pytest.raises(ApiError) as caught:
            api.anonymous.as_token(token).send(calls.me())
        assert caught.value.status == 401
    with pytest.raises(ApiError):
        api.anonymous.send(calls.sign_in("ben@example.com", PASSWORD))
    again = api.anonymous.send(calls.sign_in("ben@example.com", NEW))
    assert again.user.email == "ben@example.com"
    trail = api.anonymous.as_token(again.token).http.get(
        "/v1/me/audit", headers={"Authorization": f"Bearer {again.token}"}
    )
    actions = [e["action"] for e in trail.json()]
    assert "account.password_reset" in actions and "account.verified" in actions


def test_a_reset_link_works_once(api_for):
    api = api_for("distribu")
    api.sign_up("cat@example.com")
    _ask(api, "cat@example.com")
    token = link_token(api.t, "cat@example.com", "reset")
    assert _reset(api, token).status_code == 200
    again = _reset(api, token, "yet another password")
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "LINK_USED"
    api.anonymous.send(calls.sign_in("cat@example.com", NEW))


def test_only_the_latest_reset_link_works(api_for):
    api = api_for("distribu")
    api.sign_up("dan@example.com")
    _ask(api, "dan@example.com")
    first = link_token(api.t, "dan@example.com", "reset")
    _ask(api, "dan@example.com")
    assert _reset(api, first).json()["error"]["code"] == "LINK_USED"
    assert _reset(api, link_token(api.t, "dan@example.com", "reset")).status_code == 200


@pytest.mark.parametrize(
    ("after", "status"),
    [
        (timedelta(hours=1) - timedelta(seconds=1), 200),
        (timedelta(hours=1), 410),
        (timedelta(hours=1, seconds=1), 410),
    ],
)
def test_a_reset_link_expires_after_one_hour(api_for, after, status):
    api = api_for("distribu")
    api.sign_up("eve@example.com")
    sent = clock.now()
    clock.set_clock(lambda: sent)
    try:
        _ask(api, "eve@example.com")
        token = link_token(api.t, "eve@example.com", "reset")
        clock.set_clock(lambda: sent + after)
        r = _reset(api, token)
    finally:
        clock.set_clock(None)
    assert r.status_code == status, r.text
    if status == 410:
        assert r.json()["error"]["code"] == "LINK_EXPIRED"


def test_reset_requests_are_throttled_per_address_alike_for_unknown_ones(api_for):
    api = api_for("distribu")
    api.sign_up("fox@example.com")
    for email in ("fox@example.com", "ghost@example.com"):
        for _ in range(3):
            assert _ask(api, email).status_code == 202
        refused = _ask(api, email)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "RATE_LIMITED"
        assert int(refused.headers["retry-after"]) > 0
    assert len(mails_to(api.t, "fox@example.com")) == 1 + 3  # the sign-up's, three resets


def test_reset_requests_are_throttled_per_client_over_every_address(api_for):
    api = api_for("distribu")
    for n in range(10):
        assert _ask(api, f"someone{n}@example.com").status_code == 202
    assert _ask(api, "someone-else@example.com").status_code == 429


def test_a_weak_new_password_keeps_the_link_usable(api_for):
    api = api_for("distribu")
    api.sign_up("gus@example.com")
    _ask(api, "gus@example.com")
    token = link_token(api.t, "gus@example.com", "reset")
    weak = _reset(api, token, "short")
    assert weak.status_code == 422
    assert _reset(api, token).status_code == 200
