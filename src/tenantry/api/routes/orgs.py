"""Organizations: create, list mine, read, update settings and profile, delete."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal, OrgAccess, OrgViewer, Tx
from tenantry.api.route import ApiRoute
from tenantry.authz.loader import org_node
from tenantry.engine.evaluate import org_mask
from tenantry.members import service as members
from tenantry.members.seats import seats_used
from tenantry.orgs import service as orgs
from tenantry.orgs.models import Organization
from tenantry.policy.model import Policy

router = APIRouter(prefix="/v1/orgs", tags=["organizations"], route_class=ApiRoute)


def _settings_readers(policy: Policy) -> int:
    """Whoever may read the settings, or edit them."""
    return policy.mask_of({policy.settings_view_permission, policy.settings_permission})


def org_out(
    s: Session, policy: Policy, org: Organization, ctx_roles: frozenset[str], mask: int
) -> schemas.OrgOut:
    return schemas.OrgOut(
        id=org.id,
        name=org.name,
        kind=org.kind,
        kinds=sorted(org_node(s, policy, org).kinds),
        parent_id=org.parent_id,
        seat_cap=org.seat_cap,
        seats_used=seats_used(s, org.id),
        settings=org.settings if mask & _settings_readers(policy) else None,
        profile=org.profile,
        revision=org.revision,
        created_at=org.created_at,
        my_roles=sorted(ctx_roles),
        my_permissions=sorted(policy.ids_of(mask)),
    )


@router.post("", status_code=201, summary="Create an organization (you become its owner)")
def create(body: schemas.OrgIn, principal: CurrentPrincipal, t: App, s: Tx) -> schemas.OrgOut:
    """Any signed-in user can create an organization of a kind that stands alone, unless the
    policy leaves that kind to the operator (the marketplace's distributors: 403
    CREATED_BY_OPERATOR). A child organization (a seller under a distributor) needs the
    permission the policy names on the parent."""
    user_id = principal.user_id
    creator = s.merge(principal.user) if principal.user else None
    org = orgs.create_org(
        s,
        t.authz,
        actor=principal.actor,
        creator=creator,
        name=body.name,
        kind=body.kind,
        parent_id=body.parent_id,
    )
    snap = t.authz.snapshot(user_id, org.id, s)
    return org_out(s, t.policy, org, snap.roles, org_mask(t.policy, snap))


@router.get("", summary="Organizations I belong to")
def list_mine(principal: CurrentPrincipal, s: Tx) -> list[schemas.MembershipSummary]:
    if principal.key is not None:
        org = orgs.get_org(s, principal.key.org_id)
        return [schemas.MembershipSummary(org_id=org.id, name=org.name, kind=org.kind)]
    return [
        schemas.MembershipSummary(org_id=o.id, name=o.name, kind=o.kind)
        for o in orgs.orgs_of_user(s, principal.user_id)
    ]


@router.get("/{org_id}", summary="An organization, with my roles and permissions in it")
def read(ctx: OrgViewer, t: App, s: Tx) -> schemas.OrgOut:
    """Needs the policy's view permission; the settings are shown to those who may read them
    (``view_settings``, or the settings permission). What you hold yourself, without the
    view permission: ``POST /v1/check`` about yourself."""
    return org_out(s, t.policy, orgs.get_org(s, ctx.org_id), ctx.snapshot.roles, ctx.mask)


@router.patch("/{org_id}", summary="Update name, settings or public profile")
def update(body: schemas.OrgUpdateIn, ctx: OrgAccess, t: App, s: Tx) -> schemas.OrgOut:
    """The name and settings need the policy's settings permission; the public profile its
    profile permission."""
    org = orgs.update_org(
        s,
        t.authz,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        name=body.name,
        settings=body.settings,
        profile=body.profile,
    )
    return org_out(s, t.policy, org, ctx.snapshot.roles, ctx.mask)


@router.delete("/{org_id}", status_code=204, summary="Delete the organization")
def delete(ctx: OrgAccess, t: App, s: Tx) -> None:
    orgs.delete_org(s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id)


@router.post(
    "/{org_id}/transfer-ownership", summary="Hand over ownership (per-permission policies)"
)
def transfer(body: schemas.TransferIn, ctx: OrgAccess, t: App, s: Tx) -> schemas.OrgOut:
    """Distancer: "grant the target member all permissions including Manage Organization".
    Role policies transfer through the operator (``tenantry org transfer-ownership``)."""
    members.transfer_ownership(
        s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, to_user_id=body.to_user_id
    )
    return org_out(s, t.policy, orgs.get_org(s, ctx.org_id), ctx.snapshot.roles, ctx.mask)
