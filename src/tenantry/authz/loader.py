"""Read access snapshots from the database: a handful of indexed queries per (user, org)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from tenantry.engine.snapshot import AccessSnapshot, AncestorAccess, OrgNode, ResourceNode
from tenantry.members.models import CrossOrgRole, MemberPermission, MemberRole, Membership
from tenantry.orgs.models import Organization
from tenantry.policy.model import Policy
from tenantry.resources.models import Resource, ResourceExclusion, ResourceGrant


def org_node(session: Session, policy: Policy, org: Organization) -> OrgNode:
    kinds = {org.kind}
    derived = {
        k.derived_from_resource: k.name for k in policy.kinds.values() if k.derived_from_resource
    }
    if derived:
        present = session.scalars(
            select(Resource.type)
            .where(Resource.org_id == org.id, Resource.type.in_(list(derived)))
            .group_by(Resource.type)
        )
        kinds.update(derived[t] for t in present)
    return OrgNode(org.id, org.name, frozenset(kinds), org.parent_id, org.revision)


def resource_node(resource: Resource) -> ResourceNode:
    return ResourceNode(
        resource.id, resource.org_id, resource.type, resource.name, resource.visibility
    )


def _roles_on(
    session: Session, user_id: str, org_id: str
) -> tuple[str | None, frozenset[str], frozenset[str]]:
    """(membership id, member roles, cross-organization roles) of a user on one organization."""
    membership_id = session.scalar(
        select(Membership.id).where(Membership.org_id == org_id, Membership.user_id == user_id)
    )
    roles: frozenset[str] = frozenset()
    if membership_id is not None:
        roles = frozenset(
            session.scalars(
                select(MemberRole.role).where(MemberRole.membership_id == membership_id)
            )
        )
    cross = frozenset(
        session.scalars(
            select(CrossOrgRole.role).where(
                CrossOrgRole.org_id == org_id, CrossOrgRole.user_id == user_id
            )
        )
    )
    return membership_id, roles, cross


def load_snapshot(
    session: Session, policy: Policy, user_id: str, org_id: str
) -> AccessSnapshot | None:
    """Everything the engine needs for one user in one organization, or None if no such org."""
    org = session.get(Organization, org_id, populate_existing=True)
    if org is None:
        return None
    node = org_node(session, policy, org)
    depends_on = {org.id: org.revision}
    membership_id, roles, cross = _roles_on(session, user_id, org_id)

    direct: frozenset[str] = frozenset()
    resource_roles: dict[str, str] = {}
    exclusions: dict[str, frozenset[str]] = {}
    if membership_id is not None:
        direct = frozenset(
            session.scalars(
                select(MemberPermission.permission).where(
                    MemberPermission.membership_id == membership_id
                )
            )
        )
        resource_roles = {
            rid: role
            for rid, role in session.execute(
                select(ResourceGrant.resource_id, ResourceGrant.role).where(
                    ResourceGrant.membership_id == membership_id
                )
            )
        }
        pairs: dict[str, set[str]] = {}
        for rid, role in session.execute(
            select(ResourceExclusion.resource_id, ResourceExclusion.role).where(
                ResourceExclusion.membership_id == membership_id
            )
        ):
            pairs.setdefault(rid, set()).add(role)
        exclusions = {rid: frozenset(r) for rid, r in pairs.items()}

    ancestors = []
    reach = max((rule.depth for rule in policy.inherit), default=0)
    parent_id = org.parent_id
    for distance in range(1, reach + 1):
        if parent_id is None:
            break
        parent = session.get(Organization, parent_id, populate_existing=True)
        if parent is None:
            break
        depends_on[parent.id] = parent.revision
        _, parent_roles, parent_cross = _roles_on(session, user_id, parent.id)
        if parent_roles or parent_cross:
            ancestors.append(
                AncestorAccess(
                    org_node(session, policy, parent), distance, parent_roles | parent_cross
                )
            )
        parent_id = parent.parent_id

    return AccessSnapshot(
        user_id=user_id,
        org=node,
        is_member=membership_id is not None,
        roles=roles,
        direct=direct,
        cross_roles=cross,
        ancestors=tuple(ancestors),
        resource_roles=resource_roles,
        exclusions=exclusions,
        depends_on=depends_on,
    )


def current_revisions(session: Session | Connection, org_ids: list[str]) -> dict[str, int]:
    rows = session.execute(
        select(Organization.id, Organization.revision).where(Organization.id.in_(org_ids))
    )
    return {oid: rev for oid, rev in rows}


def count_resources(session: Session, org_id: str, rtype: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Resource)
            .where(Resource.org_id == org_id, Resource.type == rtype)
        )
        or 0
    )
