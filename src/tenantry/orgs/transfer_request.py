"""Where the operator moves ownership (Distribu: "contact support"), the owner asks for it
from the dashboard: the request is an audit event naming the member to become owner, which
the operator acts on with ``tenantry org transfer-ownership``. Nothing changes until then."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.service import Authorizer
from tenantry.errors import Invalid, PermissionDenied
from tenantry.members.errors import NotAMember
from tenantry.members.models import Membership
from tenantry.writes import Actor, lock_org, record


def request_transfer(
    session: Session, authz: Authorizer, *, actor: Actor, org_id: str, to_user_id: str
) -> str:
    """Record the owner's request that ``to_user_id`` become the owner; their email."""
    policy = authz.policy
    org = lock_org(session, org_id)
    if policy.transfer_ownership != "operator":
        raise Invalid("Here ownership passes by granting the new owner every permission.")
    snap = actor_snapshot(session, authz, actor, org_id)
    owner_role = policy.owner_role_for(org.kind)
    if snap is None or owner_role is None or owner_role not in snap.roles:
        label = policy.roles[owner_role].label if owner_role in policy.roles else "the owner"
        raise PermissionDenied(f"Only the {label} may ask for ownership to be transferred.")
    email = session.scalar(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org_id, User.id == to_user_id)
    )
    if email is None:
        raise NotAMember("The new owner must already be a member of the organization.")
    if to_user_id == actor.user_id:
        raise Invalid("You are the owner already; choose another member.")
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="ownership.transfer_requested",
        target_type="user",
        target_id=to_user_id,
        target=email,
        after={"to": email},
    )
    return email
