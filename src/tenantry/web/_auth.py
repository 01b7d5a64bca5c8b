"""Who is looking at the dashboard, and the CSRF rules for the forms they post.

Signed in: every state-changing form carries the session's own CSRF token (a hidden
``csrf_token`` field; htmx sends it as ``X-CSRF-Token``). Not signed in yet (sign-in,
sign-up, the invitation sign-up): a double-submit cookie, ``tenantry_csrf``, whose value
the form repeats; a cross-site page can make the browser send the cookie but cannot read it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from tenantry.accounts import sessions
from tenantry.accounts.models import AuthSession, User
from tenantry.api.deps import (
    SESSION_COOKIE,
    App,
    OrgContext,
    Principal,
    client_ip,
    resolve_org_context,
)
from tenantry.core import Tenantry
from tenantry.tokens import matches_plain

PRE_SESSION_COOKIE = "tenantry_csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No valid session: the visitor is sent to the sign-in page, then back."""


class CsrfRejected(Exception):
    """The form did not carry the right CSRF token."""


@dataclass(frozen=True, slots=True)
class Viewer:
    user: User
    auth_session: AuthSession
    principal: Principal

    @property
    def csrf(self) -> str:
        return self.auth_session.csrf_token


def optional_viewer(request: Request, t: App) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = sessions.resolve(t.db, token)
    if found is None:
        return None
    row, user = found
    return Viewer(user, row, Principal(user, None, row, client_ip(request)))


MaybeViewer = Annotated[Viewer | None, Depends(optional_viewer)]


def required_viewer(viewer: MaybeViewer) -> Viewer:
    if viewer is None:
        raise LoginRequired
    return viewer


SignedIn = Annotated[Viewer, Depends(required_viewer)]


async def read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(read_form)]


def checked_form(request: Request, viewer: SignedIn, form: Form) -> FormData:
    """The posted form of a signed-in viewer, after the session's CSRF token was checked."""
    sent = request.headers.get("x-csrf-token") or str(form.get(CSRF_FIELD, ""))
    if not matches_plain(sent, viewer.csrf):
        raise CsrfRejected
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def pre_session_token(request: Request) -> str:
    """The double-submit token for forms shown before sign-in (kept if already set)."""
    return request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)


def keep_pre_session_token(request: Request, response: Response, token: str) -> None:
    if request.cookies.get(PRE_SESSION_COOKIE) != token:
        response.set_cookie(
            PRE_SESSION_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            path="/",
            secure=request.app.state.settings.secure_cookies,
        )


def pre_session_form(request: Request, form: Form) -> FormData:
    """A form posted before sign-in: its token must repeat the ``tenantry_csrf`` cookie."""
    cookie = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not cookie or not matches_plain(str(form.get(CSRF_FIELD, "")), cookie):
        raise CsrfRejected
    return form


PreSessionForm = Annotated[FormData, Depends(pre_session_form)]


def org_access(t: Tenantry, viewer: Viewer, org_id: str) -> OrgContext:
    """The viewer's access in the organization (404 for strangers, as the API does)."""
    return resolve_org_context(t, viewer.principal, org_id)
