"""The route class of every /v1 router: text no database can store is refused before
anything runs (``api.text``), and writes take an Idempotency-Key (``api.idempotency``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from tenantry.api import idempotency
from tenantry.api.consistency import with_token_field
from tenantry.api.text import refuse_unstorable_text


class ApiRoute(APIRoute):
    idempotent: bool = False
    authenticated: bool = False

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.idempotent = idempotency.applies_to(self)
        self.authenticated = idempotency.authenticates(self)
        if self.idempotent:
            self.openapi_extra = idempotency.documented(self.openapi_extra)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = with_token_field(super().get_route_handler())

        async def route(request: Request) -> Response:
            await refuse_unstorable_text(request)
            if not self.idempotent:
                return await handler(request)
            return await idempotency.answer(request, handler, authenticated=self.authenticated)

        return route
