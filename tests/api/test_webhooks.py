"""The webhook routes: the policy's webhook permission, the secret shown once, 422 for an
internal URL at save, 404 for another organization's endpoint, the delivery log and manual
redelivery."""

from __future__ import annotations

import pytest

from tenantry.webhooks.config import WebhookConfig
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_org, make_user


@pytest.fixture
def team(api_for):
    api = api_for("distribu")
    api.t.webhooks = WebhookConfig(allow_private=False, resolve=lambda h, p: ["93.184.216.34"])
    api.t.deliveries.config = api.t.webhooks
    olive = make_user(api.t, "olive@example.com", password=PASSWORD)
    mia = make_user(api.t, "mia@example.com", password=PASSWORD)
    org = make_org(api.t, olive, "Olive Co")
    add_member(api.t, org, mia, ["member"], by=olive)
    eve = make_user(api.t, "eve@example.com", password=PASSWORD)
    other = make_org(api.t, eve, "Eve Co")
    tokens = {}
    for user in (olive, mia, eve):
        signed = api.http.post("/v1/auth/signin", json={"email": user.email, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        tokens[user.email.split("@")[0]] = {"Authorization": f"Bearer {signed.json()['token']}"}
    return api, org.id, other.id, tokens


def test_create_list_update_rotate_delete(team):
    api, org_id, _, tokens = team
    base = f"/v1/orgs/{org_id}/webhooks"
    made = api.http.post(
        base,
        json={"url": "https://hooks.example/in", "event_types": ["member.*"]},
        headers=tokens["olive"],
    )
    assert made.status_code == 201, made.text
    secret, hook_id = made.json()["secret"], made.json()["id"]
    listed = api.http.get(base, headers=tokens["olive"]).json()
    assert [h["id"] for h in listed] == [hook_id] and "secret" not in listed[0]
    assert secret not in api.http.get(f"{base}/{hook_id}", headers=tokens["olive"]).text
    changed = api.http.patch(
        f"{base}/{hook_id}",
        json={"event_types": ["*"], "description": "CRM"},
        headers=tokens["olive"],
    )
    assert changed.json()["event_types"] == ["*"] and changed.json()["description"] == "CRM"
    rotated = api.http.post(f"{base}/{hook_id}/rotate-secret", headers=tokens["olive"]).json()
    assert rotated["secret"] != secret and rotated["previous_secret_until"]
    log = api.http.get(f"{base}/{hook_id}/deliveries", headers=tokens["olive"]).json()
    assert {d["event_type"] for d in log} == {"webhook.updated", "webhook.secret_rotated"}
    again = api.http.post(
        f"{base}/{hook_id}/deliveries/{log[0]['id']}/redeliver", headers=tokens["olive"]
    )
    assert again.status_code == 200 and again.json()["status"] == "pending"
    assert api.http.delete(f"{base}/{hook_id}", headers=tokens["olive"]).status_code == 204
    assert api.http.get(f"{base}/{hook_id}", headers=tokens["olive"]).status_code == 404


def test_an_internal_url_is_a_422_naming_the_field(team):
    api, org_id, _, tokens = team
    api.t.webhooks = WebhookConfig(allow_private=False)
    r = api.http.post(
        f"/v1/orgs/{org_id}/webhooks",
        json={"url": "http://169.254.169.254/latest/"},
        headers=tokens["olive"],
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "WEBHOOK_URL_REFUSED"
    assert "internal address" in r.json()["error"]["message"]


def test_a_member_without_the_permission_is_refused_and_a_stranger_sees_nothing(team):
    api, org_id, other_id, tokens = team
    base = f"/v1/orgs/{org_id}/webhooks"
    body = {"url": "https://hooks.example/in"}
    assert api.http.post(base, json=body, headers=tokens["mia"]).status_code == 403
    assert api.http.get(base, headers=tokens["mia"]).status_code == 403
    assert api.http.get(base, headers=tokens["eve"]).status_code == 404
    theirs = api.http.post(
        f"/v1/orgs/{other_id}/webhooks", json=body, headers=tokens["eve"]
    ).json()["id"]
    for method, path in (
        ("GET", f"{base}/{theirs}"),
        ("PATCH", f"{base}/{theirs}"),
        ("DELETE", f"{base}/{theirs}"),
        ("POST", f"{base}/{theirs}/rotate-secret"),
        ("GET", f"{base}/{theirs}/deliveries"),
    ):
        r = api.http.request(
            method, path, headers=tokens["olive"], json={} if method == "PATCH" else None
        )
        assert r.status_code == 404, (method, path, r.text)
