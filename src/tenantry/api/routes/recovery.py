"""Account links over the API: confirm an address, claim one from an unverified account,
ask for and use a password reset. The secrets travel in the body, never in a URL."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request

from tenantry.accounts import links, verification
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.passwords import hash_new_password
from tenantry.accounts.reset import complete_reset
from tenantry.api import account_schemas as accounts
from tenantry.api.deps import App, CurrentUser, Tx, client_ip
from tenantry.api.idempotency import OwnTx
from tenantry.api.route import ApiRoute
from tenantry.orgs import signup

router = APIRouter(prefix="/v1", tags=["accounts"], route_class=ApiRoute)

RESET_ASKED = (
    "If {email} has an account, a link to reset its password is on its way. It works once, "
    "for one hour."
)


def _admit(t: App, request: Request, purpose: str, token: str) -> None:
    t.account_links.admit(t.db, purpose, token, client_ip(request))


@router.post("/auth/verify", summary="Confirm my email address with the mailed link")
def verify(body: accounts.LinkIn, request: Request, t: App, write: OwnTx) -> accounts.VerifiedOut:
    """Single use; expires 48 hours after it was sent. 404 for a link that never existed,
    410 for a used or expired one (ask for a new one: ``POST /v1/me/verification``)."""
    _admit(t, request, links.VERIFY, body.token)
    with write() as s:
        user = verification.verify(s, body.token, ip=client_ip(request))
        email = user.email
    return accounts.VerifiedOut(email=email, verified=True)


@router.post("/me/verification", status_code=202, summary="Send me a new confirmation link")
def resend_verification(
    user: CurrentUser, background: BackgroundTasks, t: App, s: Tx
) -> accounts.MessageOut:
    """The earlier links stop working. A confirmed address is told so (409)."""
    row = s.merge(user)
    if row.is_verified:
        raise verification.AlreadyVerified("This address is confirmed already.")
    link = links.issue(s, links.VERIFY, email=row.email, user_id=row.id)
    message_id = t.account_mail.verification(s, to=row.email, token=link.token)
    background.add_task(t.deliver_mail, [message_id])
    return accounts.MessageOut(message=f"A new confirmation link is on its way to {row.email}.")


@router.post("/auth/claim", status_code=201, summary="Claim my address with a sign-up's link")
def claim(body: accounts.ClaimIn, request: Request, t: App, write: OwnTx) -> accounts.VerifiedOut:
    """The link mailed when someone signed up with an address an unverified account held:
    with the password typed at that sign-up (403 WRONG_PASSWORD otherwise), the sign-up
    becomes a confirmed account with that address, and the unverified account is disabled
    and signed out everywhere (in its audit trail). Sign in afterwards."""
    _admit(t, request, links.CLAIM, body.token)
    signup.prove_claimant(t.db, body.token, body.password)
    with write() as s:
        user = signup.claim(s, t.authz, body.token, ip=client_ip(request))
        email = user.email
    return accounts.VerifiedOut(email=email, verified=True)


@router.post(
    "/auth/password-reset", status_code=202, summary="Email me a link to reset my password"
)
def ask_for_reset(
    body: accounts.ResetRequestIn, request: Request, background: BackgroundTasks, t: App
) -> accounts.MessageOut:
    """The same answer whether the address has an account or not. Throttled per address
    (3 an hour) and per client (10 an hour): 429 with Retry-After, alike for every address."""
    address = normalize_email(body.email)
    t.resets.admit(address, client_ip(request))
    # the link is issued and mailed after the answer, for every address: an account's link
    # and mail are writes an unknown address would not make, and they took measurably
    # longer (scripts/enumeration_timing.py)
    background.add_task(t.mail_reset_link, address)
    return accounts.MessageOut(message=RESET_ASKED.format(email=address))


@router.post("/auth/password-reset/complete", summary="Set a new password with the mailed link")
def reset_password(
    body: accounts.ResetIn, request: Request, t: App, write: OwnTx
) -> accounts.ResetDoneOut:
    """Single use, one hour. Every session of the account ends (sign in again with the new
    password), and the address counts as confirmed: the link came to it."""
    _admit(t, request, links.RESET, body.token)
    with t.db.reading() as s:  # a dead link is told so before argon2 runs
        links.check_usable(links.find(s, links.RESET, body.token))
    password = hash_new_password(body.new_password)
    with write() as s:
        _, ended = complete_reset(s, token=body.token, password=password, ip=client_ip(request))
    return accounts.ResetDoneOut(
        ended_sessions=ended, message="Your password is set; sign in with it."
    )
