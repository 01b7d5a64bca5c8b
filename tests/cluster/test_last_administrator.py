"""Administrators racing to demote or remove each other never leave an organization without
one (catalogue D2, for a policy where several may own: Dystr's Administrators). Shown red
with ``lock_org``'s ``.with_for_update()`` removed."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import text

from tenantry.client import calls
from tenantry.policy import Policy
from tests.cluster import invariants, world
from tests.cluster.harness import Cluster
from tests.cluster.ledger import Ledger
from tests.cluster.profile import Figure, Profile
from tests.cluster.racing import Racer, Shot
from tests.cluster.wire import Node

POLICY = "dystr"


def _administrators(cluster: Cluster, org_id: str) -> int:
    with cluster.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM member_roles WHERE org_id = :o AND role = 'administrator'"
                ),
                {"o": org_id},
            ).scalar_one()
        )


def test_administrators_demoting_and_removing_each_other_at_once_leave_one(
    cluster: Cluster,
    nodes: list[Node],
    racer: Racer,
    policy: Policy,
    ledger: Ledger,
    profile: Profile,
    figure: Figure,
) -> None:
    a = world.sign_up(nodes[0], ledger, "a")
    b = world.sign_up(nodes[1], ledger, "b")
    outcomes: Counter[str] = Counter()
    for r in range(profile.rounds):
        org = world.new_org(nodes[r % 2], ledger, a)
        world.add_member(nodes[r % 2], cluster.engine, ledger, by=a, org_id=org, person=b,
                         roles=["administrator"], through=nodes[(r + 1) % 2])  # fmt: skip
        shots = [
            Shot(cluster.url(0), calls.update_member(org, b.user_id, roles=["viewer"]), a.token),
            Shot(cluster.url(1), calls.update_member(org, a.user_id, roles=["viewer"]), b.token),
            Shot(cluster.url(1), calls.remove_member(org, b.user_id), a.token),
            Shot(cluster.url(0), calls.remove_member(org, a.user_id), b.token),
        ]
        replies = racer.race(shots)
        left = _administrators(cluster, org)
        figure.rounds += 1
        figure.winners[sum(x.ok for x in replies)] += 1
        outcomes[f"{left} administrator(s) left"] += 1
        assert left >= 1, f"round {r}: no administrator left: {[str(x) for x in replies]}"
        assert all(x.answered and x.status < 500 for x in replies), [str(x) for x in replies]
        ledger.unknown("member", org, b.user_id)
        found = invariants.problems(cluster.engine, policy, ledger)
        assert found == [], f"round {r}: {found[:5]}"
    figure.notes.update(outcomes)
