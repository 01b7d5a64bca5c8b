"""API fixtures: the real ASGI app over the test database, driven by tenantry.client."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tenantry import clock
from tenantry.accounts.service import find_by_email
from tenantry.api.app import create_app
from tenantry.api.schemas import SignedInOut
from tenantry.client import Client, calls
from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport, Transport
from tenantry.settings import Settings
from tenantry.store.db import Database

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@dataclass
class Account:
    client: Client
    signed: SignedInOut

    @property
    def id(self) -> str:
        return self.signed.user.id

    @property
    def email(self) -> str:
        return self.signed.user.email

    @property
    def org_id(self) -> str:
        """The organization created at sign-up."""
        assert self.signed.organization is not None
        return self.signed.organization.org_id


@dataclass
class Api:
    t: Tenantry
    http: TestClient

    @property
    def anonymous(self) -> Client:
        return Client(http=self.http)

    def sign_up(
        self,
        email: str | None = None,
        name: str = "Test User",
        org: str | None = None,
        *,
        verified: bool = True,
    ) -> Account:
        """Sign up over HTTP, then sign in. The address is marked confirmed directly in the
        database (a factory step: ``verified=False`` where the test is about verification)."""
        email = email or f"signup{next(_seq)}@example.com"  # not make_user's user{n}
        self.anonymous.send(calls.sign_up(email, name, PASSWORD, org))
        if verified:
            mark_address_verified(self.t, email)
        signed = self.anonymous.send(calls.sign_in(email, PASSWORD))
        client = Client(token=signed.token, http=self.http)
        mine = client.send(calls.me()).organizations
        signed = signed.model_copy(update={"organization": mine[0] if mine else None})
        return Account(client, signed)


def sign_up_and_in(http: Any, email: str = "o@example.com") -> tuple[str, str | None]:
    """Over any HTTP client (a real server too): sign up, sign in; the session token and
    the organization sign-up made (None where the policy makes none)."""
    signup = {"email": email, "name": "O", "password": PASSWORD}
    answer = http.post("/v1/auth/signup", json=signup)
    assert answer.status_code == 202, answer.text
    signin = http.post("/v1/auth/signin", json={"email": email, "password": PASSWORD})
    assert signin.status_code == 200, signin.text
    token = str(signin.json()["token"])
    me = http.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    orgs = me["organizations"]
    return token, (orgs[0]["org_id"] if orgs else None)


def mark_address_verified(t: Tenantry, email: str) -> None:
    with t.db.transaction() as s:
        user = find_by_email(s, email)
        assert user is not None, email
        user.email_verified_at = clock.now()


@pytest.fixture
def api_for(database: Database, tmp_path: Path) -> Iterator[Callable[..., Api]]:
    made: list[tuple[Tenantry, TestClient]] = []

    def make(policy: str, mail: Transport | None = None, **settings: str) -> Api:
        t = Tenantry(database, policy, mail=mail or MailboxTransport(tmp_path / "mailbox"))
        app = create_app(t, Settings.load({"TENANTRY_POLICY": policy, **settings}))
        http = TestClient(app, raise_server_exceptions=False)
        made.append((t, http))
        return Api(t, http)

    yield make
    for t, http in made:
        http.close()
        t.authz.close()
