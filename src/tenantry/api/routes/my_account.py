"""The signed-in account's own things: its sessions (see, end one, end the others), its
name and email address, leaving an organization, deleting the account, and its audit
trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request

from tenantry.accounts import email_change, sessions
from tenantry.accounts.closing import delete_account
from tenantry.accounts.models import User
from tenantry.accounts.service import prove_password
from tenantry.accounts.trail import account_events, record_account
from tenantry.api import account_schemas as accounts
from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal, CurrentUser, Tx, client_ip
from tenantry.api.idempotency import OwnTx
from tenantry.api.route import ApiRoute
from tenantry.errors import NotFound
from tenantry.members import service as members
from tenantry.text import display_name

router = APIRouter(prefix="/v1/me", tags=["accounts"], route_class=ApiRoute)


@router.get("/sessions", summary="My signed-in sessions")
def my_sessions(principal: CurrentPrincipal, s: Tx) -> list[accounts.SessionOut]:
    """Every session that can still be used: its device (User-Agent), IP, when it started
    and when it was last used (to the minute)."""
    current = principal.auth_session.id if principal.auth_session else None
    return [
        accounts.SessionOut(
            id=row.id,
            device=row.user_agent,
            ip=row.ip,
            created_at=row.created_at,
            last_active_at=row.last_seen_at,
            current=row.id == current,
        )
        for row in sessions.live_sessions(s, principal.user_id)
    ]


@router.delete("/sessions/{session_id}", status_code=204, summary="End one of my sessions")
def end_session(session_id: str, principal: CurrentPrincipal, s: Tx) -> None:
    """Ends at once, whichever device holds it (this one too). 404 for a session that is
    not yours or ended already."""
    user_id = principal.user_id
    if not sessions.end_one(s, user_id, session_id):
        raise NotFound("No such live session of yours.")
    record_account(
        s,
        actor=principal.actor,
        user_id=user_id,
        action="account.session_ended",
        after={"session_id": session_id},
    )


@router.post("/sessions/end-others", summary="End every session but this one")
def end_other_sessions(principal: CurrentPrincipal, s: Tx) -> accounts.EndedOut:
    keep = principal.auth_session.id if principal.auth_session else None
    ended = sessions.end_all_sessions(s, principal.user_id, keep=keep)
    record_account(
        s,
        actor=principal.actor,
        user_id=principal.user_id,
        action="account.sessions_ended",
        after={"ended": ended, "kept_this_one": keep is not None},
    )
    return accounts.EndedOut(ended=ended)


@router.patch("/name", summary="Change my display name")
def rename(body: accounts.NameIn, principal: CurrentPrincipal, s: Tx) -> schemas.UserOut:
    user = s.merge(principal.user_record)
    before = user.name
    user.name = display_name(body.name, "An account")
    record_account(
        s,
        actor=principal.actor,
        user_id=user.id,
        action="account.renamed",
        before={"name": before},
        after={"name": user.name},
    )
    return schemas.UserOut.model_validate(user)


@router.post("/email", status_code=202, summary="Change my email address (confirmed by mail)")
def change_email(
    body: accounts.EmailChangeIn,
    principal: CurrentPrincipal,
    background: BackgroundTasks,
    t: App,
    write: OwnTx,
) -> accounts.MessageOut:
    """Needs the password (wrong ones count as failed sign-ins). The new address gets a
    link; until it is used the account keeps its address. The answer is the same whether
    the new address is free or not."""
    prove_password(
        t.db, t.guesses, user_id=principal.user_id, password=body.password, ip=principal.ip
    )
    with write() as s:
        address, message_id = email_change.request(
            s, t.account_mail, user_id=principal.user_id, new_email=body.new_email
        )
    if message_id is not None:
        background.add_task(t.deliver_mail, [message_id])
    return accounts.MessageOut(
        message=f"To finish, open the link we sent to {address}. Your address stays the same "
        "until then."
    )


@router.post("/email/confirm", summary="Confirm my new email address with the mailed link")
def confirm_email(
    body: accounts.LinkIn, request: Request, principal: CurrentPrincipal, t: App, write: OwnTx
) -> accounts.EndedOut:
    """The account takes the new address (confirmed), and every other session ends."""
    t.account_links.admit(t.db, "email_change", body.token, client_ip(request))
    keep = principal.auth_session.id if principal.auth_session else None
    with write() as s:
        ended = email_change.confirm(
            s, token=body.token, user_id=principal.user_id, keep=keep, ip=principal.ip
        )
    return accounts.EndedOut(ended=ended)


@router.post("/organizations/{org_id}/leave", summary="Leave an organization")
def leave(
    org_id: Annotated[str, Path(max_length=64)], principal: CurrentPrincipal, t: App, s: Tx
) -> accounts.LeaveOut:
    """Not as its last owner (409 LAST_OWNER: hand the ownership on first). Everything you
    held there ends at once; its API keys and webhooks stay with it."""
    members.leave(s, t.authz, actor=principal.actor, org_id=org_id)
    return accounts.LeaveOut(org_id=org_id, left=True)


@router.post("/delete", summary="Delete my account")
def delete_me(
    body: accounts.AccountDeleteIn, principal: CurrentPrincipal, t: App, write: OwnTx
) -> accounts.DeletedOut:
    """Needs the password. Refused (409 LAST_OWNER, ``details.organizations`` names them)
    while you are the last owner of any organization; otherwise you leave every one, every
    session ends, and the account is disabled with its address released."""
    prove_password(
        t.db, t.guesses, user_id=principal.user_id, password=body.password, ip=principal.ip
    )
    with write() as s:
        left = delete_account(
            s, t.authz, user=s.get_one(User, principal.user_id), actor=principal.actor
        )
    return accounts.DeletedOut(left_organizations=left)


@router.get("/audit", summary="My account's audit trail")
def my_audit(
    user: CurrentUser,
    s: Tx,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[accounts.AccountEventOut]:
    """What happened to the account (sign-up, confirmation, resets, sessions ended,
    two-factor, address changes), newest first; ``cursor`` is the last id of a page."""
    return [
        accounts.AccountEventOut.model_validate(e)
        for e in account_events(s, user.id, limit=limit, before_id=cursor)
    ]
