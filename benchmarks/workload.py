"""The arguments the timed operations run over, drawn once from the data set."""

from __future__ import annotations

import random
from dataclasses import dataclass

from benchmarks.dataset import DataSet
from tenantry.authz.service import CheckRequest
from tenantry.policy.model import ORGANIZATION, Policy

BATCH = 100


@dataclass(frozen=True, slots=True)
class Triple:
    """A question both engines answer: may ``user`` use ``permission`` on ``target``?"""

    user: str
    permission: str
    org: str
    target: str  # the org itself, or a checkout in it

    @property
    def resource(self) -> str | None:
        return None if self.target == self.org else self.target


@dataclass(frozen=True, slots=True)
class Workload:
    org_checks: list[Triple]
    checkout_checks: list[Triple]
    batches: list[list[Triple]]
    lookups: list[Triple]  # target: the org; permission: a checkout permission
    cold_pairs: list[tuple[str, str]]  # distinct (user, org)

    def requests(self, batch: list[Triple]) -> list[CheckRequest]:
        return [CheckRequest(t.user, t.permission, t.org, t.resource) for t in batch]


def _user(rng: random.Random, data: DataSet, org: str) -> str:
    """Mostly a member of the org; now and then anyone (usually a stranger to it)."""
    return rng.choice(data.members[org]) if rng.random() < 0.8 else rng.choice(data.users)


def triple(rng: random.Random, data: DataSet, policy: Policy, permission: str) -> Triple:
    org = rng.choice(data.orgs)
    scope = policy.permissions[permission].scope
    target = org if scope == ORGANIZATION else rng.choice(data.checkouts[org])
    return Triple(_user(rng, data, org), permission, org, target)


def make_workload(rng: random.Random, data: DataSet, policy: Policy, size: int) -> Workload:
    org_perms = [p.id for p in policy.permissions.values() if p.scope == ORGANIZATION]
    checkout_perms = [p.id for p in policy.permissions.values() if p.scope != ORGANIZATION]
    pairs = sorted({(u, o) for o in data.orgs for u in data.members[o]})
    return Workload(
        org_checks=[triple(rng, data, policy, rng.choice(org_perms)) for _ in range(size)],
        checkout_checks=[
            triple(rng, data, policy, rng.choice(checkout_perms)) for _ in range(size)
        ],
        batches=[
            [triple(rng, data, policy, rng.choice(org_perms)) for _ in range(BATCH)]
            for _ in range(max(1, size // BATCH))
        ],
        lookups=[
            Triple(rng.choice(data.members[o]), rng.choice(checkout_perms), o, o)
            for o in (rng.choice(data.orgs) for _ in range(max(1, size // 10)))
        ],
        cold_pairs=rng.sample(pairs, min(len(pairs), max(20, size // 10))),
    )
