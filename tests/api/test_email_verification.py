"""Verified addresses over HTTP: sign-up sends a single-use, expiring confirmation link;
an unverified account gets nothing by email; whoever proves the mailbox (an invitation
link, a claim link) takes the address from an unverified squatter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tenantry import clock
from tenantry.accounts.models import User
from tenantry.audit.models import AuditEvent
from tenantry.client import ApiError, calls
from tests.api.accounts_mail import link_token, mails_to
from tests.api.conftest import PASSWORD


def invitation_token(api, email):
    return link_token(api.t, email, "invite")


def _user(api, email):
    with api.t.db.reading() as s:
        return s.scalar(select(User).where(User.email == email))


def _post(api, path, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return api.http.post(path, json=body, headers=headers)


def test_a_new_account_is_unverified_until_its_mailed_link_is_used(api_for):
    api = api_for("distribu")
    alice = api.sign_up("alice@example.com", verified=False)
    assert _user(api, "alice@example.com").email_verified_at is None
    token = link_token(api.t, "alice@example.com", "verify")
    r = _post(api, "/v1/auth/verify", {"token": token})
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True
    assert _user(api, "alice@example.com").email_verified_at is not None
    trail = alice.client.http.get(
        "/v1/me/audit", headers={"Authorization": f"Bearer {alice.signed.token}"}
    ).json()
    assert [e["action"] for e in trail][:3] == [
        "account.verified",
        "account.signed_in",
        "account.created",
    ]


def test_a_verification_link_works_once(api_for):
    api = api_for("distribu")
    api.sign_up("bob@example.com", verified=False)
    token = link_token(api.t, "bob@example.com", "verify")
    assert _post(api, "/v1/auth/verify", {"token": token}).status_code == 200
    again = _post(api, "/v1/auth/verify", {"token": token})
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "LINK_USED"


def test_a_tampered_or_foreign_link_is_not_found(api_for):
    api = api_for("distribu")
    api.sign_up("cleo@example.com", verified=False)
    token = link_token(api.t, "cleo@example.com", "verify")
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, token.replace("tnv_", "tnr_"), "tnv_0000000000000000_x"):
        r = _post(api, "/v1/auth/verify", {"token": bad})
        assert r.status_code == 404, bad
        assert r.json()["error"]["code"] == "LINK_NOT_FOUND"


@pytest.mark.parametrize(
    ("after", "status"),
    [(timedelta(hours=48) - timedelta(seconds=1), 200), (timedelta(hours=48), 410)],
)
def test_a_verification_link_expires_at_48_hours(api_for, after, status):
    api = api_for("distribu")
    sent = clock.now()
    clock.set_clock(lambda: sent)
    try:
        api.sign_up("dora@example.com", verified=False)
        token = link_token(api.t, "dora@example.com", "verify")
        clock.set_clock(lambda: sent + after)
        r = _post(api, "/v1/auth/verify", {"token": token})
    finally:
        clock.set_clock(None)
    assert r.status_code == status, r.text
    if status == 410:
        assert r.json()["error"]["code"] == "LINK_EXPIRED"


def test_a_new_link_replaces_the_last_one(api_for):
    api = api_for("distribu")
    erin = api.sign_up("erin@example.com", verified=False)
    first = link_token(api.t, "erin@example.com", "verify")
    r = _post(api, "/v1/me/verification", {}, erin.signed.token)
    assert r.status_code == 202, r.text
    second = link_token(api.t, "erin@example.com", "verify")
    assert first != second
    assert _post(api, "/v1/auth/verify", {"token": first}).json()["error"]["code"] == "LINK_USED"
    assert _post(api, "/v1/auth/verify", {"token": second}).status_code == 200
    r = _post(api, "/v1/me/verification", {}, erin.signed.token)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "ALREADY_VERIFIED"


def test_signing_up_with_a_known_address_mails_its_owner_and_changes_nothing(api_for):
    api = api_for("distribu")
    api.sign_up("fay@example.com")
    before = _user(api, "fay@example.com")
    r = _post(
        api,
        "/v1/auth/signup",
        {"email": "Fay@Example.com", "name": "Other", "password": "another password"},
    )
    assert r.status_code == 202, r.text
    after = _user(api, "fay@example.com")
    assert (after.id, after.name, after.password_hash) == (
        before.id,
        before.name,
        before.password_hash,
    )
    subject, body = mails_to(api.t, "fay@example.com")[-1]
    assert subject == "You already have an account"
    assert "/forgot" in body
    with pytest.raises(ApiError):  # the second password opens nothing
        api.anonymous.send(calls.sign_in("fay@example.com", "another password"))


def test_the_squatting_scenario_ends_with_the_real_owner_holding_the_address(api_for):
    """An attacker signs up as victim@ first; the victim's invitation link still works: its
    sign-up path takes the address, the squatter is disabled and signed out, and the audit
    trail says so."""
    api = api_for("distribu")
    owner = api.sign_up("owner@example.com", org="Olive Co")
    squatter = api.sign_up("victim@example.com", name="Mallory", verified=False)
    owner.client.send(calls.invite(owner.org_id, ["victim@example.com"], roles=["admin"]))
    token = invitation_token(api, "victim@example.com")
    preview = api.anonymous.send(calls.invitation(token))
    assert preview.account_exists is False  # an unverified account does not count
    r = api.http.post(
        f"/v1/invitations/{token}/signup", json={"name": "Victor", "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    victim = api.anonymous.as_token(r.json()["token"])
    assert victim.send(calls.me()).user.name == "Victor"
    assert [o.org_id for o in victim.send(calls.me()).organizations] == [owner.org_id]
    holder = _user(api, "victim@example.com")
    assert holder.id != squatter.id and holder.email_verified_at is not None
    with pytest.raises(ApiError) as caught:  # the squatter's session ended
        squatter.client.send(calls.me())
    assert caught.value.status == 401
    with api.t.db.reading() as s:
        old = s.get(User, squatter.id)
        assert not old.is_active
        event = s.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "account.reclaimed", AuditEvent.target_id == squatter.id
            )
        )
    assert event is not None
    assert event.target == "victim@example.com"
    assert event.after["active"] is False and event.after["ended_sessions"] >= 1


def test_the_real_owner_reclaims_an_address_by_signing_up_and_using_the_claim_link(api_for):
    api = api_for("distribu")
    squatter = api.sign_up("gil@example.com", name="Mallory", verified=False)
    r = _post(
        api,
        "/v1/auth/signup",
        {"email": "gil@example.com", "name": "Gil", "password": "gils own password"},
    )
    assert r.status_code == 202
    token = link_token(api.t, "gil@example.com", "claim")
    r = _post(api, "/v1/auth/claim", {"token": token, "password": "gils own password"})
    assert r.status_code == 201, r.text
    gil = api.anonymous.send(calls.sign_in("gil@example.com", "gils own password"))
    assert gil.user.id != squatter.id and gil.user.name == "Gil"
    with pytest.raises(ApiError):
        api.anonymous.send(calls.sign_in("gil@example.com", PASSWORD))  # the squatter's
    again = {"token": token, "password": "gils own password"}
    assert _post(api, "/v1/auth/claim", again).status_code == 410


def test_a_claim_needs_the_password_of_its_sign_up_so_a_squatter_signing_up_again_gains_nothing(
    api_for,
):
    api = api_for("distribu")
    squatter = api.sign_up("ivy@example.com", name="Mallory", verified=False)
    owner = {"email": "ivy@example.com", "name": "Ivy", "password": "ivys own password"}
    assert _post(api, "/v1/auth/signup", owner).status_code == 202
    again = {"email": "ivy@example.com", "name": "Ivy", "password": "mallorys password"}
    assert _post(api, "/v1/auth/signup", again).status_code == 202  # the squatter, once more
    token = link_token(api.t, "ivy@example.com", "claim")  # the newest mail: the squatter's
    r = _post(api, "/v1/auth/claim", {"token": token, "password": "ivys own password"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "WRONG_PASSWORD", r.text
    with api.t.db.reading() as s:
        holder = s.scalar(select(User).where(User.email == "ivy@example.com"))
        assert holder is not None and holder.id == squatter.id and not holder.is_verified
    with pytest.raises(ApiError):
        api.anonymous.send(calls.sign_in("ivy@example.com", "mallorys password"))
    assert _post(api, "/v1/auth/signup", owner).status_code == 202  # the owner, again
    token = link_token(api.t, "ivy@example.com", "claim")
    r = _post(api, "/v1/auth/claim", {"token": token, "password": "ivys own password"})
    assert r.status_code == 201, r.text
    assert api.anonymous.send(calls.sign_in("ivy@example.com", "ivys own password")).user


def test_a_claim_is_refused_once_the_holder_proved_the_address(api_for):
    api = api_for("distribu")
    api.sign_up("hal@example.com", verified=False)
    _post(api, "/v1/auth/signup", {"email": "hal@example.com", "name": "H", "password": PASSWORD})
    claim = link_token(api.t, "hal@example.com", "claim")
    verify = link_token(api.t, "hal@example.com", "verify")
    assert _post(api, "/v1/auth/verify", {"token": verify}).status_code == 200
    r = _post(api, "/v1/auth/claim", {"token": claim, "password": PASSWORD})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "EMAIL_TAKEN"


def test_accepting_through_the_invitation_link_verifies_the_address(api_for):
    api = api_for("distribu")
    owner = api.sign_up("own@example.com")
    ivy = api.sign_up("ivy@example.com", verified=False)
    owner.client.send(calls.invite(owner.org_id, ["ivy@example.com"], roles=["member"]))
    ivy.client.send(calls.accept_invitation(invitation_token(api, "ivy@example.com")))
    assert _user(api, "ivy@example.com").email_verified_at is not None


def test_an_unverified_account_is_granted_no_role_by_email(api_for):
    """The marketplace grants the 360° Report Viewer by email: not to an address nobody
    proved (the squatter would get it)."""
    api = api_for("marketplace")
    from tests.factories import make_org, make_user

    t = api.t
    boss = make_user(t, "super@example.com", password=PASSWORD)
    distributor = make_org(t, boss, "Distri", kind="distributor", as_operator=True)
    seller = make_org(t, boss, "Seller", kind="seller", parent=distributor, by=boss)
    api.sign_up("analyst@example.com", verified=False)
    admin = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("super@example.com", PASSWORD)).token
    )
    with pytest.raises(ApiError) as caught:
        admin.send(calls.grant_cross_role(seller.id, "analyst@example.com", "report_360_viewer"))
    assert (caught.value.status, caught.value.code) == (409, "EMAIL_UNVERIFIED")
    token = link_token(t, "analyst@example.com", "verify")
    assert _post(api, "/v1/auth/verify", {"token": token}).status_code == 200
    granted = admin.send(
        calls.grant_cross_role(seller.id, "analyst@example.com", "report_360_viewer")
    )
    assert granted.role == "report_360_viewer"
