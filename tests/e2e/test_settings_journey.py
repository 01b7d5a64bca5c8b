"""The organization's settings and the header's switcher in Chromium at 1280 and 390 px:
rename, the public profile, asking the operator for an ownership transfer (Distribu), and
moving to another organization from the header."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tenantry.accounts.service import user_by_email
from tenantry.orgs.service import create_org
from tenantry.writes import Actor
from tests.e2e._world import DESKTOP, PHONE, signed_in, wider_than_viewport, world
from tests.e2e.conftest import Live


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_rename_edit_the_profile_ask_for_a_transfer_and_switch(
    live: Live, chromium: Browser, viewport: dict[str, int]
) -> None:
    w = world(live)
    with live.t.db.transaction() as s:
        owner = user_by_email(s, w.owner[0])
        other = create_org(s, live.t.authz, actor=Actor.operator(), creator=owner, name="Other Co")
        other_id = other.id
    context, page = signed_in(chromium, w, viewport)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live.base}/orgs/{w.org_id}")
    page.get_by_role("link", name="Settings").click()

    page.get_by_label("Organization name").fill("Renamed Demo")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_text("The organization is now called Renamed Demo.")).to_be_visible()
    expect(page.get_by_role("heading", name="Renamed Demo")).to_be_visible()

    page.get_by_label("Description").fill("Demo data to click around in.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Public profile saved.")).to_be_visible()
    expect(page.get_by_label("Description")).to_have_value("Demo data to click around in.")

    page.get_by_label("New owner").select_option(label="ADMIN Demo (admin@demo.test)")
    page.get_by_role("button", name="Ask the operator").click()
    expect(page.get_by_text("Asked the operator to make admin@demo.test the owner")).to_be_visible()
    if viewport is PHONE:
        assert wider_than_viewport(page) == []

    page.locator(".switcher summary").click()
    page.get_by_role("navigation", name="Switch organization").get_by_role(
        "link", name="Other Co"
    ).click()
    expect(page.get_by_role("heading", name="Other Co")).to_be_visible()
    assert page.url.endswith(f"/orgs/{other_id}")
    context.close()
