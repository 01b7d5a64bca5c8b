"""Random writes under faults: each worker owns a scene (an owner, their organization, two
members, a joiner) and keeps making writes through whichever server is up, booking every
acknowledged one in the ledger and forgetting what an unanswered one was about.

A request that could not even connect (the server is down) was never sent: it goes to the
other server. One that was sent and got no answer may or may not have happened.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tenantry.client import calls
from tenantry.client.calls import Call
from tests.cluster import world
from tests.cluster.harness import Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.wire import Node, Reply, connection

MAX_OPS = 10_000  # per worker
ATTEMPTS = 6  # connection attempts per write before giving up on it


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)  # 5xx other than 503 RETRY
    unanswered: int = 0
    # key names whose creation answered 503 RETRY: was it applied anyway?
    retried_key_names: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, reply: Reply, what: str) -> None:
        with self.lock:
            self.statuses[f"{reply.status} {reply.code or ''}".strip()] += 1
            if not reply.answered:
                self.unanswered += 1
            elif reply.status >= 500 and not (reply.status == 503 and reply.code == "RETRY"):
                self.server_errors.append(f"{what}: {reply}")


class KillSwitch:
    """Armed with a server, it SIGKILLs that server from the worker thread that has just
    read a 2xx from it, before the worker books the write: a kill right after a 2xx, under
    traffic."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._armed: int | None = None
        self._lock = threading.Lock()
        self.fired = threading.Event()

    def arm(self, server: int) -> None:
        with self._lock:
            self.fired.clear()
            self._armed = server

    def disarm(self) -> None:
        with self._lock:
            self._armed = None

    def answered(self, url: str, reply: Reply) -> None:
        if not reply.ok or self._armed is None:
            return
        with self._lock:
            if self._armed is not None and self.cluster.url(self._armed) == url:
                self.cluster.kill(self._armed)
                self._armed = None
                self.fired.set()


