"""Two-factor sign-in over HTTP: set up with a QR code, enabled with a code, recovery codes
shown once and working once, wrong codes throttled; an organization that requires it
refuses a member without it and admits them after set-up."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from tenantry import clock
from tenantry.accounts.models import RecoveryCode, User
from tenantry.client import calls
from tests.api.accounts_mail import link_token
from tests.api.conftest import PASSWORD


def _post(api, path, token=None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.http.post(path, json=body or {}, headers=headers)


def _turn_on(api, token):
    """Set it up and enable it; the app's TOTP and the recovery codes."""
    setup = _post(api, "/v1/me/two-factor/setup", token)
    assert setup.status_code == 200, setup.text
    body = setup.json()
    assert body["qr_svg"].startswith("data:image/svg+xml")
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(body["secret"])
    # the code that turns it on is spent: turn it on with the previous step's code (accepted
    # for clock drift), so that the tests' sign-ins can use the current one
    earlier = totp.at(clock.now(), counter_offset=-1)
    enabled = _post(api, "/v1/me/two-factor/enable", token, {"code": earlier})
    assert enabled.status_code == 200, enabled.text
    return totp, enabled.json()["recovery_codes"]


def _password_step(api, email):
    r = _post(api, "/v1/auth/signin", body={"email": email, "password": PASSWORD})
    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert error["code"] == "SECOND_FACTOR_REQUIRED"
    return error["details"]["challenge"]


