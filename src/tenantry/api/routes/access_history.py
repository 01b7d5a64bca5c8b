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
from tenantry.audit.service import make_filter
from tenantry.errors import Invalid
from tenantry.orgs.service import get_org
from tenantry.policy import Policy

router = APIRouter(prefix="/v1/orgs/{org_id}/access", tags=["access history"], route_class=ApiRoute)


def grant_out(policy: Policy, grant: history.Grant) -> schemas.GrantOut:
    found = (policy.permissions if grant.kind == history.PERMISSION else policy.roles).get(
        grant.name
    )
    return schemas.GrantOut(
        kind=grant.kind,
        name=grant.name,
        label=found.label if found is not None else grant.name,
        since=grant.since,
        event_id=grant.event_id,
        granted_by=grant.granted_by,
        granted_by_id=grant.granted_by_id,
    )


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
        moment, found = history.access_of(s, policy, org, when, user)
        return schemas.UserAccessOut(
            at=when,
            as_of_event=moment.last_event_id,
            user_id=user,
            user=found.holder.label,
            member=found.holder.member,
            grants=[grant_out(policy, g) for g in found.holder.grants.values()],
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
    moment, holders = history.holders_of(s, policy, org, when, permission)
    return schemas.HoldersOut(
        at=when,
        as_of_event=moment.last_event_id,
        permission=permission,
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
