"""Roles granted on an organization to people who need not be its members, and the lookups
"which resources can U reach" / "who holds P on this resource"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tenantry.accounts.models import User
from tenantry.accounts.service import find_by_email
from tenantry.api import schemas
from tenantry.api.deps import App, OrgAccess, OrgContext, Tx, require
from tenantry.errors import Invalid, PermissionDenied
from tenantry.members import cross_org
from tenantry.members.models import CrossOrgRole
from tenantry.resources.service import get_resource

router = APIRouter(prefix="/v1/orgs/{org_id}", tags=["access"])
Granter = Annotated[OrgContext, Depends(require(lambda t: t.policy.grant_permission))]


def _out(row: CrossOrgRole, user: User) -> schemas.CrossRoleOut:
    return schemas.CrossRoleOut(
        id=row.id,
        user_id=user.id,
        email=user.email,
        role=row.role,
        granted_by=row.granted_by,
        created_at=row.created_at,
    )


@router.get("/cross-roles", summary="Roles granted on this organization to non-members too")
def list_cross_roles(ctx: Granter, s: Tx) -> list[schemas.CrossRoleOut]:
    return [_out(row, user) for row, user in cross_org.on_org(s, ctx.org_id)]


@router.post("/cross-roles", status_code=201, summary="Grant a role on this organization")
def grant_cross_role(
    body: schemas.CrossRoleIn, ctx: OrgAccess, t: App, s: Tx
) -> schemas.CrossRoleOut:
    """E.g. the 360° Report Viewer on a perspective organization: to yourself or to someone
    else, if you hold the grant permission here (directly or from a parent organization)."""
    user = find_by_email(s, body.email)
    if user is None:
        raise Invalid("No account has this email address.")
    row = cross_org.grant(
        s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, user_id=user.id, role=body.role
    )
    return _out(row, user)


@router.delete(
    "/cross-roles/{grant_id}", status_code=204, summary="Revoke a cross-organization role"
)
def revoke_cross_role(grant_id: str, ctx: OrgAccess, t: App, s: Tx) -> None:
    cross_org.revoke(s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, grant_id=grant_id)


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
) -> list[schemas.ResourceOut]:
    _may_look_at_others(ctx, t, user_id, permission)
    nodes = t.authz.lookup_resources(user_id, permission, ctx.org_id)
    with t.db.reading() as s:
        return [
            schemas.ResourceOut.model_validate(get_resource(s, ctx.org_id, n.id)) for n in nodes
        ]


@router.get("/resources/{resource_id}/subjects", summary="Who holds P on this resource")
def lookup_subjects(
    resource_id: str,
    ctx: OrgAccess,
    t: App,
    permission: Annotated[str, Query(max_length=128)],
) -> list[schemas.SubjectOut]:
    with t.db.reading() as s:
        res = get_resource(s, ctx.org_id, resource_id)
    manage = t.policy.resource_types[res.type].manage_permission
    if not ctx.holds(t, manage):
        raise PermissionDenied(f"This needs '{t.policy.permissions[manage].label}'.")
    ids = t.authz.lookup_subjects(permission, ctx.org_id, resource_id)
    with t.db.reading() as s:
        users = [s.get_one(User, uid) for uid in ids]
    return [schemas.SubjectOut(user_id=u.id, email=u.email) for u in users]
