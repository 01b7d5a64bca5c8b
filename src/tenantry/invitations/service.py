"""Invitations: invite many emails at once, show, cancel, resend (accepting one is
``invitations.acceptance``).

The token is 256 bits from ``secrets``; the database keeps its SHA-256 (to find and check
it) and a copy sealed with the deployment key (to show the link again when mail fails).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry import clock, tokens
from tenantry.accounts.emails import InvalidEmail, normalize_email
from tenantry.accounts.models import User
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.loader import org_node, resource_node
from tenantry.authz.service import Authorizer
from tenantry.engine.evaluate import resource_mask
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import DomainError, Invalid, NotFound
from tenantry.invitations.errors import (
    AlreadyInvited,
    InvitationNotPending,
)
from tenantry.invitations.mail import inviter_name, queue_invitation
from tenantry.invitations.models import ACCEPTED, CANCELLED, PENDING, Invitation
from tenantry.members import rules
from tenantry.members.errors import AlreadyMember, GrantExceedsOwnPermissions
from tenantry.members.models import Membership
from tenantry.members.seats import require_free
from tenantry.orgs.models import Organization
from tenantry.policy.model import Policy
from tenantry.resources.models import Resource
from tenantry.sealing import Sealer
from tenantry.writes import Actor, lock_org, record

TOKEN_KIND = "tni"


@dataclass(frozen=True, slots=True)
class InviteSettings:
    base_url: str  # links read {base_url}/invite/{token}
    expiry: timedelta | None = None  # None: the policy's invite_expiry_days
    sealer: Sealer | None = None

    def link(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/invite/{token}"


@dataclass(frozen=True, slots=True)
class AddressResult:
    email: str
    invitation: Invitation | None = None
    message_id: str | None = None  # the outbox message to deliver now
    error: DomainError | None = None  # why this address was not invited

    @property
    def status(self) -> str:
        return "invited" if self.error is None else self.error.code

    @property
    def message(self) -> str:
        return f"Invitation sent to {self.email}." if self.error is None else self.error.message


@dataclass(frozen=True, slots=True)
class ResourceGrantSpec:
    resource_id: str
    role: str


def _expiry(policy: Policy, config: InviteSettings) -> timedelta:
    return config.expiry or timedelta(days=policy.invite_expiry_days)


def check_resource_grants(
    session: Session,
    policy: Policy,
    actor: AccessSnapshot | None,
    org_id: str,
    grants: Sequence[ResourceGrantSpec],
) -> list[dict[str, Any]]:
    """Each grant names a resource of this org and one of its type's roles, and gives nothing
    on that resource the inviter does not hold there."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for grant in grants:
        res = session.get(Resource, grant.resource_id)
        if res is None or res.org_id != org_id:
            raise NotFound("No such resource in this organization.", resource_id=grant.resource_id)
        if res.id in seen:
            raise Invalid(f"{res.name} is named twice; give one role per resource.")
        seen.add(res.id)
        spec = policy.resource_types[res.type]
        role = spec.roles.get(grant.role)
        if role is None:
            raise Invalid(
                f"Unknown {spec.label} role {grant.role!r}; roles are {', '.join(spec.roles)}."
            )
        if actor is not None:
            missing = policy.ids_of(role.mask & ~resource_mask(policy, actor, resource_node(res)))
            if missing:
                labels = ", ".join(sorted(policy.permissions[p].label for p in missing))
                raise GrantExceedsOwnPermissions(
                    f"You can only give on {res.name} what you hold there; you lack {labels}.",
                    permissions=sorted(missing),
                )
        out.append({"resource_id": res.id, "role": grant.role})
    return out


