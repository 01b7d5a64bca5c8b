"""Organization-owned webhook endpoints, their delivery log and manual redelivery; every
route needs the policy's webhook permission."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from tenantry.api import webhook_schemas as schemas
from tenantry.api.deps import App, OrgContext, Tx, require
from tenantry.api.route import ApiRoute
from tenantry.webhooks import service as webhooks
from tenantry.webhooks.models import WebhookEndpoint

router = APIRouter(prefix="/v1/orgs/{org_id}/webhooks", tags=["webhooks"], route_class=ApiRoute)
WebhookManager = Annotated[OrgContext, Depends(require(lambda t: t.policy.webhooks_permission))]


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> schemas.WebhookSecretOut:
    shown = schemas.WebhookOut.model_validate(endpoint).model_dump()
    return schemas.WebhookSecretOut(**shown, secret=secret)


@router.post("", status_code=201, summary="Add a webhook endpoint (its secret is shown once)")
def create_webhook(
    body: schemas.WebhookIn, ctx: WebhookManager, t: App, s: Tx
) -> schemas.WebhookSecretOut:
    """The endpoint belongs to the organization: it keeps receiving after its creator
    leaves. The URL must resolve to public addresses only (checked again at each delivery)."""
    endpoint, secret = webhooks.create_endpoint(
        s,
        t.authz,
        t.sealer,
        t.webhooks,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
    )
    return _with_secret(endpoint, secret)


@router.get("", summary="The organization's webhook endpoints")
def list_webhooks(ctx: WebhookManager, s: Tx) -> list[schemas.WebhookOut]:
    return [schemas.WebhookOut.model_validate(e) for e in webhooks.list_endpoints(s, ctx.org_id)]


@router.get("/{endpoint_id}", summary="One webhook endpoint")
def get_webhook(endpoint_id: str, ctx: WebhookManager, s: Tx) -> schemas.WebhookOut:
    return schemas.WebhookOut.model_validate(webhooks.get_endpoint(s, ctx.org_id, endpoint_id))


@router.patch("/{endpoint_id}", summary="Change the URL, event types, description; enable")
def update_webhook(
    endpoint_id: str, body: schemas.WebhookUpdateIn, ctx: WebhookManager, t: App, s: Tx
) -> schemas.WebhookOut:
    endpoint = webhooks.update_endpoint(
        s,
        t.authz,
        t.webhooks,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        endpoint_id=endpoint_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        enabled=body.enabled,
    )
    return schemas.WebhookOut.model_validate(endpoint)


@router.delete("/{endpoint_id}", status_code=204, summary="Delete a webhook endpoint")
def delete_webhook(endpoint_id: str, ctx: WebhookManager, t: App, s: Tx) -> None:
    webhooks.delete_endpoint(
        s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, endpoint_id=endpoint_id
    )


@router.post("/{endpoint_id}/rotate-secret", summary="A new signing secret (shown once)")
def rotate_secret(endpoint_id: str, ctx: WebhookManager, t: App, s: Tx) -> schemas.WebhookSecretOut:
    """The previous secret keeps signing (a second v1 in the header) for 24 hours."""
    endpoint, secret = webhooks.rotate_secret(
        s,
        t.authz,
        t.sealer,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        endpoint_id=endpoint_id,
    )
    return _with_secret(endpoint, secret)


@router.get("/{endpoint_id}/deliveries", summary="The endpoint's delivery log, newest first")
def list_deliveries(
    endpoint_id: str,
    ctx: WebhookManager,
    s: Tx,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[schemas.DeliveryOut]:
    found = webhooks.deliveries(s, ctx.org_id, endpoint_id, limit=limit)
    return [schemas.DeliveryOut.model_validate(d) for d in found]


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    summary="Send a delivery again (a fresh retry budget, the same event id)",
)
def redeliver(
    endpoint_id: str, delivery_id: str, ctx: WebhookManager, t: App, s: Tx
) -> schemas.DeliveryOut:
    delivery = webhooks.redeliver(
        s,
        t.authz,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
    )
    return schemas.DeliveryOut.model_validate(delivery)
