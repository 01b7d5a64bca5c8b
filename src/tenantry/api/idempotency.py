"""Idempotency-Key on the API's writes (every POST, PATCH, PUT and DELETE under /v1 that runs
in a route transaction).

The first 2xx answer under a key is kept *in the transaction of the write* (the route's
``Tx``: FastAPI runs its commit only after this wrapper returned the response), so a kept
answer exists exactly when the write committed. A retry with the same key and request
gets that answer again (``Idempotent-Replayed: true``) and nothing runs; the same key with
another body, method or path is a 422 ``IDEMPOTENCY_KEY_REUSED``. Concurrent duplicates
collide on the kept row's primary key: one commits, the others roll back and are answered
with the winner's answer (or 409 ``IDEMPOTENCY_IN_PROGRESS``, retry). Refusals are not
kept: they changed nothing, and a retry may succeed later (a seat freed, the database back).

Routes whose answer needs work after their commit (the invitation mail attempt) use
``OwnTx``: the key is held in their write transaction and the answer written just after.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tenantry import consistency
from tenantry.api.deps import (
    SESSION_COOKIE,
    UNSAFE,
    CsrfFailed,
    NotAuthenticated,
    announce_revisions,
    client_ip,
    current_principal,
    db_session,
)
from tenantry.core import Tenantry
from tenantry.errors import DomainError
from tenantry.idempotency import service as kept
from tenantry.writes import changed_revisions

REPLAYED = "Idempotent-Replayed"
log = logging.getLogger("tenantry.api")


class Replay(Exception):  # not an error: the answer to send instead
    """Raised to answer with a kept response while rolling back the route's transaction."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


@dataclass(slots=True)
class _Keyed:
    keyed: kept.Keyed
    reserved: bool = False  # an OwnTx write committed holding the key


class OwnTransaction:
    """A write transaction the route opens and commits itself, before its answer is ready.
    Like ``Tx`` it holds the request's Idempotency-Key and announces its revisions."""

    def __init__(self, request: Request) -> None:
        self.request = request

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        t: Tenantry = self.request.app.state.tenantry
        pending: _Keyed | None = getattr(self.request.state, "idempotency", None)
        holds = pending is not None and not pending.reserved
        with t.db.transaction() as session:
            yield session
            if holds and pending is not None:
                kept.reserve(session, pending.keyed)
            changed = changed_revisions(session)
        if holds and pending is not None:
            pending.reserved = True
        if changed:
            announce_revisions(self.request, changed)


def own_transaction(request: Request) -> OwnTransaction:
    return OwnTransaction(request)


OwnTx = Annotated[OwnTransaction, Depends(own_transaction)]


def applies_to(route: APIRoute) -> bool:
    """A write that runs in a route transaction (``Tx`` or ``OwnTx``)."""
    return bool((route.methods or set()) & UNSAFE) and _depends_on(
        route.dependant, (db_session, own_transaction)
    )


def authenticates(route: APIRoute) -> bool:
    return _depends_on(route.dependant, (current_principal,))


def _depends_on(dependant: Dependant, calls: tuple[Callable[..., Any], ...]) -> bool:
    return any(d.call in calls or _depends_on(d, calls) for d in dependant.dependencies)


def documented(extra: dict[str, Any] | None) -> dict[str, Any]:
    """``openapi_extra`` with the Idempotency-Key header parameter (once)."""
    extra = dict(extra or {})
    parameters = list(extra.get("parameters", []))
    if not any(p.get("name") == kept.HEADER for p in parameters):
        parameters.append(
            {
                "name": kept.HEADER,
                "in": "header",
                "required": False,
                "description": (
                    "Send a write once, whatever happens on the way: a retry with the same key "
                    "and request gets the first answer again (for 24 hours) and applies "
                    "nothing twice; the same key with another request is a 422 "
                    "IDEMPOTENCY_KEY_REUSED. Use a new random UUID per request."
                ),
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": kept.MAX_KEY_LENGTH,
                    "pattern": "^[ -~]+$",
                },
            }
        )
    extra["parameters"] = parameters
    return extra


Handler = Callable[[Request], Awaitable[Response]]


