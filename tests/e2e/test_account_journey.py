"""Forgot password -> the mailed link -> a new password -> sign in with the TOTP code, in
Chromium against a real uvicorn; then two-factor set up from the account page."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Browser, expect

from tenantry.accounts import two_factor
from tenantry.accounts.models import User
from tenantry.mail.transports import messages_in, text_of
from tenantry.writes import Actor
from tests.e2e.conftest import Live, sign_in, watch_csp
from tests.factories import make_org, make_user

OLD = "the password I forgot"
NEW = "a new password at last"


def _with_totp(live: Live, email: str) -> pyotp.TOTP:
    user = make_user(live.t, email, name="Tess", password=OLD)
    make_org(live.t, user, "Tess Co")
    with live.t.db.transaction() as s:
        row = s.get_one(User, user.id)
        secret, _, _ = two_factor.begin_setup(s, live.t.sealer, row)
        totp = pyotp.TOTP(secret)
        # the code that turns it on is spent: turn it on with the previous step's code
        # (accepted for clock drift), so the journey signs in with the current one
        earlier = totp.at(time.time(), counter_offset=-1)
        two_factor.enable(s, live.t.sealer, row, earlier, actor=Actor(user.id, email))
    return totp


def _reset_link(live: Live, email: str) -> str:
    """The link of the reset mail, which is sent just after the page answers."""
    deadline = time.monotonic() + 10
    while not (mails := [m for m in messages_in(live.mailbox) if m["To"] == email]):
        assert time.monotonic() < deadline, "no reset mail"
        time.sleep(0.05)
    found = re.search(r"(http://\S+/reset/\S+)", text_of(mails[-1]))
    assert found, text_of(mails[-1])
    return found.group(1)


def test_forgot_password_then_the_mailed_link_then_sign_in_with_totp(
    live: Live, chromium: Browser
) -> None:
    totp = _with_totp(live, "tess@example.com")
    context = chromium.new_context()
    violations = watch_csp(context)
    page = context.new_page()
    page.goto(live.base + "/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Email").fill("tess@example.com")
    page.get_by_role("button", name="Email me a reset link").click()
    expect(page.get_by_text("a link to reset its password is on its way")).to_be_visible()

    page.goto(_reset_link(live, "tess@example.com"))
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password").fill(NEW)
    page.get_by_role("button", name="Set my password").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("Your password is set")).to_be_visible()

    sign_in(page, "tess@example.com", OLD)  # the old one opens nothing
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    sign_in(page, "tess@example.com", NEW)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()
    expect(page.get_by_role("link", name="Tess Co")).to_be_visible()

    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Your account", exact=True)).to_be_visible()
    expect(page.get_by_text("account.password_reset")).to_be_visible()
    expect(page.get_by_text("(this one)")).to_be_visible()
    assert violations == []


def test_two_factor_is_set_up_from_the_account_page(live: Live, chromium: Browser) -> None:
    make_user(live.t, "sam@example.com", name="Sam", password=OLD)
    context = chromium.new_context()
    violations = watch_csp(context)
    page = context.new_page()
    page.goto(live.base + "/login")
    sign_in(page, "sam@example.com", OLD)
    page.goto(live.base + "/account")
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_alt_text("QR code for your authenticator app")).to_be_visible()
    secret = page.locator("[data-totp-secret]").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Keep these recovery codes somewhere safe")).to_be_visible()
    assert page.locator(".recovery-codes li").count() == 10
    assert violations == []
