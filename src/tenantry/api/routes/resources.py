"""Resources inside an organization and members' access to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from tenantry.api import schemas
from tenantry.api.deps import App, OrgAccess, OrgContext, Tx
from tenantry.api.route import ApiRoute
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.loader import resource_node
from tenantry.core import Tenantry
from tenantry.engine.evaluate import manages, resource_sources
from tenantry.errors import NotFound
from tenantry.resources import listing
from tenantry.resources import service as resources
from tenantry.resources.models import Resource
from tenantry.resources.visibility import can_see

router = APIRouter(prefix="/v1/orgs/{org_id}", tags=["resources"], route_class=ApiRoute)


@router.post("/resources", status_code=201, summary="Create a resource (workspace, checkout...)")
def create_resource(body: schemas.ResourceIn, ctx: OrgAccess, t: App, s: Tx) -> schemas.ResourceOut:
    """Creating a Business Project makes a Distancer organization a provider as well."""
    res = resources.create_resource(
        s,
        t.authz,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        rtype=body.type,
        name=body.name,
        visibility=body.visibility,
    )
    return schemas.ResourceOut.model_validate(res)


@router.get(
    "/resources", summary="Resources I can reach (or every one, with the manage permission)"
)
def list_resources(
    ctx: OrgAccess,
    t: App,
    s: Tx,
    type: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=2000, description="The next_cursor of the previous page, unchanged"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=listing.MAX_PAGE)] = 100,
) -> schemas.ResourcePage:
    """A resource is listed when the caller holds any permission on it, or holds its type's
    manage permission in the organization (admins see every workspace). By type, then name,
    a page at a time: a page reads about ``limit`` rows, whatever the organization holds."""
    snap = actor_snapshot(s, t.authz, ctx.principal.actor, ctx.org_id)
    assert snap is not None
    page = listing.resource_page(
        s, t.policy, snap, ctx.org_id, rtype=type, cursor=cursor, limit=limit
    )
    return schemas.ResourcePage(
        items=[schemas.ResourceOut.model_validate(res) for res in page.items],
        next_cursor=page.next_cursor,
    )


def _visible_resource(resource_id: str, ctx: OrgContext, t: Tenantry, s: Session) -> Resource:
    """The resource, if the caller can reach it or manages its type; 404 otherwise, so a
    member never learns that an invite-only workspace exists."""
    res = resources.get_resource(s, ctx.org_id, resource_id)
    snap = actor_snapshot(s, t.authz, ctx.principal.actor, ctx.org_id)
    assert snap is not None
    if not can_see(t.policy, snap, resource_node(res)):
        raise NotFound("No such resource in this organization.")
    return res


@router.get("/resources/{resource_id}", summary="One resource")
def read_resource(resource_id: str, ctx: OrgAccess, t: App, s: Tx) -> schemas.ResourceOut:
    return schemas.ResourceOut.model_validate(_visible_resource(resource_id, ctx, t, s))


@router.patch("/resources/{resource_id}", summary="Rename or change visibility")
def update_resource(
    resource_id: str, body: schemas.ResourceUpdateIn, ctx: OrgAccess, t: App, s: Tx
) -> schemas.ResourceOut:
    _visible_resource(resource_id, ctx, t, s)
    res = resources.update_resource(
        s,
        t.authz,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        resource_id=resource_id,
        name=body.name,
        visibility=body.visibility,
    )
    return schemas.ResourceOut.model_validate(res)


@router.delete("/resources/{resource_id}", status_code=204, summary="Delete a resource")
def delete_resource(resource_id: str, ctx: OrgAccess, t: App, s: Tx) -> None:
    _visible_resource(resource_id, ctx, t, s)
    resources.delete_resource(
        s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, resource_id=resource_id
    )


@router.get("/members/{user_id}/access", summary="A member's effective access to resources")
def member_access(user_id: str, ctx: OrgAccess, t: App, s: Tx) -> list[schemas.ResourceAccessOut]:
    """Each resource with the permissions the member holds on it and why (org role -> rule ->
    resource role). You see your own access; someone else's only on the resource types you
    manage — and never a resource you could not open yourself. Whether someone else is a
    member at all is the member list's to say: that needs the policy's view permission."""
    if not ctx.is_user(user_id):
        ctx.demand(t, t.policy.view_permission)
    return _access_of(user_id, ctx, t, s)


def _access_of(
    user_id: str, ctx: OrgContext, t: Tenantry, s: Session
) -> list[schemas.ResourceAccessOut]:
    snap = t.authz.snapshot(user_id, ctx.org_id, s)
    if not snap.is_member:
        raise NotFound("No such member in this organization.")
    myself = ctx.is_user(user_id)
    out = []
    for res in resources.list_resources(s, ctx.org_id):
        node = resource_node(res)
        if not (
            manages(t.policy, ctx.snapshot, node)
            or (myself and can_see(t.policy, ctx.snapshot, node))
        ):
            continue
        sources = [src for src in resource_sources(t.policy, snap, node) if src.mask]
        mask = 0
        for src in sources:
            mask |= src.mask
        out.append(
            schemas.ResourceAccessOut(
                resource_id=res.id,
                resource_type=res.type,
                resource_name=res.name,
                permissions=sorted(t.policy.ids_of(mask)),
                explanation=[src.reason for src in sources],
            )
        )
    return out


@router.put("/members/{user_id}/access", summary="Edit a member's access to resources")
def set_member_access(
    user_id: str, body: schemas.AccessIn, ctx: OrgAccess, t: App, s: Tx
) -> list[schemas.ResourceAccessOut]:
    """Give a role per resource, or ``null`` to remove access: a derived row (owners are Admin
    on every checkout) removed this way stays removed until someone adds it back."""
    resources.set_member_access(
        s,
        t.authz,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        user_id=user_id,
        changes=[resources.AccessChange(rid, role) for rid, role in body.changes.items()],
    )
    return _access_of(user_id, ctx, t, s)  # as whoever may edit it sees it
