"""Member use-cases: add, change roles or permissions, remove (one or many), transfer ownership.

Every function runs inside the caller's transaction, takes the organization's write lock
first, checks the policy's rules against fresh snapshots, writes, and records one audit
event per change (which bumps the organization's revision).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.service import Authorizer
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import Invalid, NotFound, PermissionDenied
from tenantry.members import _rows, rules
from tenantry.members.errors import (
    AlreadyMember,
    CannotChangeOwnRole,
    CannotRemoveSelf,
    LastOwner,
    MemberNotFound,
    NotAMember,
    UniqueRoleTaken,
)
from tenantry.members.listing import MAX_PAGE as MAX_PAGE
from tenantry.members.listing import MemberPage as MemberPage
from tenantry.members.listing import MemberSort as MemberSort
from tenantry.members.listing import MemberView as MemberView
from tenantry.members.listing import all_members
from tenantry.members.listing import get_member as get_member
from tenantry.members.listing import holding_role as holding_role
from tenantry.members.listing import member_count as member_count
from tenantry.members.listing import member_filters as member_filters
from tenantry.members.listing import member_page as member_page
from tenantry.members.models import CrossOrgRole, MemberPermission, MemberRole, Membership
from tenantry.members.seats import require_free
from tenantry.orgs.models import Organization
from tenantry.policy.model import MembershipMode, Policy
from tenantry.writes import Actor, lock_org, record


def _target(
    session: Session, authz: Authorizer, org_id: str, user_id: str
) -> tuple[Membership, AccessSnapshot, User]:
    membership = session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    )
    user = session.get(User, user_id)
    if membership is None or user is None:
        raise MemberNotFound("No such member in this organization.", user_id=user_id)
    return membership, authz.snapshot(user_id, org_id, session), user


def _owners_after(
    session: Session,
    policy: Policy,
    org_id: str,
    changes: dict[str, tuple[set[str], set[str]] | None],
) -> int:
    """How many owners the org would have if each user id in ``changes`` got the given
    (roles, permissions), or left (None): one count over the owner role's (or permission's)
    index for everyone else, the changed members judged by what they would hold."""
    kind = session.get_one(Organization, org_id).kind
    owner_role = policy.owner_role_for(kind)
    others = Membership.user_id.not_in(list(changes)) if changes else true()
    if owner_role is not None:
        count = (
            select(func.count())
            .select_from(MemberRole)
            .join(Membership, Membership.id == MemberRole.membership_id)
            .where(MemberRole.org_id == org_id, MemberRole.role == owner_role, others)
        )
    else:
        count = (
            select(func.count())
            .select_from(MemberPermission)
            .join(Membership, Membership.id == MemberPermission.membership_id)
            .where(
                Membership.org_id == org_id,
                MemberPermission.permission == (policy.owner.permission or ""),
                others,
            )
        )
    unchanged = session.scalar(count) or 0
    return unchanged + sum(
        rules.is_owner(policy, kind, *change) for change in changes.values() if change is not None
    )


def _check_last_owner(
    session: Session,
    policy: Policy,
    org_id: str,
    changes: dict[str, tuple[set[str], set[str]] | None],
) -> None:
    if _owners_after(session, policy, org_id, changes) == 0:
        owner_role = policy.owner_role_for(session.get_one(Organization, org_id).kind)
        who = (
            policy.roles[owner_role].label
            if owner_role
            else (f"'{policy.permissions[policy.owner.permission or ''].label}' holder")
        )
        raise LastOwner(f"The organization must keep at least one {who}.")


def add_member(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    user_id: str,
    roles: Iterable[str] = (),
    permissions: Iterable[str] = (),
    holds_seat: bool = False,
    audit_as: Actor | None = None,
) -> Membership:
    """Add an existing account to the organization with the given roles / permissions.

    ``holds_seat``: the addition uses a seat already counted (an accepted invitation);
    ``audit_as``: who the audit trail names, when it is not the authority (the person
    accepting an invitation joins on the inviter's authority)."""
    policy = authz.policy
    org = lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, policy.invite_permission, "Adding members")
    roles, perms = rules.distinct_roles(roles), rules.check_permissions_known(policy, permissions)
    target_snap = authz.snapshot(user_id, org_id, session)
    rules.check_assignable(policy, actor_snap, roles, target_snap.org.kinds)
    rules.check_grant_within(policy, actor_snap, policy.mask_of(perms))
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if target_snap.is_member:
        raise AlreadyMember(f"{user.email} is already a member of this organization.")
    if not holds_seat:
        require_free(session, org)
    _check_unique_free(session, policy, org_id, roles)
    membership = _rows.insert_membership(
        session, policy, org_id=org_id, user_id=user_id, roles=roles, permissions=perms
    )
    record(
        session,
        actor=audit_as or actor,
        org_id=org_id,
        action="member.added",
        target_type="user",
        target_id=user_id,
        target=user.email,
        after={"roles": sorted(roles), "permissions": sorted(perms)},
    )
    return membership


