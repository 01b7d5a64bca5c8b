"""Every read needs the permission that gives it (issue 9 item 8). The policy declares which:
``[policy.organization] view`` gives the organization, its member list and what its members
hold (checks about others included), ``view_settings`` its settings (the settings permission
unless the page says otherwise); resources need reach or their type's manage permission; the
rest have their own gates (invite, audit, API keys, grant). A caller whose only grant is a
cross-organization role sees only what that role's permissions give.

Shown red: before the reads were gated, the 360° Report Viewer alone read the seller's
organization (settings included), its member list, each member and whether a user is a
member, and asked about other members' permissions; every Distribu and Dystr member read the
organization's settings; and a Distancer member without View Organization read the member
list."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from tenantry.client import ApiError, Client, calls
from tenantry.orgs.models import Organization
from tests.api.conftest import PASSWORD, Api
from tests.factories import add_member, make_org, make_user

CANARY = "canary-seller-settings-5d1e"
RANDOM_ID = "0" * 32


def _client(api: Api, email: str) -> Client:
    return api.anonymous.as_token(api.anonymous.send(calls.sign_in(email, PASSWORD)).token)


def _status(client: Client, call: Any) -> int:
    try:
        client.send(call)
    except ApiError as exc:
        return exc.status
    return 200


def _refusal(client: Client, call: Any) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        client.send(call)
    return caught.value.status, caught.value.code


@pytest.fixture
def market(api_for):
    """A distributor with a seller (its settings hold a canary) and the seller's customer; an
    analyst who holds nothing but the 360° Report Viewer on the seller."""
    api = api_for("marketplace")
    t = api.t
    super_admin = make_user(t, "super@example.com", password=PASSWORD)
    distributor = make_org(t, super_admin, "Distri", kind="distributor", as_operator=True)
    seller_admin = make_user(t, f"seller-{CANARY}@example.com", password=PASSWORD)
    seller = make_org(t, seller_admin, "Seller", kind="seller", parent=distributor, by=super_admin)
    buyer = make_user(t, "buyer@example.com", password=PASSWORD)
    customer = make_org(t, buyer, "Buyer Co", kind="customer", parent=seller, by=seller_admin)
    admin = _client(api, seller_admin.email)
    admin.send(calls.update_org(seller.id, settings={"secret": CANARY}))
    api.sign_up("analyst@example.com")
    granted = _client(api, "super@example.com").send(
        calls.grant_cross_role(seller.id, "analyst@example.com", "report_360_viewer")
    )
    assert granted.role == "report_360_viewer"
    return SimpleNamespace(
        api=api,
        t=t,
        distributor=distributor,
        seller=seller,
        customer=customer,
        super_admin=super_admin,
        seller_admin=seller_admin,
        buyer=buyer,
        admin=admin,
        analyst=_client(api, "analyst@example.com"),
    )


def _analyst_id(market: SimpleNamespace) -> str:
    return market.analyst.send(calls.me()).user.id


def test_a_360_report_viewer_alone_gets_only_the_360_report_on_the_seller(market):
    """The page: the 360° Report Viewer is "Assigned to users for specific organizations to
    add these organizations to the 360° Report as Perspective Organizations" — it gives the
    360° Report, not the organization, its members or its settings."""
    analyst, seller, me = market.analyst, market.seller.id, _analyst_id(market)
    assert analyst.send(calls.check(me, "reports.360.view", seller)).allowed
    assert not analyst.send(calls.check(me, "org.view", seller)).allowed
    needs_view = (403, "PERMISSION_DENIED")
    assert _refusal(analyst, calls.get_org(seller)) == needs_view
    assert _refusal(analyst, calls.list_members(seller)) == needs_view
    assert _refusal(analyst, calls.list_members(seller, permission="org.manage")) == needs_view
    assert _refusal(analyst, calls.get_member(seller, market.seller_admin.id)) == needs_view
    assert _refusal(analyst, calls.member_access(seller, market.seller_admin.id)) == needs_view
    # whether someone is a member is the member list's to say: a random id answers the same
    assert _refusal(analyst, calls.member_access(seller, RANDOM_ID)) == needs_view
    assert _refusal(analyst, calls.check(market.seller_admin.id, "org.view", seller)) == needs_view
    assert _refusal(analyst, calls.check(RANDOM_ID, "org.view", seller)) == needs_view
    assert analyst.send(calls.list_resources(seller)).items == []
    for call in (
        calls.audit_events(seller),
        calls.pending_invitations(seller),
        calls.list_api_keys(seller),
        calls.list_cross_roles(seller),
    ):
        assert _status(analyst, call) == 403, call.path
    # and the organization it holds nothing on is as absent as ever
    assert _refusal(analyst, calls.get_org(market.customer.id)) == (404, "NOT_FOUND")


def test_no_read_route_shows_a_360_report_viewer_the_sellers_data(market):
    """Every GET under /v1/orgs/{org_id}, walked from the OpenAPI schema with the seller's
    real ids: a refusal, a 404, a 422 (the marketplace has no resource permission to look up)
    or an empty list, and never the seller's settings or people."""
    spec = market.api.http.app.openapi()
    ids = {
        "org_id": market.seller.id,
        "user_id": market.seller_admin.id,
        "resource_id": RANDOM_ID,
        "key_id": RANDOM_ID,
        "endpoint_id": RANDOM_ID,
        "delivery_id": RANDOM_ID,
    }
    query = {"user_id": market.seller_admin.id, "permission": "reports.360.view"}
    walked = 0
    for path, operations in spec["paths"].items():
        if "get" not in operations or not path.startswith("/v1/orgs/{org_id}"):
            continue
        url = path.format(**{p: ids[p] for p in re.findall(r"{(\w+)}", path)})
        response = market.analyst.http.get(
            url, params=query, headers={"Authorization": f"Bearer {market.analyst.token}"}
        )
        walked += 1
        assert response.status_code in (200, 403, 404, 422), (path, response.text)
        if response.status_code == 200:  # an empty list, or an empty page of one
            assert response.json() in ([], {"items": [], "next_cursor": None}), (
                path,
                response.text,
            )
        assert CANARY not in response.text, path
        assert market.seller_admin.id not in response.text, path
    assert walked >= 10


