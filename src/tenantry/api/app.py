"""The HTTP service: REST API under /v1, the dashboard, /healthz."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from tenantry import web
from tenantry.api import errors, idempotency, openapi
from tenantry.api.consistency import ConsistencyHeader
from tenantry.api.request_id import EchoRequestId
from tenantry.api.routes import (
    access_history,
    access_tokens,
    accounts,
    apikeys,
    audit,
    authzen,
    changes,
    checks,
    cross_roles,
    invitations,
    lookups,
    members,
    my_account,
    orgs,
    policy,
    recovery,
    resources,
    two_factor,
    webhooks,
)
from tenantry.core import Tenantry
from tenantry.mail.worker import MailWorker
from tenantry.settings import Settings
from tenantry.webhooks.worker import WebhookWorker

log = logging.getLogger("tenantry")


def create_app(tenantry: Tenantry | None = None, settings: Settings | None = None) -> FastAPI:
    """The ASGI app. Without ``tenantry``, one is made from the settings (and migrated)."""
    settings = settings or Settings.load()
    t = tenantry or Tenantry.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = MailWorker(t)
        worker.start()
        deliveries = WebhookWorker(t.deliveries)
        deliveries.start()
        try:
            yield
        finally:
            deliveries.stop()
            worker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Tenantry",
        version="1",
        description="Organizations, members, roles, permissions, resources and invitations.",
        # the dashboard serves /docs from vendored files, offline and under its CSP (web.docs)
        docs_url=None,
        redoc_url=None,
    )
    app.state.tenantry = t
    app.state.settings = settings
    app.add_middleware(ConsistencyHeader)
    app.add_middleware(EchoRequestId)  # AuthZEN: X-Request-ID comes back
    errors.install(app)
    idempotency.install(app)  # a kept answer replayed from inside a transaction
    openapi.install(app, t.policy)
    documented: dict[int | str, dict[str, Any]] = {
        code: errors.error_schema() for code in (400, 401, 403, 404, 409, 410, 422, 429)
    }
    for module in (
        accounts,
        access_tokens,  # POST /v1/auth/token: a signed token for other services
        recovery,  # account links: confirm, claim, password reset
        my_account,  # sessions, name, email, the account's audit trail
        two_factor,
        orgs,
        members,
        invitations,
        checks,
        authzen,  # the AuthZEN Authorization API 1.0: /access/v1/evaluation(s)
        apikeys,
        resources,
        lookups,
        audit,
        changes,
        webhooks,
        access_history,
        policy,
    ):
        app.include_router(module.router, responses=documented)
    app.include_router(authzen.well_known)  # /.well-known/authzen-configuration
    app.include_router(access_tokens.well_known)  # /.well-known/jwks.json
    if any(role.cross_org for role in t.policy.roles.values()):
        app.include_router(cross_roles.router, responses=documented)
    web.install(app)  # the dashboard: HTML pages and /static

    @app.get("/healthz", tags=["service"], summary="Liveness and database reachability")
    def healthz() -> dict[str, str]:
        with t.db.sessions() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "policy": t.policy.name}

    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``tenantry serve --workers N``: every setting comes
    from the environment, and the parent has already migrated the database. The workers run
    with uvicorn's proxy headers off (``cli.serve.server_options``); a server started some
    other way must turn them off too (``uvicorn --no-proxy-headers``), or uvicorn believes
    X-Forwarded-For from loopback before ``client_ip`` can apply TENANTRY_TRUSTED_PROXIES."""
    settings = Settings.load()
    return create_app(Tenantry.from_settings(settings, migrate=False), settings)
