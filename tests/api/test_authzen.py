"""The AuthZEN Authorization API 1.0, with requests in the shapes of the specification's own
examples (an evaluation; a batch whose items take the top level's subject and action and
override them; the three evaluation semantics; the metadata document), asked of Dystr's
Workspaces as the specification asks of documents."""

from __future__ import annotations

from typing import Any

import pytest

from tenantry.accounts.models import User
from tenantry.client import calls
from tenantry.orgs.models import Organization
from tests.api.conftest import PASSWORD, Account, Api
from tests.factories import add_member, make_resource, make_user


@pytest.fixture
def dystr(api_for):
    """Alice, the Administrator; Vera, a Viewer; an organization-wide and an invite-only
    Workspace."""
    api: Api = api_for("dystr")
    alice = api.sign_up("alice@acmecorp.com")
    with api.t.db.reading() as s:
        org = s.get_one(Organization, alice.org_id)
    vera = make_user(api.t, "vera@acmecorp.com", password=PASSWORD)
    add_member(api.t, org, vera, ["viewer"])
    shared = make_resource(api.t, org, "workspace", "boxcarring.md", visibility="organization")
    secret = make_resource(api.t, org, "workspace", "roadmap.md", visibility="invite_only")
    return api, alice, vera.id, shared.id, secret.id


def _post(api: Api, who: Account, path: str, body: Any, **headers: str):
    auth = {"Authorization": f"Bearer {who.client.token}", **headers}
    return api.http.post(path, json=body, headers=auth)


def test_an_evaluation_in_the_specifications_shape_is_answered(dystr):
    api, alice, vera, shared, _ = dystr
    ask = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "workspace", "id": shared},
        "action": {"name": "workspace.view", "properties": {"method": "GET"}},
        "context": {"time": "1985-10-26T01:22-07:00"},
    }
    answer = _post(api, alice, "/access/v1/evaluation", ask)
    assert answer.status_code == 200, answer.text
    assert answer.json()["decision"] is True
    assert answer.json()["context"]["checked_at"].startswith("ct1_")
    ask["action"]["name"] = "workspace.edit"  # a Viewer views, does not edit
    assert _post(api, alice, "/access/v1/evaluation", ask).json()["decision"] is False


def test_an_organization_is_a_resource_by_its_id(dystr):
    api, alice, vera, _, _ = dystr
    ask = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "organization", "id": alice.org_id},
        "action": {"name": "org.members.invite"},
    }
    assert _post(api, alice, "/access/v1/evaluation", ask).json()["decision"] is False
    ask["subject"]["id"] = alice.id
    assert _post(api, alice, "/access/v1/evaluation", ask).json()["decision"] is True


def test_evaluations_take_the_top_level_and_each_item_may_override_it(dystr):
    api, alice, vera, shared, secret = dystr
    batch = {
        "subject": {"type": "user", "id": vera},
        "action": {"name": "workspace.view"},
        "options": {"evaluations_semantic": "execute_all"},
        "evaluations": [
            {"resource": {"type": "workspace", "id": shared}},
            {"resource": {"type": "workspace", "id": secret}},
            {"action": {"name": "workspace.edit"}, "resource": {"type": "workspace", "id": shared}},
            {
                "subject": {"type": "user", "id": alice.id},
                "resource": {"type": "workspace", "id": secret},
            },
        ],
    }
    answer = _post(api, alice, "/access/v1/evaluations", batch)
    assert answer.status_code == 200, answer.text
    assert [e["decision"] for e in answer.json()["evaluations"]] == [True, False, False, True]


