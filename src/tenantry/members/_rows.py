"""Writing membership rows, shared by the member, organization and invitation services."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.members.errors import UniqueRoleTaken
from tenantry.members.models import MemberPermission, MemberRole, Membership
from tenantry.policy.model import Policy


def insert_membership(
    session: Session,
    policy: Policy,
    *,
    org_id: str,
    user_id: str,
    roles: Iterable[str] = (),
    permissions: Iterable[str] = (),
) -> Membership:
    # the sort keys as the users trigger writes them (SQL lower(), on either database)
    of_user = select(User).where(User.id == user_id)
    membership = Membership(
        org_id=org_id,
        user_id=user_id,
        email_key=of_user.with_only_columns(func.lower(User.email)).scalar_subquery(),
        name_key=of_user.with_only_columns(func.lower(User.name)).scalar_subquery(),
    )
    session.add(membership)
    session.flush()
    set_roles(session, policy, membership, roles)
    for pid in sorted(set(permissions)):
        session.add(MemberPermission(membership_id=membership.id, permission=pid))
    session.flush()
    return membership


def role_names(session: Session, membership_id: str) -> set[str]:
    return set(
        session.scalars(select(MemberRole.role).where(MemberRole.membership_id == membership_id))
    )


def permission_ids(session: Session, membership_id: str) -> set[str]:
    return set(
        session.scalars(
            select(MemberPermission.permission).where(
                MemberPermission.membership_id == membership_id
            )
        )
    )


def set_roles(
    session: Session, policy: Policy, membership: Membership, roles: Iterable[str]
) -> None:
    wanted = set(roles)
    rows = session.scalars(
        select(MemberRole).where(MemberRole.membership_id == membership.id)
    ).all()
    for row in rows:
        if row.role not in wanted:
            session.delete(row)
    session.flush()
    held = {row.role for row in rows}
    for name in sorted(wanted - held):
        role = policy.roles[name]
        session.add(
            MemberRole(
                membership_id=membership.id,
                org_id=membership.org_id,
                role=name,
                unique_slot=name if role.unique else None,
            )
        )
    try:
        session.flush()
    except IntegrityError as exc:  # another transaction took the unique role first
        raise UniqueRoleTaken("That role is unique and already held in this organization.") from exc


def set_permissions(session: Session, membership: Membership, permissions: Iterable[str]) -> None:
    wanted = set(permissions)
    rows = session.scalars(
        select(MemberPermission).where(MemberPermission.membership_id == membership.id)
    ).all()
    for row in rows:
        if row.permission not in wanted:
            session.delete(row)
    held = {row.permission for row in rows}
    for pid in sorted(wanted - held):
        session.add(MemberPermission(membership_id=membership.id, permission=pid))
    session.flush()
