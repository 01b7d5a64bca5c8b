"""Permission checks: what an application embedding Tenantry calls on every request."""

from __future__ import annotations

from fastapi import APIRouter

from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal, Principal, org_context
from tenantry.core import Tenantry

router = APIRouter(prefix="/v1", tags=["checks"])


def _check(
    t: Tenantry, principal: Principal, body: schemas.CheckIn, visible: set[str]
) -> schemas.CheckOut:
    if body.org_id not in visible:
        org_context(t, principal, body.org_id)  # 404 unless the caller can see the org
        visible.add(body.org_id)
    if body.explain:
        explanation = t.authz.explain(body.user_id, body.permission, body.org_id, body.resource_id)
        allowed, reasons = explanation.allowed, list(explanation.reasons)
    else:
        allowed = t.authz.check(body.user_id, body.permission, body.org_id, body.resource_id)
        reasons = None
    snap = t.authz.snapshot(body.user_id, body.org_id)
    return schemas.CheckOut(
        allowed=allowed,
        permission=body.permission,
        org_id=body.org_id,
        resource_id=body.resource_id,
        revision=snap.org.revision,
        explanation=reasons,
    )


@router.post("/check", summary="Does this user hold this permission here?")
def check(body: schemas.CheckIn, principal: CurrentPrincipal, t: App) -> schemas.CheckOut:
    """Answered from the permission cache, which is never staler than the organization's
    current revision. ``explain: true`` names the role, grant or rule behind the answer."""
    return _check(t, principal, body, set())


@router.post("/check/batch", summary="Many checks in one call")
def check_batch(body: schemas.BatchIn, principal: CurrentPrincipal, t: App) -> schemas.BatchOut:
    visible: set[str] = set()
    return schemas.BatchOut(results=[_check(t, principal, c, visible) for c in body.checks])
