"""The same pages under other presets: checkouts (Verkkokurssikassa), permissions one by one
(Distancer), workspaces (Dystr); and the API keys and audit log tabs."""

from __future__ import annotations

import re

from tests.web.conftest import PASSWORD, Web, csrf_of


def test_checkout_access_invite_and_edit(web_for) -> None:  # type: ignore[no-untyped-def]
    web: Web = web_for("verkkokurssikassa")
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    r = owner.submit(
        f"/orgs/{org}/resources",
        f"/orgs/{org}/resources",
        {"type": "checkout", "name": "Spring course"},
    )
    assert "Checkout Spring course created." in r.text
    page = owner.get(f"/orgs/{org}").text
    res_id = re.search(r'name="resource:(\w+)"', page).group(1)  # type: ignore[union-attr]
    assert "Spring course: Admin" in page  # owners are Admin on every checkout
    # invite several at once, with a role and checkout access
    r = owner.submit(
        f"/orgs/{org}",
        f"/orgs/{org}/invitations",
        {
            "emails": "a@example.com\nb@example.com",
            "role": "member",
            f"resource:{res_id}": "viewer",
        },
    )
    assert r.text.count("invited, email sent.") == 2
    for link in web.invite_links():
        web.browser().submit(link, f"{link}/signup", {"name": "N", "password": PASSWORD})
    page = owner.get(f"/orgs/{org}").text
    assert page.count("Spring course: Viewer") == 2
    assert "Edit Checkout Access" in page
    me = re.search(
        r'<tr id="member-(\w+)">\s*<td class="select">[^\n]*\n\s*<td>olive@example.com', page
    ).group(1)  # type: ignore[union-attr]
    # a single derived row can be removed by hand
    access = owner.get(f"/orgs/{org}/members/{me}/access").text
    assert "automatic, from the organization role" in access
    r = owner.submit(
        f"/orgs/{org}/members/{me}/access",
        f"/orgs/{org}/members/{me}/access",
        {f"resource:{res_id}": ""},
    )
    assert "Access saved." in r.text
    assert "Spring course: Admin" not in owner.get(f"/orgs/{org}").text


def test_permissions_are_checkboxes_and_only_held_ones_are_grantable(web_for) -> None:  # type: ignore[no-untyped-def]
    web: Web = web_for("distancer")
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    page = owner.get(f"/orgs/{org}").text
    assert "Start from a setup" in page and "Store Manager" in page
    r = owner.submit(
        f"/orgs/{org}",
        f"/orgs/{org}/invitations",
        {"emails": "s@example.com", "template": "store_manager", "permission": "org.view"},
    )
    assert "invited, email sent." in r.text
    link = web.invite_links()[-1]
    staff = web.browser()
    staff.submit(link, f"{link}/signup", {"name": "S", "password": PASSWORD})
    page = owner.get(f"/orgs/{org}").text
    uid = re.search(
        r'<tr id="member-(\w+)">\s*<td class="select">[^\n]*\n\s*<td>s@example.com', page
    ).group(1)  # type: ignore[union-attr]
    token = csrf_of(page)
    r = owner.http.post(
        f"/orgs/{org}/members/{uid}/permissions",
        data={"permission": ["org.view", "org.manage"]},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert r.status_code == 200 and "Permissions saved." in r.text and "2 permissions" in r.text
    # the staff member now holds two: their invite form offers those and nothing else;
    # "You can only grant permissions that you yourself have" limits what, not whom: they
    # may edit the owner, who holds more, and tick only what they hold (unticking any)
    staff_page = staff.get(f"/orgs/{org}").text
    invite_form = staff_page[
        staff_page.index('id="invite-dialog"') : staff_page.index("Send invit")
    ]
    assert 'name="permission" value="org.manage"' in invite_form
    assert 'value="customer.orders.view"' not in invite_form
    owner_row = staff_page[staff_page.index("olive@example.com") :]
    owner_row = owner_row[: owner_row.index("</tr>")]
    assert "Save permissions" in owner_row
    assert 'value="customer.orders.view" checked>' in owner_row  # held: may be unticked
    assert 'value="customer.orders.view" checked disabled' not in owner_row


def test_workspaces_share_and_last_active(web_for) -> None:  # type: ignore[no-untyped-def]
    web: Web = web_for("dystr")
    owner = web.browser()
    org = owner.sign_up("olive@example.com", org="Lab")
    r = owner.submit(
        f"/orgs/{org}/resources",
        f"/orgs/{org}/resources",
        {"type": "workspace", "name": "Secret", "visibility": "invite_only"},
    )
    assert "Workspace Secret created." in r.text
    assert "Everyone at Lab" in r.text
    res_id = re.search(r"/resources/(\w+)/visibility", r.text).group(1)  # type: ignore[union-attr]
    r = owner.submit(
        f"/orgs/{org}/resources",
        f"/orgs/{org}/resources/{res_id}/visibility",
        {"visibility": "organization"},
    )
    assert "Sharing of Secret saved." in r.text
    page = owner.get(f"/orgs/{org}").text
    assert "Last active" in page and "just now" in page
    assert "Administrator" in page


def test_api_keys_token_shown_once_and_revoke(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    r = owner.submit(
        f"/orgs/{org}/api-keys", f"/orgs/{org}/api-keys", {"name": "CI", "role": "admin"}
    )
    assert "it is shown only this once" in r.text
    token = re.search(r">(tnk_[^<]+)</textarea>", r.text).group(1)  # type: ignore[union-attr]
    assert (
        owner.http.get("/v1/orgs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    page = owner.get(f"/orgs/{org}/api-keys").text
    assert token not in page and "CI" in page
    key_id = re.search(r"/api-keys/(\w+)/revoke", page).group(1)  # type: ignore[union-attr]
    r = owner.submit(f"/orgs/{org}/api-keys", f"/orgs/{org}/api-keys/{key_id}/revoke")
    assert "API key revoked." in r.text
    assert (
        owner.http.get("/v1/orgs", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_audit_log_shows_actor_time_ip_and_filters(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    owner.submit(
        f"/orgs/{org}", f"/orgs/{org}/invitations", {"emails": "x@example.com", "role": "member"}
    )
    page = owner.get(f"/orgs/{org}/audit").text
    assert "invitation.sent" in page and "org.created" in page
    assert "olive@example.com" in page and "testclient" in page
    page = owner.get(f"/orgs/{org}/audit?action=org.created").text
    assert "<code>org.created</code>" in page and "<code>invitation.sent</code>" not in page
