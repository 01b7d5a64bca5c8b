"""Tenant isolation: every route, walked from the OpenAPI schema, as members and API keys of
organization A, aimed at organization B's real ids. Every answer must be 404 (exactly the
body a random id gets) and B's canary must never appear in a response. A route that this
file does not classify fails the test, so a new route cannot ship uncovered."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from tenantry.audit.models import AuditEvent
from tenantry.client import calls
from tests.api.conftest import Api
from tests.factories import add_member, make_user

CANARY = "canary-b-7f3e9d"

# routes that name no organization object: they must simply never show B's data
UNSCOPED = {
    ("GET", "/healthz"),
    ("POST", "/v1/auth/signup"),
    ("POST", "/v1/auth/signin"),
    ("POST", "/v1/auth/signout"),
    ("POST", "/v1/auth/signout-everywhere"),
    ("GET", "/v1/me"),
    ("POST", "/v1/me/password"),
    ("GET", "/v1/policy"),
    ("GET", "/v1/orgs"),
    # the account's own: links (their authority is the secret), sessions, two-factor, trail
    ("POST", "/v1/auth/verify"),
    ("POST", "/v1/auth/claim"),
    ("POST", "/v1/auth/password-reset"),
    ("POST", "/v1/auth/password-reset/complete"),
    ("POST", "/v1/auth/signin/second-factor"),
    ("POST", "/v1/me/verification"),
    ("GET", "/v1/me/sessions"),
    ("DELETE", "/v1/me/sessions/{session_id}"),  # another's id: tests/api/test_account_sessions
    ("POST", "/v1/me/sessions/end-others"),
    ("PATCH", "/v1/me/name"),
    ("POST", "/v1/me/email"),
    ("POST", "/v1/me/email/confirm"),
    ("GET", "/v1/me/audit"),
    ("POST", "/v1/me/delete"),
    ("POST", "/v1/me/two-factor/setup"),
    ("POST", "/v1/me/two-factor/enable"),
    ("POST", "/v1/me/two-factor/disable"),
    # public documents: the keys that verify access tokens, the AuthZEN metadata
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/.well-known/authzen-configuration"),
    # the AuthZEN API names its organization inside nested entities, which the generic
    # probe below cannot fill: its isolation is tests/api/test_authzen.py's (an outsider
    # gets 404; another organization's resource answers as one that does not exist)
    ("POST", "/access/v1/evaluation"),
    ("POST", "/access/v1/evaluations"),
}
# routes whose authority is the invitation link itself (whoever holds it may use it)
TOKEN_SCOPED = {
    ("GET", "/v1/invitations/{token}"),
    ("POST", "/v1/invitations/{token}/accept"),
    ("POST", "/v1/invitations/{token}/signup"),
}
# routes that take B's ids in the body rather than the path
BODY_SCOPED = {
    ("POST", "/v1/orgs"),
    ("POST", "/v1/check"),
    ("POST", "/v1/check/batch"),
    ("POST", "/v1/auth/token"),  # a token for B's organization: 404, as for a random one
}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _example(spec: dict[str, Any], schema: dict[str, Any], name: str, ids: dict[str, str]) -> Any:
    """A small valid value for a JSON schema, with every id field set to one of B's ids."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return _example(spec, schema["oneOf"][0], name, ids)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _example(spec, options[0], name, ids) if options else None
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _example(spec, v, k, ids) for k, v in props.items()}
    if kind == "array":
        if schema.get("maxItems") == 0:
            return []
        return [_example(spec, schema.get("items", {}), name.rstrip("s"), ids)]
    if kind == "boolean":
        return False
    if kind == "integer":
        return 1
    if name.endswith("_id") or name in {"user_ids", "user_id"}:
        return ids.get(name, ids["org_id"])
    if name == "email":
        return "probe@example.com"
    if name == "permission":
        return ids["permission"]
    return "probe"


def _setup(api: Api) -> tuple[dict[str, Any], dict[str, str], list[Any]]:
    t = api.t
    a_owner = api.sign_up("owner-a@example.com", org="Org A")
    b_owner = api.sign_up("owner-b@example.com", name=f"B {CANARY}", org=f"Org B {CANARY}")
    b_member = make_user(t, f"member-{CANARY}@example.com", name=CANARY)
    add_member(t, _org(api, b_owner.org_id), b_member, ["member"])
    a_member = make_user(
        t, "member-a@example.com", name="A member", password="correct horse battery staple"
    )
    add_member(t, _org(api, a_owner.org_id), a_member, ["member"])
    b_key = b_owner.client.send(
        calls.create_api_key(b_owner.org_id, f"key {CANARY}", roles=["admin"])
    )
    b_checkout = b_owner.client.send(
        calls.create_resource(b_owner.org_id, "checkout", f"Checkout {CANARY}")
    )
    b_invite = b_owner.client.send(
        calls.invite(b_owner.org_id, [f"x-{CANARY}@example.com"], roles=["member"])
    )
    b_grant = _cross_grant(api, b_owner)
    b_hook, b_delivery = _webhook(api, b_owner)
    a_key = a_owner.client.send(calls.create_api_key(a_owner.org_id, "A key", roles=["admin"]))
    member_session = api.anonymous.send(
        calls.sign_in("member-a@example.com", "correct horse battery staple")
    )
    ids = {
        "org_id": b_owner.org_id,
        "user_id": b_member.id,
        "to_user_id": b_member.id,
        "user_ids": b_member.id,
        "key_id": b_key.id,
        "resource_id": b_checkout.id,
        "invitation_id": b_invite.results[0].invitation.id,
        "grant_id": b_grant,
        "endpoint_id": b_hook,
        "delivery_id": b_delivery,
        "parent_id": b_owner.org_id,
        "permission": "org.view",
    }
    principals = [
        a_owner.client,
        api.anonymous.as_token(member_session.token),
        api.anonymous.as_token(a_key.token),
    ]
    return api.http.app.openapi(), ids, principals


