"""Webhooks against real ``tenantry serve`` processes on loopback: endpoints made over HTTP,
signed deliveries reaching a loopback receiver, one that fails three times getting the event
after the retries, and a server killed (SIGKILL) mid-retry losing nothing: the restarted
server delivers what was due."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tenantry.apikeys import service as apikeys
from tenantry.core import Tenantry
from tenantry.webhooks import signing
from tenantry.writes import Actor
from tests.factories import make_org, make_user
from tests.throttles._servers import Server, running, shared_database
from tests.webhooks._receiver import receiving

PG_URL = os.environ.get("TENANTRY_TEST_DATABASE_URL")
FAST = {
    "TENANTRY_POLICY": "distribu",
    "TENANTRY_WEBHOOK_ALLOW_PRIVATE": "1",  # the receiver is on loopback
    "TENANTRY_WEBHOOK_POLL_SECONDS": "0.1",
}


@pytest.fixture
def world(tmp_path) -> Iterator[tuple[str, Path, str, str]]:
    """A migrated database with an organization and an owner API key for it."""
    with shared_database(PG_URL, tmp_path) as url:
        from tenantry.store.migrate import upgrade

        upgrade(url)
        t = Tenantry(url, "distribu")
        try:
            owner = make_user(t, "olive@example.com")
            org = make_org(t, owner, "Olive Co", seat_cap=100)
            with t.db.transaction() as s:
                _, token = apikeys.create_key(
                    s, t.authz, actor=Actor.operator(), org_id=org.id, name="ops", roles=["owner"]
                )
        finally:
            t.close()
        yield url, tmp_path, org.id, token


def api(server: Server, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def invite(http: httpx.Client, org_id: str, email: str) -> None:
    r = http.post(f"/v1/orgs/{org_id}/invitations", json={"emails": [email], "roles": ["member"]})
    assert r.status_code in (200, 201), r.text


def wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_signed_deliveries_reach_a_receiver_that_recovers_after_three_failures(world):
    url, workdir, org_id, token = world
    server = Server(
        "hooks", url, workdir, env={**FAST, "TENANTRY_WEBHOOK_RETRY_BASE_SECONDS": "0.2"}
    )
    with running(server), receiving(answers=[500, 500, 500]) as r, api(server, token) as http:
        made = http.post(
            f"/v1/orgs/{org_id}/webhooks",
            json={"url": r.url, "event_types": ["invitation.sent"]},
        )
        assert made.status_code == 201, made.text
        secret, endpoint_id = made.json()["secret"], made.json()["id"]
        invite(http, org_id, "new@example.com")
        wait_for(lambda: len(r.delivered()) == 1)
        log = http.get(f"/v1/orgs/{org_id}/webhooks/{endpoint_id}/deliveries").json()
    assert [req.headers["x-answered"] for req in r.requests] == ["500", "500", "500", "200"]
    assert all(signing.verify(secret, q.headers["tenantry-signature"], q.body) for q in r.requests)
    assert len({q.headers["tenantry-webhook-id"] for q in r.requests}) == 1
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 4


def test_a_server_killed_mid_retry_loses_nothing(world):
    url, workdir, org_id, token = world
    # a lease of 3 x 2 s: what the killed server had claimed comes due again soon
    env = {
        **FAST,
        "TENANTRY_WEBHOOK_RETRY_BASE_SECONDS": "1.5",
        "TENANTRY_WEBHOOK_TIMEOUT_SECONDS": "2",
    }
    first = Server("before-kill", url, workdir, env=env)
    with receiving(answers=[500, 500]) as r:
        with running(first), api(first, token) as http:
            made = http.post(
                f"/v1/orgs/{org_id}/webhooks", json={"url": r.url, "event_types": ["*"]}
            )
            assert made.status_code == 201, made.text
            for n in range(3):
                invite(http, org_id, f"p{n}@example.com")
            wait_for(lambda: len(r.requests) >= 2)  # the first attempts failed: retries wait
            assert first.proc is not None
            os.killpg(first.proc.pid, signal.SIGKILL)  # no shutdown code runs
            first.proc.wait(timeout=15)
        delivered_before = {q.headers["tenantry-webhook-id"] for q in r.delivered()}
        second = Server("after-restart", url, workdir, env=env)
        with running(second), api(second, token) as http:
            events = http.get(f"/v1/orgs/{org_id}/changes", params={"limit": 100}).json()
            expected = {
                c["id"]
                for c in events["changes"]
                if c["action"] in ("webhook.created", "invitation.sent")
            }
            wait_for(
                lambda: {q.headers["tenantry-webhook-id"] for q in r.delivered()} >= expected,
                seconds=60,
            )
    assert len(expected) == 4
    assert delivered_before < expected  # some were still to come when the server died
