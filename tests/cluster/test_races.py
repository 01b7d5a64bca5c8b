"""Barrier races through both servers (catalogue B2, B5, C1, D2), Distribu.

Every round releases its requests at one barrier, half through each server, and ends with
the invariant checker. Shown red with ``lock_org``'s ``.with_for_update()`` removed (see the
report in the module docstrings of tests/cluster).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tenantry.client import calls
from tenantry.core import Tenantry
from tenantry.members.service import transfer_ownership
from tenantry.policy import Policy
from tenantry.writes import Actor
from tests.cluster import invariants, world
from tests.cluster.harness import SECRET_KEY, Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.profile import Figure, Profile
from tests.cluster.racing import Racer, Shot
from tests.cluster.wire import Node, Reply, dashboard_form

POLICY = "distribu"


def _sound(cluster: Cluster, policy: Policy, ledger: Ledger, round_: int) -> None:
    found = invariants.problems(cluster.engine, policy, ledger)
    assert found == [], f"round {round_}: {found[:5]}"


def _expire(cluster: Cluster, invitation_id: str) -> None:
    with cluster.engine.begin() as conn:
        conn.execute(
            text("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = :i"),
            {"i": invitation_id},
        )


SCENE_ROUNDS = 25


def _seat_scene(
    cluster: Cluster, node: Node, ledger: Ledger, owner: world.Person, admin: world.Person
) -> tuple[str, list[str]]:
    """An organization of the owner's with the admin in it and an admin API key; the org and
    the three inviters' tokens (owner, admin, key)."""
    org = world.new_org(node, ledger, owner)
    world.add_member(node, cluster.engine, ledger, by=owner, org_id=org, person=admin,
                     roles=["admin"])  # fmt: skip
    key = world.must(
        node.send(calls.create_api_key(org, "inviter", roles=["admin"]), owner.token), "key"
    )
    ledger.ack("api_key", key.body["id"], value="live")
    return org, [owner.token, admin.token, key.body["token"]]


