"""Access tokens for other services: ``POST /v1/auth/token`` exchanges the caller's session
for a short-lived signed JWT; ``GET /.well-known/jwks.json`` publishes the keys to verify it
with (``tenantry.access_tokens``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import Field, StringConstraints

from tenantry.access_tokens import service as access_tokens
from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal, resolve_org_context
from tenantry.api.route import ApiRoute
from tenantry.errors import PermissionDenied

router = APIRouter(tags=["accounts"], route_class=ApiRoute)

_MIN, _MAX = int(access_tokens.MIN_TTL.total_seconds()), int(access_tokens.MAX_TTL.total_seconds())
_DEFAULT = int(access_tokens.DEFAULT_TTL.total_seconds())


class TokenIn(schemas.In):
    org_id: schemas.Id | None = Field(
        default=None, description="The organization the token speaks for (you must reach it)."
    )
    audience: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="The service the token is for: its aud claim, which that service checks.",
    )
    ttl_seconds: Annotated[int, Field(ge=_MIN, le=_MAX), schemas.WHOLE_NUMBER] = _DEFAULT


class TokenOut(schemas.Out):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    key_id: str


@router.post("/v1/auth/token", summary="A short-lived signed token for other services")
def issue_token(body: TokenIn, principal: CurrentPrincipal, t: App, response: Response) -> TokenOut:
    """A JWT (ES256) with ``sub`` (your user id), ``sid`` (this session), and with
    ``org_id``: that organization, its ``revision`` and ``ct``, the consistency token a
    service passes as ``at_least``. Verify it with the keys at ``/.well-known/jwks.json``.
    It outlives a sign-out until it expires (5 minutes unless asked, at most an hour)."""
    if principal.auth_session is None or principal.user is None:
        raise PermissionDenied("Only a signed-in session can be exchanged, not an API key.")
    org = None
    if body.org_id is not None:
        ctx = resolve_org_context(t, principal, body.org_id)  # 404 unless you reach it
        org = (ctx.org_id, ctx.snapshot.org.revision)
    with t.db.transaction() as s:  # the first token of a deployment makes its first key
        issued = access_tokens.issue(
            s,
            t.sealer,
            issuer=t.invites.base_url.rstrip("/"),
            user_id=principal.user.id,
            session_id=principal.auth_session.id,
            org=org,
            audience=body.audience,
            ttl=timedelta(seconds=body.ttl_seconds),
        )
    response.headers["Cache-Control"] = "no-store"  # a credential: never kept by a cache
    return TokenOut(access_token=issued.token, expires_in=body.ttl_seconds, key_id=issued.key_id)


well_known = APIRouter(tags=["accounts"], route_class=ApiRoute)


@well_known.get("/.well-known/jwks.json", summary="The keys that verify access tokens")
def jwks(t: App, response: Response) -> dict[str, list[dict[str, object]]]:
    """Every key that signs now, and every retired one until the last token it signed has
    expired. A verifier may cache this for a minute, and fetches it again when a token names
    a key it has not seen (a new key signs as soon as it is made)."""
    response.headers["Cache-Control"] = "public, max-age=60"
    with t.db.reading() as s:
        return access_tokens.jwks(s)
