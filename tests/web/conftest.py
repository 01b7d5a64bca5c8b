"""Dashboard fixtures: the real app over the test database, driven like a browser (forms,
cookies, CSRF tokens read from the page)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tenantry import clock
from tenantry.accounts.service import find_by_email
from tenantry.api.app import create_app
from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport, Transport, messages_in, text_of
from tenantry.members.models import Membership
from tenantry.settings import Settings
from tenantry.store.db import Database

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ORG_URL = re.compile(r"/orgs/([0-9a-zA-Z_-]+)$")


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class Browser:
    """One person's cookie jar on the dashboard."""

    http: TestClient
    t: Tenantry

    def get(self, url: str, **kw: object) -> httpx.Response:
        return self.http.get(url, **kw)  # type: ignore[arg-type]

    def submit(
        self, page: str, action: str, data: dict[str, object] | None = None, **kw: object
    ) -> httpx.Response:
        """Post a form the way the page would: with the CSRF token the page carries."""
        token = csrf_of(self.get(page).text)
        return self.http.post(action, data={"csrf_token": token, **(data or {})}, **kw)  # type: ignore[arg-type]

    def sign_up(
        self,
        email: str | None = None,
        name: str = "Test User",
        org: str = "Acme",
        *,
        verified: bool = True,
    ) -> str:
        """Signs up, signs in and returns the new organization's id. The address is marked
        confirmed directly in the database (``verified=False`` where the test is about it)."""
        email = email or f"user{next(_seq)}@example.com"
        r = self.submit(
            "/signup",
            "/signup",
            {
                "name": name,
                "email": email,
                "password": PASSWORD,
                **({"organization": org} if org else {}),
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"] == "/signup/sent", r.headers["location"]
        with self.t.db.transaction() as s:
            user = find_by_email(s, email)
            assert user is not None
            if verified:
                user.email_verified_at = clock.now()
            owned = s.scalars(select(Membership.org_id).where(Membership.user_id == user.id))
            org_ids = list(owned)
        r = self.sign_in(email)
        assert r.status_code == 303, r.text
        return org_ids[0] if org_ids else ""

    def sign_in(self, email: str, password: str = PASSWORD, next: str = "") -> httpx.Response:
        return self.submit(
            "/login",
            "/login",
            {"email": email, "password": password, "next": next},
            follow_redirects=False,
        )


@dataclass
class Web:
    t: Tenantry
    app: object
    mailbox: Path
    _clients: list[TestClient]

    def browser(self) -> Browser:
        http = TestClient(self.app, raise_server_exceptions=True)  # type: ignore[arg-type]
        self._clients.append(http)
        return Browser(http, self.t)

    def invite_links(self) -> list[str]:
        """The invitation links mailed so far (sign-up's confirmation mails are skipped)."""
        out = []
        for mail in messages_in(self.mailbox):
            found = re.search(r"/invite/(\S+)", text_of(mail))
            if found:
                out.append("/invite/" + found.group(1))
        return out


@pytest.fixture
def web_for(database: Database, tmp_path: Path) -> Iterator[Callable[..., Web]]:
    made: list[Web] = []

    def make(policy: str = "distribu", mail: Transport | None = None) -> Web:
        mailbox = tmp_path / f"mailbox-{len(made)}"
        t = Tenantry(database, policy, mail=mail or MailboxTransport(mailbox))
        app = create_app(t, Settings.load({"TENANTRY_POLICY": policy}))
        web = Web(t, app, mailbox, [])
        made.append(web)
        return web

    yield make
    for web in made:
        for http in web._clients:
            http.close()
        web.t.authz.close()


@pytest.fixture
def web(web_for: Callable[..., Web]) -> Web:
    return web_for("distribu")
