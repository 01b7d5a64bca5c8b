"""Failure answers are never a 500: an exhausted connection pool is a quick 503 RETRY with
Retry-After, and text no database can store (NUL, unpaired surrogates) is a 422 naming the
field, refused before the database sees it (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.testclient import TestClient

from tenantry.accounts.models import User
from tenantry.api.app import create_app
from tenantry.apikeys.models import ApiKey
from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport
from tenantry.settings import Settings
from tenantry.store.db import DEFAULT_POOL_TIMEOUT
from tests._uvicorn import start_uvicorn
from tests.api.conftest import PASSWORD, sign_up_and_in
from tests.api.test_live_server import free_port

# -- connection-pool exhaustion ---------------------------------------------------------------


def test_pool_settings_come_from_the_environment_with_a_short_default_timeout():
    assert Settings.load({}).db_pool_timeout == DEFAULT_POOL_TIMEOUT == 5.0
    settings = Settings.load(
        {
            "TENANTRY_DB_POOL_SIZE": "3",
            "TENANTRY_DB_MAX_OVERFLOW": "0",
            "TENANTRY_DB_POOL_TIMEOUT": "0.5",
        }
    )
    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout) == (
        3,
        0,
        0.5,
    )


@pytest.fixture
def small_pool(database, tmp_path) -> Iterator[Tenantry]:
    """The service as ``from_settings`` makes it, with a pool of two and a 0.3 s wait."""
    settings = Settings.load(
        {
            "TENANTRY_DATABASE_URL": database.url,
            "TENANTRY_POLICY": "distribu",
            "TENANTRY_DB_POOL_SIZE": "2",
            "TENANTRY_DB_MAX_OVERFLOW": "0",
            "TENANTRY_DB_POOL_TIMEOUT": "0.3",
            "TENANTRY_MAILBOX_DIR": str(tmp_path / "mailbox"),
            "TENANTRY_SECRET_KEY": "test",
        }
    )
    t = Tenantry.from_settings(settings, migrate=False)
    assert t.db.engine.pool.size() == 2  # type: ignore[attr-defined]
    assert t.db.engine.pool.timeout() == 0.3  # type: ignore[attr-defined]
    t.mail = MailboxTransport(tmp_path / "mailbox")
    yield t
    t.close()


def hold_every_connection(t: Tenantry) -> list[Any]:
    held = []
    while True:
        try:
            held.append(t.db.engine.connect())
        except PoolTimeout:
            return held


def sign_up(http: Any) -> dict[str, Any]:
    token, org_id = sign_up_and_in(http)
    return {"token": token, "organization": {"org_id": org_id}}


def test_an_exhausted_pool_answers_503_retry_with_retry_after_quickly(small_pool):
    http = TestClient(create_app(small_pool, Settings.load({})), raise_server_exceptions=False)
    signed = sign_up(http)
    headers = {"Authorization": f"Bearer {signed['token']}"}
    held = hold_every_connection(small_pool)
    try:
        started = time.monotonic()
        busy = http.get(f"/v1/orgs/{signed['organization']['org_id']}", headers=headers)
        elapsed = time.monotonic() - started
        write = http.post(
            f"/v1/orgs/{signed['organization']['org_id']}/api-keys",
            json={"name": "ci", "roles": ["member"]},
            headers=headers,
        )
    finally:
        for conn in held:
            conn.close()
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"]["code"] == "RETRY"
    assert busy.headers["Retry-After"] == "1"
    assert elapsed < 3
    assert write.status_code == 503 and write.json()["error"]["code"] == "RETRY"
    again = http.get(f"/v1/orgs/{signed['organization']['org_id']}", headers=headers)
    assert again.status_code == 200
    with small_pool.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ApiKey)) == 0
    http.close()


def test_requests_piling_up_on_a_busy_pool_over_the_wire_get_503_retry_never_500(small_pool):
    port = free_port()
    stop = start_uvicorn(create_app(small_pool, Settings.load({})), port, log_level="critical")
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base) as http:
            signed = sign_up(http)
        headers = {"Authorization": f"Bearer {signed['token']}"}
        path = f"/v1/orgs/{signed['organization']['org_id']}"
        held = hold_every_connection(small_pool)
        answers: list[httpx.Response] = []
        barrier = threading.Barrier(20)

        def shot() -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                barrier.wait()
                answers.append(http.get(path, headers=headers))

        started = time.monotonic()
        shots = [threading.Thread(target=shot) for _ in range(20)]
        for th in shots:
            th.start()
        for th in shots:
            th.join()
        elapsed = time.monotonic() - started
        for conn in held:
            conn.close()
        assert {a.status_code for a in answers} == {503}, [a.text[:100] for a in answers]
        assert all(a.json()["error"]["code"] == "RETRY" for a in answers)
        assert all(a.headers["Retry-After"] == "1" for a in answers)
        assert elapsed < 10
        with httpx.Client(base_url=base) as http:
            assert http.get(path, headers=headers).status_code == 200
    finally:
        stop()


# -- text no database can store ---------------------------------------------------------------


@pytest.fixture
def owner(api_for):
    api = api_for("distribu")
    return api, api.sign_up()


def refused(answer: httpx.Response, field: str) -> None:
    assert answer.status_code == 422, (answer.status_code, answer.text)
    error = answer.json()["error"]
    assert error["code"] == "INVALID"
    assert error["message"].startswith(f"{field}: text must"), error["message"]


def test_nul_in_a_path_parameter_is_a_422(owner):
    api, account = owner
    answer = api.http.get(
        "/v1/orgs/a%00b", headers={"Authorization": f"Bearer {account.signed.token}"}
    )
    refused(answer, "path.org_id")
    deeper = api.http.get(
        f"/v1/orgs/{account.org_id}/members/%00",
        headers={"Authorization": f"Bearer {account.signed.token}"},
    )
    refused(deeper, "path.user_id")


def test_nul_in_a_query_parameter_is_a_422(owner):
    api, account = owner
    answer = api.http.get(
        f"/v1/orgs/{account.org_id}/members",
        params={"cursor": "a\x00b"},
        headers={"Authorization": f"Bearer {account.signed.token}"},
    )
    refused(answer, "query.cursor")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "ci\x00", "roles": ["member"]}, "body.name"),
        ({"name": "ci", "roles": ["mem\x00ber"]}, "body.roles.0"),
        ({"name": "ci", "roles": ["member"], "x\x00": 1}, "body.x\\u0000"),
    ],
)
def test_nul_in_a_json_body_string_is_a_422_and_nothing_is_written(owner, body, field):
    api, account = owner
    answer = api.http.post(
        f"/v1/orgs/{account.org_id}/api-keys",
        json=body,
        headers={"Authorization": f"Bearer {account.signed.token}"},
    )
    refused(answer, field)
    with api.t.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ApiKey)) == 0


def test_an_unpaired_surrogate_in_a_json_body_is_a_422(api_for):
    api = api_for("distribu")
    raw = b'{"email": "a@example.com", "name": "\\ud800", "password": "%s"}' % PASSWORD.encode()
    answer = api.http.post(
        "/v1/auth/signup", content=raw, headers={"Content-Type": "application/json"}
    )
    refused(answer, "body.name")
    with api.t.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_nul_in_sign_up_is_a_422_without_an_account(api_for):
    api = api_for("distribu")
    answer = api.http.post(
        "/v1/auth/signup",
        json={"email": "a@example.com", "name": "A\x00", "password": PASSWORD},
    )
    refused(answer, "body.name")
    with api.t.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_nul_in_a_session_cookie_is_a_422(owner):
    api, _ = owner
    answer = api.http.get("/v1/me", headers={"Cookie": 'tenantry_session="a\\000b"'})
    refused(answer, "cookie.tenantry_session")


def test_the_schema_says_no_string_holds_nul(api_for):
    api = api_for("distribu")
    schema = api.http.get("/openapi.json").json()
    org = next(
        p
        for p in schema["paths"]["/v1/orgs/{org_id}"]["get"]["parameters"]
        if p["name"] == "org_id"
    )
    assert org["schema"]["pattern"] == "^[^\\u0000]*$"
    strings: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and "enum" not in node and "format" not in node:
                strings.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    assert strings and all("pattern" in s for s in strings)
