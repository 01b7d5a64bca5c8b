"""The organization's audit trail: read-only, filterable, exportable, verifiable."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from tenantry.api import schemas
from tenantry.api.deps import App, OrgContext, Tx, require
from tenantry.api.params import Instant
from tenantry.api.route import ApiRoute
from tenantry.audit import chain, export
from tenantry.audit import service as audit
from tenantry.core import Tenantry
from tenantry.errors import Invalid

router = APIRouter(prefix="/v1/orgs/{org_id}/audit", tags=["audit"], route_class=ApiRoute)
Auditor = Annotated[OrgContext, Depends(require(lambda t: t.policy.audit_permission))]


def _filter(
    actor_id: Annotated[
        list[str] | None,
        Query(max_length=50, description="A user or API key id; repeat for any of several."),
    ] = None,
    action: Annotated[
        list[str] | None,
        Query(
            max_length=50,
            description="An action ('member.roles_changed') or a family ('member.*'); repeat.",
        ),
    ] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[
        Instant | None, Query(description="From this instant (ISO 8601; naive means UTC).")
    ] = None,
    until: Annotated[Instant | None, Query(description="Before this instant.")] = None,
) -> audit.Filter:
    return audit.make_filter(
        actors=actor_id or (),
        actions=action or (),
        target_id=target_id,
        since=since,
        until=until,
    )


Filtered = Annotated[audit.Filter, Depends(_filter)]


@router.get("", summary="Audit events, newest first: filter by actor, action, target and time")
def list_events(
    ctx: Auditor,
    s: Tx,
    where: Filtered,
    cursor: Annotated[
        str | None, Query(pattern="^[0-9]{1,18}$", description="next_cursor of the last page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> schemas.AuditPage:
    before = int(cursor) if cursor is not None else None
    rows = audit.events(s, ctx.org_id, where, limit=limit + 1, before_seq=before)
    page = rows[:limit]
    return schemas.AuditPage(
        items=[schemas.AuditOut.model_validate(e) for e in page],
        next_cursor=str(page[-1].seq) if len(rows) > limit else None,
    )


@router.get(
    "/export",
    summary="Every matching event, oldest first, streamed as CSV or JSON Lines",
    response_class=StreamingResponse,
    responses={200: {"content": {kind: {} for kind in export.FORMATS.values()}}},
)
def export_events(
    ctx: Auditor,
    t: App,
    where: Filtered,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
) -> StreamingResponse:
    """Oldest first, one batch of events in memory at a time, from a read transaction of
    its own: the trail as of the moment the export began."""
    return export_response(t, ctx.org_id, where, format)


def export_response(t: Tenantry, org_id: str, where: audit.Filter, kind: str) -> StreamingResponse:
    """The streamed export file (the API's and the dashboard's export button)."""
    return StreamingResponse(
        export.file(t.db, org_id, where, kind),
        media_type=export.FORMATS[kind],
        headers={"Content-Disposition": f'attachment; filename="{export.file_name(org_id, kind)}"'},
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
