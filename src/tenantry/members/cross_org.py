"""Roles granted on an organization to someone who need not be its member (the marketplace's
360° Report Viewer on "perspective organizations")."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.service import Authorizer
from tenantry.errors import Invalid, NotFound
from tenantry.members import rules
from tenantry.members.models import CrossOrgRole
from tenantry.writes import Actor, lock_org, record


def grant(
    session: Session, authz: Authorizer, *, actor: Actor, org_id: str, user_id: str, role: str
) -> CrossOrgRole:
    """Give ``role`` on this organization to a user (possibly the actor). The actor needs the
    policy's grant permission here, reached by membership or through a parent organization,
    and must hold everything the role gives."""
    policy = authz.policy
    org = lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    spec = policy.roles.get(role)
    if spec is None or not spec.cross_org:
        choices = ", ".join(r.name for r in policy.roles.values() if r.cross_org) or "none"
        raise Invalid(
            f"{role!r} cannot be granted across organizations; those roles are {choices}."
        )
    if spec.kinds and not spec.kinds & authz.snapshot("-", org_id, session).org.kinds:
        raise Invalid(f"{spec.label} does not exist on a {org.kind} organization.")
    rules.require(policy, actor_snap, policy.grant_permission, f"Granting {spec.label}")
    rules.check_grant_within(policy, actor_snap, spec.mask)
    user = session.get(User, user_id)
    if user is None:
        raise Invalid("No such user.")
    existing = session.scalar(
        select(CrossOrgRole).where(
            CrossOrgRole.org_id == org_id,
            CrossOrgRole.user_id == user_id,
            CrossOrgRole.role == role,
        )
    )
    if existing is not None:
        return existing
    row = CrossOrgRole(org_id=org_id, user_id=user_id, role=role, granted_by=actor.user_id)
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="cross_role.granted",
        target_type="user",
        target_id=user_id,
        target=user.email,
        after={"role": role},
    )
    return row


def revoke(
    session: Session, authz: Authorizer, *, actor: Actor, org_id: str, grant_id: str
) -> None:
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, policy.grant_permission, "Revoking cross-organization roles")
    row = session.get(CrossOrgRole, grant_id)
    if row is None or row.org_id != org_id:
        raise NotFound("No such grant on this organization.")
    user = session.get(User, row.user_id)
    session.delete(row)
    session.flush()
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="cross_role.revoked",
        target_type="user",
        target_id=row.user_id,
        target=user.email if user else None,
        before={"role": row.role},
    )


def on_org(session: Session, org_id: str) -> list[tuple[CrossOrgRole, User]]:
    rows = session.execute(
        select(CrossOrgRole, User)
        .join(User, User.id == CrossOrgRole.user_id)
        .where(CrossOrgRole.org_id == org_id)
        .order_by(User.email, CrossOrgRole.role)
    )
    return [(g, u) for g, u in rows]


def of_user(session: Session, user_id: str) -> list[CrossOrgRole]:
    return list(
        session.scalars(
            select(CrossOrgRole)
            .where(CrossOrgRole.user_id == user_id)
            .order_by(CrossOrgRole.created_at)
        )
    )
