"""Building a scene over the wire: people who sign up, organizations, invitations, members.

Everything goes through the API of a running server, except what only the operator does
(seat caps) and reading an invitation's link (the mail carries it; here it is unsealed
from the database with the deployment's key, as the service itself does to show it again).
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, text

from tenantry.client import calls
from tenantry.sealing import Sealer
from tests.cluster.harness import SECRET_KEY
from tests.cluster.ledger import Ledger
from tests.cluster.wire import Node, Reply

PASSWORD = "correct horse battery staple"
_RUN = secrets.token_hex(3)
_seq = itertools.count(1)
_sealer = Sealer(SECRET_KEY)


def unique(prefix: str) -> str:
    return f"{prefix}-{_RUN}-{next(_seq)}"


def email(prefix: str = "user") -> str:
    return f"{unique(prefix)}@example.com"


class Refused(AssertionError):
    """A setup step the scene needs was not acknowledged."""


def must(reply: Reply, what: str) -> Reply:
    if not reply.ok:
        raise Refused(f"{what}: {reply}")
    return reply


@dataclass
class Person:
    email: str
    user_id: str
    token: str
    org_id: str | None  # the organization made at sign-up, if any
    csrf: str = ""  # the session's CSRF token (dashboard forms)


def sign_up(node: Node, ledger: Ledger, prefix: str = "user") -> Person:
    address = email(prefix)
    # sign-up answers alike for every address (202, no session): then sign in
    must(node.send(calls.sign_up(address, prefix.title(), PASSWORD, unique("Org"))), address)
    ledger.ack("user", address)
    body = must(node.send(calls.sign_in(address, PASSWORD)), f"sign in {address}").body
    mine = must(node.send(calls.me(), body["token"]), f"me {address}").body["organizations"]
    org_id = mine[0]["org_id"] if mine else None
    person = Person(address, body["user"]["id"], body["token"], org_id, body["csrf_token"])
    ledger.ack("session", person.token, value="live")
    if person.org_id:
        ledger.ack("org", person.org_id)
    return person


def sign_in(node: Node, ledger: Ledger, person: Person) -> str:
    """A further session of ``person``; its token."""
    reply = must(node.send(calls.sign_in(person.email, PASSWORD)), f"sign in {person.email}")
    token = str(reply.body["token"])
    ledger.ack("session", token, value="live")
    return token


def new_org(node: Node, ledger: Ledger, owner: Person) -> str:
    reply = must(node.send(calls.create_org(unique("Org")), owner.token), "create org")
    org_id = str(reply.body["id"])
    ledger.ack("org", org_id)
    return org_id


def invitation_id(reply: Reply) -> str:
    return str(reply.body["results"][0]["invitation"]["id"])


def link_token(engine: Engine, invitation: str) -> str:
    """The raw token the invitation's email carries."""
    with engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT token_sealed FROM invitations WHERE id = :i"), {"i": invitation}
        ).scalar_one()
    token = _sealer.unseal(sealed)
    assert token, "the invitation's link cannot be unsealed with the deployment key"
    return token


def invite(node: Node, by_token: str, org_id: str, address: str, roles: list[str]) -> str:
    """Invite ``address``; the invitation's id."""
    reply = must(node.send(calls.invite(org_id, [address], roles=roles), by_token), "invite")
    assert reply.body["results"][0]["status"] == "invited", reply
    return invitation_id(reply)


def add_member(
    node: Node,
    engine: Engine,
    ledger: Ledger,
    *,
    by: Person,
    org_id: str,
    person: Person,
    roles: list[str],
    through: Node | None = None,
) -> None:
    """``person`` joins ``org_id`` with ``roles``: invited by ``by``, accepted (through the
    other server when ``through`` is given)."""
    inv = invite(node, by.token, org_id, person.email, roles)
    token = link_token(engine, inv)
    must((through or node).send(calls.accept_invitation(token), person.token), "accept")
    ledger.ack("invitation", inv, value="accepted")
    ledger.ack("member", org_id, person.user_id, value=tuple(sorted(roles)))


def set_seat_cap(engine: Engine, org_id: str, cap: int) -> None:
    """The operator's plan change (there is no API for it)."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE organizations SET seat_cap = :c WHERE id = :o"), {"c": cap, "o": org_id}
        )


def seats_used(engine: Engine, org_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM memberships WHERE org_id = :o) + (SELECT"
                    " count(*) FROM invitations WHERE org_id = :o AND status = 'pending'"
                    " AND expires_at > now())"
                ),
                {"o": org_id},
            ).scalar_one()
        )
