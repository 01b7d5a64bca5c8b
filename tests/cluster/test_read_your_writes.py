"""Read-your-writes across processes (catalogue F1, F2, F4): every acknowledged write is
visible to the very next request, whichever server it reaches. Each round warms both
servers' caches with the state before the write, makes the write through one server and,
the moment its 2xx arrives, sends the next request through the other (and the same) one.
Rounds run as ``CHAINS`` concurrent chains, so the servers are busy as in production.
First of all: the instant a 2xx arrives, its server is frozen (SIGSTOP) and the database
must already hold the write.

Shown red with the route transaction's commit moved after the response (``scope="function"``
removed from ``api.deps.Tx``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tenantry.client import calls
from tenantry.client.calls import Call
from tenantry.policy import Policy
from tests.cluster import acknowledged, world
from tests.cluster.acknowledged import WRITES
from tests.cluster.harness import Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.profile import Figure, Profile
from tests.cluster.wire import Node, Reply

POLICY = "distribu"
CHAINS = 4


class Misses:
    """Stale answers, kept (not raised at once) so the figure counts every one."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def expect(self, reply: Reply, status: int, what: str) -> None:
        if reply.status != status:
            with self._lock:
                self.figure.misses += 1
                self.seen.append(f"{what}: wanted {status}, got {reply}")

    def assert_none(self) -> None:
        assert self.seen == [], f"{len(self.seen)} stale answers, first: {self.seen[:5]}"


def chains(
    cluster: Cluster, figure: Figure, rounds: int, body: Callable[[int, Node, Node], None]
) -> None:
    """``body(i, here, there)`` for every round, on CHAINS threads with their own
    connections; round i writes through server i % 2 and reads through the other."""

    lock = threading.Lock()

    def chain(c: int) -> None:
        nodes = [Node(url) for url in cluster.urls]
        try:
            for i in range(c, rounds, CHAINS):
                body(i, nodes[i % 2], nodes[(i + 1) % 2])
                with lock:
                    figure.rounds += 1
        finally:
            for node in nodes:
                node.close()

    with ThreadPoolExecutor(CHAINS) as pool:
        for done in [pool.submit(chain, c) for c in range(CHAINS)]:
            done.result(timeout=600)


def _warm(nodes: tuple[Node, ...], call: Call[object], token: str) -> None:
    for node in nodes:
        node.send(call, token)


