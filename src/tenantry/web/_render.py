"""Rendering: the Jinja2 environment, flash notices, and htmx-aware responses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from tenantry import clock
from tenantry.orgs.service import orgs_of_user

HERE = Path(__file__).parent
HTMX = "htmx-2.0.11.min.js"
FLASH_COOKIE = "tenantry_flash"

templates = Jinja2Templates(directory=HERE / "templates")


def ago(when: datetime | None) -> str:
    """'3 minutes ago'-style text for "last active"."""
    if when is None:
        return "never"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = int((clock.now() - when).total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def stamp(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else ""


templates.env.filters["ago"] = ago
templates.env.filters["stamp"] = stamp
templates.env.globals["htmx_file"] = HTMX


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    name: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page or fragment. A pending flash notice is shown once and then forgotten."""
    notice = request.cookies.get(FLASH_COOKIE)
    context.setdefault("notice", unquote(notice) if notice else None)
    context.setdefault("error", None)
    if context.get("viewer") is not None and "switcher" not in context:
        context["switcher"] = _switcher(request, context["viewer"].user.id)
    response = templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
    if notice:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _switcher(request: Request, user_id: str) -> list[tuple[str, str]]:
    """The header's organization switcher: (id, name) of every organization of the viewer."""
    t = request.app.state.tenantry
    with t.db.reading() as s:
        return [(org.id, org.name) for org in orgs_of_user(s, user_id)]


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """303 See Other after a form post, carrying a one-time notice for the next page."""
    response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(
            FLASH_COOKIE, quote(notice), max_age=60, httponly=True, samesite="lax", path="/"
        )
    return response


def htmx_error(request: Request, message: str, status_code: int) -> Response:
    """An error for an htmx request: shown in the page's message area, not in place."""
    return render(
        request,
        "_message.html",
        status_code,
        headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"},
        error=message,
    )


def safe_next(target: str | None, default: str = "/orgs") -> str:
    """Only same-site paths: never '//evil.example' or 'https://...'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
