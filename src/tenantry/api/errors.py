"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}.

Domain errors map to statuses here and nowhere else. Nothing a client sends can produce a
traceback, SQL or a secret in a response."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from tenantry.errors import DomainError, Kind
from tenantry.writes import record_denial

log = logging.getLogger("tenantry.api")

STATUS = {
    Kind.INVALID: 422,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.GONE: 410,
    Kind.RATE_LIMITED: 429,
    Kind.UNAVAILABLE: 503,
}
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "NOT_AUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "INVALID",
    429: "RATE_LIMITED",
}


# the AuthZEN API's paths: a request it cannot act on is a 400 there, as its transport says
ACCESS_PATH = "/access/v1"


def http_status(path: str, status: int) -> int:
    return 400 if status == 422 and path.startswith(ACCESS_PATH) else status


def validation_problems(errors: Sequence[Any]) -> tuple[list[dict[str, str]], str]:
    """Pydantic's errors as ``[{"field", "problem"}]``, and the first one as a message."""
    problems = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
        for e in errors
    ]
    first = problems[0] if problems else {"field": "", "problem": "invalid"}
    message = f"{first['field']}: {first['problem']}" if first["field"] else first["problem"]
    return problems, message


def body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_schema() -> dict[str, Any]:
    """The OpenAPI response entry shared by every documented error status."""
    return {
        "description": "Error",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message", "details"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "details": {"type": "object"},
                            },
                        }
                    },
                }
            }
        },
    }


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods of the path template that routing would pick: of the templates matching
    the path, those with the fewest parameters (``/members/remove`` over ``/members/{id}``)."""
    matches: list[tuple[int, set[str]]] = []
    for template, item in app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            matches.append((template.count("{"), {m.upper() for m in item}))
    fewest = min((n for n, _ in matches), default=0)
    return sorted(set().union(*(m for n, m in matches if n == fewest)))


def _route(request: Request) -> str:
    """The route's template (``/invite/{token}``), never the path with its secrets."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "(no route)"))


def _audit_denial(request: Request, ctx: Any, exc: DomainError) -> None:
    action = f"{request.method} {_route(request)}"
    detail = {k: v for k, v in exc.details.items() if k in ("permission", "role", "roles")}
    try:
        with request.app.state.tenantry.db.transaction() as s:
            record_denial(
                s,
                actor=ctx.principal.actor,
                org_id=ctx.org_id,
                action=action,
                code=exc.code,
                detail=detail,
            )
    except SQLAlchemyError:  # the refusal itself must still reach the caller
        log.exception("could not audit a denied request")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status = http_status(request.url.path, STATUS[exc.kind])
        ctx = getattr(request.state, "org_context", None)
        if status == 403 and ctx is not None:
            await run_in_threadpool(_audit_denial, request, ctx, exc)
        headers = {}
        if status in (429, 503) and "retry_after" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after"])
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(body(exc.code, exc.message, exc.details), status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems, message = validation_problems(exc.errors())
        status = http_status(request.url.path, 422)
        return JSONResponse(body("INVALID", message, {"problems": problems}), status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "ERROR")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ").lower()
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # every method the path supports, across routes (Starlette names only the first)
            headers["Allow"] = ", ".join(_allowed_methods(app, request.url.path))
        return JSONResponse(body(code, message), exc.status_code, headers=headers)

    @app.exception_handler(IntegrityError)
    async def constraint_conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        # a concurrent request took what this one wanted (a unique email, a unique role)
        return JSONResponse(
            body("CONFLICT", "A concurrent change conflicts with this one; reload and retry."),
            409,
        )

    @app.exception_handler(DBAPIError)
    async def database_unavailable(request: Request, exc: DBAPIError) -> JSONResponse:
        # a lost connection, a server restart, a lock timeout: nothing was committed, and the
        # same request may simply be sent again
        log.warning("database error on %s %s: %s", request.method, _route(request), exc.orig)
        return JSONResponse(
            body("RETRY", "The database is unavailable for a moment; send the request again."),
            503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        # every pooled connection stayed busy for TENANTRY_DB_POOL_TIMEOUT: nothing was done
        log.warning("no database connection came free for %s %s", request.method, _route(request))
        return JSONResponse(
            body("RETRY", "The service is busy for a moment; send the request again."),
            503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, _route(request))
        return JSONResponse(body("INTERNAL", "Something went wrong on our side."), 500)