def test_a_write_is_committed_before_its_2xx_arrives(
    cluster: Cluster, policy: Policy, ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """The server is frozen the instant the 2xx arrived (it can run no more code): the
    database holds the write, and the other server shows it."""
    nodes = [Node(url) for url in cluster.urls]
    owner = acknowledged.owner(cluster, nodes[0], ledger)
    misses = Misses(figure)
    try:
        for r in range(profile.rounds * 2):
            i = r % 2
            make = WRITES[r % len(WRITES)]
            write = make(cluster, nodes[i], nodes[1 - i], ledger, owner)
            with cluster.servers[i].frozen():
                with cluster.engine.connect() as conn:
                    for lost in ledger.lost(conn):
                        misses.expect(Reply(299, lost), 200, f"{make.__name__}, in the database")
                seen = write.seen(nodes[1 - i])
            misses.expect(Reply(200 if seen else 299, None), 200, f"{make.__name__}, other server")
            figure.rounds += 1
    finally:
        for node in nodes:
            node.close()
    misses.assert_none()


def test_a_new_account_reaches_its_organization_through_either_server(
    cluster: Cluster, ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    misses = Misses(figure)

    def round_(i: int, here: Node, there: Node) -> None:
        person = world.sign_up(here, ledger)
        assert person.org_id
        misses.expect(there.send(calls.get_org(person.org_id), person.token), 200, "other")
        misses.expect(here.send(calls.get_org(person.org_id), person.token), 200, "same")

    chains(cluster, figure, profile.few * 2, round_)
    misses.assert_none()


def test_an_api_key_works_at_once_and_is_refused_at_once_after_revocation(
    cluster: Cluster, nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    owner = world.sign_up(nodes[0], ledger)
    org = owner.org_id
    assert org
    misses = Misses(figure)

    def round_(i: int, here: Node, there: Node) -> None:
        create = calls.create_api_key(org, world.unique("key"), roles=["admin"])
        created = world.must(here.send(create, owner.token), "create key")
        key_id, key = created.body["id"], created.body["token"]
        ledger.ack("api_key", key_id, value="live")
        misses.expect(there.send(calls.get_org(org), key), 200, "new key, other server")
        misses.expect(here.send(calls.list_api_keys(org), key), 200, "new key, same server")
        world.must(there.send(calls.revoke_api_key(org, key_id), owner.token), "revoke")
        ledger.ack("api_key", key_id, value="revoked")
        misses.expect(here.send(calls.get_org(org), key), 401, "revoked key, other server")
        misses.expect(there.send(calls.get_org(org), key), 401, "revoked key, same server")

    chains(cluster, figure, profile.rounds * 2, round_)
    misses.assert_none()


def test_a_removed_member_is_refused_everywhere_on_the_next_request(
    cluster: Cluster, nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """F1: the member's three sessions all lose the organization at once; a check about them
    through the other server says no, with or without the removal's consistency token. Each
    round has an organization of its own, so no other chain's write refreshes its cache."""
    owner = world.sign_up(nodes[0], ledger)
    misses = Misses(figure)

    def round_(i: int, here: Node, there: Node) -> None:
        org = world.new_org(there, ledger, owner)
        member = world.sign_up(here, ledger, "member")
        world.add_member(
            here, cluster.engine, ledger, by=owner, org_id=org, person=member, roles=["admin"]
        )
        sessions = [member.token, world.sign_in(here, ledger, member)]
        sessions.append(world.sign_in(there, ledger, member))
        for token in sessions:
            _warm((here, there), calls.get_org(org), token)
        check = calls.check(member.user_id, "org.members.invite", org)
        _warm((here, there), check, owner.token)
        removed = world.must(here.send(calls.remove_member(org, member.user_id), owner.token), "rm")
        ledger.ack("member", org, member.user_id, value=None)
        # the application's checks first: no request of the member's refreshes the cache
        misses.expect(_allowed(there.send(check, owner.token)), 200, "check, other server")
        at_least = dict(check.json or {}, at_least=removed.token)
        misses.expect(_allowed(there.send(check, owner.token, json_body=at_least)), 200, "token")
        misses.expect(_allowed(here.send(check, owner.token)), 200, "check, same server")
        for n, token in enumerate(sessions):
            node = (there, here)[n % 2]
            misses.expect(node.send(calls.get_org(org), token), 404, f"session {n}")

    chains(cluster, figure, profile.few, round_)
    misses.assert_none()


def _allowed(answer: Reply) -> Reply:
    """A check that allowed the removed member, as a 299 (so that it counts as a miss)."""
    if answer.ok and answer.body["allowed"]:
        return Reply(299, answer.body)
    return answer


def test_a_role_change_takes_effect_on_the_next_request_anywhere(
    cluster: Cluster, nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """F2: a demoted admin's next write is refused on either server; promoted again, the
    next one is allowed."""
    owner = world.sign_up(nodes[0], ledger)
    org = owner.org_id
    assert org
    members = [world.sign_up(nodes[c % 2], ledger, "member") for c in range(CHAINS)]
    for member in members:
        world.add_member(
            nodes[0], cluster.engine, ledger, by=owner, org_id=org, person=member, roles=["admin"]
        )
    misses = Misses(figure)

    def round_(i: int, here: Node, there: Node) -> None:
        member = members[i % CHAINS]  # each chain its own member
        for role, want in (("member", 403), ("admin", 201)):
            _warm((here, there), calls.list_api_keys(org), member.token)
            change = calls.update_member(org, member.user_id, roles=[role])
            world.must(here.send(change, owner.token), f"make {role}")
            ledger.ack("member", org, member.user_id, value=(role,))
            create = calls.create_api_key(org, world.unique("k"), roles=["member"])
            made = there.send(create, member.token)
            misses.expect(made, want, f"as {role}, other server")
            if made.ok:
                ledger.ack("api_key", made.body["id"], value="live")

    chains(cluster, figure, profile.rounds, round_)
    misses.assert_none()


def test_sign_out_ends_the_session_on_every_server_at_once(
    cluster: Cluster, nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    person = world.sign_up(nodes[0], ledger)
    misses = Misses(figure)

    def round_(i: int, here: Node, there: Node) -> None:
        token = world.sign_in(here, ledger, person)
        _warm((here, there), calls.me(), token)
        world.must(here.send(calls.sign_out(), token), "sign out")
        ledger.ack("session", token, value="ended")
        misses.expect(there.send(calls.me(), token), 401, "other server")
        misses.expect(here.send(calls.me(), token), 401, "same server")

    chains(cluster, figure, profile.few * 2, round_)
    misses.assert_none()


def test_a_password_change_ends_the_other_sessions_everywhere(
    cluster: Cluster, ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """F4: with end_other_sessions, every other session is dead on the next request; the
    session that changed the password lives on."""
    misses = Misses(figure)

    def round_(i: int, here: Node, there: Node) -> None:
        person = world.sign_up(here, ledger)
        others = [world.sign_in(there, ledger, person), world.sign_in(here, ledger, person)]
        for token in [person.token, *others]:
            _warm((here, there), calls.me(), token)
        change = calls.change_password(world.PASSWORD, world.PASSWORD + "!")
        world.must(here.send(change, person.token), "change password")
        for token in others:
            ledger.ack("session", token, value="ended")
            misses.expect(there.send(calls.me(), token), 401, "other session, other server")
            misses.expect(here.send(calls.me(), token), 401, "other session, same server")
        misses.expect(there.send(calls.me(), person.token), 200, "this session")

    chains(cluster, figure, profile.few, round_)
    misses.assert_none()
