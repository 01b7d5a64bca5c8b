"""Writes a test can make and then ask about: each one, made through ``here`` (after any
setup through ``there``), books what its 2xx promised in the ledger and returns how to
tell whether a server shows it (``seen(node)``). The ordering and crash tests make them and
then freeze or kill ``here`` the instant the 2xx arrives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenantry.client import calls
from tests.cluster import world
from tests.cluster.harness import Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.wire import Node, Reply


@dataclass
class Write:
    """A write made through ``here``; ``seen(node)`` tells whether a node shows it."""

    reply: Reply
    seen: Callable[[Node], bool]


def _sign_up(c: Cluster, here: Node, there: Node, ledger: Ledger, owner: world.Person) -> Write:
    person = world.sign_up(here, ledger)
    return Write(Reply(201, None), lambda n: n.send(calls.get_org(person.org_id), person.token).ok)


def _create_key(c: Cluster, here: Node, there: Node, ledger: Ledger, owner: world.Person) -> Write:
    assert owner.org_id
    reply = here.send(calls.create_api_key(owner.org_id, world.unique("k"), roles=["admin"]),
                      owner.token)  # fmt: skip
    if reply.ok:
        ledger.ack("api_key", reply.body["id"], value="live")
    key = reply.body.get("token") if reply.ok else None
    return Write(reply, lambda n: n.send(calls.get_org(str(owner.org_id)), key).status == 200)


def _revoke_key(c: Cluster, here: Node, there: Node, ledger: Ledger, owner: world.Person) -> Write:
    assert owner.org_id
    made = world.must(
        there.send(calls.create_api_key(owner.org_id, world.unique("k"), roles=["admin"]),
                   owner.token), "key")  # fmt: skip
    key_id, key = made.body["id"], made.body["token"]
    there.send(calls.get_org(owner.org_id), key)  # in the cache
    reply = here.send(calls.revoke_api_key(owner.org_id, key_id), owner.token)
    if reply.ok:
        ledger.ack("api_key", key_id, value="revoked")
    return Write(reply, lambda n: n.send(calls.get_org(str(owner.org_id)), key).status == 401)


def _remove_member(
    c: Cluster, here: Node, there: Node, ledger: Ledger, owner: world.Person
) -> Write:
    assert owner.org_id
    member = world.sign_up(there, ledger, "member")
    world.add_member(there, c.engine, ledger, by=owner, org_id=owner.org_id, person=member,
                     roles=["member"])  # fmt: skip
    there.send(calls.get_org(owner.org_id), member.token)
    reply = here.send(calls.remove_member(owner.org_id, member.user_id), owner.token)
    if reply.ok:
        ledger.ack("member", owner.org_id, member.user_id, value=None)
    return Write(
        reply, lambda n: n.send(calls.get_org(str(owner.org_id)), member.token).status == 404
    )


def _sign_out(c: Cluster, here: Node, there: Node, ledger: Ledger, owner: world.Person) -> Write:
    token = world.sign_in(there, ledger, owner)
    there.send(calls.me(), token)
    reply = here.send(calls.sign_out(), token)
    if reply.ok:
        ledger.ack("session", token, value="ended")
    return Write(reply, lambda n: n.send(calls.me(), token).status == 401)


def _accept(c: Cluster, here: Node, there: Node, ledger: Ledger, owner: world.Person) -> Write:
    joiner = world.sign_up(there, ledger, "joiner")
    org = world.new_org(there, ledger, owner)
    inv = world.invite(there, owner.token, org, joiner.email, ["admin"])
    reply = here.send(calls.accept_invitation(world.link_token(c.engine, inv)), joiner.token)
    if reply.ok:
        ledger.ack("invitation", inv, value="accepted")
        ledger.ack("member", org, joiner.user_id, value=("admin",))
    return Write(reply, lambda n: n.send(calls.list_api_keys(org), joiner.token).status == 200)


def _demote(c: Cluster, here: Node, there: Node, ledger: Ledger, owner: world.Person) -> Write:
    assert owner.org_id
    member = world.sign_up(there, ledger, "admin")
    world.add_member(there, c.engine, ledger, by=owner, org_id=owner.org_id, person=member,
                     roles=["admin"])  # fmt: skip
    there.send(calls.list_api_keys(owner.org_id), member.token)
    reply = here.send(
        calls.update_member(owner.org_id, member.user_id, roles=["member"]), owner.token
    )
    if reply.ok:
        ledger.ack("member", owner.org_id, member.user_id, value=("member",))
    return Write(
        reply,
        lambda n: n.send(calls.list_api_keys(str(owner.org_id)), member.token).status == 403,
    )


WRITES = [_sign_up, _create_key, _revoke_key, _remove_member, _sign_out, _accept, _demote]


def owner(cluster: Cluster, node: Node, ledger: Ledger) -> world.Person:
    """The owner every write acts for: their organization's seat cap is out of the way, since
    each removal or demotion round adds a member to it."""
    person = world.sign_up(node, ledger, "owner")
    assert person.org_id
    world.set_seat_cap(cluster.engine, person.org_id, 1_000_000)
    return person
