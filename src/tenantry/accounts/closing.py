"""Closing an account: it leaves every organization and is disabled for good — refused
while it is the last owner of any organization (transfer ownership, or delete those
organizations, first)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.accounts.sessions import end_all_sessions
from tenantry.accounts.trail import record_account
from tenantry.authz.service import Authorizer
from tenantry.members import service as members
from tenantry.members.errors import LastOwner
from tenantry.orgs.service import orgs_of_user
from tenantry.writes import Actor


def delete_account(session: Session, authz: Authorizer, *, user: User, actor: Actor) -> int:
    """Leave every organization (in id order, the lock order every writer keeps), then
    disable the account: its address is released, its password, second factor, sessions
    and links are gone. All or nothing: the refusal lists every organization it alone
    owns. Returns how many organizations it left."""
    orgs = sorted(orgs_of_user(session, user.id), key=lambda o: o.id)
    kept: list[str] = []
    for org in orgs:
        try:
            with session.begin_nested():
                members.leave(session, authz, actor=actor, org_id=org.id)
        except LastOwner:
            kept.append(org.name)
    if kept:
        raise LastOwner(
            "You are the last owner of " + ", ".join(kept) + ": give the ownership to someone "
            "else, or delete the organization, before you delete your account.",
            organizations=kept,
        )
    address = user.email
    user.is_active = False
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.name = "Deleted account"
    user.password_hash = None
    user.totp_secret_sealed = None
    user.totp_enabled_at = None
    ended = end_all_sessions(session, user.id)
    record_account(
        session,
        actor=actor,
        user_id=user.id,
        action="account.deleted",
        target=address,
        after={"left_organizations": len(orgs), "ended_sessions": ended},
    )
    return len(orgs)
