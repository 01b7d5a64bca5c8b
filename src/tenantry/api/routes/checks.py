"""Permission checks: what an application embedding Tenantry calls on every request."""

from __future__ import annotations

from fastapi import APIRouter

from tenantry import consistency
from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal, OrgContext, Principal, resolve_org_context
from tenantry.api.route import ApiRoute
from tenantry.consistency import Consistency
from tenantry.core import Tenantry
from tenantry.resources.visibility import require_visible

router = APIRouter(prefix="/v1", tags=["checks"], route_class=ApiRoute)


def merged_consistency(
    checks: list[schemas.CheckIn], token: str | None = None, full: bool = False
) -> Consistency:
    """The freshest any part of the request asks for."""
    asked = [Consistency.of(c.at_least, fully_consistent=c.fully_consistent) for c in checks]
    asked.append(Consistency.of(token, fully_consistent=full))
    return Consistency(consistency.merge(*(a.at_least for a in asked)), any(a.full for a in asked))


def answer_checks(
    t: Tenantry,
    principal: Principal,
    checks: list[schemas.CheckIn],
    fresh: Consistency,
    callers: dict[str, OrgContext] | None = None,
) -> list[schemas.CheckOut]:
    """Every check's answer; the snapshots they need are fetched (and validated) together.
    ``callers``: the caller's context per organization, resolved once for a whole request
    that asks in several calls (filled in here as organizations come up)."""
    callers = {} if callers is None else callers
    for org_id in dict.fromkeys(c.org_id for c in checks):
        if org_id not in callers:  # 404 unless the caller can see it
            callers[org_id] = resolve_org_context(t, principal, org_id)
    for c in checks:
        caller = callers[c.org_id]
        # about a resource, only one the caller could open or manages, whoever the check is
        # about (themselves included): to a member who was not added to an invite-only
        # workspace it answers exactly as an id that does not exist
        if c.resource_id is not None:
            viewer = caller.snapshot
            require_visible(t.policy, viewer, t.authz.resource(viewer, c.resource_id))
        # what someone else holds is part of the member list: the policy's view permission
        # (a cross-organization role alone asks about its holder only)
        if not caller.is_user(c.user_id):
            caller.demand(t, t.policy.view_permission)
    # one freshness check for the whole batch; each answer and its reasons use the same snapshot
    snaps = t.authz.snapshots(((c.user_id, c.org_id) for c in checks), consistency=fresh)
    out = []
    for check in checks:
        snap = snaps[(check.user_id, check.org_id)]
        allowed = t.authz.decide(snap, check.permission, check.resource_id, None)
        reasons = None
        if check.explain:
            why = t.authz.explain_snapshot(snap, check.permission, check.resource_id)
            reasons = list(why.reasons)
        out.append(
            schemas.CheckOut(
                allowed=allowed,
                permission=check.permission,
                org_id=check.org_id,
                resource_id=check.resource_id,
                revision=snap.org.revision,
                checked_at=consistency.encode(snap.depends_on),
                explanation=reasons,
            )
        )
    return out


@router.post("/check", summary="Does this user hold this permission here?")
def check(body: schemas.CheckIn, principal: CurrentPrincipal, t: App) -> schemas.CheckOut:
    """Answered from the permission cache, which the service keeps coherent with every
    process's writes; ``at_least`` (a write's consistency token) guarantees the answer sees
    that write, ``fully_consistent`` validates against the database now. ``explain: true``
    names the role, grant or rule behind the answer. About yourself you may always ask;
    about someone else with the policy's view permission in that organization."""
    return answer_checks(t, principal, [body], merged_consistency([body]))[0]


@router.post("/check/batch", summary="Many checks in one call")
def check_batch(body: schemas.BatchIn, principal: CurrentPrincipal, t: App) -> schemas.BatchOut:
    """Up to 1000 checks; the permission cache is validated once for the whole batch."""
    fresh = merged_consistency(body.checks, body.at_least, body.fully_consistent)
    return schemas.BatchOut(results=answer_checks(t, principal, body.checks, fresh))
