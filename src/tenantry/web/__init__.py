"""The web dashboard: server-rendered pages (Jinja2) with htmx for in-place updates.

Every page calls the same services as the REST API; nothing here talks HTTP to the API.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tenantry.web import (
    account,
    account_page,
    audit,
    invite_link,
    invites,
    orgs,
    recovery,
    settings,
    team,
    webhooks,
)
from tenantry.web._errors import install as install_error_pages
from tenantry.web._render import HERE
from tenantry.web._security import SecurityHeaders
from tenantry.web.docs import router as docs_router
from tenantry.web.org_settings import router as org_settings_router
from tenantry.web.resource_page import router as resource_page_router


def install(app: FastAPI) -> None:
    """Mount the dashboard's pages and its static files on the service's app, with the
    browser security headers on every response."""
    for module in (
        account,
        recovery,
        account_page,
        orgs,
        team,
        invites,
        settings,
        invite_link,
        audit,
        webhooks,
    ):
        app.include_router(module.router)
    app.include_router(docs_router)
    app.include_router(org_settings_router)
    app.include_router(resource_page_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(SecurityHeaders)
    install_error_pages(app)  # pages for browsers where the API answers JSON
