"""Each preset's signature rules through the REST API (the services' own tests hold the full
rule sets; these show the HTTP surface carries them), and the async client."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tenantry.client import ApiError, AsyncClient, calls
from tests.api.conftest import PASSWORD
from tests.api.test_invitations import _link_token
from tests.factories import make_org, make_user


def test_distancer_grants_permissions_one_by_one_and_only_those_held(api_for):
    api = api_for("distancer")
    admin = api.sign_up("admin@example.com")
    api.sign_up("helper@example.com")
    admin.client.send(
        calls.invite(admin.org_id, ["helper@example.com"], permissions=["org.view", "org.manage"])
    )
    helper = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("helper@example.com", PASSWORD)).token
    )
    helper.send(calls.accept_invitation(_link_token(api, "helper@example.com")))
    api.sign_up("third@example.com")
    with pytest.raises(ApiError) as caught:  # the helper lacks Manage Meetings
        helper.send(
            calls.invite(
                admin.org_id, ["third@example.com"], permissions=["provider.meetings.manage"]
            )
        )
    assert caught.value.code == "GRANT_EXCEEDS_OWN_PERMISSIONS"
    me = helper.send(calls.get_org(admin.org_id))
    assert sorted(me.my_permissions) == ["org.manage", "org.view"]


def test_distancer_business_project_makes_the_org_a_provider_too(api_for):
    api = api_for("distancer")
    admin = api.sign_up()
    assert admin.client.send(calls.get_org(admin.org_id)).kinds == ["customer"]
    admin.client.send(calls.create_resource(admin.org_id, "business_project", "Shop"))
    assert admin.client.send(calls.get_org(admin.org_id)).kinds == ["customer", "provider"]


def test_dystr_invite_only_workspace_is_404_to_members_not_added(api_for):
    api = api_for("dystr")
    admin = api.sign_up()
    private = admin.client.send(calls.create_resource(admin.org_id, "workspace", "Secret"))
    assert private.visibility == "invite_only"
    api.sign_up("viewer@example.com")
    admin.client.send(calls.invite(admin.org_id, ["viewer@example.com"], roles=["viewer"]))
    viewer = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("viewer@example.com", PASSWORD)).token
    )
    viewer.send(calls.accept_invitation(_link_token(api, "viewer@example.com")))
    with pytest.raises(ApiError) as caught:
        viewer.send(calls.get_resource(admin.org_id, private.id))
    assert caught.value.status == 404
    me = viewer.send(calls.me()).user.id
    admin.client.send(calls.set_member_access(admin.org_id, me, {private.id: "editor"}))
    access = viewer.send(calls.member_access(admin.org_id, me))
    assert access[0].permissions == ["workspace.view"]  # a Viewer's cap


def test_marketplace_sign_up_creates_no_orphan_customer_organization(api_for):
    api = api_for("marketplace")
    walk_in = api.sign_up("walk-in@example.com")
    assert walk_in.signed.organization is None
    assert walk_in.client.send(calls.me()).organizations == []


def test_marketplace_customer_admin_invites_users_of_the_same_organization(api_for):
    api = api_for("marketplace")
    t = api.t
    dist_admin, seller_admin = make_user(t), make_user(t)
    buyer = make_user(t, "buyer@example.com", password=PASSWORD)
    distributor = make_org(t, dist_admin, "Distri", kind="distributor", as_operator=True)
    seller = make_org(t, seller_admin, "Seller", kind="seller", parent=distributor, by=dist_admin)
    customer = make_org(t, buyer, "Buyer Co", kind="customer", parent=seller, by=seller_admin)
    client = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("buyer@example.com", PASSWORD)).token
    )
    assert client.send(calls.get_org(customer.id)).my_roles == ["customer_admin"]
    api.sign_up("colleague@example.com")
    client.send(calls.invite(customer.id, ["colleague@example.com"], roles=["customer"]))
    colleague = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("colleague@example.com", PASSWORD)).token
    )
    colleague.send(calls.accept_invitation(_link_token(api, "colleague@example.com")))
    assert colleague.send(calls.get_org(customer.id)).my_roles == ["customer"]


def test_the_async_client_speaks_the_same_calls(api_for):
    api = api_for("distribu")
    owner = api.sign_up()

    async def run():
        transport = httpx.ASGITransport(app=api.http.app)
        async with AsyncClient(
            token=owner.signed.token,
            http=httpx.AsyncClient(transport=transport, base_url="http://t"),
        ) as client:
            org = await client.send(calls.get_org(owner.org_id))
            with pytest.raises(ApiError) as caught:
                await client.send(calls.get_org("0" * 32))
            return org, caught.value

    org, error = asyncio.run(run())
    assert org.id == owner.org_id
    assert (error.status, error.code) == (404, "NOT_FOUND")


def test_marketplace_360_viewer_granted_over_http_reaches_only_that_org(api_for):
    api = api_for("marketplace")
    t = api.t
    dist_admin = make_user(t, "dist@example.com", password=PASSWORD)
    seller_admin = make_user(t)
    distributor = make_org(t, dist_admin, "Distri", kind="distributor", as_operator=True)
    seller = make_org(t, seller_admin, "Seller", kind="seller", parent=distributor, by=dist_admin)
    other = make_org(t, make_user(t), "Other", kind="seller", parent=distributor, by=dist_admin)
    analyst = api.sign_up("analyst@example.com")
    admin = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("dist@example.com", PASSWORD)).token
    )
    grant = admin.send(
        calls.grant_cross_role(seller.id, "analyst@example.com", "report_360_viewer")
    )
    assert [g.email for g in admin.send(calls.list_cross_roles(seller.id))] == [
        "analyst@example.com"
    ]
    assert analyst.client.send(calls.check(analyst.id, "reports.360.view", seller.id)).allowed
    with pytest.raises(ApiError) as caught:  # the role gives the report, not the organization
        analyst.client.send(calls.get_org(seller.id))
    assert caught.value.status == 403
    with pytest.raises(ApiError) as caught:
        analyst.client.send(calls.check(analyst.id, "reports.360.view", other.id))
    assert caught.value.status == 404
    admin.send(calls.revoke_cross_role(seller.id, grant.id))
    with pytest.raises(ApiError) as caught:
        analyst.client.send(calls.check(analyst.id, "reports.360.view", seller.id))
    assert caught.value.status == 404


def test_cross_role_routes_exist_only_where_the_policy_has_such_a_role(api_for):
    paths = api_for("distribu").http.app.openapi()["paths"]
    assert not any("cross-roles" in p for p in paths)
