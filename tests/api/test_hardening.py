"""Catalogue items for the API edge: sessions after a password change (F4), audited refusals
(I1), names that cannot forge log lines (I2), the database going away (J2), and password
storage (G1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tenantry.accounts.models import User
from tenantry.accounts.passwords import hash_password, verify_password
from tenantry.audit.models import AuditEvent
from tenantry.client import ApiError, calls
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_user


def test_password_change_can_end_every_other_session(api_for):
    api = api_for("distribu")
    alice = api.sign_up("alice@example.com")
    laptop = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("alice@example.com", PASSWORD)).token
    )
    result = alice.client.send(calls.change_password(PASSWORD, "a brand new passphrase"))
    assert result == {"ended_sessions": 1}
    alice.client.send(calls.me())  # the session that changed it stays
    with pytest.raises(ApiError) as caught:
        laptop.send(calls.me())
    assert caught.value.status == 401
    api.anonymous.send(calls.sign_in("alice@example.com", "a brand new passphrase"))


def test_password_change_needs_the_current_password(api_for):
    api = api_for("distribu")
    alice = api.sign_up("alice@example.com")
    with pytest.raises(ApiError) as caught:
        alice.client.send(calls.change_password("not my password", "a brand new passphrase"))
    assert (caught.value.status, caught.value.code) == (403, "WRONG_PASSWORD")


def test_a_disabled_account_loses_every_session(api_for):
    api = api_for("distribu")
    alice = api.sign_up("alice@example.com")
    with api.t.db.transaction() as s:
        s.get_one(User, alice.id).is_active = False
    with pytest.raises(ApiError) as caught:
        alice.client.send(calls.me())
    assert caught.value.status == 401


def test_a_refused_change_is_audited_with_actor_ip_and_rule(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    from tenantry.orgs.models import Organization

    with api.t.db.sessions() as s:
        org = s.get_one(Organization, owner.org_id)
    member = make_user(api.t, "m@example.com", password=PASSWORD)
    add_member(api.t, org, member, ["member"])
    client = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("m@example.com", PASSWORD)).token
    )
    with pytest.raises(ApiError):
        client.send(calls.remove_member(owner.org_id, owner.id))
    with api.t.db.sessions() as s:
        denials = s.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert len(denials) == 1
    denial = denials[0]
    assert (denial.org_id, denial.actor_id, denial.actor) == (
        owner.org_id,
        member.id,
        "m@example.com",
    )
    assert denial.ip == "testclient"
    assert denial.target == "DELETE /v1/orgs/{org_id}/members/{user_id}"
    assert denial.after["code"] == "PERMISSION_DENIED"


def test_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    api.http.patch(
        f"/v1/orgs/{owner.org_id}",
        json={"profile": {"tagline": "x"}},
        headers={"Authorization": f"Bearer {owner.client.token}", "X-Forwarded-For": "6.6.6.6"},
    )
    events = owner.client.send(calls.audit_events(owner.org_id, action="org.updated")).items
    assert events and all(e.ip == "testclient" for e in events)


@pytest.mark.parametrize("name", ["Evil\r\nAdmin", "\x1b[31mred", "tab\there"])
def test_names_with_control_characters_are_refused(api_for, name):
    api = api_for("distribu")
    owner = api.sign_up()
    response = api.http.post(
        "/v1/orgs", json={"name": name}, headers={"Authorization": f"Bearer {owner.client.token}"}
    )
    assert response.status_code == 422


def test_a_lost_database_connection_is_a_503_to_retry(api_for, monkeypatch):
    api = api_for("distribu")
    owner = api.sign_up()

    def gone(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(api.t.authz, "snapshot", gone)
    response = api.http.get(
        f"/v1/orgs/{owner.org_id}", headers={"Authorization": f"Bearer {owner.client.token}"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()["error"]
    assert body["code"] == "RETRY" and "server closed" not in body["message"]


def test_passwords_are_argon2id_and_not_truncated():
    stored = hash_password("x" * 72 + "first")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "x" * 72 + "first")
    assert not verify_password(stored, "x" * 72 + "second")


def test_link_guessing_has_one_budget_across_the_api_and_the_dashboard(api_for):
    api = api_for("distribu")
    made_up = "tni_0123456789abcdef_"
    for i in range(30):
        assert api.http.get(f"/v1/invitations/{made_up}{i:043d}").status_code == 404
    assert api.http.get(f"/invite/{made_up}{'x' * 43}").status_code == 429
    refused = api.http.get(f"/v1/invitations/{made_up}{'y' * 43}")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
