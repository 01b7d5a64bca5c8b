"""Argon2 is slow by design (about half a second here): sign-up, invitation sign-up and the
password change hash (and verify) with no database connection held, so on SQLite the write
lock is not held through it and every other writer goes on. A password change re-checks,
in its write, that the stored password is still the one it verified.

Shown red against the code that hashed inside the route's transaction: on SQLite the
concurrent write did not complete while the hash ran (the route held the write lock) and a
connection was checked out; on PostgreSQL a connection was checked out; and the change
racing another change answered 200, overwriting the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select, update

from tenantry.accounts import passwords
from tenantry.accounts.models import User
from tenantry.client import ApiError, calls
from tenantry.store.db import Database
from tests.accounts._hashing import Hashing, watch_hashing
from tests.api.conftest import PASSWORD, Api
from tests.api.test_invitations import _link_token

NEW = "a brand new passphrase"


@pytest.fixture
def hashing(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hashing]:
    yield from watch_hashing(database, monkeypatch)


def sign_up(api: Api, hashing: Hashing) -> None:
    api.anonymous.send(calls.sign_up("new@example.com", "New", PASSWORD, "New Co"))


def invitation_sign_up(api: Api, hashing: Hashing) -> None:
    owner = api.sign_up("owner@example.com")
    owner.client.send(calls.invite(owner.org_id, ["new@example.com"], roles=["member"]))
    token = _link_token(api, "new@example.com")
    hashing.seen.clear()
    api.anonymous.send(calls.sign_up_with_invitation(token, "New", PASSWORD))


def password_change(api: Api, hashing: Hashing) -> None:
    alice = api.sign_up("alice@example.com")
    hashing.seen.clear()
    alice.client.send(calls.change_password(PASSWORD, NEW))


@pytest.mark.parametrize("flow", [sign_up, invitation_sign_up, password_change])
def test_no_connection_and_no_write_lock_is_held_while_a_password_is_hashed(
    api_for, hashing: Hashing, flow: Callable[[Api, Hashing], None]
) -> None:
    api = api_for("distribu")
    flow(api, hashing)
    expected = ["verify", "hash"] if flow is password_change else ["hash"]
    assert hashing.seen == [(what, 0, True) for what in expected]


def test_a_password_change_racing_another_change_is_refused_and_keeps_the_other(
    api_for, hashing: Hashing
) -> None:
    api = api_for("distribu")
    alice = api.sign_up("alice@example.com")
    other = passwords.hash_password("the other new passphrase")

    def the_other_change() -> None:  # committed while this change verifies the current one
        with api.t.db.transaction() as s:
            s.execute(update(User).where(User.id == alice.id).values(password_hash=other))

    hashing.seen.clear()
    hashing.meanwhile = the_other_change
    with pytest.raises(ApiError) as refused:
        alice.client.send(calls.change_password(PASSWORD, NEW))
    assert (refused.value.status, refused.value.code) == (409, "PASSWORD_CHANGED")
    hashing.join_writers()
    with api.t.db.reading() as s:
        assert s.scalar(select(User.password_hash).where(User.id == alice.id)) == other
