"""The audit log's export button: the same file as the API's export, for the signed-in
dashboard user who may read the log, with the filters the tab shows."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tenantry.api.deps import App
from tenantry.api.routes.audit import export_response
from tenantry.errors import DomainError
from tenantry.web._audit_tab import filter_from
from tenantry.web._auth import SignedIn
from tenantry.web._pages import org_page, org_view, refused
from tenantry.web._route import WebRoute

router = APIRouter(prefix="/orgs/{org_id}", route_class=WebRoute, include_in_schema=False)


@router.get("/audit/export")
def export_audit(
    org_id: str,
    request: Request,
    viewer: SignedIn,
    t: App,
    format: Literal["csv", "jsonl"] = "csv",
) -> Response:
    view = org_view(t, viewer, org_id)
    if not view.can_audit:
        return org_page(request, view, viewer, "audit")  # the tab's own "not available"
    try:
        where = filter_from(request.query_params)
    except DomainError as exc:
        return refused(request, view, viewer, "audit", exc)
    return export_response(t, org_id, where, format)
