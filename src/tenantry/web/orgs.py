"""My organizations, and a form to create another (you become its owner)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.api.deps import App
from tenantry.api.errors import STATUS
from tenantry.core import Tenantry
from tenantry.errors import DomainError
from tenantry.orgs import service as orgs
from tenantry.web._auth import CheckedForm, SignedIn, Viewer
from tenantry.web._render import redirect, render
from tenantry.web._route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _mine(t: Tenantry, s: Session, user_id: str) -> list[dict[str, object]]:
    out = []
    for org in orgs.orgs_of_user(s, user_id):
        snap = t.authz.snapshot(user_id, org.id, s)
        roles = [t.policy.roles[r].label for r in sorted(snap.roles) if r in t.policy.roles]
        out.append({"org": org, "roles": roles, "permissions": len(snap.direct)})
    return out


def _kinds(t: Tenantry) -> list[tuple[str, str]]:
    """Kinds a person can create on their own (not under a parent, not derived, not left to
    the operator)."""
    return [(k.name, k.label) for k in t.policy.kinds.values() if k.open_to_anyone]


def _made_elsewhere(t: Tenantry) -> list[str]:
    """How the organizations this page cannot create come about, from the policy."""
    out = []
    for k in t.policy.kinds.values():
        if k.derived_from_resource or k.open_to_anyone:
            continue
        if k.parents and k.create_permission:
            parents = " or ".join(t.policy.kinds[p].label for p in sorted(k.parents))
            needs = t.policy.permissions[k.create_permission].label
            out.append(
                f"{k.label} organizations are created under a {parents} by a member holding "
                f"'{needs}' there."
            )
        else:
            out.append(f"{k.label} organizations are set up by the operator.")
    return out


def _page(
    request: Request, t: Tenantry, viewer: Viewer, status_code: int = 200, error: str | None = None
) -> Response:
    with t.db.reading() as s:
        mine = _mine(t, s, viewer.user.id)
    return render(
        request,
        "orgs.html",
        status_code,
        viewer=viewer,
        mine=mine,
        kinds=_kinds(t),
        elsewhere=_made_elsewhere(t),
        kind_labels={name: kind.label for name, kind in t.policy.kinds.items()},
        error=error,
    )


@router.get("/orgs")
def my_orgs(request: Request, viewer: SignedIn, t: App) -> Response:
    return _page(request, t, viewer)


@router.post("/orgs")
def create(request: Request, form: CheckedForm, viewer: SignedIn, t: App) -> Response:
    try:
        with t.db.transaction() as s:
            org = orgs.create_org(
                s,
                t.authz,
                actor=viewer.principal.actor,
                creator=s.get_one(User, viewer.user.id),
                name=str(form.get("name", "")),
                kind=str(form.get("kind", "")) or None,
            )
            org_id, name = org.id, org.name
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], exc.message)
    return redirect(f"/orgs/{org_id}", f"{name} created; you are its owner.")
