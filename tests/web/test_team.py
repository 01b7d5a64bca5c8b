"""The Team page (Distribu): invite, role dropdown, Remove, select several + Delete."""

from __future__ import annotations

import re

from tests.web.conftest import Browser, Web, csrf_of

HTMX = {"HX-Request": "true"}


def join(
    web: Web, owner: Browser, org: str, email: str, role: str = "member"
) -> tuple[Browser, str]:
    """Invite ``email`` through the page and sign up through the emailed link."""
    before = len(web.invite_links())
    r = owner.submit(f"/orgs/{org}", f"/orgs/{org}/invitations", {"emails": email, "role": role})
    assert r.status_code == 200, r.text
    link = web.invite_links()[before]
    b = web.browser()
    r = b.submit(
        link,
        f"{link}/signup",
        {"name": email.split("@")[0], "password": "correct horse battery staple"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/orgs/{org}"
    return b, member_id(owner, org, email)


def member_id(b: Browser, org: str, email: str) -> str:
    page = b.get(f"/orgs/{org}").text
    found = re.search(
        rf'<tr id="member-(\w+)">\s*<td class="select">[^\n]*\n\s*<td>{re.escape(email)}', page
    )
    assert found, page
    return found.group(1)


def test_owner_sees_invite_form_and_role_options_from_the_policy(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    page = owner.get(f"/orgs/{org}").text
    assert "Invite members" in page
    invite_form = page[page.index("Invite members") : page.index("Send invitations")]
    assert '<option value="admin"' in invite_form and '<option value="member"' in invite_form
    assert '"owner"' not in invite_form  # OWNER is never given by invitation


def test_invited_member_appears_with_role_and_last_active(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    join(web, owner, org, "ben@example.com")
    page = owner.get(f"/orgs/{org}").text
    row = page[page.index("ben@example.com") :]
    assert "just now" in row[:3000]
    assert 'aria-label="Role of ben@example.com"' in page


def test_owner_changes_a_role_in_place_with_htmx(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    _, ben = join(web, owner, org, "ben@example.com")
    token = csrf_of(owner.get(f"/orgs/{org}").text)
    r = owner.http.post(
        f"/orgs/{org}/members/{ben}/role",
        data={"role": "admin"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith(f'<tr id="member-{ben}">')
    assert '<option value="admin" selected>' in r.text
    assert "Role changed to ADMIN." in r.text
    # without JavaScript: a plain form post and a redirect back
    r = owner.submit(f"/orgs/{org}", f"/orgs/{org}/members/{ben}/role", {"role": "member"})
    assert r.status_code == 200 and "Role changed to MEMBER." in r.text


def test_admins_get_no_role_dropdown_and_cannot_remove_admins(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    admin, _ = join(web, owner, org, "ada@example.com", "admin")
    _, ali = join(web, owner, org, "ali@example.com", "admin")
    _, mem = join(web, owner, org, "mo@example.com", "member")
    page = admin.get(f"/orgs/{org}").text
    assert "Role of" not in page  # only the Owner changes roles
    assert f"/members/{mem}/remove" in page  # admins remove members...
    assert f"/members/{ali}/remove" not in page  # ...but not other admins
    # forcing it anyway: the service refuses and the page says why
    r = admin.submit(f"/orgs/{org}", f"/orgs/{org}/members/{ali}/remove")
    assert r.status_code == 403
    assert "ADMIN cannot remove a member who holds ADMIN." in r.text
    r = admin.submit(f"/orgs/{org}", f"/orgs/{org}/members/{mem}/role", {"role": "admin"})
    assert r.status_code == 403 and "Changing a member&#39;s role needs" in r.text


def test_remove_in_place_and_the_member_loses_access_at_once(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    ben_browser, ben = join(web, owner, org, "ben@example.com")
    token = csrf_of(owner.get(f"/orgs/{org}").text)
    r = owner.http.post(
        f"/orgs/{org}/members/{ben}/remove", headers={**HTMX, "X-CSRF-Token": token}
    )
    assert r.status_code == 200
    assert "<tr" not in r.text and "Member removed." in r.text
    assert "ben@example.com" not in owner.get(f"/orgs/{org}").text
    assert ben_browser.get(f"/orgs/{org}").status_code == 404


def test_htmx_refusals_go_to_the_message_area(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    me = member_id(owner, org, "olive@example.com")
    token = csrf_of(owner.get(f"/orgs/{org}").text)
    r = owner.http.post(f"/orgs/{org}/members/{me}/remove", headers={**HTMX, "X-CSRF-Token": token})
    assert r.status_code == 403
    assert r.headers["hx-retarget"] == "#messages"
    assert "You cannot remove yourself." in r.text
    assert "Traceback" not in r.text


def test_select_several_and_delete_is_all_or_nothing(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    admin, _ = join(web, owner, org, "ada@example.com", "admin")
    _, ali = join(web, owner, org, "ali@example.com", "admin")
    _, m1 = join(web, owner, org, "m1@example.com")
    _, m2 = join(web, owner, org, "m2@example.com")
    r = admin.submit(f"/orgs/{org}", f"/orgs/{org}/members/remove", {"user_id": [m1, ali]})
    assert r.status_code == 403
    page = owner.get(f"/orgs/{org}").text
    assert "m1@example.com" in page and "ali@example.com" in page
    r = admin.submit(f"/orgs/{org}", f"/orgs/{org}/members/remove", {"user_id": [m1, m2]})
    assert r.status_code == 200 and "2 members removed." in r.text
    assert "m1@example.com" not in r.text and "m2@example.com" not in r.text


def test_strangers_get_404_for_an_organization(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    stranger = web.browser()
    stranger.sign_up("eve@example.com")
    r = stranger.get(f"/orgs/{org}")
    assert r.status_code == 404 and "No such organization." in r.text
    assert (
        stranger.submit(
            "/orgs", f"/orgs/{org}/invitations", {"emails": "x@example.com", "role": "member"}
        ).status_code
        == 404
    )


def test_members_do_not_see_the_invite_form_or_admin_tabs(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    member, _ = join(web, owner, org, "mo@example.com")
    page = member.get(f"/orgs/{org}").text
    assert "Invite members" not in page and "Remove" not in page
    assert "Audit log" not in page and "API keys" not in page
    assert member.get(f"/orgs/{org}/audit").status_code == 403
