"""The consistency token on the wire: every committed write's response carries the new
revisions it made, in the ``Tenantry-Consistency-Token`` header (and a field where the
response has a body of its own for it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantry import consistency
from tenantry.writes import changed_revisions

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


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


def with_token_field(handler: Handler) -> Handler:
    """A route handler whose JSON answer to a write fills its ``consistency_token`` field
    (declared by the response models of writes, ``schemas.Written``) with the revisions the
    write made. It runs before the commit (which follows the handler), so the token names
    exactly what is about to be committed; were the commit to fail, the answer is an error."""

    async def route(request: Request) -> Response:
        response = await handler(request)
        tx: Session | None = getattr(request.state, "tx", None)
        revisions = consistency.merge(
            getattr(request.state, "revisions", {}), changed_revisions(tx) if tx else {}
        )
        if revisions and response.media_type == "application/json" and response.body:
            document = json.loads(bytes(response.body))
            if isinstance(document, dict) and "consistency_token" in document:
                document["consistency_token"] = consistency.encode(revisions)
                response.body = json.dumps(document, separators=(",", ":")).encode()
                response.headers["content-length"] = str(len(response.body))
        return response

    return route
