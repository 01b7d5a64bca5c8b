"""Who holds a permission: "who can do P here" and "who holds P on this resource", as sets.

The policy says which roles, rules and grants give a permission; that becomes SQL over the
organization's own rows, so the answer costs queries that grow with the answer, not with
the organization, and the same page walk as the member list (``members.listing``).

- A member holds an organization permission through a role that gives it, a direct grant,
  or a combination of roles held as a member: one predicate on :class:`Membership`.
- Everyone else who may hold it here, and members whose roles come partly from elsewhere,
  are the *outside reach*: holders of a cross-organization role on the organization and
  holders of a role that an ancestor's inherit rule passes down to it. They are few (an
  organization's grants from outside, its parents' administrators); their snapshots are
  read together (``loader.load_snapshots``) and judged by the engine itself.
- On a resource only members hold anything: an explicit grant that gives P (within the
  cap of their organization roles) or a derivation rule that reaches them (unless removed
  by hand on that resource).

``tests/authz/test_holders.py`` holds these equal to asking the engine about every
candidate, on random data of every preset.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from tenantry.authz.loader import load_snapshots, org_node
from tenantry.engine.evaluate import org_mask
from tenantry.engine.snapshot import ResourceNode
from tenantry.members.models import CrossOrgRole, MemberPermission, MemberRole, Membership
from tenantry.orgs.models import Organization
from tenantry.policy.model import Permission, Policy
from tenantry.resources.models import ResourceExclusion, ResourceGrant


def _holding_any(org_id: str, roles: Collection[str]) -> ColumnElement[bool]:
    """The membership holds one of ``roles`` as a member (the org-and-role index)."""
    if not roles:
        return false()
    return Membership.id.in_(
        select(MemberRole.membership_id).where(
            MemberRole.org_id == org_id, MemberRole.role.in_(sorted(roles))
        )
    )


def _holding_all(org_id: str, roles: Collection[str]) -> ColumnElement[bool]:
    return and_(*(_holding_any(org_id, [role]) for role in sorted(roles)))


def member_clause(policy: Policy, org_id: str, permission: Permission) -> ColumnElement[bool]:
    """Members of ``org_id`` whose own roles and grants there give the organization
    permission (the outside reach aside: :func:`outside_holders`)."""
    roles = [r.name for r in policy.roles.values() if r.mask & permission.mask]
    paths = [
        _holding_any(org_id, roles),
        exists().where(
            MemberPermission.membership_id == Membership.id,
            MemberPermission.permission == permission.id,
        ),
    ]
    paths += [
        _holding_all(org_id, combination.roles)
        for combination in policy.combinations
        if combination.mask & permission.mask
    ]
    return or_(*paths)


def outside_reach(session: Session, policy: Policy, org_id: str) -> list[str]:
    """Users whose access here does not come only from their own membership rows: they hold
    a role granted on this organization from outside, or a role on an ancestor that one of
    the policy's inherit rules passes down to this organization's kind."""
    users = set(session.scalars(select(CrossOrgRole.user_id).where(CrossOrgRole.org_id == org_id)))
    reach = max((rule.depth for rule in policy.inherit), default=0)
    org = session.get_one(Organization, org_id)
    kinds = org_node(session, policy, org).kinds
    parent_id = org.parent_id
    for distance in range(1, reach + 1):
        parent = session.get(Organization, parent_id) if parent_id is not None else None
        if parent is None:
            break
        parent_kinds = org_node(session, policy, parent).kinds
        from_roles = {
            role
            for rule in policy.inherit
            if rule.to_kind in kinds and rule.from_kind in parent_kinds and distance <= rule.depth
            for role in rule.from_roles
        }
        if from_roles:
            users.update(
                session.scalars(
                    select(Membership.user_id)
                    .join(MemberRole, MemberRole.membership_id == Membership.id)
                    .where(MemberRole.org_id == parent.id, MemberRole.role.in_(sorted(from_roles)))
                )
            )
            users.update(
                session.scalars(
                    select(CrossOrgRole.user_id).where(
                        CrossOrgRole.org_id == parent.id, CrossOrgRole.role.in_(sorted(from_roles))
                    )
                )
            )
        parent_id = parent.parent_id
    return sorted(users)


def outside_holders(
    session: Session, policy: Policy, org_id: str, permission: Permission
) -> list[str]:
    """Those of the outside reach who hold the organization permission here, by any path
    (judged by the engine on their snapshots, read together)."""
    reach = outside_reach(session, policy, org_id)
    snaps = load_snapshots(session, policy, reach, org_id) if reach else None
    if not snaps:
        return []
    return sorted(u for u, snap in snaps.items() if org_mask(policy, snap) & permission.mask)


def org_holders(
    session: Session, policy: Policy, org_id: str, permission: Permission
) -> ColumnElement[bool]:
    """Members of ``org_id`` who hold the organization permission by any path: a predicate
    on :class:`Membership` for the member list (``?permission=``)."""
    outside = outside_holders(session, policy, org_id, permission)
    clause = member_clause(policy, org_id, permission)
    return or_(clause, Membership.user_id.in_(outside)) if outside else clause


def org_subjects(
    session: Session,
    policy: Policy,
    org_id: str,
    permission: Permission,
    *,
    after: str | None = None,
    limit: int | None = None,
) -> list[str]:
    """User ids holding the organization permission in ``org_id``, members or not, ordered
    by id, after ``after``, at most ``limit``."""
    members = _user_ids(
        session, org_id, member_clause(policy, org_id, permission), after=after, limit=limit
    )
    outside = [
        u
        for u in outside_holders(session, policy, org_id, permission)
        if after is None or u > after
    ]
    merged = sorted(set(members) | set(outside))
    if limit is not None and len(members) == limit:
        merged = [u for u in merged if u <= members[-1]]  # past it the members are not all read
    return merged[:limit] if limit is not None else merged


def resource_clause(
    policy: Policy, resource: ResourceNode, permission: Permission
) -> ColumnElement[bool]:
    """Members holding the resource permission on ``resource``: an explicit grant that gives
    it within their organization roles' cap, or a derivation rule that reaches them and was
    not removed by hand there."""
    rtype = policy.resource_types[resource.type]
    org_id = resource.org_id
    giving = sorted(name for name, role in rtype.roles.items() if role.mask & permission.mask)
    paths = []
    if giving:
        granted: ColumnElement[bool] = exists().where(
            ResourceGrant.membership_id == Membership.id,
            ResourceGrant.resource_id == resource.id,
            ResourceGrant.role.in_(giving),
        )
        if rtype.caps:
            capped_by = [
                org_role
                for org_role, cap in rtype.caps.items()
                if rtype.roles[cap].mask & permission.mask
            ]
            granted = and_(granted, _holding_any(org_id, capped_by))
        paths.append(granted)
    for rule in rtype.rules:
        if rule.visibility not in (None, resource.visibility):
            continue
        if not rtype.roles[rule.grant].mask & permission.mask:
            continue
        reached = _holding_any(org_id, rule.org_roles)
        if rule.removable:
            reached = and_(
                reached,
                ~exists().where(
                    ResourceExclusion.membership_id == Membership.id,
                    ResourceExclusion.resource_id == resource.id,
                    ResourceExclusion.role == rule.grant,
                ),
            )
        paths.append(reached)
    return or_(*paths) if paths else false()


def resource_subjects(
    session: Session,
    policy: Policy,
    resource: ResourceNode,
    permission: Permission,
    *,
    after: str | None = None,
    limit: int | None = None,
) -> list[str]:
    """User ids holding the resource permission on ``resource`` (members only: nothing
    reaches a resource from outside the organization), ordered by id."""
    clause = resource_clause(policy, resource, permission)
    return _user_ids(session, resource.org_id, clause, after=after, limit=limit)


def _user_ids(
    session: Session,
    org_id: str,
    clause: ColumnElement[bool],
    *,
    after: str | None,
    limit: int | None,
) -> list[str]:
    """The user ids of the organization's memberships matching ``clause``, in id order (the
    (org_id, user_id) unique index), after ``after``, at most ``limit``."""
    query = select(Membership.user_id).where(Membership.org_id == org_id, clause)
    if after is not None:
        query = query.where(Membership.user_id > after)
    query = query.order_by(Membership.user_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
