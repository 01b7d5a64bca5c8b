"""The dashboard's pages behind the account mails: opening a link only shows a page (mail
scanners open links); its button spends it. Confirm an address, claim one, reset."""

from __future__ import annotations

from sqlalchemy import select

from tenantry.accounts.models import User
from tests.api.accounts_mail import link_token
from tests.web.conftest import PASSWORD, Web


def _user(web: Web, email: str) -> User | None:
    with web.t.db.reading() as s:
        return s.scalar(select(User).where(User.email == email))


def test_opening_a_confirmation_link_changes_nothing_until_its_button_is_pressed(web: Web) -> None:
    b = web.browser()
    b.sign_up("olive@example.com", verified=False)
    token = link_token(web.t, "olive@example.com", "verify")
    page = b.get(f"/verify/{token}")
    assert page.status_code == 200 and "Confirm my address" in page.text
    assert _user(web, "olive@example.com").email_verified_at is None  # type: ignore[union-attr]
    r = b.submit(f"/verify/{token}", "/verify", {"token": token}, follow_redirects=True)
    assert "Your email address is confirmed." in r.text
    assert _user(web, "olive@example.com").email_verified_at is not None  # type: ignore[union-attr]
    again = b.get(f"/verify/{token}")
    assert again.status_code == 410


def test_the_claim_page_gives_the_address_to_the_new_sign_up(web: Web) -> None:
    squatter = web.browser()
    squatter.sign_up("gil@example.com", verified=False)
    owner = web.browser()
    owner.submit(
        "/signup",
        "/signup",
        {"name": "Gil", "email": "gil@example.com", "password": "gils own password"},
    )
    token = link_token(web.t, "gil@example.com", "claim")
    form = {"token": token, "password": "gils own password"}
    r = owner.submit(f"/claim/{token}", "/claim", form, follow_redirects=True)
    assert "Your account is ready" in r.text
    assert owner.sign_in("gil@example.com", "gils own password").status_code == 303
    assert squatter.get("/orgs", follow_redirects=False).status_code == 303  # signed out


def test_forgot_password_answers_alike_and_the_reset_page_sets_the_password(web: Web) -> None:
    web.browser().sign_up("ann@example.com")
    b = web.browser()
    known = b.submit("/forgot", "/forgot", {"email": "ann@example.com"})
    unknown = b.submit("/forgot", "/forgot", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ann@", "X@").count("on its way") == 1
    assert known.text.replace("ann@example.com", "X") == unknown.text.replace(
        "nobody@example.com", "X"
    ).replace(csrf(unknown.text), csrf(known.text))
    token = link_token(web.t, "ann@example.com", "reset")
    r = b.submit(f"/reset/{token}", "/reset", {"token": token, "password": "a new password!"})
    assert r.status_code == 200 and "Your password is set" in r.text
    assert b.sign_in("ann@example.com", PASSWORD).status_code == 401
    assert b.sign_in("ann@example.com", "a new password!").status_code == 303


def csrf(html: str) -> str:
    from tests.web.conftest import csrf_of

    return csrf_of(html)
