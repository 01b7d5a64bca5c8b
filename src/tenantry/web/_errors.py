"""Error pages for browsers: a person who opens a wrong link, lacks access or meets a bug
sees a page of the dashboard (with the header their sign-in state calls for), while API
clients keep the JSON error body. A 500 carries the security headers too: Starlette answers
it from its outermost middleware, past the one that adds them to everything else."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tenantry.web._auth import Viewer, optional_viewer
from tenantry.web._render import is_htmx, render
from tenantry.web._security import CONTENT_SECURITY_POLICY, HEADERS

log = logging.getLogger("tenantry.web")

Handler = Callable[[Request, Any], Any]

# what a person is told, by status; the API's message says the rest where it is a person's
PAGES = {
    400: ("Request not understood", "The browser sent something this page cannot read."),
    401: ("Sign in needed", "Sign in to see this page."),
    403: ("Not allowed", "Your account may not open this page."),
    404: ("Page not found", "There is no page at this address, or it is not yours to see."),
    405: ("Not available", "This page cannot be opened that way."),
    500: ("Something went wrong", "The page failed on our side. Try again in a moment."),
    503: ("Back in a moment", "The service is busy for a moment. Reload the page."),
}
NOT_PAGES = ("/v1/", "/openapi.json", "/healthz", "/static/")


def wants_page(request: Request) -> bool:
    """A browser navigating (it asks for HTML), not an API call, a fetch or an htmx swap."""
    if request.url.path.startswith(NOT_PAGES) or is_htmx(request):
        return False
    return "text/html" in request.headers.get("accept", "")


async def viewer_of(request: Request) -> Viewer | None:
    """Who is signed in, for the page's header; nobody when that cannot be told (the very
    error being shown may be the database's)."""
    try:
        return await run_in_threadpool(optional_viewer, request, request.app.state.tenantry)
    except Exception:
        return None


async def error_page(
    request: Request, status_code: int, message: str | None = None, title: str | None = None
) -> Response:
    default_title, default_message = PAGES.get(status_code, PAGES[500])
    return render(
        request,
        "error.html",
        status_code,
        title=title or default_title,
        message=message or default_message,
        viewer=await viewer_of(request),
    )


def install(app: FastAPI) -> None:
    """Answer browsers with pages where the API's handlers answer JSON; every other request
    goes on to the API's handler, installed before this."""
    api_http: Handler = app.exception_handlers[StarletteHTTPException]
    api_unexpected: Handler = app.exception_handlers[Exception]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not wants_page(request):
            return await _answer(api_http, request, exc)
        response = await error_page(request, exc.status_code)
        response.headers.update(exc.headers or {})
        return response

    async def unexpected(request: Request, exc: Exception) -> Response:
        if wants_page(request):
            log.exception("unhandled error on page %s %s", request.method, request.url.path)
            response = await error_page(request, 500)
        else:
            response = await _answer(api_unexpected, request, exc)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


async def _answer(handler: Handler, request: Request, exc: Exception) -> Response:
    response = handler(request, exc)
    if inspect.isawaitable(response):
        response = await response
    assert isinstance(response, Response)
    return response
