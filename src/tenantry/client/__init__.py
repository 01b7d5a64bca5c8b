"""Python client for the Tenantry REST API (sync and async, over httpx).

    from tenantry.client import Client, calls
    with Client("http://127.0.0.1:8000", token=TOKEN) as api:
        api.send(calls.check(user_id, "org.members.invite", org_id)).allowed

Every endpoint is a function in ``calls`` returning a typed ``Call``; ``send`` returns the
parsed result or raises ``ApiError`` carrying the API's status, code, message and details.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx

from tenantry.client import calls
from tenantry.client.calls import Call
from tenantry.consistency import HEADER as TOKEN_HEADER

T = TypeVar("T")

# An idle connection is not reused after this many seconds: below the server's keep-alive
# timeout (uvicorn's, 5 s), so a request never meets the server closing that connection
# ("Server disconnected without sending a response"), which left it unclear whether a write
# was made (the soak met it once in 80 minutes of traffic).
LIMITS = httpx.Limits(keepalive_expiry=2.0)

__all__ = ["ApiError", "AsyncClient", "Client", "calls"]


class SyncTransport(Protocol):
    """What the client needs of an HTTP client: httpx.Client, or a test client."""

    def request(
        self, method: str, url: str, *, json: Any = ..., params: Any = ..., headers: Any = ...
    ) -> Any: ...

    def close(self) -> None: ...


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def _headers(
    token: str | None, csrf: str | None, idempotency_key: str | None = None
) -> dict[str, str]:
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if csrf:
        headers["X-CSRF-Token"] = csrf
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def _result(call: Call[T], response: Any) -> T:
    if response.status_code >= 400:
        try:
            err = response.json()["error"]
            raise ApiError(
                response.status_code, err["code"], err["message"], err.get("details") or {}
            )
        except (ValueError, KeyError, TypeError):
            raise ApiError(response.status_code, "HTTP_ERROR", response.text[:200], {}) from None
    return call.parse(response.json() if response.content else None)


class Client:
    """Synchronous client. Pass ``http`` to reuse an httpx.Client (or a test client)."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        token: str | None = None,
        http: SyncTransport | None = None,
    ) -> None:
        self.token = token
        self.http: SyncTransport = (
            http if http is not None else httpx.Client(base_url=base_url, timeout=30, limits=LIMITS)
        )
        # the token of the last write this client saw acknowledged: pass it as ``at_least``
        self.consistency_token: str | None = None

    def send(
        self, call: Call[T], *, csrf: str | None = None, idempotency_key: str | None = None
    ) -> T:
        """``idempotency_key``: send the same one again to retry a write safely."""
        response = self.http.request(
            call.method,
            call.path,
            json=call.json,
            params=call.params,
            headers=_headers(self.token, csrf, idempotency_key),
        )
        self.consistency_token = response.headers.get(TOKEN_HEADER) or self.consistency_token
        return _result(call, response)

    def as_token(self, token: str | None) -> Client:
        """The same connection, authenticated as someone else."""
        return Client(token=token, http=self.http)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


class AsyncClient:
    """Asynchronous client: ``await client.send(calls.check(...))``."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        token: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.token = token
        self.http = http or httpx.AsyncClient(base_url=base_url, timeout=30, limits=LIMITS)
        self.consistency_token: str | None = None

    async def send(
        self, call: Call[T], *, csrf: str | None = None, idempotency_key: str | None = None
    ) -> T:
        response = await self.http.request(
            call.method,
            call.path,
            json=call.json,
            params=call.params,
            headers=_headers(self.token, csrf, idempotency_key),
        )
        self.consistency_token = response.headers.get(TOKEN_HEADER) or self.consistency_token
        return _result(call, response)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, *exc: type[BaseException] | BaseException | TracebackType | None
    ) -> None:
        await self.aclose()
