"""Resources inside an organization (workspaces, checkouts, business projects) and who may
reach them: explicit per-member roles, and hand-removed rows of the policy's derived roles."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.loader import resource_node
from tenantry.authz.service import Authorizer
from tenantry.engine.evaluate import manages, may_edit, resource_mask
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import Conflict, Invalid, NotFound, PermissionDenied
from tenantry.members import rules
from tenantry.members.errors import GrantExceedsOwnPermissions
from tenantry.members.models import Membership
from tenantry.policy.model import Policy, ResourceType
from tenantry.resources.access_rows import removable_derived, rows_after
from tenantry.resources.models import Resource, ResourceExclusion, ResourceGrant
from tenantry.resources.visibility import require_visible
from tenantry.text import display_name
from tenantry.writes import Actor, lock_org, record


class ResourceNameTaken(Conflict):
    code = "RESOURCE_NAME_TAKEN"


class NotAnOrgMember(NotFound):
    """Only existing organization members can be given access to a resource (Dystr); to
    anyone else the person looks absent (404), whoever they are."""

    code = "NOT_AN_ORG_MEMBER"


def _type(policy: Policy, rtype: str) -> ResourceType:
    spec = policy.resource_types.get(rtype)
    if spec is None:
        choices = ", ".join(policy.resource_types) or "none"
        raise Invalid(f"Unknown resource type {rtype!r}; this policy has {choices}.")
    return spec


def _require_managing(
    policy: Policy, actor: AccessSnapshot | None, resource: Resource, doing: str
) -> None:
    """The actor manages this resource's type *here* (not withdrawn from it by hand); the
    operator (``None``) manages everything."""
    if actor is None or manages(policy, actor, resource_node(resource)):
        return
    spec = policy.resource_types[resource.type]
    label = policy.permissions[spec.manage_permission].label
    raise PermissionDenied(
        f"{doing} needs the '{label}' permission, reaching this {spec.label}.",
        permission=spec.manage_permission,
    )


def _require_editing(policy: Policy, actor: AccessSnapshot | None, resource: Resource) -> None:
    """Renaming or editing settings: managing the type here, or the type's edit permission on
    this very resource."""
    if actor is None or may_edit(policy, actor, resource_node(resource)):
        return
    spec = policy.resource_types[resource.type]
    needs = f"'{policy.permissions[spec.manage_permission].label}'"
    if spec.edit_permission is not None:
        needs += f" or '{policy.permissions[spec.edit_permission].label}' on it"
    raise PermissionDenied(
        f"Changing a {spec.label} needs {needs}.", permission=spec.manage_permission
    )


def _name(name: str) -> str:
    return display_name(name, "A resource")


def get_resource(session: Session, org_id: str, resource_id: str) -> Resource:
    res = session.get(Resource, resource_id)
    if res is None or res.org_id != org_id:
        raise NotFound("No such resource in this organization.")
    return res


def resources_by_id(session: Session, org_id: str, ids: list[str]) -> list[Resource]:
    """The organization's resources among ``ids``, in one read (those gone since are not
    there)."""
    if not ids:
        return []
    query = select(Resource).where(Resource.org_id == org_id, Resource.id.in_(ids))
    return list(session.scalars(query))


def create_resource(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    rtype: str,
    name: str,
    visibility: str | None = None,
) -> Resource:
    """A new resource. Derived roles (owners are Admin on every checkout) reach it at once,
    with no row written per member."""
    policy = authz.policy
    spec = _type(policy, rtype)
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, spec.create_permission, f"Creating a {spec.label}")
    visibility = visibility or spec.default_visibility
    if visibility not in spec.visibilities:
        raise Invalid(
            f"A {spec.label} can be {' or '.join(spec.visibilities)}, not {visibility!r}."
        )
    resource = Resource(org_id=org_id, type=rtype, name=_name(name), visibility=visibility)
    session.add(resource)
    try:
        session.flush()
    except IntegrityError:
        raise ResourceNameTaken(f"A {spec.label} named {resource.name!r} already exists.") from None
    creator_grant: dict[str, str] | None = None
    if spec.creator_role is not None and actor.user_id is not None:
        membership = session.scalar(
            select(Membership).where(
                Membership.org_id == org_id, Membership.user_id == actor.user_id
            )
        )
        if membership is not None:  # the engine caps it by the creator's organization role
            session.add(
                ResourceGrant(
                    membership_id=membership.id, resource_id=resource.id, role=spec.creator_role
                )
            )
            creator_grant = {"user_id": actor.user_id, "role": spec.creator_role}
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="resource.created",
        target_type=rtype,
        target_id=resource.id,
        target=resource.name,
        after={
            "visibility": visibility,
            **({"creator_grant": creator_grant} if creator_grant else {}),
        },
    )
    return resource


def update_resource(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    resource_id: str,
    name: str | None = None,
    visibility: str | None = None,
) -> Resource:
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    resource = get_resource(session, org_id, resource_id)
    spec = _type(policy, resource.type)
    if name is not None:
        _require_editing(policy, actor_snap, resource)
    if visibility is not None:
        _require_managing(policy, actor_snap, resource, f"Changing a {spec.label}'s visibility")
    before, after = {}, {}
    if name is not None:
        before["name"], after["name"] = resource.name, _name(name)
        resource.name = after["name"]
    if visibility is not None:
        if visibility not in spec.visibilities:
            raise Invalid(
                f"A {spec.label} can be {' or '.join(spec.visibilities)}, not {visibility!r}."
            )
        before["visibility"], after["visibility"] = resource.visibility, visibility
        resource.visibility = visibility
    try:
        session.flush()
    except IntegrityError:
        raise ResourceNameTaken(f"A {spec.label} named {name!r} already exists.") from None
    if after:
        record(
            session,
            actor=actor,
            org_id=org_id,
            action="resource.updated",
            target_type=resource.type,
            target_id=resource.id,
            target=resource.name,
            before=before,
            after=after,
        )
    return resource


def delete_resource(
    session: Session, authz: Authorizer, *, actor: Actor, org_id: str, resource_id: str
) -> None:
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    resource = get_resource(session, org_id, resource_id)
    spec = _type(policy, resource.type)
    _require_managing(policy, actor_snap, resource, f"Deleting a {spec.label}")
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="resource.deleted",
        target_type=resource.type,
        target_id=resource.id,
        target=resource.name,
        before={"name": resource.name},
    )
    session.delete(resource)
    session.flush()


def list_resources(session: Session, org_id: str, rtype: str | None = None) -> list[Resource]:
    query = select(Resource).where(Resource.org_id == org_id)
    if rtype is not None:
        query = query.where(Resource.type == rtype)
    return list(session.scalars(query.order_by(Resource.type, Resource.name)))


@dataclass(frozen=True, slots=True)
class AccessChange:
    resource_id: str
    role: str | None  # None: remove the member's access to this resource


def set_member_access(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    user_id: str,
    changes: list[AccessChange],
) -> None:
    """Edit one member's access to several resources at once ("Edit Checkout Access").

    Giving a role writes an explicit grant (and lifts a hand-removal of that role). Removing
    access deletes the explicit grant and, where a removable rule derives a role, records
    the removal so it sticks until someone adds the role back."""
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    membership = session.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user_id)
    )
    user = session.get(User, user_id)
    if membership is None or user is None:
        raise NotAnOrgMember(
            "Only members of the organization can be given access to its resources."
        )
    target_snap = authz.snapshot(user_id, org_id, session)
    if actor.user_id != user_id:
        rules.check_can_manage(policy, actor_snap, target_snap, "change the access of")
    for change in changes:
        resource = get_resource(session, org_id, change.resource_id)
        spec = _type(policy, resource.type)
        if actor_snap is not None:  # an unseen resource answers as a random id, before a 403
            require_visible(policy, actor_snap, resource_node(resource))
        _require_managing(policy, actor_snap, resource, f"Editing {spec.label} access")
        node = resource_node(resource)
        before = policy.ids_of(resource_mask(policy, target_snap, node))
        if change.role is not None and change.role not in spec.roles:
            raise Invalid(
                f"Unknown {spec.label} role {change.role!r}; roles are {', '.join(spec.roles)}."
            )
        if change.role is not None and actor_snap is not None:
            # you can only give on a resource what you hold on it yourself
            held = resource_mask(policy, actor_snap, node)
            missing = policy.ids_of(spec.roles[change.role].mask & ~held)
            if missing:
                raise GrantExceedsOwnPermissions(
                    f"You can only give on this {spec.label} what you hold on it; you lack "
                    + ", ".join(sorted(policy.permissions[p].label for p in missing))
                    + ".",
                    permissions=sorted(missing),
                )
        roles = target_snap.roles
        grant, excluded = _apply(session, spec, membership, resource, change.role, roles)
        session.flush()
        target_snap = authz.snapshot(user_id, org_id, session)
        record(
            session,
            actor=actor,
            org_id=org_id,
            action="resource.access_changed",
            target_type=resource.type,
            target_id=resource.id,
            target=f"{user.email} on {resource.name}",
            before={"permissions": sorted(before)},
            after={
                "role": change.role,
                "permissions": sorted(policy.ids_of(resource_mask(policy, target_snap, node))),
                # the rows as kept, for the access history (audit.resource_history)
                "user_id": user_id,
                "grant": grant,
                "excluded": sorted(excluded),
            },
        )


def _apply(
    session: Session,
    spec: ResourceType,
    membership: Membership,
    resource: Resource,
    role: str | None,
    org_roles: frozenset[str],
) -> tuple[str | None, frozenset[str]]:
    """Write the member's rows on the resource after the change (``access_rows``); returns
    them, for the audit event."""
    where = (ResourceGrant.membership_id == membership.id, ResourceGrant.resource_id == resource.id)
    excl = (
        ResourceExclusion.membership_id == membership.id,
        ResourceExclusion.resource_id == resource.id,
    )
    before = frozenset(session.scalars(select(ResourceExclusion.role).where(*excl)))
    derived = removable_derived(spec, org_roles, resource.visibility)
    grant, excluded = rows_after(derived, role, before)
    session.execute(delete(ResourceGrant).where(*where))
    session.execute(delete(ResourceExclusion).where(*excl))
    if grant is not None:
        session.add(ResourceGrant(membership_id=membership.id, resource_id=resource.id, role=grant))
    session.add_all(
        ResourceExclusion(membership_id=membership.id, resource_id=resource.id, role=name)
        for name in sorted(excluded)
    )
    return grant, excluded