def _check_unique_free(
    session: Session, policy: Policy, org_id: str, roles: set[str], except_user: str | None = None
) -> None:
    for name in roles:
        if policy.roles[name].unique:
            holder = session.scalar(
                select(Membership.user_id)
                .join(MemberRole, MemberRole.membership_id == Membership.id)
                .where(MemberRole.org_id == org_id, MemberRole.role == name)
            )
            if holder is not None and holder != except_user:
                raise UniqueRoleTaken(
                    f"There is exactly one {policy.roles[name].label} per organization."
                )


def change_roles(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    user_id: str,
    roles: Iterable[str],
) -> None:
    """Replace a member's organization role(s). Takes effect on the next check."""
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, policy.change_role_permission, "Changing a member's role")
    membership, target_snap, user = _target(session, authz, org_id, user_id)
    if actor.user_id == user_id and not policy.can_change_own_role:
        raise CannotChangeOwnRole("You cannot change your own role.")
    new_roles = rules.distinct_roles(roles)
    rules.check_can_change_roles(policy, actor_snap, target_snap, new_roles)
    if policy.membership is MembershipMode.ONE_ROLE and len(new_roles) != 1:
        raise Invalid("Give exactly one organization role.")
    if policy.membership is MembershipMode.MANY_ROLES and not new_roles:
        raise Invalid("Give at least one organization role.")
    added = new_roles - target_snap.roles
    # roles the member keeps need not be assignable (an owner keeps OWNER when given more);
    # the count rules apply to the new set above, not to what it adds (possibly nothing)
    if added:
        rules.check_assignable(
            policy, actor_snap, added, target_snap.org.kinds, keeping=new_roles - added
        )
    _check_unique_free(session, policy, org_id, added, except_user=user_id)
    _check_last_owner(session, policy, org_id, {user_id: (new_roles, set(target_snap.direct))})
    if new_roles == target_snap.roles:
        return
    _rows.set_roles(session, policy, membership, new_roles)
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="member.roles_changed",
        target_type="user",
        target_id=user_id,
        target=user.email,
        before={"roles": sorted(target_snap.roles)},
        after={"roles": sorted(new_roles)},
    )


def set_permissions(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    user_id: str,
    permissions: Iterable[str],
) -> None:
    """Replace a member's directly granted permissions (per-permission policies)."""
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, policy.grant_permission, "Changing a member's permissions")
    new = rules.check_permissions_known(policy, permissions)
    membership, target_snap, user = _target(session, authz, org_id, user_id)
    if actor.user_id == user_id and not policy.can_change_own_role:
        raise CannotChangeOwnRole("You cannot change your own permissions.")
    rules.check_can_manage(policy, actor_snap, target_snap, "change the permissions of")
    old = set(target_snap.direct)
    # "You can only grant permissions that you yourself have": what is added; taking one
    # away grants nothing
    rules.check_grant_within(policy, actor_snap, policy.mask_of(new - old))
    _check_last_owner(session, policy, org_id, {user_id: (set(target_snap.roles), new)})
    if new == old:
        return
    _rows.set_permissions(session, membership, new)
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="member.permissions_changed",
        target_type="user",
        target_id=user_id,
        target=user.email,
        before={"permissions": sorted(old)},
        after={"permissions": sorted(new)},
    )


def remove_members(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    user_ids: Sequence[str],
) -> None:
    """Remove one or many members, all or nothing. Removal revokes everything they held in
    the organization at once: roles, permissions, resource grants, cross-organization roles
    on it. API keys and webhooks belong to the organization and stay."""
    policy = authz.policy
    if not user_ids:
        raise Invalid("Name at least one member to remove.")
    if len(set(user_ids)) != len(user_ids):
        raise Invalid("A member is named twice.")
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, policy.remove_permission, "Removing members")
    targets = []
    for user_id in user_ids:
        if actor.user_id == user_id and not policy.can_remove_self:
            raise CannotRemoveSelf("You cannot remove yourself.")
        membership, snap, user = _target(session, authz, org_id, user_id)
        rules.check_can_manage(policy, actor_snap, snap, "remove")
        targets.append((membership, snap, user))
    _check_last_owner(session, policy, org_id, dict.fromkeys(user_ids))
    # two statements for any number of members; the cascades take their grants with them
    session.execute(
        delete(CrossOrgRole).where(
            CrossOrgRole.org_id == org_id, CrossOrgRole.user_id.in_(list(user_ids))
        )
    )
    session.execute(
        delete(Membership).where(Membership.id.in_([m.id for m, _, _ in targets])),
        execution_options={"synchronize_session": False},
    )
    for membership, _, _ in targets:
        session.expunge(membership)
    for _, snap, user in targets:
        record(
            session,
            actor=actor,
            org_id=org_id,
            action="member.removed",
            target_type="user",
            target_id=user.id,
            target=user.email,
            before={"roles": sorted(snap.roles), "permissions": sorted(snap.direct)},
        )


