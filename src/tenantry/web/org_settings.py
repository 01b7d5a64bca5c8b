"""The organization's settings tab: rename, the public profile, delete, and ownership
transfer the way the policy says (a request to the operator, or granting everything)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tenantry.api.deps import App
from tenantry.errors import DomainError, Invalid
from tenantry.members import service as members
from tenantry.orgs import service as orgs
from tenantry.orgs.transfer_request import request_transfer
from tenantry.web._auth import CheckedForm, SignedIn
from tenantry.web._pages import done, org_page, org_view, refused
from tenantry.web._render import redirect
from tenantry.web._route import WebRoute

router = APIRouter(prefix="/orgs/{org_id}", route_class=WebRoute, include_in_schema=False)

PROFILE_FIELDS = ("description", "website")


@router.get("/settings")
def settings_tab(org_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return org_page(request, org_view(t, viewer, org_id), viewer, "settings")


@router.post("/settings/name")
def rename(org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            org = orgs.update_org(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                name=str(form.get("name", "")),
            )
            name = org.name
    except DomainError as exc:
        return refused(request, view, viewer, "settings", exc)
    return done(view, "settings", f"The organization is now called {name}.")


@router.post("/settings/profile")
def profile(org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App) -> Response:
    view = org_view(t, viewer, org_id)
    values = {key: str(form.get(key, "")).strip() for key in PROFILE_FIELDS}
    try:
        if len(values["description"]) > 2000 or len(values["website"]) > 300:
            raise Invalid("Keep the description under 2000 characters and the website under 300.")
        if values["website"] and not values["website"].startswith(("https://", "http://")):
            raise Invalid("The website must start with https:// or http://.")
        with t.db.transaction() as s:
            orgs.update_org(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                profile={k: v for k, v in values.items() if v},
            )
    except DomainError as exc:
        return refused(request, view, viewer, "settings", exc)
    return done(view, "settings", "Public profile saved.")


@router.post("/settings/delete")
def delete(org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        if str(form.get("confirm_name", "")).strip() != view.org_name:
            raise Invalid(f"Type the name of the organization, {view.org_name}, to delete it.")
        with t.db.transaction() as s:
            orgs.delete_org(s, t.authz, actor=view.ctx.principal.actor, org_id=org_id)
    except DomainError as exc:
        return refused(request, view, viewer, "settings", exc)
    return redirect("/orgs", f"{view.org_name} was deleted, with everything in it.")


@router.post("/settings/transfer")
def transfer(
    org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    """Distancer: grant the heir every permission; Distribu: ask the operator to do it."""
    view = org_view(t, viewer, org_id)
    to_user_id = str(form.get("to_user_id", ""))
    try:
        with t.db.transaction() as s:
            if t.policy.transfer_ownership == "grant-all":
                members.transfer_ownership(
                    s, t.authz, actor=view.ctx.principal.actor, org_id=org_id, to_user_id=to_user_id
                )
                notice = "They now hold every permission: ownership has passed to them."
            else:
                email = request_transfer(
                    s, t.authz, actor=view.ctx.principal.actor, org_id=org_id, to_user_id=to_user_id
                )
                notice = (
                    f"Asked the operator to make {email} the owner; nothing changes until they "
                    "do (the request is in the audit log)."
                )
    except DomainError as exc:
        return refused(request, view, viewer, "settings", exc)
    return done(view, "settings", notice)
