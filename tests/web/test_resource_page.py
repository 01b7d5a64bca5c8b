"""A resource's page: who has access and why, rename, delete, and Dystr's Share dialog
("Invite-only" or "Everyone at [Organization]", members added by email; only members)."""

from __future__ import annotations

from sqlalchemy import select

from tenantry.members.models import Membership
from tenantry.orgs.models import Organization
from tenantry.resources.models import Resource, ResourceGrant
from tests.factories import add_member, make_resource, make_user
from tests.web.conftest import PASSWORD, Web


def _setup(web: Web):
    admin = web.browser()
    org_id = admin.sign_up("admin@example.com", org="Dystr Co")
    with web.t.db.sessions() as s:
        org = s.get_one(Organization, org_id)
    ed = make_user(web.t, "ed@example.com", name="Ed", password=PASSWORD)
    vera = make_user(web.t, "vera@example.com", name="Vera", password=PASSWORD)
    add_member(web.t, org, ed, ["editor"])
    add_member(web.t, org, vera, ["viewer"])
    space = make_resource(web.t, org, "workspace", "Plans", visibility="invite_only")
    return admin, org_id, space, ed, vera


def test_sharing_by_email_gives_members_access_and_shows_who_has_it(web_for) -> None:
    web: Web = web_for("dystr")
    admin, org, space, ed, vera = _setup(web)
    url = f"/orgs/{org}/resources/{space.id}"
    page = admin.get(url).text
    assert "Share Workspace" in page and "Everyone at Dystr Co" in page and "Invite-only" in page
    r = admin.submit(
        url,
        f"{url}/share",
        {
            "visibility": "invite_only",
            "emails": "ed@example.com, vera@example.com",
            "role": "editor",
        },
    )
    assert r.status_code == 200 and "Sharing of Plans saved; 2 added." in r.text
    who = r.text[r.text.index("Who has access") :]
    assert "ed@example.com" in who and "given by hand" in who
    assert "given Editor, capped by the organization role" in who  # Vera, a Viewer
    with web.t.db.sessions() as s:
        grants = {
            s.get_one(Membership, g.membership_id).user_id: g.role
            for g in s.scalars(select(ResourceGrant).where(ResourceGrant.resource_id == space.id))
        }
    assert grants == {ed.id: "editor", vera.id: "editor"}


def test_only_members_can_be_added_and_a_refusal_changes_nothing(web_for) -> None:
    web: Web = web_for("dystr")
    admin, org, space, _, _ = _setup(web)
    url = f"/orgs/{org}/resources/{space.id}"
    r = admin.submit(
        url,
        f"{url}/share",
        {
            "visibility": "organization",
            "emails": "ed@example.com stranger@example.com",
            "role": "viewer",
        },
    )
    assert r.status_code == 409
    assert "stranger@example.com is not a member of Dystr Co" in r.text
    assert "data-open" in r.text and "ed@example.com stranger@example.com</textarea>" in r.text
    with web.t.db.sessions() as s:
        assert s.get_one(Resource, space.id).visibility == "invite_only"  # not half-done
        assert not s.scalars(
            select(ResourceGrant).where(ResourceGrant.resource_id == space.id)
        ).all()


def test_everyone_at_the_organization_reaches_it_through_their_role(web_for) -> None:
    web: Web = web_for("dystr")
    admin, org, space, _, _ = _setup(web)
    url = f"/orgs/{org}/resources/{space.id}"
    r = admin.submit(url, f"{url}/share", {"visibility": "organization"})
    assert "Sharing of Plans saved." in r.text
    who = r.text[r.text.index("Who has access") :]
    assert "vera@example.com" in who and "automatic, from the organization role" in who


def test_rename_and_delete(web_for) -> None:
    web: Web = web_for("dystr")
    admin, org, space, _, _ = _setup(web)
    url = f"/orgs/{org}/resources/{space.id}"
    r = admin.submit(url, f"{url}/rename", {"name": "Big plans"})
    assert "Renamed to Big plans." in r.text
    r = admin.submit(url, f"{url}/delete")
    assert r.status_code == 200 and "Big plans deleted" in r.text
    with web.t.db.sessions() as s:
        assert s.get(Resource, space.id) is None


def test_a_member_who_cannot_reach_it_gets_not_found_and_one_who_cannot_manage_no_forms(
    web_for,
) -> None:
    web: Web = web_for("dystr")
    admin, org, space, _, _ = _setup(web)
    url = f"/orgs/{org}/resources/{space.id}"
    vera = web.browser()
    assert vera.sign_in("vera@example.com").status_code == 303
    assert vera.get(url).status_code == 404  # invite-only, not given: as if it did not exist
    admin.submit(
        url,
        f"{url}/share",
        {"visibility": "invite_only", "emails": "vera@example.com", "role": "viewer"},
    )
    page = vera.get(url)
    assert page.status_code == 200 and "Share Workspace" not in page.text
    assert vera.submit(url, f"{url}/rename", {"name": "Mine"}).status_code == 403
