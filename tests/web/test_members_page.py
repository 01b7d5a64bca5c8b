"""The members page: the invite form offers the least powerful role first, keeps what was
typed when the seat cap refuses, the seat meter counts members and pending invitations, and
a resource role the organization role caps shows what it really gives."""

from __future__ import annotations

import re

import pytest

from tenantry.orgs.models import Organization
from tests.factories import add_member, make_resource, make_user, set_access
from tests.web.conftest import PASSWORD, Web


def _org(web: Web, org_id: str) -> Organization:
    with web.t.db.sessions() as s:
        return s.get_one(Organization, org_id)


def _selected_role(html: str) -> str:
    form = html[html.index('id="invite-dialog"') :]
    select = re.search(r'<select name="role">(.*?)</select>', form, re.S)
    assert select, form
    chosen = re.findall(r'<option value="([^"]+)"[^>]*\sselected', select.group(1))
    assert len(chosen) == 1, select.group(1)
    return chosen[0]


@pytest.mark.parametrize(
    ("policy", "least"),
    [("distribu", "member"), ("dystr", "viewer"), ("verkkokurssikassa", "member")],
)
def test_the_invite_form_offers_the_least_powerful_role_first(web_for, policy, least) -> None:
    web: Web = web_for(policy)
    browser = web.browser()
    org = browser.sign_up("olive@example.com")
    assert _selected_role(browser.get(f"/orgs/{org}").text) == least


def test_a_seat_cap_refusal_keeps_the_addresses_and_role_typed(web: Web) -> None:
    browser = web.browser()
    org = browser.sign_up("olive@example.com")
    with web.t.db.transaction() as s:
        s.get_one(Organization, org).seat_cap = 2
    page = browser.submit(
        f"/orgs/{org}",
        f"/orgs/{org}/invitations",
        {"emails": "ann@example.com\nbob@example.com", "role": "admin"},
    )
    assert page.status_code == 409
    assert "2 more do not fit" in page.text and "upgrade" not in page.text
    assert "data-open" in page.text  # the dialog opens again, as it was
    assert "ann@example.com\nbob@example.com</textarea>" in page.text
    assert _selected_role(page.text) == "admin"


def test_the_seat_meter_counts_members_and_pending_invitations(web: Web) -> None:
    browser = web.browser()
    org = browser.sign_up("olive@example.com")
    add_member(web.t, _org(web, org), make_user(web.t, "bob@example.com"), ["member"])
    sent = browser.submit(
        f"/orgs/{org}", f"/orgs/{org}/invitations", {"emails": "c@example.com", "role": "member"}
    )
    assert sent.status_code == 200, sent.text
    page = browser.get(f"/orgs/{org}").text
    meter = re.search(r"<span>(\d+ of \d+ seats:[^<]*)</span>", page)
    assert meter and meter.group(1) == "3 of 10 seats: 2 members + 1 pending", meter
    assert '<meter min="0" max="10" value="3"' in page


def test_a_viewer_given_editor_on_an_invite_only_workspace_shows_view_only(web_for) -> None:
    """Dystr: the organization role caps what an invitation to a Workspace can give."""
    web: Web = web_for("dystr")
    admin = web.browser()
    org_id = admin.sign_up("admin@example.com")
    org = _org(web, org_id)
    viewer = make_user(web.t, "vera@example.com", password=PASSWORD)
    add_member(web.t, org, viewer, ["viewer"])
    space = make_resource(web.t, org, "workspace", "Secret plans", visibility="invite_only")
    set_access(web.t, org_id, viewer.id, space.id, "editor")
    page = admin.get(f"/orgs/{org_id}").text
    row = page[page.index("vera@example.com") :]
    row = row[: row.index("</tr>")]
    assert "Secret plans: Viewer (capped)" in row
    assert "Secret plans: Editor" not in row
    access = admin.get(f"/orgs/{org_id}/members/{viewer.id}/access").text
    assert "capped by the organization role: gives Viewer only" in access
