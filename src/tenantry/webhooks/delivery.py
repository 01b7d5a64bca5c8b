"""Delivery rounds: claim what is due, send each outside any transaction, settle it; an
endpoint that failed ``disable_after`` attempts in a row is disabled, audited, and the
members who manage webhooks are emailed. A process killed mid-round loses nothing: its
claims' leases run out and the next round (in any process) takes them again."""

from __future__ import annotations

import logging

from sqlalchemy import select

from tenantry.accounts.models import User
from tenantry.authz.service import Authorizer
from tenantry.mail import outbox as mail
from tenantry.orgs.models import Organization
from tenantry.sealing import Sealer
from tenantry.store.db import Database
from tenantry.webhooks import outbox, sender
from tenantry.webhooks.config import WebhookConfig
from tenantry.webhooks.models import WebhookEndpoint
from tenantry.webhooks.service import recount
from tenantry.writes import Actor, lock_org, record

log = logging.getLogger("tenantry.webhooks")
DELIVERY_ACTOR = Actor(user_id=None, label="webhook delivery")


class Deliveries:
    def __init__(
        self, db: Database, authz: Authorizer, sealer: Sealer, config: WebhookConfig
    ) -> None:
        self.db, self.authz, self.sealer, self.config = db, authz, sealer, config

    def run_once(self, only: list[str] | None = None) -> int:
        """One round; how many deliveries succeeded."""
        with self.db.transaction() as s:
            claimed = outbox.claim_due(s, self.sealer, self.config, only=only)
        delivered = 0
        for item in claimed:
            result = sender.send(self.config, item)
            delivered += result.error is None
            with self.db.transaction() as s:
                failing = outbox.settle(s, self.config, item.delivery_id, result)
                failing_id = failing.id if failing is not None else None
            if failing_id is not None:
                self._disable(failing_id, result.error or "")
        return delivered

    def _disable(self, endpoint_id: str, last_error: str) -> None:
        with self.db.reading() as s:
            found = s.get(WebhookEndpoint, endpoint_id)
            if found is None:
                return
            org_id = found.org_id
        managers = self.authz.lookup_subjects(self.authz.policy.webhooks_permission, org_id)
        with self.db.transaction() as s:
            org = lock_org(s, org_id)
            endpoint = s.get(WebhookEndpoint, endpoint_id)
            if endpoint is None or not endpoint.enabled:
                return
            failures = endpoint.consecutive_failures
            endpoint.enabled = False
            endpoint.disabled_reason = f"{failures} failed attempts in a row; last: {last_error}"[
                :500
            ]
            s.flush()
            recount(s, org_id)
            record(
                s,
                actor=DELIVERY_ACTOR,
                org_id=org_id,
                action="webhook.disabled",
                target_type="webhook",
                target_id=endpoint.id,
                target=endpoint.url,
                before={"enabled": True},
                after={"enabled": False, "failures": failures, "last_error": last_error[:200]},
            )
            emails = list(s.scalars(select(User.email).where(User.id.in_(managers))))
            for email in emails:
                mail.enqueue(
                    s,
                    self.sealer,
                    to=email,
                    subject=f"Webhook disabled in {org.name}",
                    body=_notice(org, endpoint, failures, last_error),
                )
        log.warning("webhook endpoint %s disabled after %d failures", endpoint_id, failures)


def _notice(org: Organization, endpoint: WebhookEndpoint, failures: int, error: str) -> str:
    return (
        f"The webhook endpoint {endpoint.url} of {org.name} failed {failures} delivery "
        f"attempts in a row and has been disabled. The last error was: {error}\n\n"
        "Deliveries wait while it is disabled. Fix the receiver, then enable the endpoint "
        "again in the dashboard (Webhooks) or with PATCH /v1/orgs/{org}/webhooks/{id} "
        '{"enabled": true}; redeliver failed deliveries from its delivery log.\n'
    )
