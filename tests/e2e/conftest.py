"""Browser journeys: Debian's Chromium driven by Playwright against a real uvicorn on a
loopback port, with a development mailbox for the invitation emails."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tenantry.api.app import create_app
from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport
from tenantry.settings import Settings
from tenantry.store.db import Database
from tests._uvicorn import start_uvicorn

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# reported on the console by Chromium itself, and by the page's securitypolicyviolation event
CSP_REPORT = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  "Content Security Policy violation: " + e.violatedDirective + " blocked " + e.blockedURI));"""


def watch_csp(context: BrowserContext) -> list[str]:
    """Every Content-Security-Policy violation any page of ``context`` reports from now on
    (the report script is injected by the browser, so the policy does not block it)."""
    violations: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.add_init_script(CSP_REPORT)
    context.on("console", seen)
    return violations


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Live:
    base: str
    mailbox: Path
    t: Tenantry


@pytest.fixture
def live_for(database: Database, tmp_path: Path) -> Iterator[Callable[[str], Live]]:
    """``live_for("dystr")``: the service with that policy on a loopback port (one a test)."""
    stops: list[Callable[[], None]] = []

    def start(policy: str) -> Live:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        mailbox = tmp_path / "mailbox"
        t = Tenantry(database, policy, base_url=base, mail=MailboxTransport(mailbox))
        app = create_app(t, Settings.load({"TENANTRY_POLICY": policy}))
        stop_server = start_uvicorn(app, port)

        def stop() -> None:
            stop_server()
            t.authz.close()

        stops.append(stop)
        return Live(base, mailbox, t)

    yield start
    for stop in stops:
        stop()


@pytest.fixture
def live(live_for: Callable[[str], Live]) -> Live:
    return live_for("distribu")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def sign_up_and_in(page: Page, base: str, *, name: str, email: str, password: str, org: str) -> str:
    """The sign-up form (which answers "check your inbox" for every address), then the
    sign-in form, then the new organization's page; its URL."""
    page.goto(base + "/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Organization name").fill(org)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.get_by_role("link", name="sign in", exact=True).click()
    sign_in(page, email, password)
    page.get_by_role("link", name=org).click()
    expect(page.get_by_role("heading", name=org)).to_be_visible()
    return page.url


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
