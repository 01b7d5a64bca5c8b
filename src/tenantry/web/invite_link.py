"""/invite/{token}, the link in invitation emails. Distribu's three paths:

- new here: a sign-up form with the invited email fixed, which joins and lands on the org;
- an account with that email: sign in (if needed), then one-click Accept;
- signed in as someone else: "Wrong account", sign out first.

Expired, cancelled, used and unknown links each say so plainly.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tenantry.accounts import sessions
from tenantry.accounts.models import User
from tenantry.accounts.passwords import hash_new_password
from tenantry.accounts.service import create_user
from tenantry.accounts.verification import has_verified_account, reclaim
from tenantry.api.deps import App, client_ip
from tenantry.api.errors import STATUS
from tenantry.api.routes.accounts import set_session_cookie
from tenantry.core import Tenantry
from tenantry.errors import DomainError
from tenantry.invitations import acceptance
from tenantry.invitations import errors as invite_errors
from tenantry.invitations.models import Invitation
from tenantry.orgs.service import get_org
from tenantry.web._auth import CheckedForm, MaybeViewer, PreSessionForm, SignedIn
from tenantry.web._render import redirect, render
from tenantry.web._route import WebRoute
from tenantry.web.account import pre_session_page
from tenantry.writes import Actor

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Token = Annotated[str, Path(min_length=1, max_length=200)]
# links are 256-bit secrets; wrong guesses are throttled per address all the same

GONE_TITLES = {
    invite_errors.InvitationNotFound: "This invitation link is not valid",
    invite_errors.InvitationExpired: "This invitation has expired",
    invite_errors.InvitationCancelled: "This invitation was cancelled",
    invite_errors.InvitationUsed: "This invitation has already been used",
}


def _admit(request: Request, t: Tenantry, token: str) -> None:
    """The guessing guard; before any transaction of the request (it uses its own)."""
    t.link_guard.admit(t.db, token, client_ip(request))


def _unusable(request: Request, viewer: Any, exc: DomainError) -> Response:
    title = GONE_TITLES.get(type(exc), "This invitation cannot be used")
    return render(
        request,
        "invite_gone.html",
        STATUS[exc.kind],
        viewer=viewer,
        title=title,
        message=exc.message,
    )


def _offer(t: Tenantry, s: Session, inv: Invitation) -> dict[str, Any]:
    inviter = s.get(User, inv.invited_by) if inv.invited_by else None
    labels = [t.policy.roles[r].label for r in inv.roles if r in t.policy.roles]
    labels += [t.policy.permissions[p].label for p in inv.permissions if p in t.policy.permissions]
    return {
        "org_name": get_org(s, inv.org_id).name,
        "email": inv.email,
        "inviter": inviter.name if inviter else None,
        "offer": labels,
        "expires_at": inv.expires_at,
        "account_exists": has_verified_account(s, inv.email),
    }


def _page(
    request: Request,
    t: Tenantry,
    viewer: Any,
    token: str,
    status_code: int = 200,
    error: str | None = None,
    name: str = "",
) -> Response:
    try:
        _admit(request, t, token)
        with t.db.reading() as s:
            inv = acceptance.find_by_token(s, token)
            acceptance.check_usable(inv)
            offer = _offer(t, s, inv)
    except DomainError as exc:
        return _unusable(request, viewer, exc)
    context = {"token": token, "error": error, "full_name": name, **offer}
    if viewer is not None:
        path = "accept" if viewer.user.email == offer["email"] else "wrong_account"
        return render(request, "invite.html", status_code, viewer=viewer, path=path, **context)
    path = "sign_in" if offer["account_exists"] else "sign_up"
    return pre_session_page(request, "invite.html", status_code, viewer=None, path=path, **context)


@router.get("/invite/{token}")
def invitation(token: Token, request: Request, viewer: MaybeViewer, t: App) -> Response:
    return _page(request, t, viewer, token)


@router.post("/invite/{token}/accept")
def accept(token: Token, request: Request, form: CheckedForm, viewer: SignedIn, t: App) -> Response:
    try:
        _admit(request, t, token)
        with t.db.transaction() as s:
            inv = acceptance.accept(
                s, t.authz, token=token, user=s.get_one(User, viewer.user.id), ip=client_ip(request)
            )
            org_id, org_name = inv.org_id, get_org(s, inv.org_id).name
    except invite_errors.InviteEmailMismatch:
        return _page(request, t, viewer, token, 403)
    except (
        invite_errors.InvitationNotFound,
        invite_errors.InvitationExpired,
        invite_errors.InvitationCancelled,
        invite_errors.InvitationUsed,
    ) as exc:
        return _unusable(request, viewer, exc)
    except DomainError as exc:
        return _page(request, t, viewer, token, STATUS[exc.kind], exc.message)
    return redirect(f"/orgs/{org_id}", f"Welcome to {org_name}!")


@router.post("/invite/{token}/signup")
def sign_up(token: Token, request: Request, form: PreSessionForm, t: App) -> Response:
    """The account gets the invited email (the form cannot change it), joins, is signed in."""
    name = str(form.get("name", ""))
    ip = client_ip(request)
    try:
        _admit(request, t, token)
        with t.db.reading() as s:  # a dead link is told so before argon2 runs
            acceptance.check_usable(acceptance.find_by_token(s, token))
        password = hash_new_password(str(form.get("password", "")))  # no lock held meanwhile
        with t.db.transaction() as s:
            inv = acceptance.find_by_token(s, token)
            acceptance.check_usable(inv)
            # the link proves the mailbox: an unverified account holding the address loses it
            reclaim(s, address=inv.email, actor=Actor(None, inv.email, ip), how="invitation link")
            user = create_user(s, email=inv.email, name=name, password=password)
            acceptance.accept(s, t.authz, token=token, user=user, ip=ip)
            signed = sessions.start_session(s, user, ip=ip)
            org_id, org_name = inv.org_id, get_org(s, inv.org_id).name
    except (
        invite_errors.InvitationNotFound,
        invite_errors.InvitationExpired,
        invite_errors.InvitationCancelled,
        invite_errors.InvitationUsed,
    ) as exc:
        return _unusable(request, None, exc)
    except DomainError as exc:
        return _page(request, t, None, token, STATUS[exc.kind], exc.message, name=name)
    response = redirect(f"/orgs/{org_id}", f"Welcome to {org_name}!")
    set_session_cookie(request, response, signed.token)
    return response
