"""Sign-in as a use-case: the throttles it keeps, and the database connection it does not
hold while argon2 runs (a burst of sign-ins must not drain the pool)."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import update

from tenantry.accounts import sessions
from tenantry.accounts.guessing import PasswordGuesses
from tenantry.accounts.models import User
from tenantry.accounts.sessions import BadCredentials, SignIn
from tenantry.throttles.database import DatabaseWindows
from tenantry.throttles.errors import TooManyAttempts
from tests.factories import PASSWORD, make_user


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("distribu")


@pytest.mark.parametrize("email", ["known@example.com", "unknown@example.com"])
def test_sign_in_holds_no_database_connection_while_the_password_is_verified(
    t, monkeypatch, email
) -> None:
    make_user(t, "known@example.com", password=PASSWORD)
    held: list[int] = []
    verify = sessions.verify_password

    def watched(stored: str | None, password: str) -> bool:
        held.append(t.db.engine.pool.checkedout())
        return verify(stored, password)

    monkeypatch.setattr(sessions, "verify_password", watched)
    with contextlib.suppress(BadCredentials):
        t.sign_in(t.db, email=email, password=PASSWORD, ip="192.0.2.1")
    assert held == [0]  # verified once (a dummy hash for the unknown account), no connection


def test_five_failures_lock_the_account_for_that_client_and_a_sixth_try_is_refused(t) -> None:
    make_user(t, "carol@example.com", password=PASSWORD)
    for _ in range(5):
        with pytest.raises(BadCredentials):
            t.sign_in(t.db, email="carol@example.com", password="not it at all", ip="192.0.2.1")
    with pytest.raises(TooManyAttempts) as refused:
        t.sign_in(t.db, email="Carol@Example.com", password=PASSWORD, ip="192.0.2.1")
    assert 0 < refused.value.details["retry_after"] <= 900
    # another client is not locked out by these failures
    assert t.sign_in(t.db, email="carol@example.com", password=PASSWORD, ip="192.0.2.2")


def test_failures_past_the_account_ceiling_lock_the_account_for_every_client(t) -> None:
    assert t.guesses.per_account.limit == 50  # the service's; six here keep the test short
    sign_in = SignIn(PasswordGuesses(t.throttles, per_account=6))
    make_user(t, "cleo@example.com", password=PASSWORD)
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3") * 2:
        with pytest.raises(BadCredentials):
            sign_in(t.db, email="cleo@example.com", password="not it at all", ip=ip)
    with pytest.raises(TooManyAttempts):
        sign_in(t.db, email="cleo@example.com", password=PASSWORD, ip="192.0.2.4")


def test_failures_from_one_address_past_its_limit_lock_it_for_every_account(t) -> None:
    assert t.guesses.per_ip.limit == 20  # the service's; three here keep the test short
    sign_in = SignIn(PasswordGuesses(t.throttles, per_ip=3))
    make_user(t, "dave@example.com", password=PASSWORD)
    for i in range(3):
        with pytest.raises(BadCredentials):
            sign_in(t.db, email=f"guess{i}@example.com", password=PASSWORD, ip="192.0.2.9")
    with pytest.raises(TooManyAttempts):
        sign_in(t.db, email="dave@example.com", password=PASSWORD, ip="192.0.2.9")
    assert sign_in(t.db, email="dave@example.com", password=PASSWORD, ip="192.0.2.10")


def test_a_successful_sign_in_gives_the_account_its_whole_budget_back(t) -> None:
    make_user(t, "erin@example.com", password=PASSWORD)
    for _ in range(4):
        with pytest.raises(BadCredentials):
            t.sign_in(t.db, email="erin@example.com", password="not it at all", ip="192.0.2.1")
    t.sign_in(t.db, email="erin@example.com", password=PASSWORD, ip="192.0.2.1")
    for _ in range(4):
        with pytest.raises(BadCredentials):
            t.sign_in(t.db, email="erin@example.com", password="not it at all", ip="192.0.2.1")
    assert t.sign_in(t.db, email="erin@example.com", password=PASSWORD, ip="192.0.2.1")


def test_two_sign_ins_over_one_database_share_one_budget(t, tenantry_for) -> None:
    # two Tenantry objects stand for two processes: the budget is in the database
    other = tenantry_for("distribu")
    make_user(t, "fay@example.com", password=PASSWORD)
    for service in (t, other, t, other, t):
        with pytest.raises(BadCredentials):
            service.sign_in(service.db, email="fay@example.com", password="nope nope", ip=None)
    with pytest.raises(TooManyAttempts):
        other.sign_in(other.db, email="fay@example.com", password=PASSWORD, ip=None)


@pytest.mark.parametrize("change", ["deactivated", "password changed"])
def test_an_account_changed_while_its_password_was_verified_gets_no_session(
    t, monkeypatch, change
) -> None:
    user = make_user(t, "gil@example.com", password=PASSWORD)
    verify = sessions.verify_password

    def meanwhile(stored: str | None, password: str) -> bool:
        values = {"is_active": False} if change == "deactivated" else {"password_hash": "x"}
        with t.db.transaction() as s:
            s.execute(update(User).where(User.id == user.id).values(**values))
        return verify(stored, password)

    monkeypatch.setattr(sessions, "verify_password", meanwhile)
    with pytest.raises(BadCredentials):
        t.sign_in(t.db, email="gil@example.com", password=PASSWORD, ip=None)


def test_a_deactivated_account_is_refused_like_a_wrong_password(t) -> None:
    user = make_user(t, "hal@example.com", password=PASSWORD)
    with t.db.transaction() as s:
        s.execute(update(User).where(User.id == user.id).values(is_active=False))
    sign_in = SignIn(PasswordGuesses(DatabaseWindows(t.db)))
    with pytest.raises(BadCredentials) as refused:
        sign_in(t.db, email="hal@example.com", password=PASSWORD, ip=None)
    assert refused.value.message == "Wrong email or password."
