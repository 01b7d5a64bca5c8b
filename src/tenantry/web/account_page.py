"""The account page: name, email address (re-confirmed), password, two-factor sign-in,
sessions, and the account's audit trail. Every form posts the session's CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from tenantry.accounts import email_change, sessions, two_factor
from tenantry.accounts.closing import delete_account
from tenantry.accounts.models import User
from tenantry.accounts.service import (
    apply_password_change,
    prove_password,
    prove_password_change,
)
from tenantry.accounts.trail import account_events, record_account
from tenantry.api.deps import App
from tenantry.api.errors import STATUS
from tenantry.errors import DomainError
from tenantry.members import service as members
from tenantry.orgs.service import orgs_of_user
from tenantry.text import display_name
from tenantry.web._auth import CheckedForm, SignedIn, Viewer
from tenantry.web._render import redirect, render
from tenantry.web._route import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _page(request: Request, t: App, viewer: Viewer, status: int = 200, **extra: Any) -> Response:
    with t.db.reading() as s:
        user = s.get_one(User, viewer.user.id)
        live = sessions.live_sessions(s, user.id)
        events = account_events(s, user.id, limit=50)
        mine = orgs_of_user(s, user.id)
        s.expunge_all()
    return render(
        request,
        "account.html",
        status,
        viewer=viewer,
        me=user,
        live=live,
        current=viewer.auth_session.id,
        events=events,
        mine=mine,
        **extra,
    )


def _prove_password(t: App, viewer: Viewer, password: str) -> None:
    """The account's password, counted like a sign-in (what an address change and closing
    the account ask for)."""
    prove_password(
        t.db, t.guesses, user_id=viewer.user.id, password=password, ip=viewer.principal.ip
    )


@router.get("/account")
def account(request: Request, viewer: SignedIn, t: App) -> Response:
    return _page(request, t, viewer)


@router.post("/account/name")
def rename(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    with t.db.transaction() as s:
        user = s.get_one(User, viewer.user.id)
        before, user.name = user.name, display_name(str(form.get("name", "")), "An account")
        record_account(
            s,
            actor=viewer.principal.actor,
            user_id=user.id,
            action="account.renamed",
            before={"name": before},
            after={"name": user.name},
        )
    return redirect("/account", notice="Your name is saved.")


@router.post("/account/email")
def change_email(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    try:
        _prove_password(t, viewer, str(form.get("password", "")))
        with t.db.transaction() as s:
            address, message_id = email_change.request(
                s, t.account_mail, user_id=viewer.user.id, new_email=str(form.get("email", ""))
            )
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], error=exc.message)
    done = redirect("/account", notice=f"To finish, open the link we sent to {address}.")
    if message_id is not None:  # after the answer: whether the address is taken shows nowhere
        done.background = BackgroundTask(t.deliver_mail, only=[message_id])
    return done


@router.post("/account/password")
def change_password(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    try:
        change = prove_password_change(
            t.db,
            t.guesses,
            user_id=viewer.user.id,
            current=str(form.get("current_password", "")),
            new=str(form.get("new_password", "")),
            ip=viewer.principal.ip,
        )
        with t.db.transaction() as s:
            apply_password_change(s, change)
            ended = sessions.end_all_sessions(s, viewer.user.id, keep=viewer.auth_session.id)
            record_account(
                s,
                actor=viewer.principal.actor,
                user_id=viewer.user.id,
                action="account.password_changed",
                after={"ended_sessions": ended},
            )
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], error=exc.message)
    return redirect("/account", notice=f"Password changed; {ended} other session(s) ended.")


@router.post("/account/sessions/{session_id}/end")
def end_session(
    session_id: str, request: Request, viewer: SignedIn, form: CheckedForm, t: App
) -> Response:
    with t.db.transaction() as s:
        ended = sessions.end_one(s, viewer.user.id, session_id)
        if ended:
            record_account(
                s,
                actor=viewer.principal.actor,
                user_id=viewer.user.id,
                action="account.session_ended",
                after={"session_id": session_id},
            )
    if session_id == viewer.auth_session.id:
        return redirect("/login", notice="This session is signed out.")
    return redirect("/account", notice="Session ended." if ended else "That session had ended.")


@router.post("/account/sessions/end-others")
def end_others(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    with t.db.transaction() as s:
        ended = sessions.end_all_sessions(s, viewer.user.id, keep=viewer.auth_session.id)
        record_account(
            s,
            actor=viewer.principal.actor,
            user_id=viewer.user.id,
            action="account.sessions_ended",
            after={"ended": ended, "kept_this_one": True},
        )
    return redirect("/account", notice=f"{ended} other session(s) ended.")


@router.post("/account/two-factor/setup")
def two_factor_setup(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    try:
        with t.db.transaction() as s:
            user = s.get_one(User, viewer.user.id)
            secret, uri, qr = two_factor.begin_setup(s, t.sealer, user)
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], error=exc.message)
    return _page(request, t, viewer, setup={"secret": secret, "uri": uri, "qr": qr})


@router.post("/account/two-factor/enable")
def two_factor_enable(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    try:
        with two_factor.guarded(t.code_guesses, viewer.user.id), t.db.transaction() as s:
            user = s.get_one(User, viewer.user.id)
            codes = two_factor.enable(
                s, t.sealer, user, str(form.get("code", "")), actor=viewer.principal.actor
            )
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], error=exc.message)
    return _page(request, t, viewer, recovery_codes=codes)


@router.post("/account/two-factor/disable")
def two_factor_disable(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    try:
        with two_factor.guarded(t.code_guesses, viewer.user.id), t.db.transaction() as s:
            user = s.get_one(User, viewer.user.id)
            two_factor.disable(
                s, t.sealer, user, str(form.get("code", "")), actor=viewer.principal.actor
            )
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], error=exc.message)
    return redirect("/account", notice="Two-factor sign-in is off.")


@router.post("/account/organizations/{org_id}/leave")
def leave(org_id: str, request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    try:
        with t.db.transaction() as s:
            members.leave(s, t.authz, actor=viewer.principal.actor, org_id=org_id)
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], error=exc.message)
    return redirect("/account", notice="You left the organization.")


@router.post("/account/delete")
def delete(request: Request, viewer: SignedIn, form: CheckedForm, t: App) -> Response:
    try:
        _prove_password(t, viewer, str(form.get("password", "")))
        with t.db.transaction() as s:
            user = s.get_one(User, viewer.user.id)
            delete_account(s, t.authz, user=user, actor=viewer.principal.actor)
    except DomainError as exc:
        return _page(request, t, viewer, STATUS[exc.kind], error=exc.message)
    return redirect("/login", notice="Your account is deleted.")
