"""FastAPI dependencies, written once and used as typed aliases on every route."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from tenantry import consistency
from tenantry.accounts import sessions
from tenantry.accounts.models import AuthSession, User
from tenantry.accounts.two_factor import require_for_org
from tenantry.apikeys import service as apikeys
from tenantry.apikeys.models import ApiKey
from tenantry.authz.keys import key_snapshot
from tenantry.consistency import FULLY_CONSISTENT
from tenantry.core import Tenantry
from tenantry.engine.evaluate import org_mask
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import DomainError, Kind, NotFound, PermissionDenied
from tenantry.tokens import matches_plain
from tenantry.writes import Actor, changed_revisions

SESSION_COOKIE = "tenantry_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class NotAuthenticated(DomainError):
    code = "NOT_AUTHENTICATED"
    kind = Kind.UNAUTHENTICATED


class CsrfFailed(DomainError):
    code = "CSRF_FAILED"
    kind = Kind.FORBIDDEN


async def get_tenantry(request: Request) -> Tenantry:  # async: no thread for an attribute
    t: Tenantry = request.app.state.tenantry
    return t


App = Annotated[Tenantry, Depends(get_tenantry)]


def client_ip(request: Request) -> str | None:
    """The peer address; X-Forwarded-For is believed only from a configured trusted proxy."""
    peer = request.client.host if request.client else None
    trusted: tuple[str, ...] = request.app.state.settings.trusted_proxies
    if peer and trusted and _in(peer, trusted):
        forwarded = [
            p.strip() for p in request.headers.get("x-forwarded-for", "").split(",") if p.strip()
        ]
        # walk right to left past our own proxies; the first other address is the client
        for hop in reversed(forwarded):
            if not _in(hop, trusted):
                return hop
    return peer


def _in(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


def db_session(t: App, request: Request) -> Iterator[Session]:
    """A transaction for the route, committed when the route returns without error and
    *before* the response is sent (``scope="function"``): a 2xx means committed, and a
    failed commit answers an error instead. Reads get a read transaction, so they never
    wait behind (or hold up) a writer. What a write changed is kept for its token."""
    unit = t.db.transaction if request.method in UNSAFE else t.db.reading
    with unit() as session:
        request.state.tx = session  # what a route wrapper writes must join this transaction
        yield session
        changed = changed_revisions(session)
    if changed:  # committed: only now may the token be handed out
        announce_revisions(request, changed)


def announce_revisions(request: Request, revisions: dict[str, int]) -> None:
    """Send the consistency token of committed revisions with this request's response."""
    merged = consistency.merge(getattr(request.state, "revisions", {}), revisions)
    request.state.revisions = merged


Tx = Annotated[Session, Depends(db_session, scope="function")]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a signed-in user (by cookie or bearer) or an organization's API key."""

    user: User | None
    key: ApiKey | None
    auth_session: AuthSession | None
    ip: str | None

    @property
    def actor(self) -> Actor:
        if self.key is not None:
            return Actor(
                user_id=None, label=f"api-key:{self.key.name}", ip=self.ip, key_id=self.key.id
            )
        assert self.user is not None
        return Actor(user_id=self.user.id, label=self.user.email, ip=self.ip)

    @property
    def user_id(self) -> str:
        return self.user_record.id

    @property
    def user_record(self) -> User:
        if self.user is None:
            raise PermissionDenied("This needs a signed-in user, not an API key.")
        return self.user


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_principal(request: Request, t: App) -> Principal:
    ip = client_ip(request)
    bearer = _bearer(request)
    if bearer is not None and bearer.startswith(apikeys.TOKEN_KIND + "_"):
        key = apikeys.authenticate(t.db, bearer)
        if key is None:
            raise NotAuthenticated("The API key is not valid (revoked, or never issued).")
        return Principal(None, key, None, ip)
    token = bearer or request.cookies.get(SESSION_COOKIE)
    found = sessions.resolve(t.db, token) if token else None
    if found is None:
        raise NotAuthenticated("Sign in first: no valid session or API key was sent.")
    row, user = found
    cookie_write = bearer is None and request.method in UNSAFE
    # cookie-authenticated writes must prove they come from our own pages
    if cookie_write and not matches_plain(request.headers.get(CSRF_HEADER, ""), row.csrf_token):
        raise CsrfFailed("Missing or wrong CSRF token for a cookie-authenticated change.")
    return Principal(user, None, row, ip)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def current_user(principal: CurrentPrincipal) -> User:
    if principal.user is None:
        raise PermissionDenied("This needs a signed-in user, not an API key.")
    return principal.user


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass(frozen=True, slots=True)
class OrgContext:
    org_id: str
    principal: Principal
    snapshot: AccessSnapshot
    mask: int

    def holds(self, t: Tenantry, permission: str) -> bool:
        return bool(self.mask & t.policy.permissions[permission].mask)

    def demand(self, t: Tenantry, permission: str) -> None:
        """403 unless the caller holds ``permission`` here (they can see the organization:
        resolving it answered 404 to anyone with no access at all)."""
        if not self.holds(t, permission):
            label = t.policy.permissions[permission].label
            raise PermissionDenied(f"This needs the '{label}' permission.", permission=permission)

    def is_user(self, user_id: str) -> bool:
        """The caller is this user (about themselves one may always ask)."""
        return self.principal.user is not None and self.principal.user.id == user_id


def resolve_org_context(t: Tenantry, principal: Principal, org_id: str) -> OrgContext:
    """The caller's access in the organization, validated against the database now (fully
    consistent: whoever was removed or demoted anywhere is refused on their very next
    request). Anyone with no access at all gets 404, exactly as for an organization that
    does not exist."""
    if principal.key is not None:
        if principal.key.org_id != org_id:
            raise NotFound("No such organization.")
        with t.db.sessions() as s:
            snap = key_snapshot(s, t.authz, principal.key.id, org_id)
    else:
        snap = t.authz.snapshot(principal.user_id, org_id, consistency=FULLY_CONSISTENT)
    mask = org_mask(t.policy, snap)
    if not snap.is_member and not mask:
        raise NotFound("No such organization.")
    if principal.user is not None:  # people only: an API key has no second factor to show
        require_for_org(principal.user, snap.org.require_two_factor)
    return OrgContext(org_id, principal, snap, mask)


def org_context(
    request: Request,
    t: App,
    principal: CurrentPrincipal,
    org_id: Annotated[str, Path(max_length=64)],
) -> OrgContext:
    """The organization named by the path, as the caller reaches it."""
    ctx = resolve_org_context(t, principal, org_id)
    request.state.org_context = ctx  # a refusal later in the request is audited against it
    return ctx


OrgAccess = Annotated[OrgContext, Depends(org_context)]


def require(gate: Callable[[Tenantry], str]) -> Callable[[App, OrgAccess], OrgContext]:
    """A dependency: the caller holds the permission ``gate(t)`` names in the path's org."""

    def dependency(t: App, ctx: OrgAccess) -> OrgContext:
        ctx.demand(t, gate(t))
        return ctx

    return dependency


# the organization, its member list and what its members hold (the policy's view permission)
OrgViewer = Annotated[OrgContext, Depends(require(lambda t: t.policy.view_permission))]
