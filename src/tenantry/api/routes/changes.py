"""``GET /v1/orgs/{org}/changes?after=CURSOR``: the organization's changes in revision order,
resumable from the cursor, with an optional long-poll (``wait``) for the next one."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from tenantry.api import schemas
from tenantry.api.deps import App, resolve_org_context
from tenantry.api.route import ApiRoute
from tenantry.api.routes.audit import Auditor
from tenantry.audit import changes as feed
from tenantry.core import Tenantry

router = APIRouter(prefix="/v1/orgs/{org_id}/changes", tags=["changes"], route_class=ApiRoute)


def _read(t: Tenantry, org_id: str, after: int, limit: int) -> feed.Page:
    with t.db.reading() as s:
        return feed.changes_after(s, org_id, after, limit=limit)


@router.get("", summary="The organization's changes after a cursor, oldest first; long-poll")
async def follow_changes(
    ctx: Auditor,
    t: App,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="The cursor of the last page; 0 from the start.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[
        float,
        Query(ge=0, le=feed.MAX_WAIT, description="Seconds to wait for a change if none is new."),
    ] = 0,
) -> schemas.ChangesPage:
    """Every change that bumped the organization's revision (member, role, permission,
    resource, invitation, key and settings changes), each with the audit event that records
    it. With ``wait``, an empty answer comes only after that many seconds without a change."""
    org_id = ctx.org_id
    deadline = time.monotonic() + wait
    waited = False
    while True:
        page = await run_in_threadpool(_read, t, org_id, after, limit)
        remaining = deadline - time.monotonic()
        if page.changes or remaining <= 0:
            break
        await feed.BELL.wait(org_id, min(feed.POLL, remaining))
        waited = True
    if waited:  # whoever lost their access while waiting is told so, not shown the change
        later = await run_in_threadpool(resolve_org_context, t, ctx.principal, org_id)
        later.demand(t, t.policy.audit_permission)
    cursor = page.cursor if page.cursor is not None else after
    return schemas.ChangesPage(
        changes=[schemas.ChangeOut.model_validate(e) for e in page.changes],
        cursor=str(cursor),
        revision=page.revision,
        more=page.more,
    )
