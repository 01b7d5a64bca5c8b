"""``GET /v1/orgs/{org}/access?at=T&user=U`` (what U could do at T) or ``&permission=P``
(who could do P at T): each answer names the grant, who made it and the audit event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tenantry.api import history_schemas as schemas
from tenantry.api.deps import App, Tx
from tenantry.api.params import Instant
from tenantry.api.route import ApiRoute
from tenantry.api.routes.audit import Auditor
from tenantry.audit import history
from tenantry.audit.grants import RESOURCE_ROLE
from tenantry.audit.service import make_filter
from tenantry.errors import Invalid
from tenantry.orgs.service import get_org
from tenantry.policy import Policy

router = APIRouter(prefix="/v1/orgs/{org_id}/access", tags=["access history"], route_class=ApiRoute)


def _label(policy: Policy, grant: history.Grant) -> str:
    if grant.kind == history.PERMISSION:
        permission = policy.permissions.get(grant.name)
        return permission.label if permission is not None else grant.name
    if grant.kind == RESOURCE_ROLE:
        types = policy.resource_types.values()
        labels = [t.roles[grant.name].label for t in types if grant.name in t.roles]
        return labels[0] if labels else grant.name
    role = policy.roles.get(grant.name)
    return role.label if role is not None else grant.name


def grant_out(policy: Policy, grant: history.Grant) -> schemas.GrantOut:
    return schemas.GrantOut(
        kind=grant.kind,
        name=grant.name,
        label=_label(policy, grant),
        since=grant.since,
        event_id=grant.event_id,
        granted_by=grant.granted_by,
        granted_by_id=grant.granted_by_id,
        resource_id=grant.resource_id,
        org_id=grant.org_id,
    )


def _held(
    moment: history.Moment, holder: history.Holder, resource: str | None
) -> list[history.Grant]:
    """The holder's grants there: in the organization (and inherited into it), and their
    role on the resource asked about."""
    grants = [*holder.grants.values(), *moment.inherited.get(holder.user_id, ())]
    own = holder.resource_roles.get(resource) if resource else None
    return [*grants, own] if own is not None else grants


@router.get(
    "",
    summary="Access at an instant: what a user could do, or who could do a permission",
    response_model=schemas.UserAccessOut | schemas.HoldersOut,
)
def access_at(
    ctx: Auditor,
    t: App,
    s: Tx,
    at: Annotated[Instant, Query(description="The instant (ISO 8601; no zone means UTC).")],
    user: Annotated[str | None, Query(max_length=64, description="A user id.")] = None,
    permission: Annotated[str | None, Query(max_length=128)] = None,
    resource: Annotated[
        str | None,
        Query(max_length=64, description="A resource id: access on it instead of the org."),
    ] = None,
) -> schemas.UserAccessOut | schemas.HoldersOut:
    """Organization roles, direct permissions and cross-organization roles as they stood at
    ``at``, replayed from the audit trail, each with the event that granted it and who made
    it; the permissions they gave are evaluated with the policy in force now."""
    if (user is None) == (permission is None):
        raise Invalid("Ask about one user (user=) or one permission (permission=).", field="user")
    when = make_filter(since=at).since
    assert when is not None
    policy, org = t.policy, get_org(s, ctx.org_id)
    if user is not None:
        moment, found = history.access_of(s, policy, org, when, user, resource)
        return schemas.UserAccessOut(
            at=when,
            as_of_event=moment.last_event_id,
            user_id=user,
            user=found.holder.label,
            member=found.holder.member,
            resource_id=resource,
            grants=[grant_out(policy, g) for g in _held(moment, found.holder, resource)],
            permissions=[
                schemas.PermittedOut(
                    permission=p.permission,
                    label=policy.permissions[p.permission].label,
                    reasons=list(p.reasons),
                    grants=[grant_out(policy, g) for g in p.grants],
                )
                for p in found.permissions
            ],
        )
    assert permission is not None
    moment, holders = history.holders_of(s, policy, org, when, permission, resource)
    return schemas.HoldersOut(
        at=when,
        as_of_event=moment.last_event_id,
        permission=permission,
        resource_id=resource,
        holders=[
            schemas.HolderOut(
                user_id=h.user_id,
                user=h.label,
                member=h.member,
                reasons=list(p.reasons),
                grants=[grant_out(policy, g) for g in p.grants],
            )
            for h, p in holders
        ],
    )
