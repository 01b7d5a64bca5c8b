"""Guessing a password over HTTP (catalogue G2: brute force gets 429), and the lockout that
must not become a weapon: a client that failed 5 times is locked out of that account, other
clients are not, and a per-account ceiling bounds a guesser spread over many addresses.

Shown red against the code before these rules (one budget of 5 per account, none on the
password change): the password-change guesses answered 403 six times (no 429) and the
victim signing in from another address got 429; with the per-account ceiling removed (only
the per-client limit left), the ceiling test signed in with 200."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from tenantry.accounts.guessing import PasswordGuesses
from tenantry.accounts.sessions import SignIn
from tenantry.client import ApiError, Client, calls
from tests.api.conftest import PASSWORD, Api

WRONG = "not the password at all"
NEW = "a brand new passphrase"
At = Callable[[Api, str], Client]


@pytest.fixture
def at() -> Iterator[At]:
    """``at(api, "203.0.113.9")``: a client calling from that address."""
    made: list[TestClient] = []

    def client(api: Api, address: str) -> Client:
        http = TestClient(api.http.app, client=(address, 50000), raise_server_exceptions=False)
        made.append(http)
        return Client(http=http)

    yield client
    for http in made:
        http.close()


def status_of(client: Client, call: calls.Call[object]) -> int:
    try:
        client.send(call)
    except ApiError as refused:
        return refused.status
    return 200


def test_guessing_the_current_password_at_a_password_change_is_limited_like_sign_in(
    api_for, at: At
) -> None:
    api = api_for("distribu")
    alice = api.sign_up("alice@example.com")
    for _ in range(5):
        with pytest.raises(ApiError) as wrong:
            alice.client.send(calls.change_password(WRONG, NEW))
        assert (wrong.value.status, wrong.value.code) == (403, "WRONG_PASSWORD")
    refused = api.http.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW},
        headers={"Authorization": f"Bearer {alice.client.token}"},
    )
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert 0 < int(refused.headers["retry-after"]) <= 900
    # one budget per account and client, wherever the password is tried
    assert status_of(api.anonymous, calls.sign_in("alice@example.com", PASSWORD)) == 429
    # and the refused change changed nothing: the old password still signs in elsewhere
    assert status_of(at(api, "198.51.100.7"), calls.sign_in("alice@example.com", PASSWORD)) == 200


def test_a_victim_is_not_locked_out_by_another_clients_failures(api_for, at: At) -> None:
    api = api_for("distribu")
    api.sign_up("victim@example.com")
    attacker, victim = at(api, "203.0.113.66"), at(api, "198.51.100.7")
    for _ in range(5):
        assert status_of(attacker, calls.sign_in("victim@example.com", WRONG)) == 401
    assert status_of(attacker, calls.sign_in("victim@example.com", PASSWORD)) == 429
    signed = victim.send(calls.sign_in("victim@example.com", PASSWORD))
    # signed in, and the victim's own password change is not refused either
    victim.as_token(signed.token).send(calls.change_password(PASSWORD, NEW))


def test_the_per_account_ceiling_holds_across_clients(api_for, at: At) -> None:
    api = api_for("distribu")
    assert (api.t.guesses.per_account.limit, api.t.guesses.per_client.limit) == (50, 5)
    # a ceiling of 8 keeps the test short: 5 failures from one address, 3 from another
    api.t.guesses = PasswordGuesses(api.t.throttles, per_account=8)
    api.t.sign_in = SignIn(api.t.guesses)
    api.sign_up("target@example.com")
    first, second = at(api, "203.0.113.1"), at(api, "203.0.113.2")
    for client, failures in ((first, 5), (second, 3)):
        for _ in range(failures):
            assert status_of(client, calls.sign_in("target@example.com", WRONG)) == 401
    for address in ("203.0.113.2", "203.0.113.3", "198.51.100.7"):
        fresh = at(api, address)
        assert status_of(fresh, calls.sign_in("target@example.com", PASSWORD)) == 429
    # another account is not touched by this one's ceiling
    api.sign_up("bystander@example.com")
    bystander = calls.sign_in("bystander@example.com", PASSWORD)
    assert status_of(at(api, "203.0.113.3"), bystander) == 200
