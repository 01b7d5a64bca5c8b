"""Invite Members (many emails at once, role or permissions, resource access) and the
Pending invitations tab: cancel, resend, and the link to pass on when mail failed."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from tenantry.api.deps import App
from tenantry.api.errors import STATUS
from tenantry.errors import DomainError
from tenantry.invitations import service as invitations
from tenantry.invitations.models import Invitation
from tenantry.policy.model import Policy
from tenantry.web._auth import CheckedForm, SignedIn
from tenantry.web._pages import done, org_page, org_view, refused
from tenantry.web._render import is_htmx, render
from tenantry.web._route import WebRoute

router = APIRouter(prefix="/orgs/{org_id}", route_class=WebRoute, include_in_schema=False)


def split_emails(text: str) -> list[str]:
    """One or more addresses, separated by commas, semicolons, spaces or new lines."""
    return [e for e in re.split(r"[\s,;]+", text) if e]


def _offer(
    policy: Policy, form: FormData
) -> tuple[list[str], list[str], list[invitations.ResourceGrantSpec]]:
    roles = [str(r) for r in form.getlist("role") if r]
    perms = {str(p) for p in form.getlist("permission")}
    template = policy.templates.get(str(form.get("template", "")))
    if template is not None:
        perms |= template.permissions
    grants = [
        invitations.ResourceGrantSpec(key.removeprefix("resource:"), str(value))
        for key, value in form.multi_items()
        if key.startswith("resource:") and value
    ]
    return roles, sorted(perms), grants


def typed(form: FormData) -> dict[str, object]:
    """The invite form as it was filled in, to show it again after a refusal."""
    return {
        "emails": str(form.get("emails", "")),
        "role": str(form.get("role", "")),
        "roles": [str(r) for r in form.getlist("role")],
        "permissions": [str(p) for p in form.getlist("permission")],
        "template": str(form.get("template", "")),
        "resources": {
            key.removeprefix("resource:"): str(value)
            for key, value in form.multi_items()
            if key.startswith("resource:")
        },
    }


@router.get("/invitations")
def invitations_tab(org_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return org_page(request, org_view(t, viewer, org_id), viewer, "invitations")


@router.post("/invitations")
def invite(org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App) -> Response:
    """Everyone listed gets the same offer. Mail is sent at once; the results (and the link,
    if a message could not be delivered) are shown above the pending list."""
    view = org_view(t, viewer, org_id)
    roles, perms, grants = _offer(t.policy, form)
    try:
        with t.db.transaction() as s:
            results = invitations.invite(
                s,
                t.authz,
                t.invites,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                emails=split_emails(str(form.get("emails", ""))),
                roles=roles,
                permissions=perms,
                resource_grants=grants,
            )
    except DomainError as exc:  # the dialog opens again with what was typed
        return refused(request, view, viewer, "members", exc, form=typed(form))
    t.deliver_mail(only=[r.message_id for r in results if r.message_id])
    shown = []
    with t.db.reading() as s:
        for r in results:
            inv = s.get(Invitation, r.invitation.id) if r.invitation else None
            failed = inv is not None and inv.delivery_status == "failed"
            shown.append(
                {
                    "email": r.email,
                    "error": r.error.message if r.error else None,
                    "delivery": inv.delivery_status if inv else None,
                    "link": invitations.link_of(inv, t.invites)
                    if inv is not None and failed
                    else None,
                }
            )
    errors = [r.error for r in results if r.error is not None]
    status = STATUS[errors[0].kind] if len(errors) == len(results) else 200
    return org_page(request, view, viewer, "invitations", status, results=shown)


@router.post("/invitations/{invitation_id}/cancel")
def cancel(
    org_id: str, invitation_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            invitations.cancel(
                s,
                t.authz,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                invitation_id=invitation_id,
            )
    except DomainError as exc:
        return refused(request, view, viewer, "invitations", exc)
    notice = "Invitation cancelled: its link no longer works."
    if is_htmx(request):
        return render(request, "_oob_message.html", notice=notice)
    return done(view, "invitations", notice)


@router.post("/invitations/{invitation_id}/resend")
def resend(
    org_id: str, invitation_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            inv, message_id = invitations.resend(
                s,
                t.authz,
                t.invites,
                actor=view.ctx.principal.actor,
                org_id=org_id,
                invitation_id=invitation_id,
            )
            email = inv.email
    except DomainError as exc:
        return refused(request, view, viewer, "invitations", exc)
    t.deliver_mail(only=[message_id])
    return done(
        view, "invitations", f"A new link was sent to {email}; the old one no longer works."
    )