@pytest.mark.parametrize(
    ("semantic", "decisions"),
    [
        ("execute_all", [True, False, True]),
        ("deny_on_first_deny", [True, False]),
        ("permit_on_first_permit", [True]),
    ],
)
def test_the_evaluation_semantics_stop_where_the_specification_says(dystr, semantic, decisions):
    api, alice, vera, shared, _ = dystr
    batch = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "workspace", "id": shared},
        "options": {"evaluations_semantic": semantic},
        "evaluations": [
            {"action": {"name": "workspace.view"}},
            {"action": {"name": "workspace.edit"}},
            {"action": {"name": "workspace.view"}},
        ],
    }
    answer = _post(api, alice, "/access/v1/evaluations", batch).json()
    assert [e["decision"] for e in answer["evaluations"]] == decisions


def test_without_evaluations_the_batch_is_one_evaluation(dystr):
    api, alice, vera, shared, _ = dystr
    one = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "workspace", "id": shared},
        "action": {"name": "workspace.view"},
    }
    answer = _post(api, alice, "/access/v1/evaluations", one).json()
    assert answer["decision"] is True and "evaluations" not in answer


def test_in_a_batch_an_evaluation_that_cannot_be_made_is_a_denial_with_its_reason(dystr):
    api, alice, vera, shared, _ = dystr
    batch = {
        "subject": {"type": "user", "id": vera},
        "action": {"name": "workspace.view"},
        "evaluations": [
            {"resource": {"type": "workspace", "id": "0" * 32}},
            {"resource": {"type": "workspace", "id": shared}},
            {"action": {"name": "can_fly"}, "resource": {"type": "workspace", "id": shared}},
            {"resource": {"type": "spaceship", "id": "1"}},
        ],
    }
    out = _post(api, alice, "/access/v1/evaluations", batch).json()["evaluations"]
    assert [e["decision"] for e in out] == [False, True, False, False]
    assert out[0]["context"]["error"]["status"] == 404
    assert (
        out[2]["context"]["error"]["status"] == 400
        and "can_fly" in out[2]["context"]["error"]["message"]
    )
    assert out[3]["context"]["error"]["status"] == 400


def test_alone_it_is_the_error_itself(dystr):
    api, alice, vera, _, _ = dystr
    unknown = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "workspace", "id": "0" * 32},
        "action": {"name": "workspace.view"},
    }
    assert _post(api, alice, "/access/v1/evaluation", unknown).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {
            "subject": {"type": "user"},
            "action": {"name": "x"},
            "resource": {"type": "x", "id": "1"},
        },
        {
            "subject": {"type": "robot", "id": "r"},
            "action": {"name": "org.view"},
            "resource": {"type": "organization", "id": "1"},
        },
        "not an object",
    ],
)
def test_a_request_it_cannot_act_on_is_a_400(dystr, body):
    api, alice, _, _, _ = dystr
    answer = _post(api, alice, "/access/v1/evaluation", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"]


def test_a_batch_item_missing_what_the_top_level_does_not_give_is_a_400_item(dystr):
    api, alice, vera, shared, _ = dystr
    batch = {
        "subject": {"type": "user", "id": vera},
        "evaluations": [{"resource": {"type": "workspace", "id": shared}}],
    }
    (only,) = _post(api, alice, "/access/v1/evaluations", batch).json()["evaluations"]
    assert only["decision"] is False and "action" in only["context"]["error"]["message"]


def test_only_signed_in_and_only_about_ones_own_organization(dystr):
    api, alice, vera, _, _ = dystr
    outsider = api.sign_up("mallory@example.com")
    about_vera = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "organization", "id": alice.org_id},
        "action": {"name": "org.view"},
    }
    # another organization's member: that organization does not exist for them
    assert _post(api, outsider, "/access/v1/evaluation", about_vera).status_code == 404
    # and without a session at all (the client's cookies forgotten)
    api.http.cookies.clear()
    assert api.http.post("/access/v1/evaluation", json=about_vera).status_code == 401
    batch = {**about_vera, "evaluations": [{}]}
    assert api.http.post("/access/v1/evaluations", json=batch).status_code == 401