def invite(
    session: Session,
    authz: Authorizer,
    config: InviteSettings,
    *,
    actor: Actor,
    org_id: str,
    emails: Sequence[str],
    roles: Sequence[str] = (),
    permissions: Sequence[str] = (),
    resource_grants: Sequence[ResourceGrantSpec] = (),
    named_inviter: str | None = None,
) -> list[AddressResult]:
    """Invite one or many addresses with the same roles, permissions and resource grants
    (``named_inviter``: who the mail says invited, when not the actor's own name).

    The request as a whole is refused when the inviter may not give what it offers, or when
    the new invitations would not fit in the plan's seats (pending invitations count).
    Otherwise each address gets its own result: invited, already a member, already invited."""
    policy = authz.policy
    if not emails:
        raise Invalid("Give at least one email address.")
    org = lock_org(session, org_id)
    inviter = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, inviter, policy.invite_permission, "Inviting members")
    perms = rules.check_permissions_known(policy, permissions)
    roles = sorted(rules.distinct_roles(roles))
    rules.check_assignable(policy, inviter, roles, org_node(session, policy, org).kinds)
    rules.check_grant_within(policy, inviter, policy.mask_of(perms))
    grants = check_resource_grants(session, policy, inviter, org_id, resource_grants)

    # each address in the order given: an error now, or None to be invited below
    verdicts: list[tuple[str, DomainError | None]] = []
    for raw in emails:
        try:
            email = normalize_email(raw)
        except InvalidEmail as exc:
            verdicts.append((raw, exc))
            continue
        verdicts.append((email, _address_refusal(session, org_id, email, verdicts)))
    fresh = [email for email, error in verdicts if error is None]
    if fresh:
        require_free(session, org, len(fresh))
    results = []
    named = inviter_name(session, actor, named_inviter)
    for email, error in verdicts:
        if error is not None:
            results.append(AddressResult(email, error=error))
            continue
        invitation, token = _issue(
            session,
            policy,
            config,
            org,
            email=email,
            roles=list(roles),
            permissions=sorted(perms),
            grants=grants,
            invited_by=actor,
        )
        message = queue_invitation(
            session,
            _sealer(config),
            org=org,
            inviter=named,
            to=email,
            link=config.link(token),
            expires_at=invitation.expires_at,
            invitation_id=invitation.id,
        )
        record(
            session,
            actor=actor,
            org_id=org_id,
            action="invitation.sent",
            target_type="invitation",
            target_id=invitation.id,
            target=email,
            after={"roles": list(roles), "permissions": sorted(perms), "resource_grants": grants},
        )
        results.append(AddressResult(email, invitation, message.id))
    return results


def _address_refusal(
    session: Session, org_id: str, email: str, earlier: list[tuple[str, DomainError | None]]
) -> DomainError | None:
    """Why this address cannot be invited now, if it cannot."""
    if any(seen == email for seen, _ in earlier):
        return Invalid(f"{email} is listed twice.")
    member = session.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id, User.email == email)
    )
    if member is not None:
        return AlreadyMember(f"{email} is already a member.")
    if _live_pending(session, org_id, email) is not None:
        return AlreadyInvited(f"{email} already has a pending invitation.")
    return None


def _sealer(config: InviteSettings) -> Sealer:
    if config.sealer is None:
        raise DomainError("Invitations need a secret key (TENANTRY_SECRET_KEY).")
    return config.sealer


def _issue(
    session: Session,
    policy: Policy,
    config: InviteSettings,
    org: Organization,
    *,
    email: str,
    roles: list[str],
    permissions: list[str],
    grants: list[dict[str, Any]],
    invited_by: Actor,
) -> tuple[Invitation, str]:
    issued = tokens.issue(TOKEN_KIND)
    now = clock.now()
    invitation = Invitation(
        org_id=org.id,
        email=email,
        pending_email=email,
        roles=roles,
        permissions=permissions,
        resource_grants=grants,
        invited_by=invited_by.user_id,
        invited_by_key=invited_by.key_id,
        invited_by_operator=invited_by.is_operator,
        token_lookup=issued.lookup,
        token_hash=issued.secret_hash,
        token_sealed=_sealer(config).seal(issued.token),
        status=PENDING,
        created_at=now,
        sent_at=now,
        expires_at=now + _expiry(policy, config),
    )
    session.add(invitation)
    session.flush()
    return invitation, issued.token


