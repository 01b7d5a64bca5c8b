"""Requests over the wire: one httpx connection per caller, answers kept raw.

``send(http, call, token)`` sends one ``tenantry.client.calls`` description and returns a
``Reply`` with the status, body, consistency token and, when no answer came back at all
(a killed server, a reset connection), the transport error instead of raising.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from tenantry.client import LIMITS
from tenantry.client.calls import Call

CONSISTENCY = "tenantry-consistency-token"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int  # 0: no answer (transport error)
    body: Any
    token: str | None = None  # the consistency token header of a write
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def answered(self) -> bool:
        return self.status != 0

    @property
    def code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            code = self.body["error"].get("code")
            return str(code) if code is not None else None
        return None

    def __str__(self) -> str:
        if not self.answered:
            return f"no answer ({self.error})"
        return f"{self.status} {self.code or ''} {json.dumps(self.body)[:300]}"


def dashboard_form(path: str, session_token: str, csrf: str, **fields: str) -> dict[str, Any]:
    """What a signed-in browser posts to a dashboard page: ``Shot``/``send`` keywords."""
    return {
        "call": Call("POST", path, None),
        "headers": {"Cookie": f"tenantry_session={session_token}"},
        "form": {"csrf_token": csrf, **fields},
    }


def connection(base_url: str) -> httpx.Client:
    """A client that holds exactly one keep-alive connection to ``base_url``."""
    return httpx.Client(
        base_url=base_url,
        timeout=TIMEOUT,
        # not reused once idle near the server's keep-alive timeout (tenantry.client.LIMITS)
        limits=httpx.Limits(
            max_connections=1, max_keepalive_connections=1, keepalive_expiry=LIMITS.keepalive_expiry
        ),
    )


def send(
    http: httpx.Client,
    call: Call[Any],
    token: str | None = None,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    form: dict[str, str] | None = None,
) -> Reply:
    """``form``: post the call's path as a dashboard form instead (``headers`` then carry the
    session cookie and ``token`` is not sent)."""
    all_headers = {"Authorization": f"Bearer {token}"} if token and form is None else {}
    all_headers.update(headers or {})
    body = call.json if json_body is None else json_body
    try:
        if form is not None:
            response = http.request(call.method, call.path, data=form, headers=all_headers)
        else:
            response = http.request(
                call.method, call.path, json=body, params=call.params, headers=all_headers
            )
    except httpx.TransportError as exc:
        return Reply(0, None, error=f"{type(exc).__name__}: {exc}")
    try:
        payload = response.json() if response.content else None
    except ValueError:  # a dashboard page
        payload = response.text[:200]
    return Reply(response.status_code, payload, response.headers.get(CONSISTENCY))


class Node:
    """Sequential calls to one server over one connection (reopened after a failure)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = connection(base_url)

    def send(self, call: Call[Any], token: str | None = None, **kw: Any) -> Reply:
        reply = send(self.http, call, token, **kw)
        if not reply.answered:  # start over on a fresh connection next time
            self.http.close()
            self.http = connection(self.base_url)
        return reply

    def close(self) -> None:
        self.http.close()
