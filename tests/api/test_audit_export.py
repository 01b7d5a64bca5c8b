"""``GET /v1/orgs/{org}/audit`` filters and pages; ``…/audit/export`` streams CSV or JSON Lines
with the same filters, oldest first, to those who may read the audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tenantry.client import ApiError, calls
from tenantry.writes import Actor, record
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_org, make_user


@pytest.fixture
def team(api_for):
    api = api_for("distribu")
    olive = make_user(api.t, "olive@example.com", name="Olive", password=PASSWORD)
    bob = make_user(api.t, "bob@example.com", name="Bob", password=PASSWORD)
    org = make_org(api.t, olive, "Olive Co")
    add_member(api.t, org, bob, ["member"], by=olive)
    tokens = {
        u.email: api.anonymous.send(calls.sign_in(u.email, PASSWORD)).token for u in (olive, bob)
    }
    return api, org.id, olive, bob, tokens


def get(api, token, path, **params):
    return api.http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})


def test_the_list_filters_by_actor_and_several_actions(team):
    api, org_id, olive, bob, tokens = team
    owner = api.anonymous.as_token(tokens["olive@example.com"])
    page = owner.send(calls.audit_events(org_id, actor_id=olive.id))
    assert [e.action for e in page.items] == ["member.added", "org.created"]
    found = get(
        api,
        tokens["olive@example.com"],
        f"/v1/orgs/{org_id}/audit",
        action=["org.created", "member.added"],
        target_id=bob.id,
    ).json()
    assert [e["action"] for e in found["items"]] == ["member.added"]


def test_pages_follow_next_cursor_to_the_end(team):
    api, org_id, *_, tokens = team
    first = get(api, tokens["olive@example.com"], f"/v1/orgs/{org_id}/audit", limit=1).json()
    assert first["next_cursor"] == "2"
    second = get(
        api,
        tokens["olive@example.com"],
        f"/v1/orgs/{org_id}/audit",
        limit=1,
        cursor=first["next_cursor"],
    ).json()
    assert [e["seq"] for e in second["items"]] == [1] and second["next_cursor"] is None


def test_jsonl_export_is_every_matching_event_oldest_first_with_its_chain_fields(team):
    api, org_id, *_, tokens = team
    r = get(api, tokens["olive@example.com"], f"/v1/orgs/{org_id}/audit/export", format="jsonl")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["content-disposition"]
    rows = [json.loads(line) for line in r.text.splitlines()]
    assert [(e["seq"], e["action"]) for e in rows] == [(1, "org.created"), (2, "member.added")]
    assert rows[1]["prev_hash"] == rows[0]["hash"]
    verdict = get(api, tokens["olive@example.com"], f"/v1/orgs/{org_id}/audit/verify").json()
    assert verdict["head_hash"] == rows[-1]["hash"]


def test_csv_export_applies_the_filters_and_defuses_formulas(team):
    api, org_id, olive, _, tokens = team
    with api.t.db.transaction() as s:  # a target named like a formula
        record(
            s,
            actor=Actor(user_id=olive.id, label=olive.email),
            org_id=org_id,
            action="org.updated",
            target="=HYPERLINK(1)",
            after={"name": "+1"},
        )
    r = get(
        api,
        tokens["olive@example.com"],
        f"/v1/orgs/{org_id}/audit/export",
        format="csv",
        action="org.updated",
    )
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["action"] for row in rows] == ["org.updated"]
    assert rows[0]["target"] == "'=HYPERLINK(1)"
    assert json.loads(rows[0]["after"]) == {"name": "+1"}


def test_export_needs_the_audit_permission_and_valid_filters(team):
    api, org_id, *_, tokens = team
    denied = get(api, tokens["bob@example.com"], f"/v1/orgs/{org_id}/audit/export")
    assert denied.status_code == 403
    empty = get(
        api,
        tokens["olive@example.com"],
        f"/v1/orgs/{org_id}/audit/export",
        since="2026-12-01T10:00:00Z",
        until="2026-12-01T09:00:00Z",
    )
    assert (empty.status_code, empty.json()["error"]["code"]) == (422, "INVALID")
    bad_format = get(
        api, tokens["olive@example.com"], f"/v1/orgs/{org_id}/audit/export", format="xml"
    )
    assert bad_format.status_code == 422
    for not_text in ("0.5", "1764580000"):  # seconds since 1970 are not an ISO 8601 instant
        numeric = get(
            api, tokens["olive@example.com"], f"/v1/orgs/{org_id}/audit/export", until=not_text
        )
        assert numeric.status_code == 422, numeric.text
        assert "ISO 8601" in numeric.text
    with pytest.raises(ApiError) as caught:
        api.anonymous.as_token(tokens["olive@example.com"]).send(
            calls.audit_events(org_id, cursor="not-a-seq")
        )
    assert caught.value.status == 422


def test_another_organizations_trail_is_not_found(team):
    api, org_id, *_ = team
    stranger = make_user(api.t, "eve@example.com", password=PASSWORD)
    make_org(api.t, stranger, "Eve Co")
    token = api.anonymous.send(calls.sign_in(stranger.email, PASSWORD)).token
    for path in ("audit", "audit/export", "audit/verify"):
        assert get(api, token, f"/v1/orgs/{org_id}/{path}").status_code == 404
