"""Dystr's Share Workspace dialog in Chromium at 1280 and 390 px: "Invite-only" or
"Everyone at [Organization]", members added by email with a role, who has access after;
a non-member's address is refused with what was typed kept; then the change-role dialog
says what the organization role's cap does to what was shared, and their access is edited
in a dialog over the members table."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e._world import DESKTOP, PHONE, axe_violations, signed_in, wider_than_viewport, world
from tests.e2e.conftest import Live


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_share_a_workspace_with_members_by_email(
    live_for, chromium: Browser, viewport: dict[str, int]
) -> None:
    live: Live = live_for("dystr")
    w = world(live)
    context, page = signed_in(chromium, w, viewport)
    page.goto(f"{live.base}/orgs/{w.org_id}/resources")
    page.get_by_role("link", name="Demo Workspace (invite-only)").click()
    page.get_by_role("button", name="Share Workspace").click()
    share = page.get_by_role("dialog", name="Share Demo Workspace (invite-only)")
    expect(share.get_by_label("Invite-only")).to_be_checked()
    expect(share.get_by_label("Everyone at Dystr Demo")).to_be_visible()
    assert axe_violations(page) == []

    share.get_by_label("Add members by email").fill("editor@demo.test, nobody@example.com")
    share.get_by_label("Their role on it").select_option("editor")
    share.get_by_role("button", name="Save sharing").click()
    share = page.get_by_role("dialog", name="Share Demo Workspace (invite-only)")
    expect(share.get_by_role("alert")).to_contain_text("nobody@example.com is not a member")
    expect(share.get_by_label("Add members by email")).to_have_value(
        "editor@demo.test, nobody@example.com"
    )
    share.get_by_label("Add members by email").fill("editor@demo.test")
    share.get_by_role("button", name="Save sharing").click()
    expect(
        page.get_by_text("Sharing of Demo Workspace (invite-only) saved; 1 added.")
    ).to_be_visible()
    who = page.get_by_role("table")
    expect(who.get_by_role("row", name="editor@demo.test")).to_contain_text("given by hand")
    if viewport is PHONE:
        assert wider_than_viewport(page) == []

    # making that Editor a Viewer: the dialog says the Workspace they were given is capped
    page.goto(f"{live.base}/orgs/{w.org_id}")
    page.get_by_label("Role of editor@demo.test").select_option("viewer")
    confirm = page.get_by_role("dialog", name="Make editor@demo.test Viewer?")
    expect(confirm).to_contain_text(
        "Demo Workspace (invite-only) (Workspace): Editor (given by hand) → "
        "Viewer (given Editor; the organization role caps it)"
    )
    assert axe_violations(page) == []
    if viewport is PHONE:
        assert wider_than_viewport(page) == []
    confirm.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("Role changed to Viewer.")).to_be_visible()
    expect(
        page.get_by_role("row", name="editor@demo.test").get_by_text(
            "Demo Workspace (invite-only): Viewer (capped)"
        )
    ).to_be_visible()

    # their Workspace access, edited in a dialog over the table
    page.get_by_role("row", name="editor@demo.test").get_by_role(
        "link", name="Edit Workspace Access"
    ).click()
    access = page.get_by_role("dialog", name="Edit Workspace Access: editor@demo.test")
    expect(access).to_be_visible()
    assert axe_violations(page) == []
    if viewport is PHONE:
        assert wider_than_viewport(page) == []
    access.get_by_label("Role on Demo Workspace (invite-only)").select_option("")
    access.get_by_role("button", name="Save access").click()
    expect(page.get_by_text("Access saved.")).to_be_visible()
    expect(page.get_by_role("row", name="editor@demo.test")).not_to_contain_text(
        "Demo Workspace (invite-only)"
    )
    context.close()
