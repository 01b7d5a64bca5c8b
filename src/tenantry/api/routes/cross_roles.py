"""Roles granted on an organization to people who need not be its members (mounted only
when the policy has such a role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from tenantry.accounts.models import User
from tenantry.accounts.service import find_by_email
from tenantry.accounts.verification import require_verified
from tenantry.api import schemas
from tenantry.api.deps import App, OrgAccess, OrgContext, Tx, require
from tenantry.api.route import ApiRoute
from tenantry.errors import Invalid
from tenantry.members import cross_org
from tenantry.members.models import CrossOrgRole

router = APIRouter(prefix="/v1/orgs/{org_id}", tags=["access"], route_class=ApiRoute)
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
    require_verified(user, "roles are granted")
    row = cross_org.grant(
        s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, user_id=user.id, role=body.role
    )
    return _out(row, user)


@router.delete(
    "/cross-roles/{grant_id}", status_code=204, summary="Revoke a cross-organization role"
)
def revoke_cross_role(grant_id: str, ctx: OrgAccess, t: App, s: Tx) -> None:
    cross_org.revoke(s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, grant_id=grant_id)
