"""The change feed against a real ``tenantry serve`` on loopback: a long-poll answers when a
write commits, through that server or in another process, and a follower paging while
writes race over HTTP sees every revision once, in order."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tenantry.apikeys import service as apikeys
from tenantry.core import Tenantry
from tenantry.store.migrate import upgrade
from tenantry.writes import Actor
from tests.factories import add_member, make_org, make_user
from tests.throttles._servers import Server, running, shared_database

PG_URL = os.environ.get("TENANTRY_TEST_DATABASE_URL")


@pytest.fixture
def live(tmp_path) -> Iterator[tuple[str, Tenantry, object, str]]:
    with shared_database(PG_URL, tmp_path) as url:
        server = Server("changes", url, tmp_path, env={"TENANTRY_POLICY": "distribu"})
        with running(server):
            t = Tenantry(url, "distribu")
            owner = make_user(t, "olive@example.com")
            org = make_org(t, owner, "Olive Co", seat_cap=100)
            with t.db.transaction() as s:
                _, token = apikeys.create_key(
                    s,
                    t.authz,
                    actor=Actor.operator(),
                    org_id=org.id,
                    name="feed",
                    roles=["owner"],
                )
            try:
                yield server.url, t, org, token
            finally:
                t.close()


def follow(base: str, token: str, org_id: str, **params) -> dict:
    r = httpx.get(
        f"{base}/v1/orgs/{org_id}/changes",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=40,
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_a_long_poll_answers_a_write_made_through_the_server(live):
    base, _t, org, token = live
    head = follow(base, token, org.id)["cursor"]

    def invite():
        httpx.post(
            f"{base}/v1/orgs/{org.id}/invitations",
            json={"emails": ["new@example.com"], "roles": ["member"]},
            headers={"Authorization": f"Bearer {token}"},
        ).raise_for_status()

    threading.Timer(0.5, invite).start()
    began = time.monotonic()
    page = follow(base, token, org.id, after=head, wait=20)
    assert time.monotonic() - began < 10
    assert [c["action"] for c in page["changes"]] == ["invitation.sent"]


def test_a_long_poll_answers_a_write_made_by_another_process(live):
    base, t, org, token = live
    head = follow(base, token, org.id)["cursor"]
    bob = make_user(t, "bob@example.com")
    threading.Timer(0.5, add_member, (t, org, bob, ["member"])).start()
    page = follow(base, token, org.id, after=head, wait=20)
    assert [c["action"] for c in page["changes"]] == ["member.added"]


def test_a_follower_over_http_sees_every_revision_once_while_writes_race(live):
    base, t, org, token = live
    people = [make_user(t, f"p{n}@example.com") for n in range(16)]
    done = threading.Event()
    seen: list[int] = []

    def write(batch):
        for person in batch:
            add_member(t, org, person, ["member"])

    def reader():
        cursor = "0"
        while True:
            finished = done.is_set()
            page = follow(base, token, org.id, after=cursor, limit=3)
            seen.extend(c["revision"] for c in page["changes"])
            cursor = page["cursor"]
            if finished and not page["changes"]:
                return

    follower = threading.Thread(target=reader, daemon=True)
    follower.start()
    writers = [threading.Thread(target=write, args=(people[n::4],)) for n in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    done.set()
    follower.join(timeout=60)
    assert not follower.is_alive(), "the follower never reached the end of the feed"
    key_and_creation = 2  # org.created (revision 2), api_key.created (3)
    assert seen == list(range(2, 2 + key_and_creation + len(people)))


def test_writes_through_two_servers_reach_a_follower_of_one_once_each_in_order(tmp_path):
    """Two serve processes over one database take invitations at once; a follower paging
    one server's feed sees every revision once, in order, and nothing of another process's
    write is missed (the cursor is the revision, handed out under the organization's lock)."""
    with shared_database(PG_URL, tmp_path) as url:
        upgrade(url)  # once, before two servers start on it
        servers = [
            Server(f"feed-{n}", url, tmp_path, env={"TENANTRY_POLICY": "distribu"}) for n in (1, 2)
        ]
        with running(*servers):
            t = Tenantry(url, "distribu")
            try:
                owner = make_user(t, "olive@example.com")
                org = make_org(t, owner, "Two Servers", seat_cap=200)
                with t.db.transaction() as s:
                    _, token = apikeys.create_key(
                        s,
                        t.authz,
                        actor=Actor.operator(),
                        org_id=org.id,
                        name="k",
                        roles=["owner"],
                    )
            finally:
                t.close()
            headers = {"Authorization": f"Bearer {token}"}
            done = threading.Event()
            seen: list[int] = []

            def invite(server, n):
                with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
                    for k in range(12):
                        r = http.post(
                            f"/v1/orgs/{org.id}/invitations",
                            json={"emails": [f"s{n}-{k}@example.com"], "roles": ["member"]},
                        )
                        assert r.status_code in (200, 201), r.text

            def reader():
                cursor = "0"
                while True:
                    finished = done.is_set()
                    page = follow(servers[0].url, token, org.id, after=cursor, limit=4)
                    seen.extend(c["revision"] for c in page["changes"])
                    cursor = page["cursor"]
                    if finished and not page["changes"]:
                        return

            follower = threading.Thread(target=reader, daemon=True)
            follower.start()
            writers = [threading.Thread(target=invite, args=(servers[n], n)) for n in (0, 1)]
            for w in writers:
                w.start()
            for w in writers:
                w.join()
            done.set()
            follower.join(timeout=60)
            assert not follower.is_alive(), "the follower never reached the end of the feed"
    assert seen == list(range(2, 2 + 2 + 24))  # org.created, api_key.created, 24 invitations
