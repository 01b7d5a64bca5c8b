"""Invitations: invite many at once, pending list, cancel, resend; and the link's three
accept paths (new person, same account, wrong account)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from tenantry.accounts import sessions
from tenantry.accounts.models import User
from tenantry.accounts.passwords import hash_new_password
from tenantry.accounts.service import create_user
from tenantry.accounts.verification import has_verified_account, reclaim
from tenantry.api import schemas
from tenantry.api.deps import App, CurrentUser, OrgAccess, OrgContext, Tx, client_ip, require
from tenantry.api.idempotency import OwnTx
from tenantry.api.route import ApiRoute
from tenantry.api.routes.accounts import set_session_cookie, signed_out
from tenantry.core import Tenantry
from tenantry.invitations import acceptance, listing
from tenantry.invitations import service as invitations
from tenantry.invitations.models import Invitation
from tenantry.orgs.service import get_org
from tenantry.writes import Actor

router = APIRouter(tags=["invitations"], route_class=ApiRoute)
Inviter = Annotated[OrgContext, Depends(require(lambda t: t.policy.invite_permission))]
TokenPath = Annotated[str, Path(min_length=1, max_length=200)]


def invitation_out(
    s: Session, t: Tenantry, inv: Invitation, inviters: dict[str, str] | None = None
) -> schemas.InvitationOut:
    """``inviters``: user id -> email, read once for a whole page (else one read here)."""
    if inviters is None:
        inviters = listing.inviter_emails(s, [inv])
    return schemas.InvitationOut(
        id=inv.id,
        email=inv.email,
        roles=list(inv.roles),
        permissions=list(inv.permissions),
        resource_grants={g["resource_id"]: g["role"] for g in inv.resource_grants},
        invited_by=inviters.get(inv.invited_by) if inv.invited_by else None,
        sent_at=inv.sent_at,
        expires_at=inv.expires_at,
        delivery_status=inv.delivery_status,
        delivery_error=inv.delivery_error,
        url=invitations.link_of(inv, t.invites) if inv.delivery_status == "failed" else None,
    )


@router.post("/v1/orgs/{org_id}/invitations", status_code=201, summary="Invite one or many people")
def invite(body: schemas.InviteIn, ctx: OrgAccess, t: App, write: OwnTx) -> schemas.InviteOut:
    """Everyone invited gets the same roles, permissions and resource grants. Each address
    gets its own result; if none could be invited the call fails with the first reason.
    Mail is attempted at once: if it fails, the result carries the link to pass on."""
    with write() as s:  # committed before the mail attempt, whose outcome is in the answer
        results = invitations.invite(
            s,
            t.authz,
            t.invites,
            actor=ctx.principal.actor,
            org_id=ctx.org_id,
            emails=body.emails,
            roles=body.roles,
            permissions=body.permissions,
            resource_grants=[
                invitations.ResourceGrantSpec(rid, role)
                for rid, role in body.resource_grants.items()
            ],
        )
        if all(r.error is not None for r in results):
            raise results[0].error  # type: ignore[misc]
    t.deliver_mail(only=[r.message_id for r in results if r.message_id])
    with t.db.reading() as s:
        out = []
        for r in results:
            inv = s.get(Invitation, r.invitation.id) if r.invitation else None
            out.append(
                schemas.AddressResultOut(
                    email=r.email,
                    status=r.status,
                    message=r.message,
                    invitation=invitation_out(s, t, inv) if inv else None,
                )
            )
    return schemas.InviteOut(results=out)


@router.get("/v1/orgs/{org_id}/invitations", summary="Pending invitations")
def list_pending(
    ctx: Inviter,
    t: App,
    s: Tx,
    cursor: Annotated[
        str | None,
        Query(max_length=2000, description="The next_cursor of the previous page, unchanged"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=listing.MAX_PAGE)] = 100,
) -> schemas.InvitationPage:
    """Pending, unexpired invitations, newest first, a page at a time (two queries a page,
    whatever the number pending)."""
    page = listing.pending_page(s, ctx.org_id, cursor=cursor, limit=limit)
    inviters = listing.inviter_emails(s, page.items)
    return schemas.InvitationPage(
        items=[invitation_out(s, t, inv, inviters) for inv in page.items],
        next_cursor=page.next_cursor,
    )


@router.delete(
    "/v1/orgs/{org_id}/invitations/{invitation_id}", status_code=204, summary="Cancel an invitation"
)
def cancel(invitation_id: str, ctx: OrgAccess, t: App, s: Tx) -> None:
    """The link stops working at once and the seat is free again."""
    invitations.cancel(
        s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, invitation_id=invitation_id
    )


@router.post("/v1/orgs/{org_id}/invitations/{invitation_id}/resend", summary="Send a new link")
def resend(invitation_id: str, ctx: OrgAccess, t: App, write: OwnTx) -> schemas.InvitationOut:
    """A new token and a fresh 7-day expiry; the old link dies."""
    with write() as s:
        inv, message_id = invitations.resend(
            s,
            t.authz,
            t.invites,
            actor=ctx.principal.actor,
            org_id=ctx.org_id,
            invitation_id=invitation_id,
        )
    t.deliver_mail(only=[message_id])
    with t.db.reading() as s:
        return invitation_out(s, t, s.get_one(Invitation, inv.id))


def guarded_token(token: TokenPath, request: Request, t: App) -> str:
    """The link's token, once the guessing guard let it through. It reads and counts in
    transactions of its own, so routes list it before ``Tx`` (dependencies run in order)."""
    t.link_guard.admit(t.db, token, client_ip(request))
    return token


GuardedToken = Annotated[str, Depends(guarded_token)]


@router.get("/v1/invitations/{token}", summary="What an invitation link offers")
def preview(token: GuardedToken, s: Tx) -> schemas.InvitationPreviewOut:
    inv = acceptance.find_by_token(s, token)
    acceptance.check_usable(inv)
    inviter = s.get(User, inv.invited_by) if inv.invited_by else None
    return schemas.InvitationPreviewOut(
        organization=get_org(s, inv.org_id).name,
        email=inv.email,
        roles=list(inv.roles),
        invited_by=inviter.name if inviter else None,
        expires_at=inv.expires_at,
        account_exists=has_verified_account(s, inv.email),
    )


@router.post("/v1/invitations/{token}/accept", summary="Accept as the signed-in user")
def accept(
    request: Request, user: CurrentUser, token: GuardedToken, t: App, s: Tx
) -> schemas.AcceptedOut:
    """One click for an account with the invited email; "wrong account" for any other."""
    inv = acceptance.accept(s, t.authz, token=token, user=s.merge(user), ip=client_ip(request))
    return schemas.AcceptedOut(
        org_id=inv.org_id, roles=list(inv.roles), permissions=list(inv.permissions)
    )


@router.post(
    "/v1/invitations/{token}/signup", status_code=201, summary="New here: sign up and join"
)
def sign_up_and_accept(
    token: GuardedToken,
    body: schemas.InviteSignUpIn,
    request: Request,
    response: Response,
    t: App,
    write: OwnTx,
) -> schemas.SignedInOut:
    """The account is created with the invited email (it cannot be changed here), then joins
    the organization with the invited roles and is signed in."""
    with t.db.reading() as s:  # a dead link is told so before argon2 runs
        acceptance.check_usable(acceptance.find_by_token(s, token))
    password = hash_new_password(body.password)  # before the write: no lock held meanwhile
    with write() as s:
        inv = acceptance.find_by_token(s, token)
        acceptance.check_usable(inv)
        # the link proves the mailbox: an unverified account holding the address loses it
        reclaim(
            s,
            address=inv.email,
            actor=Actor(None, inv.email, client_ip(request)),
            how="invitation link",
        )
        user = create_user(s, email=inv.email, name=body.name, password=password)
        acceptance.accept(s, t.authz, token=token, user=user, ip=client_ip(request))
        signed = sessions.start_session(s, user, ip=client_ip(request))
        org = get_org(s, inv.org_id)
    set_session_cookie(request, response, signed.token)
    return signed_out(
        signed, schemas.MembershipSummary(org_id=org.id, name=org.name, kind=org.kind)
    )
