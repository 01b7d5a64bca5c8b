"""Read-your-writes across processes (catalogue F1, F2, F4): every acknowledged write is
visible to the very next request, whichever server it reaches. Each round warms both
servers' caches with the state before the write, makes the write through one server and,
the moment its 2xx arrives, sends the next request through the other (and the same) one.

Shown red (see the report in tests/cluster/README.md) with the route transaction's commit
moved after the response (``scope="function"`` removed from ``api.deps.Tx``).
"""

from __future__ import annotations

from tenantry.client import calls
from tests.cluster import world
from tests.cluster.harness import Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.profile import Figure, Profile
from tests.cluster.wire import Node, Reply

POLICY = "distribu"


class Misses:
    """Stale answers, kept (not raised at once) so the figure counts every one."""

    def __init__(self, figure: Figure) -> None:
        self.figure = figure
        self.seen: list[str] = []

    def expect(self, reply: Reply, status: int, what: str) -> None:
        if reply.status != status:
            self.figure.misses += 1
            self.seen.append(f"{what}: wanted {status}, got {reply}")

    def assert_none(self) -> None:
        assert self.seen == [], f"{len(self.seen)} stale answers, first: {self.seen[:5]}"


def _warm(nodes: list[Node], call: object, token: str) -> None:
    for node in nodes:
        node.send(call, token)  # type: ignore[arg-type]


