"""The member rules, stated once over access snapshots and the policy.

Each function either returns or raises the error named after the rule. They read no
database; the service gathers the snapshots inside its transaction and calls them.
"""

from __future__ import annotations

from collections.abc import Iterable

from tenantry.engine.evaluate import authority, org_mask
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import Invalid, PermissionDenied
from tenantry.members.errors import (
    CannotManageMember,
    CannotRemoveOwner,
    GrantExceedsOwnPermissions,
    RoleNotAssignable,
)
from tenantry.policy.model import MembershipMode, Policy


def require(policy: Policy, actor: AccessSnapshot | None, permission: str, doing: str) -> None:
    """The actor holds the permission (``None`` is the operator, who holds everything)."""
    if actor is None:
        return
    if not org_mask(policy, actor) & policy.permissions[permission].mask:
        label = policy.permissions[permission].label
        raise PermissionDenied(f"{doing} needs the '{label}' permission.", permission=permission)


def owner_roles(policy: Policy, kinds: Iterable[str]) -> set[str]:
    """The role(s) that make a member an owner in an organization of these kinds."""
    return {r for r in (policy.owner_role_for(k) for k in kinds) if r is not None}


def is_owner(policy: Policy, kind: str, roles: Iterable[str], permissions: Iterable[str]) -> bool:
    owner_role = policy.owner_role_for(kind)
    if owner_role is not None:
        return owner_role in set(roles)
    return policy.owner.permission in set(permissions)


def check_can_manage(
    policy: Policy, actor: AccessSnapshot | None, target: AccessSnapshot, doing: str
) -> None:
    """The actor's roles manage every role the target holds. Per-permission policies set no
    limit on whom (Distancer: "Administrators can remove members from the organization at any
    time"); their one limit is on what is granted (:func:`check_grant_within`)."""
    if actor is None or policy.membership is MembershipMode.PERMISSIONS:
        return
    managed, _ = authority(policy, actor)
    _refuse_unmanaged(policy, actor, target, target.roles - managed, f"{doing} a member who holds")


def check_can_change_roles(
    policy: Policy, actor: AccessSnapshot | None, target: AccessSnapshot, new_roles: Iterable[str]
) -> None:
    """The roles taken away are roles the actor manages. Roles the member keeps need no
    authority over them, so a Distributor admin adds Distributor ReadOnly to another
    Distributor admin, whom they can neither remove nor strip of Distributor admin; the
    roles added are checked by :func:`check_assignable`."""
    if actor is None:
        return
    managed, _ = authority(policy, actor)
    taken = (target.roles - set(new_roles)) - managed
    if policy.membership is MembershipMode.ONE_ROLE:
        _refuse_unmanaged(policy, actor, target, taken, "change the role of a member who holds")
    else:
        _refuse_unmanaged(policy, actor, target, taken, "take away", " from a member")


def _refuse_unmanaged(
    policy: Policy,
    actor: AccessSnapshot,
    target: AccessSnapshot,
    roles: Iterable[str],
    doing: str,
    after: str = "",
) -> None:
    unmanaged = sorted(roles)
    if not unmanaged:
        return
    labels = ", ".join(policy.roles[r].label for r in unmanaged)
    actor_labels = ", ".join(sorted(policy.roles[r].label for r in actor.roles)) or "no role"
    error = (
        CannotRemoveOwner
        if owner_roles(policy, target.org.kinds) & set(unmanaged)
        else CannotManageMember
    )
    raise error(f"{actor_labels} cannot {doing} {labels}{after}.", roles=unmanaged)


def check_assignable(
    policy: Policy,
    actor: AccessSnapshot | None,
    roles: Iterable[str],
    kind_names: frozenset[str],
    *,
    keeping: Iterable[str] = (),
) -> None:
    """Each role exists for this kind of organization, may be given, is managed by the actor,
    and gives nothing the actor does not hold (with ``keeping``, the roles the member keeps:
    what the new roles complete with them counts as given too)."""
    roles = set(roles)
    if policy.membership is MembershipMode.ONE_ROLE and len(roles) != 1:
        raise Invalid("Give exactly one organization role.")
    if policy.membership is MembershipMode.MANY_ROLES and not roles:
        raise Invalid("Give at least one organization role.")
    if policy.membership is MembershipMode.PERMISSIONS and roles:
        raise Invalid(f"Policy {policy.name} grants permissions one by one, not roles.")
    for name in sorted(roles):
        role = policy.roles.get(name)
        if role is None or (role.kinds and not role.kinds & kind_names):
            choices = ", ".join(
                r.name for r in policy.roles.values() if not r.kinds or r.kinds & kind_names
            )
            raise Invalid(f"Unknown role {name!r}; this organization has {choices}.", role=name)
        if not role.assignable:
            raise RoleNotAssignable(
                f"Nobody can be given {role.label} by invitation or promotion.", role=name
            )
    if actor is None:
        return
    _, assignable = authority(policy, actor)
    for name in sorted(roles):
        if name not in assignable and policy.membership is not MembershipMode.PERMISSIONS:
            raise CannotManageMember(
                f"You cannot give the role {policy.roles[name].label}.", role=name
            )
    if policy.grant_only_held:
        kept = set(keeping)
        given = _role_permissions(policy, roles) | (
            policy.combined_permissions(roles | kept) - policy.combined_permissions(kept)
        )
        check_grant_within(policy, actor, policy.mask_of(given))


def _role_permissions(policy: Policy, roles: set[str]) -> set[str]:
    """The roles' permissions, and what they give held together."""
    perms: set[str] = set(policy.combined_permissions(roles))
    for name in roles:
        perms |= policy.roles[name].permissions
    return perms


def check_grant_within(policy: Policy, actor: AccessSnapshot | None, mask: int) -> None:
    """You can only grant permissions you hold yourself."""
    if actor is None:
        return
    missing = policy.ids_of(mask & ~org_mask(policy, actor))
    if missing:
        labels = ", ".join(sorted(policy.permissions[p].label for p in missing))
        raise GrantExceedsOwnPermissions(
            f"You can only grant permissions you hold yourself; you lack {labels}.",
            permissions=sorted(missing),
        )


def distinct_roles(roles: Iterable[str]) -> set[str]:
    """The roles asked for, refusing a list that names one twice (it would be counted once)."""
    named = list(roles)
    if len(named) != len(set(named)):
        raise Invalid("A role is named twice.")
    return set(named)


def check_permissions_known(policy: Policy, permissions: Iterable[str]) -> set[str]:
    named = list(permissions)
    perms = set(named)
    if len(named) != len(perms):
        raise Invalid("A permission is named twice.")
    if policy.membership is not MembershipMode.PERMISSIONS and perms:
        raise Invalid(f"Policy {policy.name} grants roles, not individual permissions.")
    for pid in sorted(perms):
        perm = policy.permissions.get(pid)
        if perm is None or perm.scope != "organization":
            raise Invalid(f"Unknown organization permission {pid!r}.", permission=pid)
    return perms
