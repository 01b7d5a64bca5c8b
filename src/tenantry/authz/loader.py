"""Read access snapshots from the database: a handful of indexed queries per organization,
for one user or many at once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import func, literal, select, union_all
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
    return OrgNode(
        org.id, org.name, frozenset(kinds), org.parent_id, org.revision, org.require_two_factor
    )


def resource_node(resource: Resource) -> ResourceNode:
    return ResourceNode(
        resource.id, resource.org_id, resource.type, resource.name, resource.visibility
    )


# bound parameters per IN list, well under SQLite's and PostgreSQL's limits
CHUNK = 2000


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i : i + CHUNK])


def _roles_on(
    session: Session, user_ids: Sequence[str], org_id: str
) -> tuple[dict[str, str], dict[str, set[str]], dict[str, set[str]]]:
    """For several users on one organization: (user -> membership id, user -> member roles,
    user -> cross-organization roles), in two queries per chunk of users."""
    memberships: dict[str, str] = {}
    roles: dict[str, set[str]] = {}
    cross: dict[str, set[str]] = {}
    for chunk in _chunks(user_ids):
        for uid, mid, role in session.execute(
            select(Membership.user_id, Membership.id, MemberRole.role)
            .outerjoin(MemberRole, MemberRole.membership_id == Membership.id)
            .where(Membership.org_id == org_id, Membership.user_id.in_(chunk))
        ):
            memberships[uid] = mid
            if role is not None:
                roles.setdefault(uid, set()).add(role)
        for uid, role in session.execute(
            select(CrossOrgRole.user_id, CrossOrgRole.role).where(
                CrossOrgRole.org_id == org_id, CrossOrgRole.user_id.in_(chunk)
            )
        ):
            cross.setdefault(uid, set()).add(role)
    return memberships, roles, cross


def _held_rows(session: Session, membership_ids: Sequence[str]) -> list[tuple[str, ...]]:
    """What the memberships carry, in one query per chunk: ("p", membership, permission, "")
    for direct permissions, ("g", membership, resource, role) for resource grants and
    ("x", membership, resource, role) for hand-removed rows."""
    rows: list[tuple[str, ...]] = []
    for chunk in _chunks(membership_ids):
        held = union_all(
            select(
                literal("p"),
                MemberPermission.membership_id,
                MemberPermission.permission,
                literal(""),
            ).where(MemberPermission.membership_id.in_(chunk)),
            select(
                literal("g"),
                ResourceGrant.membership_id,
                ResourceGrant.resource_id,
                ResourceGrant.role,
            ).where(ResourceGrant.membership_id.in_(chunk)),
            select(
                literal("x"),
                ResourceExclusion.membership_id,
                ResourceExclusion.resource_id,
                ResourceExclusion.role,
            ).where(ResourceExclusion.membership_id.in_(chunk)),
        )
        rows.extend(tuple(row) for row in session.execute(held))
    return rows


def load_snapshot(
    session: Session, policy: Policy, user_id: str, org_id: str
) -> AccessSnapshot | None:
    """Everything the engine needs for one user in one organization, or None if no such org."""
    snaps = load_snapshots(session, policy, [user_id], org_id)
    return None if snaps is None else snaps[user_id]


def load_snapshots(
    session: Session, policy: Policy, user_ids: Sequence[str], org_id: str
) -> dict[str, AccessSnapshot] | None:
    """The snapshots of several users in one organization (None if no such org), in a number
    of queries that depends on the policy's inheritance depth, not on how many users: the
    organization and its ancestors, then one query per table for all the users at once."""
    org = session.get(Organization, org_id, populate_existing=True)
    if org is None:
        return None
    users = list(dict.fromkeys(user_ids))
    node = org_node(session, policy, org)
    depends_on = {org.id: org.revision}
    memberships, roles, cross = _roles_on(session, users, org_id)
    of_membership = {mid: uid for uid, mid in memberships.items()}
    mids = list(of_membership)
    direct: dict[str, set[str]] = {}
    resource_roles: dict[str, dict[str, str]] = {}
    exclusions: dict[str, dict[str, set[str]]] = {}
    if mids:
        for what, mid, value, role in _held_rows(session, mids):
            uid = of_membership[mid]
            if what == "p":
                direct.setdefault(uid, set()).add(value)
            elif what == "g":
                resource_roles.setdefault(uid, {})[value] = role
            else:
                exclusions.setdefault(uid, {}).setdefault(value, set()).add(role)

    ancestors: dict[str, list[AncestorAccess]] = {}
    reach = max((rule.depth for rule in policy.inherit), default=0)
    parent_id = org.parent_id
    for distance in range(1, reach + 1):
        if parent_id is None:
            break
        parent = session.get(Organization, parent_id, populate_existing=True)
        if parent is None:
            break
        depends_on[parent.id] = parent.revision
        _, parent_roles, parent_cross = _roles_on(session, users, parent.id)
        holders = sorted(set(parent_roles) | set(parent_cross))
        if holders:
            parent_node = org_node(session, policy, parent)
            for uid in holders:
                held = frozenset(parent_roles.get(uid, set()) | parent_cross.get(uid, set()))
                ancestors.setdefault(uid, []).append(AncestorAccess(parent_node, distance, held))
        parent_id = parent.parent_id

    return {
        uid: AccessSnapshot(
            user_id=uid,
            org=node,
            is_member=uid in memberships,
            roles=frozenset(roles.get(uid, ())),
            direct=frozenset(direct.get(uid, ())),
            cross_roles=frozenset(cross.get(uid, ())),
            ancestors=tuple(ancestors.get(uid, ())),
            resource_roles=resource_roles.get(uid, {}),
            exclusions={rid: frozenset(r) for rid, r in exclusions.get(uid, {}).items()},
            depends_on=dict(depends_on),
        )
        for uid in users
    }


def current_revisions(session: Session | Connection, org_ids: list[str]) -> dict[str, int]:
    # one organization (nearly every check) by equality: an IN list is rendered afresh
    # for every execution, which costs more than the query on this path
    match = Organization.id == org_ids[0] if len(org_ids) == 1 else Organization.id.in_(org_ids)
    rows = session.execute(select(Organization.id, Organization.revision).where(match))
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