def test_the_last_seat_goes_to_exactly_one_of_many_concurrent_claims(
    cluster: Cluster,
    nodes: list[Node],
    racer: Racer,
    policy: Policy,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    """C1: one seat left, K claims at once by every path that takes a seat: invitations by
    the owner and an admin (sessions), by an API key, from the dashboard's form, a new
    invitation to an address whose invitation expired, and resending an expired one."""
    owner = world.sign_up(nodes[0], ledger, "owner")
    admin = world.sign_up(nodes[1], ledger, "admin")
    codes: Counter[str] = Counter()
    for r in range(profile.rounds):
        if r % SCENE_ROUNDS == 0:  # a fresh organization now and then: its pages stay short
            org, inviters = _seat_scene(cluster, nodes[r % 2], ledger, owner, admin)
        world.set_seat_cap(cluster.engine, org, world.seats_used(cluster.engine, org) + 2)
        lapsed = world.email("lapsed")  # invited before, expired: invited again
        _expire(cluster, world.invite(nodes[0], owner.token, org, lapsed, ["member"]))
        stale = world.invite(nodes[1], owner.token, org, world.email("stale"), ["member"])
        _expire(cluster, stale)  # expired: resending takes a seat again
        world.set_seat_cap(cluster.engine, org, world.seats_used(cluster.engine, org) + 1)
        shots = [
            Shot(cluster.url(0), calls.invite(org, [lapsed], roles=["member"]), owner.token),
            Shot(cluster.url(1), calls.resend_invitation(org, stale), admin.token),
            Shot(
                cluster.url(0),
                **dashboard_form(
                    f"/orgs/{org}/invitations",
                    owner.token,
                    owner.csrf,
                    emails=world.email("form"),
                    role="member",
                ),
            ),
        ]
        for i in range(len(shots), max(profile.width, 4)):
            call = calls.invite(org, [world.email("claim")], roles=["member"])
            shots.append(Shot(cluster.url(i), call, inviters[i % len(inviters)]))
        replies = racer.race(shots)
        won = [i for i, reply in enumerate(replies) if reply.ok]
        for reply in replies:
            codes[f"{reply.status} {reply.code or ''}".strip()] += 1
        figure.rounds += 1
        figure.winners[len(won)] += 1
        assert len(won) == 1, f"round {r}: {len(won)} winners: {[str(x) for x in replies]}"
        assert all(x.status == 409 for x in replies if not x.ok), [str(x) for x in replies]
        _sound(cluster, policy, ledger, r)
    figure.notes.update(codes)


def test_one_invitation_accepted_at_once_by_many_requests_makes_one_member(
    cluster: Cluster,
    nodes: list[Node],
    racer: Racer,
    policy: Policy,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    """B2: K accepts of one link at the same instant: one succeeds, one membership and one
    audit event; the others are told the invitation is used (410) or already a member."""
    owner = world.sign_up(nodes[0], ledger, "owner")
    joiner = world.sign_up(nodes[1], ledger, "joiner")
    for r in range(profile.rounds):
        org = world.new_org(nodes[r % 2], ledger, owner)
        inv = world.invite(nodes[r % 2], owner.token, org, joiner.email, ["member"])
        token = world.link_token(cluster.engine, inv)
        shots = [
            Shot(cluster.url(i), calls.accept_invitation(token), joiner.token)
            for i in range(profile.width)
        ]
        replies = racer.race(shots)
        won = sum(reply.ok for reply in replies)
        figure.rounds += 1
        figure.winners[won] += 1
        assert won == 1, f"round {r}: {won} accepted: {[str(x) for x in replies]}"
        assert {x.status for x in replies if not x.ok} <= {409, 410}, [str(x) for x in replies]
        ledger.ack("invitation", inv, value="accepted")
        ledger.ack("member", org, joiner.user_id, value=("member",))
        with cluster.engine.connect() as conn:
            added = conn.execute(
                text(
                    "SELECT count(*) FROM audit_events WHERE org_id = :o"
                    " AND action = 'member.added' AND target_id = :u"
                ),
                {"o": org, "u": joiner.user_id},
            ).scalar_one()
        assert added == 1, f"round {r}: {added} member.added events"
        _sound(cluster, policy, ledger, r)


def test_revoking_an_invitation_while_it_is_accepted_lets_exactly_one_side_win(
    cluster: Cluster,
    nodes: list[Node],
    racer: Racer,
    policy: Policy,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    """B5: cancels and accepts of one invitation at once, through both servers. Either the
    invitation was accepted (a member, every cancel refused) or cancelled (no member, every
    accept refused): never a cancelled invitation with its member."""
    owner = world.sign_up(nodes[0], ledger, "owner")
    joiner = world.sign_up(nodes[1], ledger, "joiner")
    sides: Counter[str] = Counter()
    for r in range(profile.rounds):
        org = world.new_org(nodes[r % 2], ledger, owner)
        inv = world.invite(nodes[r % 2], owner.token, org, joiner.email, ["member"])
        token = world.link_token(cluster.engine, inv)
        shots = []
        for i in range(max(2, profile.width)):
            if i % 2:
                call, who = calls.cancel_invitation(org, inv), owner.token
            else:
                call, who = calls.accept_invitation(token), joiner.token
            shots.append(Shot(cluster.url(i // 2 + i % 2), call, who))
        replies: list[Reply] = racer.race(shots)
        accepted = sum(x.ok for i, x in enumerate(replies) if i % 2 == 0)
        cancelled = sum(x.ok for i, x in enumerate(replies) if i % 2)
        figure.rounds += 1
        figure.winners[accepted + min(cancelled, 1)] += 1
        detail = f"round {r}: {[str(x) for x in replies]}"
        assert (accepted, min(cancelled, 1)) in ((1, 0), (0, 1)), detail
        sides["accepted" if accepted else "cancelled"] += 1
        ledger.ack("invitation", inv, value="accepted" if accepted else "cancelled")
        ledger.ack("member", org, joiner.user_id, value=("member",) if accepted else None)
        _sound(cluster, policy, ledger, r)
    figure.notes.update(sides)


@pytest.fixture
def operator(cluster: Cluster) -> Iterator[Tenantry]:
    """The operator's tooling (``tenantry org transfer-ownership``) in this process."""
    t = Tenantry(cluster.database_url, cluster.policy, secret_key=SECRET_KEY)
    yield t
    t.close()


def _transfer(t: Tenantry, org_id: str, to_user_id: str) -> str:
    with t.db.transaction() as s:
        transfer_ownership(s, t.authz, actor=Actor.operator(), org_id=org_id, to_user_id=to_user_id)
    return "transferred"


def _owners(cluster: Cluster, org_id: str) -> list[str]:
    with cluster.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT m.user_id FROM member_roles r JOIN memberships m"
                    " ON m.id = r.membership_id WHERE r.org_id = :o AND r.role = 'owner'"
                ),
                {"o": org_id},
            ).scalars()
        )


def test_concurrent_transfers_removals_and_role_changes_leave_exactly_one_owner(
    cluster: Cluster,
    nodes: list[Node],
    racer: Racer,
    operator: Tenantry,
    policy: Policy,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    """D2: the operator hands ownership to B and to C at the same instant as the owner
    changes B's role and removes B and C (each through both servers): after every round
    exactly one owner."""
    owner = world.sign_up(nodes[0], ledger, "owner")
    b = world.sign_up(nodes[1], ledger, "b")
    c = world.sign_up(nodes[0], ledger, "c")
    outcomes: Counter[str] = Counter()
    for r in range(profile.rounds * 2):  # the bad interleaving is rarer than in other races
        org = world.new_org(nodes[r % 2], ledger, owner)
        for person in (b, c):
            world.add_member(
                nodes[r % 2], cluster.engine, ledger, by=owner, org_id=org, person=person,
                roles=["admin"], through=nodes[(r + 1) % 2],
            )  # fmt: skip
        shots = [
            Shot("", action=lambda org=org: _transfer(operator, org, b.user_id)),
            Shot("", action=lambda org=org: _transfer(operator, org, c.user_id)),
            Shot(cluster.url(r + 1), calls.update_member(org, b.user_id, roles=["member"]),
                 owner.token),
        ]  # fmt: skip
        removals: dict[str, list[int]] = {b.user_id: [], c.user_id: []}
        for i, person in enumerate((b, c, b, c)):  # each through both servers
            removals[person.user_id].append(len(shots))
            shots.append(Shot(cluster.url(r + i), calls.remove_member(org, person.user_id),
                              owner.token))  # fmt: skip
        results = racer.race(shots)
        owners = _owners(cluster, org)
        figure.rounds += 1
        figure.winners[len(owners)] += 1
        assert len(owners) == 1, f"round {r}: owners {owners}, {[str(x) for x in results]}"
        outcomes[f"owner={'abc'[[owner.user_id, b.user_id, c.user_id].index(owners[0])]}"] += 1
        for person in (b, c):
            if any(results[i].ok for i in removals[person.user_id]):
                ledger.ack("member", org, person.user_id, value=None)
            else:
                ledger.unknown("member", org, person.user_id)  # its role moved with the race
        _sound(cluster, policy, ledger, r)
    figure.notes.update(outcomes)
