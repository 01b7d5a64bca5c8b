"""The organization's settings tab: rename, public profile, delete (typing the name), and
ownership transfer the way the policy says: a request to the operator (Distribu), or
granting every permission (Distancer). The header's switcher lists the viewer's
organizations; the organization list shows kinds by their labels."""

from __future__ import annotations

from sqlalchemy import select

from tenantry.audit.models import AuditEvent
from tenantry.members.service import list_members
from tenantry.orgs.models import Organization
from tests.factories import add_member, make_user
from tests.web.conftest import PASSWORD, Web


def _org(web: Web, org_id: str) -> Organization:
    with web.t.db.sessions() as s:
        return s.get_one(Organization, org_id)


def test_the_owner_renames_and_edits_the_public_profile(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com", org="Olive Co")
    page = owner.get(f"/orgs/{org}/settings")
    assert page.status_code == 200 and "Public profile" in page.text
    r = owner.submit(f"/orgs/{org}/settings", f"/orgs/{org}/settings/name", {"name": "Olive Ltd"})
    assert r.status_code == 200 and "The organization is now called Olive Ltd." in r.text
    r = owner.submit(
        f"/orgs/{org}/settings",
        f"/orgs/{org}/settings/profile",
        {"description": "We sell olives.", "website": "https://olive.example"},
    )
    assert "Public profile saved." in r.text
    assert _org(web, org).name == "Olive Ltd"
    assert _org(web, org).profile == {
        "description": "We sell olives.",
        "website": "https://olive.example",
    }
    bad = owner.submit(
        f"/orgs/{org}/settings", f"/orgs/{org}/settings/profile", {"website": "javascript:x"}
    )
    assert bad.status_code == 422 and "must start with https://" in bad.text


def test_deleting_needs_the_name_typed(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com", org="Olive Co")
    wrong = owner.submit(
        f"/orgs/{org}/settings", f"/orgs/{org}/settings/delete", {"confirm_name": "Olive"}
    )
    assert wrong.status_code == 422 and "Type the name of the organization" in wrong.text
    assert _org(web, org) is not None
    r = owner.submit(
        f"/orgs/{org}/settings", f"/orgs/{org}/settings/delete", {"confirm_name": "Olive Co"}
    )
    assert r.status_code == 200 and "Olive Co was deleted" in r.text
    with web.t.db.sessions() as s:
        assert s.get(Organization, org) is None


def test_a_member_without_the_permissions_has_no_settings_tab(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    add_member(
        web.t, _org(web, org), make_user(web.t, "bob@example.com", password=PASSWORD), ["member"]
    )
    bob = web.browser()
    assert bob.sign_in("bob@example.com").status_code == 303
    assert f'href="/orgs/{org}/settings"' not in bob.get(f"/orgs/{org}").text
    assert bob.get(f"/orgs/{org}/settings").status_code == 403
    r = bob.submit(f"/orgs/{org}", f"/orgs/{org}/settings/name", {"name": "Mine now"})
    assert r.status_code == 403
    assert _org(web, org).name == "Acme"


def test_distribu_ownership_is_a_request_to_the_operator(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    bob = make_user(web.t, "bob@example.com")
    add_member(web.t, _org(web, org), bob, ["admin"])
    r = owner.submit(
        f"/orgs/{org}/settings", f"/orgs/{org}/settings/transfer", {"to_user_id": bob.id}
    )
    assert "Asked the operator to make bob@example.com the owner" in r.text
    with web.t.db.sessions() as s:
        roles = {m.email: m.roles for m in list_members(s, org)}
        asked = s.scalars(
            select(AuditEvent.target).where(AuditEvent.action == "ownership.transfer_requested")
        ).all()
    assert roles["olive@example.com"] == ("owner",) and roles["bob@example.com"] == ("admin",)
    assert asked == ["bob@example.com"]


def test_distancer_ownership_passes_by_granting_every_permission(web_for) -> None:
    web: Web = web_for("distancer")
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    heir = make_user(web.t, "heir@example.com")
    add_member(web.t, _org(web, org), heir, permissions=["org.view"])
    page = owner.get(f"/orgs/{org}/settings").text
    assert "Ownership passes by giving the new owner every permission" in page
    r = owner.submit(
        f"/orgs/{org}/settings", f"/orgs/{org}/settings/transfer", {"to_user_id": heir.id}
    )
    assert "ownership has passed to them" in r.text
    with web.t.db.sessions() as s:
        perms = {m.email: set(m.permissions) for m in list_members(s, org)}
    assert perms["heir@example.com"] == {p.id for p in web.t.policy.org_permissions}


def test_the_header_switches_organizations_and_kinds_show_their_labels(web: Web) -> None:
    owner = web.browser()
    first = owner.sign_up("olive@example.com", org="Olive Co")
    second = owner.submit("/orgs", "/orgs", {"name": "Second Co"}, follow_redirects=False)
    assert second.status_code == 303
    page = owner.get(f"/orgs/{first}").text
    switcher = page[page.index('class="switcher"') : page.index("</details>")]
    assert "Olive Co" in switcher and "Second Co" in switcher
    assert f'href="/orgs/{first}" aria-current="page"' in switcher
    listing = owner.get("/orgs").text
    assert "<td>Company</td>" in listing and "<td>company</td>" not in listing
