"""An invite-only resource the caller cannot see answers every route exactly as a random id
does (same status, same body): no check, lookup or access edit tells "exists, but not for
you" from "does not exist" (catalogue A4; issue 9 item 10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tenantry.client import calls
from tenantry.orgs.models import Organization
from tests.api.conftest import PASSWORD, Api
from tests.factories import add_member, make_user

RANDOM_ID = "0" * 32

# (org_id, caller's id, another member's id, resource id) -> (method, path, JSON body)
Probe = Callable[[str, str, str, str], tuple[str, str, dict[str, Any] | None]]


def _check(org: str, me: str, other: str, rid: str) -> tuple[str, str, dict[str, Any]]:
    body = {"user_id": me, "permission": "workspace.view", "org_id": org, "resource_id": rid}
    return "POST", "/v1/check", body


def _check_other(org: str, me: str, other: str, rid: str) -> tuple[str, str, dict[str, Any]]:
    return _check(org, other, me, rid)


def _batch(org: str, me: str, other: str, rid: str) -> tuple[str, str, dict[str, Any]]:
    one = {"user_id": me, "permission": "workspace.view", "org_id": org, "resource_id": rid}
    mine = {"user_id": me, "permission": "org.view", "org_id": org}
    return "POST", "/v1/check/batch", {"checks": [mine, one]}


def _subjects(org: str, me: str, other: str, rid: str) -> tuple[str, str, None]:
    return "GET", f"/v1/orgs/{org}/resources/{rid}/subjects?permission=workspace.view", None


def _own_access(org: str, me: str, other: str, rid: str) -> tuple[str, str, dict[str, Any]]:
    return "PUT", f"/v1/orgs/{org}/members/{me}/access", {"changes": {rid: "viewer"}}


def _others_access(org: str, me: str, other: str, rid: str) -> tuple[str, str, dict[str, Any]]:
    return "PUT", f"/v1/orgs/{org}/members/{other}/access", {"changes": {rid: "viewer"}}


PROBES: dict[str, Probe] = {
    "check about myself": _check,
    "check about another member": _check_other,
    "batch check": _batch,
    "who holds P on it": _subjects,
    "edit my own access": _own_access,
    "edit another member's access": _others_access,
}


@pytest.fixture(params=["viewer", "editor"])
def dystr(api_for, request):
    """A Dystr organization with an invite-only workspace, and a member of ``request.param``
    who was not added to it (a second such member is the "other" person)."""
    api: Api = api_for("dystr")
    admin = api.sign_up("admin@example.com")
    secret = admin.client.send(calls.create_resource(admin.org_id, "workspace", "Secret"))
    assert secret.visibility == "invite_only"
    with api.t.db.sessions() as s:
        org = s.get_one(Organization, admin.org_id)
    caller = make_user(api.t, "caller@example.com", password=PASSWORD)
    other = make_user(api.t, "other@example.com", password=PASSWORD)
    add_member(api.t, org, caller, [request.param])
    add_member(api.t, org, other, ["viewer"])
    token = api.anonymous.send(calls.sign_in("caller@example.com", PASSWORD)).token
    return api, token, admin.org_id, caller.id, other.id, secret.id


@pytest.mark.parametrize("probe", PROBES, ids=list(PROBES))
def test_an_invite_only_workspace_the_caller_cannot_see_answers_as_a_random_id(dystr, probe):
    """Dystr: an Invite-only Workspace is reached only by "specifically invited Organization
    members"; to everyone else it must look exactly like an id that does not exist."""
    api, token, org, me, other, secret = dystr
    headers = {"Authorization": f"Bearer {token}"}
    answers = []
    for rid in (secret, RANDOM_ID):
        method, path, body = PROBES[probe](org, me, other, rid)
        response = api.http.request(method, path, json=body, headers=headers)
        answers.append((response.status_code, response.json()))
    hidden, random = answers
    assert hidden == random
    assert hidden[0] in (403, 404), hidden


def test_a_hand_removed_checkout_answers_its_admin_as_a_random_id(api_for):
    """Verkkokurssikassa: "If you need an Owner or Admin to lose access to a specific
    checkout, the row can be removed manually via Edit Checkout Access" — after which a
    check about that checkout tells the admin nothing a random id would not."""
    api = api_for("verkkokurssikassa")
    owner = api.sign_up("owner@example.com")
    c1 = owner.client.send(calls.create_resource(owner.org_id, "checkout", "C1"))
    with api.t.db.sessions() as s:
        org = s.get_one(Organization, owner.org_id)
    admin = make_user(api.t, "admin@example.com", password=PASSWORD)
    add_member(api.t, org, admin, ["admin"])
    owner.client.send(calls.set_member_access(owner.org_id, admin.id, {c1.id: None}))
    headers = {
        "Authorization": f"Bearer {api.anonymous.send(calls.sign_in(admin.email, PASSWORD)).token}"
    }
    answers = []
    for rid in (c1.id, RANDOM_ID):
        check = {"user_id": admin.id, "permission": "checkout.view", "org_id": owner.org_id}
        single = api.http.post("/v1/check", json=check | {"resource_id": rid}, headers=headers)
        batch = api.http.post(
            "/v1/check/batch", json={"checks": [check | {"resource_id": rid}]}, headers=headers
        )
        subjects = api.http.get(
            f"/v1/orgs/{owner.org_id}/resources/{rid}/subjects",
            params={"permission": "checkout.view"},
            headers=headers,
        )
        answers.append([(r.status_code, r.json()) for r in (single, batch, subjects)])
    assert answers[0] == answers[1]
    assert {status for status, _ in answers[0]} == {404}
