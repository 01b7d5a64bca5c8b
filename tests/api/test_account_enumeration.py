"""Known and unknown addresses look the same on sign-up, sign-in and password reset: the
same status, the same body (with the address itself taken out), the same headers that could
tell them apart, and comparable time. Measured against a real uvicorn on loopback with a
real SMTP server, requests interleaved so that load on the machine hits both alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tenantry import clock
from tenantry.accounts import budgets
from tenantry.accounts.models import User
from tests.api.conftest import PASSWORD
from tests.api.test_live_server import live, smtp  # noqa: F401 (fixtures)

SAMPLES = 5  # per side, for the paths that run argon2 (about a second each here)
RESET_SAMPLES = 25  # per side, for the fast path: the client's reset budget is raised below
# the fastest answers within this factor of each other (or this many seconds, for paths of a
# few ms on a machine other work shares): what both paths doing the same work gives. Sending
# the mail inline (an SMTP round trip), or skipping argon2 for an unknown address, is far
# over it.
TOLERANCE = 1.6
SLACK = 0.010


@pytest.fixture(autouse=True)
def more_resets_per_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sample comes from 127.0.0.1; the per-address budget still holds."""
    monkeypatch.setattr(budgets, "PER_CLIENT", 1000)


def _shape(body: Any, address: str) -> Any:
    """The body with the address (and its local part) replaced: only the rest must match."""
    text = httpx.Response(200, json=body).text
    return text.replace(address, "<address>").replace(address.split("@")[0], "<local>")


def _compare(
    http: httpx.Client,
    send: Callable[[httpx.Client, str], httpx.Response],
    known: list[str],
    unknown: list[str],
) -> tuple[float, float]:
    answers: dict[str, list[tuple[int, Any, float]]] = {"known": [], "unknown": []}
    for n, (k, u) in enumerate(zip(known, unknown, strict=True)):
        # the sides swap places every pair: work one request leaves behind (mail sent after
        # its answer) slows whichever comes next, and that must not always be the same side
        pair = [("known", k), ("unknown", u)]
        for side, address in pair if n % 2 == 0 else pair[::-1]:
            started = time.perf_counter()
            response = send(http, address)
            elapsed = time.perf_counter() - started
            skip = ("date", "content-length")
            headers = tuple(sorted(h for h in response.headers if h not in skip))
            answers[side].append(
                (response.status_code, (_shape(response.json(), address), headers), elapsed)
            )
    seen = {(status, shape) for side in answers.values() for status, shape, _ in side}
    assert len(seen) == 1, seen
    # other work on the machine only ever adds time: the fastest answer of each side is
    # closest to the work itself (the benchmark, scripts/enumeration_timing.py, compares
    # medians over 1,000 samples a side)
    known_fastest = min(e for _, _, e in answers["known"])
    unknown_fastest = min(e for _, _, e in answers["unknown"])
    slower, faster = max(known_fastest, unknown_fastest), min(known_fastest, unknown_fastest)
    assert slower <= faster * TOLERANCE + SLACK, (known_fastest, unknown_fastest)
    return known_fastest, unknown_fastest


def _accounts(http: httpx.Client, prefix: str, samples: int = SAMPLES) -> list[str]:
    out = []
    for n in range(samples):
        address = f"{prefix}{n}@example.com"
        body = {"email": address, "name": "Known", "password": PASSWORD}
        assert http.post("/v1/auth/signup", json=body).status_code == 202
        out.append(address)
    return out


def test_sign_up_answers_known_and_unknown_addresses_alike(live, database) -> None:  # noqa: F811
    """Known addresses both ways: with a confirmed account (its owner is mailed) and with an
    unconfirmed one (a claim link is mailed)."""
    base, _ = live
    with httpx.Client(base_url=base, timeout=30) as http:
        confirmed = _accounts(http, "member")
        unconfirmed = _accounts(http, "squatted")
        with database.transaction() as s:
            s.execute(
                update(User).where(User.email.in_(confirmed)).values(email_verified_at=clock.now())
            )

        def sign_up(c: httpx.Client, address: str) -> httpx.Response:
            body = {"email": address, "name": "Someone", "password": "a password of theirs"}
            return c.post("/v1/auth/signup", json=body)

        for known, prefix in ((confirmed, "new"), (unconfirmed, "fresh")):
            unknown = [f"{prefix}{n}@example.com" for n in range(SAMPLES)]
            medians = _compare(http, sign_up, known, unknown)
            print(f"sign-up fastest seconds: known {medians[0]:.3f}, unknown {medians[1]:.3f}")


def test_sign_in_answers_a_wrong_password_and_an_unknown_address_alike(live) -> None:  # noqa: F811
    base, _ = live
    with httpx.Client(base_url=base, timeout=30) as http:
        known = _accounts(http, "user")

        def sign_in(c: httpx.Client, address: str) -> httpx.Response:
            return c.post("/v1/auth/signin", json={"email": address, "password": "not it at all"})

        unknown = [f"nobody{n}@example.com" for n in range(SAMPLES)]
        medians = _compare(http, sign_in, known, unknown)
    print(f"sign-in fastest seconds: known {medians[0]:.3f}, unknown {medians[1]:.3f}")


def test_password_reset_answers_known_and_unknown_addresses_alike(live) -> None:  # noqa: F811
    base, inbox = live
    with httpx.Client(base_url=base, timeout=30) as http:
        known = _accounts(http, "owner", RESET_SAMPLES)

        def reset(c: httpx.Client, address: str) -> httpx.Response:
            return c.post("/v1/auth/password-reset", json={"email": address})

        unknown = [f"stranger{n}@example.com" for n in range(RESET_SAMPLES)]
        medians = _compare(http, reset, known, unknown)
    deadline = time.monotonic() + 10  # the resets were mailed after their answers
    while sum(b"Reset your password" in m for m in inbox.messages) < RESET_SAMPLES:
        assert time.monotonic() < deadline, "the reset mails did not arrive"
        time.sleep(0.05)
    print(f"reset fastest seconds: known {medians[0]:.3f}, unknown {medians[1]:.3f}")


def test_sign_ups_naming_one_address_are_throttled_alike_for_known_and_unknown(api_for):
    from tenantry.accounts.budgets import SIGN_UPS_PER_ADDRESS

    api = api_for("distribu")
    api.sign_up("known@example.com")  # one sign-up of its budget spent
    answers = {}
    for address in ("known@example.com", "unknown@example.com"):
        body = {"email": address, "name": "X", "password": "a long enough password"}
        codes = [
            api.http.post("/v1/auth/signup", json=body).status_code
            for _ in range(SIGN_UPS_PER_ADDRESS + 1)
        ]
        answers[address] = codes
    assert answers["unknown@example.com"] == [202] * SIGN_UPS_PER_ADDRESS + [429]
    assert answers["known@example.com"] == [202] * (SIGN_UPS_PER_ADDRESS - 1) + [429, 429]
    refused = api.http.post("/v1/auth/signup", json=body)
    assert refused.json()["error"]["code"] == "RATE_LIMITED" and "Retry-After" in refused.headers
