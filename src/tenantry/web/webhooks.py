"""The dashboard's webhooks tab: add an endpoint (its secret shown once), enable or disable
it, rotate its secret, delete it, and redeliver from its delivery log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tenantry.api.deps import App
from tenantry.core import Tenantry
from tenantry.errors import DomainError
from tenantry.web._auth import CheckedForm, SignedIn, Viewer
from tenantry.web._pages import done, org_page, org_view, refused
from tenantry.web._route import WebRoute
from tenantry.web._views import OrgView
from tenantry.webhooks import service as webhooks
from tenantry.webhooks.models import WebhookEndpoint

router = APIRouter(prefix="/orgs/{org_id}/webhooks", route_class=WebRoute, include_in_schema=False)
TAB = "webhooks"


@router.get("")
def webhooks_tab(org_id: str, request: Request, viewer: SignedIn, t: App) -> Response:
    return org_page(request, org_view(t, viewer, org_id), viewer, TAB)


def _act(
    request: Request,
    viewer: Viewer,
    t: Tenantry,
    org_id: str,
    change: Callable[[Session, OrgView], Any],
    notice: str,
) -> Response:
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            change(s, view)
    except DomainError as exc:
        return refused(request, view, viewer, TAB, exc)
    return done(view, TAB, notice)


def _show_secret(
    request: Request,
    viewer: Viewer,
    t: Tenantry,
    org_id: str,
    make: Callable[[Session, OrgView], tuple[WebhookEndpoint, str]],
) -> Response:
    """A change that gives a secret: it is on this one response only."""
    view = org_view(t, viewer, org_id)
    try:
        with t.db.transaction() as s:
            endpoint, secret = make(s, view)
            url = endpoint.url
    except DomainError as exc:
        return refused(request, view, viewer, TAB, exc)
    return org_page(request, view, viewer, TAB, new_hook={"url": url, "secret": secret})


@router.post("")
def create_webhook(
    org_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    return _show_secret(
        request,
        viewer,
        t,
        org_id,
        lambda s, view: webhooks.create_endpoint(
            s,
            t.authz,
            t.sealer,
            t.webhooks,
            actor=view.ctx.principal.actor,
            org_id=org_id,
            url=str(form.get("url", "")),
            event_types=[str(e) for e in form.getlist("event_type") if e] or ["*"],
            description=str(form.get("description", "")),
        ),
    )


@router.post("/{endpoint_id}/enabled")
def set_enabled(
    org_id: str, endpoint_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    enable = form.get("enabled") == "1"
    return _act(
        request,
        viewer,
        t,
        org_id,
        lambda s, view: webhooks.update_endpoint(
            s,
            t.authz,
            t.webhooks,
            actor=view.ctx.principal.actor,
            org_id=org_id,
            endpoint_id=endpoint_id,
            enabled=enable,
        ),
        "Webhook enabled: waiting deliveries go out now." if enable else "Webhook disabled.",
    )


@router.post("/{endpoint_id}/rotate")
def rotate(
    org_id: str, endpoint_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    return _show_secret(
        request,
        viewer,
        t,
        org_id,
        lambda s, view: webhooks.rotate_secret(
            s,
            t.authz,
            t.sealer,
            actor=view.ctx.principal.actor,
            org_id=org_id,
            endpoint_id=endpoint_id,
        ),
    )


@router.post("/{endpoint_id}/delete")
def delete(
    org_id: str, endpoint_id: str, request: Request, form: CheckedForm, viewer: SignedIn, t: App
) -> Response:
    return _act(
        request,
        viewer,
        t,
        org_id,
        lambda s, view: webhooks.delete_endpoint(
            s, t.authz, actor=view.ctx.principal.actor, org_id=org_id, endpoint_id=endpoint_id
        ),
        "Webhook deleted.",
    )


@router.post("/{endpoint_id}/deliveries/{delivery_id}/redeliver")
def redeliver(
    org_id: str,
    endpoint_id: str,
    delivery_id: str,
    request: Request,
    form: CheckedForm,
    viewer: SignedIn,
    t: App,
) -> Response:
    return _act(
        request,
        viewer,
        t,
        org_id,
        lambda s, view: webhooks.redeliver(
            s,
            t.authz,
            actor=view.ctx.principal.actor,
            org_id=org_id,
            endpoint_id=endpoint_id,
            delivery_id=delivery_id,
        ),
        "Delivery queued again.",
    )
