"""Two-factor sign-in over the API: set it up (QR code), turn it on (recovery codes, once),
turn it off, finish a sign-in with a code; and an organization's rule that its members
must use it."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tenantry.accounts import two_factor
from tenantry.api import account_schemas as accounts
from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal, OrgAccess, Tx, client_ip
from tenantry.api.idempotency import OwnTx
from tenantry.api.route import ApiRoute
from tenantry.api.routes.accounts import set_session_cookie, signed_out
from tenantry.writes import lock_org, record

router = APIRouter(prefix="/v1", tags=["accounts"], route_class=ApiRoute)


@router.post("/auth/signin/second-factor", summary="Finish a sign-in with a code")
def second_factor(
    body: accounts.SecondFactorIn, request: Request, response: Response, t: App
) -> schemas.SignedInOut:
    """The ``challenge`` from sign-in's 401 SECOND_FACTOR_REQUIRED (single use, five
    minutes) and a code from the app or a recovery code. Wrong codes: 401 WRONG_CODE, five
    per account in 15 minutes, then 429."""
    signed = two_factor.finish_sign_in(
        t.db,
        t.sealer,
        t.code_guesses,
        challenge=body.challenge,
        code=body.code,
        ip=client_ip(request),
    )
    set_session_cookie(request, response, signed.token)
    return signed_out(signed)


@router.post("/me/two-factor/setup", summary="Start setting up two-factor sign-in")
def setup(principal: CurrentPrincipal, t: App, s: Tx) -> accounts.TwoFactorSetupOut:
    """A new secret and its QR code; nothing changes at sign-in until it is turned on with
    a code (``POST /v1/me/two-factor/enable``)."""
    user = s.merge(principal.user_record)
    secret, uri, qr = two_factor.begin_setup(s, t.sealer, user)
    return accounts.TwoFactorSetupOut(secret=secret, otpauth_uri=uri, qr_svg=qr)


@router.post("/me/two-factor/enable", summary="Turn two-factor sign-in on")
def enable(
    body: accounts.CodeIn, principal: CurrentPrincipal, t: App, write: OwnTx
) -> accounts.RecoveryCodesOut:
    """With a code from the app that scanned the set-up. Wrong codes count against the
    same budget as at sign-in (five per 15 minutes, then 429)."""
    user = principal.user_record
    with two_factor.guarded(t.code_guesses, user.id), write() as s:
        codes = two_factor.enable(s, t.sealer, s.merge(user), body.code, actor=principal.actor)
    return accounts.RecoveryCodesOut(recovery_codes=codes)


@router.post("/me/two-factor/disable", summary="Turn two-factor sign-in off")
def disable(
    body: accounts.CodeIn, principal: CurrentPrincipal, t: App, write: OwnTx
) -> accounts.MessageOut:
    """With a current code or a recovery code."""
    user = principal.user_record
    with two_factor.guarded(t.code_guesses, user.id), write() as s:
        two_factor.disable(s, t.sealer, s.merge(user), body.code, actor=principal.actor)
    return accounts.MessageOut(message="Two-factor sign-in is off.")


@router.put(
    "/orgs/{org_id}/two-factor-requirement",
    summary="Require two-factor sign-in of this organization's members",
)
def require_two_factor(
    body: accounts.TwoFactorRequirementIn, ctx: OrgAccess, t: App, s: Tx
) -> accounts.TwoFactorRequirementOut:
    """Needs the settings permission. While on, every route of the organization answers
    403 TWO_FACTOR_REQUIRED to a member signed in without two-factor sign-in set up (API
    keys are not people and are not refused). Turning it on needs it yourself."""
    ctx.demand(t, t.policy.settings_permission)
    if body.required:  # no locking oneself out
        two_factor.require_for_org(ctx.principal.user, True)
    org = lock_org(s, ctx.org_id)
    before = org.require_two_factor
    org.require_two_factor = body.required
    record(
        s,
        actor=ctx.principal.actor,
        org_id=org.id,
        action="org.two_factor_requirement",
        target_type="organization",
        target_id=org.id,
        target=org.name,
        before={"required": before},
        after={"required": body.required},
    )
    return accounts.TwoFactorRequirementOut(org_id=org.id, required=body.required)