class Worker:
    def __init__(
        self,
        cluster: Cluster,
        ledger: Ledger,
        tally: Tally,
        seed: int,
        switch: KillSwitch | None = None,
    ) -> None:
        self.cluster = cluster
        self.ledger = ledger
        self.tally = tally
        self.switch = switch
        self.rng = random.Random(seed)
        self.http = {url: connection(url) for url in cluster.urls}
        self.keys: list[str] = []  # live API key ids
        self.pending: list[str] = []  # pending invitation ids
        self.ops = 0

    def setup(self) -> None:
        node = Node(self.cluster.url(0))
        try:
            self.owner = world.sign_up(node, self.ledger, "owner")
            self.joiner = world.sign_up(node, self.ledger, "joiner")
            self.member = world.sign_up(node, self.ledger, "member")
            assert self.owner.org_id
            self.org = self.owner.org_id
            world.add_member(node, self.cluster.engine, self.ledger, by=self.owner,
                             org_id=self.org, person=self.member, roles=["admin"])  # fmt: skip
            world.set_seat_cap(self.cluster.engine, self.org, 10_000)
        finally:
            node.close()

    def write(self, call: Call[Any], token: str | None = None) -> Reply:
        """Send through a random server that accepts the connection."""
        urls = list(self.http)
        self.rng.shuffle(urls)
        reply = Reply(0, None, error="not sent")
        for attempt in range(ATTEMPTS):
            url = urls[attempt % len(urls)]
            try:
                response = self.http[url].request(
                    call.method,
                    call.path,
                    json=call.json,
                    params=call.params,
                    headers={"Authorization": f"Bearer {token}"} if token else {},
                )
            except httpx.ConnectError:  # never reached a server: nothing was sent
                self._reconnect(url)
                time.sleep(0.05)
                continue
            except httpx.TransportError as exc:  # sent, but no answer: outcome unknown
                self._reconnect(url)
                reply = Reply(0, None, error=f"{type(exc).__name__}: {exc}")
                break
            try:
                body = response.json() if response.content else None
            except ValueError:
                body = response.text[:200]
            reply = Reply(response.status_code, body)
            if self.switch is not None:
                self.switch.answered(url, reply)
            break
        self.tally.count(reply, f"{call.method} {call.path}")
        return reply

    @staticmethod
    def unsure(reply: Reply) -> bool:
        """No answer, or 503: the write may have been applied (a connection lost during
        COMMIT cannot tell)."""
        return not reply.answered or reply.status == 503

    def _reconnect(self, url: str) -> None:
        self.http[url].close()
        self.http[url] = connection(url)

    def step(self) -> None:
        self.ops += 1
        choice = self.rng.random()
        if choice < 0.3 or not self.keys:
            self.create_key()
        elif choice < 0.45:
            self.revoke_key()
        elif choice < 0.6:
            self.invite()
        elif choice < 0.7 and self.pending:
            self.cancel()
        elif choice < 0.85:
            self.join_new_org()
        else:
            self.change_role()

    def create_key(self) -> None:
        name = world.unique("k")
        reply = self.write(calls.create_api_key(self.org, name, roles=["member"]), self.owner.token)
        if reply.ok:
            self.ledger.ack("api_key", reply.body["id"], value="live")
            self.keys.append(reply.body["id"])
        elif reply.status == 503:
            with self.tally.lock:
                self.tally.retried_key_names.append(name)

    def revoke_key(self) -> None:
        key_id = self.keys.pop(self.rng.randrange(len(self.keys)))
        reply = self.write(calls.revoke_api_key(self.org, key_id), self.owner.token)
        if reply.ok:
            self.ledger.ack("api_key", key_id, value="revoked")
        elif self.unsure(reply):
            self.ledger.unknown("api_key", key_id)

    def invite(self) -> None:
        reply = self.write(
            calls.invite(self.org, [world.email("inv")], roles=["member"]), self.member.token
        )
        if reply.ok:
            inv = world.invitation_id(reply)
            self.ledger.ack("invitation", inv, value="pending")
            self.pending.append(inv)

    def cancel(self) -> None:
        inv = self.pending.pop(self.rng.randrange(len(self.pending)))
        reply = self.write(calls.cancel_invitation(self.org, inv), self.owner.token)
        if reply.ok:
            self.ledger.ack("invitation", inv, value="cancelled")
        elif self.unsure(reply):
            self.ledger.unknown("invitation", inv)

    def join_new_org(self) -> None:
        """Three writes: a new organization, an invitation to it, its acceptance."""
        made = self.write(calls.create_org(world.unique("Org")), self.owner.token)
        if not made.ok:
            return
        org = made.body["id"]
        self.ledger.ack("org", org)
        sent = self.write(calls.invite(org, [self.joiner.email], roles=["admin"]), self.owner.token)
        if not sent.ok:
            return
        inv = world.invitation_id(sent)
        self.ledger.ack("invitation", inv, value="pending")
        token = world.link_token(self.cluster.engine, inv)
        accepted = self.write(calls.accept_invitation(token), self.joiner.token)
        if accepted.ok:
            self.ledger.ack("invitation", inv, value="accepted")
            self.ledger.ack("member", org, self.joiner.user_id, value=("admin",))
        elif self.unsure(accepted):
            self.ledger.unknown("invitation", inv)

    def change_role(self) -> None:
        role = self.rng.choice(["admin", "member"])
        call = calls.update_member(self.org, self.member.user_id, roles=[role])
        reply = self.write(call, self.owner.token)
        if reply.ok:
            self.ledger.ack("member", self.org, self.member.user_id, value=(role,))
        elif self.unsure(reply):
            self.ledger.unknown("member", self.org, self.member.user_id)

    def run(self, stop: threading.Event, deadline: float) -> int:
        while not stop.is_set() and self.ops < MAX_OPS and time.monotonic() < deadline:
            self.step()
        return self.ops

    def close(self) -> None:
        for http in self.http.values():
            http.close()
