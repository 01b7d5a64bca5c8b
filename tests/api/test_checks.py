"""Permission checks over HTTP: single, batch, explain, and freshness after a change."""

from __future__ import annotations

import pytest

from tenantry.api.schemas import CheckIn
from tenantry.client import ApiError, calls
from tests.factories import add_member, make_user


def _org(api, org_id):
    from tenantry.orgs.models import Organization

    with api.t.db.sessions() as s:
        return s.get(Organization, org_id)


def test_check_answers_and_explains_which_role_allows(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    member = make_user(api.t)
    add_member(api.t, _org(api, owner.org_id), member, ["member"])
    answer = owner.client.send(
        calls.check(member.id, "org.members.invite", owner.org_id, explain=True)
    )
    assert answer.allowed is False
    assert answer.explanation == ["no role, grant or rule gives Invite new members"]
    answer = owner.client.send(calls.check(owner.id, "org.delete", owner.org_id, explain=True))
    assert answer.allowed is True
    assert answer.explanation == ["holds the organization role OWNER"]


def test_batch_check_answers_each_request_in_order(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    member = make_user(api.t)
    add_member(api.t, _org(api, owner.org_id), member, ["admin"])
    checks = [
        CheckIn(user_id=member.id, permission=p, org_id=owner.org_id)
        for p in (
            "org.members.invite",
            "org.members.role.change",
            "org.api_keys.manage",
            "org.delete",
        )
    ]
    results = owner.client.send(calls.check_batch(checks)).results
    assert [r.allowed for r in results] == [True, False, True, False]


def test_removed_member_is_denied_on_the_very_next_check(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    member = make_user(api.t)
    add_member(api.t, _org(api, owner.org_id), member, ["admin"])
    first = owner.client.send(calls.check(member.id, "org.members.invite", owner.org_id))
    assert first.allowed  # now cached
    owner.client.send(calls.remove_member(owner.org_id, member.id))
    after = owner.client.send(calls.check(member.id, "org.members.invite", owner.org_id))
    assert after.allowed is False
    assert after.revision > first.revision


def test_unknown_permission_is_a_clear_422(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.check(owner.id, "org.nonsense", owner.org_id))
    assert caught.value.status == 422
    assert "org.nonsense" in caught.value.message


def test_who_can_do_p_here_lists_exactly_the_holders(api_for):
    api = api_for("distribu")
    owner = api.sign_up("owner@example.com")
    admin, member = make_user(api.t, "admin@example.com"), make_user(api.t, "member@example.com")
    org = _org(api, owner.org_id)
    add_member(api.t, org, admin, ["admin"])
    add_member(api.t, org, member, ["member"])
    page = owner.client.send(calls.list_members(owner.org_id, permission="org.members.invite"))
    assert [m.email for m in page.items] == ["admin@example.com", "owner@example.com"]


def test_an_organization_permission_names_no_resource(api_for):
    api = api_for("verkkokurssikassa")
    owner = api.sign_up()
    checkout = owner.client.send(calls.create_resource(owner.org_id, "checkout", "Spring"))
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.check(owner.id, "org.delete", owner.org_id, checkout.id))
    assert caught.value.status == 422
    assert owner.client.send(
        calls.check(owner.id, "checkout.view", owner.org_id, checkout.id)
    ).allowed
