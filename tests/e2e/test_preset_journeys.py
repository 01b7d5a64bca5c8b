"""The presets whose pages have their own ways, in Chromium at 1280 and 390 px.

Distancer (its page, quoted at the end of policy/presets/distancer.toml: "grant the target
member all permissions including Manage Organization"): ownership passes from the settings
page by giving the new owner every permission. The marketplace (policy/presets/
marketplace.toml: "the "Distributor ReadOnly" role must be assigned in addition to the
"Distributor admin" role"): a Super admin ticks Distributor ReadOnly for a Distributor
admin, and the change-role dialog names both roles before anything is saved. Verkkokurssikassa:
a checkout renamed and deleted from its page, then the organization deleted from its
settings by typing its name."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tenantry.accounts.service import user_by_email
from tenantry.members.service import list_members
from tests.e2e._world import DESKTOP, PHONE, World, axe_violations, signed_in, wider_than_viewport
from tests.e2e._world import world as world_of
from tests.e2e.conftest import Live


def _member(w: World, email: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(roles, permissions) of a member of the world's organization."""
    with w.live.t.db.sessions() as s:
        user = user_by_email(s, email)
        (m,) = [m for m in list_members(s, w.org_id) if m.user_id == user.id]
        return tuple(m.roles), tuple(sorted(m.permissions))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_distancer_ownership_passes_by_granting_every_permission(
    live_for, chromium: Browser, viewport: dict[str, int]
) -> None:
    live: Live = live_for("distancer")
    w = world_of(live)
    context, page = signed_in(chromium, w, viewport)
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.goto(f"{live.base}/orgs/{w.org_id}/settings")
    expect(
        page.get_by_text("Ownership passes by giving the new owner every permission")
    ).to_be_visible()
    assert axe_violations(page) == []
    if viewport is PHONE:
        assert wider_than_viewport(page) == []
    page.get_by_label("New owner").select_option(
        label="Store Manager Demo (store-manager@demo.test)"
    )
    page.get_by_role("button", name="Transfer ownership").click()
    expect(page.get_by_text("ownership has passed to them")).to_be_visible()
    assert asked == ["Give this member every permission, making them an owner?"]
    everything = tuple(sorted(p.id for p in live.t.policy.org_permissions))
    assert _member(w, "store-manager@demo.test")[1] == everything
    assert _member(w, "owner@demo.test")[1] == everything  # the giver keeps theirs
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_marketplace_readonly_is_added_beside_distributor_admin_in_the_dialog(
    live_for, chromium: Browser, viewport: dict[str, int]
) -> None:
    live: Live = live_for("marketplace")
    w = world_of(live)  # the demo distributor; its Super admin signed in
    context, page = signed_in(chromium, w, viewport)
    page.goto(f"{live.base}/orgs/{w.org_id}")
    row = page.get_by_role("row", name="distributor-admin@demo.test")
    row.get_by_label("Distributor ReadOnly").check()
    row.get_by_role("button", name="Save roles").click()
    confirm = page.get_by_role(
        "dialog", name="Make distributor-admin@demo.test Distributor admin, Distributor ReadOnly?"
    )
    expect(confirm).to_be_visible()
    assert axe_violations(page) == []
    if viewport is PHONE:
        assert wider_than_viewport(page) == []
    # cancelled: the box is unticked again and nothing changed
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(row.get_by_label("Distributor ReadOnly")).not_to_be_checked()
    assert _member(w, "distributor-admin@demo.test")[0] == ("distributor_admin",)

    row.get_by_label("Distributor ReadOnly").check()
    row.get_by_role("button", name="Save roles").click()
    confirm.get_by_role("button", name="Save roles").click()
    expect(
        page.get_by_text("Role changed to Distributor admin, Distributor ReadOnly.")
    ).to_be_visible()
    roles = set(_member(w, "distributor-admin@demo.test")[0])
    assert roles == {"distributor_admin", "distributor_readonly"}
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_verkkokurssikassa_a_checkout_is_renamed_and_deleted_then_the_organization(
    live_for, chromium: Browser, viewport: dict[str, int]
) -> None:
    live: Live = live_for("verkkokurssikassa")
    w = world_of(live)
    context, page = signed_in(chromium, w, viewport)
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.goto(f"{live.base}/orgs/{w.org_id}/resources")
    page.locator("main a[href*='/resources/']").first.click()
    page.get_by_label("Name").fill("Renamed checkout")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name="Renamed checkout")).to_be_visible()
    if viewport is PHONE:
        assert wider_than_viewport(page) == []
    page.get_by_role("button", name="Delete Checkout").click()
    assert asked[-1] == "Delete Renamed checkout? Everyone loses access to it."
    expect(
        page.get_by_text("Renamed checkout deleted; nobody reaches it any more.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Renamed checkout")).to_have_count(0)

    page.goto(f"{live.base}/orgs/{w.org_id}/settings")
    name = page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Type its name to confirm").fill(name)
    page.get_by_role("button", name="Delete organization").click()
    assert asked[-1] == f"Delete {name} for good?"
    expect(page).to_have_url(f"{live.base}/orgs")
    expect(page.get_by_role("link", name=name)).to_have_count(0)
    context.close()