def transfer_ownership(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    to_user_id: str,
    previous_owner_role: str | None = None,
) -> None:
    """Hand the organization's ownership to another member.

    Role policies ("contact support"): the operator moves the owner role; the previous owner
    gets ``previous_owner_role`` (default: the highest-ranked assignable role; where several
    may own, they keep it unless a role is named). Per-permission
    policies (Distancer): the target is granted every permission, as the page describes;
    the previous owner keeps theirs until someone changes them."""
    policy = authz.policy
    org = lock_org(session, org_id)
    grant_all = policy.transfer_ownership == "grant-all"
    if not grant_all and not actor.is_operator:
        actor_snapshot(session, authz, actor, org_id)  # strangers get 404 first
        raise PermissionDenied(
            "Ownership is transferred by the operator (support: tenantry org transfer-ownership)."
        )
    try:
        membership, target_snap, user = _target(session, authz, org_id, to_user_id)
    except NotFound:
        raise NotAMember("The new owner must already be a member of the organization.") from None
    if grant_all:
        actor_snap = actor_snapshot(session, authz, actor, org_id)
        rules.require(policy, actor_snap, policy.grant_permission, "Transferring ownership")
        everything = {p.id for p in policy.org_permissions}
        rules.check_grant_within(policy, actor_snap, policy.mask_of(everything))
        _rows.set_permissions(session, membership, everything)
        after: dict[str, object] = {"permissions": sorted(everything)}
    else:
        owner_role = policy.owner_role_for(org.kind)
        if owner_role is None:
            raise Invalid(f"A {org.kind} organization has no owner role to transfer.")
        if owner_role in target_snap.roles:
            raise Invalid(f"{user.email} already holds {policy.roles[owner_role].label}.")
        fallback = previous_owner_role or next(
            (r.name for r in policy.roles.values() if r.assignable and r.name != owner_role), None
        )
        if (
            fallback is None
            or fallback not in policy.roles
            or not policy.roles[fallback].assignable
        ):
            raise Invalid(f"{fallback!r} cannot be given to the previous owner.")
        previous = session.scalars(
            select(Membership)
            .join(MemberRole, MemberRole.membership_id == Membership.id)
            .where(MemberRole.org_id == org_id, MemberRole.role == owner_role)
        ).all()
        single = policy.membership is MembershipMode.ONE_ROLE
        # a unique owner role moves; a shared one stays with its holders unless the
        # operator named what the previous owner(s) become
        became: dict[str, list[str]] = {}  # the previous owners' new roles (audit history)
        for old in previous:
            if policy.roles[owner_role].unique or previous_owner_role is not None:
                kept = set() if single else _rows.role_names(session, old.id) - {owner_role}
                _rows.set_roles(session, policy, old, kept | {fallback})
                became[old.user_id] = sorted(kept | {fallback})
        target_roles = {owner_role} if single else set(target_snap.roles) | {owner_role}
        _rows.set_roles(session, policy, membership, target_roles)
        after = {"roles": sorted(target_roles), "previous_owners": became}
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="org.ownership_transferred",
        target_type="user",
        target_id=to_user_id,
        target=user.email,
        after=after,
    )


def list_members(session: Session, org_id: str, *, role: str | None = None) -> list[MemberView]:
    """Every member ordered by email, optionally those holding ``role`` (small organizations
    and exports; pages: :func:`member_page`)."""
    return all_members(session, org_id, role=role)


def leave(session: Session, authz: Authorizer, *, actor: Actor, org_id: str) -> None:
    """The signed-in member leaves the organization of their own accord (whatever the
    policy says about removing oneself: leaving is not removing someone). The last holder
    of the owner role or permission cannot leave (LAST_OWNER). Everything they held there
    goes at once, as on removal; API keys and webhooks belong to the organization and stay.
    A caller who is not a member gets the answer of an organization that does not exist."""
    user_id = actor.user_id
    membership = session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    )
    if user_id is None or membership is None:
        raise NotFound("No such organization.")
    lock_org(session, org_id)
    membership, snap, user = _target(session, authz, org_id, user_id)
    _check_last_owner(session, authz.policy, org_id, {user_id: None})
    session.execute(
        delete(CrossOrgRole).where(CrossOrgRole.org_id == org_id, CrossOrgRole.user_id == user_id)
    )
    session.delete(membership)
    session.flush()
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="member.left",
        target_type="user",
        target_id=user.id,
        target=user.email,
        before={"roles": sorted(snap.roles), "permissions": sorted(snap.direct)},
    )
