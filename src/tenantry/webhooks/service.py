"""Webhook endpoints: create (the secret shown once), list, update, delete, rotate the
secret, read the delivery log, redeliver by hand; each change audited and guarded by the
policy's webhook permission. Endpoints belong to the organization: they outlive the member
who made them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.audit.words import known_actions
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.service import Authorizer
from tenantry.errors import Conflict, Invalid, NotFound
from tenantry.members import rules
from tenantry.orgs.models import Organization
from tenantry.sealing import Sealer
from tenantry.text import display_name
from tenantry.webhooks import addresses, signing
from tenantry.webhooks.config import WebhookConfig
from tenantry.webhooks.models import WebhookDelivery, WebhookEndpoint
from tenantry.writes import Actor, lock_org, record

ROTATION_GRACE = timedelta(hours=24)  # the previous secret keeps signing this long
MAX_ENDPOINTS = 20
WEBHOOK_ACTIONS = (
    "webhook.created",
    "webhook.updated",
    "webhook.deleted",
    "webhook.secret_rotated",
    "webhook.redelivered",
    "webhook.disabled",
)


class EndpointDisabled(Conflict):
    code = "WEBHOOK_DISABLED"


def event_types_offered() -> list[str]:
    return sorted(set(known_actions()) | set(WEBHOOK_ACTIONS))


def check_event_types(event_types: list[str]) -> list[str]:
    """'*', known actions, or families of them ('member.*'); at least one."""
    chosen = sorted(set(event_types))
    if not chosen or len(chosen) > 50:
        raise Invalid("Choose 1 to 50 event types ('*' for every change).", field="event_types")
    offered = event_types_offered()
    families = {a.split(".", 1)[0] for a in offered}
    for kind in chosen:
        family = kind.removesuffix(".*")
        if kind != "*" and kind not in offered and not (kind.endswith(".*") and family in families):
            raise Invalid(
                f"{kind!r} is not an event type; choose among {', '.join(offered)}, a family "
                "such as 'member.*', or '*'.",
                field="event_types",
            )
    return chosen


def _gate(session: Session, authz: Authorizer, actor: Actor, org_id: str, doing: str) -> None:
    lock_org(session, org_id)
    rules.require(
        authz.policy,
        actor_snapshot(session, authz, actor, org_id),
        authz.policy.webhooks_permission,
        doing,
    )


def recount(session: Session, org_id: str) -> None:
    """Keep the organization's count of enabled endpoints, which writes read to know whether
    to look for endpoints at all."""
    enabled = (
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == org_id, WebhookEndpoint.enabled.is_(True))
        .scalar_subquery()
    )
    session.execute(
        update(Organization)
        .where(Organization.id == org_id)
        .values(webhook_endpoints=enabled)
        .execution_options(synchronize_session=False)
    )


def _shown(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """What the audit trail keeps of an endpoint (never its secret)."""
    return {
        "url": endpoint.url,
        "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled,
        "description": endpoint.description,
    }


def get_endpoint(session: Session, org_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.org_id != org_id:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def list_endpoints(session: Session, org_id: str) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id)
    return list(session.scalars(query.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)))


def create_endpoint(
    session: Session,
    authz: Authorizer,
    sealer: Sealer,
    config: WebhookConfig,
    *,
    actor: Actor,
    org_id: str,
    url: str,
    event_types: list[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (shown this once; kept sealed to sign)."""
    _gate(session, authz, actor, org_id, "Configuring webhooks")
    addresses.check(url, allow_private=config.allow_private, resolve=config.resolve)
    chosen = check_event_types(event_types)
    count = session.scalar(
        select(func.count()).select_from(WebhookEndpoint).where(WebhookEndpoint.org_id == org_id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise Conflict(f"An organization has at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(
        org_id=org_id,
        url=url.strip(),
        description=display_name(description, "A description") if description.strip() else "",
        event_types=chosen,
        secret_sealed=sealer.seal(secret),
        created_by=actor.user_id,
        enabled=True,
        consecutive_failures=0,
    )
    session.add(endpoint)
    session.flush()
    recount(session, org_id)
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="webhook.created",
        target_type="webhook",
        target_id=endpoint.id,
        target=endpoint.url,
        after=_shown(endpoint),
    )
    return endpoint, secret


def update_endpoint(
    session: Session,
    authz: Authorizer,
    config: WebhookConfig,
    *,
    actor: Actor,
    org_id: str,
    endpoint_id: str,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given; enabling again clears the failure count."""
    _gate(session, authz, actor, org_id, "Configuring webhooks")
    endpoint = get_endpoint(session, org_id, endpoint_id)
    before = _shown(endpoint)
    if url is not None:
        addresses.check(url, allow_private=config.allow_private, resolve=config.resolve)
        endpoint.url = url.strip()
    if event_types is not None:
        endpoint.event_types = check_event_types(event_types)
    if description is not None:
        endpoint.description = (
            display_name(description, "A description") if description.strip() else ""
        )
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        endpoint.disabled_reason = None if enabled else "disabled by hand"
        endpoint.consecutive_failures = 0
    session.flush()
    recount(session, org_id)
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="webhook.updated",
        target_type="webhook",
        target_id=endpoint.id,
        target=endpoint.url,
        before=before,
        after=_shown(endpoint),
    )
    return endpoint


def delete_endpoint(
    session: Session, authz: Authorizer, *, actor: Actor, org_id: str, endpoint_id: str
) -> None:
    """The endpoint and its delivery log go; the audit trail keeps what it was."""
    _gate(session, authz, actor, org_id, "Configuring webhooks")
    endpoint = get_endpoint(session, org_id, endpoint_id)
    before = _shown(endpoint)
    session.delete(endpoint)
    session.flush()
    recount(session, org_id)
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="webhook.deleted",
        target_type="webhook",
        target_id=endpoint_id,
        target=before["url"],
        before=before,
    )


def rotate_secret(
    session: Session,
    authz: Authorizer,
    sealer: Sealer,
    *,
    actor: Actor,
    org_id: str,
    endpoint_id: str,
) -> tuple[WebhookEndpoint, str]:
    """A new secret (shown once); the previous one signs too for a day, so a receiver can
    switch without missing a delivery."""
    _gate(session, authz, actor, org_id, "Configuring webhooks")
    endpoint = get_endpoint(session, org_id, endpoint_id)
    secret = signing.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_until = clock.now() + ROTATION_GRACE
    endpoint.secret_sealed = sealer.seal(secret)
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="webhook.secret_rotated",
        target_type="webhook",
        target_id=endpoint.id,
        target=endpoint.url,
        after={"previous_secret_until": endpoint.previous_secret_until.isoformat()},
    )
    return endpoint, secret


def deliveries(
    session: Session,
    org_id: str,
    endpoint_id: str,
    *,
    limit: int = 50,
    before: datetime | None = None,
) -> list[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    get_endpoint(session, org_id, endpoint_id)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if before is not None:
        query = query.where(WebhookDelivery.created_at < before)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    return list(session.scalars(query.limit(limit)))


def redeliver(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    endpoint_id: str,
    delivery_id: str,
) -> WebhookDelivery:
    """Send a delivery again, whatever became of it, with a fresh retry budget (the same
    event id: receivers that saw it already can tell)."""
    _gate(session, authz, actor, org_id, "Redelivering webhooks")
    endpoint = get_endpoint(session, org_id, endpoint_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("No such delivery.")
    if not endpoint.enabled:
        raise EndpointDisabled("The endpoint is disabled: enable it before redelivering.")
    delivery.status = "pending"
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="webhook.redelivered",
        target_type="webhook",
        target_id=endpoint.id,
        target=endpoint.url,
        after={"delivery_id": delivery.id, "event_id": delivery.event_id},
    )
    return delivery
