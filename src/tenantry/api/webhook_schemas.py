"""Request and response bodies of the webhook routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from tenantry.api.schemas import In, Out, Written

Url = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
EventType = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(max_length=200)]
EventTypes = Annotated[
    list[EventType],
    Field(
        min_length=1,
        max_length=50,
        description="Actions ('member.added'), families ('member.*') or '*' for every change.",
    ),
]


class WebhookIn(In):
    url: Url = Field(description="An https:// (or http://) URL on a public host.")
    event_types: EventTypes = Field(default_factory=lambda: ["*"])
    description: Description = ""


class WebhookUpdateIn(In):
    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: bool | None = Field(default=None, description="true clears the failure count.")


class WebhookOut(Written):
    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    created_by: str | None
    created_at: datetime
    previous_secret_until: datetime | None = Field(
        description="After a rotation, the previous secret also signs until then."
    )


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="The signing secret: shown this once.")


class DeliveryOut(Out):
    id: str
    event_id: str = Field(description="The Tenantry-Webhook-Id header: the same on each retry.")
    event_type: str
    status: str = Field(description="pending, delivered or failed (given up).")
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    delivered_at: datetime | None
    created_at: datetime
