"""Every dashboard route answers in HTML, failures included: a refusal from a service shows
its message on the page (never a traceback, never the API's JSON)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from tenantry.accounts.two_factor import TwoFactorRequired
from tenantry.api.errors import STATUS
from tenantry.api.text import refuse_unstorable_text
from tenantry.errors import DomainError
from tenantry.web._auth import CsrfRejected, LoginRequired
from tenantry.web._errors import error_page
from tenantry.web._render import htmx_error, is_htmx, redirect

log = logging.getLogger("tenantry.web")

CSRF_MESSAGE = (
    "This form could not be accepted: its security token is missing or out of date. "
    "Reload the page and try again."
)


async def failure(
    request: Request, message: str, status_code: int, title: str | None = None
) -> Response:
    """The refusal on the page (or in an htmx page's message area), under the header of
    whoever is signed in."""
    if is_htmx(request):
        return htmx_error(request, message, status_code)
    return await error_page(request, status_code, message, title)


def _login_redirect(request: Request) -> Response:
    target = request.url.path if request.method == "GET" else request.headers.get("referer", "")
    path = target if target.startswith("/") else request.url.path
    url = f"/login?next={quote(path)}" if request.method == "GET" else "/login"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                await refuse_unstorable_text(request)
                return await handler(request)
            except LoginRequired:
                return _login_redirect(request)
            except CsrfRejected:
                return await failure(request, CSRF_MESSAGE, 403, "Form refused")
            except TwoFactorRequired as exc:  # the organization's rule: lead them to set it up
                return redirect("/account#two-factor", notice=exc.message)
            except DomainError as exc:
                return await failure(request, exc.message, STATUS[exc.kind])
            except RequestValidationError as exc:
                problem = exc.errors()[0].get("msg", "invalid") if exc.errors() else "invalid"
                return await failure(request, f"The request was not understood: {problem}.", 422)

        return route
