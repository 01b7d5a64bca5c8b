"""AuthZEN's HTTPS binding: a request's ``X-Request-ID`` comes back on its response, errors
included, so a policy enforcement point can match answers to questions."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantry.api.errors import ACCESS_PATH

_HEADER = b"x-request-id"
_SAFE = re.compile(rb"[\x21-\x7e]{1,200}")  # visible ASCII, at most 200 characters


class EchoRequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(ACCESS_PATH):
            await self.app(scope, receive, send)
            return
        asked = next((value for name, value in scope["headers"] if name == _HEADER), None)
        if asked is None or not _SAFE.fullmatch(asked):
            await self.app(scope, receive, send)
            return

        async def echoing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (_HEADER, asked)]
            await send(message)

        await self.app(scope, receive, echoing)
