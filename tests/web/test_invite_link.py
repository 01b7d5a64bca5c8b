"""/invite/{token}: the three accept paths, and each kind of dead link. Also the pending
invitations tab (cancel, resend) and the link shown when mail fails."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from tenantry import clock
from tenantry.mail.transports import MailError
from tests.web.conftest import PASSWORD, Browser, Web, csrf_of


def invite(web: Web, owner: Browser, org: str, email: str, role: str = "admin") -> str:
    r = owner.submit(f"/orgs/{org}", f"/orgs/{org}/invitations", {"emails": email, "role": role})
    assert r.status_code == 200, r.text
    return web.invite_links()[-1]


def test_new_person_gets_a_sign_up_form_with_the_email_fixed_and_lands_on_the_org(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com", org="Olive Co")
    link = invite(web, owner, org, "newbie@example.com")
    b = web.browser()
    page = b.get(link).text
    assert "Join Olive Co" in page and "Create account and join" in page
    assert 'value="newbie@example.com" readonly' in page
    assert 'name="email"' not in page  # nothing to submit: the invited address is used
    r = b.submit(
        link,
        f"{link}/signup",
        {"name": "Newbie", "password": PASSWORD, "email": "evil@example.com"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/orgs/{org}"
    page = b.get(f"/orgs/{org}").text
    assert "Welcome to Olive Co!" in page and "newbie@example.com" in page
    assert "evil@example.com" not in owner.get(f"/orgs/{org}").text


def test_existing_account_signs_in_then_accepts_with_one_click(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com", org="Olive Co")
    ben = web.browser()
    ben.sign_up("ben@example.com", org="Ben Co")
    ben.submit("/orgs", "/logout")
    link = invite(web, owner, org, "ben@example.com")
    page = ben.get(link).text
    assert "You already have an account. Sign in to accept." in page
    r = ben.submit(
        link,
        "/login",
        {"email": "ben@example.com", "password": PASSWORD, "next": link},
        follow_redirects=False,
    )
    assert r.headers["location"] == link
    page = ben.get(link).text
    assert "Accept invitation" in page
    r = ben.submit(link, f"{link}/accept", follow_redirects=False)
    assert r.headers["location"] == f"/orgs/{org}"
    assert "ADMIN" in ben.get(f"/orgs/{org}").text


def test_signed_in_as_someone_else_is_told_wrong_account_and_offered_sign_out(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    link = invite(web, owner, org, "ben@example.com")
    eve = web.browser()
    eve.sign_up("eve@example.com")
    page = eve.get(link).text
    assert "Wrong account." in page and "Accept invitation" not in page
    assert 'action="/logout"' in page and f'name="next" value="{link}"' in page
    r = eve.submit(link, f"{link}/accept")  # forcing it: refused by the service
    assert r.status_code == 403 and "Wrong account." in r.text
    r = eve.submit(link, "/logout", {"next": link}, follow_redirects=False)
    assert r.headers["location"] == link
    assert "Create account and join" in eve.get(link).text


def test_dead_links_each_say_why(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    b = web.browser()
    r = b.get("/invite/tni_0123456789abcdef_nope")
    assert r.status_code == 404 and "This invitation link is not valid" in r.text

    used = invite(web, owner, org, "used@example.com")
    b.submit(used, f"{used}/signup", {"name": "U", "password": PASSWORD})
    r = web.browser().get(used)
    assert r.status_code == 410 and "already been used" in r.text

    cancelled = invite(web, owner, org, "gone@example.com")
    page = owner.get(f"/orgs/{org}/invitations").text
    inv_id = page.split('id="invitation-')[1].split('"')[0]
    token = csrf_of(page)
    r = owner.http.post(
        f"/orgs/{org}/invitations/{inv_id}/cancel",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert r.status_code == 200 and "Invitation cancelled" in r.text
    r = web.browser().get(cancelled)
    assert r.status_code == 410 and "This invitation was cancelled" in r.text

    expired = invite(web, owner, org, "late@example.com")
    later = clock.now() + timedelta(days=8)
    clock.set_clock(lambda: later)
    try:
        r = web.browser().get(expired)
    finally:
        clock.set_clock(None)
    assert r.status_code == 410 and "This invitation has expired" in r.text


class Broken:
    def send(self, message: EmailMessage) -> None:
        raise MailError("SMTP delivery to mail.invalid:25 failed: connection refused")


def test_when_mail_fails_the_inviter_sees_the_link_to_pass_on(web_for) -> None:  # type: ignore[no-untyped-def]
    web = web_for("distribu", mail=Broken())
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    r = owner.submit(
        f"/orgs/{org}",
        f"/orgs/{org}/invitations",
        {"emails": "a@example.com, b@example.com", "role": "member"},
    )
    assert r.text.count("the email could not be delivered") == 2
    assert r.text.count('aria-label="Invitation link"') >= 2
    link = r.text.split('aria-label="Invitation link"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert "/invite/" in link
    page = owner.get(f"/orgs/{org}/invitations").text
    assert "not delivered" in page and link in page
    path = link[link.index("/invite/") :]
    assert "Create account and join" in web.browser().get(path).text


def test_invite_refusals_and_per_address_results(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    r = owner.submit(
        f"/orgs/{org}", f"/orgs/{org}/invitations", {"emails": "x@example.com", "role": "owner"}
    )
    assert r.status_code == 403 and "Nobody can be given OWNER" in r.text
    r = owner.submit(
        f"/orgs/{org}",
        f"/orgs/{org}/invitations",
        {"emails": "ok@example.com\nolive@example.com\nnot-an-email", "role": "member"},
    )
    assert r.status_code == 200
    assert "olive@example.com is already a member." in r.text
    assert "invited, email sent." in r.text


def test_resend_sends_a_new_link_and_kills_the_old(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    old = invite(web, owner, org, "ben@example.com")
    page = owner.get(f"/orgs/{org}/invitations").text
    inv_id = page.split('id="invitation-')[1].split('"')[0]
    r = owner.submit(f"/orgs/{org}/invitations", f"/orgs/{org}/invitations/{inv_id}/resend")
    assert "A new link was sent to ben@example.com" in r.text
    new = web.invite_links()[-1]
    assert new != old
    assert web.browser().get(old).status_code == 404
    assert web.browser().get(new).status_code == 200


def test_seat_cap_counts_pending_invitations(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    emails = ", ".join(f"p{i}@example.com" for i in range(10))
    r = owner.submit(
        f"/orgs/{org}", f"/orgs/{org}/invitations", {"emails": emails, "role": "member"}
    )
    assert r.status_code == 409
    assert "The plan allows 10 seats" in r.text