def _webhook(api: Api, b_owner: Any) -> tuple[str, str]:
    """B's webhook endpoint and the delivery of its own creation (to a loopback address: the
    probes never run the delivery worker)."""
    from tenantry.webhooks.config import WebhookConfig
    from tenantry.webhooks.models import WebhookDelivery

    api.t.webhooks = WebhookConfig(allow_private=True)
    made = api.http.post(
        f"/v1/orgs/{b_owner.org_id}/webhooks",
        json={"url": "http://127.0.0.1:9/b", "description": f"hook {CANARY}"},
        headers={"Authorization": f"Bearer {b_owner.client.token}"},
    )
    assert made.status_code == 201, made.text
    with api.t.db.sessions() as s:
        delivery = s.scalars(select(WebhookDelivery.id)).one()
    return made.json()["id"], delivery


def _cross_grant(api: Api, b_owner: Any) -> str:
    """A cross-organization grant row on B (verkkokurssikassa has no cross-org role, so the
    row is written directly; the routes must hide it all the same)."""
    from tenantry.members.models import CrossOrgRole

    with api.t.db.transaction() as s:
        row = CrossOrgRole(org_id=b_owner.org_id, user_id=b_owner.id, role="member")
        s.add(row)
        s.flush()
        return row.id


def _org(api: Api, org_id: str) -> Any:
    from tenantry.orgs.models import Organization

    with api.t.db.sessions() as s:
        return s.get(Organization, org_id)


def _count_b_rows(api: Api, org_id: str) -> int:
    with api.t.db.sessions() as s:
        return (
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.org_id == org_id)
            )
            or 0
        )


def test_no_route_reveals_or_changes_another_organizations_objects(api_for):
    api = api_for("verkkokurssikassa")
    spec, ids, principals = _setup(api)
    b_events_before = _count_b_rows(api, ids["org_id"])
    probes = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            method = method.upper()
            key = (method, path)
            params = set(re.findall(r"{(\w+)}", path))
            assert params or key in UNSCOPED | BODY_SCOPED, f"unclassified route {method} {path}"
            if key in UNSCOPED or key in TOKEN_SCOPED:
                continue
            url = path.format(**{p: ids[p] for p in params})
            random_url = path.format(**{p: "0" * 32 for p in params})
            body = random_body = None
            if "requestBody" in op:
                schema = op["requestBody"]["content"]["application/json"]["schema"]
                body = _example(spec, schema, "", ids)
                random_body = _example(spec, schema, "", _random(ids))
            for principal in principals:
                response = principal.http.request(method, url, json=body, headers=_auth(principal))
                probes += 1
                # 404 (or a refusal of the caller's kind, e.g. an API key creating an org),
                # and byte-for-byte what a random id gets: nothing tells B's ids apart
                assert response.status_code in (403, 404, 409, 422), (
                    method,
                    url,
                    response.status_code,
                    response.text,
                )
                assert CANARY not in response.text
                baseline = principal.http.request(
                    method, random_url, json=random_body, headers=_auth(principal)
                )
                assert (baseline.status_code, baseline.json()) == (
                    response.status_code,
                    response.json(),
                ), (
                    method,
                    path,
                )
    assert probes >= 3 * 15
    assert _count_b_rows(api, ids["org_id"]) == b_events_before  # no write reached B


def test_lists_never_show_another_organizations_rows(api_for):
    api = api_for("verkkokurssikassa")
    _, _, principals = _setup(api)
    for principal in principals:
        for method, path in sorted(UNSCOPED):
            if method != "GET":
                continue
            response = principal.http.request(method, path, headers=_auth(principal))
            assert CANARY not in response.text, path


def _random(ids: dict[str, str]) -> dict[str, str]:
    return {k: (v if k == "permission" else "0" * 32) for k, v in ids.items()}


def _auth(client: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token}"}


def test_a_made_up_invitation_link_gets_404_on_every_token_route(api_for):
    api = api_for("verkkokurssikassa")
    alice = api.sign_up()
    made_up = "tni_0123456789abcdef_" + "x" * 43
    for method, path in sorted(TOKEN_SCOPED):
        body = (
            {"name": "X", "password": "correct horse battery staple"}
            if path.endswith("signup")
            else None
        )
        response = alice.client.http.request(
            method, path.format(token=made_up), json=body, headers=_auth(alice.client)
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "INVITE_NOT_FOUND"