def _live_pending(session: Session, org_id: str, email: str) -> Invitation | None:
    """The pending invitation for this address, after retiring it if it has expired (an
    expired invitation frees its seat and its address)."""
    inv = session.scalar(
        select(Invitation).where(Invitation.org_id == org_id, Invitation.pending_email == email)
    )
    if inv is not None and clock.now() >= inv.expires_at:
        inv.pending_email = None  # status stays "pending"; expiry is read from expires_at
        session.flush()
        return None
    return inv


def link_of(invitation: Invitation, config: InviteSettings) -> str | None:
    token = _sealer(config).unseal(invitation.token_sealed)
    return config.link(token) if token else None


def get_invitation(session: Session, org_id: str, invitation_id: str) -> Invitation:
    inv = session.get(Invitation, invitation_id)
    if inv is None or inv.org_id != org_id:
        raise NotFound("No such invitation in this organization.")
    return inv


def cancel(
    session: Session, authz: Authorizer, *, actor: Actor, org_id: str, invitation_id: str
) -> None:
    """Delete a pending invitation: its link stops working at once and its seat is free.
    Cancelling it again changes nothing; an accepted one is a member now (409)."""
    policy = authz.policy
    lock_org(session, org_id)
    rules.require(
        policy,
        actor_snapshot(session, authz, actor, org_id),
        policy.invite_permission,
        "Cancelling invitations",
    )
    inv = get_invitation(session, org_id, invitation_id)
    if inv.status == CANCELLED:
        return
    if inv.status == ACCEPTED:
        raise InvitationNotPending(
            f"{inv.email} accepted this invitation; remove the member instead."
        )
    inv.status = CANCELLED
    inv.pending_email = None
    inv.cancelled_at = clock.now()
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="invitation.cancelled",
        target_type="invitation",
        target_id=inv.id,
        target=inv.email,
    )


def resend(
    session: Session,
    authz: Authorizer,
    config: InviteSettings,
    *,
    actor: Actor,
    org_id: str,
    invitation_id: str,
    named_inviter: str | None = None,
) -> tuple[Invitation, str]:
    """A new token and a fresh expiry; the old link dies. Returns the outbox message id."""
    policy = authz.policy
    org = lock_org(session, org_id)
    inviter = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, inviter, policy.invite_permission, "Resending invitations")
    inv = get_invitation(session, org_id, invitation_id)
    if inv.status != PENDING:
        raise InvitationNotPending(f"This invitation was {inv.status}; send a new one instead.")
    if clock.now() >= inv.expires_at:
        # an expired invitation gave its seat back: resending takes one again
        if _live_pending(session, org_id, inv.email) is not None:
            raise Invalid(f"{inv.email} has another pending invitation.")
        require_free(session, org)
        inv.pending_email = inv.email
    issued = tokens.issue(TOKEN_KIND)
    now = clock.now()
    inv.token_lookup, inv.token_hash = issued.lookup, issued.secret_hash
    inv.token_sealed = _sealer(config).seal(issued.token)
    inv.sent_at, inv.expires_at = now, now + _expiry(policy, config)
    inv.delivery_status, inv.delivery_error = "queued", None
    inv.resend_count += 1
    message = queue_invitation(
        session,
        _sealer(config),
        org=org,
        inviter=inviter_name(session, actor, named_inviter),
        to=inv.email,
        link=config.link(issued.token),
        expires_at=inv.expires_at,
        invitation_id=inv.id,
    )
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="invitation.resent",
        target_type="invitation",
        target_id=inv.id,
        target=inv.email,
    )
    return inv, message.id


def delivery_result(session: Session, message: Any, error: str | None) -> None:
    """Record an outbox outcome on the invitation it carries."""
    if message.invitation_id is None:
        return
    inv = session.get(Invitation, message.invitation_id)
    if inv is None:
        return
    inv.delivery_status = "sent" if error is None else "failed"
    inv.delivery_error = error
