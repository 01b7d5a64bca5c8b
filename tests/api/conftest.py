"""API fixtures: the real ASGI app over the test database, driven by tenantry.client."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

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
        self, email: str | None = None, name: str = "Test User", org: str | None = None
    ) -> Account:
        email = email or f"user{next(_seq)}@example.com"
        signed = self.anonymous.send(calls.sign_up(email, name, PASSWORD, org))
        return Account(Client(token=signed.token, http=self.http), signed)


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
