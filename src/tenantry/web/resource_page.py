"""One resource's page (a Workspace, a Checkout): who has access and why, rename, delete,
and Dystr's Share dialog ("Invite-only" or "Everyone at [Organization]", and adding
members by email: only members of the organization can be given access)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from tenantry.accounts.emails import normalize_email
from tenantry.accounts.models import User
from tenantry.api.deps import App
from tenantry.api.errors import STATUS
from tenantry.errors import DomainError, Invalid, NotFound
from tenantry.members.errors import NotAMember
from tenantry.members.models import Membership
from tenantry.resources import service as resources
from tenantry.web._auth import CheckedForm, SignedIn, Viewer
from tenantry.web._pages import org_view
from tenantry.web._render import redirect, render
from tenantry.web._route import WebRoute
from tenantry.web._views import OrgView

router = APIRouter(prefix="/orgs/{org_id}/resources", route_class=WebRoute, include_in_schema=False)


def _page(
    request: Request,
    view: OrgView,
    viewer: Viewer,
    resource_id: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    with view.t.db.reading() as s:
        visible = {r.id: r for r in view.visible_resources(s)}
        res = visible.get(resource_id)
        if res is None:  # hidden and missing look the same
            raise NotFound("No such resource in this organization.")
        holders = [
            (row, access)
            for row in view.member_rows(s)
            for access in row.access
            # the member list is the view permission's; without it, one sees oneself only
            if access.resource.id == resource_id and (view.can_view or row.is_self)
        ]
    spec = view.policy.resource_types[res.type]
    return render(
        request,
        "resource.html",
        status_code,
        viewer=viewer,
        view=view,
        res=res,
        spec=spec,
        holders=holders,
        manages=view.holds(spec.manage_permission),
        **extra,
    )


def _refused(
    request: Request,
    view: OrgView,
    viewer: Viewer,
    resource_id: str,
    exc: DomainError,
    **extra: Any,
) -> Response:
    return _page(request, view, viewer, resource_id, STATUS[exc.kind], error=exc.message, **extra)


@router.get("/{resource_id}")
def resource(org_id: str, resource_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return _page(request, org_view(t, viewer, org_id), viewer, resource_id)


@router.post("/{resource_id}/rename")
def rename(
    org_id: str, resource_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            res = resources.update_resource(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                resource_id=resource_id,
                name=str(form.get("name", "")),
            )
            name = res.name
    except DomainError as exc:
        return _refused(request, view, viewer, resource_id, exc)
    return redirect(f"/orgs/{org_id}/resources/{resource_id}", f"Renamed to {name}.")


@router.post("/{resource_id}/delete")
def delete(
    org_id: str, resource_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            res = resources.get_resource(s, org_id, resource_id)
            name = res.name
            resources.delete_resource(
                s, t.authz, actor=view.ctx.principal.actor, org_id=org_id, resource_id=resource_id
            )
    except DomainError as exc:
        return _refused(request, view, viewer, resource_id, exc)
    return redirect(f"/orgs/{org_id}/resources", f"{name} deleted; nobody reaches it any more.")


@router.post("/{resource_id}/share")
def share(
    org_id: str, resource_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    """The Share dialog: the visibility, and (optionally) members added by email with a role.
    Everything in one transaction: a refused address changes nothing."""
    view = org_view(t, viewer, org_id)
    visibility = str(form.get("visibility", "")) or None
    emails = [e for e in str(form.get("emails", "")).replace(",", " ").split() if e]
    role = str(form.get("role", "")) or None
    typed = {"visibility": visibility, "emails": str(form.get("emails", "")), "role": role}
    try:
        with t.db.transaction() as s:
            res = resources.get_resource(s, org_id, resource_id)
            if visibility is not None and visibility != res.visibility:
                resources.update_resource(
                    s,
                    t.authz,
                    actor=view.ctx.principal.actor,
                    org_id=org_id,
                    resource_id=resource_id,
                    visibility=visibility,
                )
            if emails and role is None:
                raise Invalid("Choose the role the people you add get.")
            for email in emails:
                user_id = s.scalar(
                    select(User.id)
                    .join(Membership, Membership.user_id == User.id)
                    .where(Membership.org_id == org_id, User.email == normalize_email(email))
                )
                if user_id is None:
                    raise NotAMember(
                        f"{email} is not a member of {view.org_name}: only members can be given "
                        "access. Invite them to the organization first."
                    )
                resources.set_member_access(
                    s,
                    t.authz,
                    actor=view.ctx.principal.actor,
                    org_id=org_id,
                    user_id=user_id,
                    changes=[resources.AccessChange(resource_id, role)],
                )
            name = res.name
    except DomainError as exc:
        return _refused(request, view, viewer, resource_id, exc, share=typed)
    added = f"; {len(emails)} added" if emails else ""
    return redirect(f"/orgs/{org_id}/resources/{resource_id}", f"Sharing of {name} saved{added}.")
