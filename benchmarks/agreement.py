"""Before anything is timed: both engines must give the same answers to the same questions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from benchmarks.dataset import DataSet
from benchmarks.peer import CHECKOUT, Peer
from benchmarks.workload import Triple, triple
from tenantry.authz.service import Authorizer


@dataclass(slots=True)
class Agreement:
    checks: int = 0
    agreed: int = 0
    allowed: int = 0
    lookups: int = 0
    lookups_agreed: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.agreed == self.checks and self.lookups_agreed == self.lookups

    def __str__(self) -> str:
        pct = 100.0 * self.agreed / max(self.checks, 1)
        return (
            f"{self.agreed}/{self.checks} checks agree ({pct:.1f}%; {self.allowed} allowed, "
            f"{self.checks - self.allowed} denied), "
            f"{self.lookups_agreed}/{self.lookups} lookups agree"
        )


def compare(
    authz: Authorizer, peer: Peer, data: DataSet, rng: random.Random, samples: int
) -> Agreement:
    """``samples`` random (user, permission, target) triples, against both casbin enforcers,
    then a twentieth as many lookups (the same set of checkouts, in any order)."""
    result = Agreement()
    permissions = list(authz.policy.permissions)
    for _ in range(samples):
        t = triple(rng, data, authz.policy, rng.choice(permissions))
        ours = authz.check(t.user, t.permission, t.org, t.resource)
        req = peer.request(t.user, t.permission, t.org, t.target)
        theirs = (peer.plain.enforce(*req), peer.fast.enforce(*req))
        result.checks += 1
        result.allowed += ours
        if theirs == (ours, ours):
            result.agreed += 1
        elif len(result.mismatches) < 5:
            result.mismatches.append(f"{t}: tenantry {ours}, casbin / fast {theirs}")
    checkout_perms = [p for p in permissions if authz.policy.permissions[p].scope == CHECKOUT]
    for _ in range(max(1, samples // 20)):
        org = rng.choice(data.orgs)
        t = Triple(rng.choice(data.members[org]), rng.choice(checkout_perms), org, org)
        ours_ids = {n.id for n in authz.lookup_resources(t.user, t.permission, t.org)}
        for enforcer in (peer.plain, peer.fast):
            theirs_ids = {
                c
                for c in data.checkouts[org]
                if enforcer.enforce(t.permission, CHECKOUT, t.user, t.org, c)
            }
            result.lookups += 1
            if ours_ids == theirs_ids:
                result.lookups_agreed += 1
            elif len(result.mismatches) < 5:
                result.mismatches.append(f"lookup {t}: {sorted(ours_ids)} vs {sorted(theirs_ids)}")
    return result
