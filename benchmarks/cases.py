"""The rows of the table: what each engine is asked, in the same words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import casbin

from benchmarks.peer import CHECKOUT, Peer
from benchmarks.timing import Case
from benchmarks.workload import Triple, Workload
from tenantry.authz.service import Authorizer, CheckRequest

Op = Callable[[Any], object]

# the cache's coherence with other processes (tenantry.authz.coherence): "local" trusts it
# (one process), "validate" asks the database on every check, "coherent" is what the
# service runs: the SQLite data-version watch, or PostgreSQL push invalidation
ORG_WARM = "org check, warm, local"
ORG_VALIDATED = "org check, warm, validate each"
ORG_COHERENT = "org check, warm, coherent (service)"
ORG_COLD = "org check, cold (cache cleared)"
CHECKOUT_WARM = "checkout check, warm, local"
CHECKOUT_COHERENT = "checkout check, warm, coherent (service)"
BATCH_WARM = "check_many x100 (org), local"
BATCH_VALIDATED = "check_many x100 (org), validate each"
BATCH_COHERENT = "check_many x100 (org), coherent (service)"
LOOKUP = "lookup_resources (checkouts of 1 org)"
TENANTRY_ROWS = (
    ORG_WARM,
    ORG_VALIDATED,
    ORG_COHERENT,
    ORG_COLD,
    CHECKOUT_WARM,
    CHECKOUT_COHERENT,
    BATCH_WARM,
    BATCH_VALIDATED,
    BATCH_COHERENT,
    LOOKUP,
)

ENFORCE_ORG = "enforce org permission"
ENFORCE_CHECKOUT = "enforce checkout permission"
BATCH_ENFORCE = "batch_enforce x100 (org)"
FILTER = "lookup: enforce over checkouts of 1 org"
CASBIN_ROWS = (ENFORCE_ORG, ENFORCE_CHECKOUT, BATCH_ENFORCE, FILTER)
FAST_ROWS = (ENFORCE_ORG, ENFORCE_CHECKOUT, FILTER)
DICT_ROWS = (ENFORCE_ORG, ENFORCE_CHECKOUT)


def dict_cases(authz: Authorizer, w: Workload) -> list[Case]:
    """The floor: a dict of masks precomputed for every (user, org) and (user, checkout)
    asked about, looked up and ANDed; Tenantry's warm checks are measured against it."""
    policy = authz.policy
    bits = {p.id: p.mask for p in policy.permissions.values()}
    org_masks = {
        (t.user, t.org): policy.mask_of(authz.org_permissions(t.user, t.org)) for t in w.org_checks
    }
    checkout_masks = {
        (t.user, t.target): policy.mask_of(authz.resource_permissions(t.user, t.org, t.target))
        for t in w.checkout_checks
    }
    return [
        Case(
            "dict",
            ENFORCE_ORG,
            lambda t: bool(org_masks[(t.user, t.org)] & bits[t.permission]),
            w.org_checks,
        ),
        Case(
            "dict",
            ENFORCE_CHECKOUT,
            lambda t: bool(checkout_masks[(t.user, t.target)] & bits[t.permission]),
            w.checkout_checks,
        ),
    ]


def tenantry_cases(
    name: str, fast: Authorizer, checked: Authorizer, coherent: Authorizer, w: Workload
) -> list[Case]:
    """``fast`` trusts its cache (local), ``checked`` validates every hit, ``coherent`` runs
    the service's coherence channel."""
    db = fast.db.engine

    def org(a: Authorizer) -> Op:
        return lambda t: a.check(t.user, t.permission, t.org)

    def many(a: Authorizer) -> Op:
        return lambda reqs: a.check_many(reqs)

    batches: list[list[CheckRequest]] = [w.requests(b) for b in w.batches]
    return [
        Case(name, ORG_WARM, org(fast), w.org_checks, db=db),
        Case(name, ORG_VALIDATED, org(checked), w.org_checks, db=db),
        Case(name, ORG_COHERENT, org(coherent), w.org_checks, db=db),
        Case(
            name,
            ORG_COLD,
            lambda p: fast.check(p[0], "org.view", p[1]),
            w.cold_pairs,
            setup=fast.cache.clear,
            calibrate=False,
            db=db,
        ),
        Case(
            name,
            CHECKOUT_WARM,
            lambda t: fast.check(t.user, t.permission, t.org, t.resource),
            w.checkout_checks,
            db=db,
        ),
        Case(
            name,
            CHECKOUT_COHERENT,
            lambda t: coherent.check(t.user, t.permission, t.org, t.resource),
            w.checkout_checks,
            db=db,
        ),
        Case(name, BATCH_WARM, many(fast), batches, db=db),
        Case(name, BATCH_VALIDATED, many(checked), batches, db=db),
        Case(name, BATCH_COHERENT, many(coherent), batches, db=db),
        Case(
            name,
            LOOKUP,
            lambda t: fast.lookup_resources(t.user, t.permission, t.org),
            w.lookups,
            db=db,
        ),
    ]


def casbin_cases(peer: Peer, checkouts: dict[str, list[str]], w: Workload) -> list[Case]:
    def req(t: Triple) -> tuple[str, ...]:
        return peer.request(t.user, t.permission, t.org, t.target)

    def lookup(enforcer: casbin.Enforcer) -> Op:
        enforce = enforcer.enforce
        return lambda t: [
            c for c in checkouts[t.org] if enforce(t.permission, CHECKOUT, t.user, t.org, c)
        ]

    plain, fast = peer.plain, peer.fast
    org_reqs = [req(t) for t in w.org_checks]
    checkout_reqs = [req(t) for t in w.checkout_checks]
    batches = [[req(t) for t in b] for b in w.batches]
    return [
        Case("casbin", ENFORCE_ORG, lambda r: plain.enforce(*r), org_reqs),
        Case("casbin", ENFORCE_CHECKOUT, lambda r: plain.enforce(*r), checkout_reqs),
        Case("casbin", BATCH_ENFORCE, plain.batch_enforce, batches),
        Case("casbin", FILTER, lookup(plain), w.lookups),
        Case("casbin/fast", ENFORCE_ORG, lambda r: fast.enforce(*r), org_reqs),
        Case("casbin/fast", ENFORCE_CHECKOUT, lambda r: fast.enforce(*r), checkout_reqs),
        Case("casbin/fast", FILTER, lookup(fast), w.lookups),
    ]