def test_a_360_report_viewer_sees_no_team_page_of_the_seller(market):
    """The dashboard answers the same: the seller's team page is not theirs to see."""
    from starlette.testclient import TestClient

    browser = TestClient(market.api.http.app)
    browser.cookies.set("tenantry_session", market.analyst.token)
    page = browser.get(f"/orgs/{market.seller.id}")
    assert page.status_code == 403
    assert CANARY not in page.text and "seller-" not in page.text
    browser.close()


def test_an_inherited_role_sees_what_its_rule_passes_down(market):
    """The page: "''Customer'' permissions are available to the seller and to the customer",
    and "having the 'Distributor ReadOnly' role alone is sufficient to gain read
    permissions": the Seller Admin reads its customer organization and its users, the
    distributor's ReadOnly reads the seller — neither reads settings it may not manage."""
    t, api = market.t, market.api
    customer = market.customer.id
    assert market.admin.send(calls.get_org(customer)).settings is None
    assert [m.email for m in market.admin.send(calls.list_members(customer)).items] == [
        "buyer@example.com"
    ]
    assert market.admin.send(calls.get_member(customer, market.buyer.id)).roles == [
        "customer_admin"
    ]
    assert _status(market.admin, calls.audit_events(customer)) == 403  # org.manage: not passed
    reader = make_user(t, "reader@example.com", password=PASSWORD)
    add_member(t, market.distributor, reader, ["distributor_readonly"])
    readonly = _client(api, "reader@example.com")
    seller = readonly.send(calls.get_org(market.seller.id))
    assert seller.settings is None and CANARY not in seller.model_dump_json()
    assert market.seller_admin.id in {
        m.user_id for m in readonly.send(calls.list_members(market.seller.id)).items
    }
    # the seller's own admin holds the settings permission and reads them
    assert market.admin.send(calls.get_org(market.seller.id)).settings == {"secret": CANARY}


