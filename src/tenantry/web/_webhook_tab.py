"""What the webhooks tab shows: each endpoint with its recent deliveries, and the event
types one may choose."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tenantry.webhooks import service as webhooks

RECENT = 10


def tab_data(s: Session, org_id: str) -> dict[str, Any]:
    endpoints = webhooks.list_endpoints(s, org_id)
    return {
        "endpoints": [
            {"endpoint": e, "deliveries": webhooks.deliveries(s, org_id, e.id, limit=RECENT)}
            for e in endpoints
        ],
        "event_types": ["*", *webhooks.event_types_offered()],
    }
