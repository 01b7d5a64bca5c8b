"""Organization-owned API keys (Distribu: "tied to the company, not the user")."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenantry.apikeys.models import ApiKey
from tenantry.client import ApiError, calls
from tenantry.orgs.models import Organization
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_user


def _org(api, org_id):
    with api.t.db.sessions() as s:
        return s.get(Organization, org_id)


def _admin(api, owner):
    admin = make_user(api.t, "admin@example.com", password=PASSWORD)
    add_member(api.t, _org(api, owner.org_id), admin, ["admin"])
    signed = api.anonymous.send(calls.sign_in("admin@example.com", PASSWORD))
    return admin, api.anonymous.as_token(signed.token)


def test_api_key_keeps_working_after_its_creator_is_removed(api_for):
    api = api_for("distribu")
    owner = api.sign_up(org="Distribu Co")
    admin, admin_client = _admin(api, owner)
    created = admin_client.send(calls.create_api_key(owner.org_id, "ci", roles=["member"]))
    owner.client.send(calls.remove_member(owner.org_id, admin.id))
    key_client = api.anonymous.as_token(created.token)
    assert key_client.send(calls.get_org(owner.org_id)).id == owner.org_id
    assert [k.id for k in owner.client.send(calls.list_api_keys(owner.org_id))] == [created.id]


def test_api_key_token_is_shown_once_and_stored_only_as_a_hash(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    created = owner.client.send(calls.create_api_key(owner.org_id, "ci", roles=["admin"]))
    listed = owner.client.send(calls.list_api_keys(owner.org_id))
    assert "token" not in listed[0].model_dump()
    with api.t.db.sessions() as s:
        row = s.scalar(select(ApiKey))
        stored = " ".join(str(getattr(row, c.name)) for c in ApiKey.__table__.columns)
    secret = created.token.rsplit("_", 1)[-1]
    assert secret not in stored


def test_api_key_cannot_hold_more_than_its_creator(api_for):
    api = api_for("verkkokurssikassa")
    owner = api.sign_up()
    _, admin_client = _admin(api, owner)
    with pytest.raises(ApiError) as caught:
        admin_client.send(calls.create_api_key(owner.org_id, "too strong", roles=["owner"]))
    assert caught.value.status == 403


def test_member_cannot_create_api_keys(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    member = make_user(api.t, "m@example.com", password=PASSWORD)
    add_member(api.t, _org(api, owner.org_id), member, ["member"])
    client = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("m@example.com", PASSWORD)).token
    )
    with pytest.raises(ApiError) as caught:
        client.send(calls.create_api_key(owner.org_id, "nope", roles=["member"]))
    assert (caught.value.status, caught.value.code) == (403, "PERMISSION_DENIED")


def test_revoked_api_key_is_refused_on_the_next_request(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    created = owner.client.send(calls.create_api_key(owner.org_id, "ci", roles=["admin"]))
    key_client = api.anonymous.as_token(created.token)
    key_client.send(calls.get_org(owner.org_id))
    owner.client.send(calls.revoke_api_key(owner.org_id, created.id))
    with pytest.raises(ApiError) as caught:
        key_client.send(calls.get_org(owner.org_id))
    assert caught.value.status == 401


def test_api_key_acts_only_with_its_role(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    created = owner.client.send(calls.create_api_key(owner.org_id, "reader", roles=["member"]))
    key_client = api.anonymous.as_token(created.token)
    with pytest.raises(ApiError) as caught:
        key_client.send(calls.create_api_key(owner.org_id, "escalate", roles=["admin"]))
    assert caught.value.status == 403