def _org(api: Api, org_id: str) -> Organization:
    with api.t.db.sessions() as s:
        return s.get_one(Organization, org_id)


@pytest.mark.parametrize(
    ("preset", "sees_settings"),
    [
        ("distribu", {"owner": True, "admin": False, "member": False}),
        ("dystr", {"administrator": True, "editor": False, "viewer": False}),
        ("verkkokurssikassa", {"owner": True, "admin": False, "member": False}),
    ],
)
def test_settings_are_read_only_with_the_settings_permission(api_for, preset, sees_settings):
    """Each preset's settings permission ([policy.organization] settings): Distribu's "Manage
    billing & subscription" (Owner only), Dystr's "Can manage organization settings"
    (Administrator), Verkkokurssikassa's Owner "Has full control over the organization,
    including settings". Every member still reads the organization and its member list."""
    api = api_for(preset)
    creator = api.sign_up("creator@example.com")
    creator.client.send(calls.update_org(creator.org_id, settings={"plan": "gold"}))
    seen = {}
    for role in sees_settings:
        if role == api.t.policy.creator_role:
            client, user_id = creator.client, creator.id
        else:
            user = make_user(api.t, f"{role}@example.com", password=PASSWORD)
            add_member(api.t, _org(api, creator.org_id), user, [role])
            client, user_id = _client(api, user.email), user.id
        org = client.send(calls.get_org(creator.org_id))
        assert org.my_roles == [role]
        assert org.settings in (None, {"plan": "gold"})
        seen[role] = org.settings is not None
        assert user_id in {m.user_id for m in client.send(calls.list_members(creator.org_id)).items}
    assert seen == sees_settings


def test_distancer_view_organization_gives_details_member_list_and_basic_settings(api_for):
    """The page: View Organization — "See organization details, member list, and basic
    settings". A member granted other permissions only sees their own record and their own
    permissions, not the organization's people or settings."""
    api = api_for("distancer")
    admin = api.sign_up("admin@example.com")
    admin.client.send(calls.update_org(admin.org_id, settings={"currency": "EUR"}))
    org = _org(api, admin.org_id)
    viewer = make_user(api.t, "viewer@example.com", password=PASSWORD)
    buyer = make_user(api.t, "buyer@example.com", password=PASSWORD)
    add_member(api.t, org, viewer, permissions=["org.view"])
    add_member(api.t, org, buyer, permissions=["customer.orders.view", "customer.orders.place"])
    as_viewer, as_buyer = _client(api, viewer.email), _client(api, buyer.email)

    assert as_viewer.send(calls.get_org(admin.org_id)).settings == {"currency": "EUR"}
    assert {m.email for m in as_viewer.send(calls.list_members(admin.org_id)).items} == {
        "admin@example.com",
        "viewer@example.com",
        "buyer@example.com",
    }
    assert as_viewer.send(calls.check(buyer.id, "customer.orders.place", admin.org_id)).allowed

    needs_view = (403, "PERMISSION_DENIED")
    assert _refusal(as_buyer, calls.get_org(admin.org_id)) == needs_view
    assert _refusal(as_buyer, calls.list_members(admin.org_id)) == needs_view
    assert _refusal(as_buyer, calls.get_member(admin.org_id, admin.id)) == needs_view
    assert _refusal(as_buyer, calls.check(admin.id, "org.manage", admin.org_id)) == needs_view
    # about themselves they may always ask
    assert as_buyer.send(calls.get_member(admin.org_id, buyer.id)).permissions == [
        "customer.orders.place",
        "customer.orders.view",
    ]
    assert as_buyer.send(calls.check(buyer.id, "customer.orders.view", admin.org_id)).allowed
    assert as_buyer.send(calls.member_access(admin.org_id, buyer.id)) == []
