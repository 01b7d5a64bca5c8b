"""Sign up, sign in (with throttling), sign out, the organizations page, and CSRF."""

from __future__ import annotations

from tests.web.conftest import PASSWORD, Web, csrf_of


def test_home_sends_visitors_to_sign_in_and_members_to_their_organizations(web: Web) -> None:
    b = web.browser()
    assert b.get("/", follow_redirects=False).headers["location"] == "/login"
    b.sign_up("olive@example.com")
    assert b.get("/", follow_redirects=False).headers["location"] == "/orgs"


def test_pages_need_a_session_and_come_back_after_sign_in(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    b = web.browser()
    r = b.get(f"/orgs/{org}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next=/orgs/{org}"
    r = b.sign_in("olive@example.com", next=f"/orgs/{org}")
    assert r.headers["location"] == f"/orgs/{org}"


def test_sign_up_creates_the_account_and_its_organization(web: Web) -> None:
    b = web.browser()
    org = b.sign_up("olive@example.com", "Olive", "Olive Co")
    page = b.get(f"/orgs/{org}").text
    assert "Olive Co" in page
    assert "OWNER" in page
    assert "Sign out" in page and "olive@example.com" in page
    assert "Olive Co" in b.get("/orgs").text


def test_sign_up_refusals_are_shown_on_the_form(web: Web) -> None:
    b = web.browser()
    b.sign_up("olive@example.com")
    other = web.browser()
    known = other.submit(
        "/signup",
        "/signup",
        {"name": "X", "email": "olive@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    new = other.submit(
        "/signup",
        "/signup",
        {"name": "X", "email": "someone-new@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    # a known address is answered like a new one: nothing tells them apart
    assert (known.status_code, known.headers["location"]) == (303, "/signup/sent")
    assert (new.status_code, new.headers["location"]) == (303, "/signup/sent")
    r = other.submit(
        "/signup", "/signup", {"name": "X", "email": "x@example.com", "password": "short"}
    )
    assert r.status_code == 422
    assert "at least 10 characters" in r.text


def test_wrong_password_then_throttled_with_429(web: Web) -> None:
    web.browser().sign_up("olive@example.com")
    b = web.browser()
    for _ in range(5):
        r = b.sign_in("olive@example.com", "wrong password!")
        assert r.status_code == 401
        assert "Wrong email or password." in r.text
    r = b.sign_in("olive@example.com", PASSWORD)
    assert r.status_code == 429
    assert "Too many failed sign-ins" in r.text
    assert int(r.headers["retry-after"]) > 0


def test_sign_out_ends_the_session_on_the_server(web: Web) -> None:
    b = web.browser()
    org = b.sign_up("olive@example.com")
    stolen = dict(b.http.cookies)
    r = b.submit(f"/orgs/{org}", "/logout", follow_redirects=False)
    assert r.headers["location"] == "/login"
    thief = web.browser()
    thief.http.cookies.update(stolen)
    assert thief.get(f"/orgs/{org}", follow_redirects=False).status_code == 303


def test_create_another_organization(web: Web) -> None:
    b = web.browser()
    b.sign_up("olive@example.com")
    r = b.submit("/orgs", "/orgs", {"name": "Second Co"})
    assert r.status_code == 200
    assert "Second Co created; you are its owner." in r.text
    r = b.submit("/orgs", "/orgs", {"name": "  "})
    assert r.status_code == 422
    assert "An organization needs a name" in r.text


def test_state_changes_without_the_session_csrf_token_are_refused(web: Web) -> None:
    b = web.browser()
    org = b.sign_up("olive@example.com")
    for data in ({}, {"csrf_token": "forged"}):
        r = b.http.post("/orgs", data={"name": "Evil", **data})
        assert r.status_code == 403
        assert "security token is missing or out of date" in r.text
    r = b.http.post("/logout", data={"csrf_token": "forged"})
    assert r.status_code == 403
    assert "Evil" not in b.get("/orgs").text
    # htmx sends the same token as a header
    token = csrf_of(b.get(f"/orgs/{org}").text)
    r = b.http.post("/orgs", data={"name": "Via header"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and "Via header created" in r.text


def test_sign_in_and_sign_up_forms_need_the_double_submit_cookie(web: Web) -> None:
    web.browser().sign_up("olive@example.com")
    b = web.browser()
    token = csrf_of(b.get("/login").text)
    assert b.http.cookies.get("tenantry_csrf") == token
    # another site can post the form, but cannot know the cookie's value
    r = b.http.post(
        "/login", data={"email": "olive@example.com", "password": PASSWORD, "csrf_token": "guess"}
    )
    assert r.status_code == 403
    fresh = web.browser()
    r = fresh.http.post(
        "/signup",
        data={"name": "X", "email": "x@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert r.status_code == 403  # no cookie at all
    r = b.http.post(
        "/login",
        data={"email": "olive@example.com", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_cookies_are_httponly_and_samesite_lax(web: Web) -> None:
    b = web.browser()
    b.get("/login")
    b.submit(
        "/signup",
        "/signup",
        {"name": "O", "email": "o@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    r = b.sign_in("o@example.com")
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("tenantry_session="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower()
    pre = web.browser().get("/signup").headers["set-cookie"]
    assert "HttpOnly" in pre and "samesite=lax" in pre.lower()


def test_static_files_and_htmx_are_served_locally(web: Web) -> None:
    b = web.browser()
    page = b.get("/login").text
    assert '<script src="/static/htmx-2.0.11.min.js"' in page
    r = b.get("/static/htmx-2.0.11.min.js")
    assert r.status_code == 200 and "htmx" in r.text
    assert b.get("/static/app.css").status_code == 200
