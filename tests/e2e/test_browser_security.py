"""Browser hardening in a real Chromium (issue 9 item 12): the dashboard's pages come with a
Content-Security-Policy that allows no inline script, and everything that used to be an
inline handler still works from static/app.js with no violation on the console (copy a new
API key's token, confirm before revoking it, confirm a bulk delete, "Go back"); another
site cannot frame the dashboard.

Shown red: before the headers were set, the page answered without them and the framing
site showed the dashboard's sign-in form inside its own page."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator

from playwright.sync_api import Browser, Page, expect

from tenantry.orgs.models import Organization
from tests.e2e.conftest import Live, free_port, sign_up_and_in, watch_csp
from tests.factories import add_member, make_user

PASSWORD = "correct horse battery staple"


def _sign_up(page: Page, base: str) -> str:
    return sign_up_and_in(
        page, base, name="Olive Owner", email="olive@example.com", password=PASSWORD, org="Olive Co"
    )


def test_the_dashboard_works_under_its_content_security_policy(
    live: Live, chromium: Browser
) -> None:
    context = chromium.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.base)
    violations = watch_csp(context)
    page = context.new_page()
    answers: list[bool] = []  # what each confirm() dialog is answered, in turn
    asked: list[str] = []

    def dialog(d):  # type: ignore[no-untyped-def]
        asked.append(d.message)
        d.accept() if answers.pop(0) else d.dismiss()

    page.on("dialog", dialog)

    first = page.goto(live.base + "/login")
    assert first is not None
    policy = first.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert first.headers["x-frame-options"] == "DENY"
    org_url = _sign_up(page, live.base)

    # a new API key's token: the field selects itself on focus, and Copy copies it
    page.goto(org_url + "/api-keys")
    page.get_by_label("Name").fill("ci")
    page.get_by_role("button", name="Create key").click()
    token_field = page.get_by_label("API key token")
    token = token_field.input_value()
    assert len(token) > 20
    token_field.focus()
    selected = token_field.evaluate("el => el.value.substring(el.selectionStart, el.selectionEnd)")
    assert selected == token
    page.get_by_role("button", name="Copy token").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    expect(page.get_by_role("button", name="Copy token")).to_be_visible()  # its label comes back

    # revoking asks first: dismissed, the key stays; accepted, it goes
    revoke = page.locator("tr", has_text="ci").get_by_role("button", name="Revoke")
    answers.append(False)
    revoke.click()
    expect(page.locator("tr", has_text="ci")).to_have_count(1)
    answers.append(True)
    revoke.click()
    expect(page.get_by_text("API key revoked.")).to_be_visible()
    assert asked == ["Revoke ci? Programs using it stop working at once."] * 2

    # select several + Delete asks before anyone is removed
    with live.t.db.sessions() as s:
        org = s.get_one(Organization, org_url.rsplit("/", 1)[-1])
    for email in ("a@example.com", "b@example.com"):
        add_member(live.t, org, make_user(live.t, email), ["member"])
    page.goto(org_url)
    for email in ("a@example.com", "b@example.com"):
        page.get_by_label(f"Select {email}").check()
    answers.append(False)
    page.get_by_role("button", name="Delete selected").click()
    expect(page.locator("tr", has_text="a@example.com")).to_have_count(1)
    answers.append(True)
    page.get_by_role("button", name="Delete selected").click()
    expect(page.get_by_text("2 members removed.")).to_be_visible()
    assert asked[-1] == "Remove the selected members from Olive Co?"

    # an error page's "Go back" returns to where one came from
    page.goto(org_url)
    page.goto(live.base + "/orgs/" + "0" * 32)
    expect(page.get_by_text("No such organization.")).to_be_visible()
    page.get_by_role("link", name="Go back").click()
    expect(page).to_have_url(org_url)
    expect(page.get_by_role("heading", name="Olive Co")).to_be_visible()

    assert violations == []
    context.close()


@contextlib.contextmanager
def _other_site(page_html: str) -> Iterator[str]:
    """Another origin on loopback (a plain HTTP server of its own) serving one page."""
    body = page_html.encode()

    class OnePage(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), OnePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_another_site_cannot_frame_the_dashboard(live: Live, chromium: Browser) -> None:
    context = chromium.new_context()
    reports = watch_csp(context)
    page = context.new_page()
    framing = f'<h1>Win a prize</h1><iframe src="{live.base}/login"></iframe>'
    with _other_site(framing) as url:
        page.goto(url)
        expect(page.get_by_role("heading", name="Win a prize")).to_be_visible()
        page.wait_for_timeout(500)  # time for the frame to load, were it allowed to
        (frame,) = [f for f in page.frames if f != page.main_frame]
        assert frame.locator("input[name=password]").count() == 0, frame.url
    assert any("frame-ancestors" in r for r in reports), reports
    context.close()
