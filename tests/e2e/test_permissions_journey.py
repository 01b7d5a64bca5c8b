"""Distancer's per-permission members in Chromium at 1280 and 390 px: changing a member's
permissions asks first; dismissed, nothing changes; confirmed, exactly the ticked ones stay."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Dialog, expect

from tenantry.members.service import list_members
from tests.e2e._world import DESKTOP, PHONE, signed_in, wider_than_viewport, world
from tests.e2e.conftest import Live


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_saving_permissions_asks_first(
    live_for, chromium: Browser, viewport: dict[str, int]
) -> None:
    live: Live = live_for("distancer")
    w = world(live)
    with live.t.db.sessions() as s:
        member = next(m for m in list_members(s, w.org_id) if m.user_id == w.member_id)
    before = set(member.permissions)
    context, page = signed_in(chromium, w, viewport)
    answers: list[bool] = []
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    page.goto(f"{live.base}/orgs/{w.org_id}")
    row = page.locator(f"#member-{w.member_id}")
    row.locator("summary").click()
    first = row.locator("input[name=permission]:checked").first
    dropped = first.get_attribute("value")
    first.uncheck()
    answers.append(False)
    row.get_by_role("button", name="Save permissions").click()
    expect(row.get_by_role("button", name="Save permissions")).to_be_visible()
    assert asked[-1] == f"Save the permissions ticked for {member.email}? They get exactly those."
    with live.t.db.sessions() as s:
        assert (
            set(next(m for m in list_members(s, w.org_id) if m.user_id == w.member_id).permissions)
            == before
        )
    answers.append(True)
    with page.expect_response(lambda r: r.url.endswith("/permissions")):
        row.get_by_role("button", name="Save permissions").click()
    with live.t.db.sessions() as s:
        after = set(
            next(m for m in list_members(s, w.org_id) if m.user_id == w.member_id).permissions
        )
    assert after == before - {dropped}
    if viewport is PHONE:
        assert wider_than_viewport(page) == []
    context.close()