def test_a_new_account_reaches_its_organization_through_either_server(
    nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    misses = Misses(figure)
    for i in range(profile.few):
        here, there = nodes[i % 2], nodes[(i + 1) % 2]
        person = world.sign_up(here, ledger)
        misses.expect(there.send(calls.get_org(person.org_id), person.token), 200, "other")
        misses.expect(here.send(calls.get_org(person.org_id), person.token), 200, "same")
        figure.rounds += 1
    misses.assert_none()


def test_an_api_key_works_at_once_and_is_refused_at_once_after_revocation(
    nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    owner = world.sign_up(nodes[0], ledger)
    org = owner.org_id
    assert org
    misses = Misses(figure)
    for i in range(profile.rounds):
        here, there = nodes[i % 2], nodes[(i + 1) % 2]
        created = world.must(
            here.send(calls.create_api_key(org, world.unique("key"), roles=["admin"]), owner.token),
            "create key",
        )
        key_id, key = created.body["id"], created.body["token"]
        ledger.ack("api_key", key_id, value="live")
        misses.expect(there.send(calls.get_org(org), key), 200, "new key, other server")
        misses.expect(here.send(calls.list_api_keys(org), key), 200, "new key, same server")
        world.must(there.send(calls.revoke_api_key(org, key_id), owner.token), "revoke")
        ledger.ack("api_key", key_id, value="revoked")
        misses.expect(here.send(calls.get_org(org), key), 401, "revoked key, other server")
        misses.expect(there.send(calls.get_org(org), key), 401, "revoked key, same server")
        figure.rounds += 1
    misses.assert_none()


def test_a_removed_member_is_refused_everywhere_on_the_next_request(
    cluster: Cluster, nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """F1: the member's three sessions all lose the organization at once; a check about them
    through the other server says no, with or without the removal's consistency token."""
    owner = world.sign_up(nodes[0], ledger)
    org = owner.org_id
    assert org
    misses = Misses(figure)
    for i in range(profile.few):
        here, there = nodes[i % 2], nodes[(i + 1) % 2]
        member = world.sign_up(here, ledger, "member")
        world.add_member(
            here, cluster.engine, ledger, by=owner, org_id=org, person=member, roles=["admin"]
        )
        sessions = [member.token, world.sign_in(here, ledger, member)]
        sessions.append(world.sign_in(there, ledger, member))
        for token in sessions:
            _warm(nodes, calls.get_org(org), token)
        _warm(nodes, calls.check(member.user_id, "org.members.invite", org), owner.token)
        removed = world.must(here.send(calls.remove_member(org, member.user_id), owner.token), "rm")
        ledger.ack("member", org, member.user_id, value=None)
        for n, token in enumerate(sessions):
            node = (there, here)[n % 2]
            misses.expect(node.send(calls.get_org(org), token), 404, f"session {n}")
        for node in (there, here):
            answer = node.send(calls.check(member.user_id, "org.members.invite", org), owner.token)
            misses.expect(answer, 200, "check")
            if answer.ok and answer.body["allowed"]:
                misses.expect(Reply(299, answer.body), 200, "check allowed a removed member")
        misses.expect(
            _check_at_least(there, owner.token, member.user_id, org, removed.token), 200, "token"
        )
        figure.rounds += 1
    misses.assert_none()


def _check_at_least(node: Node, token: str, user_id: str, org: str, at: str | None) -> Reply:
    """A check with ``at_least``: answered only from data at least as fresh as ``at``; a
    'yes' is returned as a 299 so that the caller counts it as a miss."""
    call = calls.check(user_id, "org.members.invite", org)
    body = dict(call.json or {}, at_least=at)
    answer = node.send(call, token, json_body=body)
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
    member = world.sign_up(nodes[1], ledger, "member")
    world.add_member(
        nodes[0], cluster.engine, ledger, by=owner, org_id=org, person=member, roles=["admin"]
    )
    misses = Misses(figure)
    for i in range(profile.rounds):
        here, there = nodes[i % 2], nodes[(i + 1) % 2]
        for role, want in (("member", 403), ("admin", 201)):
            _warm(nodes, calls.list_api_keys(org), member.token)
            world.must(
                here.send(calls.update_member(org, member.user_id, roles=[role]), owner.token),
                f"make {role}",
            )
            ledger.ack("member", org, member.user_id, value=(role,))
            made = there.send(
                calls.create_api_key(org, world.unique("k"), roles=["member"]), member.token
            )
            misses.expect(made, want, f"as {role}, other server")
            if made.ok:
                ledger.ack("api_key", made.body["id"], value="live")
        figure.rounds += 1
    misses.assert_none()


def test_sign_out_ends_the_session_on_every_server_at_once(
    nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    person = world.sign_up(nodes[0], ledger)
    misses = Misses(figure)
    for i in range(profile.few * 2):
        here, there = nodes[i % 2], nodes[(i + 1) % 2]
        token = world.sign_in(here, ledger, person)
        _warm(nodes, calls.me(), token)
        world.must(here.send(calls.sign_out(), token), "sign out")
        ledger.ack("session", token, value="ended")
        misses.expect(there.send(calls.me(), token), 401, "other server")
        misses.expect(here.send(calls.me(), token), 401, "same server")
        figure.rounds += 1
    misses.assert_none()


def test_a_password_change_ends_the_other_sessions_everywhere(
    nodes: list[Node], ledger: Ledger, profile: Profile, figure: Figure
) -> None:
    """F4: with end_other_sessions, every other session is dead on the next request; the
    session that changed the password lives on."""
    misses = Misses(figure)
    for i in range(profile.few):
        here, there = nodes[i % 2], nodes[(i + 1) % 2]
        person = world.sign_up(here, ledger)
        others = [world.sign_in(there, ledger, person), world.sign_in(here, ledger, person)]
        for token in [person.token, *others]:
            _warm(nodes, calls.me(), token)
        world.must(
            here.send(calls.change_password(world.PASSWORD, world.PASSWORD + "!"), person.token),
            "change password",
        )
        for token in others:
            ledger.ack("session", token, value="ended")
            misses.expect(there.send(calls.me(), token), 401, "other session, other server")
            misses.expect(here.send(calls.me(), token), 401, "other session, same server")
        misses.expect(there.send(calls.me(), person.token), 200, "this session")
        figure.rounds += 1
    misses.assert_none()
