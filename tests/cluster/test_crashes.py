"""Crashes and faults (catalogue J1, J2), Distribu, two servers.

- SIGKILL of the server the instant it acknowledged a write: the write is there, through the
  other server at once and through the restarted one.
- SIGKILLs at random moments and ``pg_terminate_backend`` sweeps under random write traffic:
  afterwards the invariant checker passes and every acknowledged write is present.
- A connection dropped under a request answers 503 RETRY, never a 500; a replay carrying the
  same Idempotency-Key applies nothing twice.

Shown red with the commit moved after the response (``scope="function"`` removed from
``api.deps.Tx``): acknowledged writes are then lost to the kill.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from sqlalchemy import text

from tenantry.client import calls
from tenantry.client.calls import Call
from tenantry.policy import Policy
from tests.cluster import acknowledged, invariants, world
from tests.cluster.acknowledged import WRITES
from tests.cluster.harness import Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.profile import Figure, Profile
from tests.cluster.traffic import KillSwitch, Tally, Worker
from tests.cluster.wire import Node, Reply

POLICY = "distribu"
WORKERS = 4
TRAFFIC_SECONDS = 3600.0  # the most a traffic test may run, whatever the profile


def test_a_write_acknowledged_just_before_its_server_is_killed_survives_it(
    cluster: Cluster,
    policy: Policy,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    """J1: SIGKILL the moment the 2xx arrived; the other server shows the write at once,
    the restarted one too, and the database holds it."""
    nodes = [Node(url) for url in cluster.urls]
    owner = acknowledged.owner(cluster, nodes[0], ledger)
    unseen: list[str] = []
    try:
        for r in range(max(len(WRITES), profile.kills // 2)):
            i = r % 2
            here, there = nodes[i], nodes[1 - i]
            make = WRITES[r % len(WRITES)]
            write = make(cluster, here, there, ledger, owner)
            assert write.reply.ok, f"{make.__name__}: {write.reply}"
            cluster.kill(i)  # at once: no shutdown code runs
            figure.kills += 1
            if not write.seen(there):
                unseen.append(f"round {r} {make.__name__}: not seen by the other server")
            found = invariants.problems(cluster.engine, policy, ledger)
            unseen += [f"round {r} {make.__name__}: {p}" for p in found]
            cluster.revive(i)
            if not write.seen(here):
                unseen.append(f"round {r} {make.__name__}: not seen after the restart")
            figure.rounds += 1
    finally:
        for node in nodes:
            node.close()
    figure.lost = figure.misses = len(unseen)
    assert unseen == []


def _traffic(
    cluster: Cluster,
    ledger: Ledger,
    chaos: Callable[[random.Random], None],
    figure: Figure,
    switch: KillSwitch | None = None,
) -> Tally:
    """Workers write while ``chaos`` runs; then they stop and the servers come back."""
    tally = Tally()
    workers = [Worker(cluster, ledger, tally, seed, switch) for seed in range(WORKERS)]
    for worker in workers:
        worker.setup()
    stop = threading.Event()
    deadline = time.monotonic() + TRAFFIC_SECONDS
    threads = [threading.Thread(target=w.run, args=(stop, deadline), daemon=True) for w in workers]
    for t in threads:
        t.start()
    try:
        chaos(random.Random(figure.test))
        time.sleep(0.3)  # a little traffic after the last fault
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        for worker in workers:
            worker.close()
    assert not any(t.is_alive() for t in threads), "a worker did not stop"
    cluster.ensure_all_up()
    figure.rounds += sum(w.ops for w in workers)
    figure.notes.update(tally.statuses)
    figure.server_errors = len(tally.server_errors)
    return tally


def _lost(cluster: Cluster, policy: Policy, ledger: Ledger, figure: Figure) -> list[str]:
    found = invariants.problems(cluster.engine, policy, ledger)
    figure.lost = sum(p.startswith("acknowledged") for p in found)
    return found


def _applied_despite_503(cluster: Cluster, tally: Tally) -> int:
    if not tally.retried_key_names:
        return 0
    with cluster.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM api_keys WHERE name = ANY(:n)"),
                {"n": tally.retried_key_names},
            ).scalar_one()
        )


def test_kills_and_backend_terminations_under_traffic_lose_no_acknowledged_write(
    cluster: Cluster, policy: Policy, ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """J1: SIGKILLs of either server, half at random moments and half the instant it sent a
    2xx, and PostgreSQL backend terminations, under four writers; no partial state, no lost
    acknowledged write, no 500."""
    kills = max(2, profile.kills - profile.kills // 2)
    switch = KillSwitch(cluster)

    def chaos(rng: random.Random) -> None:
        plan = ["kill", "kill on 2xx"] * (kills // 2) + ["kill"] * (kills % 2)
        plan += ["terminate"] * profile.terminations
        rng.shuffle(plan)
        for event in plan:
            time.sleep(rng.uniform(0.05, 0.6))
            i = rng.randrange(len(cluster.servers))
            if event == "kill on 2xx":
                switch.arm(i)
                if not switch.fired.wait(10):
                    switch.disarm()
                    cluster.kill(i)
            elif event == "kill":
                cluster.kill(i)
            else:
                cluster.terminate_backends()
                figure.terminations += 1
                continue
            figure.kills += 1
            time.sleep(rng.uniform(0, 0.3))  # traffic meets one server down
            cluster.revive(i)

    tally = _traffic(cluster, ledger, chaos, figure, switch)
    figure.notes["503 applied anyway"] = _applied_despite_503(cluster, tally)
    assert _lost(cluster, policy, ledger, figure) == []
    assert tally.server_errors == []


def test_a_dropped_database_connection_answers_503_retry_and_never_500(
    cluster: Cluster, policy: Policy, ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """J2: backends terminated again and again under traffic: requests caught by it are
    answered 503 with code RETRY (and Retry-After), never 500; nothing acknowledged is lost."""
    sweeps = profile.terminations * 5

    def chaos(rng: random.Random) -> None:
        for _ in range(sweeps):
            time.sleep(rng.uniform(0.02, 0.15))
            cluster.terminate_backends()
            figure.terminations += 1

    tally = _traffic(cluster, ledger, chaos, figure)
    figure.notes["503 applied anyway"] = _applied_despite_503(cluster, tally)
    assert tally.server_errors == []
    assert _lost(cluster, policy, ledger, figure) == []


def _create_with_key(node: Node, call: Call[object], token: str, key: str) -> Reply:
    return node.send(call, token, headers={"Idempotency-Key": key})


def test_a_replay_with_the_same_idempotency_key_creates_nothing_twice(
    cluster: Cluster, ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """J2: an API key created with an Idempotency-Key while the backends are terminated,
    replayed through the other server until it is acknowledged (and then twice more): one
    key, and every acknowledged answer names it."""
    nodes = [Node(url) for url in cluster.urls]
    owner = world.sign_up(nodes[0], ledger, "owner")
    org = owner.org_id
    assert org
    rng = random.Random(figure.test)
    duplicates: list[str] = []
    try:
        for r in range(profile.rounds):
            name, key = world.unique("idem"), world.unique("idempotency")
            call = calls.create_api_key(org, name, roles=["member"])
            timer = threading.Timer(rng.uniform(0, 0.02), cluster.terminate_backends)
            timer.start()
            replies = [_create_with_key(nodes[r % 2], call, owner.token, key)]
            timer.join()
            figure.terminations += 1
            for attempt in range(12):
                if sum(x.ok for x in replies) >= 3:
                    break
                replies.append(_create_with_key(nodes[(r + attempt + 1) % 2], call, owner.token,
                                                key))  # fmt: skip
            ids = {x.body["id"] for x in replies if x.ok}
            with cluster.engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT count(*) FROM api_keys WHERE org_id = :o AND name = :n"),
                    {"o": org, "n": name},
                ).scalar_one()
            figure.rounds += 1
            figure.winners[rows] += 1
            if rows != 1 or len(ids) != 1:
                duplicates.append(f"round {r}: {rows} keys, ids {ids}: {[str(x) for x in replies]}")
            for key_id in ids:
                ledger.ack("api_key", key_id, value="live")
    finally:
        for node in nodes:
            node.close()
    assert duplicates == []