def test_a_write_token_in_the_context_is_honoured_and_a_bad_one_is_a_400(dystr):
    api, alice, vera, _, _ = dystr
    alice.client.send(calls.remove_member(alice.org_id, vera))
    token = alice.client.consistency_token
    ask = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "organization", "id": alice.org_id},
        "action": {"name": "org.view"},
        "context": {"at_least": token},
    }
    assert _post(api, alice, "/access/v1/evaluation", ask).json()["decision"] is False
    ask["context"] = {"at_least": "ct1_nonsense"}
    assert _post(api, alice, "/access/v1/evaluation", ask).status_code == 400


def test_the_request_id_comes_back_on_answers_and_errors(dystr):
    api, alice, vera, shared, _ = dystr
    ask = {
        "subject": {"type": "user", "id": vera},
        "resource": {"type": "workspace", "id": shared},
        "action": {"name": "workspace.view"},
    }
    ok = _post(api, alice, "/access/v1/evaluation", ask, **{"X-Request-ID": "bfe9eb29-ab87"})
    assert ok.headers["X-Request-ID"] == "bfe9eb29-ab87"
    bad = _post(api, alice, "/access/v1/evaluation", {}, **{"X-Request-ID": "req-2"})
    assert bad.status_code == 400 and bad.headers["X-Request-ID"] == "req-2"


def test_the_metadata_names_both_endpoints(dystr):
    api, *_ = dystr
    meta = api.http.get("/.well-known/authzen-configuration").json()
    base = meta["policy_decision_point"]
    assert meta["access_evaluation_endpoint"] == f"{base}/access/v1/evaluation"
    assert meta["access_evaluations_endpoint"] == f"{base}/access/v1/evaluations"


def test_about_someone_else_only_with_the_policys_view_permission(api_for):
    """Distancer grants permissions one by one: a member without View Organization may ask
    about themselves, not about anyone else (as POST /v1/check)."""
    api: Api = api_for("distancer")
    owner = api.sign_up("owner@example.com")
    helper = api.sign_up("helper@example.com")
    with api.t.db.reading() as s:
        org, user = s.get_one(Organization, owner.org_id), s.get_one(User, helper.id)
    held = [p for p in api.t.policy.permissions if p.startswith("org.") and p != "org.view"][:1]
    add_member(api.t, org, user, permissions=held)
    about = {
        "resource": {"type": "organization", "id": owner.org_id},
        "action": {"name": held[0]},
    }
    mine = {**about, "subject": {"type": "user", "id": helper.id}}
    assert _post(api, helper, "/access/v1/evaluation", mine).json()["decision"] is True
    theirs = {**about, "subject": {"type": "user", "id": owner.id}}
    assert _post(api, helper, "/access/v1/evaluation", theirs).status_code == 403
    batch = {**about, "evaluations": [{"subject": mine["subject"]}, {"subject": theirs["subject"]}]}
    out = _post(api, helper, "/access/v1/evaluations", batch).json()["evaluations"]
    assert [e["decision"] for e in out] == [True, False]
    assert out[1]["context"]["error"]["status"] == 403


def test_a_resource_of_an_organization_one_cannot_see_answers_as_one_that_does_not_exist(dystr):
    api, alice, _, _, _ = dystr
    outsider = api.sign_up("mallory@example.com")
    with api.t.db.reading() as s:
        theirs = s.get_one(Organization, outsider.org_id)
    hidden = make_resource(api.t, theirs, "workspace", "plans.md", visibility="organization")

    def ask(resource_id: str) -> Any:
        return {
            "subject": {"type": "user", "id": alice.id},
            "resource": {"type": "workspace", "id": resource_id},
            "action": {"name": "workspace.view"},
        }

    real = _post(api, alice, "/access/v1/evaluation", ask(hidden.id))
    made_up = _post(api, alice, "/access/v1/evaluation", ask("0" * 32))
    assert (real.status_code, real.json()) == (made_up.status_code, made_up.json())
    batch = {"evaluations": [ask(hidden.id), ask("0" * 32)]}
    first, second = _post(api, alice, "/access/v1/evaluations", batch).json()["evaluations"]
    assert first == second
