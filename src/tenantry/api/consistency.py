"""The consistency token on the wire: every committed write's response carries the new
revisions it made, in the ``Tenantry-Consistency-Token`` header (and a field where the
response has a body of its own for it)."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantry import consistency


class ConsistencyHeader:
    """Adds the header to a response whose request committed revisions. The commit happens
    before the response starts (``deps.db_session``), so the header is never early."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start":
                state: dict[str, Any] = scope.get("state") or {}
                token = consistency.encode(state.get("revisions") or {})
                if token:
                    headers = list(message.get("headers", []))
                    headers.append((consistency.HEADER.lower().encode(), token.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_token)
