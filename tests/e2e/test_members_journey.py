"""The members page in Chromium, at a desktop's and a phone's width: the invite dialog
(least-privileged role first, what was typed kept when the seat cap refuses), the seat
meter, a role change that asks first in a dialog saying what the role gives (and Undo),
bulk removal that shows only with a selection, the empty state after the last pending
invitation goes, the API-key token whole, and the README's screenshots."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tenantry.accounts.service import user_by_email
from tenantry.members.service import list_members
from tenantry.orgs.models import Organization
from tests.e2e._world import DESKTOP, PHONE, World, axe_violations, signed_in, world
from tests.e2e.conftest import Live

# `make screenshots` sets it to docs/screenshots (the README's pictures); otherwise the shots
# are still taken, into a scratch folder, so a test run leaves the tree as it was
SHOTS = Path(
    os.environ.get("TENANTRY_SCREENSHOTS") or Path(tempfile.gettempdir()) / "tenantry-screenshots"
)


def _roles_of(w: World, email: str) -> tuple[str, ...]:
    with w.live.t.db.sessions() as s:
        user = user_by_email(s, email)
        (member,) = [m for m in list_members(s, w.org_id) if m.user_id == user.id]
        return tuple(member.roles)


def _set_seat_cap(w: World, cap: int) -> None:
    with w.live.t.db.transaction() as s:
        org = s.get(Organization, w.org_id)
        assert org is not None
        org.seat_cap = cap


def _shoot(page: Page, name: str, viewport: dict[str, int]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "desktop" if viewport is DESKTOP else "phone"
    page.screenshot(path=str(SHOTS / f"{name}-{suffix}.png"), full_page=viewport is PHONE)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_invite_change_role_select_and_cancel_on_the_members_page(
    live: Live, chromium: Browser, viewport: dict[str, int]
) -> None:
    w = world(live)  # Distribu: OWNER, ADMIN, MEMBER, and one pending invitation
    context, page = signed_in(chromium, w, viewport)
    asked: list[str] = []
    answers: list[bool] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    org = f"{w.live.base}/orgs/{w.org_id}"
    page.goto(org)

    # the seat meter: 3 members + 1 pending, against Distribu's cap
    expect(page.locator("#seats")).to_contain_text("3 members + 1 pending")
    _shoot(page, "members", viewport)

    # the invite form is a dialog, its role the least powerful one
    invite = page.get_by_role("dialog", name="Invite members")
    expect(invite).to_be_hidden()
    page.get_by_role("button", name="Invite members").click()
    expect(invite).to_be_visible()
    expect(invite.get_by_label("Role")).to_have_value("member")
    assert axe_violations(page) == []  # the open dialog too
    _shoot(page, "invite-dialog", viewport)

    # the seat cap refuses two more: the message says so in words, the dialog keeps both
    # addresses and the role chosen
    _set_seat_cap(w, 5)
    invite.get_by_label("Email addresses").fill("one@example.com, two@example.com")
    invite.get_by_label("Role").select_option("admin")
    invite.get_by_role("button", name="Send invitations").click()
    invite = page.get_by_role("dialog", name="Invite members")
    expect(invite).to_be_visible()
    expect(invite.get_by_role("alert")).to_contain_text("2 more do not fit")
    expect(invite.get_by_role("alert")).not_to_contain_text("upgrade")
    expect(invite.get_by_label("Email addresses")).to_have_value("one@example.com, two@example.com")
    expect(invite.get_by_label("Role")).to_have_value("admin")
    invite.get_by_label("Email addresses").fill("one@example.com")
    invite.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("invited, email sent.")).to_be_visible()

    # a role change asks first, in a dialog saying what the role gives; cancelled or
    # escaped, nothing changes and the dropdown shows the role again
    page.goto(org)
    role = page.get_by_label("Role of member@demo.test")
    role.select_option("admin")
    confirm = page.get_by_role("dialog", name="Make member@demo.test ADMIN?")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("What this role gives")
    assert axe_violations(page) == []
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(role).to_have_value("member")
    role.select_option("admin")
    expect(confirm).to_be_visible()
    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    expect(role).to_have_value("member")
    assert _roles_of(w, "member@demo.test") == ("member",)
    role.select_option("admin")
    confirm.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("Role changed to ADMIN.")).to_be_visible()
    expect(confirm).to_have_count(0)
    expect(page.get_by_label("Role of member@demo.test")).to_have_value("admin")
    assert _roles_of(w, "member@demo.test") == ("admin",)
    # and Undo puts it back
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Role changed to MEMBER.")).to_be_visible()
    expect(page.get_by_label("Role of member@demo.test")).to_have_value("member")
    assert _roles_of(w, "member@demo.test") == ("member",)

    # bulk removal shows only once something is selected
    remove = page.get_by_role("button", name="Delete selected")
    expect(remove).to_be_hidden()
    page.get_by_label("Select admin@demo.test").check()
    expect(remove).to_be_visible()
    expect(remove).to_have_text("Delete selected (1)")
    page.get_by_label("Select admin@demo.test").uncheck()
    expect(remove).to_be_hidden()

    # the pending invitations, then cancel them all: the table gives way to its empty state
    page.goto(f"{org}/invitations")
    _shoot(page, "pending-invitations", viewport)
    rows = page.locator("tr[id^=invitation-]")
    while rows.count():
        answers.append(True)
        before = rows.count()
        rows.first.get_by_role("button", name="Cancel").click()
        expect(rows).to_have_count(before - 1)
    expect(page.get_by_text("No pending invitations.")).to_be_visible()
    expect(page.locator("table")).to_have_count(0)

    # a new API key's token is shown whole, with a button that says what it copies
    page.goto(f"{org}/api-keys")
    page.get_by_label("Name").fill("ci")
    page.get_by_role("button", name="Create key").click()
    token = page.get_by_label("API key token")
    expect(token).to_be_visible()
    value = token.input_value()
    assert value.startswith("tnk_") and len(value) > 60
    assert token.evaluate("(e) => e.scrollWidth <= e.clientWidth")  # nothing cut off
    expect(page.get_by_role("button", name="Copy token")).to_be_visible()
    context.close()
