"""Idempotency-Key: a retried write gets its first answer again and applies nothing twice;
the same key with another request is refused; concurrent duplicates apply once (in process
and against a real server on loopback)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tenantry import clock
from tenantry.accounts.models import User
from tenantry.apikeys.models import ApiKey
from tenantry.audit.models import AuditEvent
from tenantry.consistency import HEADER as TOKEN_HEADER
from tenantry.idempotency.models import IdempotentResponse
from tenantry.invitations.models import Invitation
from tenantry.mail.models import OutboxMessage
from tenantry.members.models import Membership
from tenantry.orgs.models import Organization
from tests._uvicorn import start_uvicorn
from tests.api.conftest import PASSWORD, sign_up_and_in
from tests.api.test_invitations import _link_token
from tests.api.test_live_server import free_port
from tests.factories import add_member

KEY = "Idempotency-Key"


def post(api, path: str, body: Any = None, *, token=None, key=None, method="POST"):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key is not None:
        headers[KEY] = key
    return api.http.request(method, path, json=body, headers=headers)


def count(api, model) -> int:
    with api.t.db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def assert_same_answer(first, again) -> None:
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.headers.get(TOKEN_HEADER) == first.headers.get(TOKEN_HEADER)
    assert again.headers.get("content-type") == first.headers.get("content-type")
    assert again.headers.get("idempotent-replayed") == "true"
    assert first.headers.get("idempotent-replayed") is None


@pytest.fixture
def now():
    value = [datetime(2026, 11, 23, 12, 0, tzinfo=UTC)]
    clock.set_clock(lambda: value[0])
    yield value
    clock.set_clock(None)


def test_replayed_api_key_create_returns_the_first_answer_and_creates_one_key(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    path = f"/v1/orgs/{owner.org_id}/api-keys"
    body = {"name": "ci", "roles": ["member"]}
    first = post(api, path, body, token=owner.signed.token, key="key-create-1")
    assert first.status_code == 201, first.text
    assert first.headers[TOKEN_HEADER]
    again = post(api, path, body, token=owner.signed.token, key="key-create-1")
    assert_same_answer(first, again)
    assert again.json()["token"] == first.json()["token"]  # the one key's token, shown again
    assert count(api, ApiKey) == 1


def test_replayed_invitation_creates_one_invitation_and_sends_one_mail(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    path = f"/v1/orgs/{owner.org_id}/invitations"
    body = {"emails": ["bob@example.com"], "roles": ["member"]}
    first = post(api, path, body, token=owner.signed.token, key="invite-1")
    assert first.status_code == 201, first.text
    assert first.json()["results"][0]["invitation"]["delivery_status"] == "sent"
    again = post(api, path, body, token=owner.signed.token, key="invite-1")
    assert_same_answer(first, again)
    assert count(api, Invitation) == 1
    assert count(api, OutboxMessage) == 1 + 1  # the sign-up's confirmation and the invitation


def test_replayed_resend_issues_one_new_link(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    out = post(
        api,
        f"/v1/orgs/{owner.org_id}/invitations",
        {"emails": ["bob@example.com"], "roles": ["member"]},
        token=owner.signed.token,
    ).json()
    invitation_id = out["results"][0]["invitation"]["id"]
    path = f"/v1/orgs/{owner.org_id}/invitations/{invitation_id}/resend"
    first = post(api, path, token=owner.signed.token, key="resend-1")
    assert first.status_code == 200, first.text
    again = post(api, path, token=owner.signed.token, key="resend-1")
    assert_same_answer(first, again)
    assert count(api, OutboxMessage) == 1 + 2  # sign-up's; the invitation's and one resend's
    with api.t.db.sessions() as s:
        assert s.get_one(Invitation, invitation_id).resend_count == 1


def test_replayed_sign_up_creates_one_account_and_sends_one_mail(api_for):
    api = api_for("distribu")
    body = {"email": "new@example.com", "name": "New", "password": PASSWORD}
    first = post(api, "/v1/auth/signup", body, key="signup-1")
    assert first.status_code == 202, first.text
    again = post(api, "/v1/auth/signup", body, key="signup-1")
    assert_same_answer(first, again)
    assert count(api, User) == 1
    assert count(api, Organization) == 1
    assert count(api, OutboxMessage) == 1  # one confirmation link, not a second mail


def test_replayed_invitation_sign_up_joins_once(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    post(
        api,
        f"/v1/orgs/{owner.org_id}/invitations",
        {"emails": ["bob@example.com"], "roles": ["member"]},
        token=owner.signed.token,
    )
    path = f"/v1/invitations/{_link_token(api, 'bob@example.com')}/signup"
    body = {"name": "Bob", "password": PASSWORD}
    first = post(api, path, body, key="join-1")
    assert first.status_code == 201, first.text
    again = post(api, path, body, key="join-1")
    assert_same_answer(first, again)
    assert count(api, Membership) == 2


def test_replayed_role_change_is_applied_and_audited_once(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    bob = api.sign_up("bob@example.com")
    with api.t.db.sessions() as s:
        org, user = s.get_one(Organization, owner.org_id), s.get_one(User, bob.id)
    add_member(api.t, org, user, roles=["member"])
    path = f"/v1/orgs/{owner.org_id}/members/{bob.id}"
    first = post(
        api, path, {"roles": ["admin"]}, token=owner.signed.token, key="promote-1", method="PATCH"
    )
    assert first.status_code == 200, first.text
    again = post(
        api, path, {"roles": ["admin"]}, token=owner.signed.token, key="promote-1", method="PATCH"
    )
    assert_same_answer(first, again)
    with api.t.db.sessions() as s:
        changes = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "member.roles_changed")
        ).all()
    assert len(changes) == 1


def test_the_same_key_with_another_body_or_path_is_refused_and_applies_nothing(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    keys = f"/v1/orgs/{owner.org_id}/api-keys"
    first = post(api, keys, {"name": "ci", "roles": ["member"]}, token=owner.signed.token, key="k")
    assert first.status_code == 201
    other_body = post(
        api, keys, {"name": "cd", "roles": ["member"]}, token=owner.signed.token, key="k"
    )
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    other_path = post(
        api,
        f"/v1/orgs/{owner.org_id}/invitations",
        {"emails": ["bob@example.com"], "roles": ["member"]},
        token=owner.signed.token,
        key="k",
    )
    assert other_path.status_code == 422
    assert other_path.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert count(api, ApiKey) == 1
    assert count(api, Invitation) == 0


def test_json_bodies_compare_by_value_not_by_spelling(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    path = f"/v1/orgs/{owner.org_id}/api-keys"
    headers = {"Authorization": f"Bearer {owner.signed.token}", KEY: "spelling"}
    headers["Content-Type"] = "application/json"
    first = api.http.post(path, content=b'{"name": "ci", "roles": ["member"]}', headers=headers)
    again = api.http.post(path, content=b'{"roles":["member"],"name":"ci"}', headers=headers)
    assert first.status_code == 201
    assert_same_answer(first, again)


def test_a_key_belongs_to_its_caller(api_for):
    api = api_for("distribu")
    alice, bob = api.sign_up(), api.sign_up()
    body = {"name": "ci", "roles": ["member"]}
    a = post(api, f"/v1/orgs/{alice.org_id}/api-keys", body, token=alice.signed.token, key="same")
    b = post(api, f"/v1/orgs/{bob.org_id}/api-keys", body, token=bob.signed.token, key="same")
    assert (a.status_code, b.status_code) == (201, 201)
    assert b.headers.get("idempotent-replayed") is None
    assert count(api, ApiKey) == 2


def test_a_replay_needs_a_credential_that_is_still_valid(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    path = f"/v1/orgs/{owner.org_id}/api-keys"
    body = {"name": "ci", "roles": ["member"]}
    assert post(api, path, body, token=owner.signed.token, key="k").status_code == 201
    assert post(api, "/v1/auth/signout", token=owner.signed.token).status_code == 204
    again = post(api, path, body, token=owner.signed.token, key="k")
    assert again.status_code == 401


def test_a_key_longer_than_255_characters_is_refused(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    path = f"/v1/orgs/{owner.org_id}/api-keys"
    body = {"name": "ci", "roles": ["member"]}
    too_long = post(api, path, body, token=owner.signed.token, key="k" * 256)
    assert too_long.status_code == 422
    assert too_long.json()["error"]["code"] == "IDEMPOTENCY_KEY_INVALID"
    assert count(api, ApiKey) == 0
    assert post(api, path, body, token=owner.signed.token, key="k" * 255).status_code == 201
    empty = post(api, path, body, token=owner.signed.token, key="")
    assert empty.status_code == 422


def test_refusals_are_not_kept_so_a_corrected_retry_can_succeed(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    path = f"/v1/orgs/{owner.org_id}/api-keys"
    refused = post(api, path, {"name": "ci", "roles": ["owner"]}, token=owner.signed.token, key="k")
    assert 400 <= refused.status_code < 500, refused.text
    fixed = post(api, path, {"name": "ci", "roles": ["member"]}, token=owner.signed.token, key="k")
    assert fixed.status_code == 201
    assert count(api, ApiKey) == 1


def test_kept_answers_expire_after_24_hours(api_for, now):
    api = api_for("distribu")
    owner = api.sign_up()
    path = f"/v1/orgs/{owner.org_id}/api-keys"
    body = {"name": "ci", "roles": ["member"]}
    assert post(api, path, body, token=owner.signed.token, key="k").status_code == 201
    now[0] += timedelta(hours=24) - timedelta(seconds=1)
    kept = post(api, path, body, token=owner.signed.token, key="k")
    assert kept.headers.get("idempotent-replayed") == "true"
    now[0] += timedelta(seconds=1)
    expired = post(api, path, body, token=owner.signed.token, key="k")
    assert expired.status_code == 201 and "idempotent-replayed" not in expired.headers
    assert count(api, ApiKey) == 2
    assert count(api, IdempotentResponse) == 1  # the expired answer made room for the new one


def test_kept_answers_hold_no_token_or_password_in_clear(api_for):
    api = api_for("distribu")
    signup = {"email": "a@example.com", "name": "A", "password": PASSWORD}
    assert post(api, "/v1/auth/signup", signup, key="signup-key").status_code == 202
    signed = api.http.post(
        "/v1/auth/signin", json={"email": "a@example.com", "password": PASSWORD}
    ).json()
    me = api.http.get("/v1/me", headers={"Authorization": f"Bearer {signed['token']}"}).json()
    org_id = me["organizations"][0]["org_id"]
    made = post(
        api,
        f"/v1/orgs/{org_id}/api-keys",
        {"name": "ci", "roles": ["member"]},
        token=signed["token"],
        key="create-key",
    ).json()
    with api.t.db.sessions() as s:
        rows = s.scalars(select(IdempotentResponse)).all()
    assert len(rows) == 2
    for row in rows:
        stored = repr((row.scope, row.key, row.request_hash, row.headers)).encode() + row.body
        for secret in (signed["token"], made["token"], PASSWORD, "signup-key", "create-key"):
            assert secret.encode() not in stored


def test_the_header_is_documented_on_writes_only(api_for):
    api = api_for("distribu")
    schema = api.http.get("/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if any(p["name"] == KEY for p in op.get("parameters", []))
    }
    assert ("POST", "/v1/orgs/{org_id}/api-keys") in documented
    assert ("POST", "/v1/orgs/{org_id}/invitations") in documented
    assert ("POST", "/v1/auth/signup") in documented
    assert ("PATCH", "/v1/orgs/{org_id}/members/{user_id}") in documented
    assert not any(method == "GET" for method, _ in documented)
    assert ("POST", "/v1/check") not in documented  # a read, even if it is a POST
    param = next(
        p
        for p in schema["paths"]["/v1/orgs/{org_id}/api-keys"]["post"]["parameters"]
        if p["name"] == KEY
    )
    assert param["in"] == "header" and param["schema"]["maxLength"] == 255


# -- concurrent duplicates, against a real server ---------------------------------------------


@pytest.fixture
def server(api_for) -> Iterator[tuple[str, Any]]:
    """The app on a real uvicorn on loopback: requests really run side by side."""
    api = api_for("distribu")
    port = free_port()
    stop = start_uvicorn(api.http.app, port)
    yield f"http://127.0.0.1:{port}", api
    stop()


def race(base: str, method: str, path: str, body: Any, headers: dict[str, str], k: int):
    """K identical requests released together by a barrier; their responses."""
    barrier = threading.Barrier(k)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def shot() -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            barrier.wait()
            answer = http.request(method, path, json=body, headers=headers)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=shot) for _ in range(k)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return answers


def assert_one_applied(answers: list[httpx.Response], status: int) -> None:
    firsts = [
        a for a in answers if a.status_code == status and "idempotent-replayed" not in a.headers
    ]
    replays = [a for a in answers if "idempotent-replayed" in a.headers]
    busy = [a for a in answers if a.status_code == 409]
    assert len(firsts) == 1, [(a.status_code, a.text[:80]) for a in answers]
    assert len(firsts) + len(replays) + len(busy) == len(answers), [a.text[:80] for a in answers]
    for replay in replays:
        assert replay.content == firsts[0].content
        # the same token as the first answer (sign-up's answers carry none at all)
        assert replay.headers.get(TOKEN_HEADER) == firsts[0].headers.get(TOKEN_HEADER)
    for b in busy:
        assert b.json()["error"]["code"] == "IDEMPOTENCY_IN_PROGRESS"


def _over_the_wire(base: str) -> tuple[str, str]:
    with httpx.Client(base_url=base) as http:
        token, org_id = sign_up_and_in(http)
    assert org_id is not None
    return token, org_id


@pytest.mark.parametrize("rounds", [3])
def test_concurrent_duplicate_key_creates_apply_once_over_the_wire(server, rounds):
    base, api = server
    token, org_id = _over_the_wire(base)
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/v1/orgs/{org_id}/api-keys"
    for r in range(rounds):
        answers = race(
            base,
            "POST",
            path,
            {"name": f"ci{r}", "roles": ["member"]},
            {**headers, KEY: f"race-{r}"},
            8,
        )
        assert_one_applied(answers, 201)
    assert count(api, ApiKey) == rounds


def test_concurrent_duplicate_sign_ups_create_one_account_over_the_wire(server):
    base, api = server
    body = {"email": "racer@example.com", "name": "R", "password": PASSWORD}
    answers = race(base, "POST", "/v1/auth/signup", body, {KEY: "signup-race"}, 8)
    assert_one_applied(answers, 202)
    assert count(api, User) == 1
    assert count(api, OutboxMessage) == 1


def test_concurrent_duplicate_invitations_invite_once_over_the_wire(server):
    base, api = server
    token, org_id = _over_the_wire(base)
    headers = {"Authorization": f"Bearer {token}", KEY: "invite-race"}
    path = f"/v1/orgs/{org_id}/invitations"
    body = {"emails": ["bob@example.com", "carol@example.com"], "roles": ["member"]}
    answers = race(base, "POST", path, body, headers, 8)
    assert_one_applied(answers, 201)
    assert count(api, Invitation) == 2
    assert count(api, OutboxMessage) == 1 + 2  # the sign-up's confirmation, two invitations


def test_a_connection_lost_mid_write_is_a_503_and_the_retry_applies_once(api_for, monkeypatch):
    """J2: the connection drops inside the write: 503 RETRY, nothing kept, nothing applied;
    the retry with the same key applies once, and a further retry replays it."""
    from tenantry.apikeys import service as apikeys

    api = api_for("distribu")
    owner = api.sign_up()
    real = apikeys.create_key
    dropped: list[bool] = []

    def create_then_lose_the_connection(s, *args, **kwargs):
        made = real(s, *args, **kwargs)
        if not dropped:
            dropped.append(True)
            s.flush()
            s.connection().connection.dbapi_connection.close()  # the server went away
        return made

    monkeypatch.setattr(apikeys, "create_key", create_then_lose_the_connection)
    path = f"/v1/orgs/{owner.org_id}/api-keys"
    body = {"name": "ci", "roles": ["member"]}
    lost = post(api, path, body, token=owner.signed.token, key="j2")
    assert lost.status_code == 503, lost.text
    assert lost.json()["error"]["code"] == "RETRY" and lost.headers["Retry-After"] == "1"
    assert count(api, ApiKey) == 0 and count(api, IdempotentResponse) == 0
    retried = post(api, path, body, token=owner.signed.token, key="j2")
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    assert_same_answer(retried, post(api, path, body, token=owner.signed.token, key="j2"))
    assert count(api, ApiKey) == 1
