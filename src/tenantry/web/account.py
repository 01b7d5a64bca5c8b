"""Sign in (with a second factor where the account has one), sign up (which creates your
own organization), sign out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tenantry.accounts import sessions, two_factor
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.models import AuthSession
from tenantry.accounts.passwords import hash_new_password
from tenantry.api.deps import SESSION_COOKIE, App, client_ip
from tenantry.api.errors import STATUS
from tenantry.api.routes.accounts import set_session_cookie
from tenantry.errors import DomainError
from tenantry.orgs.signup import joined_by_invitation, sign_up
from tenantry.tokens import matches_plain
from tenantry.web._auth import (
    CSRF_FIELD,
    CsrfRejected,
    Form,
    MaybeViewer,
    PreSessionForm,
    keep_pre_session_token,
    pre_session_token,
)
from tenantry.web._render import redirect, render, safe_next
from tenantry.web._route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def signed_in_redirect(request: Request, target: str, token: str) -> Response:
    response = redirect(target)
    set_session_cookie(request, response, token)
    return response


def pre_session_page(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    """A page with a form posted before sign-in: it carries the double-submit token."""
    token = pre_session_token(request)
    response = render(request, template, status_code, csrf=token, **context)
    keep_pre_session_token(request, response, token)
    return response


@router.get("/")
def home(viewer: MaybeViewer) -> Response:
    return redirect("/orgs" if viewer else "/login")


@router.get("/login")
def login_page(request: Request, viewer: MaybeViewer, t: App, next: str | None = None) -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    return pre_session_page(
        request,
        "login.html",
        next=safe_next(next),
        email="",
        joins_by=joined_by_invitation(t.policy),
    )


@router.post("/login")
def login(request: Request, form: PreSessionForm, t: App) -> Response:
    email = str(form.get("email", ""))
    target = safe_next(str(form.get("next", "")))
    try:
        signed = t.sign_in(
            t.db,
            email=email,
            password=str(form.get("password", "")),
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except sessions.SecondFactorRequired as exc:
        return pre_session_page(
            request, "login_code.html", challenge=exc.details["challenge"], next=target
        )
    except DomainError as exc:
        headers = {}
        if "retry_after" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after"])
        response = pre_session_page(
            request,
            "login.html",
            STATUS[exc.kind],
            error=exc.message,
            next=target,
            email=email,
            joins_by=joined_by_invitation(t.policy),
        )
        response.headers.update(headers)
        return response
    return signed_in_redirect(request, target, signed.token)


@router.post("/login/code")
def login_code(request: Request, form: PreSessionForm, t: App) -> Response:
    """The second step of a sign-in with two-factor: the code, and the challenge the
    password step put in the page."""
    challenge = str(form.get("challenge", ""))
    target = safe_next(str(form.get("next", "")))
    try:
        signed = two_factor.finish_sign_in(
            t.db,
            t.sealer,
            t.code_guesses,
            challenge=challenge,
            code=str(form.get("code", "")),
            ip=client_ip(request),
        )
    except two_factor.WrongCode as exc:
        return pre_session_page(
            request, "login_code.html", 401, error=exc.message, challenge=challenge, next=target
        )
    except DomainError as exc:  # the challenge is spent or expired: start again
        return pre_session_page(
            request,
            "login.html",
            STATUS[exc.kind],
            error=f"{exc.message} Sign in again.",
            next=target,
            email="",
            joins_by=joined_by_invitation(t.policy),
        )
    return signed_in_redirect(request, target, signed.token)


@router.get("/signup")
def signup_page(request: Request, viewer: MaybeViewer, t: App) -> Response:
    if viewer is not None:
        return redirect("/orgs")
    # where sign-up creates no organization the form asks for no name, and says how one joins
    return pre_session_page(
        request, "signup.html", values={}, joins_by=joined_by_invitation(t.policy)
    )


@router.post("/signup")
def signup(request: Request, form: PreSessionForm, t: App) -> Response:
    values = {k: str(form.get(k, "")) for k in ("name", "email", "organization")}
    ip = client_ip(request)
    try:
        t.sign_ups.admit(normalize_email(values["email"]), ip)  # alike for every address
        password = hash_new_password(str(form.get("password", "")))  # no lock held meanwhile
        with t.db.transaction() as s:
            done = sign_up(
                s,
                t.authz,
                t.account_mail,
                email=values["email"],
                name=values["name"],
                password=password,
                organization_name=values["organization"],
                ip=ip,
            )
    except DomainError as exc:
        return pre_session_page(
            request,
            "signup.html",
            STATUS[exc.kind],
            error=exc.message,
            values=values,
            joins_by=joined_by_invitation(t.policy),
        )
    t.deliver_mail(only=[done.message_id])
    # the same page for every address: it tells nobody which ones have accounts
    return redirect("/signup/sent")


@router.get("/signup/sent")
def signup_sent(request: Request) -> Response:
    return render(request, "signup_sent.html")


@router.post("/logout")
def logout(request: Request, viewer: MaybeViewer, form: Form, t: App) -> Response:
    """Ends this session on the server at once. It needs the session's CSRF token, so no
    other site can sign you out; a session that is already over just goes to the login."""
    if viewer is not None:
        sent = request.headers.get("x-csrf-token") or str(form.get(CSRF_FIELD, ""))
        if not matches_plain(sent, viewer.csrf):
            raise CsrfRejected
        with t.db.transaction() as s:
            row = s.get(AuthSession, viewer.auth_session.id)
            if row is not None:
                sessions.end_session(s, row)
    response = redirect(safe_next(str(form.get("next", "")), "/login"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
