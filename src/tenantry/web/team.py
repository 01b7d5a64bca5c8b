"""The Team / Members tab: role dropdowns, permission checkboxes, Remove, select + Delete,
and a member's resource access ("Edit Checkout Access")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tenantry.api.deps import App
from tenantry.api.errors import STATUS
from tenantry.errors import DomainError, NotFound
from tenantry.members import service as members
from tenantry.resources import service as resources
from tenantry.web._auth import CheckedForm, SignedIn
from tenantry.web._pages import done, org_page, org_view, refused, tabs_of
from tenantry.web._render import is_htmx, render
from tenantry.web._route import WebRoute

router = APIRouter(prefix="/orgs/{org_id}", route_class=WebRoute, include_in_schema=False)


@router.get("")
def members_tab(org_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    """The team; for one who may not see it (no view permission), the first tab they may."""
    view = org_view(t, viewer, org_id)
    tabs = [tab for tab, _ in tabs_of(view)]
    return org_page(request, view, viewer, "members" if "members" in tabs or not tabs else tabs[0])


def _row(
    request: Request,
    t: App,
    viewer: SignedIn,
    org_id: str,
    user_id: str,
    notice: str,
    undo: list[str] | None = None,
) -> Response:
    view = org_view(t, viewer, org_id)
    with t.db.reading() as s:
        rows = view.member_rows(s, only=user_id)
        resources_ = view.visible_resources(s)
    return render(
        request,
        "_member_row.html",
        row=rows[0],
        view=view,
        viewer=viewer,
        resources=resources_,
        flash=notice,
        undo=undo,
    )


@router.get("/members/{user_id}/role")
def confirm_role(org_id: str, user_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    """The change-role dialog: what the chosen role(s) give, and what would change in this
    member's access to resources (caps and automatic rows, in words), before anything is
    saved."""
    view = org_view(t, viewer, org_id)
    wanted = [r for r in request.query_params.getlist("role") if r in t.policy.roles]
    with t.db.reading() as s:
        rows = view.member_rows(s, only=user_id)
        if not rows or not rows[0].can_change:
            raise NotFound("No such member whose role you may change in this organization.")
        changes = view.access_changes(s, user_id, frozenset(wanted))
    return render(
        request,
        "_role_dialog.html",
        view=view,
        viewer=viewer,
        row=rows[0],
        roles=[t.policy.roles[r] for r in wanted],
        changes=changes,
    )


@router.post("/members/{user_id}/role")
def change_role(
    org_id: str, user_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    roles = [str(r) for r in form.getlist("role") if r]
    with t.db.reading() as s:
        before = t.authz.snapshot(user_id, org_id, s).roles
    try:
        with t.db.transaction() as s:
            members.change_roles(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                user_id=user_id,
                roles=roles,
            )
    except DomainError as exc:
        if not is_htmx(request):
            return refused(request, view, viewer, "members", exc)
        # the dialog closes, the row shows the member's role as it still is, and the page's
        # message area says why
        return _row_refused(request, t, viewer, org_id, user_id, exc)
    labels = ", ".join(t.policy.roles[r].label for r in roles)
    notice = f"Role changed to {labels}."
    if is_htmx(request):
        # Undo: back to the roles held before, offered when the viewer could give them
        assignable = {r.name for r in view.assignable_roles}
        undo = sorted(before) if before and before <= assignable and before != set(roles) else None
        return _row(request, t, viewer, org_id, user_id, notice, undo)
    return done(view, "members", notice)


def _row_refused(
    request: Request, t: App, viewer: SignedIn, org_id: str, user_id: str, exc: DomainError
) -> Response:
    view = org_view(t, viewer, org_id)
    with t.db.reading() as s:
        rows = view.member_rows(s, only=user_id)
    return render(
        request,
        "_role_refused.html",
        STATUS[exc.kind],
        headers={"HX-Reswap": "none"},
        view=view,
        viewer=viewer,
        row=rows[0] if rows else None,
        error=exc.message,
    )


@router.post("/members/{user_id}/permissions")
def set_permissions(
    org_id: str, user_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    wanted = {str(p) for p in form.getlist("permission")}
    try:
        with t.db.transaction() as s:
            members.set_permissions(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                user_id=user_id,
                permissions=sorted(wanted),
            )
    except DomainError as exc:
        return refused(request, view, viewer, "members", exc)
    if is_htmx(request):
        return _row(request, t, viewer, org_id, user_id, "Permissions saved.")
    return done(view, "members", "Permissions saved.")


def _remove(
    request: Request, t: App, viewer: SignedIn, org_id: str, user_ids: list[str]
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            members.remove_members(
                s, t.authz, actor=view.ctx.principal.actor, org_id=org_id, user_ids=user_ids
            )
    except DomainError as exc:
        return refused(request, view, viewer, "members", exc)
    notice = "Member removed." if len(user_ids) == 1 else f"{len(user_ids)} members removed."
    if is_htmx(request):
        # the row disappears; the notice goes to the message area
        return render(request, "_oob_message.html", notice=notice)
    return done(view, "members", notice)


@router.post("/members/{user_id}/remove")
def remove_member(
    org_id: str, user_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    return _remove(request, t, viewer, org_id, [user_id])


@router.post("/members/remove")
def remove_selected(
    org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    """Select several + Delete: all of them go, or none (the first refusal is shown)."""
    return _remove(request, t, viewer, org_id, [str(u) for u in form.getlist("user_id")])


@router.get("/members/{user_id}/access")
def access_page(org_id: str, user_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return _access_page(request, t, viewer, org_id, user_id)


def _access_page(
    request: Request,
    t: App,
    viewer: SignedIn,
    org_id: str,
    user_id: str,
    error: DomainError | None = None,
) -> Response:
    view = org_view(t, viewer, org_id)
    if not view.ctx.is_user(user_id):  # whether they are a member is the team list's to say
        view.ctx.demand(t, t.policy.view_permission)
    with t.db.reading() as s:
        rows = view.member_rows(s, only=user_id)
        if not rows:
            raise NotFound("No such member in this organization.")
        target = t.authz.snapshot(user_id, org_id, s)
        managed = {r.name for r in view.managed_types()}
        access = [view.access_of(target, r) for r in view.visible_resources(s) if r.type in managed]
    return render(
        request,
        # from the members table (htmx): a dialog over it; else the page
        "_access_dialog.html" if is_htmx(request) and error is None else "access.html",
        STATUS[error.kind] if error else 200,
        viewer=viewer,
        view=view,
        row=rows[0],
        access=access,
        error=error.message if error else None,
    )


@router.post("/members/{user_id}/access")
def save_access(
    org_id: str, user_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    """Only the rows that changed are sent to the service (each change is audited)."""
    view = org_view(t, viewer, org_id)
    with t.db.reading() as s:
        target = t.authz.snapshot(user_id, org_id, s)
        current = {
            r.id: view.access_of(target, r).role for r in resources.list_resources(s, org_id)
        }
    changes = []
    for key, value in form.multi_items():
        if key.startswith("resource:"):
            rid, role = key.removeprefix("resource:"), str(value) or None
            if rid in current and current[rid] != role:
                changes.append(resources.AccessChange(rid, role))
    try:
        with t.db.transaction() as s:
            resources.set_member_access(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                user_id=user_id,
                changes=changes,
            )
    except DomainError as exc:
        return _access_page(request, t, viewer, org_id, user_id, exc)
    return done(view, "members", "Access saved." if changes else "Nothing changed.")
