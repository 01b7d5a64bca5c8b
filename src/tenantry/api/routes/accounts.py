"""Sign up, sign in, sign out, the current user."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response

from tenantry.accounts import sessions
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.passwords import hash_new_password
from tenantry.accounts.service import apply_password_change, prove_password_change
from tenantry.api import account_schemas as accounts
from tenantry.api import schemas
from tenantry.api.deps import SESSION_COOKIE, App, CurrentPrincipal, CurrentUser, Tx, client_ip
from tenantry.api.idempotency import OwnTx
from tenantry.api.route import ApiRoute
from tenantry.orgs import signup
from tenantry.orgs.service import orgs_of_user

router = APIRouter(prefix="/v1", tags=["accounts"], route_class=ApiRoute)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(sessions.ABSOLUTE.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        path="/",
    )


def signed_out(
    signed: sessions.Signed, org: schemas.MembershipSummary | None = None
) -> schemas.SignedInOut:
    return schemas.SignedInOut(
        user=schemas.UserOut.model_validate(signed.user),
        token=signed.token,
        csrf_token=signed.session.csrf_token,
        organization=org,
    )


SIGNED_UP = (
    "Check your inbox: we sent a message to {email}. New here? It holds the link that "
    "confirms your address; you can sign in meanwhile."
)


@router.post(
    "/auth/signup", status_code=202, summary="Create an account (answered alike for any address)"
)
def sign_up(
    body: schemas.SignUpIn, request: Request, background: BackgroundTasks, t: App, write: OwnTx
) -> accounts.SignUpAcceptedOut:
    """A new address gets an account (unverified: it can sign in, but nothing is given to it
    by email until it is confirmed), its own organization where the policy lets one stand
    alone, and an email with the confirmation link. An address that has an account gets an
    email saying so instead, and one an unverified account holds gets a link to claim it:
    the answer is the same in every case, so it tells nobody which addresses have accounts.
    Sign in afterwards with the password."""
    t.sign_ups.admit(normalize_email(body.email), client_ip(request))  # alike for every address
    password = hash_new_password(body.password)  # argon2 before the write: no lock held
    with write() as s:
        done = signup.sign_up(
            s,
            t.authz,
            t.account_mail,
            email=body.email,
            name=body.name,
            password=password,
            organization_name=body.organization_name,
            ip=client_ip(request),
        )
    # no consistency token (header or field): only a new address makes an organization, so
    # one would tell the addresses apart
    request.state.revisions = {}
    # sent after the answer, so its time (an SMTP round trip) is in no answer
    background.add_task(t.deliver_mail, [done.message_id])
    return accounts.SignUpAcceptedOut(email=done.email, message=SIGNED_UP.format(email=done.email))


@router.post("/auth/signin", summary="Sign in with email and password")
def sign_in(
    body: schemas.SignInIn, request: Request, response: Response, t: App
) -> schemas.SignedInOut:
    """Failed attempts are throttled per account and per client address (429, Retry-After).
    An account with two-factor sign-in answers 401 ``SECOND_FACTOR_REQUIRED`` with a
    ``challenge`` in the details: finish at ``POST /v1/auth/signin/second-factor``."""
    # no route transaction: sign-in opens its own short ones around the password check
    signed = t.sign_in(
        t.db,
        email=body.email,
        password=body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    set_session_cookie(request, response, signed.token)
    return signed_out(signed)


@router.post("/auth/signout", status_code=204, summary="End this session now")
def sign_out(principal: CurrentPrincipal, response: Response, s: Tx) -> None:
    if principal.auth_session is not None:
        row = s.merge(principal.auth_session)
        sessions.end_session(s, row)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post("/auth/signout-everywhere", summary="End every session of this account")
def sign_out_everywhere(user: CurrentUser, response: Response, s: Tx) -> dict[str, int]:
    ended = sessions.end_all_sessions(s, user.id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ended": ended}


@router.post("/me/password", summary="Change my password")
def change_my_password(
    body: schemas.PasswordChangeIn, principal: CurrentPrincipal, t: App, write: OwnTx
) -> dict[str, int]:
    """With ``end_other_sessions`` (the default) every other session of the account ends at
    once; this one stays signed in. Wrong current passwords count against the same budgets
    as failed sign-ins (429, Retry-After); a change racing another one is a 409."""
    # no route transaction: the passwords are verified and hashed with no connection held
    change = prove_password_change(
        t.db,
        t.guesses,
        user_id=principal.user_id,
        current=body.current_password,
        new=body.new_password,
        ip=principal.ip,
    )
    keep = principal.auth_session.id if principal.auth_session else None
    with write() as s:
        apply_password_change(s, change)
        ended = (
            sessions.end_all_sessions(s, change.user_id, keep=keep)
            if body.end_other_sessions
            else 0
        )
    return {"ended_sessions": ended}


@router.get("/me", summary="The signed-in user and their organizations")
def me(user: CurrentUser, s: Tx) -> schemas.MeOut:
    orgs = orgs_of_user(s, user.id)
    return schemas.MeOut(
        user=schemas.UserOut.model_validate(user),
        organizations=[
            schemas.MembershipSummary(org_id=o.id, name=o.name, kind=o.kind) for o in orgs
        ],
    )
