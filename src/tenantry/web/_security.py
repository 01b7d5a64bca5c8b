"""Browser security headers on every response: the dashboard's pages, fragments, redirects,
errors, static files and the API docs (and the API's JSON, where they cost nothing).

The Content-Security-Policy allows scripts and styles only from our own /static files: no
inline script, no ``on*=`` handler attribute, no ``javascript:`` URL, no inline style, no
eval (htmx is configured not to need any, in base.html). ``frame-ancestors 'none'`` and
X-Frame-Options DENY keep the remove and role buttons out of other sites' frames.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin pages still get a Referer (the dashboard's sign-in redirect reads it);
    # other sites never see a URL, e.g. one holding an invitation token
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds the headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
