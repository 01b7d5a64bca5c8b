"""Browsers get error pages of the dashboard (404, 403, 500) under the header their sign-in
state calls for; API clients keep the JSON body. The 500 carries the security headers."""

from __future__ import annotations

import re

import httpx
from starlette.testclient import TestClient

from tenantry.accounts.service import user_by_email
from tenantry.members.service import add_member
from tenantry.web._security import CONTENT_SECURITY_POLICY
from tenantry.writes import Actor
from tests.web._served import serving
from tests.web.conftest import Web

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _header_of(html: str) -> str:
    found = re.search(r"<header.*?</header>", html, re.S)
    assert found, html
    return found.group(0)


def test_a_browser_gets_a_not_found_page_and_an_api_client_json(web: Web) -> None:
    browser = web.browser()
    page = browser.get("/no/such/page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in page.text
    assert 'href="/login"' in _header_of(page.text)  # signed out: sign in / sign up
    api = browser.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "NOT_FOUND"
    assert browser.get("/v1/no/such/route", headers=HTML).json()["error"]["code"] == "NOT_FOUND"


def test_a_signed_in_person_sees_their_own_header_on_an_unknown_page(web: Web) -> None:
    browser = web.browser()
    browser.sign_up("olive@example.com", "Olive")
    for url in ("/no/such/page", "/orgs/no-such-org"):
        page = browser.get(url, headers=HTML)
        assert page.status_code == 404, url
        header = _header_of(page.text)
        assert "olive@example.com" in header and "Sign out" in header, url
        assert 'href="/login"' not in header, url


def test_a_member_without_the_permission_gets_a_not_allowed_page(web: Web) -> None:
    owner, member = web.browser(), web.browser()
    org = owner.sign_up("olive@example.com", "Olive")
    member.sign_up("bob@example.com", "Bob")
    with web.t.db.transaction() as s:
        bob = user_by_email(s, "bob@example.com")
        add_member(
            s, web.t.authz, actor=Actor.operator(), org_id=org, user_id=bob.id, roles=["member"]
        )
    page = member.get(f"/orgs/{org}/audit", headers=HTML)
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "bob@example.com" in _header_of(page.text)


def test_a_bug_is_a_500_page_for_a_browser_json_for_the_api_and_both_carry_the_headers(
    web: Web,
) -> None:
    app = web.app

    @app.get("/boom")  # type: ignore[attr-defined]
    def boom() -> None:
        raise RuntimeError("a bug")

    http = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    page = http.get("/boom", headers=HTML)
    api = http.get("/boom")
    assert page.status_code == api.status_code == 500
    assert "<h1>Something went wrong</h1>" in page.text and "a bug" not in page.text
    assert api.json()["error"]["code"] == "INTERNAL"
    for answer in (page, api):
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"


def test_a_real_server_answers_a_browser_with_a_page_and_the_api_with_json(tmp_path) -> None:
    with serving(tmp_path) as base:
        page = httpx.get(f"{base}/no/such/page", headers=HTML)
        api = httpx.get(f"{base}/v1/orgs/no-such-org", headers=HTML)
    assert page.status_code == 404 and "<h1>Page not found</h1>" in page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert api.status_code == 401 and api.json()["error"]["code"]
