"""The Distancer.ai page (shared/seeds/000_80e7aad3f707dd39.txt) over HTTP: Manage Organization
is what the page says it is, limited only by "You can only grant permissions that you yourself
have", and ownership is still transferred by granting everything."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tenantry.client import ApiError, calls
from tenantry.orgs.models import Organization
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_user

EVERYTHING_COUNT = 20


def _client(api, email):
    return api.anonymous.as_token(api.anonymous.send(calls.sign_in(email, PASSWORD)).token)


@pytest.fixture
def team(api_for):
    """An administrator's organization with a deputy (View + Manage Organization) and a member
    holding a permission the deputy lacks (View Orders)."""
    api = api_for("distancer")
    admin = api.sign_up("admin@example.com")
    org = admin.org_id
    deputy = make_user(api.t, "deputy@example.com", password=PASSWORD)
    buyer = make_user(api.t, "buyer@example.com", password=PASSWORD)
    add_member(api.t, _org(api, org), deputy, permissions=["org.view", "org.manage"])
    add_member(api.t, _org(api, org), buyer, permissions=["customer.orders.view"])
    return SimpleNamespace(
        api=api,
        org=org,
        admin=admin,
        deputy=deputy,
        buyer=buyer,
        as_deputy=_client(api, "deputy@example.com"),
    )


def _org(api, org_id):
    with api.t.db.sessions() as s:
        return s.get_one(Organization, org_id)


def test_manage_organization_gives_view_organization_to_a_member_holding_more(team):
    """The page: "Important: You can only grant permissions that you yourself have." — the
    page's only limit is on what is granted: View Organization, which the deputy holds, may be
    given to a member who also holds View Orders, which the deputy does not."""
    out = team.as_deputy.send(
        calls.update_member(
            team.org, team.buyer.id, permissions=["customer.orders.view", "org.view"]
        )
    )
    assert out.permissions == ["customer.orders.view", "org.view"]


def test_manage_organization_removes_a_member_holding_permissions_it_lacks(team):
    """The page: "Administrators can remove members from the organization at any time." and
    Manage Organization lets one "invite/remove members"."""
    team.as_deputy.send(calls.remove_member(team.org, team.buyer.id))
    emails = [m.email for m in team.as_deputy.send(calls.list_members(team.org)).items]
    assert "buyer@example.com" not in emails


def test_manage_organization_removes_individual_permissions_it_lacks(team):
    """The page: "Add or remove individual permissions" — removing grants nothing, so "You can
    only grant permissions that you yourself have" does not stand in the way."""
    team.as_deputy.send(calls.update_member(team.org, team.buyer.id, permissions=["org.view"]))
    member = team.as_deputy.send(calls.get_member(team.org, team.buyer.id))
    assert member.permissions == ["org.view"]


def test_you_still_cannot_grant_a_permission_you_do_not_have(team):
    """The page: "You can only grant permissions that you yourself have. If you don't have the
    Manage Meetings permission, you cannot grant it to someone else.\""""
    with pytest.raises(ApiError) as caught:
        team.as_deputy.send(
            calls.update_member(
                team.org,
                team.buyer.id,
                permissions=["customer.orders.view", "provider.meetings.manage"],
            )
        )
    assert (caught.value.status, caught.value.code) == (403, "GRANT_EXCEEDS_OWN_PERMISSIONS")
    assert "Manage Meetings" in caught.value.message
    member = team.as_deputy.send(calls.get_member(team.org, team.buyer.id))
    assert member.permissions == ["customer.orders.view"]


def test_ownership_is_still_transferred_by_granting_everything_then_the_transition(team):
    """The page: "If you need to transfer administrative control of an organization, grant the
    target member all permissions including Manage Organization, then coordinate the
    transition.\""""
    with pytest.raises(ApiError) as caught:  # the deputy cannot grant what it does not hold
        team.as_deputy.send(calls.transfer_ownership(team.org, team.buyer.id))
    assert caught.value.code == "GRANT_EXCEEDS_OWN_PERMISSIONS"
    team.admin.client.send(calls.transfer_ownership(team.org, team.buyer.id))
    heir = _client(team.api, "buyer@example.com")
    assert len(heir.send(calls.get_org(team.org)).my_permissions) == EVERYTHING_COUNT
    heir.send(calls.remove_member(team.org, team.admin.id))  # the transition
    emails = {m.email for m in heir.send(calls.list_members(team.org)).items}
    assert emails == {"buyer@example.com", "deputy@example.com"}
