"""One delivery attempt: the URL checked again now, a connection to exactly the address that
was checked (DNS rebinding gets nowhere), the signed body, no redirects followed."""

from __future__ import annotations

import json
import time

import httpx

from tenantry.webhooks import addresses, signing
from tenantry.webhooks.config import WebhookConfig
from tenantry.webhooks.outbox import Claimed, Outcome

USER_AGENT = "Tenantry-Webhooks/1"


def body_of(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def send(config: WebhookConfig, claimed: Claimed) -> Outcome:
    started = time.monotonic()

    def outcome(status: int | None, error: str | None) -> Outcome:
        return Outcome(
            status, error[:500] if error else None, int((time.monotonic() - started) * 1000)
        )

    if not claimed.secrets:
        return outcome(None, "the signing secret was sealed with another secret key; rotate it")
    try:
        target = addresses.check(
            claimed.url, allow_private=config.allow_private, resolve=config.resolve
        )
    except addresses.UnsafeUrl as exc:
        return outcome(None, f"refused before connecting: {exc.message}")
    body = body_of(claimed.payload)
    timestamp = int(time.time())
    headers = {
        "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.HEADER: signing.header(claimed.secrets, timestamp, body),
        signing.ID_HEADER: claimed.event_id,
        signing.EVENT_HEADER: claimed.event_type,
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with httpx.Client(timeout=config.timeout_seconds, follow_redirects=False) as http:
            response = http.post(
                target.url_for_address(), content=body, headers=headers, extensions=extensions
            )
    except httpx.HTTPError as exc:
        return outcome(None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    if 200 <= response.status_code < 300:
        return outcome(response.status_code, None)
    if 300 <= response.status_code < 400:
        return outcome(response.status_code, "the receiver answered a redirect (not followed)")
    return outcome(response.status_code, f"the receiver answered {response.status_code}")
