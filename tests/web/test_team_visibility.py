"""The dashboard gates its reads as the API does (issue 9 item 8): the team — the members
table, a member's access page — needs the policy's view permission; without it a member
gets the tabs they may see, and never the team.

Shown red: before the gate, a Distancer member without View Organization saw every
member's email on the team page and another member's access page."""

from __future__ import annotations

from sqlalchemy import select

from tenantry.accounts.models import User
from tenantry.orgs.models import Organization
from tests.factories import add_member, make_user
from tests.web.conftest import PASSWORD, Web


def _org(web: Web, org_id: str) -> Organization:
    with web.t.db.sessions() as s:
        return s.get_one(Organization, org_id)


def test_without_view_organization_a_member_sees_no_team(web_for) -> None:
    """Distancer: View Organization — "See organization details, member list, and basic
    settings"; a member granted only customer permissions sees none of it."""
    web: Web = web_for("distancer")
    admin = web.browser()
    org = admin.sign_up("admin@example.com")
    buyer = make_user(web.t, "buyer@example.com", password=PASSWORD)
    add_member(web.t, _org(web, org), buyer, permissions=["customer.orders.view"])
    browser = web.browser()
    assert browser.sign_in("buyer@example.com").status_code == 303

    page = browser.get(f"/orgs/{org}")  # the tab they may see: Business Projects (none)
    assert page.status_code == 200 and "Business Projects" in page.text
    assert "admin@example.com" not in page.text
    assert browser.get(f"/orgs/{org}/resources").text == page.text
    with web.t.db.sessions() as s:
        admin_id = s.scalars(select(User.id).where(User.email == "admin@example.com")).one()
    other = browser.get(f"/orgs/{org}/members/{admin_id}/access")
    assert other.status_code == 403 and "View Organization" in other.text
    assert "admin@example.com" not in other.text


def test_with_view_organization_the_team_is_there(web_for) -> None:
    web: Web = web_for("distancer")
    admin = web.browser()
    org = admin.sign_up("admin@example.com")
    viewer = make_user(web.t, "viewer@example.com", password=PASSWORD)
    add_member(web.t, _org(web, org), viewer, permissions=["org.view"])
    browser = web.browser()
    assert browser.sign_in("viewer@example.com").status_code == 303
    page = browser.get(f"/orgs/{org}")
    assert page.status_code == 200
    assert "admin@example.com" in page.text and "viewer@example.com" in page.text


def test_a_member_without_the_team_gets_the_first_tab_they_may_see(web_for) -> None:
    """A Distancer member holding Manage Organization but not View Organization (the page
    grants them one by one) lands on the pending invitations, not on a refusal."""
    web: Web = web_for("distancer")
    admin = web.browser()
    org = admin.sign_up("admin@example.com")
    manager = make_user(web.t, "manager@example.com", password=PASSWORD)
    add_member(web.t, _org(web, org), manager, permissions=["org.manage"])
    browser = web.browser()
    assert browser.sign_in("manager@example.com").status_code == 303
    page = browser.get(f"/orgs/{org}")
    assert page.status_code == 200
    assert "Pending invitations" in page.text
    assert "admin@example.com" not in page.text
