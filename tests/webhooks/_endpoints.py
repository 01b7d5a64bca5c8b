"""Making a webhook endpoint in tests, through the service."""

from __future__ import annotations

from tenantry.webhooks import service as webhooks
from tests.factories import actor


def create(t, who, org, url="http://127.0.0.1:9/hook", types=("*",)):
    """An endpoint made by ``who`` in ``org``; (endpoint, secret)."""
    with t.db.transaction() as s:
        return webhooks.create_endpoint(
            s,
            t.authz,
            t.sealer,
            t.webhooks,
            actor=actor(who),
            org_id=org.id,
            url=url,
            event_types=list(types),
        )
