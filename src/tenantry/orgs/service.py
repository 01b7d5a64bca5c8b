"""Organizations: create, read, update, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.service import Authorizer
from tenantry.errors import Invalid, NotFound, PermissionDenied
from tenantry.members import rules
from tenantry.members._rows import insert_membership
from tenantry.members.models import CrossOrgRole, Membership
from tenantry.members.seats import seats_used
from tenantry.orgs.models import Organization
from tenantry.policy.model import MembershipMode, Policy
from tenantry.text import display_name
from tenantry.writes import Actor, lock_org, record


class OrgHasChildren(Invalid):
    code = "ORG_HAS_CHILDREN"


class CreatedByOperator(PermissionDenied):
    """The policy lets only the operator create this kind of organization on its own."""

    code = "CREATED_BY_OPERATOR"


def creator_grants(policy: Policy, kind: str) -> tuple[list[str], list[str]]:
    """(roles, permissions) that the creator of an organization of this kind receives."""
    if policy.membership is MembershipMode.PERMISSIONS:
        return [], sorted(p.id for p in policy.org_permissions)
    role = policy.creator_role_for(kind)
    assert role is not None
    return [role], []


def create_org(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    creator: User | None,
    name: str,
    kind: str | None = None,
    parent_id: str | None = None,
    seat_cap: int | None = None,
) -> Organization:
    """A new organization; its creator becomes its owner (or administrator with everything)."""
    policy = authz.policy
    name = display_name(name, "An organization")
    parent = None
    if parent_id is not None:
        parent = lock_org(session, parent_id)
        # strangers learn nothing about the parent, not even that their request was wrong
        parent_access = actor_snapshot(session, authz, actor, parent_id)
    kind = kind or policy.default_kind
    spec = policy.kinds.get(kind)
    if spec is None or spec.derived_from_resource:
        choices = ", ".join(k for k, v in policy.kinds.items() if not v.derived_from_resource)
        raise Invalid(f"Unknown organization kind {kind!r}; this policy has {choices}.")
    if parent is not None:
        if parent_access is not None and parent.kind in spec.parents:
            assert spec.create_permission is not None
            rules.require(policy, parent_access, spec.create_permission, f"Creating a {kind} here")
        if parent.kind not in spec.parents:
            raise Invalid(f"A {kind} organization cannot be placed under a {parent.kind}.")
    elif spec.parents and not actor.is_operator:
        raise Invalid(f"A {kind} organization must be created under a parent organization.")
    elif spec.top_level == "operator" and not actor.is_operator:
        raise CreatedByOperator(
            f"{spec.label} organizations are set up by the operator "
            f"(tenantry org create --kind {kind})."
        )
    if seat_cap is not None and seat_cap < 1:
        raise Invalid("A seat cap must be at least 1.")
    org = Organization(
        name=name,
        kind=kind,
        parent_id=parent_id,
        seat_cap=seat_cap if seat_cap is not None else policy.default_seat_cap,
        settings={},
        profile={},
    )
    session.add(org)
    session.flush()
    after: dict[str, Any] = {"name": name, "kind": kind, "parent_id": parent_id}
    if creator is not None:
        roles, permissions = creator_grants(policy, kind)
        insert_membership(
            session, policy, org_id=org.id, user_id=creator.id, roles=roles, permissions=permissions
        )
        after["owner"] = creator.email
        # what the creator was given, for the access history (audit.history)
        after |= {"owner_id": creator.id, "roles": roles, "permissions": permissions}
    record(
        session,
        actor=actor,
        org_id=org.id,
        action="org.created",
        target_type="organization",
        target_id=org.id,
        target=name,
        after=after,
    )
    return org


def get_org(session: Session, org_id: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound("No such organization.")
    return org


def orgs_of_user(session: Session, user_id: str) -> list[Organization]:
    return list(
        session.scalars(
            select(Organization)
            .join(Membership, Membership.org_id == Organization.id)
            .where(Membership.user_id == user_id)
            .order_by(Organization.name, Organization.id)
        )
    )


def member_count(session: Session, org_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Membership).where(Membership.org_id == org_id)
        )
        or 0
    )


def update_org(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    name: str | None = None,
    settings: dict[str, Any] | None = None,
    profile: dict[str, Any] | None = None,
    seat_cap: int | None = None,
) -> Organization:
    """Change the name or settings (the policy's settings permission), the public profile
    (its profile permission), or the seat cap (the operator: it is the plan)."""
    policy = authz.policy
    org = lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    if name is not None or settings is not None:
        rules.require(policy, actor_snap, policy.settings_permission, "Changing the settings")
    if profile is not None:
        rules.require(policy, actor_snap, policy.profile_permission, "Changing the public profile")
    if seat_cap is not None and actor_snap is not None:
        raise PermissionDenied("The seat cap is the plan's; the operator changes it.")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if name is not None:
        name = display_name(name, "An organization")
        before["name"], after["name"] = org.name, name
        org.name = name
    if settings is not None:
        before["settings"], after["settings"] = org.settings, settings
        org.settings = settings
    if profile is not None:
        before["profile"], after["profile"] = org.profile, profile
        org.profile = profile
    if seat_cap is not None:
        if seat_cap < seats_used(session, org_id):
            raise Invalid(
                "The seat cap cannot be below the seats taken (members and pending invitations)."
            )
        before["seat_cap"], after["seat_cap"] = org.seat_cap, seat_cap
        org.seat_cap = seat_cap
    if after:
        record(
            session,
            actor=actor,
            org_id=org_id,
            action="org.updated",
            target_type="organization",
            target_id=org_id,
            target=org.name,
            before=before,
            after=after,
        )
    return org


def delete_org(session: Session, authz: Authorizer, *, actor: Actor, org_id: str) -> None:
    """Delete the organization and everything in it; its audit trail stays."""
    org = lock_org(session, org_id)
    rules.require(
        authz.policy,
        actor_snapshot(session, authz, actor, org_id),
        authz.policy.delete_permission,
        "Deleting the organization",
    )
    if session.scalar(select(Organization.id).where(Organization.parent_id == org_id).limit(1)):
        raise OrgHasChildren("Delete or move this organization's child organizations first.")
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="org.deleted",
        target_type="organization",
        target_id=org_id,
        target=org.name,
        before={"name": org.name},
    )
    session.execute(delete(CrossOrgRole).where(CrossOrgRole.org_id == org_id))
    session.delete(org)
    session.flush()
