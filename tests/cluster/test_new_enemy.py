"""The new-enemy problem (catalogue F3; Zanzibar's name for it), Dystr, two servers.

Through server 0 the administrator removes Bob, then creates what Bob must never see;
meanwhile, through server 1, Bob reads in a loop (even rounds), or the application looks up
what Bob can see (odd rounds, answered from the permission cache). The removal commits
before the creation starts, so any read that shows the new thing is a read of new data
under Bob's old rights: the leak this test counts, over barrier-started rounds with random
delays. Shown red with the permission cache's revision coherence removed (notifications
ignored, cached snapshots trusted, resources read at the current revision); the commit
order and ``lock_org`` mutants alone leave it green, because every write to an
organization also updates its row (the revision bump), which orders the two writes.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from dataclasses import dataclass, field

from tenantry.client import calls
from tenantry.client.calls import Call
from tests.cluster import world
from tests.cluster.harness import Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.profile import Figure, Profile
from tests.cluster.racing import Racer, Shot
from tests.cluster.wire import Node, Reply, connection, send

POLICY = "dystr"
MAX_READS = 400  # per reader and round
MAX_SECONDS = 10.0
READS_AFTER = 3  # reads each reader still makes once every write has been acknowledged


@dataclass
class Reader:
    """Bob's loop: the same read again and again through one server, until told to stop;
    counts the answers that show ``secret``."""

    url: str
    call: Call[object]
    token: str
    secret: str
    stop: threading.Event = field(default_factory=threading.Event)
    reads: int = 0
    leaks: list[str] = field(default_factory=list)

    def __call__(self) -> int:
        deadline = time.monotonic() + MAX_SECONDS
        after = 0
        with connection(self.url) as http:
            while self.reads < MAX_READS and time.monotonic() < deadline:
                if self.stop.is_set():
                    after += 1
                    if after > READS_AFTER:
                        break
                reply = send(http, self.call, self.token)
                self.reads += 1
                if reply.ok and self.secret in str(reply.body):
                    self.leaks.append(str(reply))
        return self.reads


def _readers(
    round_: int,
    cluster: Cluster,
    bob: str,
    own: Call[object],
    app: str,
    lookup: Call[object],
    secret: str,
) -> list[Reader]:
    """Even rounds: Bob reads for himself (his own requests are checked fully consistent).
    Odd rounds: only the application asks about Bob (a lookup from the permission cache),
    with no request of Bob's refreshing that cache meanwhile."""
    url = cluster.url(1)
    if round_ % 2 == 0:
        return [Reader(url, own, bob, secret) for _ in range(2)]
    return [Reader(url, lookup, app, secret) for _ in range(2)]


def _writer(
    node: Node, steps: list[tuple[Call[object], str]], readers: list[Reader]
) -> list[Reply]:
    """The administrator's writes in order, a random pause before each, then stop readers."""
    replies = []
    try:
        for call, token in steps:
            time.sleep(random.uniform(0, 0.004))
            replies.append(world.must(node.send(call, token), call.path))
        time.sleep(random.uniform(0, 0.004))
    finally:
        for reader in readers:
            reader.stop.set()
    return replies


def _round(
    racer: Racer,
    node: Node,
    steps: list[tuple[Call[object], str]],
    readers: list[Reader],
    round_: int,
) -> list[Reply]:
    """Readers and the writer start at one barrier; the writer's acknowledged replies."""
    shots = [Shot("", action=reader) for reader in readers]
    shots.append(Shot("", action=functools.partial(_writer, node, steps, readers)))
    writes = racer.race(shots)[-1]
    assert isinstance(writes, list), f"round {round_}: the writes failed: {writes}"
    return writes


def _leaks(figure: Figure, readers: list[Reader], round_: int) -> list[str]:
    figure.rounds += 1
    figure.notes["reads"] = figure.notes.get("reads", 0) + sum(r.reads for r in readers)
    found = [f"round {round_}: {leak}" for r in readers for leak in r.leaks]
    figure.misses += len(found)
    return found


def test_a_member_removed_from_the_organization_never_reads_what_is_created_after(
    cluster: Cluster,
    nodes: list[Node],
    racer: Racer,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    admin = world.sign_up(nodes[0], ledger, "admin")
    bob = world.sign_up(nodes[1], ledger, "bob")
    leaks: list[str] = []
    for r in range(profile.rounds):
        org = world.new_org(nodes[0], ledger, admin)  # one per round: lists stay short
        world.add_member(nodes[0], cluster.engine, ledger, by=admin, org_id=org, person=bob,
                         roles=["viewer"], through=nodes[1])  # fmt: skip
        secret = world.unique("D")
        lookup = calls.lookup_resources(org, bob.user_id, "workspace.view")
        for node in nodes:  # both servers hold Bob's access in their caches
            world.must(node.send(calls.list_resources(org), bob.token), "warm")
            world.must(node.send(lookup, admin.token), "warm")
        readers = _readers(r, cluster, bob.token, calls.list_resources(org), admin.token, lookup,
                           secret)  # fmt: skip
        steps = [
            (calls.remove_member(org, bob.user_id), admin.token),
            (calls.create_resource(org, "workspace", secret, "organization"), admin.token),
        ]
        writes = _round(racer, nodes[0], steps, readers, r)
        ledger.ack("member", org, bob.user_id, value=None)
        ledger.ack("resource", writes[1].body["id"])
        leaks += _leaks(figure, readers, r)
    assert leaks == [], f"{len(leaks)} reads of D by Bob: {leaks[:3]}"


def test_a_member_removed_from_a_workspace_never_reads_what_is_written_to_it_after(
    cluster: Cluster,
    nodes: list[Node],
    racer: Racer,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    """The same inside an invite-only Workspace: Bob's access to W is removed, then W is
    renamed to a secret; Bob, still an organization member, never reads the secret name."""
    admin = world.sign_up(nodes[0], ledger, "admin")
    bob = world.sign_up(nodes[1], ledger, "bob")
    leaks: list[str] = []
    for r in range(profile.rounds):
        org = world.new_org(nodes[0], ledger, admin)  # one per round: lookups stay short
        world.add_member(nodes[0], cluster.engine, ledger, by=admin, org_id=org, person=bob,
                         roles=["editor"], through=nodes[1])  # fmt: skip
        made = nodes[0].send(
            calls.create_resource(org, "workspace", world.unique("W"), "invite_only"), admin.token
        )
        w = world.must(made, "workspace").body["id"]
        ledger.ack("resource", w)
        grant = calls.set_member_access(org, bob.user_id, {w: "viewer"})
        world.must(nodes[0].send(grant, admin.token), "share W with Bob")
        lookup = calls.lookup_resources(org, bob.user_id, "workspace.view")
        for node in nodes:
            world.must(node.send(calls.get_resource(org, w), bob.token), "warm")
            world.must(node.send(lookup, admin.token), "warm")
        secret = world.unique("secret")
        readers = _readers(r, cluster, bob.token, calls.get_resource(org, w), admin.token, lookup,
                           secret)  # fmt: skip
        steps = [
            (calls.set_member_access(org, bob.user_id, {w: None}), admin.token),
            (calls.update_resource(org, w, name=secret), admin.token),
        ]
        _round(racer, nodes[0], steps, readers, r)
        leaks += _leaks(figure, readers, r)
    assert leaks == [], f"{len(leaks)} reads of W's new name by Bob: {leaks[:3]}"
