"""The dashboard's account page: sessions, name, leaving, deleting (refused while the last
owner, naming the organizations), and an organization's two-factor rule leading here."""

from __future__ import annotations

from tenantry.orgs.models import Organization
from tests.web.conftest import PASSWORD, Web


def test_the_account_page_lists_sessions_and_ends_the_others(web: Web) -> None:
    here = web.browser()
    here.sign_up("olive@example.com")
    there = web.browser()
    there.sign_in("olive@example.com")
    page = here.get("/account").text
    assert "(this one)" in page and page.count("Sign out</button>") >= 2
    r = here.submit("/account", "/account/sessions/end-others", follow_redirects=True)
    assert r.status_code == 200 and "other session(s) ended" in r.text
    assert there.get("/orgs", follow_redirects=False).status_code == 303  # to the sign-in
    assert here.get("/orgs").status_code == 200


def test_a_name_change_is_saved_and_in_the_activity(web: Web) -> None:
    b = web.browser()
    b.sign_up("olive@example.com", "Olive")
    r = b.submit("/account", "/account/name", {"name": "Olive Oyl"}, follow_redirects=True)
    assert "Olive Oyl" in r.text and "account.renamed" in r.text


def test_deleting_the_account_is_refused_naming_the_organizations_it_alone_owns(
    web: Web,
) -> None:
    b = web.browser()
    b.sign_up("olive@example.com", org="Olive Co")
    r = b.submit("/account", "/account/delete", {"password": PASSWORD})
    assert r.status_code == 409
    assert "You are the last owner of Olive Co" in r.text
    r = b.submit("/account", f"/account/organizations/{_org_id(web)}/leave")
    assert r.status_code == 409 and "must keep at least one" in r.text


def test_an_organization_requiring_two_factor_leads_its_member_to_the_account_page(
    web: Web,
) -> None:
    b = web.browser()
    org = b.sign_up("olive@example.com", org="Olive Co")
    with web.t.db.transaction() as s:
        s.get_one(Organization, org).require_two_factor = True
    r = b.get(f"/orgs/{org}", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/account#two-factor")
    page = b.get("/account").text
    assert "requires two-factor sign-in" in page
    assert "Set up two-factor sign-in" in page


def _org_id(web: Web) -> str:
    from sqlalchemy import select

    with web.t.db.reading() as s:
        return str(s.scalar(select(Organization.id)))
