"""Browser hardening (issue 9 item 12): every dashboard response — page, htmx fragment,
redirect, refusal, static file, unknown path — carries a Content-Security-Policy without
inline script, frame protection, nosniff and a Referrer-Policy; and no template holds
inline script the policy would block (the dashboard still works: tests/e2e).

Shown red: before the headers were set, every response here lacked all four; before the
handlers moved to static/app.js, three templates held ``onsubmit`` / ``onfocus``
attributes and error.html a ``javascript:`` link."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tenantry.web._render import HERE
from tests.web.conftest import Browser, Web
from tests.web.test_team import HTMX, join

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
TEMPLATES = sorted((HERE / "templates").glob("*.html"))


def directives(response: httpx.Response) -> dict[str, str]:
    policy = response.headers.get("content-security-policy", "")
    out = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            out[name] = value
    return out


def assert_hardened(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (where, name, response.headers)
    csp = directives(response)
    assert csp.get("frame-ancestors") == "'none'", (where, csp)
    assert csp.get("default-src") == "'self'", (where, csp)
    assert csp.get("script-src") == "'self'", (where, csp)  # no 'unsafe-inline' or eval
    assert csp.get("object-src") == "'none'" and csp.get("base-uri") == "'none'", (where, csp)
    assert "unsafe" not in response.headers["content-security-policy"], where


def _pages(web: Web) -> tuple[Browser, list[httpx.Response]]:
    """The owner's dashboard, from sign-in to every tab, as a browser would see it."""
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    _, member = join(web, owner, org, "newbie@example.com")
    anonymous = web.browser()
    responses = [
        anonymous.get("/login"),
        anonymous.get("/signup"),
        anonymous.get("/orgs", follow_redirects=False),  # 303 to the sign-in page
        anonymous.get("/no/such/page"),
        anonymous.get("/static/app.js"),
        anonymous.get("/static/app.css"),
        anonymous.get(f"/invite/tni_0123456789abcdef_{'x' * 43}"),
        owner.get("/orgs"),
        owner.get(f"/orgs/{org}"),
        owner.get(f"/orgs/{org}/invitations"),
        owner.get(f"/orgs/{org}/api-keys"),
        owner.get(f"/orgs/{org}/audit"),
        owner.get(f"/orgs/{'0' * 32}"),  # a refusal page
        owner.submit(
            f"/orgs/{org}",
            f"/orgs/{org}/members/{member}/role",
            {"role": "admin"},
            headers=HTMX,
        ),  # an htmx fragment
        owner.submit(f"/orgs/{org}", f"/orgs/{org}/api-keys", {"name": "ci", "role": "member"}),
        owner.http.post(f"/orgs/{org}/members/{member}/remove", data={}),  # CSRF refusal
        owner.submit(f"/orgs/{org}", "/logout", follow_redirects=False),
    ]
    return owner, responses


def test_every_dashboard_response_carries_the_browser_security_headers(web: Web) -> None:
    _, responses = _pages(web)
    assert {r.status_code for r in responses} >= {200, 303, 403, 404}
    for response in responses:
        assert_hardened(response)


def test_the_api_answers_carry_them_too(web: Web) -> None:
    browser = web.browser()
    assert_hardened(browser.get("/v1/policy"))
    assert_hardened(browser.get("/v1/me"))  # a 401
    assert_hardened(browser.get("/healthz"))


def test_the_api_docs_carry_the_whole_policy_and_load_nothing_from_elsewhere(web: Web) -> None:
    """Swagger UI is vendored into /static and started by a file of ours: no CDN, no inline
    script, so the docs need no exception from the policy."""
    browser = web.browser()
    docs = browser.get("/docs")
    assert docs.status_code == 200
    assert_hardened(docs)
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith(("/static/", "data:")) for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            assert browser.get(source).status_code == 200, source
    assert browser.get("/redoc").status_code == 404  # it would need a CDN


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on* handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"\sstyle\s*=|<style", re.I), "an inline style"),
    (re.compile(r"\shx-on", re.I), "an hx-on handler (needs eval)"),
]


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_no_template_holds_script_or_style_the_policy_blocks(template: Path) -> None:
    text = template.read_text()
    found = [what for pattern, what in INLINE if pattern.search(text)]
    assert not found, (template.name, found)


def test_htmx_is_configured_to_need_no_inline_style_or_eval(web: Web) -> None:
    """htmx 2 adds an inline <style> for its indicators and evaluates hx-on / js: values
    unless told not to; both would be CSP violations in the browser console."""
    page = web.browser().get("/login").text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)
    assert config, page
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)
    assert '"allowScriptTags": false' in config.group(1)
