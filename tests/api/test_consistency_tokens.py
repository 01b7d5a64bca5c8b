"""Consistency tokens over the API: every write hands one out; checks honour it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tenantry.accounts.models import User
from tenantry.api.schemas import CheckIn
from tenantry.authz.coherence import LocalOnly
from tenantry.client import ApiError, calls
from tenantry.consistency import HEADER, PATTERN, BadToken, decode, encode
from tenantry.orgs.models import Organization
from tenantry.store import signals
from tenantry.writes import changed_revisions
from tests.factories import add_member


@pytest.fixture
def api(api_for):
    return api_for("distribu")


def test_every_acknowledged_write_carries_the_new_revision_as_a_token(api):
    owner = api.sign_up("olive@example.com")
    created = {owner.org_id: owner.client.send(calls.get_org(owner.org_id)).revision}
    key = owner.client.send(calls.create_api_key(owner.org_id, "ci", roles=["member"]))
    after_key = decode(owner.client.consistency_token)
    assert after_key[owner.org_id] > created[owner.org_id]
    owner.client.send(calls.revoke_api_key(owner.org_id, key.id))  # a 204 carries it too
    assert decode(owner.client.consistency_token)[owner.org_id] > after_key[owner.org_id]


def test_a_read_hands_out_no_write_token(api):
    owner = api.sign_up()
    response = api.http.get(
        f"/v1/orgs/{owner.org_id}", headers={"Authorization": f"Bearer {owner.client.token}"}
    )
    assert response.status_code == 200
    assert HEADER.lower() not in {k.lower() for k in response.headers}


def test_a_refused_write_hands_out_no_token(api):
    owner = api.sign_up()
    before = owner.client.consistency_token
    with pytest.raises(ApiError):
        owner.client.send(calls.create_api_key(owner.org_id, "x", roles=["no-such-role"]))
    assert owner.client.consistency_token == before


def test_a_check_answers_with_the_token_of_the_data_it_used(api):
    owner = api.sign_up()
    answer = owner.client.send(calls.check(owner.id, "org.members.invite", owner.org_id))
    assert answer.allowed
    assert decode(answer.checked_at)[owner.org_id] == answer.revision


def test_a_check_at_least_a_removal_token_is_refused_even_by_a_stale_node(api, api_for):
    owner, member = api.sign_up(), api.sign_up()
    with api.t.db.reading() as s:
        org, user = s.get_one(Organization, owner.org_id), s.get_one(User, member.id)
    add_member(api.t, org, user, ["member"])
    # a second node that hears nothing of this one's commits and trusts its cache
    other = api_for("distribu")
    signals.remove_listener(other.t.authz._invalidate)
    other.t.authz.coherence.close()
    other.t.authz.coherence = LocalOnly()
    asking = other.anonymous.as_token(owner.client.token)
    ask = calls.check(member.id, "org.data.view", owner.org_id)
    assert asking.send(ask).allowed  # warms its cache

    owner.client.send(calls.remove_member(owner.org_id, member.id))
    token = owner.client.consistency_token
    assert asking.send(ask).allowed  # stale, as a node that trusts its cache may be
    fresh = calls.check(member.id, "org.data.view", owner.org_id, at_least=token)
    assert not asking.send(fresh).allowed
    assert not asking.send(calls.check(member.id, "org.data.view", owner.org_id)).allowed


def test_a_malformed_token_is_a_422(api):
    owner = api.sign_up()
    org = owner.org_id
    auth = {"Authorization": f"Bearer {owner.client.token}"}
    ask = {"user_id": owner.id, "permission": "org.members.invite", "org_id": org}
    for bad in ("nonsense", "ct1_!!!", f"ct1_{org}", f"ct1_{org}.0", f"ct1_{org}.1~", "ct1_"):
        answer = api.http.post("/v1/check", json=ask | {"at_least": bad}, headers=auth)
        assert answer.status_code == 422, bad
        lookup = api.http.get(
            f"/v1/orgs/{org}/lookup/resources",
            params={"user_id": owner.id, "permission": "x", "at_least": bad},
            headers=auth,
        )
        assert lookup.status_code == 422, bad


def test_a_token_names_each_organization_with_its_revision():
    token = encode({"a" * 32: 7, "b" * 32: 12})
    assert decode(token) == {"a" * 32: 7, "b" * 32: 12}
    assert re.fullmatch(PATTERN, token)
    with pytest.raises(BadToken):
        decode(token.replace(".7", ".x"))


def test_fully_consistent_and_at_least_are_accepted_on_batches_and_lookups(api):
    owner = api.sign_up()
    token = owner.client.consistency_token
    one = CheckIn(user_id=owner.id, permission="org.members.invite", org_id=owner.org_id)
    batch = owner.client.send(calls.check_batch([one], at_least=token, fully_consistent=True))
    assert batch.results[0].allowed


def test_the_answer_to_a_write_names_the_same_token_in_its_body(api):
    owner = api.sign_up()
    key = owner.client.send(calls.create_api_key(owner.org_id, "ci", roles=["member"]))
    assert key.consistency_token is not None
    assert key.consistency_token == owner.client.consistency_token
    assert decode(key.consistency_token)[owner.org_id] > 1
    read = owner.client.send(calls.get_org(owner.org_id))
    assert read.consistency_token is None  # a read committed nothing


def test_a_write_whose_commit_fails_answers_an_error_and_leaves_nothing(api):
    owner = api.sign_up()
    failing = {"on": True}

    def refuse_commit(session):
        if failing["on"] and changed_revisions(session):
            raise OperationalError("COMMIT", {}, Exception("the server went away"))

    event.listen(Session, "before_commit", refuse_commit)
    try:
        with pytest.raises(ApiError) as caught:
            owner.client.send(calls.create_api_key(owner.org_id, "never", roles=["member"]))
    finally:
        event.remove(Session, "before_commit", refuse_commit)
    assert (caught.value.status, caught.value.code) == (503, "RETRY")
    assert [k.name for k in owner.client.send(calls.list_api_keys(owner.org_id))] == []