async def answer(request: Request, handler: Handler, *, authenticated: bool) -> Response:
    """Run the route under the request's Idempotency-Key (or plainly, without one)."""
    raw = request.headers.get(kept.HEADER)
    if raw is None:
        return await handler(request)
    key = kept.check_key(raw)
    caller = _caller(request, authenticated)
    if caller is None:  # no credential on a route that needs one: it answers 401
        return await handler(request)
    t: Tenantry = request.app.state.tenantry
    query = request.url.query
    keyed = kept.Keyed.of(
        caller=caller,
        key=key,
        method=request.method,
        target=request.url.path + (f"?{query}" if query else ""),
        body=await request.body(),
    )
    earlier = await run_in_threadpool(_kept_answer, t, keyed)
    if earlier is not None:
        if authenticated:  # a replay needs the credential to be valid still
            await run_in_threadpool(current_principal, request, t)
        return _replay(earlier)

    pending = request.state.idempotency = _Keyed(keyed)
    try:
        response = await handler(request)
    except (DomainError, IntegrityError) as exc:
        if isinstance(exc, (NotAuthenticated, CsrfFailed)):
            raise
        # a concurrent duplicate may have committed while this one ran: answer as it did
        won = await run_in_threadpool(_winner, t, keyed)
        if won is None:
            raise
        raise Replay(_replay(won)) from None
    if not 200 <= response.status_code < 300 or not hasattr(response, "body"):
        return response
    if pending.reserved:  # an OwnTx write: committed already, its answer goes in now
        first = _first_answer(request, response, None)
        await run_in_threadpool(_complete, t, keyed, first)
        return response
    tx: Session = request.state.tx
    first = _first_answer(request, response, tx)
    try:
        await run_in_threadpool(_remember, tx, keyed, first)
    except IntegrityError:  # a concurrent duplicate committed first: this one rolls back
        won = await run_in_threadpool(_winner, t, keyed)
        if won is None:
            raise kept.InProgress(
                f"Another request with this {kept.HEADER} is being applied; send it again "
                "in a moment.",
                retry_after=1,
            ) from None
        raise Replay(_replay(won)) from None
    return response


def _caller(request: Request, authenticated: bool) -> str | None:
    """Whose key it is: the credential the route authenticates with, or the client."""
    if not authenticated:
        return f"client:{client_ip(request) or ''}"
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return f"bearer:{value.strip()}"
    cookie = request.cookies.get(SESSION_COOKIE)
    return f"cookie:{cookie}" if cookie else None


def _first_answer(request: Request, response: Response, tx: Session | None) -> kept.Answer:
    """The answer as the client will get it, consistency token included: the revisions
    the route transaction is about to commit, with any it committed already."""
    revisions = consistency.merge(
        getattr(request.state, "revisions", {}), changed_revisions(tx) if tx else {}
    )
    headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in response.raw_headers]
    token = consistency.encode(revisions)
    if token:
        headers.append((consistency.HEADER, token))
    return kept.Answer(response.status_code, headers, bytes(response.body))


def _replay(earlier: kept.Answer) -> Response:
    response = Response(content=earlier.body, status_code=earlier.status_code)
    response.raw_headers = [
        (n.lower().encode("latin-1"), v.encode("latin-1"))
        for n, v in [*earlier.headers, (REPLAYED, "true")]
    ] + [(n, v) for n, v in response.raw_headers if n == b"content-length"]
    return response


def _kept_answer(t: Tenantry, keyed: kept.Keyed) -> kept.Answer | None:
    with t.db.reading() as s:
        row = kept.find(s, keyed)
        return None if row is None else kept.answer_of(row, keyed)


def _winner(t: Tenantry, keyed: kept.Keyed) -> kept.Answer | None:
    try:
        return _kept_answer(t, keyed)
    except SQLAlchemyError:  # the original failure is the better answer then
        return None


def _remember(tx: Session, keyed: kept.Keyed, first: kept.Answer) -> None:
    tx.flush()  # the route's own pending changes first: their conflicts are theirs
    kept.remember(tx, keyed, first)


def _complete(t: Tenantry, keyed: kept.Keyed, first: kept.Answer) -> None:
    try:
        with t.db.transaction() as s:
            kept.complete(s, keyed, first)
    except SQLAlchemyError:  # the write stands: the client gets its answer, a retry is told
        log.warning("could not keep the answer under an Idempotency-Key", exc_info=True)


def install(app: FastAPI) -> None:
    async def replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Replay)
        return exc.response

    app.add_exception_handler(Replay, replay)
