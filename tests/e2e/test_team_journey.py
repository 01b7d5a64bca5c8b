"""Sign up -> invite -> the invitee opens the emailed link in their own browser and signs up
through it -> appears in the owner's team -> owner changes the role -> removes them."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from tenantry.mail.transports import messages_in, text_of
from tests.e2e.conftest import Live, sign_up_and_in, watch_csp

PASSWORD = "correct horse battery staple"


def test_invite_join_change_role_and_remove(live: Live, chromium: Browser, tmp_path: Path) -> None:
    owner_ctx = chromium.new_context()
    violations = watch_csp(owner_ctx)  # the dashboard works with no inline script at all
    owner = owner_ctx.new_page()
    owner.on("dialog", lambda dialog: dialog.accept())  # "Remove ...?" confirmations

    owner.goto(live.base + "/")
    expect(owner).to_have_url(re.compile(r"/login$"))
    owner.get_by_role("link", name="Create an account").click()
    org_url = sign_up_and_in(
        owner,
        live.base,
        name="Olive Owner",
        email="olive@example.com",
        password=PASSWORD,
        org="Olive Co",
    )

    owner.get_by_role("button", name="Invite members").click()  # the invite dialog
    owner.get_by_label("Email addresses").fill("newbie@example.com")
    owner.get_by_label("Role").select_option("member")
    owner.get_by_role("button", name="Send invitations").click()
    expect(owner.get_by_text("invited, email sent.")).to_be_visible()

    mails = [m for m in messages_in(live.mailbox) if m["To"] == "newbie@example.com"]
    assert len(mails) == 1
    link = re.search(r"(http://\S+/invite/\S+)", text_of(mails[0])).group(1)  # type: ignore[union-attr]

    newbie_ctx = chromium.new_context()  # another person, another browser profile
    newbie_violations = watch_csp(newbie_ctx)
    newbie = newbie_ctx.new_page()
    newbie.goto(link)
    expect(newbie.get_by_role("heading", name="Join Olive Co")).to_be_visible()
    email = newbie.get_by_label("Email")
    expect(email).to_have_value("newbie@example.com")
    expect(email).not_to_be_editable()
    newbie.get_by_label("Your name").fill("Newbie")
    newbie.get_by_label("Password").fill(PASSWORD)
    newbie.get_by_role("button", name="Create account and join").click()
    expect(newbie).to_have_url(org_url)
    expect(newbie.get_by_text("Welcome to Olive Co!")).to_be_visible()

    owner.goto(org_url)
    row = owner.locator("tr", has_text="newbie@example.com")
    expect(row).to_contain_text("Newbie")
    role = row.get_by_label("Role of newbie@example.com")
    expect(role).to_have_value("member")
    role.select_option("admin")  # the change-role dialog asks first
    owner.get_by_role("dialog", name="Make newbie@example.com ADMIN?").get_by_role(
        "button", name="Change role"
    ).click()  # htmx posts and swaps the row in place
    expect(owner.get_by_text("Role changed to ADMIN.")).to_be_visible()
    owner.reload()
    expect(owner.get_by_label("Role of newbie@example.com")).to_have_value("admin")

    # kept in pytest's temp folder: run with --basetemp to look at it
    owner.screenshot(path=str(tmp_path / "team.png"), full_page=True)

    owner.locator("tr", has_text="newbie@example.com").get_by_role("button", name="Remove").click()
    expect(owner.get_by_text("Member removed.")).to_be_visible()
    expect(owner.locator("tr", has_text="newbie@example.com")).to_have_count(0)

    newbie.reload()
    expect(newbie.get_by_text("No such organization.")).to_be_visible()

    owner.get_by_role("button", name="Sign out").click()
    expect(owner).to_have_url(re.compile(r"/login$"))
    assert violations == [] and newbie_violations == []
    owner_ctx.close()
    newbie_ctx.close()
