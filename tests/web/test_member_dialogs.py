"""The members table's dialogs. Change role: picking a role asks first, in a dialog that
says what the role gives and what would change in the member's resource access (Dystr's
caps and automatic Workspace rows in words); saving offers Undo; a refusal leaves the row as
it still is. Edit access: the same form as its page, over the table."""

from __future__ import annotations

import html
import json
import re

from tenantry.orgs.models import Organization
from tenantry.resources import service as resources
from tests.factories import add_member, make_resource, make_user, set_access
from tests.web.conftest import PASSWORD, Browser, Web, csrf_of

HTMX = {"HX-Request": "true"}


def _dystr(web: Web) -> tuple[Browser, str, str]:
    """An Administrator; Vera, an Editor given Editor on an invite-only Workspace; one
    organization-wide Workspace."""
    admin = web.browser()
    org_id = admin.sign_up("admin@example.com")
    with web.t.db.sessions() as s:
        org = s.get_one(Organization, org_id)
    vera = make_user(web.t, "vera@example.com", password=PASSWORD)
    add_member(web.t, org, vera, ["editor"])
    secret = make_resource(web.t, org, "workspace", "Secret plans", visibility="invite_only")
    make_resource(web.t, org, "workspace", "Handbook", visibility="organization")
    set_access(web.t, org_id, vera.id, secret.id, "editor")
    return admin, org_id, vera.id


def _roles(web: Web, org_id: str, user_id: str) -> frozenset[str]:
    with web.t.db.sessions() as s:
        return web.t.authz.snapshot(user_id, org_id, s).roles


def test_the_dialog_says_what_the_role_gives_and_what_changes_before_anything_is_saved(
    web_for,
) -> None:
    web: Web = web_for("dystr")
    admin, org, vera = _dystr(web)
    r = admin.http.get(f"/orgs/{org}/members/{vera}/role", params={"role": "viewer"}, headers=HTMX)
    assert r.status_code == 200, r.text
    dialog = re.sub(r"\s+", " ", r.text)
    assert "Make vera@example.com Viewer?" in dialog
    # the cap, and the automatic row of the organization-wide Workspace, in words
    assert (
        "<strong>Secret plans</strong> (Workspace): Editor (given by hand) → "
        "Viewer (given Editor; the organization role caps it)"
    ) in dialog
    assert (
        "<strong>Handbook</strong> (Workspace): Editor (automatic, from the organization role)"
        " → Viewer (automatic, from the organization role)"
    ) in dialog
    assert "at most Viewer on any Workspace given by hand" in dialog  # what the role gives
    assert _roles(web, org, vera) == {"editor"}  # asking changed nothing


def test_a_role_whose_access_is_the_same_says_so(web_for) -> None:
    web: Web = web_for("dystr")
    admin, org, vera = _dystr(web)
    r = admin.http.get(f"/orgs/{org}/members/{vera}/role", params={"role": "editor"}, headers=HTMX)
    assert "Their access to workspaces stays as it is." in r.text


def test_saving_from_the_dialog_changes_the_role_and_offers_undo(web_for) -> None:
    web: Web = web_for("dystr")
    admin, org, vera = _dystr(web)
    token = csrf_of(admin.get(f"/orgs/{org}").text)
    headers = {**HTMX, "X-CSRF-Token": token}
    url = f"/orgs/{org}/members/{vera}/role"
    r = admin.http.post(url, data={"role": "viewer"}, headers=headers)
    assert r.status_code == 200, r.text
    assert _roles(web, org, vera) == {"viewer"}
    assert "Role changed to Viewer." in r.text
    undo = r.text[r.text.index("Role changed to Viewer.") :]
    found = re.search(r"hx-vals='([^']*)'[^>]*>Undo</button>", undo)
    assert found and json.loads(html.unescape(found.group(1))) == {"role": ["editor"]}
    assert '<div id="dialog-slot" hx-swap-oob="innerHTML"></div>' in r.text  # it closes
    r = admin.http.post(url, data={"role": "editor"}, headers=headers)
    assert r.status_code == 200 and _roles(web, org, vera) == {"editor"}


def test_a_refused_change_closes_the_dialog_and_shows_the_role_as_it_still_is(web: Web) -> None:
    """Distribu: an ADMIN may not make anybody OWNER."""
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    with web.t.db.sessions() as s:
        organization = s.get_one(Organization, org)
    ben = make_user(web.t, "ben@example.com", password=PASSWORD)
    add_member(web.t, organization, ben, ["member"])
    token = csrf_of(owner.get(f"/orgs/{org}").text)
    r = owner.http.post(
        f"/orgs/{org}/members/{ben.id}/role",
        data={"role": "owner"},
        headers={**HTMX, "X-CSRF-Token": token},
    )
    assert r.status_code in (403, 409, 422), r.text
    assert r.headers["HX-Reswap"] == "none"
    assert 'role="alert"' in r.text
    assert f'<tr id="member-{ben.id}" hx-swap-oob="outerHTML">' in r.text
    assert '<option value="member" selected>' in r.text
    assert _roles(web, org, ben.id) == {"member"}


def test_nobody_gets_the_dialog_for_a_member_whose_role_they_may_not_change(web_for) -> None:
    web: Web = web_for("dystr")
    _, org, vera = _dystr(web)
    # Vera, an Editor, may change nobody's role (her own included)
    vera_browser = web.browser()
    vera_browser.sign_in("vera@example.com", PASSWORD)
    r = vera_browser.http.get(
        f"/orgs/{org}/members/{vera}/role", params={"role": "administrator"}, headers=HTMX
    )
    assert r.status_code == 404


def test_edit_access_opens_over_the_table_and_its_page_stays_for_plain_links(web_for) -> None:
    web: Web = web_for("dystr")
    admin, org, vera = _dystr(web)
    url = f"/orgs/{org}/members/{vera}/access"
    table = admin.get(f"/orgs/{org}").text
    assert f'hx-get="{url}" hx-target="#dialog-slot"' in table
    dialog = admin.http.get(url, headers=HTMX).text
    assert '<dialog id="access-dialog"' in dialog
    assert 'aria-label="Role on Secret plans"' in dialog and "data-close-dialog" in dialog
    assert "<html" not in dialog
    page = admin.get(url).text
    assert "<html" in page and 'aria-label="Role on Secret plans"' in page
    saved = admin.submit(url, url, {f"resource:{_id(web, org, 'Secret plans')}": "viewer"})
    assert saved.status_code == 200 and "Access saved." in saved.text


def _id(web: Web, org: str, name: str) -> str:
    with web.t.db.sessions() as s:
        return next(r.id for r in resources.list_resources(s, org) if r.name == name)
