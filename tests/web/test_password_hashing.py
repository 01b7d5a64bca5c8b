"""The dashboard's sign-up and invitation sign-up hash the password with no database
connection held: on SQLite the write lock is free meanwhile, and other writers go on.

Shown red against the code that hashed inside the form's write transaction: on SQLite the
concurrent write did not complete while the hash ran and a connection was checked out; on
PostgreSQL a connection was checked out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenantry.store.db import Database
from tests.accounts._hashing import Hashing, watch_hashing
from tests.web.conftest import PASSWORD, Web
from tests.web.test_invite_link import invite


@pytest.fixture
def hashing(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hashing]:
    yield from watch_hashing(database, monkeypatch)


def test_the_dashboard_sign_up_holds_no_connection_while_it_hashes(
    web: Web, hashing: Hashing
) -> None:
    r = web.browser().submit(
        "/signup",
        "/signup",
        {"name": "O", "email": "olive@example.com", "password": PASSWORD, "organization": "O"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert hashing.seen == [("hash", 0, True)]


def test_the_dashboard_invitation_sign_up_holds_no_connection_while_it_hashes(
    web: Web, hashing: Hashing
) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com", org="Olive Co")
    link = invite(web, owner, org, "newbie@example.com")
    hashing.seen.clear()
    b = web.browser()
    r = b.submit(link, f"{link}/signup", {"name": "Newbie", "password": PASSWORD})
    assert r.status_code == 200 and "Welcome to Olive Co!" in r.text
    assert hashing.seen == [("hash", 0, True)]
