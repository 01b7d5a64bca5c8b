"""Members: list (filter by role or permission), read, change roles or permissions, remove."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from tenantry.api import schemas
from tenantry.api.deps import App, OrgAccess, OrgContext, OrgViewer, Tx
from tenantry.api.route import ApiRoute
from tenantry.errors import NotFound
from tenantry.members import service as members
from tenantry.members.errors import MemberNotFound, NotAMember

router = APIRouter(prefix="/v1/orgs/{org_id}/members", tags=["members"], route_class=ApiRoute)


def _out(view: members.MemberView) -> schemas.MemberOut:
    return schemas.MemberOut(
        user_id=view.user_id,
        email=view.email,
        name=view.name,
        roles=list(view.roles),
        permissions=list(view.permissions),
        joined_at=view.joined_at,
        last_active_at=view.last_active_at,
    )


@router.get("", summary="Members, with their roles, permissions and last active time")
def list_members(
    ctx: OrgViewer,
    t: App,
    s: Tx,
    role: Annotated[str | None, Query(max_length=128)] = None,
    permission: Annotated[
        str | None,
        Query(
            max_length=128, description="Only members who hold this permission here, by any path"
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Only members whose email or name starts with this (any case)",
        ),
    ] = None,
    sort: Annotated[
        members.MemberSort, Query(description="email, name or joined (ties by user id)")
    ] = "email",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    cursor: Annotated[
        str | None,
        Query(max_length=2000, description="The next_cursor of the previous page, unchanged"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=members.MAX_PAGE)] = 100,
) -> schemas.MemberPage:
    """Needs the policy's view permission (every member's, on the presets; never a
    cross-organization role's alone). ``permission=P`` answers "who can do P here". Pages
    are read along an index: a page costs the same in an organization of any size."""
    where = members.member_filters(s, t.policy, ctx.org_id, role=role, permission=permission)
    page = members.member_page(
        s,
        ctx.org_id,
        where=where,
        search=q,
        sort=sort,
        descending=order == "desc",
        cursor=cursor,
        limit=limit,
    )
    return schemas.MemberPage(items=[_out(v) for v in page.items], next_cursor=page.next_cursor)


@router.get("/{user_id}", summary="One member")
def read_member(user_id: str, ctx: OrgAccess, t: App, s: Tx) -> schemas.MemberOut:
    """Yourself always; anyone else with the policy's view permission (as the list)."""
    if not ctx.is_user(user_id):
        ctx.demand(t, t.policy.view_permission)
    return _member(user_id, ctx, s)


def _member(user_id: str, ctx: OrgContext, s: Session) -> schemas.MemberOut:
    try:
        return _out(members.get_member(s, ctx.org_id, user_id))
    except MemberNotFound:
        raise NotFound("No such member in this organization.") from None


@router.patch("/{user_id}", summary="Change a member's roles or direct permissions")
def update_member(
    user_id: str, body: schemas.MemberUpdateIn, ctx: OrgAccess, t: App, s: Tx
) -> schemas.MemberOut:
    """Takes effect on the very next request. Refusals name the rule: you can only grant
    what you hold, the owner's role is permanent, admins cannot change admins... A body
    with neither field changes nothing."""
    actor = ctx.principal.actor
    if body.roles is not None:
        members.change_roles(
            s, t.authz, actor=actor, org_id=ctx.org_id, user_id=user_id, roles=body.roles
        )
    if body.permissions is not None:
        members.set_permissions(
            s,
            t.authz,
            actor=actor,
            org_id=ctx.org_id,
            user_id=user_id,
            permissions=body.permissions,
        )
    return _member(user_id, ctx, s)  # the changed member, as whoever may change them


@router.delete("/{user_id}", status_code=204, summary="Remove a member")
def remove_member(user_id: str, ctx: OrgAccess, t: App, s: Tx) -> None:
    """Removal revokes everything at once; API keys and webhooks stay with the organization."""
    members.remove_members(
        s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, user_ids=[user_id]
    )


@router.post("/remove", status_code=204, summary="Remove several members, all or nothing")
def remove_many(body: schemas.BulkRemoveIn, ctx: OrgAccess, t: App, s: Tx) -> None:
    try:
        members.remove_members(
            s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, user_ids=body.user_ids
        )
    except MemberNotFound as exc:  # an id in the body, not the path: the request is wrong
        who = exc.details.get("user_id")
        raise NotAMember(
            f"{who} is not a member of this organization; nobody was removed.", user_id=who
        ) from None
