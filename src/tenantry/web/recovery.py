"""The pages the account emails link to: confirm an address, claim one, forgot password
and the new password, confirm a new address. Opening a link only shows a page; its button
posts the token (mail scanners open links, and must not spend them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from tenantry.accounts import email_change, links, verification
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.passwords import hash_new_password
from tenantry.accounts.reset import complete_reset
from tenantry.api.deps import App, client_ip
from tenantry.api.errors import STATUS
from tenantry.errors import DomainError
from tenantry.orgs import signup
from tenantry.web._auth import CheckedForm, PreSessionForm, SignedIn
from tenantry.web._render import redirect, render
from tenantry.web._route import WebRoute
from tenantry.web.account import pre_session_page

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGES: dict[str, dict[str, str]] = {
    links.VERIFY: {
        "title": "Confirm your email address",
        "text": "Confirm that this address is yours. Invitations and roles sent to it can then "
        "reach your account.",
        "button": "Confirm my address",
        "action": "/verify",
    },
    links.CLAIM: {
        "title": "Confirm your sign-up",
        "text": "Confirming creates your account with this address. The unconfirmed account "
        "that holds the address now is disabled and signed out everywhere.",
        "button": "Confirm and create my account",
        "action": "/claim",
        "password": "The password you chose when you signed up",
    },
    links.EMAIL_CHANGE: {
        "title": "Confirm your new email address",
        "text": "Your account will use this address, and your other sessions end.",
        "button": "Use this address",
        "action": "/confirm-email",
    },
}


def _link_page(request: Request, purpose: str, token: str) -> Response:
    page: dict[str, Any] = dict(PAGES[purpose])
    return pre_session_page(request, "link_confirm.html", token=token, **page)


def _admitted(request: Request, t: App, purpose: str, token: str) -> None:
    t.account_links.admit(t.db, purpose, token, client_ip(request))
    with t.db.reading() as s:
        links.check_usable(links.find(s, purpose, token))


@router.get("/verify/{token}")
def verify_page(token: str, request: Request, t: App) -> Response:
    _admitted(request, t, links.VERIFY, token)
    return _link_page(request, links.VERIFY, token)


@router.post("/verify")
def verify(request: Request, form: PreSessionForm, t: App) -> Response:
    token = str(form.get("token", ""))
    t.account_links.admit(t.db, links.VERIFY, token, client_ip(request))
    with t.db.transaction() as s:
        verification.verify(s, token, ip=client_ip(request))
    return redirect("/orgs", notice="Your email address is confirmed.")


@router.get("/claim/{token}")
def claim_page(token: str, request: Request, t: App) -> Response:
    _admitted(request, t, links.CLAIM, token)
    return _link_page(request, links.CLAIM, token)


@router.post("/claim")
def claim(request: Request, form: PreSessionForm, t: App) -> Response:
    token = str(form.get("token", ""))
    t.account_links.admit(t.db, links.CLAIM, token, client_ip(request))
    signup.prove_claimant(t.db, token, str(form.get("password", "")))
    with t.db.transaction() as s:
        signup.claim(s, t.authz, token, ip=client_ip(request))
    return redirect("/login", notice="Your account is ready: sign in with your password.")


@router.get("/forgot")
def forgot_page(request: Request) -> Response:
    return pre_session_page(request, "forgot.html", email="")


@router.post("/forgot")
def forgot(request: Request, form: PreSessionForm, t: App) -> Response:
    """The same page for every address (and the same refusal when throttled)."""
    raw = str(form.get("email", ""))
    try:
        address = normalize_email(raw)
        t.resets.admit(address, client_ip(request))
    except DomainError as exc:
        return pre_session_page(
            request, "forgot.html", STATUS[exc.kind], error=exc.message, email=raw
        )
    page = pre_session_page(request, "forgot.html", sent=address, email="")
    # issued and mailed after the answer, for every address alike (see the API's route)
    page.background = BackgroundTask(t.mail_reset_link, address)
    return page


@router.get("/reset/{token}")
def reset_page(token: str, request: Request, t: App) -> Response:
    _admitted(request, t, links.RESET, token)
    return pre_session_page(request, "reset.html", token=token)


@router.post("/reset")
def reset(request: Request, form: PreSessionForm, t: App) -> Response:
    token = str(form.get("token", ""))
    _admitted(request, t, links.RESET, token)
    try:
        password = hash_new_password(str(form.get("password", "")))
    except DomainError as exc:
        return pre_session_page(
            request, "reset.html", STATUS[exc.kind], error=exc.message, token=token
        )
    with t.db.transaction() as s:
        complete_reset(s, token=token, password=password, ip=client_ip(request))
    return redirect(
        "/login", notice="Your password is set and every session was signed out. Sign in."
    )


@router.get("/confirm-email/{token}")
def confirm_email_page(token: str, request: Request, viewer: SignedIn, t: App) -> Response:
    _admitted(request, t, links.EMAIL_CHANGE, token)
    page: dict[str, Any] = dict(PAGES[links.EMAIL_CHANGE])
    return render(
        request, "link_confirm.html", viewer=viewer, csrf=viewer.csrf, token=token, **page
    )


@router.post("/confirm-email")
def confirm_email(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    token = str(form.get("token", ""))
    t.account_links.admit(t.db, links.EMAIL_CHANGE, token, client_ip(request))
    with t.db.transaction() as s:
        email_change.confirm(
            s,
            token=token,
            user_id=viewer.user.id,
            keep=viewer.auth_session.id,
            ip=client_ip(request),
        )
    return redirect("/account", notice="Your new address is in use; other sessions ended.")
