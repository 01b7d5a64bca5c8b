"""The organization's audit trail: read-only, newest first, filterable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tenantry.api import schemas
from tenantry.api.deps import OrgContext, Tx, require
from tenantry.api.route import ApiRoute
from tenantry.audit import chain
from tenantry.audit import service as audit
from tenantry.errors import Invalid

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


@router.get(
    "/verify",
    summary="Check the organization's audit hash chain; the first broken link, if any",
)
def verify_chain(
    ctx: Auditor,
    s: Tx,
    anchor_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    anchor_hash: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$")] = None,
) -> schemas.AuditVerifyOut:
    """``anchor_seq`` and ``anchor_hash`` name a chain head kept elsewhere (``tenantry audit
    head``): the event at that place must still carry that hash."""
    if (anchor_seq is None) != (anchor_hash is None):
        raise Invalid("Give both anchor_seq and anchor_hash, or neither.", field="anchor_hash")
    anchor = (anchor_seq, anchor_hash) if anchor_seq and anchor_hash else None
    return schemas.AuditVerifyOut.model_validate(chain.verify(s, ctx.org_id, anchor=anchor))
