"""Lookups: "which resources can U reach with P", "who holds P on this resource"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from tenantry import consistency
from tenantry.accounts.models import User
from tenantry.api import schemas
from tenantry.api.deps import App, OrgAccess, OrgContext
from tenantry.api.route import ApiRoute
from tenantry.authz.loader import resource_node
from tenantry.consistency import Consistency
from tenantry.errors import Invalid, PermissionDenied
from tenantry.resources.service import get_resource, resources_by_id
from tenantry.resources.visibility import require_visible

router = APIRouter(prefix="/v1/orgs/{org_id}", tags=["access"], route_class=ApiRoute)
MAX_SUBJECTS = 1000


def freshness(
    at_least: Annotated[
        str | None,
        Query(
            max_length=6000,
            pattern=consistency.PATTERN,
            description="A consistency token: answer from data at least as fresh as that write.",
        ),
    ] = None,
    fully_consistent: Annotated[
        bool, Query(description="Validate against the database now.")
    ] = False,
) -> Consistency:
    return Consistency.of(at_least, fully_consistent=fully_consistent)


Freshness = Annotated[Consistency, Depends(freshness)]


def _may_look_at_others(ctx: OrgContext, t: App, user_id: str, permission: str) -> None:
    """Anyone may ask about themselves; about others only who manages that resource type."""
    if ctx.principal.user is not None and ctx.principal.user.id == user_id:
        return
    perm = t.policy.permissions.get(permission)
    if perm is None or perm.scope not in t.policy.resource_types:
        raise Invalid(f"{permission!r} is not a resource permission of this policy.")
    manage = t.policy.resource_types[perm.scope].manage_permission
    if not ctx.holds(t, manage):
        raise PermissionDenied(
            f"Looking up someone else's access needs '{t.policy.permissions[manage].label}'."
        )


@router.get("/lookup/resources", summary="Which resources can this user reach with P")
def lookup_resources(
    ctx: OrgAccess,
    t: App,
    user_id: Annotated[str, Query(max_length=64)],
    permission: Annotated[str, Query(max_length=128)],
    fresh: Freshness,
) -> list[schemas.ResourceOut]:
    _may_look_at_others(ctx, t, user_id, permission)
    nodes = t.authz.lookup_resources(user_id, permission, ctx.org_id, consistency=fresh)
    with t.db.reading() as s:  # the rows in one read, in the engine's order (name, then id)
        found = {r.id: r for r in resources_by_id(s, ctx.org_id, [n.id for n in nodes])}
        return [schemas.ResourceOut.model_validate(found[n.id]) for n in nodes if n.id in found]


@router.get("/resources/{resource_id}/subjects", summary="Who holds P on this resource")
def lookup_subjects(
    resource_id: str,
    ctx: OrgAccess,
    t: App,
    permission: Annotated[str, Query(max_length=128)],
    fresh: Freshness,
    after: Annotated[
        str | None, Query(max_length=64, description="The last user id of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SUBJECTS)] = MAX_SUBJECTS,
) -> list[schemas.SubjectOut]:
    """Ordered by user id; a full page (``limit``) may have more after its last id. Read
    from the rows now (set-based: the cost grows with the answer, not the organization)."""
    with t.db.reading() as s:
        res = get_resource(s, ctx.org_id, resource_id)
    # a resource the caller cannot see is answered as a random id, before any 403
    require_visible(t.policy, ctx.snapshot, resource_node(res))
    manage = t.policy.resource_types[res.type].manage_permission
    if not ctx.holds(t, manage):
        raise PermissionDenied(f"This needs '{t.policy.permissions[manage].label}'.")
    ids = t.authz.lookup_subjects(
        permission, ctx.org_id, resource_id, consistency=fresh, after=after, limit=limit
    )
    with t.db.reading() as s:
        emails = {
            uid: email
            for uid, email in s.execute(select(User.id, User.email).where(User.id.in_(ids)))
        }
    # an account deleted between the two reads is gone from the answer, not a 500
    return [schemas.SubjectOut(user_id=uid, email=emails[uid]) for uid in ids if uid in emails]
