"""The marketplace page (shared/seeds/003_6f0da2f9c20a8017.txt) on the dashboard: sign-up asks
only what it uses, nobody is offered a distributor of their own, and a Distributor admin adds
Distributor ReadOnly to a fellow admin without being offered to take anything else away."""

from __future__ import annotations

from tests.factories import add_member, make_org, make_user
from tests.web.conftest import PASSWORD, Web


def test_sign_up_asks_no_organization_name_and_says_how_one_joins(web_for) -> None:
    """The page: "When inviting an end-customer user, it is suggested to use the “Customer”
    status." — one joins a marketplace organization by invitation."""
    web: Web = web_for("marketplace")
    b = web.browser()
    page = b.get("/signup").text
    assert 'name="organization"' not in page
    assert "invitation" in page
    assert "comes with your own organization" not in b.get("/login").text
    r = b.submit(
        "/signup",
        "/signup",
        {"name": "W", "email": "walk-in@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/signup/sent")
    r = web.browser().submit(  # a name posted anyway is refused, not ignored
        "/signup",
        "/signup",
        {"name": "X", "email": "x@example.com", "password": PASSWORD, "organization": "X Co"},
    )
    assert r.status_code == 422
    assert "invitation" in r.text


def test_no_one_is_offered_a_top_level_distributor(web_for) -> None:
    """The page: "Users assigned the "Distributor admin" or "Super admin" roles have the ability
    to grant the "Distributor ReadOnly" role" — distributor roles come from a distributor, which
    the operator sets up; the dashboard offers no form that would fail or make one."""
    web: Web = web_for("marketplace")
    b = web.browser()
    assert b.sign_up("walk-in@example.com", "W", org="") == ""  # no organization of its own
    page = b.get("/orgs").text
    assert 'action="/orgs"' not in page
    assert "operator" in page
    # a hand-made post is refused all the same
    r = b.submit("/orgs", "/orgs", {"name": "D", "kind": "distributor"})
    assert r.status_code == 403
    assert "operator" in r.text


def test_a_distributor_admin_adds_readonly_to_another_admin_on_the_team_page(web_for) -> None:
    """The page: "the "Distributor ReadOnly" role must be assigned in addition to the
    "Distributor admin" role to obtain full read permissions." — a Distributor admin gives it
    to a fellow admin, who keeps Distributor admin (shown, not removable)."""
    web: Web = web_for("marketplace")
    t = web.t
    owner = make_user(t, "super@example.com", password=PASSWORD)
    distributor = make_org(t, owner, "Distri", kind="distributor", as_operator=True)
    giver = make_user(t, "giver@example.com", password=PASSWORD)
    peer = make_user(t, "peer@example.com", password=PASSWORD)
    add_member(t, distributor, giver, ["distributor_admin"])
    add_member(t, distributor, peer, ["distributor_admin"])
    b = web.browser()
    b.sign_in("giver@example.com")
    page = b.get(f"/orgs/{distributor.id}").text
    row = page[page.index(f'id="member-{peer.id}"') :]
    row = row[: row.index("</tr>")]
    assert '<input type="hidden" name="role" value="distributor_admin">' in row
    assert 'name="role" value="distributor_readonly"' in row
    assert "Remove" not in row
    r = b.submit(
        f"/orgs/{distributor.id}",
        f"/orgs/{distributor.id}/members/{peer.id}/role",
        {"role": ["distributor_admin", "distributor_readonly"]},
    )
    assert r.status_code in (200, 303), r.text
    assert t.authz.snapshot(peer.id, distributor.id).roles == {
        "distributor_admin",
        "distributor_readonly",
    }
    assert t.authz.check(peer.id, "distributor.portal.read", distributor.id)
    page = b.get(f"/orgs/{distributor.id}").text
    owner_row = page[page.index(f'id="member-{owner.id}"') :]
    owner_row = owner_row[: owner_row.index("</tr>")]
    assert '<input type="hidden" name="role" value="super_admin">' in owner_row  # kept as is
    assert "Remove" not in owner_row
