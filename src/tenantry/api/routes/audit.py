"""The organization's audit trail: read-only, newest first, filterable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tenantry.api import schemas
from tenantry.api.deps import OrgContext, Tx, require
from tenantry.api.route import ApiRoute
from tenantry.audit import service as audit

router = APIRouter(prefix="/v1/orgs/{org_id}/audit", tags=["audit"], route_class=ApiRoute)
Auditor = Annotated[OrgContext, Depends(require(lambda t: t.policy.audit_permission))]


@router.get("", summary="Audit events: actor, time, IP, action, target, before and after")
def list_events(
    ctx: Auditor,
    s: Tx,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> schemas.AuditPage:
    rows = audit.events(
        s, ctx.org_id, action=action, actor_id=actor_id, limit=limit + 1, before_id=cursor
    )
    page = rows[:limit]
    return schemas.AuditPage(
        items=[schemas.AuditOut.model_validate(e) for e in page],
        next_cursor=page[-1].id if len(rows) > limit else None,
    )
