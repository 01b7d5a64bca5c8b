"""The organization's resources (workspaces, checkouts...), API keys and audit log tabs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tenantry.api.deps import App
from tenantry.apikeys import service as apikeys
from tenantry.errors import DomainError
from tenantry.resources import service as resources
from tenantry.web._auth import CheckedForm, SignedIn
from tenantry.web._pages import done, org_page, org_view, refused
from tenantry.web._route import WebRoute

router = APIRouter(prefix="/orgs/{org_id}", route_class=WebRoute, include_in_schema=False)


@router.get("/resources")
def resources_tab(org_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return org_page(request, org_view(t, viewer, org_id), viewer, "resources")


@router.post("/resources")
def create_resource(
    org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            res = resources.create_resource(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                rtype=str(form.get("type", "")),
                name=str(form.get("name", "")),
                visibility=str(form.get("visibility", "")) or None,
            )
            label = t.policy.resource_types[res.type].label
            name = res.name
    except DomainError as exc:
        return refused(request, view, viewer, "resources", exc)
    return done(view, "resources", f"{label} {name} created.")


@router.post("/resources/{resource_id}/visibility")
def share(
    org_id: str, resource_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    """Dystr's Share Workspace: "Everyone at [Organization]" or "Invite-only"."""
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            res = resources.update_resource(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                resource_id=resource_id,
                visibility=str(form.get("visibility", "")),
            )
            name = res.name
    except DomainError as exc:
        return refused(request, view, viewer, "resources", exc)
    return done(view, "resources", f"Sharing of {name} saved.")


@router.get("/api-keys")
def keys_tab(org_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return org_page(request, org_view(t, viewer, org_id), viewer, "api-keys")


@router.post("/api-keys")
def create_key(
    org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    """The token is on this one response only; it is stored as a hash."""
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            key, token = apikeys.create_key(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                name=str(form.get("name", "")),
                roles=[str(r) for r in form.getlist("role") if r],
                permissions=[str(p) for p in form.getlist("permission")],
            )
            name = key.name
    except DomainError as exc:
        return refused(request, view, viewer, "api-keys", exc)
    return org_page(request, view, viewer, "api-keys", new_key={"name": name, "token": token})


@router.post("/api-keys/{key_id}/revoke")
def revoke_key(
    org_id: str, key_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            apikeys.revoke_key(
                s, t.authz, actor=view.ctx.principal.actor, org_id=org_id, key_id=key_id
            )
    except DomainError as exc:
        return refused(request, view, viewer, "api-keys", exc)
    return done(view, "api-keys", "API key revoked.")


@router.get("/audit")
def audit_tab(org_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return org_page(request, org_view(t, viewer, org_id), viewer, "audit")