def test_with_two_factor_on_a_password_alone_signs_nobody_in(api_for):
    api = api_for("distribu")
    amy = api.sign_up("amy@example.com")
    totp, _ = _turn_on(api, amy.signed.token)
    challenge = _password_step(api, "amy@example.com")
    wrong = _post(
        api, "/v1/auth/signin/second-factor", body={"challenge": challenge, "code": "000000"}
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "WRONG_CODE"
    ok = _post(
        api, "/v1/auth/signin/second-factor", body={"challenge": challenge, "code": totp.now()}
    )
    assert ok.status_code == 200, ok.text
    assert (
        api.anonymous.as_token(ok.json()["token"]).send(calls.me()).user.email == "amy@example.com"
    )
    reused = _post(
        api, "/v1/auth/signin/second-factor", body={"challenge": challenge, "code": totp.now()}
    )
    assert reused.status_code == 410  # a challenge works once


def test_setting_up_changes_nothing_until_a_code_is_proved(api_for):
    api = api_for("distribu")
    bo = api.sign_up("bo@example.com")
    _post(api, "/v1/me/two-factor/setup", bo.signed.token)
    r = _post(api, "/v1/me/two-factor/enable", bo.signed.token, {"code": "123456"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "WRONG_CODE"
    signed = _post(api, "/v1/auth/signin", body={"email": "bo@example.com", "password": PASSWORD})
    assert signed.status_code == 200  # still one step


def test_a_recovery_code_works_once_and_is_stored_hashed(api_for):
    api = api_for("distribu")
    cy = api.sign_up("cy@example.com")
    _, codes = _turn_on(api, cy.signed.token)
    assert len(codes) == len(set(codes)) == 10
    with api.t.db.reading() as s:
        user = s.scalar(select(User).where(User.email == "cy@example.com"))
        stored = [r.code_hash for r in s.scalars(select(RecoveryCode))]
        assert codes[0] not in str(user.totp_secret_sealed)
    assert not set(codes) & set(stored)
    first = _post(
        api,
        "/v1/auth/signin/second-factor",
        body={"challenge": _password_step(api, "cy@example.com"), "code": codes[0]},
    )
    assert first.status_code == 200, first.text
    second = _post(
        api,
        "/v1/auth/signin/second-factor",
        body={"challenge": _password_step(api, "cy@example.com"), "code": codes[0]},
    )
    assert second.status_code == 401


def test_wrong_codes_are_throttled_per_account(api_for):
    api = api_for("distribu")
    dee = api.sign_up("dee@example.com")
    totp, _ = _turn_on(api, dee.signed.token)
    challenge = _password_step(api, "dee@example.com")
    for _ in range(5):
        r = _post(
            api, "/v1/auth/signin/second-factor", body={"challenge": challenge, "code": "000000"}
        )
        assert r.status_code == 401
    refused = _post(
        api, "/v1/auth/signin/second-factor", body={"challenge": challenge, "code": totp.now()}
    )
    assert refused.status_code == 429  # the right code too, until the window moves on
    assert int(refused.headers["retry-after"]) > 0


def test_turning_it_off_needs_a_code(api_for):
    api = api_for("distribu")
    eve = api.sign_up("eve@example.com")
    totp, _ = _turn_on(api, eve.signed.token)
    off = "/v1/me/two-factor/disable"
    assert _post(api, off, eve.signed.token, {"code": "000000"}).status_code == 401
    assert _post(api, off, eve.signed.token, {"code": totp.now()}).status_code == 200
    signed = _post(api, "/v1/auth/signin", body={"email": "eve@example.com", "password": PASSWORD})
    assert signed.status_code == 200


def _require(api, org_id, token, required=True):
    return api.http.put(
        f"/v1/orgs/{org_id}/two-factor-requirement",
        json={"required": required},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_an_organization_requiring_two_factor_refuses_a_member_without_it_until_set_up(api_for):
    api = api_for("distribu")
    owner = api.sign_up("owner@example.com", org="Secure Co")
    member = api.sign_up("member@example.com")
    owner.client.send(calls.invite(owner.org_id, ["member@example.com"], roles=["member"]))
    member.client.send(calls.accept_invitation(link_token(api.t, "member@example.com", "invite")))
    members = f"/v1/orgs/{owner.org_id}/members"
    as_member = {"Authorization": f"Bearer {member.signed.token}"}
    # the member's access is cached before the rule is turned on: the rule is read with it
    assert api.http.get(members, headers=as_member).status_code == 200
    r = _require(api, owner.org_id, owner.signed.token)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "TWO_FACTOR_REQUIRED")  # not oneself
    _turn_on(api, owner.signed.token)
    r = _require(api, owner.org_id, owner.signed.token)
    assert r.status_code == 200, r.text
    denied = api.http.get(members, headers=as_member)
    assert denied.status_code == 403
    error = denied.json()["error"]
    assert error["code"] == "TWO_FACTOR_REQUIRED"
    assert error["details"]["setup"] == "/account#two-factor"
    assert api.http.get("/v1/me", headers=as_member).status_code == 200  # the account is theirs
    _turn_on(api, member.signed.token)
    admitted = api.http.get(members, headers=as_member)
    assert admitted.status_code == 200, admitted.text


def test_only_a_holder_of_the_settings_permission_sets_the_requirement(api_for):
    api = api_for("distribu")
    owner = api.sign_up("boss@example.com")
    member = api.sign_up("staff@example.com")
    owner.client.send(calls.invite(owner.org_id, ["staff@example.com"], roles=["member"]))
    member.client.send(calls.accept_invitation(link_token(api.t, "staff@example.com", "invite")))
    _turn_on(api, member.signed.token)
    r = _require(api, owner.org_id, member.signed.token)
    assert r.status_code == 403 and r.json()["error"]["code"] == "PERMISSION_DENIED"


def test_an_api_key_is_not_refused_by_the_two_factor_rule(api_for):
    api = api_for("distribu")
    owner = api.sign_up("keys@example.com")
    _turn_on(api, owner.signed.token)
    key = owner.client.send(calls.create_api_key(owner.org_id, "ci", roles=["admin"]))
    assert _require(api, owner.org_id, owner.signed.token).status_code == 200
    r = api.http.get(
        f"/v1/orgs/{owner.org_id}/members", headers={"Authorization": f"Bearer {key.token}"}
    )
    assert r.status_code == 200, r.text


def test_the_code_that_turned_two_factor_on_cannot_sign_in(api_for):
    """Typed into a page that a phishing proxy relays, the enabling code must not also be a
    sign-in code while it is current."""
    api = api_for("distribu")
    gus = api.sign_up("gus@example.com")
    setup = _post(api, "/v1/me/two-factor/setup", gus.signed.token).json()
    totp = pyotp.TOTP(setup["secret"])
    now = clock.now()
    clock.set_clock(lambda: now)
    try:
        code = totp.at(now)
        on = _post(api, "/v1/me/two-factor/enable", gus.signed.token, {"code": code})
        assert on.status_code == 200, on.text
        challenge = _password_step(api, "gus@example.com")
        again = _post(
            api, "/v1/auth/signin/second-factor", body={"challenge": challenge, "code": code}
        )
        assert again.status_code == 401 and again.json()["error"]["code"] == "WRONG_CODE"
    finally:
        clock.set_clock(None)


def test_a_code_that_signed_in_once_cannot_sign_in_again(api_for):
    """Seen over a shoulder or through a phishing proxy, a code is spent by its first use,
    though it stays current for its 30 seconds; the next step's code works."""
    api = api_for("distribu")
    fay = api.sign_up("fay@example.com")
    totp, _ = _turn_on(api, fay.signed.token)
    now = clock.now()
    clock.set_clock(lambda: now)
    try:
        code = totp.at(now)
        first = _post(
            api,
            "/v1/auth/signin/second-factor",
            body={"challenge": _password_step(api, "fay@example.com"), "code": code},
        )
        assert first.status_code == 200, first.text
        again = _post(
            api,
            "/v1/auth/signin/second-factor",
            body={"challenge": _password_step(api, "fay@example.com"), "code": code},
        )
        assert again.status_code == 401 and again.json()["error"]["code"] == "WRONG_CODE"
        later = now + timedelta(seconds=30)
        clock.set_clock(lambda: later)
        nxt = _post(
            api,
            "/v1/auth/signin/second-factor",
            body={"challenge": _password_step(api, "fay@example.com"), "code": totp.at(later)},
        )
        assert nxt.status_code == 200, nxt.text
    finally:
        clock.set_clock(None)


def _reset_password(api, email, new):
    assert _post(api, "/v1/auth/password-reset", body={"email": email}).status_code == 202
    token = link_token(api.t, email, "reset")
    done = _post(
        api, "/v1/auth/password-reset/complete", body={"token": token, "new_password": new}
    )
    assert done.status_code == 200, done.text


def test_a_password_reset_ends_a_second_factor_step_begun_before_it(api_for):
    api = api_for("distribu")
    dee = api.sign_up("dee@example.com")
    totp, _ = _turn_on(api, dee.signed.token)
    challenge = _password_step(api, "dee@example.com")  # whoever knew the old password
    _reset_password(api, "dee@example.com", "a brand new password")
    late = _post(
        api, "/v1/auth/signin/second-factor", body={"challenge": challenge, "code": totp.now()}
    )
    assert late.status_code == 410, late.text
    assert "token" not in late.json()


def test_a_reset_that_proves_the_address_removes_a_second_factor_set_up_before_it_was_proved(
    api_for,
):
    api = api_for("distribu")
    squatter = api.sign_up("eve@example.com", verified=False)
    _turn_on(api, squatter.signed.token)
    _reset_password(api, "eve@example.com", "the real owner's password")  # the mailbox's owner
    signed = _post(
        api,
        "/v1/auth/signin",
        body={"email": "eve@example.com", "password": "the real owner's password"},
    )
    assert signed.status_code == 200, signed.text  # no factor the owner never set up
    with api.t.db.reading() as s:
        user = s.scalar(select(User).where(User.email == "eve@example.com"))
        assert user is not None and user.totp_enabled_at is None
        assert s.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all() == []
