"""``tenantry serve`` believes X-Forwarded-For only from TENANTRY_TRUSTED_PROXIES, by one
mechanism (``api.deps.client_ip``): uvicorn's own proxy-header handling is off, in the
single process and in every ``--workers`` process. Against real servers on loopback, over
the SQLite file or PostgreSQL when TENANTRY_TEST_DATABASE_URL is set (catalogue I1: "IP
from the trusted-proxy chain only (spoofed X-Forwarded-For ignored)"; issue 9 item 9).

Shown red: with uvicorn's defaults back (``proxy_headers`` on, which believes
X-Forwarded-For from 127.0.0.1 whatever TENANTRY_TRUSTED_PROXIES says), the audit log
recorded the spoofed address, the sign-in throttle and the invitation-link guard answered
401 / 404 to a spoofed address where 429 was due, and a proxy not on loopback was bypassed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.throttles._servers import Server, running, shared_database

PG_URL = os.environ.get("TENANTRY_TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple"
SPOOFED = "203.0.113.66"
MADE_UP_LINK = "tni_0123456789abcdef_"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``serve(trusted, workers=1)``: a running ``tenantry serve`` whose trusted proxies
    are exactly ``trusted`` (a comma-separated list, "" for none), on a database of its own."""
    with shared_database(PG_URL, tmp_path) as url, contextlib.ExitStack() as stack:
        names = itertools.count(1)

        def start(trusted: str, workers: int = 1) -> Server:
            server = Server(
                f"serve-{next(names)}",
                url,
                tmp_path,
                workers=workers,
                env={"TENANTRY_TRUSTED_PROXIES": trusted, "TENANTRY_POLICY": "distribu"},
            )
            stack.enter_context(running(server))
            return server

        yield start


def _sign_up(http: httpx.Client, email: str, forwarded: str | None = None) -> tuple[str, str]:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    body = {"email": email, "name": "Owner", "password": PASSWORD, "organization_name": "Acme"}
    response = http.post("/v1/auth/signup", json=body, headers=headers)
    assert response.status_code == 202, response.text
    signin = {"email": email, "password": PASSWORD}
    token = http.post("/v1/auth/signin", json=signin, headers=headers).json()["token"]
    me = http.get("/v1/me", headers={"Authorization": f"Bearer {token}", **headers}).json()
    return token, me["organizations"][0]["org_id"]


def _audited_addresses(server: Server, forwarded: str) -> set[str | None]:
    """Sign up and change the organization, both sending ``forwarded`` as X-Forwarded-For;
    the addresses the audit log recorded for them."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        token, org_id = _sign_up(http, f"owner-{server.name}@example.com", forwarded)
        auth = {"Authorization": f"Bearer {token}", "X-Forwarded-For": forwarded}
        changed = http.patch(f"/v1/orgs/{org_id}", json={"profile": {"x": "y"}}, headers=auth)
        assert changed.status_code == 200, changed.text
        page = http.get(f"/v1/orgs/{org_id}/audit", headers={"Authorization": f"Bearer {token}"})
        assert page.status_code == 200, page.text
    events = page.json()["items"]
    assert {e["action"] for e in events} >= {"org.updated"}
    return {e["ip"] for e in events}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_spoofed_forwarded_for_never_reaches_the_audit_log(serve, workers):
    server = serve("", workers)
    assert _audited_addresses(server, SPOOFED) == {"127.0.0.1"}


def test_forwarded_for_from_loopback_is_ignored_when_the_trusted_proxy_is_elsewhere(serve):
    """Trusting one proxy (10.1.2.3) trusts nobody else, loopback included."""
    server = serve("10.1.2.3/32")
    assert _audited_addresses(server, SPOOFED) == {"127.0.0.1"}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_configured_proxy_is_believed_by_the_service_itself(serve, workers):
    """The one mechanism still works: loopback is the proxy here, so the address it forwards
    is the client's."""
    server = serve("127.0.0.1/32", workers)
    assert _audited_addresses(server, SPOOFED) == {SPOOFED}


def _until_refused(request: Callable[[int], httpx.Response], limit: int = 200) -> int:
    """Send ``request(i)`` until the answer is 429; how many were sent."""
    for i in range(1, limit + 1):
        response = request(i)
        if response.status_code == 429:
            return i
        assert response.status_code in (401, 404), response.text
    raise AssertionError(f"no 429 after {limit} requests")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_spoofed_forwarded_for_gets_no_fresh_sign_in_budget(serve, workers):
    server = serve("", workers)
    with httpx.Client(base_url=server.url, timeout=30) as http:

        def wrong_sign_in(i: int, headers: dict[str, str] | None = None) -> httpx.Response:
            body = {"email": f"nobody-{i}@example.com", "password": "not the password"}
            return http.post("/v1/auth/signin", json=body, headers=headers or {})

        # a new account each time: only this address's budget is spent
        _until_refused(wrong_sign_in)
        for n, spoofed in enumerate((SPOOFED, "198.51.100.7", "10.0.0.9, 127.0.0.1")):
            again = wrong_sign_in(1000 + n, {"X-Forwarded-For": spoofed})
            assert again.status_code == 429, (spoofed, again.text)


def test_a_spoofed_forwarded_for_gets_no_fresh_link_guessing_budget(serve):
    server = serve("")
    with httpx.Client(base_url=server.url, timeout=30) as http:

        def guess(i: int, headers: dict[str, str] | None = None) -> httpx.Response:
            return http.get(f"/v1/invitations/{MADE_UP_LINK}{i:043d}", headers=headers or {})

        _until_refused(guess)
        for n, spoofed in enumerate((SPOOFED, "198.51.100.7")):
            again = guess(10_000 + n, {"X-Forwarded-For": spoofed})
            assert again.status_code == 429, (spoofed, again.text)
