"""Accepting an invitation: find it by its link, check it can still be used, and join with
what it offers, on the inviter's authority re-checked at that moment.

The three ways to the same acceptance (signed in already, sign up, sign in) are the edges'
(API, dashboard); each ends in ``accept``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry import clock, tokens
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.models import User
from tenantry.accounts.verification import mark_verified
from tenantry.authz.keys import key_snapshot
from tenantry.authz.service import Authorizer
from tenantry.engine.evaluate import org_mask
from tenantry.errors import DomainError
from tenantry.invitations.errors import (
    InvitationCancelled,
    InvitationExpired,
    InvitationNotFound,
    InvitationUsed,
    InviteEmailMismatch,
    InviterLacksGrant,
)
from tenantry.invitations.models import ACCEPTED, CANCELLED, Invitation
from tenantry.invitations.service import TOKEN_KIND, ResourceGrantSpec, check_resource_grants
from tenantry.members import rules
from tenantry.members.models import Membership
from tenantry.members.service import add_member
from tenantry.policy.model import Policy
from tenantry.resources.models import Resource, ResourceGrant
from tenantry.writes import Actor, lock_org, record


def find_by_token(session: Session, token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link names, whatever its state; unknown and tampered tokens look the
    same."""
    parsed = tokens.parse(TOKEN_KIND, token)
    if parsed is None:
        raise InvitationNotFound("This invitation link is not valid.")
    lookup, secret = parsed
    query = select(Invitation).where(Invitation.token_lookup == lookup)
    if lock:
        query = query.with_for_update()
    inv = session.scalar(query)
    if inv is None or not tokens.matches(secret, inv.token_hash):
        raise InvitationNotFound("This invitation link is not valid.")
    return inv


def check_pending(inv: Invitation) -> None:
    if inv.status == ACCEPTED:
        raise InvitationUsed("This invitation has already been accepted.")
    if inv.status == CANCELLED:
        raise InvitationCancelled("This invitation was cancelled by the organization.")


def check_usable(inv: Invitation) -> None:
    check_pending(inv)
    if clock.now() >= inv.expires_at:
        raise InvitationExpired("This invitation has expired; ask for a new one.")


def accept(
    session: Session, authz: Authorizer, *, token: str, user: User, ip: str | None = None
) -> Invitation:
    """The signed-in user joins with what the invitation offers. Refused for a different
    email ("wrong account"), and when the inviter no longer holds what it gives."""
    # the organization's lock first, then the invitation's, in the order every writer takes them
    inv = find_by_token(session, token)
    lock_org(session, inv.org_id)
    session.refresh(inv, with_for_update=True)
    check_usable(inv)
    if normalize_email(user.email) != inv.email:
        raise InviteEmailMismatch(
            "Wrong account: this invitation is for another email address. Sign out and open the "
            "link again, or sign in with the invited address.",
        )
    _recheck_inviter(session, authz, inv)
    joiner = Actor(user_id=user.id, label=user.email, ip=ip)
    # the membership is added on the inviter's authority, checked just above
    add_member(
        session,
        authz,
        actor=Actor.operator(),
        org_id=inv.org_id,
        user_id=user.id,
        roles=inv.roles,
        permissions=inv.permissions,
        holds_seat=True,
        audit_as=joiner,
    )
    membership = session.scalar(
        select(Membership).where(Membership.org_id == inv.org_id, Membership.user_id == user.id)
    )
    assert membership is not None
    given = []
    for grant in inv.resource_grants:
        if session.get(Resource, grant["resource_id"]) is not None:  # deleted since: skip
            session.add(
                ResourceGrant(
                    membership_id=membership.id,
                    resource_id=grant["resource_id"],
                    role=grant["role"],
                )
            )
            given.append({"resource_id": grant["resource_id"], "role": grant["role"]})
    inv.status = ACCEPTED
    inv.pending_email = None
    inv.accepted_at = clock.now()
    inv.accepted_by = user.id
    # the link came to the address: using it proves the mailbox
    mark_verified(session, user, actor=joiner, how="invitation link")
    session.flush()
    record(
        session,
        actor=joiner,
        org_id=inv.org_id,
        action="invitation.accepted",
        target_type="invitation",
        target_id=inv.id,
        target=inv.email,
        # who joined and the resource roles given, for the access history
        after={
            "roles": inv.roles,
            "permissions": inv.permissions,
            "user_id": user.id,
            "resource_grants": given,
        },
    )
    return inv


def _recheck_inviter(session: Session, authz: Authorizer, inv: Invitation) -> None:
    """Acceptance re-checks that the inviter (member or API key) still holds everything the
    invitation gives, the way the invitation checked it: by membership, or by authority a
    parent organization's inherit rules pass down (a seller's admin inviting into its
    customer). Only the operator's invitations stand on their own."""
    if inv.invited_by_operator:
        return
    policy = authz.policy
    try:
        if inv.invited_by_key is not None:
            snap = key_snapshot(session, authz, inv.invited_by_key, inv.org_id)
        elif inv.invited_by is not None:
            snap = authz.snapshot(inv.invited_by, inv.org_id, session)
            if not snap.is_member and not org_mask(policy, snap):
                raise InviterLacksGrant(
                    f"The person who invited you no longer has any access to {snap.org.name} "
                    "(as a member or through a parent organization); ask someone there for a "
                    "new invitation."
                )
        else:
            raise InviterLacksGrant("The account that invited you no longer exists.")
        rules.require(policy, snap, policy.invite_permission, "Inviting members")
        rules.check_assignable(policy, snap, inv.roles, snap.org.kinds)
        rules.check_grant_within(policy, snap, policy.mask_of(set(inv.permissions)))
        check_resource_grants(
            session,
            policy,
            snap,
            inv.org_id,
            [
                ResourceGrantSpec(g["resource_id"], g["role"])
                for g in inv.resource_grants
                if session.get(Resource, g["resource_id"]) is not None
            ],
        )
    except InviterLacksGrant:
        raise
    except DomainError as exc:
        raise InviterLacksGrant(
            f"Whoever invited you can no longer give what the invitation offers: "
            f"{_what_is_missing(policy, exc)}. Ask them (or another administrator) for a new "
            "invitation.",
            **exc.details,
        ) from exc


def _what_is_missing(policy: Policy, refusal: DomainError) -> str:
    """The rule that refused the inviter, said of the inviter rather than to them."""
    details = refusal.details
    if "permissions" in details:
        labels = ", ".join(policy.permissions[p].label for p in details["permissions"])
        return f"they no longer hold {labels}"
    if "permission" in details and details["permission"] in policy.permissions:
        return f"they no longer hold '{policy.permissions[details['permission']].label}'"
    if isinstance(details.get("role"), str) and details["role"] in policy.roles:
        return f"they may no longer give {policy.roles[details['role']].label}"
    return refusal.message.rstrip(".")
